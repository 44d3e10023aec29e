//! `cargo xtask kat [--dir DIR]`: every vector file and fixture folder under
//! DIR, recognised by content (`shared/kat/README.md`, "Recognising files").

use crate::util;
use aiootp_chunky2048::kat::{Outcome, check_case};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, id: &str, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed(why) => {
                self.failed += 1;
                self.failures.push(format!("{id}: {why}"));
            }
            Outcome::Skipped(_) => self.skipped += 1,
        }
    }

    fn fail(&mut self, id: &str, why: String) {
        self.failed += 1;
        self.failures.push(format!("{id}: {why}"));
    }
}

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
    let tally = run_dir(&dir, large)?;
    for f in &tally.failures {
        eprintln!("FAILED {f}");
    }
    println!(
        "{} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.skipped
    );
    if tally.failed > 0 {
        return Err(format!("{} known-answer cases failed", tally.failed));
    }
    Ok(())
}

/// Runs every recognised file and fixture folder under `dir`.
pub fn run_dir(dir: &Path, large: bool) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let mut stack = vec![dir.to_path_buf()];
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let Some(json) = read_json(&path) else {
            continue;
        };
        let name = path.display().to_string();
        if is_database_fixture(&path, &json) {
            crate::kat_db::run_fixture(&path, &json, &mut tally);
        } else if is_chunky2048(&json) {
            run_chunky2048(&name, &json, &mut tally);
        } else if json.get("schema").and_then(Value::as_str) == Some("aiootp-0.22.0/keygens-kat/v1")
        {
            crate::kat_keygens::run(&name, &json, large, &mut tally);
        }
    }
    Ok(tally)
}

/// Parses a file that starts (after blanks) with `[` or `{`; anything else
/// is not a vector file.
fn read_json(path: &Path) -> Option<Value> {
    let bytes = std::fs::read(path).ok()?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'[' && *first != b'{' {
        return None;
    }
    serde_json::from_slice(&bytes).ok()
}

fn is_chunky2048(json: &Value) -> bool {
    json.as_array()
        .and_then(|a| a.first())
        .and_then(|m| m.get("kind"))
        .and_then(Value::as_str)
        == Some("meta")
}

fn is_database_fixture(path: &Path, json: &Value) -> bool {
    path.file_name().is_some_and(|n| n == "expected.json")
        && json.get("format").and_then(Value::as_str) == Some("aiootp-0.22.0-database-kat")
}

fn run_chunky2048(name: &str, json: &Value, tally: &mut Tally) {
    let Some(cases) = json.as_array() else { return };
    for case in cases {
        let id = format!(
            "{name}#{}",
            case.get("id").and_then(Value::as_str).unwrap_or("?")
        );
        match case.get("kind").and_then(Value::as_str) {
            Some(_) => tally.record(&id, check_case(case)),
            None => tally.fail(&id, "case has no kind".into()),
        }
    }
}

pub(crate) use Tally as KatTally;
