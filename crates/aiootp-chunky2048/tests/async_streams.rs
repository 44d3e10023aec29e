//! The tokio face wraps the sync core: same bytes, async I/O adapters.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_chunky2048::aio::{
    AsyncCipherStream, AsyncDecipherStream, AsyncDecryptReader, AsyncEncryptWriter,
};
use aiootp_chunky2048::{Chunky2048, Error, PACKETSIZE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn cipher() -> Chunky2048 {
    Chunky2048::new(&[3; 80]).unwrap()
}

#[tokio::test]
async fn async_streams_round_trip() {
    let c = cipher();
    let data: Vec<u8> = (0..100_000u32)
        .map(|i| i.to_le_bytes()[1] ^ i.to_le_bytes()[0])
        .collect();
    let mut enc = AsyncCipherStream::new(&c, b"a").await.unwrap();
    let mut wire = Vec::new();
    enc.buffer(&data[..40_000])
        .await
        .drain_into(&mut wire)
        .await;
    enc.buffer(&data[40_000..]).await;
    let (salt, iv) = (*enc.salt(), *enc.iv());
    let (rest, shmac) = enc.finalize().await.unwrap();
    rest.iter()
        .for_each(|p| wire.extend_from_slice(p.as_bytes()));
    let tag = shmac.finalize();

    let mut dec = AsyncDecipherStream::new(&c, salt, iv, b"a", 0)
        .await
        .unwrap();
    dec.buffer(&wire).await.unwrap();
    let mut plain = dec.read_available().await.unwrap();
    let (tail, shmac) = dec.finalize().await.unwrap();
    shmac.test_shmac(&tag).unwrap();
    plain.extend_from_slice(&tail);
    assert_eq!(plain, data);

    // A bad packet deep in a batch reports its index from the start of the call.
    let mut bad = wire.clone();
    bad[200 * PACKETSIZE + 30] ^= 1;
    let mut dec = AsyncDecipherStream::new(&c, salt, iv, b"a", 0)
        .await
        .unwrap();
    let err = dec.buffer(&bad).await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidBlockId { packet_index: 200 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn async_adapters_over_a_duplex_pipe() {
    let c = cipher();
    let data: Vec<u8> = (0..300_000u32).map(|i| i.to_le_bytes()[0] ^ 0x5a).collect();
    let (a, b) = tokio::io::duplex(4096);
    let writer_cipher = c.clone();
    let sent = data.clone();
    let writer = tokio::spawn(async move {
        let mut w = AsyncEncryptWriter::new(a, &writer_cipher, b"pipe").unwrap();
        for chunk in sent.chunks(10_000) {
            w.write_all(chunk).await.unwrap();
        }
        w.shutdown().await.unwrap();
    });
    let mut r = AsyncDecryptReader::new(b, &c, b"pipe", 0);
    let mut out = Vec::new();
    r.read_to_end(&mut out).await.unwrap();
    writer.await.unwrap();
    assert_eq!(out, data);
}

#[tokio::test]
async fn async_reader_reports_a_wrong_aad() {
    let c = cipher();
    let (a, b) = tokio::io::duplex(1 << 16);
    let mut w = AsyncEncryptWriter::new(a, &c, b"right").unwrap();
    w.write_all(&[1; 1000]).await.unwrap();
    w.shutdown().await.unwrap();
    drop(w);
    let mut r = AsyncDecryptReader::new(b, &c, b"wrong", 0);
    let mut out = Vec::new();
    let err = r.read_to_end(&mut out).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(
        out.is_empty(),
        "no plaintext may be released under a wrong aad"
    );
}

#[tokio::test]
async fn one_shot_helpers_match_sync() {
    let c = cipher();
    let big = vec![9u8; (1 << 20) + 5];
    let ct = aiootp_chunky2048::aio::bytes_encrypt(&c, big.clone(), b"x".to_vec())
        .await
        .unwrap();
    assert_eq!(c.bytes_decrypt(&ct, b"x", 0).unwrap(), big);
    let back = aiootp_chunky2048::aio::bytes_decrypt(&c, ct, b"x".to_vec(), 0)
        .await
        .unwrap();
    assert_eq!(back, big);
}

#[tokio::test]
async fn async_batches_are_the_sync_batches() {
    let c = cipher();
    let items: Vec<(Vec<u8>, Vec<u8>)> = (0..9u8).map(|i| (vec![i; 300], vec![i; 3])).collect();
    let sealed = aiootp_chunky2048::aio::bytes_encrypt_many(&c, items.clone())
        .await
        .unwrap();
    let mut opened: Vec<(Vec<u8>, Vec<u8>)> = sealed
        .iter()
        .zip(&items)
        .map(|(ct, (_, aad))| (ct.clone(), aad.clone()))
        .collect();
    opened[4].0[100] ^= 1;
    let results = aiootp_chunky2048::aio::bytes_decrypt_many(&c, opened, 0)
        .await
        .unwrap();
    for (i, r) in results.into_iter().enumerate() {
        if i == 4 {
            assert!(matches!(r, Err(Error::InvalidShmac)), "{r:?}");
        } else {
            assert_eq!(r.unwrap(), items[i].0);
            // Each member reads alone too.
            assert_eq!(
                c.bytes_decrypt(&sealed[i], &items[i].1, 0).unwrap(),
                items[i].0
            );
        }
    }
}
