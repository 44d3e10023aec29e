//! `cargo xtask kat [--dir DIR] [--large]`: every vector file and fixture
//! folder under DIR (default `../shared/kat`), through `aiootp-kat`.

use crate::util;
use std::path::PathBuf;

pub fn main(args: &[String]) -> Result<(), String> {
    let mut dir = util::shared().join("kat");
    let mut large = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => dir = PathBuf::from(it.next().ok_or("--dir needs a path")?),
            "--large" => large = true,
            other => {
                return Err(format!(
                    "unknown argument `{other}` (kat [--dir DIR] [--large])"
                ));
            }
        }
    }
    let tally = aiootp_kat::run_dir(&dir, large)?;
    for f in &tally.failures {
        eprintln!("FAILED {f}");
    }
    println!("{}", tally.summary());
    if tally.failed > 0 {
        return Err(format!("{} known-answer cases failed", tally.failed));
    }
    Ok(())
}
