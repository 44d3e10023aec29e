//! When the cipher runs work in the lanes of the four-state Keccak: each
//! operation that can run either way asks the calling thread's
//! [`Kernels`]' costs here, with the number of single-state permutations
//! one four-lane call of its lane plan does. The output is the same
//! whichever plan is chosen (property tests per plan: `cargo xtask test`
//! runs the crate's tests with `AIOOTP_X4_RATIO` forcing each).

use aiootp_core::{Costs, Kernels};

/// Useful permutations per call when four independent states share it:
/// the key setup's seed, left, right and mac; four messages of a batch.
pub(crate) const FOUR: f64 = 4.0;

/// Useful permutations per call of left ∥ right: two.
pub(crate) const PAIR: f64 = 2.0;

/// Useful permutations per call of each phase of the pipelined opening,
/// per 256-byte block: the MAC's chain absorbs 256 bytes (1.52
/// permutations, one call each) and its 168-byte digest (1) rides in the
/// idle lanes, 2.52 in 1.52 calls; the seed absorbs 168 bytes (1) and
/// squeezes 336 (2) beside it, 3 in 1; left and right absorb 168 bytes
/// each (2) beside their two 128-byte digests (2), 4 in 1.
pub(crate) const MAC_PHASE: f64 = 2.52 / 1.52;
/// See [`MAC_PHASE`].
pub(crate) const SEED_PHASE: f64 = 3.0;
/// See [`MAC_PHASE`].
pub(crate) const LEFT_RIGHT_PHASE: f64 = 4.0;

/// Which phases of the pipelined opening run in lanes; each is chosen
/// alone, so on a CPU where a four-lane call is slow only the phases that
/// fill its lanes use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PipelinePlan {
    /// The StreamHMAC's chain and its digests (below 1.51).
    pub(crate) mac: bool,
    /// The seed's chain and its ratchet keys (below 2.73).
    pub(crate) seed: bool,
    /// Left and right side by side, with their keystream halves (below 3.64).
    pub(crate) left_right: bool,
}

impl PipelinePlan {
    /// The plan of the calling thread's costs.
    pub(crate) fn current() -> Self {
        let c = costs();
        Self {
            mac: c.lanes_pay(MAC_PHASE),
            seed: c.lanes_pay(SEED_PHASE),
            left_right: c.lanes_pay(LEFT_RIGHT_PHASE),
        }
    }

    /// Whether any phase runs in lanes (else blocks open one by one).
    pub(crate) fn pays(self) -> bool {
        self.mac || self.seed || self.left_right
    }
}

/// The costs of the calling thread's kernels.
fn costs() -> Costs {
    Kernels::current().costs()
}

/// Whether four independent permutations pay as the lanes of one call:
/// the key setup, batches. Below 3.64 single-state costs a call.
pub(crate) fn lanes_pay() -> bool {
    costs().lanes_pay(FOUR)
}

/// Whether `n` independent block ids pay as lanes (up to four a call).
pub(crate) fn block_ids_pay(n: usize) -> bool {
    #[allow(clippy::cast_precision_loss)] // at most 4
    let useful = n.min(4) as f64;
    n > 1 && costs().lanes_pay(useful)
}

/// Whether left and right side by side in one call beat two calls of the
/// single-state permutation: below 1.82 (AVX-512VL on Zen 4 and 5; AVX2
/// on some CPUs).
pub(crate) fn pairs_pay() -> bool {
    costs().lanes_pay(PAIR)
}

/// The plans the cipher's operations take under the calling thread's
/// [`Kernels`], for reports (`cargo xtask bench` prints it per row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plans {
    /// The key setup and the message bundle: four states in one pass.
    pub key_setup_x4: bool,
    /// Left ∥ right side by side in each block's keystream (sealing).
    pub pairs_x4: bool,
    /// The pipelined opening's MAC phase in lanes.
    pub open_mac_x4: bool,
    /// The pipelined opening's seed phase in lanes.
    pub open_seed_x4: bool,
    /// The pipelined opening's left/right phase in lanes.
    pub open_left_right_x4: bool,
    /// Block ids four at a time (for four or more blocks).
    pub block_ids_x4: bool,
    /// Batches four messages at a time.
    pub batch_x4: bool,
}

impl Plans {
    /// The plans of the calling thread's [`Kernels`].
    #[must_use]
    pub fn current() -> Self {
        let open = PipelinePlan::current();
        Self {
            key_setup_x4: lanes_pay(),
            pairs_x4: pairs_pay(),
            open_mac_x4: open.mac,
            open_seed_x4: open.seed,
            open_left_right_x4: open.left_right,
            block_ids_x4: block_ids_pay(4),
            batch_x4: lanes_pay(),
        }
    }

    /// Whether every operation runs one state at a time.
    #[must_use]
    pub fn is_scalar(&self) -> bool {
        *self == Self::SCALAR
    }

    /// No lanes anywhere.
    pub const SCALAR: Self = Self {
        key_setup_x4: false,
        pairs_x4: false,
        open_mac_x4: false,
        open_seed_x4: false,
        open_left_right_x4: false,
        block_ids_x4: false,
        batch_x4: false,
    };
}

impl core::fmt::Display for Plans {
    /// `keys=x4 pairs=1 open=mac:1,seed:1,lr:x4 ids=x4 batch=x4`
    /// (`x4`: in lanes; `1`: one state at a time).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let w = |b: bool| if b { "x4" } else { "1" };
        write!(
            f,
            "keys={} pairs={} open=mac:{},seed:{},lr:{} ids={} batch={}",
            w(self.key_setup_x4),
            w(self.pairs_x4),
            w(self.open_mac_x4),
            w(self.open_seed_x4),
            w(self.open_left_right_x4),
            w(self.block_ids_x4),
            w(self.batch_x4)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plans a cost model must pick, by the arithmetic of the
    /// constants above and `LANE_MARGIN` = 1.1: a plan pays when
    /// `ratio × 1.1 < useful permutations per call`.
    #[test]
    fn each_plan_is_chosen_by_its_cost() {
        let with = |ratio: f64, f: fn() -> bool| {
            Kernels::current()
                .with_costs(Costs::new(ratio, 2))
                .scope(f)
        };
        // (ratio, four lanes and left/right: < 3.64, pair: < 1.82,
        //  the MAC phase: < 1.66 / 1.1 = 1.51, the seed phase: < 2.73)
        let table = [
            (0.63, true, true, true, true),     // AVX-512VL, Zen 4
            (1.24, true, true, true, true),     // AVX2 forced on Zen 5
            (2.27, true, false, false, true),   // AVX2 on Zen 3
            (2.9, true, false, false, false),   // AVX2 on Zen 1
            (5.0, false, false, false, false),  // slower than four scalar calls
        ];
        for (ratio, four, pair, mac, seed) in table {
            assert_eq!(with(ratio, lanes_pay), four, "four at {ratio}");
            assert_eq!(with(ratio, pairs_pay), pair, "pair at {ratio}");
            let plan = Kernels::current()
                .with_costs(Costs::new(ratio, 2))
                .scope(PipelinePlan::current);
            let want = PipelinePlan { mac, seed, left_right: four };
            assert_eq!(plan, want, "pipeline at {ratio}");
            assert_eq!(plan.pays(), ratio < 3.64, "{ratio}");
        }
        // Block ids: n ids fill min(n, 4) lanes.
        let ids = |ratio: f64, n: usize| {
            Kernels::current()
                .with_costs(Costs::new(ratio, 1))
                .scope(|| block_ids_pay(n))
        };
        assert!(!ids(0.63, 1)); // one id: nothing to share a call with
        assert!(ids(0.63, 2)); // 0.69 < 2
        assert!(!ids(2.27, 2)); // 2.50 > 2
        assert!(ids(2.27, 3)); // 2.50 < 3
        assert!(!ids(2.9, 3)); // 3.19 > 3
        assert!(ids(2.9, 4)); // 3.19 < 4
        assert!(!ids(5.0, 100));
        // The scalar plan never uses lanes.
        Kernels::current().with_costs(Costs::SCALAR).scope(|| {
            assert!(!lanes_pay() && !pairs_pay() && !block_ids_pay(64));
            assert!(!PipelinePlan::current().pays());
            assert!(Plans::current().is_scalar());
            assert_eq!(
                Plans::current().to_string(),
                "keys=1 pairs=1 open=mac:1,seed:1,lr:1 ids=1 batch=1"
            );
        });
    }
}
