//! `cargo xtask test [--fast]`: what CI runs, in order, stopping at the
//! first failure: fmt, module circles, clippy, every feature of every
//! library crate on its own (a check), docs, unit/doc/property/vector
//! tests, the same vector tests as a lone clone would run them (`../shared`
//! hidden), known-answer tests, live interop with the reference, the crash
//! test and a fuzz smoke run.

use crate::util;
use std::time::Instant;

pub fn main(args: &[String]) -> Result<(), String> {
    let fast = args.iter().any(|a| a == "--fast");
    let started = Instant::now();
    let step = |name: &str| {
        eprintln!(
            "\n==> {name} ({:.0} s so far)",
            started.elapsed().as_secs_f64()
        )
    };

    step("cargo fmt --check");
    util::run("cargo", &["fmt", "--all", "--", "--check"])?;
    step("module circles");
    util::run("python3", &["xtask/src/module_cycles.py", "."])?;
    step("cargo clippy -D warnings");
    util::run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    step("cargo hack check --each-feature (library crates)");
    each_feature_check()?;
    step("cargo doc (warnings are errors)");
    let status = std::process::Command::new("cargo")
        .args(["doc", "--workspace", "--no-deps", "--all-features"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(util::root())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo doc reported warnings".into());
    }
    step("cargo test (unit, property, doc and vector tests)");
    util::run(
        "cargo",
        &["test", "--workspace", "--all-features", "--release"],
    )?;
    step("criterion benchmarks compile (not run)");
    util::run("cargo", &["bench", "-p", "aiootp-benches", "--no-run"])?;
    step("Keccak, lanes and Chunky2048 vectors under each forced backend");
    const KECCAK: &[&str] = &["test", "--release", "-p", "aiootp-keccak", "--lib"];
    const CIPHER: &[&str] = &["test", "--release", "-p", "aiootp-chunky2048", "--lib"];
    const PASSCRYPT: &[&str] = &["test", "--release", "-p", "aiootp-passcrypt", "--lib"];
    const VECTORS: &[&str] = &[
        "test",
        "--release",
        "-p",
        "aiootp-kat",
        "--test",
        "vectors",
        "chunky2048",
    ];
    for backend in aiootp_keccak::Backend::ALL {
        // A backend the CPU lacks: only the Keccak tests, which check that
        // the override is refused and the best available one chosen.
        let suites: &[&[&str]] = if backend.is_available() {
            &[KECCAK, CIPHER, VECTORS]
        } else {
            &[KECCAK]
        };
        cargo_with_env(suites, aiootp_keccak::BACKEND_ENV, backend.name())?;
    }
    step("Chunky2048 and Passcrypt with every lane plan forced (AIOOTP_X4_RATIO)");
    // 0.5: every operation in lanes, on the fastest backend the CPU has;
    // inf: the scalar plan. The property tests inject the costs between.
    for ratio in ["0.5", "inf"] {
        cargo_with_env(
            &[CIPHER, PASSCRYPT, VECTORS],
            aiootp_keccak::X4_RATIO_ENV,
            ratio,
        )?;
    }
    step("vector tests of a lone clone (../shared hidden)");
    let status = std::process::Command::new("cargo")
        .args([
            "test",
            "--all-features",
            "--release",
            "-p",
            "aiootp-kat",
            "-p",
            "aiootp-cli",
        ])
        .env(aiootp_kat::NO_SHARED_ENV, "1")
        .env_remove(aiootp_kat::REQUIRE_ALL_ENV)
        .current_dir(util::root())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("the lone-clone vector tests failed".into());
    }
    step("known-answer tests");
    crate::kat::main(&[])?;
    step("interop with the reference");
    crate::interop::main(&["--cases".into(), if fast { "50" } else { "300" }.into()])?;
    step("man pages");
    crate::man::main(&[])?;
    step("secrets left in memory (gdb)");
    crate::secrets::main(&[])?;
    step("crash test (SIGKILL during saves)");
    crate::crash::main(&["--kills".into(), if fast { "20" } else { "60" }.into()])?;
    for engine in ["postgres", "s3"] {
        step(&format!(
            "load: concurrent clients on one server ({engine})"
        ));
        let mut args: Vec<String> = ["--engine", engine, "--clients", "4", "--saves", "20"]
            .map(String::from)
            .to_vec();
        // The S3 server across a veth pair where namespaces can be made.
        if engine == "s3" && netns_available() {
            args.push("--netns".into());
        }
        crate::load::main(&args)?;
    }
    if !fast {
        step("fuzz smoke run");
        crate::fuzz::main(&["--seconds".into(), "10".into()])?;
    }
    eprintln!(
        "\nxtask test: every step passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Whether this process may make network namespaces (`ip netns add`).
fn netns_available() -> bool {
    let name = format!("aiootp-probe-{}", std::process::id());
    let made = std::process::Command::new("ip")
        .args(["netns", "add", &name])
        .output()
        .is_ok_and(|o| o.status.success());
    if made {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &name])
            .output();
    } else {
        eprintln!("load: no network namespaces here; the S3 server runs on loopback");
    }
    made
}

/// The library crates, each feature on its own, with `cargo hack` (installed
/// when missing). A check, not a test run.
fn each_feature_check() -> Result<(), String> {
    let have = std::process::Command::new("cargo")
        .args(["hack", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        util::run("cargo", &["install", "cargo-hack", "--locked"])?;
    }
    let mut args = vec!["hack", "check", "--each-feature", "--no-dev-deps"];
    for c in [
        "aiootp-keccak",
        "aiootp-core",
        "aiootp-chunky2048",
        "aiootp-passcrypt",
        "aiootp-asym",
        "aiootp-storage",
        "aiootp-db",
        "aiootp-gentools",
        "aiootp",
    ] {
        args.extend(["-p", c]);
    }
    util::run("cargo", &args)
}

/// Runs each `cargo` command of `suites` with the environment variable
/// `key` set to `value`; the first that fails is the error.
fn cargo_with_env(suites: &[&[&str]], key: &str, value: &str) -> Result<(), String> {
    for args in suites {
        let status = std::process::Command::new("cargo")
            .args(*args)
            .env(key, value)
            .current_dir(util::root())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!(
                "`cargo {}` failed with {key}={value}",
                args.join(" ")
            ));
        }
    }
    Ok(())
}
