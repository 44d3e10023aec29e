//! One case's outcome and the pass/fail count of a run.

use crate::fields::R;

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check of the case held.
    Passed,
    /// A check failed; the text says which.
    Failed(String),
    /// The case cannot be expressed in Rust's types (the text says why).
    Skipped(String),
}

impl From<R> for Outcome {
    fn from(r: R) -> Self {
        match r {
            Ok(()) => Self::Passed,
            Err(why) => Self::Failed(why),
        }
    }
}

/// The count of a run, with the name of every failed case.
#[derive(Debug, Default)]
pub struct Tally {
    /// Cases whose every check held.
    pub passed: usize,
    /// Cases with a failed check.
    pub failed: usize,
    /// Cases Rust's types cannot express.
    pub skipped: usize,
    /// `id: why` for every failed case.
    pub failures: Vec<String>,
}

impl Tally {
    /// Counts `outcome` for the case `id`.
    pub fn record(&mut self, id: &str, outcome: impl Into<Outcome>) {
        match outcome.into() {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed(why) => {
                self.failed += 1;
                self.failures.push(format!("{id}: {why}"));
            }
            Outcome::Skipped(_) => self.skipped += 1,
        }
    }

    /// Adds another tally's counts.
    pub fn merge(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.failures.extend(other.failures);
    }

    /// The closing line: `N passed, M failed, K skipped`.
    #[must_use]
    pub fn summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}
