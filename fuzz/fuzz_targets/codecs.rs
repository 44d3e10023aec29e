#![no_main]
//! The text codecs: lenient base64 and base38 filenames.

use aiootp_core::{bytes_to_filename, bytes_to_urlsafe, filename_to_bytes, urlsafe_to_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = urlsafe_to_bytes(data);
    assert_eq!(urlsafe_to_bytes(bytes_to_urlsafe(data).as_bytes()).ok().as_deref(), Some(data));
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = filename_to_bytes(text, 24);
        // The CLI's HASH_HEX argument and the manifests' salts.
        if let Some(bytes) = aiootp_core::hex_to_bytes(text) {
            assert_eq!(aiootp_core::bytes_to_hex(&bytes), text.to_ascii_lowercase());
        }
    }
    if !data.is_empty() && data.len() <= 64 {
        let name = bytes_to_filename(data);
        assert_eq!(filename_to_bytes(&name, data.len()).ok().flatten().as_deref(), Some(data));
    }
});
