//! `cargo xtask bench [--json PATH] [--quick] [--no-reference] [--no-memory]`.
//!
//! Measures, in one run: the time of one `Keccak-f[1600]` permutation of the
//! backend the cipher uses; Rust throughput per op and size; the bound
//! `size / (P · t_perm)` from the exact permutation count P of the message
//! (spec chunky2048 §12); and the reference's throughput, timed the same way
//! by `shared/kat/bench_chunky2048.py`. MB = 10^6 bytes.

use crate::util;
use aiootp_chunky2048::stream::{DecryptReader, EncryptWriter};
use aiootp_chunky2048::{
    Chunky2048, CipherStream, DecipherStream, PACKETSIZE, bytes_decrypt, bytes_encrypt,
};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

const SIZES: &[usize] = &[64, 1024, 65536, 1 << 20, 16 << 20];
const OPS: &[&str] = &[
    "bytes_encrypt",
    "bytes_decrypt",
    "stream_encrypt",
    "stream_decrypt",
];
const ENC_CHUNK: usize = 1 << 20;
const DEC_PACKETS: usize = 4096;
const KEY_LEN: usize = 64;

struct Options {
    json: Option<String>,
    quick: bool,
    reference: bool,
    memory: bool,
    cipher: bool,
    passcrypt: bool,
    database: bool,
}

pub fn main(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--passcrypt-child") {
        return crate::bench_passcrypt::child(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("--memory-child") {
        return memory_child(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1 << 30));
    }
    let mut o = Options {
        json: None,
        quick: false,
        reference: true,
        memory: true,
        cipher: true,
        passcrypt: true,
        database: true,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => o.json = Some(it.next().ok_or("--json needs a path")?.clone()),
            "--quick" => o.quick = true,
            "--no-reference" => o.reference = false,
            "--no-memory" => o.memory = false,
            "--no-passcrypt" => o.passcrypt = false,
            "--only-cipher" => {
                o.passcrypt = false;
                o.memory = false;
                o.database = false;
            }
            "--only-db" => {
                o.passcrypt = false;
                o.memory = false;
                o.cipher = false;
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let sizes: Vec<usize> = if o.quick {
        SIZES[..4].to_vec()
    } else {
        SIZES.to_vec()
    };
    let min_time = Duration::from_millis(if o.quick { 100 } else { 500 });
    let samples = if o.quick { 1 } else { 3 };

    let perm_ns = permutation_ns(if o.quick { 200_000 } else { 2_000_000 });
    let crate_ns = keccak_crate_ns(if o.quick { 200_000 } else { 2_000_000 });
    println!(
        "Keccak-f[1600]: {perm_ns:.1} ns per permutation ({}; the keccak crate: {crate_ns:.1} ns)",
        aiootp_core::internal::backend_name()
    );
    let x4 = keccak_x4_rows(if o.quick { 50_000 } else { 500_000 });
    let reference = if o.reference && o.cipher {
        reference_rows(&sizes, min_time, samples)?
    } else {
        Vec::new()
    };

    println!(
        "{:<15} {:>10} {:>11} {:>11} {:>8} {:>13} {:>9}",
        "op", "size", "rust MB/s", "bound MB/s", "of bound", "reference MB/s", "vs ref"
    );
    let mut rows = Vec::new();
    let ops: &[&str] = if o.cipher { OPS } else { &[] };
    for op in ops {
        for &size in &sizes {
            let rust = measure(op, size, min_time, samples)?;
            let bound = size as f64 / (permutations(op, size) as f64 * perm_ns * 1e-9) / 1e6;
            let reference_mb_s = reference
                .iter()
                .find(|r| r["op"] == *op && r["size"].as_u64() == Some(size as u64))
                .and_then(|r| r["reference_mb_s"].as_f64());
            println!(
                "{:<15} {:>10} {:>11.2} {:>11.2} {:>8.3} {:>13} {:>9}",
                op,
                size,
                rust,
                bound,
                rust / bound,
                reference_mb_s.map_or("-".into(), |r| format!("{r:.2}")),
                reference_mb_s.map_or("-".into(), |r| format!("{:.2}x", rust / r)),
            );
            rows.push(json!({"op": op, "size": size, "rust_mb_s": rust, "bound_mb_s": bound,
                             "reference_mb_s": reference_mb_s, "permutations": permutations(op, size)}));
        }
    }
    let passcrypt_rows = if o.passcrypt {
        crate::bench_passcrypt::rows(perm_ns, o.reference, o.quick)?
    } else {
        Vec::new()
    };
    rows.extend(passcrypt_rows);
    if o.database {
        rows.extend(crate::bench_db::rows(o.reference)?);
    }
    let mut report = json!({"perm_ns": perm_ns, "keccak_crate_perm_ns": crate_ns,
        "backend": aiootp_core::internal::backend_name(), "keccak_x4": x4, "rows": rows});
    if o.memory {
        let size: u64 = if o.quick { 64 << 20 } else { 1 << 30 };
        let rss = memory_run(size)?;
        println!(
            "stream encrypt+decrypt of {} MiB through the framing adapters: peak RSS {rss:.1} MiB",
            size >> 20
        );
        report["stream_memory"] = json!({"bytes": size, "peak_rss_mib": rss});
    }
    if let Some(path) = o.json {
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?,
        )
        .map_err(|e| format!("{path}: {e}"))?;
        println!("wrote {path}");
    }
    Ok(())
}

/// Nanoseconds per `Keccak-f[1600]` of the scalar permutation: the
/// single-lane bound's `t_perm` (the lanes and any faster single-state
/// kernel count as gains over it).
fn permutation_ns(n: u32) -> f64 {
    time_permutation(aiootp_core::internal::scalar_f1600_fn(), n)
}

/// The four-state permutation of every backend this CPU has, timed in
/// interleaved pairs with the scalar permutation (scalar, x4, scalar, x4,
/// … 7 pairs): the median, min and max of the per-pair ratio of one x4
/// call to one scalar call. Four states per call, so a ratio under 4 is a
/// throughput gain of 4 / ratio.
fn keccak_x4_rows(n: u32) -> Vec<Value> {
    use aiootp_core::{KeccakBackend, f1600_x4_with};
    let scalar = aiootp_core::internal::f1600_fn();
    let chosen = aiootp_core::keccak_backend();
    let mut rows = Vec::new();
    for backend in KeccakBackend::ALL.into_iter().filter(|b| b.is_available()) {
        let mut ratios = Vec::new();
        let mut x4_ns = Vec::new();
        let mut x4 = [[0u64; 4]; 25];
        for _ in 0..7 {
            let a = time_permutation(scalar, n);
            let start = Instant::now();
            for _ in 0..n {
                let _ = f1600_x4_with(backend, &mut x4);
            }
            let b = start.elapsed().as_nanos() as f64 / f64::from(n);
            std::hint::black_box(&x4);
            ratios.push(b / a);
            x4_ns.push(b);
        }
        ratios.sort_by(f64::total_cmp);
        x4_ns.sort_by(f64::total_cmp);
        let (median, min, max) = (
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
        );
        println!(
            "Keccak-f[1600] x4, {backend}: {:.1} ns per call of 4 states, {median:.2}x a scalar call \
             (pairs {}, min {min:.2}, max {max:.2}): {:.2}x the scalar throughput{}",
            x4_ns[x4_ns.len() / 2],
            ratios.len(),
            4.0 / median,
            if backend == chosen { " (chosen)" } else { "" }
        );
        rows.push(
            json!({"backend": backend.name(), "ns_per_call": x4_ns[x4_ns.len() / 2],
            "ratio_to_scalar_call": median, "ratio_min": min, "ratio_max": max,
            "pairs": ratios.len(), "throughput_vs_scalar": 4.0 / median,
            "chosen": backend == chosen}),
        );
    }
    rows
}

/// Nanoseconds per permutation of the `keccak` crate, for comparison.
fn keccak_crate_ns(n: u32) -> f64 {
    let k = keccak::Keccak::new();
    let mut ns = 0.0;
    k.with_f1600(|f| ns = time_permutation(f, n));
    ns
}

fn time_permutation(f: fn(&mut [u64; 25]), n: u32) -> f64 {
    let mut state = [0u64; 25];
    (0..10_000).for_each(|_| f(&mut state));
    let start = Instant::now();
    (0..n).for_each(|_| f(&mut state));
    let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
    std::hint::black_box(state);
    ns
}

/// The exact permutation count of one message (spec §12), 64-byte key, no aad.
fn permutations(op: &str, size: usize) -> u64 {
    let n = ((20 + size) / 256 + 1) as u64;
    let f = 4 * ((KEY_LEN as u64 + 17).div_ceil(168) + 104u64.div_ceil(168)) + 12;
    let block_ids = if op.starts_with("stream") { 3 * n } else { 0 };
    f + 8 * n + (256 * n) / 168 + block_ids
}

/// Median MB/s over `samples` runs of `n` messages, `n` chosen so a run takes `min_time`.
fn measure(op: &str, size: usize, min_time: Duration, samples: usize) -> Result<f64, String> {
    let key = aiootp_core::token_bytes(KEY_LEN).map_err(|e| e.to_string())?;
    let data = aiootp_core::token_bytes(size).map_err(|e| e.to_string())?;
    let input = prepare(op, &key, &data)?;
    let mut n = 1usize;
    loop {
        let t = time_n(op, &key, &data, &input, n)?;
        if t >= min_time {
            break;
        }
        let scale = (min_time.as_secs_f64() / t.as_secs_f64().max(1e-9) * 1.2).ceil() as usize;
        n = (n * scale.clamp(2, 100)).max(n + 1);
    }
    let mut times: Vec<f64> = (0..samples)
        .map(|_| time_n(op, &key, &data, &input, n).map(|d| d.as_secs_f64()))
        .collect::<Result<_, _>>()?;
    times.sort_by(f64::total_cmp);
    Ok(size as f64 * n as f64 / times[times.len() / 2] / 1e6)
}

enum Input {
    None,
    Ciphertext(Vec<u8>),
    Stream {
        salt: [u8; 16],
        iv: [u8; 16],
        packets: Vec<u8>,
        tag: [u8; 32],
    },
}

fn prepare(op: &str, key: &[u8], data: &[u8]) -> Result<Input, String> {
    let e = |e: aiootp_chunky2048::Error| e.to_string();
    Ok(match op {
        "bytes_decrypt" => Input::Ciphertext(bytes_encrypt(data, key, b"").map_err(e)?),
        "stream_decrypt" => {
            let (salt, iv, packets, tag) = stream_encrypt(key, data)?;
            Input::Stream {
                salt,
                iv,
                packets,
                tag,
            }
        }
        _ => Input::None,
    })
}

/// `(salt, iv, packets, tag)` of a stream.
type StreamParts = ([u8; 16], [u8; 16], Vec<u8>, [u8; 32]);

/// The salt of every stream in a row, drawn once (as the reference's bench does).
const STREAM_SALT: [u8; 16] = *b"bench-row-salt!!";

fn stream_encrypt(key: &[u8], data: &[u8]) -> Result<StreamParts, String> {
    let e = |e: aiootp_chunky2048::Error| e.to_string();
    let cipher = Chunky2048::new(key).map_err(e)?;
    let salt = STREAM_SALT;
    let mut s = CipherStream::with_salt(&cipher, salt, b"").map_err(e)?;
    let mut out = Vec::with_capacity((data.len() / 256 + 2) * PACKETSIZE);
    for chunk in data.chunks(ENC_CHUNK) {
        s.buffer(chunk).drain_into(&mut out);
    }
    let iv = *s.iv();
    let (rest, shmac) = s.finalize().map_err(e)?;
    rest.iter()
        .for_each(|p| out.extend_from_slice(p.as_bytes()));
    Ok((salt, iv, out, shmac.finalize()))
}

fn time_n(op: &str, key: &[u8], data: &[u8], input: &Input, n: usize) -> Result<Duration, String> {
    let e = |e: aiootp_chunky2048::Error| e.to_string();
    let start = Instant::now();
    for _ in 0..n {
        match (op, input) {
            ("bytes_encrypt", _) => {
                std::hint::black_box(bytes_encrypt(data, key, b"").map_err(e)?);
            }
            ("bytes_decrypt", Input::Ciphertext(ct)) => {
                std::hint::black_box(bytes_decrypt(ct, key, b"", 0).map_err(e)?);
            }
            ("stream_encrypt", _) => {
                std::hint::black_box(stream_encrypt(key, data)?);
            }
            (
                "stream_decrypt",
                Input::Stream {
                    salt,
                    iv,
                    packets,
                    tag,
                },
            ) => {
                let cipher = Chunky2048::new(key).map_err(e)?;
                let mut d = DecipherStream::new(&cipher, *salt, *iv, b"", 0).map_err(e)?;
                let mut out = Vec::with_capacity(data.len() + 256);
                for chunk in packets.chunks(DEC_PACKETS * PACKETSIZE) {
                    d.buffer(chunk).map_err(e)?;
                    d.read_available_into(&mut out).map_err(e)?;
                }
                let (tail, shmac) = d.finalize().map_err(e)?;
                shmac.test_shmac(tag).map_err(e)?;
                out.extend_from_slice(&tail);
                std::hint::black_box(out);
            }
            _ => return Err(format!("no input for {op}")),
        }
    }
    Ok(start.elapsed())
}

fn reference_rows(
    sizes: &[usize],
    min_time: Duration,
    samples: usize,
) -> Result<Vec<Value>, String> {
    let python = util::reference_python()?;
    let out = util::root().join("target/bench-reference.json");
    let sizes: Vec<String> = sizes.iter().map(ToString::to_string).collect();
    eprintln!("timing the reference (bench_chunky2048.py)…");
    let status = Command::new(python)
        .arg(util::shared().join("kat/bench_chunky2048.py"))
        .args(["--sizes", &sizes.join(","), "--json"])
        .arg(&out)
        .args([
            "--min-seconds",
            &min_time.as_secs_f64().to_string(),
            "--samples",
            &samples.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("bench_chunky2048.py failed ({status})"));
    }
    let v: Value = serde_json::from_slice(&std::fs::read(&out).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    Ok(v["rows"].as_array().cloned().unwrap_or_default())
}

/// Runs the streaming memory check in a child process and returns its peak RSS in MiB.
fn memory_run(bytes: u64) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(["bench", "--memory-child", &bytes.to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "memory check failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("memory check printed no number: {e}"))
}

/// Encrypts `bytes` of generated plaintext into a pipe on one thread and
/// decrypts it on this one, then prints the process's peak RSS (MiB).
fn memory_child(bytes: u64) -> Result<(), String> {
    let key = aiootp_core::token_bytes(64).map_err(|e| e.to_string())?;
    let cipher = Chunky2048::new(&key).map_err(|e| e.to_string())?;
    let (reader, writer) = std::io::pipe().map_err(|e| e.to_string())?;
    let enc_cipher = cipher.clone();
    let producer = std::thread::spawn(move || -> Result<(), String> {
        let mut w = EncryptWriter::new(writer, &enc_cipher, b"").map_err(|e| e.to_string())?;
        let mut chunk = vec![0u8; 1 << 16];
        let mut left = bytes;
        let mut counter = 0u64;
        while left > 0 {
            counter += 1;
            chunk[..8].copy_from_slice(&counter.to_le_bytes());
            let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(0);
            w.write_all(&chunk[..n]).map_err(|e| e.to_string())?;
            left -= n as u64;
        }
        w.finish().map_err(|e| e.to_string())?;
        Ok(())
    });
    let mut r = DecryptReader::new(reader, &cipher, b"", 0);
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(|e| format!("decrypt: {e}"))?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    producer
        .join()
        .map_err(|_| "encrypting thread panicked")??;
    if total != bytes {
        return Err(format!("decrypted {total} bytes, want {bytes}"));
    }
    println!("{:.1}", util::peak_rss_mib());
    Ok(())
}
