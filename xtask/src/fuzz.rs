//! `cargo xtask fuzz [--seconds S] [--target NAME]`: every fuzz target for S
//! seconds with cargo-fuzz (installed if missing), without sanitizers so it
//! runs on the stable toolchain (`-s none`).

use crate::util;
use std::process::Command;

pub fn main(args: &[String]) -> Result<(), String> {
    let mut seconds = 30u64;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seconds needs a number")?
            }
            "--target" => only = Some(it.next().ok_or("--target needs a name")?.clone()),
            other => {
                return Err(format!(
                    "unknown argument `{other}` (fuzz [--seconds S] [--target NAME])"
                ));
            }
        }
    }
    ensure_cargo_fuzz()?;
    let targets = list_targets()?;
    let mut ran = 0;
    for t in targets
        .iter()
        .filter(|t| only.as_ref().is_none_or(|o| o == *t))
    {
        let max = format!("-max_total_time={seconds}");
        util::run(
            "cargo",
            &[
                "fuzz",
                "run",
                "--fuzz-dir",
                "fuzz",
                "-s",
                "none",
                t,
                "--",
                &max,
                "-rss_limit_mb=2048",
            ],
        )?;
        ran += 1;
    }
    if ran == 0 {
        return Err("no fuzz target matched".into());
    }
    println!("fuzzed {ran} targets for {seconds} s each: no crash");
    Ok(())
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        util::run("cargo", &["install", "cargo-fuzz", "--locked"])?;
    }
    Ok(())
}

fn list_targets() -> Result<Vec<String>, String> {
    let out = Command::new("cargo")
        .args(["fuzz", "list", "--fuzz-dir", "fuzz"])
        .current_dir(util::root())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "cargo fuzz list failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect())
}
