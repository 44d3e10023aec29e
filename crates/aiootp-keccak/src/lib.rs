//! Keccak for **aiootp for Rust**, the layer below every hash, KDF and
//! cipher of the workspace: Keccak-f\[1600\] on one state (a BMI1 build
//! chosen at run time) and on four at once (AVX-512VL, AVX2 or portable,
//! each runnable only through the proof of its detection), the
//! [`Kernels`] value that says which of them a process uses and what a
//! four-lane call costs, and SHAKE-128 / SHAKE-256 with the reference's
//! (`hashlib`'s) "digest on a copy" semantics, alone and four at a time.
//!
//! ```
//! use aiootp_keccak::{Costs, Kernels, Shake128, Shake128x4};
//!
//! // hashlib.shake_128(b"abc").digest(16), which leaves the sponge as it was.
//! let mut x = Shake128::new();
//! x.update(b"abc");
//! assert_eq!(x.digest(16), x.digest(16));
//!
//! // Four sponges in lockstep give what four single sponges give.
//! let one = Shake128::new();
//! let mut four = Shake128x4::from_lanes([&one; 4]).unwrap();
//! four.update([Some(&b"abc"[..]); 4]);
//! let mut outs = [[0u8; 16]; 4];
//! let [a, b, c, d] = &mut outs;
//! four.digest_into([Some(a), Some(b), Some(c), Some(d)]);
//! assert!(outs.iter().all(|o| o[..] == x.digest(16)[..]));
//!
//! // The plan of every operation comes from the process's measured costs;
//! // a scope injects others (the scalar plan here).
//! Kernels::current()
//!     .with_costs(Costs::SCALAR)
//!     .scope(|| assert!(!Kernels::current().costs().lanes_pay(4.0)));
//! ```
//!
//! Every item is at the crate root; the modules are private. Hooks for
//! benchmarks are in [`internal`], which is not a stable interface.
// `unsafe` is denied crate-wide; the exceptions are the calls of the
// `#[target_feature]` Keccak builds after run-time detection, in `keccak`
// and `lanes`, each block with its SAFETY note.
#![deny(unsafe_code)]

mod keccak;
mod kernels;
mod lanes;
mod xof;
mod xof_x4;

pub use keccak::State;
pub use kernels::{Costs, JobsPlan, Kernels, LANE_MARGIN, X4_RATIO_ENV};
pub use lanes::{
    BACKEND_ENV, Backend, Detected, StateX4, backend, deinterleave, f1600, f1600_x4, interleave,
};
pub use xof::{Shake, Shake128, Shake256, shake_128, shake_256};
pub use xof_x4::{Shake128x4, absorb_then_digests, absorb_with_digests};

#[doc(hidden)]
pub mod internal {
    //! Hooks for benchmarks. **Not a stable interface**: anything here may
    //! change in any release.

    pub use crate::keccak::scalar_fn as scalar_f1600_fn;
    pub use crate::lanes::{backend_name, f1600_fn};
}
