#![no_main]
//! The database's readers of decrypted files: manifests and tag values.
//! Whatever the bytes, a typed error or a value that round-trips; a
//! manifest that parses names only files inside the folder.

use aiootp_db::Value;
use aiootp_db::internal::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::parse(data, "fuzz") {
        for name in m.tags.keys() {
            assert!(aiootp_db::internal::is_file_name(name));
            assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
        let again = Manifest::parse(&m.to_plaintext(), "fuzz").expect("a written manifest parses");
        assert_eq!(again.tags, m.tags);
        assert_eq!(again.metatags, m.metatags);
    }
    if let Ok(v) = Value::from_plaintext(data.to_vec(), "fuzz") {
        assert_eq!(Value::from_plaintext(v.to_plaintext(), "fuzz").expect("a written value parses"), v);
    }
});
