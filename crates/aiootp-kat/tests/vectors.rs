//! Vector tests: the pinned subset committed with this crate (always), and
//! the full Chunky2048 set and database fixture in `../shared/kat` (skipped,
//! with a note, where that folder is absent or hidden by
//! `AIOOTP_NO_SHARED=1`; a failure under `AIOOTP_REQUIRE_ALL=1`).
//! `cargo xtask kat` runs every full set in release mode.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_kat::{Tally, pinned_dir, run_dir, run_file, shared_dir, skip};
use std::path::Path;

fn assert_clean(what: &str, tally: &Tally, at_least: usize) {
    assert!(
        tally.failed == 0,
        "{what}: {}\n{}",
        tally.summary(),
        tally.failures.join("\n")
    );
    assert!(
        tally.passed >= at_least,
        "{what}: only {} cases passed",
        tally.passed
    );
}

#[test]
fn pinned_vectors_pass() {
    let tally = run_dir(&pinned_dir(), false).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("pinned vectors: {}", tally.summary());
    assert_clean("pinned vectors", &tally, 60);
}

fn run_shared(test: &str, relative: &str, at_least: usize) {
    let Some(shared) = shared_dir() else {
        skip(test, "../shared/kat").unwrap_or_else(|e| panic!("{e}"));
        return;
    };
    let path = shared.join("kat").join(relative);
    let json = aiootp_kat::read_json(&path).unwrap_or_else(|| panic!("{} is JSON", path.display()));
    let kind = aiootp_kat::recognise(&path, &json)
        .unwrap_or_else(|| panic!("{} is a vector file", path.display()));
    let mut tally = Tally::default();
    run_file(Path::new(&path), &json, kind, false, &mut tally);
    assert_clean(test, &tally, at_least);
}

#[test]
fn shared_chunky2048_vectors_pass() {
    run_shared("shared_chunky2048_vectors_pass", "chunky2048.json", 60);
}

#[test]
fn shared_database_fixture_vectors_pass() {
    run_shared(
        "shared_database_fixture_vectors_pass",
        "database-seed0/expected.json",
        56,
    );
}
