//! Database fixture folders (`expected.json` with
//! `"format": "aiootp-0.22.0-database-kat"`), through `aiootp_db::kat`.

use crate::kat::KatTally;
use serde_json::Value;
use std::path::Path;

pub fn run_fixture(path: &Path, json: &Value, tally: &mut KatTally) {
    let dir = path.parent().unwrap_or(path);
    let name = dir.display().to_string();
    for (id, result) in aiootp_db::kat::run_fixture(dir, json) {
        match result {
            Ok(()) => tally.passed += 1,
            Err(e) => {
                tally.failed += 1;
                tally.failures.push(format!("{name}#{id}: {e}"));
            }
        }
    }
}
