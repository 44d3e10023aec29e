//! SHAKE-128 on four independent sponges in lockstep, over the four-state
//! permutation ([`crate::f1600_x4`]): each call absorbs (or squeezes) the
//! same number of bytes on every lane, so all four reach each permutation
//! together. Passcrypt's cores are four such sponges.
//!
//! Semantics per lane are [`Shake128`]'s exactly, `digest_into` on a copy
//! included (property test `four_lanes_are_four_shake128s`).

use crate::keccak::State;
use crate::lanes::{Backend, Detected, StateX4, lane, set_lane};
use crate::xof::{Shake128, shake_padding};
use zeroize::Zeroize;

const RATE: usize = 168;

/// Four SHAKE-128 sponges in lockstep.
pub struct Shake128x4 {
    state: StateX4,
    pos: usize,
    backend: Detected,
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
            set_lane(&mut state, j, l.parts().0);
        }
        Some(Self {
            state,
            pos,
            backend: crate::Kernels::current().x4(),
        })
    }

    /// Writes lane `j` back into `lanes[j]`: each continues, as a
    /// [`Shake128`], from where its lane is (property test
    /// `lanes_hand_back_their_sponges`).
    pub fn write_lanes(&self, lanes: [&mut Shake128; 4]) {
        for (j, l) in lanes.into_iter().enumerate() {
            let mut state = lane(&self.state, j);
            l.set_parts(&state, self.pos);
            state.zeroize();
        }
    }

    fn permute(&mut self) {
        self.backend.f1600_x4(&mut self.state);
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
            for (j, d) in data.iter().enumerate() {
                if let Some(d) = d {
                    xor_column(&mut self.state, j, self.pos, &d[at..at + take]);
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
            for (word, bits) in shake_padding(self.pos, RATE) {
                copy.state[word][j] ^= bits;
            }
        }
        let mut at = 0;
        while at < len {
            copy.permute();
            let take = RATE.min(len - at);
            for (j, o) in out.iter_mut().enumerate() {
                if let Some(o) = o {
                    read_column(&copy.state, j, &mut o[at..at + take]);
                }
            }
            at += take;
        }
    }
}

/// XORs `data` into the rate of lane `c` of `x4` from byte `pos`
/// (little-endian words).
fn xor_column(x4: &mut StateX4, c: usize, pos: usize, data: &[u8]) {
    let mut p = pos;
    let mut d = data;
    while !p.is_multiple_of(8) && !d.is_empty() {
        x4[p / 8][c] ^= u64::from(d[0]) << (8 * (p % 8));
        p += 1;
        d = &d[1..];
    }
    let words = d.len() / 8;
    for (w, chunk) in d[..words * 8].chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        x4[p / 8 + w][c] ^= u64::from_le_bytes(b);
    }
    p += words * 8;
    for byte in &d[words * 8..] {
        x4[p / 8][c] ^= u64::from(*byte) << (8 * (p % 8));
        p += 1;
    }
}

/// Copies the first `out.len()` bytes of lane `c` of `x4`.
fn read_column(x4: &StateX4, c: usize, out: &mut [u8]) {
    // Whole words as fixed-size copies (a variable-length copy per word
    // is a call to memmove).
    let mut words = out.chunks_exact_mut(8);
    let mut w = 0;
    for chunk in &mut words {
        chunk.copy_from_slice(&x4[w][c].to_le_bytes());
        w += 1;
    }
    let tail = words.into_remainder();
    let n = tail.len();
    tail.copy_from_slice(&x4[w.min(24)][c].to_le_bytes()[..n]);
}

/// A digest being squeezed: into `outputs[sponge][at..at + left]`.
#[derive(Clone, Copy)]
struct Squeeze {
    sponge: usize,
    at: usize,
    left: usize,
}

/// Digests waiting for a free lane (their padded states), wiped when
/// dropped (they are keystream material).
struct Waiting(std::collections::VecDeque<(State, Squeeze)>);

impl Drop for Waiting {
    fn drop(&mut self) {
        for (state, _) in &mut self.0 {
            state.zeroize();
        }
    }
}

/// The four lanes of [`absorb_with_digests`]: the chains in lanes
/// `0..chains`, digests being squeezed in the others.
struct Lanes<'a, 'b> {
    x4: StateX4,
    chains: usize,
    busy: [Option<Squeeze>; 4],
    waiting: Waiting,
    backend: Detected,
    outputs: &'a mut [&'b mut [u8]],
}

impl Drop for Lanes<'_, '_> {
    fn drop(&mut self) {
        self.x4.zeroize();
    }
}

impl Lanes<'_, '_> {
    /// Starts the digest of chain `c` (position `pos`), in a free lane or
    /// in the waiting queue.
    fn start_digest(&mut self, c: usize, pos: usize, job: Squeeze) {
        let free = (self.chains..4).find(|&s| self.busy[s].is_none());
        let mut state = lane(&self.x4, c);
        for (word, bits) in shake_padding(pos, RATE) {
            state[word] ^= bits;
        }
        if let Some(s) = free {
            set_lane(&mut self.x4, s, &state);
            self.busy[s] = Some(job);
            state.zeroize();
        } else {
            self.waiting.0.push_back((state, job));
        }
    }

    /// One four-lane call; without `with_chains`, the chains' lanes are
    /// set aside and lent to waiting digests for the call.
    #[allow(clippy::needless_range_loop)] // lane `c` of `x4` and of `saved` together
    fn call(&mut self, with_chains: bool) {
        let mut saved: [State; 3] = [[0; 25]; 3];
        if !with_chains {
            for c in 0..self.chains {
                saved[c] = lane(&self.x4, c);
                if let Some((mut state, job)) = self.waiting.0.pop_front() {
                    set_lane(&mut self.x4, c, &state);
                    state.zeroize();
                    self.busy[c] = Some(job);
                }
            }
        }
        self.backend.f1600_x4(&mut self.x4);
        for s in 0..4 {
            let Some(mut job) = self.busy[s] else {
                continue;
            };
            if with_chains && s < self.chains {
                continue;
            }
            let take = job.left.min(RATE);
            read_column(
                &self.x4,
                s,
                &mut self.outputs[job.sponge][job.at..job.at + take],
            );
            job.at += take;
            job.left -= take;
            self.busy[s] = (job.left > 0).then_some(job);
        }
        if !with_chains {
            for c in 0..self.chains {
                if let Some(job) = self.busy[c].take() {
                    // Not finished in a borrowed lane: back to the queue.
                    let state = lane(&self.x4, c);
                    self.waiting.0.push_front((state, job));
                }
                set_lane(&mut self.x4, c, &saved[c]);
            }
            saved.zeroize();
        }
        // Waiting digests move into lanes that just came free.
        for s in self.chains..4 {
            if self.busy[s].is_none()
                && let Some((mut state, job)) = self.waiting.0.pop_front()
            {
                set_lane(&mut self.x4, s, &state);
                state.zeroize();
                self.busy[s] = Some(job);
            }
        }
    }

    fn pending(&self) -> bool {
        !self.waiting.0.is_empty() || self.busy[self.chains..].iter().any(Option::is_some)
    }
}

/// The loop [`absorb_with_digests`] computes, one permutation at a time
/// with the single-state kernel: for each message `i` and sponge `k`,
/// `sponges[k].update(message)` then `sponges[k].digest_into(output)`.
/// What a plan without lanes runs.
pub fn absorb_then_digests(
    sponges: &mut [&mut Shake128],
    inputs: &[&[u8]],
    msg_len: usize,
    outputs: &mut [&mut [u8]],
    digest_len: usize,
) {
    for (c, sponge) in sponges.iter_mut().enumerate() {
        let (Some(input), Some(output)) = (inputs.get(c), outputs.get_mut(c)) else {
            continue;
        };
        for (i, m) in input.chunks(msg_len.max(1)).enumerate() {
            sponge.update(m);
            if let Some(d) = output.get_mut(i * digest_len..(i + 1) * digest_len) {
                sponge.digest_into(d);
            }
        }
    }
}

/// Runs up to one to three sponges (`sponges`, all at the same position
/// in the rate) through `n` equal-size messages each, with the digest of
/// `digest_len` bytes after every message, as [`Shake128::update`] then
/// [`Shake128::digest_into`] would, message by message:
///
/// ```text
/// for i in 0..n, for each sponge k:
///     sponges[k].update(&inputs[k][i * msg_len..][..msg_len]);
///     sponges[k].digest_into(&mut outputs[k][i * digest_len..][..digest_len]);
/// ```
///
/// The sponges' own permutations run in the first lanes of each
/// four-state call ([`crate::f1600_x4`]), and the digests (side branches
/// that nothing in the chain waits for) fill the other lanes: one to
/// three chains of Keccak calls instead of one call per permutation.
/// The output is exactly the loop's (property test
/// `chained_digests_are_updates_then_digests`).
///
/// Falls back to that loop ([`absorb_then_digests`]) when the calling
/// thread's backend is the portable one, when the sponges are not at the same position, or when the
/// slices do not have the sizes above.
pub fn absorb_with_digests(
    sponges: &mut [&mut Shake128],
    inputs: &[&[u8]],
    msg_len: usize,
    outputs: &mut [&mut [u8]],
    digest_len: usize,
) {
    let k = sponges.len();
    let n = inputs.first().map_or(0, |i| i.len() / msg_len.max(1));
    let sized = (1..=3).contains(&k)
        && msg_len > 0
        && inputs.len() == k
        && outputs.len() == k
        && inputs.iter().all(|i| i.len() == n * msg_len)
        && outputs.iter().all(|o| o.len() == n * digest_len);
    let pos0 = sponges.first().map_or(0, |s| s.parts().1);
    let backend = crate::Kernels::current().x4();
    if !sized
        || backend.backend() == Backend::Portable
        || sponges.iter().any(|s| s.parts().1 != pos0)
    {
        absorb_then_digests(sponges, inputs, msg_len, outputs, digest_len);
        return;
    }
    let mut lanes = Lanes {
        x4: [[0; 4]; 25],
        chains: k,
        busy: [None; 4],
        waiting: Waiting(std::collections::VecDeque::new()),
        backend,
        outputs,
    };
    for (c, s) in sponges.iter().enumerate() {
        set_lane(&mut lanes.x4, c, s.parts().0);
    }
    let mut pos = pos0;
    for i in 0..n {
        let mut at = 0;
        while at < msg_len {
            let take = (RATE - pos).min(msg_len - at);
            for (c, input) in inputs.iter().enumerate() {
                xor_column(&mut lanes.x4, c, pos, &input[i * msg_len + at..][..take]);
            }
            pos += take;
            at += take;
            if pos == RATE {
                lanes.call(true);
                pos = 0;
            }
        }
        if digest_len > 0 {
            for c in 0..k {
                let job = Squeeze {
                    sponge: c,
                    at: i * digest_len,
                    left: digest_len,
                };
                lanes.start_digest(c, pos, job);
            }
        }
        // Chains that permute less often than they make digests: drain
        // with calls of digests alone before the queue grows.
        while lanes.waiting.0.len() > 8 {
            lanes.call(false);
        }
    }
    while lanes.pending() {
        lanes.call(false);
    }
    for (c, s) in sponges.iter_mut().enumerate() {
        let mut state = lane(&lanes.x4, c);
        s.set_parts(&state, pos);
        state.zeroize();
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn lanes_hand_back_their_sponges(
            prefix in 0usize..400,
            absorb in 0usize..500,
            after in 0usize..400,
            seed in any::<u64>(),
        ) {
            let byte = |j: usize, i: usize| (seed.wrapping_mul(i as u64 + 3) >> (8 * j)) as u8 ^ (i as u8);
            let mut one: Vec<Shake128> = (0..4).map(|j| {
                let mut h = Shake128::new();
                h.update(&(0..prefix).map(|i| byte(j, i)).collect::<Vec<u8>>());
                h
            }).collect();
            let mut four = Shake128x4::from_lanes([&one[0], &one[1], &one[2], &one[3]]).unwrap();
            let data: Vec<Vec<u8>> = (0..4).map(|j| (0..absorb).map(|i| byte(j, i + 9)).collect()).collect();
            four.update([Some(&data[0][..]), Some(&data[1][..]), Some(&data[2][..]), Some(&data[3][..])]);
            let mut back: Vec<Shake128> = (0..4).map(|_| Shake128::new()).collect();
            {
                let [a, b, c, d] = &mut back[..] else { unreachable!() };
                four.write_lanes([a, b, c, d]);
            }
            let tail: Vec<u8> = (0..after).map(|i| byte(1, i + 5)).collect();
            for j in 0..4 {
                one[j].update(&data[j]);
                one[j].update(&tail);
                back[j].update(&tail);
                prop_assert_eq!(back[j].digest(200), one[j].digest(200), "lane {}", j);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn chained_digests_are_updates_then_digests(
            sponges in 1usize..=3,
            prefix in 0usize..400,
            msg_len in 1usize..600,
            n in 0usize..7,
            digest_len in 0usize..400,
            seed in any::<u64>(),
            misalign in any::<bool>(),
        ) {
            let byte = |j: usize, i: usize| (seed.wrapping_mul(i as u64 + 7) >> (8 * j)) as u8 ^ (i as u8);
            let mut ours: Vec<Shake128> = (0..sponges).map(|j| {
                let mut h = Shake128::new();
                let p: Vec<u8> = (0..prefix + usize::from(misalign && j == 1)).map(|i| byte(j, i)).collect();
                h.update(&p);
                h
            }).collect();
            let mut theirs = ours.clone();
            let inputs: Vec<Vec<u8>> = (0..sponges).map(|j| (0..n * msg_len).map(|i| byte(j + 3, i)).collect()).collect();
            let mut outs = vec![vec![0u8; n * digest_len]; sponges];
            {
                let mut s: Vec<&mut Shake128> = ours.iter_mut().collect();
                let ins: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
                let mut os: Vec<&mut [u8]> = outs.iter_mut().map(Vec::as_mut_slice).collect();
                absorb_with_digests(&mut s, &ins, msg_len, &mut os, digest_len);
            }
            for j in 0..sponges {
                let mut want = vec![0u8; n * digest_len];
                for i in 0..n {
                    theirs[j].update(&inputs[j][i * msg_len..][..msg_len]);
                    theirs[j].digest_into(&mut want[i * digest_len..][..digest_len]);
                }
                prop_assert_eq!(&outs[j], &want, "sponge {}", j);
                // The sponges continue where the loop's do.
                prop_assert_eq!(ours[j].digest(200), theirs[j].digest(200));
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
