//! `cargo xtask <command>`: the one entry point for the project's checks.
//!
//! - `kat [--dir DIR] [--large]`: known-answer vectors and fixtures.
//! - `interop [--cases N] [--seed S]`: live round trips with the reference.
//! - `bench [--json PATH] [--quick]`: throughput against the Keccak bound and the reference.
//! - `fuzz [--seconds S]`: every fuzz target for S seconds.
//! - `secrets`: secret copies left in memory by CLI commands (gdb).
//! - `man [--out DIR]`: the CLI's man pages.
//! - `load [--clients N] [--saves M] [--url URL]`: concurrent clients on one PostgreSQL server.
//! - `test`: what CI runs (fmt, clippy, tests, kat, interop, fuzz smoke).

// Benchmark arithmetic moves between counts and seconds on purpose.
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

mod bench;
mod bench_db;
mod bench_passcrypt;
mod crash;
mod db_fixture;
mod fuzz;
mod interop;
mod interop_cli;
mod interop_db;
mod interop_keygens;
mod kat;
mod load;
mod man;
mod secrets;
mod test;
mod util;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(c, r)| (c.as_str(), r));
    let result = match command {
        "kat" => kat::main(rest),
        "interop" => interop::main(rest),
        "bench" => bench::main(rest),
        "fuzz" => fuzz::main(rest),
        "test" => test::main(rest),
        "crash" => crash::main(rest),
        "secrets" => secrets::main(rest),
        "man" => man::main(rest),
        "load" => load::main(rest),
        "db-fixture" => db_fixture_main(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <kat|interop|bench|fuzz|crash|secrets|man|load|db-fixture|test> [options]"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("xtask {command}: {e}");
        std::process::exit(1);
    }
}

/// `cargo xtask db-fixture --from DIR --out OUT`: a Rust-written fixture.
fn db_fixture_main(args: &[String]) -> Result<(), String> {
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .ok_or(format!("{name} is required"))
    };
    let out = std::path::PathBuf::from(arg("--out")?);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    db_fixture::write(std::path::Path::new(arg("--from")?), &out)?;
    println!("wrote {}", out.display());
    Ok(())
}
