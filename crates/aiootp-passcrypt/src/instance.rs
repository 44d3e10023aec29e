//! One Passcrypt core (spec keygens §3.2 `CORE`): the parameter hash, the
//! cache fill, the index/reflection pass, the final passes and the tag.
//! Strictly sequential: every step reads the sponge the last one wrote.

use crate::error::{Error, Result};
use crate::params::{Geometry, PASSCRYPT_PAD};
use aiootp_core::Shake128;
use aiootp_core::{Domains, encode_constant};
use aiootp_core::{Hasher, hash_bytes_with};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// The largest chunk of the initial fill: 512 MiB − 1.
pub const MAX_FILL_CHUNK: usize = 536_870_911;
const BLOCK: usize = 168;
const PAIR: usize = 2 * BLOCK;

/// `KDF_SALT = encode_constant(b"passcrypt_kdf_salt", 168)`, absorbed.
fn salted() -> &'static Shake128 {
    static H: OnceLock<Shake128> = OnceLock::new();
    H.get_or_init(|| {
        let mut h = Shake128::new();
        h.update(&encode_constant(b"passcrypt_kdf_salt", BLOCK));
        h
    })
}

/// What one core was given. `Debug` shows the sizes and settings only:
/// the passphrase and the core aad (which holds the pepper) are redacted.
#[derive(Clone, Copy)]
pub struct CoreInput<'a> {
    /// The passphrase.
    pub passphrase: &'a [u8],
    /// The salt.
    pub salt: &'a [u8],
    /// `canonical_pack(pepper, aad, u64be(core), u64be(mb))`.
    pub core_aad: &'a [u8],
    /// MiB for this core.
    pub core_mb: u64,
    /// The `cpu` setting.
    pub cpu: u64,
    /// The total number of cores.
    pub cores: u64,
    /// Output bytes.
    pub tag_size: usize,
}

impl core::fmt::Debug for CoreInput<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CoreInput")
            .field(
                "passphrase",
                &format_args!("{} bytes, redacted", self.passphrase.len()),
            )
            .field("salt", &self.salt)
            .field(
                "core_aad",
                &format_args!("{} bytes, redacted", self.core_aad.len()),
            )
            .field("core_mb", &self.core_mb)
            .field("cpu", &self.cpu)
            .field("cores", &self.cores)
            .field("tag_size", &self.tag_size)
            .finish()
    }
}

/// Intermediate values, for known-answer diagnostics.
#[derive(Debug, Default, Clone)]
pub struct Trace {
    /// The 336-byte parameter hash.
    pub session_params: Vec<u8>,
    /// SHA3-256 of the cache after the fill.
    pub initial_cache_sha3_256: Vec<u8>,
    /// SHA3-256 of the cache after the index pass.
    pub after_main_pass_sha3_256: Vec<u8>,
    /// SHA3-256 of the final cache.
    pub final_cache_sha3_256: Vec<u8>,
}

/// The 336-byte session parameter hash.
///
/// # Errors
/// None in practice (a fixed SHAKE size).
pub fn session_params(input: &CoreInput<'_>) -> Result<Zeroizing<Vec<u8>>> {
    let key = Zeroizing::new([input.passphrase, input.salt, input.core_aad].concat());
    let out = hash_bytes_with(
        Hasher::Shake128,
        2 * BLOCK,
        &key,
        PASSCRYPT_PAD,
        &[
            &Domains::PASSCRYPT,
            input.salt,
            input.core_aad,
            &input.core_mb.to_be_bytes(),
            &input.cpu.to_be_bytes(),
            &input.cores.to_be_bytes(),
            &(input.tag_size as u64).to_be_bytes(),
        ],
    )?;
    Ok(Zeroizing::new(out))
}

fn allocate(bytes: usize) -> Result<Zeroizing<Vec<u8>>> {
    let mut v = Vec::new();
    v.try_reserve_exact(bytes)
        .map_err(|_| Error::OutOfMemory { bytes })?;
    v.resize(bytes, 0);
    Ok(Zeroizing::new(v))
}

/// Runs one core and returns its tag. `trace` collects diagnostics when given.
///
/// # Errors
/// [`Error::OutOfMemory`] when the cache cannot be allocated.
pub fn run(input: &CoreInput<'_>, mut trace: Option<&mut Trace>) -> Result<Zeroizing<Vec<u8>>> {
    let params = session_params(input)?;
    let mut h = salted().clone();
    h.update(&params);
    let g = Geometry::new(input.core_mb, input.cpu);
    let mut ram = allocate(g.total)?;
    fill(&mut h, &mut ram);
    if let Some(t) = trace.as_deref_mut() {
        t.session_params = params.to_vec();
        t.initial_cache_sha3_256 = sha3_256(&ram);
    }
    index_pass(&mut h, &mut ram, &g);
    if let Some(t) = trace.as_deref_mut() {
        t.after_main_pass_sha3_256 = sha3_256(&ram);
    }
    let passes = usize::try_from(input.cpu).unwrap_or(0) + 2;
    for it in 0..passes {
        h.digest_into(&mut ram[BLOCK * it..BLOCK * it + BLOCK / 2]);
        h.update(&ram);
    }
    if let Some(t) = trace {
        t.final_cache_sha3_256 = sha3_256(&ram);
    }
    Ok(Zeroizing::new(h.digest(input.tag_size)))
}

/// The initial cache: chained chunks of at most 512 MiB − 1, each the
/// prefix of the sponge's output, then its last 168 bytes absorbed.
fn fill(h: &mut Shake128, ram: &mut [u8]) {
    let mut pos = 0;
    while pos < ram.len() {
        let end = (pos + MAX_FILL_CHUNK).min(ram.len());
        h.digest_into(&mut ram[pos..end]);
        h.update(&ram[end - BLOCK..end]);
        pos = end;
    }
}

/// The index/reflection pass over rows and their mirrors.
fn index_pass(h: &mut Shake128, ram: &mut [u8], g: &Geometry) {
    let rs = g.row_size;
    for col in 0..g.rounds {
        for r in 0..g.rows {
            let m = g.rows - 1 - r;
            h.update(&ram[r * rs..(r + 1) * rs]);
            let at = r * rs + PAIR * col;
            h.digest_into(&mut ram[at..at + BLOCK]);
            // The reference skips the mirror absorb for row 0: its slice
            // `ram[-row_size:0]` is empty. Required for compatibility.
            if r != 0 {
                h.update(&ram[m * rs..(m + 1) * rs]);
            }
            let at = m * rs + PAIR * col + BLOCK;
            h.digest_into(&mut ram[at..at + BLOCK]);
        }
    }
}

fn sha3_256(data: &[u8]) -> Vec<u8> {
    aiootp_core::sha3_256(data).to_vec()
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn core_input_debug_hides_the_passphrase_and_pepper() {
        let input = CoreInput {
            passphrase: b"hunter2 hunter2",
            salt: b"saltsalt",
            core_aad: b"pepper:secret-pepper",
            core_mb: 1,
            cpu: 2,
            cores: 1,
            tag_size: 16,
        };
        let shown = format!("{input:?}");
        assert!(!shown.contains("104, 117"), "{shown}"); // "hu" as bytes
        assert!(shown.contains("15 bytes, redacted"), "{shown}");
        assert!(!shown.contains("112, 101, 112"), "{shown}"); // "pep"
    }
}
