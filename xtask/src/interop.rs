//! `cargo xtask interop [--cases N] [--seed S]`: live round trips with the
//! reference on fresh random inputs, both ways. Each case is checked in two
//! directions (Rust → Python and Python → Rust); each direction counts once.

use crate::util::{self, Drbg};
use aiootp_chunky2048::stream::EncryptWriter;
use aiootp_chunky2048::{Chunky2048, CipherStream, DecipherStream, PACKETSIZE};
use aiootp_core::python_dumps;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Plaintext sizes every run covers (block edges), then random ones.
const EDGE_SIZES: &[usize] = &[0, 1, 235, 236, 237, 255, 256, 257, 511, 512];
/// Sizes over 1 MiB, used by a few cases of every run.
const LARGE_SIZES: &[usize] = &[(1 << 20) + 1, (1 << 20) + 300_000];
const OPS: &[&str] = &["bytes", "json", "token", "stream", "framed"];

pub fn main(args: &[String]) -> Result<(), String> {
    let mut cases = 200usize;
    let mut seed: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cases" => {
                cases = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--cases needs a number")?
            }
            "--seed" => seed = Some(it.next().ok_or("--seed needs a value")?.clone()),
            other => {
                return Err(format!(
                    "unknown argument `{other}` (interop [--cases N] [--seed S])"
                ));
            }
        }
    }
    let seed = match seed {
        Some(s) => s,
        None => hex::encode(aiootp_core::token_bytes(16).map_err(|e| e.to_string())?),
    };
    eprintln!("interop: {cases} cases, seed {seed}");
    let python = util::reference_python()?;
    let (mut passed, mut failed, mut failures) = run(&python, cases, &seed)?;
    let rounds = (cases / 10).max(5);
    eprintln!("interop: {rounds} keygens rounds (passcrypt, ed25519, dh3, dh2; both ways)");
    let (p, f, fs) = crate::interop_keygens::run(&python, rounds, &seed)?;
    passed += p;
    failed += f;
    failures.extend(fs);
    eprintln!("interop: {rounds} database rounds both ways, and the fixture generator");
    let (p, f, fs) = crate::interop_db::run(&python, rounds, &seed)?;
    passed += p;
    failed += f;
    failures.extend(fs);
    eprintln!("interop: the aiootp command line, both ways");
    let (p, f, fs) = crate::interop_cli::run(&python, &seed)?;
    passed += p;
    failed += f;
    failures.extend(fs);
    eprintln!("interop: the Python blocks of docs/migration.md");
    let (p, f, fs) = migration_guide(&python)?;
    passed += p;
    failed += f;
    failures.extend(fs);
    for f in &failures {
        eprintln!("FAILED {f}");
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        return Err(format!("{failed} interop checks failed (seed {seed})"));
    }
    Ok(())
}

/// Runs every ```python block of `docs/migration.md` with the reference.
fn migration_guide(python: &Path) -> Result<(usize, usize, Vec<String>), String> {
    let blocks = util::python_blocks("docs/migration.md")?;
    let (mut passed, mut failures) = (0, Vec::new());
    for (i, block) in blocks.iter().enumerate() {
        let out = Command::new(python)
            .args(["-c", block])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            passed += 1;
        } else {
            failures.push(format!(
                "docs/migration.md python block {}: {}",
                i + 1,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok((passed, failures.len(), failures))
}

struct Case {
    id: String,
    op: &'static str,
    cipher: Chunky2048,
    key: Vec<u8>,
    aad: Vec<u8>,
    plaintext: Vec<u8>,
    json_value: Option<Value>,
    ttl: u64,
    chunk: usize,
    chunk_packets: usize,
}

fn make_case(rng: &mut Drbg, i: usize, n: usize) -> Result<Case, String> {
    let op = OPS[i % OPS.len()];
    let key_len = [64, 65, 151, 152, 168, 200, 1000][rng.index(7)];
    let key = rng.bytes(key_len);
    let aad_len = rng.index(301);
    let aad = rng.bytes(aad_len);
    let size = if i < EDGE_SIZES.len() * OPS.len() {
        EDGE_SIZES[i / OPS.len()]
    } else if i + LARGE_SIZES.len() * 2 >= n && op != "json" {
        LARGE_SIZES[i % LARGE_SIZES.len()]
    } else {
        rng.index(5000)
    };
    let (plaintext, json_value) = if op == "json" {
        let v = random_json(rng, 3);
        (python_dumps(&v).into_bytes(), Some(v))
    } else {
        (rng.bytes(size), None)
    };
    let cipher = Chunky2048::new(&key).map_err(|e| e.to_string())?;
    Ok(Case {
        id: format!("{op}-{i}"),
        op,
        cipher,
        key,
        aad,
        plaintext,
        json_value,
        ttl: if rng.below(2) == 0 { 0 } else { 3600 },
        chunk: 1 + rng.index(4000),
        chunk_packets: 1 + rng.index(8),
    })
}

/// A random JSON value with Python-representable numbers and any Unicode.
fn random_json(rng: &mut Drbg, depth: u32) -> Value {
    let pick = rng.below(if depth == 0 { 5 } else { 7 });
    match pick {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 1),
        2 => {
            let b = rng.bytes(8);
            let n = i64::from_be_bytes(b.try_into().unwrap_or([0; 8])) >> rng.below(63);
            json!(n)
        }
        3 => {
            let f = loop {
                let b = rng.bytes(8);
                let f = f64::from_bits(u64::from_be_bytes(b.try_into().unwrap_or([0; 8])));
                if f.is_finite() {
                    break f;
                }
            };
            let choices = [f, 0.1, 1e16, 1e-7, -0.0, 1.5, 123456789.125];
            json!(choices[rng.index(choices.len())])
        }
        4 => Value::String(random_string(rng)),
        5 => Value::Array(
            (0..rng.below(5))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.below(5) {
                m.insert(random_string(rng), random_json(rng, depth - 1));
            }
            Value::Object(m)
        }
    }
}

fn random_string(rng: &mut Drbg) -> String {
    let pool = [
        'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u{1}', '\u{7f}', 'é', 'β', '中', '😀',
        '\u{ffff}',
    ];
    (0..rng.below(12))
        .map(|_| pool[rng.index(pool.len())])
        .collect()
}

fn rust_output(c: &Case) -> Result<Value, String> {
    let e = |e: aiootp_chunky2048::Error| e.to_string();
    Ok(match c.op {
        "bytes" => {
            json!({"ciphertext": hex::encode(c.cipher.bytes_encrypt(&c.plaintext, &c.aad).map_err(e)?)})
        }
        "json" => {
            let v = c.json_value.as_ref().ok_or("json case without value")?;
            json!({"ciphertext": hex::encode(c.cipher.json_encrypt(v, &c.aad).map_err(e)?)})
        }
        "token" => json!({"token": c.cipher.make_token(&c.plaintext, &c.aad).map_err(e)?}),
        "stream" => {
            let mut s = CipherStream::new(&c.cipher, &c.aad).map_err(e)?;
            let mut packets = Vec::new();
            for chunk in c.plaintext.chunks(c.chunk) {
                s.buffer(chunk).drain_into(&mut packets);
            }
            let (salt, iv) = (*s.salt(), *s.iv());
            let (rest, shmac) = s.finalize().map_err(e)?;
            rest.iter()
                .for_each(|p| packets.extend_from_slice(p.as_bytes()));
            json!({"salt": hex::encode(salt), "iv": hex::encode(iv), "packets": hex::encode(packets),
                   "shmac": hex::encode(shmac.finalize())})
        }
        "framed" => {
            let mut w = EncryptWriter::new(Vec::new(), &c.cipher, &c.aad).map_err(e)?;
            for chunk in c.plaintext.chunks(c.chunk) {
                w.write_all(chunk).map_err(|e| e.to_string())?;
            }
            json!({"wire": hex::encode(w.finish().map_err(e)?)})
        }
        other => return Err(format!("unknown op {other}")),
    })
}

/// Decrypts the reference's output with Rust.
fn python_to_rust(c: &Case, out: &Value) -> Result<(), String> {
    let h = |k: &str| {
        out.get(k)
            .and_then(Value::as_str)
            .and_then(|s| hex::decode(s).ok())
            .ok_or(format!("missing {k}"))
    };
    let e = |e: aiootp_chunky2048::Error| e.to_string();
    match c.op {
        "bytes" => check(
            &c.cipher
                .bytes_decrypt(&h("ciphertext")?, &c.aad, c.ttl)
                .map_err(e)?,
            &c.plaintext,
        ),
        "json" => {
            let v: Value = c
                .cipher
                .json_decrypt(&h("ciphertext")?, &c.aad, c.ttl)
                .map_err(e)?;
            if Some(&v) != c.json_value.as_ref() {
                return Err("json value differs".into());
            }
            let text = out.get("json_text").and_then(Value::as_str).unwrap_or("");
            if python_dumps(&v) != text {
                return Err("python_dumps differs from the reference's json.dumps".into());
            }
            Ok(())
        }
        "token" => {
            let token = out
                .get("token")
                .and_then(Value::as_str)
                .ok_or("missing token")?;
            check(
                &c.cipher.read_token(token, &c.aad, c.ttl).map_err(e)?,
                &c.plaintext,
            )
        }
        _ => {
            let salt: [u8; 16] = h("salt")?.try_into().map_err(|_| "salt size")?;
            let iv: [u8; 16] = h("iv")?.try_into().map_err(|_| "iv size")?;
            let packets = h("packets")?;
            let mut d = DecipherStream::new(&c.cipher, salt, iv, &c.aad, c.ttl).map_err(e)?;
            let mut plain = Vec::new();
            for chunk in packets.chunks(PACKETSIZE * c.chunk_packets) {
                d.buffer(chunk).map_err(e)?;
                d.read_available_into(&mut plain).map_err(e)?;
            }
            let (tail, shmac) = d.finalize().map_err(e)?;
            shmac.test_shmac(&h("shmac")?).map_err(e)?;
            plain.extend_from_slice(&tail);
            check(&plain, &c.plaintext)
        }
    }
}

fn check(got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "plaintext differs ({} vs {} bytes)",
            got.len(),
            want.len()
        ))
    }
}

fn run(python: &Path, n: usize, seed: &str) -> Result<(usize, usize, Vec<String>), String> {
    let mut rng = Drbg::new(format!("aiootp-interop:{seed}").as_bytes());
    let cases: Vec<Case> = (0..n)
        .map(|i| make_case(&mut rng, i, n))
        .collect::<Result<_, _>>()?;
    let mut request = Vec::with_capacity(n);
    for c in &cases {
        request.push(json!({
            "id": c.id, "op": c.op, "key": hex::encode(&c.key), "aad": hex::encode(&c.aad),
            "plaintext": hex::encode(&c.plaintext), "json_text": String::from_utf8_lossy(&c.plaintext),
            "ttl": c.ttl, "chunk": c.chunk, "chunk_packets": c.chunk_packets, "rust": rust_output(c)?,
        }));
    }
    let dir = util::root().join("target/interop");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (req, resp, script) = (
        dir.join("request.json"),
        dir.join("response.json"),
        dir.join("interop.py"),
    );
    std::fs::write(
        &req,
        serde_json::to_vec(&request).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(&script, include_str!("interop.py")).map_err(|e| e.to_string())?;
    let status = Command::new(python)
        .arg(&script)
        .arg(&req)
        .arg(&resp)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("the reference side failed ({status})"));
    }
    let response: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&resp).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let (mut passed, mut failed, mut failures) = (0, 0, Vec::new());
    for (c, r) in cases.iter().zip(&response) {
        match r.get("rust_to_python_error") {
            Some(Value::Null) => passed += 1,
            other => {
                failed += 1;
                failures.push(format!(
                    "{} rust→python: {}",
                    c.id,
                    other.map_or("no answer".into(), Value::to_string)
                ));
            }
        }
        let result = match (r.get("python"), r.get("python_error")) {
            (Some(out), _) => python_to_rust(c, out),
            (None, err) => Err(format!("reference failed to encrypt: {err:?}")),
        };
        match result {
            Ok(()) => passed += 1,
            Err(e) => {
                failed += 1;
                failures.push(format!("{} python→rust: {e}", c.id));
            }
        }
    }
    if response.len() != cases.len() {
        failed += cases.len().abs_diff(response.len());
        failures.push("response count differs".into());
    }
    Ok((passed, failed, failures))
}
