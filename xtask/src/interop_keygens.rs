//! The keygens part of `cargo xtask interop`: Passcrypt hashes, Ed25519
//! signatures, and dh2/dh3 handshakes with one side in Python and the
//! other in Rust, both ways. The reference runs as a persistent process
//! (`interop_keygens.py`), so a handshake crosses it one message at a time.

use crate::util::{self, Drbg};
use aiootp_asym::{Ed25519, Ed25519Public, PublicKeys, X25519, dh2, dh3};
use aiootp_core::DomainKdf;
use aiootp_passcrypt::{AllowedRanges, Passcrypt, Settings};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Reference {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Reference {
    fn start(python: &std::path::Path) -> Result<Self, String> {
        let script = util::root().join("target/interop/interop_keygens.py");
        std::fs::create_dir_all(script.parent().unwrap_or(&util::root()))
            .map_err(|e| e.to_string())?;
        std::fs::write(&script, include_str!("interop_keygens.py")).map_err(|e| e.to_string())?;
        // The reference's Passcrypt forks a process pool whose workers would
        // inherit (and hold open) our stderr: give them a log file instead.
        let log = std::fs::File::create(util::root().join("target/interop/reference-stderr.log"))
            .map_err(|e| e.to_string())?;
        let mut child = Command::new(python)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Self {
            child,
            stdin: Some(stdin),
            stdout,
        })
    }

    fn call(&mut self, cmd: Value) -> Result<Value, String> {
        let stdin = self.stdin.as_mut().ok_or("the reference is closed")?;
        writeln!(stdin, "{cmd}").map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let v: Value =
            serde_json::from_str(&line).map_err(|e| format!("reference answered {line:?}: {e}"))?;
        match v.get("error") {
            Some(err) => Err(format!("reference: {err}")),
            None => Ok(v),
        }
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        // Closing stdin ends the helper's loop, so Python exits normally and
        // shuts its process pool down; kill only if it does not.
        drop(self.stdin.take());
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn h(v: &Value, k: &str) -> Result<Vec<u8>, String> {
    v.get(k)
        .and_then(Value::as_str)
        .and_then(|s| hex::decode(s).ok())
        .ok_or_else(|| format!("missing {k}"))
}

fn pair(v: &Value, k: &str) -> Result<PublicKeys, String> {
    let items = v
        .get(k)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("missing {k}"))?;
    let bytes: Vec<u8> = items
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|s| hex::decode(s).ok())
        .flatten()
        .collect();
    PublicKeys::from_bytes(&bytes).map_err(|e| e.to_string())
}

fn same_outputs(kdf: &DomainKdf, theirs: &Value) -> Result<(), String> {
    let o = theirs.get("outputs").ok_or("missing outputs")?;
    let ours = [
        ("sha3_256", kdf.sha3_256(b"").to_vec()),
        ("sha3_512", kdf.sha3_512(b"test").to_vec()),
        (
            "shake_128",
            kdf.shake_128(32, b"client-key")
                .map_err(|e| e.to_string())?,
        ),
        (
            "shake_256",
            kdf.shake_256(64, b"server-key")
                .map_err(|e| e.to_string())?,
        ),
    ];
    for (k, v) in ours {
        if h(o, k)? != v {
            return Err(format!("{k} differs between the two sides"));
        }
    }
    Ok(())
}

/// Runs `rounds` rounds; each has 8 checks (4 kinds × 2 directions).
pub fn run(
    python: &std::path::Path,
    rounds: usize,
    seed: &str,
) -> Result<(usize, usize, Vec<String>), String> {
    let mut py = Reference::start(python)?;
    let mut rng = Drbg::new(format!("aiootp-interop-keygens:{seed}").as_bytes());
    let (mut passed, mut failed, mut failures) = (0, 0, Vec::new());
    for round in 0..rounds {
        let checks: [(&str, Result<(), String>); 8] = [
            (
                "passcrypt rust→python",
                passcrypt_rust_to_python(&mut py, &mut rng),
            ),
            (
                "passcrypt python→rust",
                passcrypt_python_to_rust(&mut py, &mut rng),
            ),
            (
                "ed25519 rust→python",
                ed25519_rust_to_python(&mut py, &mut rng),
            ),
            (
                "ed25519 python→rust",
                ed25519_python_to_rust(&mut py, &mut rng),
            ),
            ("dh3 rust client, python server", dh3_rust_client(&mut py)),
            (
                "dh3 python client, rust server",
                dh3_python_client(&mut py, round),
            ),
            ("dh2 rust client, python server", dh2_rust_client(&mut py)),
            (
                "dh2 python client, rust server",
                dh2_python_client(&mut py, round),
            ),
        ];
        for (name, r) in checks {
            match r {
                Ok(()) => passed += 1,
                Err(e) => {
                    failed += 1;
                    failures.push(format!("round {round} {name}: {e}"));
                }
            }
        }
    }
    Ok((passed, failed, failures))
}

fn random_settings(rng: &mut Drbg) -> (Settings, usize) {
    let s = Settings {
        mb: 1 + rng.below(4),
        cpu: 1 + rng.below(3),
        cores: 1 + rng.below(3),
        tag_size: 16 + rng.index(49),
    };
    (s, 4 + rng.index(29))
}

fn inputs(rng: &mut Drbg) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let pass_len = 12 + rng.index(30);
    let aad_len = rng.index(40);
    let pepper_len = if rng.below(2) == 0 { 0 } else { 16 };
    (
        rng.bytes(pass_len),
        rng.bytes(aad_len),
        rng.bytes(pepper_len),
    )
}

fn passcrypt_rust_to_python(py: &mut Reference, rng: &mut Drbg) -> Result<(), String> {
    let (s, salt_size) = random_settings(rng);
    let (pass, aad, pepper) = inputs(rng);
    let hash = Passcrypt::with_pepper(&pepper)
        .hash_passphrase(&pass, &aad, s, salt_size)
        .map_err(|e| e.to_string())?;
    let cmd = |p: &[u8]| {
        json!({"op": "passcrypt_verify", "hash": hex::encode(&hash), "passphrase": hex::encode(p),
                                "aad": hex::encode(&aad), "pepper": hex::encode(&pepper)})
    };
    py.call(cmd(&pass))?;
    // And the reference must refuse a wrong passphrase.
    let mut wrong = pass.clone();
    wrong[0] ^= 1;
    match py.call(cmd(&wrong)) {
        Err(e) if e.contains("InvalidPassphrase") => Ok(()),
        other => Err(format!("a wrong passphrase gave {other:?}")),
    }
}

fn passcrypt_python_to_rust(py: &mut Reference, rng: &mut Drbg) -> Result<(), String> {
    let (s, salt_size) = random_settings(rng);
    let (pass, aad, pepper) = inputs(rng);
    let answer = py.call(json!({"op": "passcrypt_hash", "passphrase": hex::encode(&pass), "aad": hex::encode(&aad),
        "pepper": hex::encode(&pepper), "mb": s.mb, "cpu": s.cpu, "cores": s.cores, "tag_size": s.tag_size,
        "salt_size": salt_size}))?;
    let hash = h(&answer, "hash")?;
    let pc = Passcrypt::with_pepper(&pepper);
    pc.verify(&hash, &pass, &aad, 0, &AllowedRanges::default())
        .map_err(|e| e.to_string())?;
    match pc.verify(&hash, &pass, b"other aad", 0, &AllowedRanges::default()) {
        Err(aiootp_passcrypt::Error::InvalidPassphrase) => Ok(()),
        other => Err(format!("a wrong aad gave {other:?}")),
    }
}

fn ed25519_rust_to_python(py: &mut Reference, rng: &mut Drbg) -> Result<(), String> {
    let key = Ed25519::generate().map_err(|e| e.to_string())?;
    let msg_len = rng.index(200);
    let msg = rng.bytes(msg_len);
    let sig = key.sign(&msg);
    py.call(
        json!({"op": "ed25519_verify", "public": hex::encode(key.public_bytes()),
                   "signature": hex::encode(sig), "message": hex::encode(&msg)}),
    )?;
    Ok(())
}

fn ed25519_python_to_rust(py: &mut Reference, rng: &mut Drbg) -> Result<(), String> {
    let msg_len = rng.index(200);
    let msg = rng.bytes(msg_len);
    let answer = py.call(json!({"op": "ed25519_sign", "message": hex::encode(&msg)}))?;
    let public = Ed25519Public::from_bytes(&h(&answer, "public")?).map_err(|e| e.to_string())?;
    let sig = h(&answer, "signature")?;
    public.verify(&sig, &msg).map_err(|e| e.to_string())?;
    match public.verify(&sig, b"another message") {
        Err(_) => Ok(()),
        Ok(()) => Err("a signature verified over another message".into()),
    }
}

fn dh3_rust_client(py: &mut Reference) -> Result<(), String> {
    let me = X25519::generate().map_err(|e| e.to_string())?;
    let (client, hello) = dh3::Client::start(&me).map_err(|e| e.to_string())?;
    let answer = py.call(json!({"op": "dh3_server", "hello": [hex::encode(hello.identity), hex::encode(hello.ephemeral)]}))?;
    let kdf = client
        .finish(&pair(&answer, "response")?)
        .map_err(|e| e.to_string())?;
    same_outputs(&kdf, &answer)
}

fn dh3_python_client(py: &mut Reference, round: usize) -> Result<(), String> {
    let id = format!("dh3-{round}");
    let hello = py.call(json!({"op": "dh3_client_hello", "id": id}))?;
    let server = X25519::generate().map_err(|e| e.to_string())?;
    let (response, kdf) =
        dh3::respond(&server, &pair(&hello, "hello")?).map_err(|e| e.to_string())?;
    let answer = py.call(json!({"op": "dh3_client_finish", "id": id,
        "response": [hex::encode(response.identity), hex::encode(response.ephemeral)]}))?;
    same_outputs(&kdf, &answer)
}

fn dh2_rust_client(py: &mut Reference) -> Result<(), String> {
    let (client, hello) = dh2::Client::start().map_err(|e| e.to_string())?;
    let answer = py.call(json!({"op": "dh2_server", "hello": hex::encode(hello)}))?;
    let kdf = client
        .finish(&pair(&answer, "response")?)
        .map_err(|e| e.to_string())?;
    same_outputs(&kdf, &answer)
}

fn dh2_python_client(py: &mut Reference, round: usize) -> Result<(), String> {
    let id = format!("dh2-{round}");
    let hello = py.call(json!({"op": "dh2_client_hello", "id": id}))?;
    let server = X25519::generate().map_err(|e| e.to_string())?;
    let (response, kdf) = dh2::respond(&server, &h(&hello, "hello")?).map_err(|e| e.to_string())?;
    let answer = py.call(json!({"op": "dh2_client_finish", "id": id,
        "response": [hex::encode(response.identity), hex::encode(response.ephemeral)]}))?;
    same_outputs(&kdf, &answer)
}
