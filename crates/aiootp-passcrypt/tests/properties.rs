//! Property tests: hashes round-trip and verify; any change to a hash, the
//! passphrase, the aad or the pepper is refused; malformed hashes are typed
//! errors; hostile headers are refused before any memory is used.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_core::FixedClock;
use aiootp_passcrypt::{AllowedRanges, Error, Passcrypt, PasscryptHash, Resource, Settings};
use proptest::prelude::*;
use std::sync::Arc;

fn small() -> impl Strategy<Value = (Settings, usize)> {
    (1u64..=2, 1u64..=3, 1u64..=3, 16usize..=40, 4usize..=24).prop_map(
        |(mb, cpu, cores, tag_size, salt)| {
            (
                Settings {
                    mb,
                    cpu,
                    cores,
                    tag_size,
                },
                salt,
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn hashes_verify_and_refuse_changes(
        (s, salt_size) in small(),
        pass in prop::collection::vec(any::<u8>(), 12..40),
        aad in prop::collection::vec(any::<u8>(), 0..20),
        pos in any::<prop::sample::Index>(),
    ) {
        let pc = Passcrypt::with_pepper(b"pepper");
        let hash = pc.hash_passphrase(&pass, &aad, s, salt_size).unwrap();
        prop_assert_eq!(hash.len(), 14 + salt_size + s.tag_size);
        let ok = AllowedRanges::default();
        prop_assert!(pc.verify(&hash, &pass, &aad, 0, &ok).is_ok());
        prop_assert_eq!(Passcrypt::default().verify(&hash, &pass, &aad, 0, &ok), Err(Error::InvalidPassphrase));
        let mut other = aad.clone();
        other.push(1);
        prop_assert_eq!(pc.verify(&hash, &pass, &other, 0, &ok), Err(Error::InvalidPassphrase));
        // Flip a bit anywhere but the header's cpu/cores/salt-size bytes, which
        // change the work asked for (and are covered by the range test below).
        let i = pos.index(hash.len());
        prop_assume!(!(8..14).contains(&i));
        let mut bad = hash.clone();
        bad[i] ^= 1;
        prop_assert!(pc.verify(&bad, &pass, &aad, 0, &ok).is_err());
    }

    #[test]
    fn decode_never_panics_and_round_trips(data in prop::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(h) = PasscryptHash::decode(&data) {
            prop_assert!(!h.tag.is_empty() && !h.salt.is_empty());
            if let Ok(e) = h.encode() {
                prop_assert_eq!(PasscryptHash::decode(&e).unwrap().encode().unwrap(), h.encode().unwrap());
            }
        } else {
            prop_assert!(data.len() <= 14 || data.len() <= 14 + usize::from(data[13]) + 1);
        }
    }

    #[test]
    fn hostile_headers_are_refused_before_work(mb in 512u64..(1 << 24), cores in 9u64..=256) {
        let h = PasscryptHash { timestamp: vec![0; 8], mb, cpu: 2, cores: 1, salt: vec![1; 8], tag: vec![2; 16] };
        let r = Passcrypt::default().verify(&h.encode().unwrap(), b"a passphrase!!", b"", 0, &AllowedRanges::default());
        prop_assert_eq!(r, Err(Error::ResourceNotAllowed { parameter: Resource::Mb, value: mb }));
        let h = PasscryptHash { mb: 1, cores, ..h };
        let r = Passcrypt::default().verify(&h.encode().unwrap(), b"a passphrase!!", b"", 0, &AllowedRanges::default());
        prop_assert_eq!(r, Err(Error::ResourceNotAllowed { parameter: Resource::Cores, value: cores }));
    }
}

#[test]
fn ttl_is_checked_in_nanoseconds() {
    let at = |s: i64| Arc::new(FixedClock::at_epoch_seconds(s));
    let s = Settings {
        mb: 1,
        cpu: 1,
        cores: 1,
        tag_size: 16,
    };
    let hash = Passcrypt::default()
        .with_clock(at(1000))
        .hash_passphrase(b"twelve bytes", b"", s, 8)
        .unwrap();
    let ok = AllowedRanges::default();
    let verify_at = |now: i64, ttl: u64| {
        Passcrypt::default()
            .with_clock(at(now))
            .verify(&hash, b"twelve bytes", b"", ttl, &ok)
    };
    assert!(verify_at(1010, 10).is_ok());
    assert_eq!(
        verify_at(1011, 10),
        Err(Error::TimestampExpired {
            expired_by: 1_000_000_000
        })
    );
    assert!(
        verify_at(900, 1).is_ok(),
        "a future timestamp never expires"
    );
    assert!(verify_at(99_999, 0).is_ok(), "ttl 0 disables the check");
}

#[test]
fn settings_are_checked_in_the_reference_order() {
    let pc = Passcrypt::default();
    let s = Settings {
        mb: 1,
        cpu: 2,
        cores: 0,
        tag_size: 15,
    };
    assert_eq!(
        pc.derive(b"short", b"ab", b"", s).err(),
        Some(Error::InvalidCores { cores: 0 })
    );
    let s = Settings { cores: 1, ..s };
    assert_eq!(
        pc.derive(b"short", b"ab", b"", s).err(),
        Some(Error::PassphraseTooShort { missing: 7 })
    );
    assert_eq!(
        pc.derive(b"long enough!", b"ab", b"", s).err(),
        Some(Error::InvalidSaltSize { len: 2 })
    );
    assert_eq!(
        pc.derive(b"long enough!", b"abcd", b"", s).err(),
        Some(Error::InvalidTagSize { tag_size: 15 })
    );
    let cores_beyond_mb = Settings {
        mb: 1,
        cpu: 1,
        cores: 3,
        tag_size: 16,
    };
    assert_eq!(
        pc.derive(b"long enough!", b"abcd", b"", cores_beyond_mb)
            .unwrap()
            .len(),
        16
    );
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn async_face_runs_off_the_reactor() {
    let pc = Passcrypt::default();
    let s = Settings {
        mb: 1,
        cpu: 1,
        cores: 2,
        tag_size: 16,
    };
    let hash = pc
        .hash_passphrase_async(b"an async passphrase".to_vec(), vec![], s, 8)
        .await
        .unwrap();
    pc.verify_async(
        hash.clone(),
        b"an async passphrase".to_vec(),
        vec![],
        0,
        AllowedRanges::default(),
    )
    .await
    .unwrap();
    let wrong = pc
        .verify_async(
            hash,
            b"not the passphrase".to_vec(),
            vec![],
            0,
            AllowedRanges::default(),
        )
        .await;
    assert_eq!(wrong, Err(Error::InvalidPassphrase));
}

#[test]
fn tag_sizes_are_bounded_before_any_work() {
    let pc = Passcrypt::default();
    let big = Settings {
        mb: 1,
        cpu: 2,
        cores: 1,
        tag_size: aiootp_passcrypt::MAX_TAG_SIZE + 1,
    };
    assert!(matches!(
        pc.derive(b"a long enough passphrase", b"saltsalt", b"", big)
            .err(),
        Some(Error::TagSizeTooLarge { .. })
    ));
    assert!(matches!(
        pc.hash_passphrase(b"a long enough passphrase", b"", big, 8),
        Err(Error::TagSizeTooLarge { .. })
    ));
    // A salt size out of range is refused before a salt of that size is made.
    let ok = Settings {
        tag_size: 16,
        ..big
    };
    assert!(matches!(
        pc.hash_passphrase(b"a long enough passphrase", b"", ok, 100_000_000_000),
        Err(Error::InvalidSaltSize {
            len: 100_000_000_000
        })
    ));
    // A hash given to verify cannot ask for a larger tag either.
    let hostile = PasscryptHash {
        timestamp: vec![0; 8],
        mb: 1,
        cpu: 2,
        cores: 1,
        salt: vec![1; 8],
        tag: vec![0; aiootp_passcrypt::MAX_TAG_SIZE + 1],
    }
    .encode()
    .unwrap();
    assert!(matches!(
        pc.verify(
            &hostile,
            b"a long enough passphrase",
            b"",
            0,
            &AllowedRanges::default()
        ),
        Err(Error::TagSizeTooLarge { .. })
    ));
}
