//! Property tests: handshakes agree, messages parse strictly, signatures
//! bind key and message, and hostile points are typed errors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_asym::{Ed25519, Error, PublicKeys, X25519, dh2, dh3};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn dh3_and_dh2_agree(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
        let (alice, bob) = (X25519::from_secret_bytes(&a).unwrap(), X25519::from_secret_bytes(&b).unwrap());
        let (client, hello) = dh3::Client::start(&alice).unwrap();
        let wire = PublicKeys::from_bytes(&hello.to_bytes()).unwrap();
        let (response, server) = dh3::respond(&bob, &wire).unwrap();
        let client = client.finish(&PublicKeys::from_bytes(&response.to_bytes()).unwrap()).unwrap();
        prop_assert_eq!(client.sha3_512(b"k"), server.sha3_512(b"k"));
        prop_assert_eq!(client.internal_key(), server.internal_key());

        let (client, hello) = dh2::Client::start().unwrap();
        let (response, server) = dh2::respond(&bob, &hello).unwrap();
        prop_assert_eq!(client.finish(&response).unwrap().sha3_256(b""), server.sha3_256(b""));
    }

    #[test]
    fn messages_of_the_wrong_size_are_refused(data in prop::collection::vec(any::<u8>(), 0..100)) {
        let parsed = PublicKeys::from_bytes(&data);
        prop_assert_eq!(parsed.is_ok(), data.len() == 64);
        let server = X25519::generate().unwrap();
        let r = dh2::respond(&server, &data);
        prop_assert!(r.is_ok() || data.len() != 32 || matches!(r, Err(Error::NonContributory)));
    }

    #[test]
    fn signatures_bind_key_and_message(seed in any::<[u8; 32]>(), msg in prop::collection::vec(any::<u8>(), 0..200), bit in 0usize..512) {
        let k = Ed25519::from_secret_bytes(&seed).unwrap();
        let sig = k.sign(&msg);
        prop_assert!(k.verify(&sig, &msg).is_ok());
        let mut bad = sig;
        bad[bit / 8] ^= 1 << (bit % 8);
        prop_assert_eq!(k.verify(&bad, &msg), Err(Error::InvalidSignature));
        let mut other = msg.clone();
        other.push(0);
        prop_assert_eq!(k.verify(&sig, &other), Err(Error::InvalidSignature));
        prop_assert_eq!(k.verify(&sig[..63], &msg), Err(Error::InvalidSignature));
    }
}

#[test]
fn low_order_points_are_refused() {
    let k = X25519::generate().unwrap();
    let mut one = [0u8; 32];
    one[0] = 1;
    for point in [[0u8; 32], one] {
        assert_eq!(k.exchange(&point).unwrap_err(), Error::NonContributory);
        let (client, _) = dh3::Client::start(&k).unwrap();
        let hostile = PublicKeys {
            identity: point,
            ephemeral: point,
        };
        assert_eq!(client.finish(&hostile).unwrap_err(), Error::NonContributory);
    }
    assert!(matches!(
        k.exchange(&[]),
        Err(Error::MissingKey { which: "public" })
    ));
    assert!(matches!(
        X25519::from_secret_bytes(&[1; 33]),
        Err(Error::InvalidLength { len: 33, .. })
    ));
}

#[test]
fn secrets_round_trip_unclamped() {
    // The reference keeps X25519 secrets exactly as imported.
    let raw = [0xffu8; 32];
    assert_eq!(
        *X25519::from_secret_bytes(&raw)
            .unwrap()
            .secret_bytes()
            .expose(),
        raw
    );
}
