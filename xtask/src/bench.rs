//! `cargo xtask bench [--json PATH] [--quick] [--no-reference] [--no-memory]
//! [--no-passcrypt] [--only-cipher|--only-passcrypt|--only-db]
//! [--backend NAME] [--pairs N] [--passcrypt-case MB,CPU,CORES] [--plans]`.
//!
//! Measures, in one run: Rust throughput per op and size; the bound
//! `size / (P · t_perm)` from the exact permutation count P of the message
//! (spec chunky2048 §12) and the scalar permutation's `t_perm`; and the
//! reference's throughput, timed the same way as
//! `shared/kat/bench_chunky2048.py` (whose ops `xtask/py/bench_pairs.py`
//! runs one sample at a time). The machine is shared, so every row is
//! measured in interleaved pairs — `t_perm`, Rust, reference, then again —
//! and reports the median of the per-pair ratios with their min and max.
//! MB = 10^6 bytes.

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
/// Batches: `bytes_encrypt_many` / `bytes_decrypt_many` of this many
/// messages of one size, on one thread.
const BATCH_OPS: &[&str] = &["batch_encrypt", "batch_decrypt"];
const BATCH_SIZES: &[usize] = &[64, 1024];
const BATCH: usize = 1000;
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
    /// `--backend NAME`: only the rows of that backend, forced.
    backend: Option<aiootp_keccak::Backend>,
    /// `--pairs N`: interleaved pairs a row, instead of the default.
    pairs: Option<usize>,
    /// `--passcrypt-case MB,CPU,CORES`: that Passcrypt row alone.
    passcrypt_case: Option<(u64, u64, u64)>,
}

pub fn main(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--passcrypt-child") {
        return crate::bench_passcrypt::child(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("--plans") {
        print_plans();
        return Ok(());
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
        backend: None,
        pairs: None,
        passcrypt_case: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => o.json = Some(it.next().ok_or("--json needs a path")?.clone()),
            "--quick" => o.quick = true,
            "--no-reference" => o.reference = false,
            "--no-memory" => o.memory = false,
            "--no-passcrypt" => o.passcrypt = false,
            "--pairs" => {
                let n = it.next().and_then(|n| n.parse::<usize>().ok());
                o.pairs = Some(
                    n.filter(|&n| n > 0)
                        .ok_or("--pairs needs a positive number")?,
                );
            }
            "--passcrypt-case" => {
                let v: Vec<u64> = it
                    .next()
                    .ok_or("--passcrypt-case needs MB,CPU,CORES")?
                    .split(',')
                    .filter_map(|x| x.trim().parse().ok())
                    .collect();
                match v[..] {
                    [mb, cpu, cores] => o.passcrypt_case = Some((mb, cpu, cores)),
                    _ => return Err("--passcrypt-case needs MB,CPU,CORES".into()),
                }
            }
            "--backend" => {
                let name = it
                    .next()
                    .ok_or("--backend needs portable, avx2 or avx512vl")?;
                let b = aiootp_keccak::Backend::from_name(name)
                    .ok_or_else(|| format!("no backend `{name}` (portable, avx2, avx512vl)"))?;
                if !b.is_available() {
                    return Err(format!("this CPU has no {name}"));
                }
                o.backend = Some(b);
            }
            "--only-cipher" => {
                o.passcrypt = false;
                o.memory = false;
                o.database = false;
            }
            "--only-passcrypt" => {
                o.cipher = false;
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

    let perm_ns = permutation_ns(if o.quick { 200_000 } else { 2_000_000 });
    let crate_ns = keccak_crate_ns(if o.quick { 200_000 } else { 2_000_000 });
    println!(
        "Keccak-f[1600]: {perm_ns:.1} ns per permutation ({}; the keccak crate: {crate_ns:.1} ns)",
        aiootp_keccak::internal::backend_name()
    );
    let x4 = keccak_x4_rows(if o.quick { 50_000 } else { 500_000 });
    let mut reference = if o.reference && o.cipher {
        Some(Reference::start()?)
    } else {
        None
    };
    let pairs = o.pairs.unwrap_or(if o.quick { 5 } else { 7 });
    let kernel_sets = kernel_sets(o.backend);
    if o.cipher {
        println!(
            "{pairs} interleaved pairs a row (t_perm, Rust's chosen plan, Rust's scalar plan, reference); \
             medians of per-pair ratios [min-max]"
        );
    }
    let mut rows = Vec::new();
    let mut cases: Vec<(&str, usize)> = Vec::new();
    if o.cipher {
        for op in OPS {
            cases.extend(sizes.iter().map(|&s| (*op, s)));
        }
        for op in BATCH_OPS {
            cases.extend(BATCH_SIZES.iter().map(|&s| (*op, s)));
        }
    }
    for (kernels, with_reference) in &kernel_sets {
        if cases.is_empty() {
            break;
        }
        let plan = kernels.scope(aiootp_chunky2048::Plans::current);
        println!(
            "\n{}{} backend, a four-lane call at {:.2} single-state permutations; plan {plan}",
            kernels.backend(),
            if kernels.is_forced() { " (forced)" } else { "" },
            kernels.costs().x4_ratio
        );
        println!(
            "{:<15} {:>9} {:>10} {:>10} {:>20} {:>20} {:>10} {:>20}",
            "op",
            "size",
            "rust MB/s",
            "bound MB/s",
            "of bound",
            "vs scalar plan",
            "ref MB/s",
            "vs reference"
        );
        for &(op, size) in &cases {
            let reference = if *with_reference {
                reference.as_mut()
            } else {
                None
            };
            let row = measure(op, size, min_time, pairs, reference, *kernels)?;
            let range = |v: &Spread| format!("{:.2} [{:.2}-{:.2}]", v.median, v.min, v.max);
            println!(
                "{:<15} {:>9} {:>10.2} {:>10.2} {:>20} {:>20} {:>10} {:>20}",
                op,
                size,
                row.rust_mb_s.median,
                row.bound_mb_s.median,
                range(&row.of_bound),
                range(&row.vs_scalar_plan),
                row.reference_mb_s
                    .as_ref()
                    .map_or("-".into(), |r| format!("{:.2}", r.median)),
                row.vs_reference.as_ref().map_or("-".into(), range),
            );
            let messages = messages_per_op(op);
            rows.push(
                json!({"op": op, "size": size, "messages": messages, "threads": 1,
                "rust_mb_s": row.rust_mb_s.median, "bound_mb_s": row.bound_mb_s.median,
                "reference_mb_s": row.reference_mb_s.as_ref().map(|r| r.median),
                "reference_op": reference_op(op),
                "rust_s": row.rust_s, "reference_s": row.reference_s,
                "of_bound": row.of_bound.median, "of_bound_min": row.of_bound.min,
                "of_bound_max": row.of_bound.max,
                "ratio": row.vs_reference.as_ref().map(|r| r.median),
                "ratio_min": row.vs_reference.as_ref().map(|r| r.min),
                "ratio_max": row.vs_reference.as_ref().map(|r| r.max),
                "plan": plan.to_string(), "x4_ratio": kernels.costs().x4_ratio,
                "vs_scalar_plan": row.vs_scalar_plan.median,
                "vs_scalar_plan_min": row.vs_scalar_plan.min,
                "vs_scalar_plan_max": row.vs_scalar_plan.max,
                "scalar_plan_mb_s": row.scalar_mb_s.median,
                "same_plan_as_scalar": plan.is_scalar(),
                "perm_ns": row.perm_ns.median, "pairs": pairs,
                "backend": kernels.backend().name(),
                "single_state": kernels.single_name(), "forced": kernels.is_forced(),
                "permutations": permutations(op, size)}),
            );
        }
    }
    let passcrypt_rows = if o.passcrypt {
        crate::bench_passcrypt::rows(o.reference, o.quick, o.backend, o.pairs, o.passcrypt_case)?
    } else {
        Vec::new()
    };
    rows.extend(passcrypt_rows);
    if o.database {
        rows.extend(crate::bench_db::rows(
            o.reference,
            if o.quick { 3 } else { 5 },
        )?);
    }
    let mut report = json!({"perm_ns": perm_ns, "keccak_crate_perm_ns": crate_ns,
        "backend": aiootp_keccak::internal::backend_name(), "keccak_x4": x4, "rows": rows});
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

/// `cargo xtask bench --plans`: the plan every operation takes at the
/// injected costs of the CPUs the issue names (a four-lane call at 0.63,
/// 1.24, 2.27, 2.9 and 5.0 single-state permutations; 1, 2 and 16
/// threads), and at this machine's measured cost: what a machine of each
/// kind would choose, without one.
fn print_plans() {
    use aiootp_keccak::{Costs, Kernels};
    let here = Kernels::current();
    println!(
        "this machine: {} backend, a four-lane call at {:.2} single-state permutations, {} threads",
        here.backend(),
        here.costs().x4_ratio,
        here.costs().threads
    );
    println!(
        "{:>6} {:>8}  {:<58} Passcrypt cores 1, 2, 4, 8, 16",
        "ratio", "threads", "Chunky2048"
    );
    let mut ratios = vec![0.63, 1.24, 2.27, 2.9, 5.0];
    ratios.push(here.costs().x4_ratio);
    for ratio in ratios {
        for threads in [1, 2, 16] {
            let k = here.with_costs(Costs::new(ratio, threads));
            let cipher = k.scope(aiootp_chunky2048::Plans::current);
            let cores: Vec<String> = [1u64, 2, 4, 8, 16]
                .iter()
                .map(|&c| {
                    let p = Costs::new(ratio, threads).jobs(c, aiootp_passcrypt::LANE_OVERHEAD);
                    format!("{}x{}", p.lanes, p.threads)
                })
                .collect();
            println!(
                "{ratio:>6.2} {threads:>8}  {cipher:<58} {}",
                cores.join(" ")
            );
        }
    }
    println!("(Passcrypt: lanes per group x threads; the pool caps the threads at run time)");
}

/// The kernels each set of rows runs with, and whether it is compared
/// with the reference: the process's (forced or not by the environment)
/// with the reference, then each backend the CPU has, forced, without;
/// with `--backend`, that backend alone, with the reference.
fn kernel_sets(only: Option<aiootp_keccak::Backend>) -> Vec<(aiootp_keccak::Kernels, bool)> {
    use aiootp_keccak::{Backend as KeccakBackend, Kernels};
    if let Some(b) = only {
        return Kernels::forced(b).map(|k| (k, true)).into_iter().collect();
    }
    let mut sets = vec![(Kernels::current(), true)];
    sets.extend(
        KeccakBackend::ALL
            .into_iter()
            .filter_map(Kernels::forced)
            .map(|k| (k, false)),
    );
    sets
}

/// Nanoseconds per `Keccak-f[1600]` of the scalar permutation: the
/// single-lane bound's `t_perm` (the lanes and any faster single-state
/// kernel count as gains over it).
fn permutation_ns(n: u32) -> f64 {
    util::time_permutation(aiootp_keccak::internal::scalar_f1600_fn(), n)
}

/// The four-state permutation of every backend this CPU has, timed in
/// interleaved pairs with the scalar permutation (scalar, x4, scalar, x4,
/// … 7 pairs): the median, min and max of the per-pair ratio of one x4
/// call to one scalar call. Four states per call, so a ratio under 4 is a
/// throughput gain of 4 / ratio.
fn keccak_x4_rows(n: u32) -> Vec<Value> {
    use aiootp_keccak::Backend as KeccakBackend;
    let scalar = aiootp_keccak::internal::f1600_fn();
    let chosen = aiootp_keccak::backend();
    let mut rows = Vec::new();
    for detected in KeccakBackend::ALL
        .into_iter()
        .filter_map(KeccakBackend::detect)
    {
        let backend = detected.backend();
        let mut ratios = Vec::new();
        let mut x4_ns = Vec::new();
        let mut x4 = [[0u64; 4]; 25];
        for _ in 0..7 {
            let a = util::time_permutation(scalar, n);
            let start = Instant::now();
            for _ in 0..n {
                detected.f1600_x4(&mut x4);
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
    k.with_f1600(|f| ns = util::time_permutation(f, n));
    ns
}

/// The exact permutation count of one message (spec §12), 64-byte key, no aad.
fn permutations(op: &str, size: usize) -> u64 {
    let n = ((20 + size) / 256 + 1) as u64;
    let f = 4 * ((KEY_LEN as u64 + 17).div_ceil(168) + 104u64.div_ceil(168)) + 12;
    let block_ids = if op.starts_with("stream") { 3 * n } else { 0 };
    f + 8 * n + (256 * n) / 168 + block_ids
}

/// The median, min and max of a row's per-pair values.
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(mut v: Vec<f64>) -> Self {
        v.sort_by(f64::total_cmp);
        Self {
            median: v[v.len() / 2],
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

/// One measured row.
struct Row {
    rust_mb_s: Spread,
    bound_mb_s: Spread,
    perm_ns: Spread,
    of_bound: Spread,
    /// The scalar plan's throughput (the same kernels, no lanes, one thread).
    scalar_mb_s: Spread,
    /// The chosen plan's throughput over the scalar plan's, per pair.
    vs_scalar_plan: Spread,
    reference_mb_s: Option<Spread>,
    vs_reference: Option<Spread>,
    /// Median seconds per message.
    rust_s: f64,
    reference_s: Option<f64>,
}

/// Messages per timed repetition of `op`.
fn messages_per_op(op: &str) -> usize {
    if op.starts_with("batch") { BATCH } else { 1 }
}

/// The reference op a row is compared with (it has no batch API: a batch
/// row compares with its messages one by one).
fn reference_op(op: &str) -> &str {
    match op {
        "batch_encrypt" => "bytes_encrypt",
        "batch_decrypt" => "bytes_decrypt",
        other => other,
    }
}

/// Permutations per `t_perm` sample of a pair (about 6 ms).
const PERM_SAMPLE: u32 = 20_000;

/// One row in `pairs` interleaved pairs: each pair times `t_perm`, then
/// `n` Rust repetitions with `kernels`' plan, then `n` with the scalar
/// plan of the same kernels, then the reference's (`n` chosen per side so
/// a sample takes at least `min_time`).
fn measure(
    op: &str,
    size: usize,
    min_time: Duration,
    pairs: usize,
    mut reference: Option<&mut Reference>,
    kernels: aiootp_keccak::Kernels,
) -> Result<Row, String> {
    let scalar_plan = kernels.with_costs(aiootp_keccak::Costs::SCALAR);
    let key = aiootp_core::token_bytes(KEY_LEN).map_err(|e| e.to_string())?;
    let data = aiootp_core::token_bytes(size).map_err(|e| e.to_string())?;
    let input = prepare(op, &key, &data)?;
    let mut n = 1usize;
    loop {
        let t = kernels.scope(|| time_n(op, &key, &data, &input, n))?;
        if t >= min_time {
            break;
        }
        let scale = (min_time.as_secs_f64() / t.as_secs_f64().max(1e-9) * 1.2).ceil() as usize;
        n = (n * scale.clamp(2, 100)).max(n + 1);
    }
    let ref_n = match reference.as_deref_mut() {
        Some(r) => Some(r.prepare(reference_op(op), size, min_time)?),
        None => None,
    };
    let messages = (n * messages_per_op(op)) as f64;
    let p = permutations(op, size) as f64;
    let scalar = aiootp_keccak::internal::scalar_f1600_fn();
    let (mut rust, mut bound, mut perm, mut of_bound, mut refs, mut vs) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut scalar_mb_s, mut vs_scalar) = (vec![], vec![]);
    let mut rust_secs = vec![];
    let mut ref_secs = vec![];
    for _ in 0..pairs {
        let perm_ns = util::time_permutation(scalar, PERM_SAMPLE);
        let t = kernels
            .scope(|| time_n(op, &key, &data, &input, n))?
            .as_secs_f64();
        let mb_s = size as f64 * messages / t / 1e6;
        let ts = scalar_plan
            .scope(|| time_n(op, &key, &data, &input, n))?
            .as_secs_f64();
        let s_mb_s = size as f64 * messages / ts / 1e6;
        scalar_mb_s.push(s_mb_s);
        vs_scalar.push(mb_s / s_mb_s);
        let b = size as f64 / (p * perm_ns * 1e-9) / 1e6;
        rust.push(mb_s);
        bound.push(b);
        perm.push(perm_ns);
        of_bound.push(mb_s / b);
        rust_secs.push(t / messages);
        if let (Some(r), Some(rn)) = (reference.as_deref_mut(), ref_n) {
            let rt = r.run(reference_op(op), size, rn)?;
            let ref_mb_s = size as f64 * rn as f64 / rt / 1e6;
            refs.push(ref_mb_s);
            vs.push(mb_s / ref_mb_s);
            ref_secs.push(rt / rn as f64);
        }
    }
    let has_ref = !refs.is_empty();
    Ok(Row {
        rust_mb_s: Spread::of(rust),
        bound_mb_s: Spread::of(bound),
        perm_ns: Spread::of(perm),
        of_bound: Spread::of(of_bound),
        scalar_mb_s: Spread::of(scalar_mb_s),
        vs_scalar_plan: Spread::of(vs_scalar),
        rust_s: Spread::of(rust_secs).median,
        reference_s: has_ref.then(|| Spread::of(ref_secs).median),
        reference_mb_s: has_ref.then(|| Spread::of(refs)),
        vs_reference: has_ref.then(|| Spread::of(vs)),
    })
}

/// The reference, one timed sample per request (`xtask/py/bench_pairs.py`).
struct Reference {
    child: std::process::Child,
    input: std::process::ChildStdin,
    output: std::io::BufReader<std::process::ChildStdout>,
}

impl Reference {
    fn start() -> Result<Self, String> {
        let python = util::reference_python()?;
        let mut child = Command::new(python)
            .arg(util::root().join("xtask/py/bench_pairs.py"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting the reference: {e}"))?;
        let input = child.stdin.take().ok_or("no stdin")?;
        let output = std::io::BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Self {
            child,
            input,
            output,
        })
    }

    fn ask(&mut self, request: &Value) -> Result<Value, String> {
        use std::io::BufRead;
        writeln!(self.input, "{request}").map_err(|e| format!("reference: {e}"))?;
        let mut line = String::new();
        self.output
            .read_line(&mut line)
            .map_err(|e| format!("reference: {e}"))?;
        serde_json::from_str(&line).map_err(|e| format!("reference replied {line:?}: {e}"))
    }

    fn prepare(&mut self, op: &str, size: usize, min_time: Duration) -> Result<usize, String> {
        let v =
            self.ask(&json!({"prepare": op, "size": size, "min_seconds": min_time.as_secs_f64()}))?;
        v["n"]
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| format!("reference: no n in {v}"))
    }

    fn run(&mut self, op: &str, size: usize, n: usize) -> Result<f64, String> {
        let v = self.ask(&json!({"run": op, "size": size, "n": n}))?;
        v["seconds"]
            .as_f64()
            .ok_or_else(|| format!("reference: no seconds in {v}"))
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Input {
    None,
    Ciphertext(Vec<u8>),
    Batch(Chunky2048, Vec<Vec<u8>>),
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
        "batch_encrypt" | "batch_decrypt" => {
            let cipher = Chunky2048::new(key).map_err(e)?;
            let plain: Vec<Vec<u8>> = (0..BATCH)
                .map(|i| {
                    let mut m = data.to_vec();
                    m.iter_mut()
                        .take(8)
                        .zip(i.to_le_bytes())
                        .for_each(|(d, b)| *d ^= b);
                    m
                })
                .collect();
            let items: Vec<(&[u8], &[u8])> = plain.iter().map(|m| (&m[..], &b""[..])).collect();
            let msgs = if op == "batch_decrypt" {
                cipher.bytes_encrypt_many(&items).map_err(e)?
            } else {
                plain
            };
            Input::Batch(cipher, msgs)
        }
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
            ("batch_encrypt", Input::Batch(cipher, msgs)) => {
                let items: Vec<(&[u8], &[u8])> = msgs.iter().map(|m| (&m[..], &b""[..])).collect();
                std::hint::black_box(cipher.bytes_encrypt_many(&items).map_err(e)?);
            }
            ("batch_decrypt", Input::Batch(cipher, msgs)) => {
                let items: Vec<(&[u8], &[u8])> = msgs.iter().map(|m| (&m[..], &b""[..])).collect();
                for r in cipher.bytes_decrypt_many(&items, 0) {
                    std::hint::black_box(r.map_err(e)?);
                }
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
