#![no_main]
//! dh2/dh3 messages from an untrusted peer: parse, then answer or finish.
//! Low-order points and bad lengths must be typed errors.

use aiootp_asym::{PublicKeys, X25519, dh2, dh3};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn server() -> &'static X25519 {
    static S: OnceLock<X25519> = OnceLock::new();
    S.get_or_init(|| X25519::from_secret_bytes(&[7; 32]).expect("32 bytes"))
}

fuzz_target!(|data: &[u8]| {
    let _ = dh2::respond_with_ephemeral(server(), server().clone(), data);
    if let Ok(msg) = PublicKeys::from_bytes(data) {
        assert_eq!(msg.to_bytes().as_slice(), data);
        let _ = dh3::respond_with_ephemeral(server(), server().clone(), &msg);
        let (client, _) = dh3::Client::start_with_ephemeral(server(), server().clone());
        let _ = client.finish(&msg);
        let (client, _) = dh2::Client::start_with_ephemeral(server().clone());
        let _ = client.finish(&msg);
    }
});
