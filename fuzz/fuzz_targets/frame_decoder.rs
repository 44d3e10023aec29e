#![no_main]
//! The framed-stream decoder on arbitrary wire bytes pushed in arbitrary
//! pieces: it may only finish cleanly on a genuine stream.

use aiootp_chunky2048::stream::{EncryptWriter, FrameDecoder};
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::sync::OnceLock;
mod common;

fn genuine_stream() -> &'static [u8] {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| {
        let mut w = EncryptWriter::new(Vec::new(), common::cipher(), common::AAD).expect("starts");
        w.write_all(&[9u8; 700]).expect("writes");
        w.finish().expect("finishes")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let wire = if mode & 1 == 0 { rest.to_vec() } else { common::mutate(genuine_stream(), rest) };
    let mut d = FrameDecoder::new(common::cipher(), common::AAD, 0);
    let step = 1 + usize::from(mode >> 1);
    let mut ok = true;
    for piece in wire.chunks(step) {
        if d.push(piece).is_err() {
            ok = false;
            break;
        }
    }
    if !ok {
        return;
    }
    // Nothing was taken from the output, so `finish` returns all of it.
    if let Ok(plain) = d.finish() {
        assert_eq!(wire, genuine_stream());
        assert_eq!(&plain[..], &[9u8; 700][..]);
    }
});
