"""Reference side of `cargo xtask interop` for Passcrypt, Ed25519, dh2 and dh3.

A persistent process: one JSON command per stdin line, one JSON answer per
stdout line. Handshake clients are kept between commands by id, so a
multi-step exchange can cross the process boundary one message at a time.
"""
import json
import sys

from aiootp import Ed25519, Passcrypt, X25519

clients = {}


def outputs(kdf):
    return {
        "sha3_256": kdf.sha3_256(context=b"").hex(),
        "sha3_512": kdf.sha3_512(context=b"test").hex(),
        "shake_128": kdf.shake_128(32, context=b"client-key").hex(),
        "shake_256": kdf.shake_256(64, context=b"server-key").hex(),
    }


def finish_client(ex, response):
    try:
        ex(response)
    except StopIteration:
        pass
    ex.__exit__(None, None, None)
    return outputs(ex.result())


def handle(cmd):
    op = cmd["op"]
    h = lambda k: bytes.fromhex(cmd[k])
    if op == "passcrypt_hash":
        Passcrypt.PEPPER = h("pepper")
        s = {k: cmd[k] for k in ("mb", "cpu", "cores", "tag_size", "salt_size")}
        return {"hash": Passcrypt.hash_passphrase(h("passphrase"), aad=h("aad"), **s).hex()}
    if op == "passcrypt_verify":
        Passcrypt.PEPPER = h("pepper")
        Passcrypt.verify(h("hash"), h("passphrase"), aad=h("aad"))
        return {"ok": True}
    if op == "ed25519_sign":
        k = Ed25519().generate()
        return {"public": k.public_bytes.hex(), "signature": k.sign(h("message")).hex()}
    if op == "ed25519_verify":
        Ed25519().verify(h("signature"), h("message"), public_key=h("public"))
        return {"ok": True}
    if op == "dh3_client_hello":
        ex = X25519().generate().dh3_client()
        ex.__enter__()
        hello = ex()
        clients[cmd["id"]] = ex
        return {"hello": [k.hex() for k in hello]}
    if op == "dh2_client_hello":
        ex = X25519.dh2_client()
        ex.__enter__()
        hello = ex()
        clients[cmd["id"]] = ex
        return {"hello": hello.hex()}
    if op in ("dh3_client_finish", "dh2_client_finish"):
        response = tuple(bytes.fromhex(k) for k in cmd["response"])
        return {"outputs": finish_client(clients.pop(cmd["id"]), response)}
    if op == "dh3_server":
        hello = [bytes.fromhex(k) for k in cmd["hello"]]
        server = X25519().generate().dh3_server(*hello)
        with server as ex:
            response = ex.exhaust()
        return {"response": [k.hex() for k in response], "outputs": outputs(server.result())}
    if op == "dh2_server":
        server = X25519().generate().dh2_server(h("hello"))
        with server as ex:
            response = ex.exhaust()
        return {"response": [k.hex() for k in response], "outputs": outputs(server.result())}
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    try:
        answer = handle(json.loads(line))
    except Exception as e:  # the failure is the answer
        answer = {"error": f"{type(e).__name__}: {e}"}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
