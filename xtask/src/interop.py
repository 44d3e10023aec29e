"""Reference side of `cargo xtask interop`.

Reads a request file of cases, and for each one:
  1. decrypts what Rust made, with the reference, and checks the plaintext;
  2. encrypts the same plaintext with the reference, for Rust to decrypt.
Writes a response file. Usage: python interop.py REQUEST.json RESPONSE.json
"""
import json
import sys

import aiootp
from aiootp import Chunky2048, CipherStream, DecipherStream

PACKET = 280


def unhex(s):
    return bytes.fromhex(s)


def stream_decrypt(key, aad, salt, iv, packets, tag, chunk_packets):
    s = DecipherStream(key, salt=salt, aad=aad, iv=iv)
    out = []
    step = max(1, chunk_packets) * PACKET
    for i in range(0, len(packets), step):
        s.buffer(packets[i : i + step])
        out.extend(s)
    out.extend(s.finalize())
    s.shmac.finalize()
    s.shmac.test_shmac(tag)
    return b"".join(out)


def stream_encrypt(key, aad, data, chunk):
    s = CipherStream(key, aad=aad)
    packets = []
    chunk = max(1, chunk)
    for i in range(0, len(data), chunk):
        s.buffer(data[i : i + chunk])
        packets.extend(b + c for b, c in s)
    packets.extend(b + c for b, c in s.finalize())
    tag = s.shmac.finalize()
    return s.salt, s.iv, b"".join(packets), tag


def rust_to_python(case):
    """Decrypts Rust's output; returns None on success or an error text."""
    op, key, aad = case["op"], unhex(case["key"]), unhex(case["aad"])
    r = case["rust"]
    ttl = case.get("ttl", 0)
    if op == "bytes":
        got = aiootp.bytes_decrypt(unhex(r["ciphertext"]), key, aad=aad, ttl=ttl)
        return None if got == unhex(case["plaintext"]) else "plaintext differs"
    if op == "json":
        value = aiootp.json_decrypt(unhex(r["ciphertext"]), key, aad=aad, ttl=ttl)
        if json.dumps(value) != case["json_text"]:
            return "json.dumps of the decrypted value differs from Rust's text"
        return None
    if op == "token":
        got = Chunky2048(key).read_token(r["token"], aad=aad, ttl=ttl)
        return None if got == unhex(case["plaintext"]) else "plaintext differs"
    if op in ("stream", "framed"):
        if op == "framed":
            wire = unhex(r["wire"])
            salt, iv, packets, tag = wire[:16], wire[16:32], wire[32:-32], wire[-32:]
        else:
            salt, iv, packets, tag = (unhex(r[k]) for k in ("salt", "iv", "packets", "shmac"))
        got = stream_decrypt(key, aad, salt, iv, packets, tag, case["chunk_packets"])
        return None if got == unhex(case["plaintext"]) else "plaintext differs"
    return "unknown op " + op


def python_to_rust(case):
    op, key, aad = case["op"], unhex(case["key"]), unhex(case["aad"])
    if op == "bytes":
        return {"ciphertext": aiootp.bytes_encrypt(unhex(case["plaintext"]), key, aad=aad).hex()}
    if op == "json":
        value = json.loads(case["json_text"])
        return {"ciphertext": aiootp.json_encrypt(value, key, aad=aad).hex(), "json_text": json.dumps(value)}
    if op == "token":
        return {"token": Chunky2048(key).make_token(unhex(case["plaintext"]), aad=aad).decode()}
    if op in ("stream", "framed"):
        salt, iv, packets, tag = stream_encrypt(key, aad, unhex(case["plaintext"]), case["chunk"])
        return {"salt": salt.hex(), "iv": iv.hex(), "packets": packets.hex(), "shmac": tag.hex()}
    raise ValueError("unknown op " + op)


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    out = []
    for case in cases:
        res = {"id": case["id"]}
        try:
            res["rust_to_python_error"] = rust_to_python(case)
        except Exception as e:  # the failure is the result
            res["rust_to_python_error"] = f"{type(e).__name__}: {e}"
        try:
            res["python"] = python_to_rust(case)
        except Exception as e:
            res["python_error"] = f"{type(e).__name__}: {e}"
        out.append(res)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
