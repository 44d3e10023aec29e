//! When the cipher runs work in the lanes of the four-state Keccak: each
//! operation that can run either way asks the calling thread's
//! [`Kernels`]' costs here, with the number of single-state permutations
//! one four-lane call of its lane plan does. The output is the same
//! whichever plan is chosen (property tests per plan: `cargo xtask test`
//! runs the crate's tests with `AIOOTP_X4_RATIO` forcing each).

use aiootp_keccak::{Costs, Kernels};

// Each plan's worth is the single-state permutations one four-lane call
// of it replaces, less what its lanes cost beyond the permutation (the
// interleaving, buffers, partial lanes), in the same unit. Measured on a
// shared AVX2-only Zen 1 host (2026-12-04, `cargo xtask bench --quick`,
// the avx2 backend forced), where a four-lane call cost 2.2 to 4.2
// single-state permutations from one minute to the next: batches gained
// 7-14% and block ids 3-4% throughout (worth 4); the key setup lost 2-3%
// at 64 bytes (worth under 3.6: 3.0); the pipelined opening with its seed
// and left/right phases in lanes lost 5-10% (worth under 3 and 4: 2.0
// and 2.6), and only pays on runs of `PIPELINE_MIN_BLOCKS`. A wrong
// choice near a threshold costs little; a lane plan far from paying is
// never taken.

/// Four messages of a batch, four block ids in one call.
pub(crate) const FOUR: f64 = 4.0;

/// The key setup's seed, left, right and mac, and the message bundle.
pub(crate) const KEY_SETUP: f64 = 3.0;

/// Left ∥ right while sealing: two a call, less the interleaving.
pub(crate) const PAIR: f64 = 1.8;

/// Each phase of the pipelined opening, per 256-byte block: the MAC's
/// chain absorbs 256 bytes (1.52 permutations, one call each) and its
/// 168-byte digest (1) rides in the idle lanes, 2.52 in 1.52 calls (1.66,
/// taken as 1.5); the seed absorbs 168 bytes (1) and squeezes 336 (2)
/// beside it, 3 in 1 (taken as 2.0); left and right absorb 168 bytes each
/// (2) beside their two 128-byte digests (2), 4 in 1 (taken as 2.6).
pub(crate) const MAC_PHASE: f64 = 1.5;
/// See [`MAC_PHASE`].
pub(crate) const SEED_PHASE: f64 = 2.0;
/// See [`MAC_PHASE`].
pub(crate) const LEFT_RIGHT_PHASE: f64 = 2.6;

/// The fewest blocks (after the first) worth the pipeline's buffers when
/// only some of its phases pay: shorter messages open block by block.
/// Where every phase pays (a call under 1.36 single-state permutations:
/// AVX-512VL on Zen 4 and 5) the pipeline saves about 6 permutations a
/// block and pays from the second block on, as before.
pub(crate) const PIPELINE_MIN_BLOCKS: usize = 16;

/// Which phases of the pipelined opening run in lanes; each is chosen
/// alone, so on a CPU where a four-lane call is slow only the phases that
/// fill its lanes use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PipelinePlan {
    /// The StreamHMAC's chain and its digests (below 1.36).
    pub(crate) mac: bool,
    /// The seed's chain and its ratchet keys (below 1.82).
    pub(crate) seed: bool,
    /// Left and right side by side, with their keystream halves (below 2.36).
    pub(crate) left_right: bool,
}

impl PipelinePlan {
    /// Every block one by one.
    pub(crate) const BLOCK_BY_BLOCK: Self = Self {
        mac: false,
        seed: false,
        left_right: false,
    };

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

    /// The fewest blocks after the first for which the pipeline runs:
    /// 1 where every phase pays, else [`PIPELINE_MIN_BLOCKS`].
    pub(crate) fn min_blocks(self) -> usize {
        if self.mac && self.seed && self.left_right {
            1
        } else {
            PIPELINE_MIN_BLOCKS
        }
    }
}

/// The costs of the calling thread's kernels.
fn costs() -> Costs {
    Kernels::current().costs()
}

/// Whether a batch's messages pay as lanes, four a call: below 3.64
/// single-state costs a call.
pub(crate) fn batch_pays() -> bool {
    costs().lanes_pay(FOUR)
}

/// Whether the key setup and the message bundle run their four states
/// as lanes: below 2.73.
pub(crate) fn key_setup_pays() -> bool {
    costs().lanes_pay(KEY_SETUP)
}

/// Whether `n` independent block ids pay as lanes (up to four a call).
pub(crate) fn block_ids_pay(n: usize) -> bool {
    #[allow(clippy::cast_precision_loss)] // at most 4
    let useful = n.min(4) as f64;
    n > 1 && costs().lanes_pay(useful)
}

/// Whether left and right side by side in one call beat two calls of the
/// single-state permutation: below 1.64 (AVX-512VL on Zen 4 and 5; AVX2
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
            key_setup_x4: key_setup_pays(),
            pairs_x4: pairs_pay(),
            open_mac_x4: open.mac,
            open_seed_x4: open.seed,
            open_left_right_x4: open.left_right,
            block_ids_x4: block_ids_pay(4),
            batch_x4: batch_pays(),
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
            Kernels::current().with_costs(Costs::new(ratio, 2)).scope(f)
        };
        // A plan pays when ratio × 1.1 < its worth: batches below 3.64,
        // the key setup below 2.73, left/right below 2.36, the seed below
        // 1.82, pairs below 1.64, the MAC phase below 1.36.
        // (ratio, batch, key setup, left/right, seed, pair, mac)
        let table = [
            (0.63, true, true, true, true, true, true), // AVX-512VL, Zen 4
            (1.24, true, true, true, true, true, true), // AVX2 forced on Zen 5
            (1.5, true, true, true, true, true, false), // AVX2 on Zen 5
            (2.27, true, true, true, false, false, false), // AVX2 on Zen 3
            (2.9, true, false, false, false, false, false), // AVX2 on Zen 1
            (3.6, true, false, false, false, false, false), // AVX2 on a loaded Zen 1
            (5.0, false, false, false, false, false, false), // slower than four scalar calls
        ];
        for (ratio, batch, keys, left_right, seed, pair, mac) in table {
            assert_eq!(with(ratio, batch_pays), batch, "batch at {ratio}");
            assert_eq!(with(ratio, key_setup_pays), keys, "key setup at {ratio}");
            assert_eq!(with(ratio, pairs_pay), pair, "pair at {ratio}");
            let plan = Kernels::current()
                .with_costs(Costs::new(ratio, 2))
                .scope(PipelinePlan::current);
            let want = PipelinePlan {
                mac,
                seed,
                left_right,
            };
            assert_eq!(plan, want, "pipeline at {ratio}");
            assert_eq!(plan.pays(), ratio < 2.36, "{ratio}");
            // Every phase pays below 1.36: the pipeline from the second
            // block; else from the 17th.
            assert_eq!(plan.min_blocks() == 1, ratio < 1.36, "{ratio}");
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
            assert!(!batch_pays() && !key_setup_pays() && !pairs_pay() && !block_ids_pay(64));
            assert!(!PipelinePlan::current().pays());
            assert!(Plans::current().is_scalar());
            assert_eq!(
                Plans::current().to_string(),
                "keys=1 pairs=1 open=mac:1,seed:1,lr:1 ids=1 batch=1"
            );
        });
    }
}
