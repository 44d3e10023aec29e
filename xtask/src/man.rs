//! `cargo xtask man [--out DIR]`: the CLI's man pages (`clap_mangen`),
//! written by the `aiootp` binary itself into DIR (default `target/man`).

use crate::util;

pub fn main(args: &[String]) -> Result<(), String> {
    let out = match args {
        [] => util::root().join("target/man"),
        [flag, dir] if flag == "--out" => std::path::PathBuf::from(dir),
        _ => return Err("usage: cargo xtask man [--out DIR]".into()),
    };
    util::run(
        "cargo",
        &["build", "--quiet", "--release", "-p", "aiootp-cli"],
    )?;
    let bin = util::root().join("target/release/aiootp");
    let status = std::process::Command::new(&bin)
        .arg("man")
        .arg(&out)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("aiootp man failed".into());
    }
    let pages = std::fs::read_dir(&out)
        .map_err(|e| e.to_string())?
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "1"))
        })
        .count();
    if pages < 5 {
        return Err(format!("only {pages} man pages were written"));
    }
    println!("{pages} man pages in {}", out.display());
    Ok(())
}
