//! Passcrypt rows of `cargo xtask bench`: Rust time, the Keccak floor
//! (per-core permutations × permutation time; cores run side by side),
//! the reference's time, and peak resident memory.

use crate::util;
use aiootp_passcrypt::{Geometry, Passcrypt, Settings};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Instant;

const CASES: &[(u64, u64, u64)] = &[(16, 2, 1), (64, 2, 1), (64, 2, 2), (256, 2, 2)];

/// Exact permutations of one core (spec keygens §3.7), tag 16, plus the
/// ~5 of the parameter hash.
pub fn permutations(s: Settings) -> u64 {
    let g = Geometry::new(s.core_mb(), s.cpu);
    let (b, r, cpu) = ((g.total / 168) as u64, g.rounds as u64, s.cpu);
    b * (2 * r + cpu + 4) + cpu + 6 - 2 * r * r + (s.tag_size as u64).div_ceil(168) + 5
}

/// The Passcrypt rows, each in interleaved pairs (a `t_perm` sample,
/// Rust's chosen plan, Rust with the cores alone on threads, Rust with
/// the cores in lanes, the reference): medians, and the min and max of the
/// per-pair ratios (`ratio`: reference time over Rust time;
/// `vs_scalar_plan`: the cores-alone-on-threads time over the chosen
/// plan's; `vs_lanes_plan` likewise; `vs_best_other`: the better of the
/// two over the chosen). After the process's kernels, each backend the
/// CPU has, forced, without the reference; `--backend` runs that one only.
pub fn rows(
    reference: bool,
    quick: bool,
    only: Option<aiootp_keccak::Backend>,
    pairs: Option<usize>,
    case: Option<(u64, u64, u64)>,
) -> Result<Vec<Value>, String> {
    let one;
    let cases = match case {
        Some(c) => {
            one = [c];
            &one[..]
        }
        None if quick => &CASES[..3],
        None => CASES,
    };
    let pairs = pairs.unwrap_or(if quick { 3 } else { 5 });
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let scalar = aiootp_keccak::internal::scalar_f1600_fn();
    let mut sets: Vec<(Option<aiootp_keccak::Backend>, bool)> = Vec::new();
    match only {
        Some(b) => sets.push((Some(b), reference)),
        None => {
            sets.push((None, reference));
            sets.extend(
                aiootp_keccak::Backend::ALL
                    .into_iter()
                    .filter(|b| b.is_available())
                    .map(|b| (Some(b), false)),
            );
        }
    }
    let mut out = Vec::new();
    for (backend, reference) in sets {
        let forced = backend.is_some() || std::env::var_os(aiootp_keccak::BACKEND_ENV).is_some();
        let backend_env: Vec<(&str, String)> = backend
            .map(|b| (aiootp_keccak::BACKEND_ENV, b.name().to_string()))
            .into_iter()
            .collect();
        let with = |extra: &[(&'static str, &str)]| -> Vec<(&str, String)> {
            let mut v = backend_env.clone();
            v.extend(extra.iter().map(|(k, x)| (*k, (*x).to_string())));
            v
        };
        let chosen_env = with(&[]);
        let threads_env = with(&[(aiootp_keccak::X4_RATIO_ENV, "inf")]);
        let lanes_env = with(&[(aiootp_keccak::X4_RATIO_ENV, "0.01")]);
        let name = backend.map_or_else(
            || aiootp_keccak::backend().name().to_string(),
            |b| b.name().to_string(),
        );
        println!(
            "\n{name}{} Passcrypt, in pairs (t_perm, chosen, cores alone on threads, cores in lanes, reference)",
            if forced { " (forced)" } else { "" }
        );
        println!(
            "{:<12} {:>16} {:>9} {:>9} {:>8} {:>20} {:>20} {:>12} {:>22} {:>9}",
            "passcrypt",
            "plan",
            "rust s",
            "floor s",
            "x floor",
            "vs threads plan",
            "vs lanes plan",
            "reference s",
            "vs ref [min-max]",
            "peak MiB"
        );
        for &(mb, cpu, cores) in cases {
            let s = Settings {
                mb,
                cpu,
                cores,
                tag_size: 16,
            };
            let (mut rust, mut floors, mut refs, mut ratios, mut rss) =
                (vec![], vec![], vec![], vec![], 0.0f64);
            let (mut vs_threads, mut vs_lanes, mut vs_best) = (vec![], vec![], vec![]);
            let mut plan = String::new();
            let mut threads_plan = String::new();
            let mut x4_ratio = 0.0;
            for _ in 0..pairs {
                let perm_ns = util::time_permutation(scalar, 20_000);
                let chosen = run_child(s, None, &chosen_env)?;
                let threads = run_child(s, None, &threads_env)?;
                // One core has no lane plan of its own (a lone core in a
                // four-lane call is the threads plan at 4x the cost).
                let lanes = if cores > 1 {
                    run_child(s, None, &lanes_env)?
                } else {
                    Child {
                        seconds: f64::INFINITY,
                        ..threads.clone()
                    }
                };
                rss = rss.max(chosen.peak_mib);
                rust.push(chosen.seconds);
                plan.clone_from(&chosen.plan);
                threads_plan.clone_from(&threads.plan);
                x4_ratio = chosen.x4_ratio;
                vs_threads.push(threads.seconds / chosen.seconds);
                vs_lanes.push(lanes.seconds / chosen.seconds);
                vs_best.push(threads.seconds.min(lanes.seconds) / chosen.seconds);
                floors.push(permutations(s) as f64 * perm_ns * 1e-9);
                if reference {
                    let r = reference_time(s)?;
                    refs.push(r);
                    ratios.push(r / chosen.seconds);
                }
            }
            let (rust_s, _, _) = median(rust.clone());
            let (floor_s, _, _) = median(floors.clone());
            let of_floor = median(rust.iter().zip(&floors).map(|(r, f)| r / f).collect());
            let vs_threads = median(vs_threads);
            let vs_lanes = (cores > 1).then(|| median(vs_lanes));
            let vs_best = median(vs_best);
            let refd = reference.then(|| (median(refs).0, median(ratios)));
            let range = |(m, lo, hi): (f64, f64, f64)| format!("{m:.2}x [{lo:.2}-{hi:.2}]");
            println!(
                "{:<12} {:>16} {:>9.3} {:>9.3} {:>8.3} {:>20} {:>20} {:>12} {:>22} {:>9.1}",
                format!("{mb},{cpu},{cores}"),
                plan,
                rust_s,
                floor_s,
                of_floor.0,
                range(vs_threads),
                vs_lanes.map_or("-".into(), range),
                refd.map_or("-".into(), |r| format!("{:.3}", r.0)),
                refd.map_or("-".into(), |(_, r)| range(r)),
                rss
            );
            out.push(
                json!({"op": "passcrypt", "mb": mb, "cpu": cpu, "cores": cores,
                "rust_s": rust_s, "floor_s": floor_s, "of_floor": of_floor.0,
                "reference_s": refd.map(|r| r.0), "ratio": refd.map(|r| r.1.0),
                "ratio_min": refd.map(|r| r.1.1), "ratio_max": refd.map(|r| r.1.2),
                "plan": plan, "x4_ratio": x4_ratio,
                "vs_scalar_plan": vs_threads.0, "vs_scalar_plan_min": vs_threads.1,
                "vs_scalar_plan_max": vs_threads.2,
                "vs_lanes_plan": vs_lanes.map(|v| v.0),
                "vs_lanes_plan_min": vs_lanes.map(|v| v.1),
                "vs_lanes_plan_max": vs_lanes.map(|v| v.2),
                "same_plan_as_scalar": plan == threads_plan,
                "vs_best_other": vs_best.0, "vs_best_other_min": vs_best.1,
                "vs_best_other_max": vs_best.2,
                "pairs": pairs, "peak_rss_mib": rss,
                "backend": name, "forced": forced}),
            );
        }
    }
    if only.is_none() && case.is_none() {
        out.push(lockstep_row(if quick { 3 } else { 5 })?);
    }
    Ok(out)
}

/// (64, 2, 4) against (64, 2, 1), both on one thread, in interleaved
/// pairs: the same total work (the reference splits the memory across
/// the cores), so a ratio under 1 is the lanes' gain (the four cores run
/// in lockstep as the lanes of one sponge).
fn lockstep_row(pairs: usize) -> Result<Value, String> {
    let settings = |cores| Settings {
        mb: 64,
        cpu: 2,
        cores,
        tag_size: 16,
    };
    let mut ratios = Vec::new();
    let (mut one, mut four) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        // The cores in lanes, forced (one thread): the lanes' own gain.
        let lanes = [(aiootp_keccak::X4_RATIO_ENV, "0.01".to_string())];
        let a = run_child(settings(1), Some(1), &lanes)?.seconds;
        let b = run_child(settings(4), Some(1), &lanes)?.seconds;
        ratios.push(b / a);
        one.push(a);
        four.push(b);
    }
    for v in [&mut ratios, &mut one, &mut four] {
        v.sort_by(f64::total_cmp);
    }
    let mid = pairs / 2;
    let backend = aiootp_keccak::backend().name();
    println!(
        "passcrypt on one thread, {backend}: (64,2,4) {:.3} s, (64,2,1) {:.3} s: {:.2}x the time \
         (median of {pairs} interleaved pairs, min {:.2}, max {:.2})",
        four[mid],
        one[mid],
        ratios[mid],
        ratios[0],
        ratios[pairs - 1]
    );
    Ok(
        json!({"op": "passcrypt_lockstep", "mb": 64, "cpu": 2, "cores": 4, "threads": 1,
        "backend": format!("{backend}-x4"),
        "forced": std::env::var_os(aiootp_keccak::BACKEND_ENV).is_some(), "rust_s": four[mid], "cores_1_s": one[mid], "ratio": ratios[mid],
        "ratio_min": ratios[0], "ratio_max": ratios[pairs - 1], "pairs": pairs}),
    )
}

/// What a child measured.
#[derive(Clone)]
struct Child {
    seconds: f64,
    peak_mib: f64,
    x4_ratio: f64,
    plan: String,
}

/// One child process timing `s` on `threads` threads (rayon's), if given,
/// with `env` set.
fn run_child(s: Settings, threads: Option<usize>, env: &[(&str, String)]) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t.to_string());
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let out = cmd
        .args([
            "bench",
            "--passcrypt-child",
            &s.mb.to_string(),
            &s.cpu.to_string(),
            &s.cores.to_string(),
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "passcrypt child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let mut num = || it.next().and_then(|x| x.parse::<f64>().ok());
    match (num(), num(), num()) {
        (Some(seconds), Some(peak_mib), Some(x4_ratio)) => Ok(Child {
            seconds,
            peak_mib,
            x4_ratio,
            plan: text.split_whitespace().nth(3).unwrap_or("?").to_string(),
        }),
        _ => Err(format!("passcrypt child printed {text:?}")),
    }
}

/// In a fresh process: median of 3 `hash_passphrase` runs, then peak RSS.
pub fn child(args: &[String]) -> Result<(), String> {
    let n = |i: usize| {
        args.get(i)
            .and_then(|a| a.parse::<u64>().ok())
            .ok_or("bad child arguments")
    };
    let s = Settings {
        mb: n(0)?,
        cpu: n(1)?,
        cores: n(2)?,
        tag_size: 16,
    };
    let pc = Passcrypt::default();
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        std::hint::black_box(
            pc.hash_passphrase(b"a benchmark passphrase", b"", s, 8)
                .map_err(|e| e.to_string())?,
        );
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let plan = aiootp_passcrypt::core_plan_for(s.cores);
    println!(
        "{} {} {} lanes={},threads={}",
        times[1],
        util::peak_rss_mib(),
        aiootp_keccak::Kernels::current().costs().x4_ratio,
        plan.lanes,
        plan.threads
    );
    Ok(())
}

fn reference_time(s: Settings) -> Result<f64, String> {
    let python = util::reference_python()?;
    let script = format!(
        "import time, statistics, aiootp\n\
         from aiootp import Passcrypt\n\
         Passcrypt.hash_passphrase(b'warm up the pool!!', mb=1, cpu=1, cores={cores})\n\
         t = []\n\
         for _ in range(3):\n\
         \x20   s = time.perf_counter(); Passcrypt.hash_passphrase(b'a benchmark passphrase', mb={mb}, cpu={cpu}, cores={cores}); t.append(time.perf_counter() - s)\n\
         print(statistics.median(t))\n",
        mb = s.mb,
        cpu = s.cpu,
        cores = s.cores
    );
    let out = Command::new(python)
        .args(["-c", &script])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "reference passcrypt failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("reference printed no time: {e}"))
}
