//! Which Keccak kernels a process uses and what they cost: the one value
//! every plan is chosen from.
//!
//! A [`Kernels`] holds the four-state backend (as a [`Detected`], so an
//! unavailable one cannot be named), the single-state permutation, and
//! the [`Costs`] that the operations read to pick their plan: what one
//! four-lane call costs in single-state permutations, and how many
//! threads there are. It is obtained once per process ([`Kernels::process`]:
//! detected, measured in well under a millisecond, or forced by the
//! environment) and can be replaced on one thread for a scope
//! ([`Kernels::scope`]), which is how tests inject costs and benchmarks
//! time a forced backend or the scalar plan beside the chosen one.
//!
//! ```
//! use aiootp_keccak::{Costs, Kernels};
//!
//! let chosen = Kernels::current();
//! // The same kernels under the scalar plan: no lanes, one thread.
//! let scalar = chosen.with_costs(Costs::SCALAR);
//! scalar.scope(|| assert!(!Kernels::current().costs().lanes_pay(4.0)));
//! // An injected cost: a four-lane call at 2.9 single-state permutations.
//! let slow = chosen.with_costs(Costs::new(2.9, 2));
//! assert!(slow.costs().lanes_pay(4.0) && !slow.costs().lanes_pay(2.0));
//! ```

use crate::keccak::State;
use crate::lanes::{BACKEND_ENV, Backend, Detected, StateX4};
use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The environment variable that forces the cost of one four-lane call in
/// single-state permutations (a number; `inf` forces the scalar plan
/// wherever lanes are a choice). Without it the cost is measured.
pub const X4_RATIO_ENV: &str = "AIOOTP_X4_RATIO";

/// What a plan with lanes must promise over the plan without: a lane plan
/// is chosen only where its modelled cost, times this margin, is below the
/// scalar plan's. It covers the byte shuffling of the lanes that the
/// permutation counts leave out, and the noise of the measurement.
pub const LANE_MARGIN: f64 = 1.10;

/// The cost of a four-lane call with the portable backend: four scalar
/// permutations and the interleaving (not measured; no lane plan pays).
const PORTABLE_RATIO: f64 = 4.0;

/// The costs a plan is chosen by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Costs {
    /// One four-lane call, in single-state permutations (0.6-1.15 with
    /// AVX-512VL on Zen 4/5, 1.2-2.3 with AVX2 on Zen 3/5, 2.9 on Zen 1,
    /// 4 or more for the portable build). Infinite in the scalar plan.
    pub x4_ratio: f64,
    /// The threads work may run on (at least 1).
    pub threads: usize,
}

impl Costs {
    /// The scalar plan: one state at a time, on one thread, as before the
    /// lanes.
    pub const SCALAR: Self = Self {
        x4_ratio: f64::INFINITY,
        threads: 1,
    };

    /// Costs of `x4_ratio` single-state permutations per four-lane call
    /// and `threads` threads (0 counts as 1; a ratio that is not a
    /// positive number counts as infinite).
    #[must_use]
    pub fn new(x4_ratio: f64, threads: usize) -> Self {
        let x4_ratio = if x4_ratio > 0.0 {
            x4_ratio
        } else {
            f64::INFINITY
        };
        Self {
            x4_ratio,
            threads: threads.max(1),
        }
    }

    /// Whether a four-lane call that does the work of `useful`
    /// single-state permutations beats running them one by one: it must
    /// cost less than `useful / LANE_MARGIN` of them.
    ///
    /// A pair of independent permutations is `useful = 2`; four, `4`; a
    /// pipeline that keeps on average 2.7 lanes busy, `2.7`.
    #[must_use]
    pub fn lanes_pay(&self, useful: f64) -> bool {
        self.x4_ratio * LANE_MARGIN < useful
    }

    /// The plan for `jobs` independent jobs of equal cost, such as
    /// Passcrypt's cores: how many run side by side in the lanes of one
    /// call (1 = alone on the single-state permutation) and on how many
    /// threads the groups run. `lane_overhead` is the extra cost of the
    /// lane form of a job beyond its permutations (0.30 = 30%).
    ///
    /// The time of a plan, in units of one job run alone, is
    /// `ceil(groups / threads) × (1 if alone, else x4_ratio × (1 +
    /// lane_overhead) × LANE_MARGIN)` with `groups = ceil(jobs / lanes)`;
    /// the cheapest wins, and between equals the one with fewer threads,
    /// then fewer lanes.
    #[must_use]
    pub fn jobs(&self, jobs: u64, lane_overhead: f64) -> JobsPlan {
        let mut best = JobsPlan {
            lanes: 1,
            threads: 1,
        };
        let mut best_time = f64::INFINITY;
        for lanes in 1..=4u64 {
            let per_call = if lanes == 1 {
                1.0
            } else {
                self.x4_ratio * (1.0 + lane_overhead) * LANE_MARGIN
            };
            if !per_call.is_finite() {
                continue;
            }
            let groups = jobs.div_ceil(lanes).max(1);
            let threads = u64::try_from(self.threads).unwrap_or(u64::MAX).min(groups);
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            let time = groups.div_ceil(threads) as f64 * per_call;
            let threads = usize::try_from(threads).unwrap_or(1);
            let cheaper = time < best_time * (1.0 - 1e-9);
            let as_cheap_on_fewer = time <= best_time * (1.0 + 1e-9) && threads < best.threads;
            if cheaper || as_cheap_on_fewer {
                best_time = time;
                best = JobsPlan {
                    lanes: usize::try_from(lanes).unwrap_or(1),
                    threads,
                };
            }
        }
        best
    }
}

/// A plan for independent jobs: `lanes` of them side by side in one
/// four-lane call (1: each alone), the groups on `threads` threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobsPlan {
    /// Jobs per group (1 to 4).
    pub lanes: usize,
    /// Threads the groups run on.
    pub threads: usize,
}

/// The Keccak kernels of a process and their costs.
#[derive(Clone, Copy)]
pub struct Kernels {
    x4: Detected,
    single: fn(&mut State),
    single_name: &'static str,
    costs: Costs,
    forced: bool,
}

impl core::fmt::Debug for Kernels {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Kernels")
            .field("x4", &self.x4.backend())
            .field("single", &self.single_name)
            .field("costs", &self.costs)
            .field("forced", &self.forced)
            .finish()
    }
}

thread_local! {
    static SCOPED: Cell<Option<Kernels>> = const { Cell::new(None) };
}

impl Kernels {
    /// The kernels of the calling thread: those of the innermost
    /// [`Self::scope`] it is in, else [`Self::process`].
    #[must_use]
    pub fn current() -> Self {
        SCOPED.with(Cell::get).unwrap_or_else(|| *Self::process())
    }

    /// The process's kernels, obtained on first use: the backend named by
    /// `AIOOTP_KECCAK_BACKEND` if the CPU has it, else the fastest it
    /// has; the cost of a four-lane call from `AIOOTP_X4_RATIO`, else
    /// measured (0.1-0.4 ms); the threads `std` says are available
    /// (which counts affinity masks and cgroup quotas).
    pub fn process() -> &'static Self {
        static PROCESS: OnceLock<Kernels> = OnceLock::new();
        PROCESS.get_or_init(Self::from_environment)
    }

    fn from_environment() -> Self {
        let forced = std::env::var(BACKEND_ENV)
            .ok()
            .and_then(|n| Backend::from_name(n.trim()))
            .and_then(Backend::detect);
        let mut kernels = match forced {
            Some(x4) => Self::measure(x4, true),
            None => Self::measure(Detected::best(), false),
        };
        if let Some(ratio) = std::env::var(X4_RATIO_ENV)
            .ok()
            .and_then(|r| r.trim().parse::<f64>().ok())
        {
            kernels.costs = Costs::new(ratio, kernels.costs.threads);
        }
        kernels
    }

    /// The kernels of `backend`, measured, as if the environment forced
    /// it (with AVX-512VL its one-state kernel is taken without timing);
    /// `None` when the CPU lacks it.
    #[must_use]
    pub fn forced(backend: Backend) -> Option<Self> {
        backend.detect().map(|x4| Self::measure(x4, true))
    }

    /// `x4` with the single-state permutation that times faster (forced:
    /// the backend's vector one wherever it has one) and the measured cost
    /// of a four-lane call against it, from one timing.
    fn measure(x4: Detected, forced: bool) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, core::num::NonZero::get);
        let scalar = crate::keccak::scalar_fn();
        let scalar_name = if cfg!(target_arch = "x86_64") && has_bmi1() {
            "aiootp-core keccak (bmi1)"
        } else {
            "aiootp-core keccak (portable)"
        };
        let mut k = Self {
            x4,
            single: scalar,
            single_name: scalar_name,
            costs: Costs::new(PORTABLE_RATIO, threads),
            forced,
        };
        if x4.backend() == Backend::Portable {
            return k;
        }
        let timing = Timing::of(x4, scalar, x4.single_state_kernel());
        // The vector one-state kernel is kept only where it beats the
        // scalar permutation by 3% (Zen 4: 0.6-0.9 of it; Zen 5: 1.05), or
        // where the backend is forced (the tests of that backend).
        if let (Some(vector), Some(v)) = (x4.single_state_kernel(), timing.vector)
            && (forced || v < 0.97)
        {
            k.single = vector;
            k.single_name = VECTOR_SINGLE_NAME;
            k.costs.x4_ratio = timing.x4 / v;
        } else {
            k.costs.x4_ratio = timing.x4;
        }
        k
    }

    /// The same kernels with other costs (injected in tests; the scalar
    /// plan is `with_costs(Costs::SCALAR)`).
    #[must_use]
    pub fn with_costs(mut self, costs: Costs) -> Self {
        self.costs = costs;
        self
    }

    /// Runs `f` with these kernels as the calling thread's
    /// [`Self::current`], then restores the previous ones (also when `f`
    /// panics). Work `f` hands to other threads does not see them unless
    /// it passes them on.
    pub fn scope<R>(self, f: impl FnOnce() -> R) -> R {
        struct Restore(Option<Kernels>);
        impl Drop for Restore {
            fn drop(&mut self) {
                SCOPED.with(|s| s.set(self.0));
            }
        }
        let _restore = Restore(SCOPED.with(|s| s.replace(Some(self))));
        f()
    }

    /// The four-state backend, with its proof of detection.
    #[must_use]
    pub fn x4(&self) -> Detected {
        self.x4
    }

    /// The four-state backend.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.x4.backend()
    }

    /// The single-state permutation.
    #[must_use]
    pub fn single(&self) -> fn(&mut State) {
        self.single
    }

    /// The single-state permutation's name, for reports.
    #[must_use]
    pub fn single_name(&self) -> &'static str {
        self.single_name
    }

    /// The costs plans are chosen by.
    #[must_use]
    pub fn costs(&self) -> Costs {
        self.costs
    }

    /// Whether the backend was forced (by the environment or
    /// [`Self::forced`]).
    #[must_use]
    pub fn is_forced(&self) -> bool {
        self.forced
    }
}

const VECTOR_SINGLE_NAME: &str = "aiootp-core keccak (avx512vl, one state on lane 0)";

fn has_bmi1() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("bmi1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

fn div(a: Duration, b: Duration) -> f64 {
    #[allow(clippy::cast_precision_loss)] // nanoseconds of a few microseconds
    let (a, b) = (a.as_nanos() as f64, b.as_nanos().max(1) as f64);
    a / b
}

/// Interleaved rounds of each kernel: for each, the median over the
/// rounds of its time over the scalar permutation's in the same round
/// (neighbours in time see the same load; a median shrugs off a round
/// that was preempted). The scalar permutation is the unit.
struct Timing {
    x4: f64,
    vector: Option<f64>,
}

impl Timing {
    /// Calls per round of each kernel, and rounds (the first is a warm-up
    /// and not counted): with AVX2 about 0.1 ms on Zen 3, 0.4 ms on a
    /// slow Zen 1 host.
    const CALLS: u32 = 8;
    const ROUNDS: usize = 10;

    fn of(x4: Detected, scalar: fn(&mut State), vector: Option<fn(&mut State)>) -> Self {
        let mut state: State = [0; 25];
        let mut lanes: StateX4 = [[0; 4]; 25];
        let (mut x4_ratios, mut vector_ratios) = (Vec::new(), Vec::new());
        let mut time_single = |f: fn(&mut State)| {
            let start = Instant::now();
            for _ in 0..Self::CALLS {
                f(&mut state);
            }
            start.elapsed()
        };
        for round in 0..Self::ROUNDS {
            let s = time_single(scalar);
            let v = vector.map(&mut time_single);
            let start = Instant::now();
            for _ in 0..Self::CALLS {
                x4.f1600_x4(&mut lanes);
            }
            let x = start.elapsed();
            if round > 0 {
                x4_ratios.push(div(x, s));
                if let Some(v) = v {
                    vector_ratios.push(div(v, s));
                }
            }
        }
        std::hint::black_box((&state, &lanes));
        Self {
            x4: median(x4_ratios),
            vector: (!vector_ratios.is_empty()).then(|| median(vector_ratios)),
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lanes_pay_when_a_call_does_more_than_it_costs() {
        // Four useful permutations per call pay below 4 / 1.1 = 3.64.
        for (ratio, pays) in [
            (0.63, true),
            (1.24, true),
            (2.27, true),
            (2.9, true),
            (5.0, false),
        ] {
            assert_eq!(Costs::new(ratio, 1).lanes_pay(4.0), pays, "{ratio}");
        }
        // Two (a pair) pay below 2 / 1.1 = 1.82.
        for (ratio, pays) in [
            (0.63, true),
            (1.24, true),
            (2.27, false),
            (2.9, false),
            (5.0, false),
        ] {
            assert_eq!(Costs::new(ratio, 1).lanes_pay(2.0), pays, "{ratio}");
        }
        assert!(!Costs::SCALAR.lanes_pay(4.0));
        assert!(
            !Costs::new(0.0, 1).lanes_pay(4.0),
            "a nonsense ratio is infinite"
        );
        assert_eq!(Costs::new(1.0, 0).threads, 1);
    }

    #[test]
    fn independent_jobs_go_where_they_are_cheapest() {
        // Passcrypt's cores, with its lane overhead of 30%: a group in
        // lanes costs ratio × 1.3 × 1.1 = 1.43 × ratio of one core alone.
        let plan =
            |ratio: f64, threads: usize, jobs: u64| Costs::new(ratio, threads).jobs(jobs, 0.30);
        let p = |lanes, threads| JobsPlan { lanes, threads };
        // Zen 1, AVX2 at 2.9: a group costs 4.15 cores alone; lanes never pay.
        assert_eq!(plan(2.9, 1, 4), p(1, 1)); // 4 alone on one thread: 4 < 4.15
        assert_eq!(plan(2.9, 2, 2), p(1, 2)); // one core per thread: 1
        assert_eq!(plan(2.9, 16, 4), p(1, 4));
        // 2.27: a group costs 3.25: four on one thread beats four alone (4).
        assert_eq!(plan(2.27, 1, 4), p(4, 1));
        assert_eq!(plan(2.27, 2, 2), p(1, 2)); // 1 < 3.25
        assert_eq!(plan(2.27, 2, 4), p(1, 2)); // 2 rounds of 2 alone (2) < 3.25
        assert_eq!(plan(2.27, 16, 16), p(1, 16));
        // 1.24: a group costs 1.77.
        assert_eq!(plan(1.24, 1, 2), p(2, 1)); // 1.77 < 2
        assert_eq!(plan(1.24, 1, 4), p(4, 1)); // 1.77 < 4
        assert_eq!(plan(1.24, 2, 2), p(1, 2)); // 1 < 1.77
        // Four alone on two threads: 2; two groups of 2 on two threads and
        // one group of 4 on one thread: 1.77 each, and one thread is fewer.
        assert_eq!(plan(1.24, 2, 4), p(4, 1));
        // 0.63: a group costs 0.90, under one core alone.
        assert_eq!(plan(0.63, 1, 4), p(4, 1));
        assert_eq!(plan(0.63, 2, 2), p(2, 1)); // 0.90 < 1
        assert_eq!(plan(0.63, 2, 8), p(4, 2)); // two groups of 4 on two threads
        assert_eq!(plan(0.63, 16, 16), p(4, 4));
        // 5.0: never lanes.
        assert_eq!(plan(5.0, 1, 4), p(1, 1));
        assert_eq!(plan(5.0, 16, 16), p(1, 16));
        // The scalar plan: alone, one thread.
        assert_eq!(Costs::SCALAR.jobs(4, 0.30), p(1, 1));
        assert_eq!(Costs::SCALAR.jobs(0, 0.30), p(1, 1));
    }

    #[test]
    fn a_scope_injects_kernels_on_its_thread_only() {
        let outside = Kernels::current();
        let injected = outside.with_costs(Costs::new(2.9, 3));
        injected.scope(|| {
            assert_eq!(Kernels::current().costs(), Costs::new(2.9, 3));
            Kernels::current()
                .with_costs(Costs::SCALAR)
                .scope(|| assert_eq!(Kernels::current().costs(), Costs::SCALAR));
            assert_eq!(Kernels::current().costs(), Costs::new(2.9, 3));
            std::thread::spawn(|| Kernels::current().costs())
                .join()
                .map(|c| assert_eq!(c, Kernels::process().costs()))
                .unwrap();
        });
        assert_eq!(Kernels::current().costs(), outside.costs());
        let caught = std::panic::catch_unwind(|| injected.scope(|| panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(Kernels::current().costs(), outside.costs());
    }

    #[test]
    fn a_measured_ratio_is_a_positive_number() {
        for backend in Backend::ALL {
            let Some(k) = Kernels::forced(backend) else {
                assert!(!backend.is_available());
                continue;
            };
            assert_eq!(k.backend(), backend);
            assert!(k.is_forced());
            let r = k.costs().x4_ratio;
            assert!(r.is_finite() && r > 0.0, "{backend}: {r}");
            assert!(k.costs().threads >= 1);
        }
    }

    /// `cargo xtask test` runs this once per backend name in
    /// `AIOOTP_KECCAK_BACKEND` (and once without it).
    #[test]
    fn the_environment_forces_an_available_backend_only() {
        let best = Detected::best().backend();
        let process = Kernels::process();
        match std::env::var(BACKEND_ENV)
            .ok()
            .and_then(|n| Backend::from_name(&n))
        {
            Some(forced) if forced.is_available() => {
                assert_eq!(process.backend(), forced);
                assert!(process.is_forced());
            }
            Some(_) | None => {
                assert_eq!(process.backend(), best);
                assert!(!process.is_forced());
            }
        }
        if let Some(r) = std::env::var(X4_RATIO_ENV)
            .ok()
            .and_then(|r| r.trim().parse::<f64>().ok())
        {
            assert_eq!(process.costs().x4_ratio, Costs::new(r, 1).x4_ratio);
        }
    }
}
