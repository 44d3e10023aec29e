//! The primitive cases of the Chunky2048 vector file (`encode_constant`,
//! `canonical_pack`, `encode_key`, and the `meta` constants), driven by kind.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use aiootp_core::encode_constant;
use aiootp_core::encoding::{PackParams, canonical_pack, encode_key};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/kat/chunky2048.json"
    );
    let text = std::fs::read_to_string(path).expect("shared/kat/chunky2048.json is readable");
    serde_json::from_str(&text).expect("vector file is JSON")
}

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn num(v: &Value) -> usize {
    usize::try_from(v.as_u64().expect("integer")).expect("fits")
}

#[test]
fn primitive_cases_match_reference() {
    let mut ran = 0;
    for case in vectors() {
        let id = case["id"].as_str().unwrap_or("?").to_owned();
        match case["kind"].as_str() {
            Some("encode_constant") => {
                let out = encode_constant(&hex(&case["constant"]), num(&case["size"]));
                assert_eq!(out, hex(&case["output"]), "{id}");
            }
            Some("canonical_pack") => {
                let items: Vec<Vec<u8>> = case["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(hex)
                    .collect();
                let pad = hex(&case["pad"]);
                let p = PackParams {
                    blocksize: num(&case["blocksize"]),
                    pad: &pad,
                    int_bytes: num(&case["int_bytes"]),
                };
                let out = canonical_pack(items.iter().map(Vec::as_slice), p);
                assert_eq!(out, hex(&case["output"]), "{id}");
            }
            Some("encode_key") => {
                let pad = hex(&case["pad"]);
                let out = encode_key(&hex(&case["key"]), num(&case["blocksize"]), pad[0])
                    .expect("non-empty key");
                assert_eq!(out, hex(&case["output"]), "{id}");
            }
            Some("meta") => {
                for (field, constant) in [
                    ("seed_kdf_salt", "chunky2048_seed_kdf_salt"),
                    ("left_kdf_salt", "chunky2048_left_kdf_salt"),
                    ("right_kdf_salt", "chunky2048_right_kdf_salt"),
                    ("shmac_mac_salt", "chunky2048_shmac_mac_salt"),
                    ("block_id_mac_salt", "chunky2048_shmac_block_id_mac"),
                ] {
                    assert_eq!(
                        encode_constant(constant.as_bytes(), 168),
                        hex(&case[field]),
                        "{field}"
                    );
                }
            }
            _ => continue,
        }
        ran += 1;
    }
    assert!(ran >= 10, "expected the primitive cases, ran {ran}");
}
