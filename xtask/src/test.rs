//! `cargo xtask test [--fast]`: what CI runs, in order, stopping at the
//! first failure: fmt, clippy, docs, unit/doc/property tests, known-answer
//! tests, live interop with the reference, and a fuzz smoke run.

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
    step("known-answer tests");
    crate::kat::main(&[])?;
    step("interop with the reference");
    crate::interop::main(&["--cases".into(), if fast { "50" } else { "300" }.into()])?;
    step("crash test (SIGKILL during saves)");
    crate::crash::main(&["--kills".into(), if fast { "20" } else { "60" }.into()])?;
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
