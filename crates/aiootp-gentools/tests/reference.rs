//! Outputs compared with the reference: every expected value below was
//! printed by aiootp 0.22.0's Comprende on the same inputs, e.g.
//! `unpack([b"abcd", b"ef", b"ghijk"]).resize(3).list()`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_gentools::{
    ASCII_95, ComprendeIter, ComprendeStream, Coroutine, FromFn, Step, feed_self,
};
use futures_util::StreamExt;
#[cfg(feature = "tokio")]
use std::time::Duration;

#[test]
fn rechunking_like_resize_and_delimited_resize() {
    let got: Vec<Vec<u8>> = [&b"abcd"[..], b"ef", b"ghijk"]
        .into_iter()
        .rechunk(3)
        .collect();
    assert_eq!(got, [&b"abc"[..], b"def", b"ghi", b"jk"]);
    let got: Vec<Vec<u8>> = ["ab c", "d  ef", "g"]
        .into_iter()
        .split_delimited(b" ")
        .collect();
    assert_eq!(got, [&b"ab"[..], b"cd", b"efg"]);
    let none: Vec<Vec<u8>> = Vec::<&[u8]>::new().into_iter().rechunk(3).collect();
    assert!(none.is_empty());
}

#[test]
fn hashes_and_hmacs_like_the_reference() {
    let got: Vec<String> = [&b"x"[..], b""]
        .into_iter()
        .sha3_256()
        .map(hex::encode)
        .collect();
    assert_eq!(
        got,
        [
            "741efa311f97686956946758e0d95f70f11ff2da4f2feb7c54314f44134ac49f",
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"
        ]
    );
    let got: Vec<String> = [b"data"]
        .into_iter()
        .sha3_256_hmac(b"key")
        .map(hex::encode)
        .collect();
    assert_eq!(
        got,
        ["b102a8999ec7667682d13c250db75c1fe88632bc807d915ecb7599375c2a393a"]
    );
    let got: Vec<String> = [b"data"]
        .into_iter()
        .sha3_512_hmac(b"key")
        .map(hex::encode)
        .collect();
    assert_eq!(
        got,
        [
            "752bf49d54115aaa670ea62bdf79eb95e6df787938bec5fabdfc4745cf49f7fe11b7c2f73989ad2e568f06ced3a2d99536b05a121f43647b98ea43f818f38b33"
        ]
    );
}

#[test]
fn encodings_like_the_reference() {
    let got: Vec<String> = [&b"\x00\x01hello"[..], b""]
        .into_iter()
        .to_base64()
        .collect();
    assert_eq!(got, ["AAFoZWxsbw==", ""]);
    let ints: [Vec<u8>; 3] = [vec![1, 0], vec![0], {
        let mut v = vec![0u8; 13];
        v[0] = 16; // 2**100
        v
    }];
    let got: Vec<String> = ints.iter().to_base(ASCII_95).collect();
    assert_eq!(got, ["\"b", " ", "\"ey&iG|9Nm|{d#,D"]);
    let got: Vec<String> = ints
        .iter()
        .to_base("0123456789abcdefghijklmnopqrstuvwxyz")
        .collect();
    assert_eq!(got, ["74", "0", "3ewfdnca0n6ld1ggvfgg"]);
    let got: Vec<Vec<u8>> = ["4)", "0"]
        .into_iter()
        .from_base(ASCII_95)
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, [1909u16.to_be_bytes().to_vec(), vec![16]]);
    let got: Vec<String> = [serde_json::json!({"a": 1.0, "b": [null, true]})]
        .into_iter()
        .json_dumps()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, ["{\"a\": 1.0, \"b\": [null, true]}"]);
    assert!(["zz"].into_iter().from_hex().next().unwrap().is_err());
    assert_eq!(
        ["00ff"].into_iter().from_hex().next().unwrap().unwrap(),
        [0, 255]
    );
}

#[test]
fn slicing_and_coroutines() {
    // c[3:50:2] over range(100)
    let got: Vec<u32> = (0..100).islice(3, Some(50), 2).collect();
    assert_eq!(got, (3..50).step_by(2).collect::<Vec<_>>());
    // echo: yields what is sent in; feed_self sends each result back.
    let echo = FromFn(|x: u32| {
        if x < 5 {
            Step::Yielded(x + 1)
        } else {
            Step::Complete(x)
        }
    });
    assert_eq!(
        feed_self(echo.clone(), 0).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5]
    );
    assert_eq!(echo.clone().feed([1, 2, 9, 3]).collect::<Vec<_>>(), [2, 3]);
    let mut sent = 0;
    assert_eq!(
        echo.run_to_completion(|| {
            sent += 1;
            sent
        }),
        5
    );
}

#[tokio::test]
async fn streams_have_the_same_methods() {
    let chunks =
        futures_util::stream::iter(vec![b"abcd".to_vec(), b"ef".to_vec(), b"ghijk".to_vec()]);
    let got: Vec<Vec<u8>> = chunks.rechunk(3).collect().await;
    assert_eq!(got, [&b"abc"[..], b"def", b"ghi", b"jk"]);
    let got: Vec<u32> = futures_util::stream::iter(0..10).step_by(3).collect().await;
    assert_eq!(got, [0, 3, 6, 9]);
    let hashes: Vec<[u8; 32]> = futures_util::stream::iter([b"x"])
        .sha3_256()
        .collect()
        .await;
    assert_eq!(
        hex::encode(hashes[0]),
        "741efa311f97686956946758e0d95f70f11ff2da4f2feb7c54314f44134ac49f"
    );
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn until_slow_ends_at_the_first_slow_item() {
    let slow = futures_util::stream::iter([0u64, 1, 200, 2]).then(|ms| async move {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    });
    let got: Vec<u64> = Box::pin(slow)
        .until_slow(Duration::from_millis(100))
        .collect()
        .await;
    assert_eq!(got, [0, 1]);
}
