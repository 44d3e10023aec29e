//! Property tests of every decrypt path: the result is the right plaintext
//! or a typed error, never a panic and never unauthenticated plaintext.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_chunky2048::hazmat::{self, MessageRandomness};
use aiootp_chunky2048::stream::{DecryptReader, EncryptWriter};
use aiootp_chunky2048::{Chunky2048, CipherStream, DecipherStream, Error, PACKETSIZE};
use aiootp_core::FixedClock;
use proptest::prelude::*;
use std::io::{Read, Write};
use std::sync::Arc;

fn cipher(seed: u8) -> Chunky2048 {
    Chunky2048::new(&[seed; 64]).unwrap()
}

fn randomness(bytes: &[u8; 32], ts: u32) -> MessageRandomness {
    MessageRandomness {
        salt: bytes[..16].try_into().unwrap(),
        iv: bytes[16..].try_into().unwrap(),
        timestamp: ts.to_be_bytes(),
        siv_key: [bytes[0]; 16],
        extra_padding: [bytes[1]; 256],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bytes_round_trip(data in prop::collection::vec(any::<u8>(), 0..1500), aad in prop::collection::vec(any::<u8>(), 0..200)) {
        let c = cipher(1);
        let ct = c.bytes_encrypt(&data, &aad).unwrap();
        prop_assert_eq!(ct.len(), aiootp_chunky2048::ciphertext_len(data.len()));
        prop_assert_eq!(c.bytes_decrypt(&ct, &aad, 0).unwrap(), data);
    }

    #[test]
    fn any_bit_flip_is_rejected(data in prop::collection::vec(any::<u8>(), 0..600), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let c = cipher(2);
        let mut ct = c.bytes_encrypt(&data, b"aad").unwrap();
        let i = pos.index(ct.len());
        ct[i] ^= 1 << bit;
        prop_assert!(matches!(c.bytes_decrypt(&ct, b"aad", 0), Err(Error::InvalidShmac)));
    }

    #[test]
    fn truncation_and_extension_are_rejected(data in prop::collection::vec(any::<u8>(), 0..600), cut in 1usize..700, extra in prop::collection::vec(any::<u8>(), 1..300)) {
        let c = cipher(3);
        let ct = c.bytes_encrypt(&data, b"").unwrap();
        let short = &ct[..ct.len().saturating_sub(cut)];
        prop_assert!(c.bytes_decrypt(short, b"", 0).is_err());
        let mut long = ct.clone();
        long.extend_from_slice(&extra);
        prop_assert!(c.bytes_decrypt(&long, b"", 0).is_err());
    }

    #[test]
    fn wrong_aad_or_key_is_rejected(data in prop::collection::vec(any::<u8>(), 0..300), aad in prop::collection::vec(any::<u8>(), 0..50)) {
        let c = cipher(4);
        let ct = c.bytes_encrypt(&data, &aad).unwrap();
        let mut other = aad.clone();
        other.push(0);
        prop_assert!(matches!(c.bytes_decrypt(&ct, &other, 0), Err(Error::InvalidShmac)));
        prop_assert!(matches!(cipher(5).bytes_decrypt(&ct, &aad, 0), Err(Error::InvalidShmac)));
    }

    #[test]
    fn ttl_follows_the_reference_rule(age in -1000i64..1000, ttl in 0u64..600) {
        let made_at = 50_000_000i64;
        let enc = cipher(6).with_clock(Arc::new(FixedClock::at_epoch_seconds(made_at)));
        let ct = enc.bytes_encrypt(b"x", b"").unwrap();
        let dec = cipher(6).with_clock(Arc::new(FixedClock::at_epoch_seconds(made_at + age)));
        let result = dec.bytes_decrypt(&ct, b"", ttl);
        let ttl_i = i64::try_from(ttl).unwrap();
        if ttl == 0 || age <= ttl_i {
            prop_assert_eq!(result.unwrap(), b"x");
        } else {
            let expired = matches!(result, Err(Error::TimestampExpired { expired_by }) if expired_by == age - ttl_i);
            prop_assert!(expired, "age {} ttl {}", age, ttl);
        }
    }

    #[test]
    fn arbitrary_bytes_never_decrypt(data in prop::collection::vec(any::<u8>(), 0..1200)) {
        let c = cipher(7);
        prop_assert!(c.bytes_decrypt(&data, b"", 0).is_err());
        prop_assert!(c.json_decrypt::<serde_json::Value>(&data, b"", 0).is_err());
        prop_assert!(c.read_token(&data, b"", 0).is_err());
    }

    #[test]
    fn tokens_round_trip_and_reject_changes(data in prop::collection::vec(any::<u8>(), 0..400), pos in any::<prop::sample::Index>()) {
        let c = cipher(8);
        let token = c.make_token(&data, b"t").unwrap();
        prop_assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        prop_assert_eq!(c.read_token(&token, b"t", 0).unwrap(), data.clone());
        let original = aiootp_core::urlsafe_to_bytes(token.as_bytes()).unwrap();
        let mut bad = token.into_bytes();
        let i = pos.index(bad.len());
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        // The last character of a token carries unused low bits: a change
        // to those alone decodes to the same ciphertext (as Python's
        // lenient base64 does), which must still read; any other change
        // must be refused.
        if aiootp_core::urlsafe_to_bytes(&bad).ok() == Some(original) {
            prop_assert_eq!(c.read_token(&bad, b"t", 0).unwrap(), data);
        } else {
            prop_assert!(c.read_token(&bad, b"t", 0).is_err());
        }
    }

    #[test]
    fn stream_equals_bytes_for_any_chunking(data in prop::collection::vec(any::<u8>(), 0..2000), cuts in prop::collection::vec(1usize..700, 1..8), r in any::<[u8; 32]>()) {
        let c = cipher(9);
        let rand = randomness(&r, 1000);
        let whole = hazmat::bytes_encrypt(&c, &data, b"s", &rand).unwrap();
        let mut s = hazmat::cipher_stream(&c, b"s", &rand).unwrap();
        let mut blocks = Vec::new();
        let (mut at, mut k) = (0, 0);
        while at < data.len() {
            let n = cuts[k % cuts.len()].min(data.len() - at);
            s.buffer(&data[at..at + n]);
            for p in s.by_ref() {
                blocks.extend_from_slice(p.ciphertext());
            }
            at += n;
            k += 1;
        }
        let (rest, shmac) = s.finalize().unwrap();
        rest.iter().for_each(|p| blocks.extend_from_slice(p.ciphertext()));
        prop_assert_eq!(&whole[64..], &blocks[..]);
        prop_assert_eq!(&whole[..32], &shmac.finalize()[..]);
    }

    #[test]
    fn stream_rejects_a_changed_packet_and_recovers(data in prop::collection::vec(any::<u8>(), 300..12_000), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let c = cipher(10);
        let mut s = CipherStream::new(&c, b"").unwrap();
        let mut wire = Vec::new();
        s.buffer(&data).drain_into(&mut wire);
        let (salt, iv) = (*s.salt(), *s.iv());
        let (rest, shmac) = s.finalize().unwrap();
        rest.iter().for_each(|p| wire.extend_from_slice(p.as_bytes()));
        let tag = shmac.finalize();
        let i = pos.index(wire.len());
        let mut bad = wire.clone();
        bad[i] ^= 1 << bit;
        let mut d = DecipherStream::new(&c, salt, iv, b"", 0).unwrap();
        let err = d.buffer(&bad).unwrap_err();
        let at_bad_packet = matches!(err, Error::InvalidBlockId { packet_index } if packet_index == i / PACKETSIZE);
        prop_assert!(at_bad_packet, "byte {}", i);
        // The packets before the bad one were accepted; resume from the genuine one.
        d.buffer(&wire[(i / PACKETSIZE) * PACKETSIZE..]).unwrap();
        let mut plain = d.read_available().unwrap();
        let (tail, shmac) = d.finalize().unwrap();
        shmac.test_shmac(&tag).unwrap();
        plain.extend_from_slice(&tail);
        prop_assert_eq!(plain, data);
    }

    #[test]
    fn framed_round_trip_and_truncation(data in prop::collection::vec(any::<u8>(), 0..3000), step in 1usize..500, cut in 1usize..400) {
        let c = cipher(11);
        let mut w = EncryptWriter::new(Vec::new(), &c, b"f").unwrap();
        for chunk in data.chunks(step) {
            w.write_all(chunk).unwrap();
        }
        let wire = w.finish().unwrap();
        let mut out = Vec::new();
        DecryptReader::new(&wire[..], &c, b"f", 0).read_to_end(&mut out).unwrap();
        prop_assert_eq!(&out, &data);
        let short = &wire[..wire.len().saturating_sub(cut)];
        let mut partial = Vec::new();
        prop_assert!(DecryptReader::new(short, &c, b"f", 0).read_to_end(&mut partial).is_err());
    }
}

#[test]
fn short_and_empty_keys_are_refused() {
    assert!(matches!(
        Chunky2048::new(&[1; 63]),
        Err(Error::KeyTooShort { len: 63 })
    ));
    assert!(matches!(Chunky2048::new(&[]), Err(Error::EmptyKey)));
    assert!(Chunky2048::new(&[1; 64]).is_ok());
    // The module-level function checks the ciphertext length before the key.
    assert!(matches!(
        aiootp_chunky2048::bytes_decrypt(&[0; 10], &[1; 3], b"", 0),
        Err(Error::InvalidCiphertextLength { len: 10 })
    ));
}

#[test]
fn decipher_stream_buffer_size_and_empty_finalize() {
    let c = cipher(12);
    let mut d = DecipherStream::new(&c, [0; 16], [0; 16], b"", 0).unwrap();
    assert!(matches!(
        d.buffer(&[]),
        Err(Error::InvalidBufferSize { len: 0 })
    ));
    assert!(matches!(
        d.buffer(&[0; 380]),
        Err(Error::InvalidBufferSize { len: 380 })
    ));
    assert!(matches!(d.finalize(), Err(Error::EmptyStream)));
}

#[test]
fn json_values_round_trip_with_python_text() {
    let c = cipher(13);
    let v = serde_json::json!({"z": [1, 2.5, -0.0, 1e16], "a": "é\u{1}", "n": null});
    let ct = c.json_encrypt(&v, b"").unwrap();
    let back: serde_json::Value = c.json_decrypt(&ct, b"", 0).unwrap();
    assert_eq!(back, v);
    let text = c.bytes_decrypt(&ct, b"", 0).unwrap();
    assert_eq!(
        String::from_utf8(text).unwrap(),
        r#"{"z": [1, 2.5, -0.0, 1e+16], "a": "\u00e9\u0001", "n": null}"#
    );
    let not_json = c.bytes_encrypt(b"{oops", b"").unwrap();
    assert!(matches!(
        c.json_decrypt::<serde_json::Value>(&not_json, b"", 0),
        Err(Error::JsonDecode(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn streamed_bytes_format_matches_bytes_encrypt(data in prop::collection::vec(any::<u8>(), 0..2000), step in 1usize..700, flip in any::<prop::sample::Index>()) {
        use aiootp_chunky2048::stream::{BytesDecryptor, BytesEncryptor};
        let c = cipher(14);
        let mut enc = BytesEncryptor::new(&c, b"s").unwrap();
        let mut blocks = Vec::new();
        for chunk in data.chunks(step) {
            enc.update(chunk, &mut blocks);
        }
        let header = enc.finish(&mut blocks);
        let whole = [&header[..], &blocks].concat();
        // The reference format, readable by bytes_decrypt.
        prop_assert_eq!(c.bytes_decrypt(&whole, b"s", 0).unwrap(), data.clone());
        let mut dec = BytesDecryptor::new(&c, &header, b"s").unwrap();
        let mut out = Vec::new();
        for chunk in blocks.chunks(step) {
            dec.update(chunk, &mut out);
        }
        dec.finish(0, &mut out).unwrap();
        prop_assert_eq!(&out, &data);
        // Any change is refused at finish.
        let mut bad = whole.clone();
        let i = flip.index(bad.len());
        bad[i] ^= 1;
        let mut dec = BytesDecryptor::new(&c, &bad[..64], b"s").unwrap();
        let mut junk = Vec::new();
        dec.update(&bad[64..], &mut junk);
        prop_assert!(dec.finish(0, &mut junk).is_err());
    }
}
