//! Keygens vector cases for Passcrypt and mnemonic.
//!
//! A case that needs an argument Rust's types cannot express (a `str`
//! passphrase, a negative or float `mb`) is skipped, not passed: the
//! reference raises `TypeError`/`OverflowError` there, and the Rust
//! signature rejects it at compile time.

use crate::fields::{R, hex, hex_items, same, uint};
use aiootp_passcrypt::{AllowedRanges, Error, Passcrypt, Settings, mnemonic_from_key};
use serde_json::Value;

fn u(case: &Value, name: &str) -> Result<u64, String> {
    case.get(name)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing integer `{name}`"))
}

fn settings(case: &Value) -> Result<Settings, String> {
    Ok(Settings {
        mb: u(case, "mb")?,
        cpu: u(case, "cpu")?,
        cores: u(case, "cores")?,
        tag_size: uint(case, "tag_size")?,
    })
}

pub fn new_case(c: &Value) -> R {
    let pc = Passcrypt::with_pepper(&hex(c, "pepper")?);
    let s = settings(c)?;
    let (tag, traces) = aiootp_passcrypt::internal::derive_traced(
        &pc,
        &hex(c, "passphrase")?,
        &hex(c, "salt")?,
        &hex(c, "aad")?,
        s,
    )
    .map_err(|e| e.to_string())?;
    if let Some(geometry) = c.get("geometry") {
        let g = aiootp_passcrypt::Geometry::new(s.core_mb(), s.cpu);
        let want = (
            u(geometry, "rounds")?,
            u(geometry, "row_size")?,
            u(geometry, "rows")?,
            u(geometry, "total_size")?,
        );
        if (
            g.rounds as u64,
            g.row_size as u64,
            g.rows as u64,
            g.total as u64,
        ) != want
        {
            return Err(format!("geometry {g:?}, want {want:?}"));
        }
    }
    // Locate the first divergent step before comparing the final tag.
    for (i, pc_core) in c
        .get("per_core")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (trace, core_tag) = traces.get(i).ok_or("fewer cores than expected")?;
        let step = |what: &str, got: &[u8]| {
            same("value", got, &hex(pc_core, what)?).map_err(|e| format!("core {i} {what}: {e}"))
        };
        same(
            "value",
            &aiootp_passcrypt::internal::core_aad(&pc, &hex(c, "aad")?, i as u64, s.mb),
            &hex(pc_core, "core_aad")?,
        )
        .map_err(|e| format!("core {i} core_aad: {e}"))?;
        step("session_params_336", &trace.session_params)?;
        step("initial_cache_sha3_256", &trace.initial_cache_sha3_256)?;
        step("after_main_pass_sha3_256", &trace.after_main_pass_sha3_256)?;
        step("final_cache_sha3_256", &trace.final_cache_sha3_256)?;
        step("core_tag", core_tag)?;
    }
    same("value", &tag, &hex(c, "tag")?)
}

pub fn upstream_case(c: &Value) -> R {
    let pc = Passcrypt::default();
    let s = settings(c)?;
    let (pass, salt, ts) = (hex(c, "passphrase")?, hex(c, "salt")?, hex(c, "timestamp")?);
    let aad = [ts.clone(), hex(c, "aad")?].concat();
    same(
        "value",
        pc.derive(&pass, &salt, &aad, s)
            .map_err(|e| e.to_string())?
            .expose(),
        &hex(c, "tag")?,
    )?;
    let ns = u64::from_be_bytes(
        ts.as_slice()
            .try_into()
            .map_err(|_| "timestamp is not 8 bytes")?,
    );
    let hash = pc
        .hash_passphrase_with(&pass, &hex(c, "aad")?, s, &salt, ns)
        .map_err(|e| e.to_string())?;
    same("value", &hash, &hex(c, "hash")?)?;
    let wide = AllowedRanges {
        mb: 1..=u64::MAX,
        cpu: 1..=256,
        cores: 1..=256,
    };
    pc.verify(&hash, &pass, &hex(c, "aad")?, 0, &wide)
        .map_err(|e| format!("verify: {e}"))
}

pub fn hash_passphrase_case(c: &Value) -> R {
    let pc = Passcrypt::with_pepper(&hex(c, "pepper")?);
    let eff = c
        .get("settings_effective")
        .ok_or("missing settings_effective")?;
    let s = settings(eff)?;
    let salt_size = uint(eff, "salt_size")?;
    let salt = hex(c, "fixed_salt")?;
    if salt.len() != salt_size {
        return Err("fixed_salt length differs from salt_size".into());
    }
    let ns = u(c, "fixed_timestamp_ns_since_2023")?;
    let hash = pc
        .hash_passphrase_with(&hex(c, "passphrase")?, &hex(c, "aad")?, s, &salt, ns)
        .map_err(|e| e.to_string())?;
    same("value", &hash, &hex(c, "hash")?)?;
    if hash.len() as u64 != u(c, "hash_len")? {
        return Err("hash_len differs".into());
    }
    pc.verify(
        &hash,
        &hex(c, "passphrase")?,
        &hex(c, "aad")?,
        0,
        &AllowedRanges::default(),
    )
    .map_err(|e| format!("verify: {e}"))
}

fn ranges(c: &Value) -> Result<AllowedRanges, String> {
    let mut r = AllowedRanges::default();
    let given = c.get("ranges").ok_or("missing ranges")?;
    for (key, slot) in [
        ("mb_allowed", &mut r.mb),
        ("cpu_allowed", &mut r.cpu),
        ("cores_allowed", &mut r.cores),
    ] {
        if let Some(pair) = given.get(key).and_then(Value::as_array) {
            let start = pair.first().and_then(Value::as_u64).ok_or("bad range")?;
            let stop = pair.get(1).and_then(Value::as_u64).ok_or("bad range")?;
            *slot = start..=stop.saturating_sub(1);
        }
    }
    Ok(r)
}

/// Whether our error is the reference's (class, and the message's parameter).
fn same_error(err: &Error, expected: &Value) -> R {
    let class = expected.get("error").and_then(Value::as_str).unwrap_or("");
    let message = expected
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("");
    let ok = match (class, err) {
        ("InvalidPassphrase", Error::InvalidPassphrase) => true,
        ("TimestampExpired", Error::TimestampExpired { .. }) => true,
        ("ResourceWarning", Error::ResourceNotAllowed { parameter, .. }) => {
            message.starts_with(&format!("The '{parameter}' parameter"))
        }
        ("ImproperPassphrase", Error::PassphraseTooShort { missing }) => {
            message.contains(&format!("at least {missing} more characters"))
        }
        ("ValueError", Error::MalformedHash) => message.contains("premature termination"),
        ("ValueError", Error::InvalidSaltSize { .. }) => message.starts_with("len(salt)"),
        ("ValueError", Error::InvalidMb { mb }) => message.starts_with(&format!("mb:{mb} ")),
        ("ValueError", Error::InvalidCpu { cpu }) => message.starts_with(&format!("cpu:{cpu} ")),
        ("ValueError", Error::InvalidCores { cores }) => {
            message.starts_with(&format!("cores:{cores} "))
        }
        ("ValueError", Error::InvalidTagSize { tag_size }) => {
            message.starts_with(&format!("tag_size:{tag_size} "))
        }
        ("ValueError", Error::InvalidSaltSizeSetting { salt_size }) => {
            message.starts_with(&format!("salt_size:{salt_size} "))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("got `{err}`, want {class}: {message:.60}"))
    }
}

pub fn verify_case(c: &Value) -> R {
    let pc = Passcrypt::with_pepper(&hex(c, "pepper")?);
    let ttl = u(c, "ttl")?;
    let got = pc.verify(
        &hex(c, "hash")?,
        &hex(c, "passphrase")?,
        &hex(c, "aad")?,
        ttl,
        &ranges(c)?,
    );
    match (c.get("result"), got) {
        (Some(Value::String(ok)), Ok(())) if ok == "ok" => Ok(()),
        (Some(Value::String(_)), Err(e)) => Err(format!("verify failed: {e}")),
        (Some(expected), Err(e)) => same_error(&e, expected),
        (_, Ok(())) => Err("verified; the reference refused".into()),
        (None, _) => Err("missing result".into()),
    }
}

/// An argument value: `{"hex"}` gives bytes; `{"str"}`/`{"float"}` cannot be
/// passed to the Rust API (compile-time type error), so the case is skipped.
fn arg_bytes(args: &Value, name: &str) -> Result<Vec<u8>, String> {
    match args.get(name) {
        Some(v) if v.get("hex").is_some() => hex(v, "hex"),
        Some(_) => Err(format!(
            "skip: `{name}` is not bytes; Rust's types reject it at compile time"
        )),
        None => Err(format!("missing `{name}`")),
    }
}

fn arg_u64(args: &Value, name: &str) -> Result<u64, String> {
    match args.get(name) {
        Some(v) if v.is_u64() => v.as_u64().ok_or_else(|| "bad int".into()),
        Some(_) => Err(format!(
            "skip: `{name}` is not a non-negative int; Rust's types reject it at compile time"
        )),
        None => Err(format!("missing `{name}`")),
    }
}

pub fn errors_case(c: &Value) -> R {
    let args = c.get("args").ok_or("missing args")?;
    let method = c.get("method").and_then(Value::as_str).unwrap_or("");
    let s = Settings {
        mb: arg_u64(args, "mb")?,
        cpu: arg_u64(args, "cpu")?,
        cores: arg_u64(args, "cores")?,
        tag_size: usize::try_from(arg_u64(args, "tag_size")?).map_err(|e| e.to_string())?,
    };
    let got = match method {
        "instance" => s.check_instance(
            usize::try_from(arg_u64(args, "salt_size")?).map_err(|e| e.to_string())?,
        ),
        "new" | "hash_passphrase" => {
            let pc = Passcrypt::with_pepper(&arg_bytes(args, "pepper")?);
            let (pass, aad) = (arg_bytes(args, "passphrase")?, arg_bytes(args, "aad")?);
            if method == "new" {
                pc.derive(&pass, &arg_bytes(args, "salt")?, &aad, s)
                    .map(drop)
            } else {
                let salt_size =
                    usize::try_from(arg_u64(args, "salt_size")?).map_err(|e| e.to_string())?;
                pc.hash_passphrase(&pass, &aad, s, salt_size).map(drop)
            }
        }
        other => return Err(format!("unknown method {other}")),
    };
    match got {
        Ok(()) => Err("accepted; the reference refused".into()),
        Err(e) => same_error(&e, c.get("result").ok_or("missing result")?),
    }
}

pub fn mnemonic_case(c: &Value, default_words: &[Value]) -> R {
    let custom: Option<Vec<Vec<u8>>> = match c.get("words") {
        Some(Value::String(s)) if s == "default" => None,
        Some(Value::Array(_)) => Some(hex_items(c, "words")?),
        _ => return Err("bad `words`".into()),
    };
    // The embedded list must be the file's list.
    let file_words: Vec<&str> = default_words.iter().filter_map(Value::as_str).collect();
    if file_words.as_slice() != aiootp_passcrypt::internal::WORD_LIST.as_slice() {
        return Err("embedded word list differs from constants.word_list".into());
    }
    let key = match c.get("random_key_patched_csprng") {
        Some(_) => hex(c, "random_key_patched_csprng")?,
        None => {
            let mut s = Settings::NEW_DEFAULTS;
            let given = c
                .get("passcrypt_settings")
                .ok_or("missing passcrypt_settings")?;
            for (k, slot) in [
                ("mb", &mut s.mb),
                ("cpu", &mut s.cpu),
                ("cores", &mut s.cores),
            ] {
                if let Some(v) = given.get(k).and_then(Value::as_u64) {
                    *slot = v;
                }
            }
            if let Some(t) = given.get("tag_size").and_then(Value::as_u64) {
                s.tag_size = usize::try_from(t).map_err(|e| e.to_string())?;
            }
            let salt = aiootp_passcrypt::mnemonic_salt(&hex(c, "salt")?);
            same("value", &salt, &hex(c, "passcrypt_salt_used")?)?;
            let key = Passcrypt::default()
                .derive(&hex(c, "passphrase")?, &salt, b"", s)
                .map_err(|e| e.to_string())?;
            same("value", key.expose(), &hex(c, "passcrypt_key")?)?;
            key.expose().to_vec()
        }
    };
    let refs: Option<Vec<&[u8]>> = custom
        .as_ref()
        .map(|w| w.iter().map(Vec::as_slice).collect());
    let got =
        mnemonic_from_key(&key, uint(c, "size")?, refs.as_deref()).map_err(|e| e.to_string())?;
    let want = hex_items(c, "out_hex")?;
    if got == want {
        Ok(())
    } else {
        Err("words differ".into())
    }
}
