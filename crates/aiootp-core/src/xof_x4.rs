//! SHAKE-128 on four independent sponges in lockstep, over the four-state
//! permutation ([`crate::f1600_x4`]): each call absorbs (or squeezes) the
//! same number of bytes on every lane, so all four reach each permutation
//! together. Passcrypt's cores are four such sponges.
//!
//! Semantics per lane are [`Shake128`]'s exactly, `digest_into` on a copy
//! included (property test `four_lanes_are_four_shake128s`).

use crate::lanes::{Backend, StateX4, f1600_x4_with};
use crate::xof::Shake128;
use zeroize::Zeroize;

const RATE: usize = 168;

/// Four SHAKE-128 sponges in lockstep.
pub struct Shake128x4 {
    state: StateX4,
    pos: usize,
    backend: Backend,
}

impl core::fmt::Debug for Shake128x4 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Shake128x4 {{ backend: {}, .. }}", self.backend)
    }
}

impl Drop for Shake128x4 {
    fn drop(&mut self) {
        self.state.zeroize();
    }
}

impl Clone for Shake128x4 {
    fn clone(&self) -> Self {
        Self {
            state: self.state,
            pos: self.pos,
            backend: self.backend,
        }
    }
}

impl Shake128x4 {
    /// Four sponges continuing from four that have absorbed the same number
    /// of bytes (in the rate); `None` when their positions differ.
    #[must_use]
    pub fn from_lanes(lanes: [&Shake128; 4]) -> Option<Self> {
        let pos = lanes[0].parts().1;
        if lanes.iter().any(|l| l.parts().1 != pos) {
            return None;
        }
        let mut state = [[0u64; 4]; 25];
        for (j, l) in lanes.iter().enumerate() {
            for (i, w) in l.parts().0.iter().enumerate() {
                state[i][j] = *w;
            }
        }
        Some(Self {
            state,
            pos,
            backend: crate::lanes::backend(),
        })
    }

    fn permute(&mut self) {
        // The process's backend is available by construction.
        let _ = f1600_x4_with(self.backend, &mut self.state);
    }

    /// Absorbs `data[j]` into lane `j`; a `None` lane absorbs nothing of
    /// use (it is computed and meant to be ignored).
    ///
    /// Every `Some` lane must have the same length: another length is a
    /// caller bug (debug builds assert it; release builds absorb the
    /// shortest length on every lane, so the lanes stay in step).
    pub fn update(&mut self, data: [Option<&[u8]>; 4]) {
        let len = data.iter().flatten().map(|d| d.len()).min().unwrap_or(0);
        debug_assert!(data.iter().flatten().all(|d| d.len() == len));
        let mut at = 0;
        while at < len {
            let take = (RATE - self.pos).min(len - at);
            if self.pos.is_multiple_of(8) && take.is_multiple_of(8) {
                let w0 = self.pos / 8;
                for (j, d) in data.iter().enumerate() {
                    if let Some(d) = d {
                        for (k, word) in d[at..at + take].chunks_exact(8).enumerate() {
                            let mut b = [0u8; 8];
                            b.copy_from_slice(word);
                            self.state[w0 + k][j] ^= u64::from_le_bytes(b);
                        }
                    }
                }
            } else {
                for (j, d) in data.iter().enumerate() {
                    if let Some(d) = d {
                        for (k, byte) in d[at..at + take].iter().enumerate() {
                            let p = self.pos + k;
                            self.state[p / 8][j] ^= u64::from(*byte) << (8 * (p % 8));
                        }
                    }
                }
            }
            self.pos += take;
            at += take;
            if self.pos == RATE {
                self.permute();
                self.pos = 0;
            }
        }
    }

    /// Fills `out[j]` with lane `j`'s output over everything absorbed so
    /// far, leaving the sponges unchanged (`hashlib`'s `digest`); a `None`
    /// lane's output is dropped.
    pub fn digest_into(&self, mut out: [Option<&mut [u8]>; 4]) {
        let len = out.iter().flatten().map(|o| o.len()).min().unwrap_or(0);
        debug_assert!(out.iter().flatten().all(|o| o.len() == len));
        let mut copy = self.clone();
        for j in 0..4 {
            copy.state[self.pos / 8][j] ^= 0x1F << (8 * (self.pos % 8));
            copy.state[RATE / 8 - 1][j] ^= 1 << 63;
        }
        let mut at = 0;
        while at < len {
            copy.permute();
            let take = RATE.min(len - at);
            for (j, o) in out.iter_mut().enumerate() {
                if let Some(o) = o {
                    for (k, chunk) in o[at..at + take].chunks_mut(8).enumerate() {
                        let word = copy.state[k][j].to_le_bytes();
                        chunk.copy_from_slice(&word[..chunk.len()]);
                    }
                }
            }
            at += take;
        }
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)] // test data: bytes from wider integers, truncated on purpose
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn four_lanes_are_four_shake128s(
            prefix in 0usize..400,
            steps in proptest::collection::vec((0usize..500, 0usize..400, any::<bool>()), 1..6),
            seed in any::<u64>(),
        ) {
            let byte = |j: usize, i: usize| (seed.wrapping_mul(i as u64 + 1) >> (8 * j)) as u8 ^ (i as u8);
            let mut one: Vec<Shake128> = (0..4).map(|_| Shake128::new()).collect();
            for (j, h) in one.iter_mut().enumerate() {
                let p: Vec<u8> = (0..prefix).map(|i| byte(j, i)).collect();
                h.update(&p);
            }
            let mut four = Shake128x4::from_lanes([&one[0], &one[1], &one[2], &one[3]]).unwrap();
            for (n, (absorb, squeeze, skip_lane_2)) in steps.into_iter().enumerate() {
                let data: Vec<Vec<u8>> = (0..4).map(|j| (0..absorb).map(|i| byte(j, i + n)).collect()).collect();
                for (h, d) in one.iter_mut().zip(&data) {
                    h.update(d);
                }
                let mut lanes = [Some(&data[0][..]), Some(&data[1][..]), Some(&data[2][..]), Some(&data[3][..])];
                if skip_lane_2 {
                    lanes[2] = None;
                }
                four.update(lanes);
                let mut outs = vec![vec![0u8; squeeze]; 4];
                {
                    let [a, b, c, d] = &mut outs[..] else { unreachable!() };
                    four.digest_into([Some(a), Some(b), if skip_lane_2 { None } else { Some(c) }, Some(d)]);
                }
                for j in [0, 1, 3] {
                    prop_assert_eq!(&outs[j], &one[j].digest(squeeze), "lane {}", j);
                }
                if !skip_lane_2 {
                    prop_assert_eq!(&outs[2], &one[2].digest(squeeze));
                }
                if skip_lane_2 {
                    // Lane 2 has diverged; put it back in step for the
                    // next rounds of the test.
                    let (state, pos) = one[2].parts();
                    prop_assert_eq!(pos, four.pos);
                    for (i, w) in state.iter().enumerate() {
                        four.state[i][2] = *w;
                    }
                }
            }
        }
    }

    #[test]
    fn lanes_at_different_positions_do_not_make_a_group() {
        let a = Shake128::new();
        let mut b = Shake128::new();
        b.update(b"x");
        assert!(Shake128x4::from_lanes([&a, &b, &a, &a]).is_none());
    }
}
