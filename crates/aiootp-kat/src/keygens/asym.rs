//! Keygens vector cases for X25519, Ed25519, dh2 and dh3.

use super::kdf_ops::run_kdf_ops;
use crate::fields::{R, hex, hex_items, same};
use aiootp_asym::{Ed25519, Ed25519Public, Error, PublicKeys, X25519, dh2, dh3};
use serde_json::Value;

fn e(err: Error) -> String {
    err.to_string()
}

pub fn x25519_key(c: &Value) -> R {
    let k = X25519::from_secret_bytes(&hex(c, "secret")?).map_err(e)?;
    same("value", &k.public_bytes(), &hex(c, "public")?)?;
    same("value", k.secret_bytes().expose(), &hex(c, "secret")?)
}

pub fn x25519_exchange(c: &Value) -> R {
    let k = X25519::from_secret_bytes(&hex(c, "secret")?).map_err(e)?;
    same(
        "value",
        k.exchange(&hex(c, "peer_public")?).map_err(e)?.as_ref(),
        &hex(c, "shared")?,
    )
}

pub fn rfc7748(c: &Value) -> R {
    let a = X25519::from_secret_bytes(&hex(c, "alice_secret")?).map_err(e)?;
    let b = X25519::from_secret_bytes(&hex(c, "bob_secret")?).map_err(e)?;
    same("value", &a.public_bytes(), &hex(c, "alice_public")?)?;
    same("value", &b.public_bytes(), &hex(c, "bob_public")?)?;
    same(
        "value",
        a.exchange(&b.public_bytes()).map_err(e)?.as_ref(),
        &hex(c, "shared")?,
    )?;
    same(
        "value",
        b.exchange(&a.public_bytes()).map_err(e)?.as_ref(),
        &hex(c, "shared")?,
    )
}

fn expect_err(got: Result<(), Error>, want: fn(&Error) -> bool, what: &str) -> R {
    match got {
        Err(err) if want(&err) => Ok(()),
        Err(err) => Err(format!("{what}: got `{err}`")),
        Ok(()) => Err(format!("{what}: accepted; the reference refused")),
    }
}

/// The named error scenarios of `x25519.errors`.
pub fn x25519_error(c: &Value) -> R {
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    let k = X25519::generate().map_err(e)?;
    let mut low_order = [0u8; 32];
    low_order[0] = 1;
    match name {
        "exchange_all_zero_public_key" => expect_err(
            k.exchange(&[0; 32]).map(drop),
            |e| *e == Error::NonContributory,
            name,
        ),
        "exchange_low_order_point_1" => expect_err(
            k.exchange(&low_order).map(drop),
            |e| *e == Error::NonContributory,
            name,
        ),
        "exchange_31_byte_public_key" => expect_err(
            k.exchange(&[9; 31]).map(drop),
            |e| matches!(e, Error::InvalidLength { len: 31, .. }),
            name,
        ),
        "exchange_empty_public_key" => expect_err(
            k.exchange(&[]).map(drop),
            |e| matches!(e, Error::MissingKey { which: "public" }),
            name,
        ),
        "import_secret_key_33_bytes" => expect_err(
            X25519::from_secret_bytes(&[1; 33]).map(drop),
            |e| matches!(e, Error::InvalidLength { len: 33, .. }),
            name,
        ),
        "import_secret_key_empty" => expect_err(
            X25519::from_secret_bytes(&[]).map(drop),
            |e| matches!(e, Error::MissingKey { which: "secret" }),
            name,
        ),
        // Rust keys are immutable values: importing twice cannot be written.
        other => Err(format!(
            "skip: `{other}` has no Rust equivalent (keys are immutable values)"
        )),
    }
}

pub fn ed25519_key(c: &Value) -> R {
    let k = Ed25519::from_secret_bytes(&hex(c, "secret")?).map_err(e)?;
    same("value", &k.public_bytes(), &hex(c, "public")?)?;
    let public = Ed25519Public::from_bytes(&hex(c, "public")?).map_err(e)?;
    for s in c
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or("missing signatures")?
    {
        let (msg, sig) = (hex(s, "message")?, hex(s, "signature")?);
        same("value", &k.sign(&msg), &sig)?;
        public.verify(&sig, &msg).map_err(e)?;
    }
    Ok(())
}

pub fn rfc8032(c: &Value) -> R {
    let k = Ed25519::from_secret_bytes(&hex(c, "secret")?).map_err(e)?;
    same("value", &k.public_bytes(), &hex(c, "public")?)?;
    let (msg, sig) = (hex(c, "message")?, hex(c, "signature")?);
    same("value", &k.sign(&msg), &sig)?;
    k.public_key().verify(&sig, &msg).map_err(e)
}

/// The named scenarios of `ed25519.errors`, rebuilt on the file's first keys.
pub fn ed25519_error(c: &Value, keys: &[Value]) -> R {
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    let first = keys.first().ok_or("no ed25519 keys")?;
    let signer = Ed25519::from_secret_bytes(&hex(first, "secret")?).map_err(e)?;
    let msg = b"a message".to_vec();
    let sig = signer.sign(&msg);
    let bad = |r: Result<(), Error>| expect_err(r, |e| *e == Error::InvalidSignature, name);
    match name {
        "verify_flipped_signature" => {
            let mut flipped = sig;
            flipped[10] ^= 1;
            bad(signer.verify(&flipped, &msg))
        }
        "verify_wrong_message" => bad(signer.verify(&sig, b"another message")),
        "verify_short_signature" => bad(signer.verify(&sig[..63], &msg)),
        "verify_with_other_public_key" => {
            let other = Ed25519::generate().map_err(e)?;
            bad(other.public_key().verify(&sig, &msg))
        }
        "import_public_key_empty" => expect_err(
            Ed25519Public::from_bytes(&[]).map(drop),
            |e| matches!(e, Error::MissingKey { which: "public" }),
            name,
        ),
        other => Err(format!(
            "skip: `{other}` has no Rust equivalent (a key always exists)"
        )),
    }
}

fn key(c: &Value, name: &str) -> Result<X25519, String> {
    X25519::from_secret_bytes(&hex(c, name)?).map_err(e)
}

fn pair(c: &Value, name: &str) -> Result<PublicKeys, String> {
    let items = hex_items(c, name)?;
    PublicKeys::from_bytes(&items.concat()).map_err(e)
}

fn outputs(
    c: &Value,
    client: &mut aiootp_core::DomainKdf,
    server: &mut aiootp_core::DomainKdf,
) -> R {
    let ops = c
        .get("outputs")
        .and_then(Value::as_array)
        .ok_or("missing outputs")?;
    run_kdf_ops(client, ops).map_err(|e| format!("client: {e}"))?;
    run_kdf_ops(server, ops).map_err(|e| format!("server: {e}"))
}

pub fn dh3_case(c: &Value) -> R {
    let (client_id, server_id) = (
        key(c, "client_identity_secret")?,
        key(c, "server_identity_secret")?,
    );
    let (client, hello) =
        dh3::Client::start_with_ephemeral(&client_id, key(c, "client_ephemeral_secret")?);
    same(
        "value",
        &hello.to_bytes(),
        &pair(c, "client_hello")?.to_bytes(),
    )?;
    let (response, mut server_kdf) =
        dh3::respond_with_ephemeral(&server_id, key(c, "server_ephemeral_secret")?, &hello)
            .map_err(e)?;
    same(
        "value",
        &response.to_bytes(),
        &pair(c, "server_response")?.to_bytes(),
    )?;
    let mut client_kdf = client.finish(&response).map_err(e)?;
    same(
        "value",
        client_kdf.internal_key(),
        &hex(c, "kdf_internal_key")?,
    )?;
    same(
        "value",
        server_kdf.internal_key(),
        &hex(c, "kdf_internal_key")?,
    )?;
    outputs(c, &mut client_kdf, &mut server_kdf)
}

pub fn dh2_case(c: &Value) -> R {
    let server_id = key(c, "server_identity_secret")?;
    let (client, hello) = dh2::Client::start_with_ephemeral(key(c, "client_ephemeral_secret")?);
    same("value", &hello, &hex(c, "client_hello")?)?;
    let (response, mut server_kdf) =
        dh2::respond_with_ephemeral(&server_id, key(c, "server_ephemeral_secret")?, &hello)
            .map_err(e)?;
    same(
        "value",
        &response.to_bytes(),
        &pair(c, "server_response")?.to_bytes(),
    )?;
    let mut client_kdf = client.finish(&response).map_err(e)?;
    outputs(c, &mut client_kdf, &mut server_kdf)
}

pub fn randomness_shapes(c: &Value) -> R {
    let want = |k: &str| {
        c.get(k)
            .and_then(Value::as_u64)
            .ok_or(format!("missing {k}"))
    };
    let checks = [
        (
            "csprng_len",
            aiootp_core::csprng().map_err(|e| e.to_string())?.len(),
        ),
        (
            "generate_salt_default_len",
            aiootp_core::generate_salt(16)
                .map_err(|e| e.to_string())?
                .len(),
        ),
        (
            "generate_key_default_len",
            aiootp_core::generate_key(168)
                .map_err(|e| e.to_string())?
                .len(),
        ),
    ];
    for (k, got) in checks {
        if want(k)? != got as u64 {
            return Err(format!("{k}: {got}"));
        }
    }
    Ok(())
}
