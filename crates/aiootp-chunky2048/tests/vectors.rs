//! Every case of the shared Chunky2048 vector file through [`kat::check_case`].

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_chunky2048::kat::{Outcome, check_case};

#[test]
fn shared_vectors_pass() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/kat/chunky2048.json"
    );
    let text = std::fs::read_to_string(path).expect("shared/kat/chunky2048.json is readable");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("vector file is JSON");
    let mut failures = Vec::new();
    for case in &cases {
        match check_case(case) {
            Outcome::Passed => {}
            other => failures.push(format!("{}: {other:?}", case["id"])),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() > 50);
}
