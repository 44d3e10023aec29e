//! Keccak-f\[1600\] on four independent states at once.
//!
//! The states are kept lane-interleaved ([`StateX4`]: lane `i` of the four
//! states side by side), so lane `i` is one 256-bit register and every
//! step of a round is one vector instruction for all four. Three builds:
//!
//! - **AVX-512VL** (`ymm` registers): `vprolq` rotations and `vpternlogq`
//!   for chi (`a ^ (!b & c)`) and theta's three-way xors;
//! - **AVX2**: rotations as two shifts and an or, chi with `vpandn`;
//! - **portable**: the scalar permutation four times.
//!
//! Every build is bit-exact with the scalar permutation on every lane
//! (property test `every_backend_matches_the_scalar_permutation_on_every_lane`);
//! none has a branch or a memory index that depends on the data.
//!
//! A backend runs only through a [`Detected`], the proof that the CPU has
//! it, which only [`Backend::detect`] makes. Which one a process uses, and
//! when the lanes pay, is a value: [`Kernels`](crate::Kernels).

use crate::keccak::State;

/// Four Keccak states, lane-interleaved: `s[i][j]` is lane `i` of state `j`.
pub type StateX4 = [[u64; 4]; 25];

/// A build of the four-state permutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The scalar permutation, once per state.
    Portable,
    /// AVX2, four states in `ymm` registers.
    Avx2,
    /// AVX-512F + AVX-512VL, four states in `ymm` registers with `vprolq`
    /// and `vpternlogq`.
    Avx512Vl,
}

impl Backend {
    /// Every backend, slowest first.
    pub const ALL: [Self; 3] = [Self::Portable, Self::Avx2, Self::Avx512Vl];

    /// Its name, as `AIOOTP_KECCAK_BACKEND` and the benchmark spell it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Portable => "portable",
            Self::Avx2 => "avx2",
            Self::Avx512Vl => "avx512vl",
        }
    }

    /// The backend of that name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Whether the running CPU has what it needs.
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            Self::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Self::Avx512Vl => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

impl core::fmt::Display for Backend {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Proof that the running CPU has a backend: made only by
/// [`Backend::detect`], so a four-state permutation can never be asked of
/// a backend the CPU lacks (as `cpufeatures`' `InitToken` does for
/// RustCrypto's `chacha20`). [`Detected::f1600_x4`] therefore cannot fail
/// and cannot skip a permutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Detected(Backend);

impl Backend {
    /// The proof that the running CPU has this backend, or `None`.
    #[must_use]
    pub fn detect(self) -> Option<Detected> {
        self.is_available().then_some(Detected(self))
    }
}

impl Detected {
    /// The portable backend, which every CPU has.
    pub const PORTABLE: Self = Self(Backend::Portable);

    /// The fastest backend the running CPU has.
    #[must_use]
    pub fn best() -> Self {
        Backend::ALL
            .into_iter()
            .rev()
            .find_map(Backend::detect)
            .unwrap_or(Self::PORTABLE)
    }

    /// The backend this proves.
    #[must_use]
    pub const fn backend(self) -> Backend {
        self.0
    }

    /// Applies Keccak-f\[1600\] to each of the four states.
    pub fn f1600_x4(self, states: &mut StateX4) {
        match self.0 {
            Backend::Portable => portable(states),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => {
                #[allow(unsafe_code)]
                // SAFETY: `x86::avx2` needs only AVX2; a `Detected` is made
                // only by `Backend::detect`, after `is_available` confirmed
                // it on the running CPU.
                unsafe {
                    x86::avx2(states);
                }
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512Vl => {
                #[allow(unsafe_code)]
                // SAFETY: `x86::avx512vl` needs AVX-512F and AVX-512VL; a
                // `Detected` is made only by `Backend::detect`, after
                // `is_available` confirmed both on the running CPU.
                unsafe {
                    x86::avx512vl(states);
                }
            }
            // Unreachable: `detect` proves no other backend off x86-64.
            #[cfg(not(target_arch = "x86_64"))]
            _ => portable(states),
        }
    }

    /// The one-state permutation on this backend's vector unit, where it
    /// has one (AVX-512VL: the four-lane rounds on lane 0).
    #[must_use]
    pub fn single_state_kernel(self) -> Option<fn(&mut State)> {
        #[cfg(target_arch = "x86_64")]
        if self.0 == Backend::Avx512Vl {
            return Some(|state| {
                #[allow(unsafe_code)]
                // SAFETY: `x86::avx512vl_x1` needs AVX-512F and AVX-512VL;
                // this closure is handed out only by a `Detected` of the
                // AVX-512VL backend, which proves both.
                unsafe {
                    x86::avx512vl_x1(state);
                }
            });
        }
        None
    }
}

impl core::fmt::Display for Detected {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0.name())
    }
}

/// The environment variable that forces a backend (`portable`, `avx2`,
/// `avx512vl`); one the CPU lacks, or an unknown name, is ignored.
pub const BACKEND_ENV: &str = "AIOOTP_KECCAK_BACKEND";

/// The four-state backend of the calling thread's [`Kernels`](crate::Kernels).
#[must_use]
pub fn backend() -> Backend {
    crate::Kernels::current().backend()
}

/// Applies Keccak-f\[1600\] to each of the four states, with the
/// calling thread's [`Kernels`](crate::Kernels).
pub fn f1600_x4(states: &mut StateX4) {
    crate::Kernels::current().x4().f1600_x4(states);
}

/// The permutation of the calling thread's [`Kernels`](crate::Kernels).
#[must_use]
pub fn f1600_fn() -> fn(&mut State) {
    crate::Kernels::current().single()
}

/// Applies Keccak-f\[1600\] to `state`.
pub fn f1600(state: &mut State) {
    f1600_fn()(state);
}

/// The name of the single-state permutation in use, for benchmark
/// reports.
#[must_use]
pub fn backend_name() -> &'static str {
    crate::Kernels::current().single_name()
}

/// State `j` of the interleaved `x4`.
#[must_use]
pub(crate) fn lane(x4: &StateX4, j: usize) -> State {
    core::array::from_fn(|i| x4[i][j])
}

/// Writes `state` as state `j` of the interleaved `x4`.
pub(crate) fn set_lane(x4: &mut StateX4, j: usize, state: &State) {
    for (i, w) in state.iter().enumerate() {
        x4[i][j] = *w;
    }
}

/// Interleaves four states.
#[must_use]
pub fn interleave(states: &[State; 4]) -> StateX4 {
    let mut x4 = [[0; 4]; 25];
    for (j, s) in states.iter().enumerate() {
        set_lane(&mut x4, j, s);
    }
    x4
}

/// The four states of an interleaved one.
#[must_use]
pub fn deinterleave(x4: &StateX4) -> [State; 4] {
    core::array::from_fn(|j| lane(x4, j))
}

fn portable(states: &mut StateX4) {
    let mut each = deinterleave(states);
    for s in &mut each {
        crate::keccak::scalar_fn()(s);
    }
    *states = interleave(&each);
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::StateX4;
    use crate::keccak::RC;
    use crate::keccak::State;
    use core::arch::x86_64::{
        __m256i, _mm256_andnot_si256, _mm256_or_si256, _mm256_rolv_epi64, _mm256_set1_epi64x,
        _mm256_sllv_epi64, _mm256_srlv_epi64, _mm256_ternarylogic_epi64, _mm256_xor_si256,
    };

    fn load(s: &StateX4) -> [__m256i; 25] {
        core::array::from_fn(|i| bytemuck::cast(s[i]))
    }

    fn store(a: &[__m256i; 25], s: &mut StateX4) {
        for (lane, v) in s.iter_mut().zip(a) {
            *lane = bytemuck::cast(*v);
        }
    }

    /// One build of the rounds over the three operations that differ
    /// (given as macros, so every instruction is written inside the
    /// function that enables its feature: closures there would not be).
    macro_rules! rounds {
        ($a:ident, $xor3:ident, $rol:ident, $chi:ident) => {
            for rc in RC {
                // Theta.
                let c: [__m256i; 5] = [
                    $xor3!($xor3!($a[0], $a[5], $a[10]), $a[15], $a[20]),
                    $xor3!($xor3!($a[1], $a[6], $a[11]), $a[16], $a[21]),
                    $xor3!($xor3!($a[2], $a[7], $a[12]), $a[17], $a[22]),
                    $xor3!($xor3!($a[3], $a[8], $a[13]), $a[18], $a[23]),
                    $xor3!($xor3!($a[4], $a[9], $a[14]), $a[19], $a[24]),
                ];
                for x in 0..5 {
                    let d = _mm256_xor_si256(c[(x + 4) % 5], $rol!(c[(x + 1) % 5], 1));
                    for y in 0..5 {
                        $a[5 * y + x] = _mm256_xor_si256($a[5 * y + x], d);
                    }
                }
                // Rho and pi, unrolled (generated from `PI` and `RHO`:
                // lane `PI[i]` gets lane `PI[i - 1]` rotated by `RHO[i]`,
                // starting from lane 1), so every rotation is by a constant.
                let b = $a;
                $a[10] = $rol!(b[1], 1);
                $a[7] = $rol!(b[10], 3);
                $a[11] = $rol!(b[7], 6);
                $a[17] = $rol!(b[11], 10);
                $a[18] = $rol!(b[17], 15);
                $a[3] = $rol!(b[18], 21);
                $a[5] = $rol!(b[3], 28);
                $a[16] = $rol!(b[5], 36);
                $a[8] = $rol!(b[16], 45);
                $a[21] = $rol!(b[8], 55);
                $a[24] = $rol!(b[21], 2);
                $a[4] = $rol!(b[24], 14);
                $a[15] = $rol!(b[4], 27);
                $a[23] = $rol!(b[15], 41);
                $a[19] = $rol!(b[23], 56);
                $a[13] = $rol!(b[19], 8);
                $a[12] = $rol!(b[13], 25);
                $a[2] = $rol!(b[12], 43);
                $a[20] = $rol!(b[2], 62);
                $a[14] = $rol!(b[20], 18);
                $a[22] = $rol!(b[14], 39);
                $a[9] = $rol!(b[22], 61);
                $a[6] = $rol!(b[9], 20);
                $a[1] = $rol!(b[6], 44);
                // Chi.
                for y in (0..25).step_by(5) {
                    let row = [$a[y], $a[y + 1], $a[y + 2], $a[y + 3], $a[y + 4]];
                    for x in 0..5 {
                        $a[y + x] = $chi!(row[x], row[(x + 1) % 5], row[(x + 2) % 5]);
                    }
                }
                // Iota.
                $a[0] = _mm256_xor_si256($a[0], _mm256_set1_epi64x(rc.cast_signed()));
            }
        };
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn avx2(s: &mut StateX4) {
        macro_rules! xor3 {
            ($x:expr, $y:expr, $z:expr) => {
                _mm256_xor_si256(_mm256_xor_si256($x, $y), $z)
            };
        }
        macro_rules! rol {
            ($v:expr, $n:expr) => {{
                let (v, n) = ($v, i64::from($n));
                _mm256_or_si256(
                    _mm256_sllv_epi64(v, _mm256_set1_epi64x(n)),
                    _mm256_srlv_epi64(v, _mm256_set1_epi64x(64 - n)),
                )
            }};
        }
        // a ^ (!b & c)
        macro_rules! chi {
            ($x:expr, $y:expr, $z:expr) => {
                _mm256_xor_si256($x, _mm256_andnot_si256($y, $z))
            };
        }
        let mut a = load(s);
        rounds!(a, xor3, rol, chi);
        store(&a, s);
    }

    /// The rounds on 25 registers, each lane of a register one state.
    #[target_feature(enable = "avx512f,avx512vl")]
    fn avx512vl_rounds(regs: &mut [__m256i; 25]) {
        // 0x96: x ^ y ^ z.
        macro_rules! xor3 {
            ($x:expr, $y:expr, $z:expr) => {
                _mm256_ternarylogic_epi64::<0x96>($x, $y, $z)
            };
        }
        macro_rules! rol {
            ($v:expr, $n:expr) => {
                _mm256_rolv_epi64($v, _mm256_set1_epi64x(i64::from($n)))
            };
        }
        // 0xD2: x ^ (!y & z).
        macro_rules! chi {
            ($x:expr, $y:expr, $z:expr) => {
                _mm256_ternarylogic_epi64::<0xD2>($x, $y, $z)
            };
        }
        let mut a = *regs;
        rounds!(a, xor3, rol, chi);
        *regs = a;
    }

    #[target_feature(enable = "avx512f,avx512vl")]
    pub(super) fn avx512vl(s: &mut StateX4) {
        let mut a = load(s);
        avx512vl_rounds(&mut a);
        store(&a, s);
    }

    /// One state in the first lane of the same registers: on Zen 4 one
    /// four-lane call costs 0.6-0.9 of a scalar permutation, so even one
    /// used lane beats the scalar round function.
    #[target_feature(enable = "avx512f,avx512vl")]
    pub(super) fn avx512vl_x1(s: &mut State) {
        let mut a: [__m256i; 25] = core::array::from_fn(|i| bytemuck::cast([s[i], 0, 0, 0]));
        avx512vl_rounds(&mut a);
        for (w, v) in s.iter_mut().zip(&a) {
            let lanes: [u64; 4] = bytemuck::cast(*v);
            *w = lanes[0];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scalar(states: &[State; 4]) -> [State; 4] {
        let mut out = *states;
        for s in &mut out {
            crate::keccak::scalar_fn()(s);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn every_backend_matches_the_scalar_permutation_on_every_lane(
            words in proptest::collection::vec(any::<u64>(), 100),
            chain in 1usize..4,
        ) {
            let mut states = [[0u64; 25]; 4];
            for (i, w) in words.iter().enumerate() {
                states[i / 25][i % 25] = *w;
            }
            for backend in Backend::ALL {
                let Some(detected) = backend.detect() else {
                    prop_assert!(!backend.is_available());
                    continue;
                };
                let mut x4 = interleave(&states);
                let mut want = states;
                for _ in 0..chain {
                    want = scalar(&want);
                    detected.f1600_x4(&mut x4);
                }
                prop_assert_eq!(deinterleave(&x4), want, "{}", backend);
            }
        }
    }

    /// Runs where the CPU has AVX-512VL (the CI kind may; the development
    /// machine of this change had AVX2 only); elsewhere it checks that the
    /// kernel is not handed out.
    #[test]
    fn the_single_state_vector_kernel_matches_the_scalar_permutation() {
        #[cfg(target_arch = "x86_64")]
        match Backend::Avx512Vl
            .detect()
            .and_then(Detected::single_state_kernel)
        {
            Some(f) => {
                let mut a = [0u64; 25];
                for i in 0..300u64 {
                    a[usize::try_from(i % 25).unwrap()] ^= i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                    let mut b = a;
                    f(&mut a);
                    crate::keccak::scalar_fn()(&mut b);
                    assert_eq!(a, b, "round {i}");
                }
            }
            None => assert!(!Backend::Avx512Vl.is_available()),
        }
    }

    #[test]
    fn the_zero_state_gives_the_known_first_word() {
        // Keccak-f[1600] of the all-zero state: first lane 0xF1258F7940E1DDE7
        // (the Keccak team's KeccakF-1600 intermediate values).
        let mut x4 = [[0u64; 4]; 25];
        for backend in Backend::ALL.into_iter().filter_map(Backend::detect) {
            x4 = [[0u64; 4]; 25];
            backend.f1600_x4(&mut x4);
            assert_eq!(x4[0], [0xF125_8F79_40E1_DDE7; 4], "{backend}");
        }
        let _ = x4;
    }

    #[test]
    fn only_an_available_backend_is_detected() {
        for backend in Backend::ALL {
            assert_eq!(
                backend.detect().is_some(),
                backend.is_available(),
                "{backend}"
            );
        }
        assert!(Backend::Portable.detect().is_some());
        assert!(Detected::best().backend().is_available());
        assert_eq!(Backend::from_name("avx2"), Some(Backend::Avx2));
        assert_eq!(Backend::from_name("sse9"), None);
        #[cfg(not(target_arch = "x86_64"))]
        assert_eq!(Detected::best(), Detected::PORTABLE);
    }
}
