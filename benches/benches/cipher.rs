//! Chunky2048: the bytes, stream and batch rows of `cargo xtask bench`.
#![allow(missing_docs)]

use aiootp_benches::{BATCH, BATCH_SIZES, SIZES, key, plaintext};
use aiootp_chunky2048::{Chunky2048, CipherStream, DecipherStream};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// `(salt, iv, packets, tag)` of one stream.
fn stream(cipher: &Chunky2048, data: &[u8]) -> ([u8; 16], [u8; 16], Vec<u8>, [u8; 32]) {
    let salt = *b"bench-row-salt!!";
    let mut s = CipherStream::with_salt(cipher, salt, b"").expect("stream");
    let mut out = Vec::new();
    s.buffer(data).drain_into(&mut out);
    let iv = *s.iv();
    let (rest, shmac) = s.finalize().expect("finalize");
    rest.iter()
        .for_each(|p| out.extend_from_slice(p.as_bytes()));
    (salt, iv, out, shmac.finalize())
}

fn cipher(c: &mut Criterion) {
    let key = key();
    let cipher = Chunky2048::new(&key).expect("key");
    let mut g = c.benchmark_group("chunky2048");
    for &size in SIZES {
        let data = plaintext(size);
        g.throughput(Throughput::Bytes(size as u64));
        // As the bound's P: the key setup of each message included.
        g.bench_with_input(BenchmarkId::new("bytes_encrypt", size), &data, |b, d| {
            b.iter(|| aiootp_chunky2048::bytes_encrypt(black_box(d), &key, b"").expect("encrypt"));
        });
        let ct = cipher.bytes_encrypt(&data, b"").expect("encrypt");
        g.bench_with_input(BenchmarkId::new("bytes_decrypt", size), &ct, |b, ct| {
            b.iter(|| {
                aiootp_chunky2048::bytes_decrypt(black_box(ct), &key, b"", 0).expect("decrypt")
            });
        });
        g.bench_with_input(BenchmarkId::new("stream_encrypt", size), &data, |b, d| {
            b.iter(|| stream(&Chunky2048::new(&key).expect("key"), black_box(d)));
        });
        let (salt, iv, packets, tag) = stream(&cipher, &data);
        g.bench_with_input(
            BenchmarkId::new("stream_decrypt", size),
            &packets,
            |b, p| {
                b.iter(|| {
                    let c = Chunky2048::new(&key).expect("key");
                    let mut d = DecipherStream::new(&c, salt, iv, b"", 0).expect("stream");
                    d.buffer(black_box(p)).expect("packets");
                    let mut out = d.read_available().expect("read");
                    let (tail, shmac) = d.finalize().expect("finalize");
                    shmac.test_shmac(&tag).expect("tag");
                    out.extend_from_slice(&tail);
                    out
                });
            },
        );
    }
    for &size in BATCH_SIZES {
        let msgs: Vec<Vec<u8>> = (0..BATCH).map(|_| plaintext(size)).collect();
        let items: Vec<(&[u8], &[u8])> = msgs.iter().map(|m| (&m[..], &b""[..])).collect();
        g.throughput(Throughput::Bytes((size * BATCH) as u64));
        g.bench_function(BenchmarkId::new("batch_encrypt", size), |b| {
            b.iter(|| {
                cipher
                    .bytes_encrypt_many(black_box(&items))
                    .expect("encrypt")
            });
        });
        let cts = cipher.bytes_encrypt_many(&items).expect("encrypt");
        let sealed: Vec<(&[u8], &[u8])> = cts.iter().map(|m| (&m[..], &b""[..])).collect();
        g.bench_function(BenchmarkId::new("batch_decrypt", size), |b| {
            b.iter(|| cipher.bytes_decrypt_many(black_box(&sealed), 0));
        });
    }
    g.finish();
}

criterion_group!(benches, cipher);
criterion_main!(benches);
