//! Secrets kept out of output: `Debug` of every secret-holding value prints
//! lengths, never bytes, and errors about a decrypted value name the tag and
//! the type expected, never the plaintext. Each case printed the secret on
//! the main of 2026-12-01 (c0ac563).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp::db::{Database, LockMode, OpenMode, OpenOptions, ProfileSettings};
use aiootp::passcrypt::{Passcrypt, Settings};

/// The bytes of `b"hunter2"` as `Debug` of a `[u8]` would print them.
const HUNTER2_DEBUG: &str = "104, 117, 110, 116, 101, 114, 50";

fn assert_redacted(shown: &str) {
    assert!(!shown.contains(HUNTER2_DEBUG), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("0x68, 0x75"), "{shown}");
}

#[test]
fn debug_of_derived_keys_and_settings_shows_no_bytes() {
    let s = Settings {
        mb: 1,
        cpu: 2,
        cores: 1,
        tag_size: 16,
    };
    let key = Passcrypt::with_pepper(b"hunter2")
        .derive(b"hunter2 hunter2", b"saltsalt", b"", s)
        .unwrap();
    assert!(format!("{key:?}").contains("redacted"));
    let settings = ProfileSettings {
        pepper: b"hunter2".to_vec().into(),
        ..ProfileSettings::default()
    };
    assert_redacted(&format!("{settings:?}"));
    let a = aiootp::X25519::generate().unwrap();
    let b = aiootp::X25519::generate().unwrap();
    let shared = a.exchange(&b.public_bytes()).unwrap();
    assert!(format!("{shared:?}").contains("redacted"));
    assert!(format!("{:?}", a.secret_bytes()).contains("redacted"));
    let dir = std::env::temp_dir().join(format!(
        "aiootp-redact-{}",
        aiootp::primitives::bytes_to_hex(&aiootp::token_bytes(6).unwrap())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Database::open_with(
        &[7; 64],
        &dir,
        OpenOptions {
            mode: OpenMode::Create,
            lock: LockMode::None,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert!(format!("{:?}", db.metatag_key("m").unwrap()).contains("redacted"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_about_decrypted_values_never_quote_them() {
    let cipher = aiootp::Chunky2048::new(&[9; 64]).unwrap();
    let ct = cipher
        .json_encrypt(&serde_json::json!({"password": "hunter2"}), b"")
        .unwrap();
    let e = cipher.json_decrypt::<Vec<u32>>(&ct, b"", 0).unwrap_err();
    assert_redacted(&e.to_string());
    assert_redacted(&format!("{e:?}"));
    let ct = cipher
        .bytes_encrypt(b"{\"password\": hunter2}", b"")
        .unwrap();
    let e = cipher
        .json_decrypt::<serde_json::Value>(&ct, b"", 0)
        .unwrap_err();
    assert_redacted(&e.to_string());

    let dir = std::env::temp_dir().join(format!(
        "aiootp-redact-db-{}",
        aiootp::primitives::bytes_to_hex(&aiootp::token_bytes(6).unwrap())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut db = Database::open_with(
        &[7; 64],
        &dir,
        OpenOptions {
            mode: OpenMode::Create,
            lock: LockMode::None,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    db.set_json("login", &serde_json::json!({"password": "hunter2"}))
        .unwrap();
    let e = db.get_as::<u64>("login").unwrap_err();
    let shown = e.to_string();
    assert_redacted(&shown);
    assert!(shown.contains("login"), "the error names the tag: {shown}");
    assert!(
        shown.contains("u64"),
        "the error names the type expected: {shown}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
