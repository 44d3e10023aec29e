//! The `DomainKDF` operation lists shared by the `domain_kdf` and
//! handshake cases.

use crate::fields::{R, hex, hex_items, same, uint};
use aiootp_core::DomainKdf;
use serde_json::Value;

/// Applies a `domain_kdf`-format op list to `kdf`, checking every output.
pub fn run_kdf_ops(kdf: &mut DomainKdf, ops: &[Value]) -> R {
    for (i, op) in ops.iter().enumerate() {
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or("op without name")?;
        let got = match name {
            "update" => {
                let items = hex_items(op, "payload")?;
                let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
                kdf.update(&refs).map_err(|e| e.to_string())?;
                continue;
            }
            "update_key" => {
                kdf.update_key(&hex(op, "entropy")?)
                    .map_err(|e| e.to_string())?;
                continue;
            }
            "sha3_256" => kdf.sha3_256(&hex(op, "context")?).to_vec(),
            "sha3_512" => kdf.sha3_512(&hex(op, "context")?).to_vec(),
            "shake_128" => kdf
                .shake_128(uint(op, "size")?, &hex(op, "context")?)
                .map_err(|e| e.to_string())?,
            "shake_256" => kdf
                .shake_256(uint(op, "size")?, &hex(op, "context")?)
                .map_err(|e| e.to_string())?,
            other => return Err(format!("unknown op {other}")),
        };
        same("value", &got, &hex(op, "out")?).map_err(|e| format!("op {i} ({name}): {e}"))?;
    }
    Ok(())
}
