//! When the cipher runs work in the lanes of the four-state Keccak: the
//! one place these choices are made (`cargo xtask bench` prints the ratio
//! of a four-lane call to a scalar permutation). The output is the same
//! whichever is chosen.

use aiootp_core::{KeccakBackend, keccak_backend};

/// Whether independent permutations pay as lanes: wherever a vector
/// backend exists (the portable four-state permutation costs about four
/// scalar ones). Used for the key setup, the pipelined opening, block ids
/// and batches.
pub(crate) fn lanes_pay() -> bool {
    keccak_backend() != KeccakBackend::Portable
}

/// Whether two permutations side by side in one four-lane call beat two
/// scalar ones: with AVX-512VL a four-lane call costs 0.6-1.15 of a
/// scalar permutation (Zen 4, Zen 5), with AVX2 1.2-3.2 (Zen 3, Zen 5),
/// so only AVX-512VL pays for a pair.
pub(crate) fn pairs_pay() -> bool {
    keccak_backend() == KeccakBackend::Avx512Vl
}
