//! The known-answer driver for the reference's database fixture folders
//! (`expected.json` with `"format": "aiootp-0.22.0-database-kat"`), shared
//! by the crate's tests and `cargo xtask kat`. It counts one case per node,
//! entry, file set, profile derivation and API vector, as the fixture
//! README defines them.

use crate::copy_to_temp;
use crate::fields::{hex as h, same, strs};
use aiootp_db::{
    Database, OpenMode, OpenOptions, ProfileSettings, Value, device_salt_file,
    generate_profile_existing,
};
use aiootp_passcrypt::Settings;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::Path;

/// One case's result: `Ok` or what failed.
pub type Case = (String, Result<(), String>);

type R = crate::fields::R;

fn files_in(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.insert(rel.to_string_lossy().into_owned());
            }
        }
    }
    out
}

/// Runs every case of the fixture whose `expected.json` is `expected`, on
/// a copy of its folder `fixture_dir`.
#[must_use]
pub fn run_fixture(fixture_dir: &Path, expected: &Json) -> Vec<Case> {
    let mut cases = Vec::new();
    let copy = match copy_to_temp(fixture_dir) {
        Ok(c) => c,
        Err(e) => return vec![("copy".into(), Err(e))],
    };
    for spec in expected
        .get("databases")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        run_database(&copy, spec, &mut cases);
    }
    let _ = std::fs::remove_dir_all(&copy);
    cases
}

fn run_database(root: &Path, spec: &Json, cases: &mut Vec<Case>) {
    let id = spec
        .get("id")
        .and_then(Json::as_str)
        .unwrap_or("?")
        .to_owned();
    let dir = root.join(spec.get("dir").and_then(Json::as_str).unwrap_or(""));
    let files_before = files_in(&dir);
    let opened = open(&dir, spec);
    if spec.get("profile").is_some() {
        cases.push((
            format!("{id}#profile"),
            opened.as_ref().map(drop).map_err(Clone::clone),
        ));
    }
    let count = |k: &str| spec.get(k).and_then(Json::as_array).map_or(0, Vec::len);
    let mut db = match opened {
        Ok(db) => db,
        Err(e) => {
            let n = count("nodes") + count("entries") + 1 + api_cases(spec);
            cases.extend((0..n).map(|i| {
                (
                    format!("{id}#{i}"),
                    Err(format!("database did not open: {e}")),
                )
            }));
            return;
        }
    };
    for (i, node) in spec
        .get("nodes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        cases.push((format!("{id}#nodes[{i}]"), check_node(&mut db, &dir, node)));
    }
    for (i, entry) in spec
        .get("entries")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        cases.push((
            format!("{id}#entries[{i}]"),
            check_entry(&mut db, &dir, entry),
        ));
    }
    let want: BTreeSet<String> = spec
        .get("files")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("name").and_then(Json::as_str).map(str::to_owned))
        .collect();
    let files_after = files_in(&dir);
    let files = if files_before != want {
        Err(format!(
            "file set differs: extra {:?}, missing {:?}",
            &files_before - &want,
            &want - &files_before
        ))
    } else if files_after != want {
        Err("opening and reading changed the file set".into())
    } else {
        Ok(())
    };
    cases.push((format!("{id}#files"), files));
    if let Some(kats) = spec.get("api_kats") {
        api_kats(&db, kats, &id, cases);
    }
}

fn api_cases(spec: &Json) -> usize {
    ["hmac", "user_kdf", "ciphers"]
        .iter()
        .map(|k| {
            spec.pointer(&format!("/api_kats/{k}"))
                .and_then(Json::as_array)
                .map_or(0, Vec::len)
        })
        .sum()
}

fn open(dir: &Path, spec: &Json) -> Result<Database, String> {
    let key = h(spec, "key_hex")?;
    let Some(p) = spec.get("profile") else {
        let options = OpenOptions {
            mode: OpenMode::Existing,
            ..OpenOptions::default()
        };
        return Database::open_with(&key, dir, options).map_err(|e| e.to_string());
    };
    let pc = p.get("passcrypt").ok_or("missing passcrypt")?;
    let u = |k: &str| {
        pc.get(k)
            .and_then(Json::as_u64)
            .ok_or(format!("missing passcrypt.{k}"))
    };
    let settings = ProfileSettings {
        passcrypt: Settings {
            mb: u("mb")?,
            cpu: u("cpu")?,
            cores: u("cores")?,
            tag_size: usize::try_from(u("tag_size")?).map_err(|e| e.to_string())?,
        },
        pepper: h(p, "passcrypt_pepper_hex")?.into(),
        ..ProfileSettings::default()
    };
    let creds: Vec<Vec<u8>> = p
        .get("credentials_hex")
        .and_then(Json::as_array)
        .ok_or("missing credentials")?
        .iter()
        .map(|c| {
            c.as_str()
                .and_then(aiootp_core::hex_to_bytes)
                .ok_or("bad credential")
        })
        .collect::<Result<_, _>>()?;
    let refs: Vec<&[u8]> = creds.iter().map(Vec::as_slice).collect();
    if p.get("device_salt_file").and_then(Json::as_str) != Some(device_salt_file().as_str()) {
        return Err("device salt file name differs".into());
    }
    let (db, profile) = generate_profile_existing(
        dir,
        &refs,
        &h(p, "username_hex")?,
        &h(p, "passphrase_hex")?,
        &h(p, "salt_hex")?,
        &h(p, "aad_hex")?,
        &settings,
    )
    .map_err(|e| e.to_string())?;
    same("gist", &profile.gist, &h(p, "gist_hex")?)?;
    same(
        "device salt",
        &profile.device_salt,
        &h(p, "device_salt_hex")?,
    )?;
    same(
        "profile salt",
        &profile.profile_salt,
        &h(p, "profile_salt_hex")?,
    )?;
    same("login key", profile.login_key.expose(), &key)?;
    if p.get("profile_salt_file").and_then(Json::as_str) != Some(profile.profile_salt_file.as_str())
    {
        return Err("profile salt file name differs".into());
    }
    Ok(db)
}

fn node<'a>(db: &'a mut Database, path: &Json) -> Result<&'a mut Database, String> {
    let mut n = db;
    for name in path
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
    {
        if !n.metatags().iter().any(|m| m == name) {
            return Err(format!("metatag {name:?} not listed"));
        }
        n = n.metatag(name).map_err(|e| e.to_string())?;
    }
    Ok(n)
}

fn check_node(db: &mut Database, dir: &Path, want: &Json) -> R {
    let n = node(db, want.get("metatag_path").ok_or("missing metatag_path")?)?;
    let text = |k: &str| want.get(k).and_then(Json::as_str).unwrap_or("");
    if n.root_filename() != text("root_filename")
        || n.root_salt_filename() != text("root_salt_filename")
    {
        return Err("root filenames differ".into());
    }
    if want.get("is_metatag").and_then(Json::as_bool) != Some(n.is_metatag()) {
        return Err("kind (metatag-style or top-level) differs".into());
    }
    same("root salt", n.root_salt(), &h(want, "root_salt_hex")?)?;
    let (r, s) = n.internal_keys();
    same("root kdf key", r, &h(want, "root_kdf_key_hex")?)?;
    same("salted kdf key", s, &h(want, "salted_kdf_key_hex")?)?;
    same(
        "user kdf key",
        n.kdf().internal_key(),
        &h(want, "user_kdf_key_hex")?,
    )?;
    if n.metatags().iter().cloned().collect::<BTreeSet<_>>() != strs(want, "metatags") {
        return Err("metatags differ".into());
    }
    if n.tags().map(str::to_owned).collect::<BTreeSet<_>>() != strs(want, "tags") {
        return Err("tags differ".into());
    }
    // The manifest's plaintext, decrypted here, against the parsed expectation.
    let ct = std::fs::read(dir.join(n.root_filename())).map_err(|e| e.to_string())?;
    let plain = aiootp_db::internal::decrypt_manifest(&h(want, "key_hex")?, &ct)
        .map_err(|e| e.to_string())?;
    let got: Json = serde_json::from_slice(&plain).map_err(|e| e.to_string())?;
    if Some(&got) != want.get("manifest") {
        return Err("manifest content differs".into());
    }
    Ok(())
}

fn check_entry(db: &mut Database, dir: &Path, e: &Json) -> R {
    let n = node(db, e.get("metatag_path").ok_or("missing metatag_path")?)?;
    let tag = e.get("tag").and_then(Json::as_str).ok_or("missing tag")?;
    let filename = e
        .get("filename")
        .and_then(Json::as_str)
        .ok_or("missing filename")?;
    if n.filename(tag) != filename {
        return Err("filename differs".into());
    }
    let size = std::fs::metadata(dir.join(filename))
        .map_err(|e| e.to_string())?
        .len();
    if Some(size) != e.get("file_size").and_then(Json::as_u64) {
        return Err("file size differs".into());
    }
    let value = n.query_tag(tag, false).map_err(|e| e.to_string())?;
    match (e.get("kind").and_then(Json::as_str), &value) {
        (Some("bytes"), Value::Bytes(b)) => {
            if Some(b.len() as u64) != e.get("len").and_then(Json::as_u64) {
                return Err("bytes length differs".into());
            }
            if e.get("hex").is_some() {
                same("bytes", b, &h(e, "hex")?)?;
            }
            if e.get("sha256").is_some() {
                use sha2::Digest;
                same("sha256", &sha2::Sha256::digest(b), &h(e, "sha256")?)?;
            }
            Ok(())
        }
        (Some("json"), Value::Json(_) | Value::RawJson(_)) => {
            // The exact text Python encrypted reads back (and would be rewritten) as is.
            let want = e
                .get("json_text")
                .and_then(Json::as_str)
                .ok_or("missing json_text")?;
            same("json text", &value.to_plaintext(), want.as_bytes())?;
            if let (Value::Json(v), Some(expected)) = (&value, e.get("value"))
                && !has_markers(expected)
                && v != expected
            {
                return Err("json value differs".into());
            }
            Ok(())
        }
        (kind, _) => Err(format!("value kind differs (want {kind:?})")),
    }
}

fn has_markers(v: &Json) -> bool {
    match v {
        Json::Object(m) => m.keys().any(|k| k.starts_with('$')) || m.values().any(has_markers),
        Json::Array(a) => a.iter().any(has_markers),
        _ => false,
    }
}

fn api_kats(db: &Database, kats: &Json, id: &str, cases: &mut Vec<Case>) {
    for (i, c) in kats
        .get("hmac")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let r = (|| {
            let data: Vec<Vec<u8>> = c
                .get("data_hex")
                .and_then(Json::as_array)
                .ok_or("missing data_hex")?
                .iter()
                .map(|d| {
                    d.as_str()
                        .and_then(aiootp_core::hex_to_bytes)
                        .ok_or("bad data")
                })
                .collect::<Result<_, _>>()?;
            let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
            let got = db
                .make_hmac(&refs, &h(c, "aad_hex")?)
                .map_err(|e| e.to_string())?;
            same("hmac", &got, &h(c, "hmac_hex")?)?;
            db.test_hmac(&got, &refs, &h(c, "aad_hex")?)
                .map_err(|e| e.to_string())
        })();
        cases.push((format!("{id}#hmac[{i}]"), r));
    }
    for (i, c) in kats
        .get("user_kdf")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let r = (|| {
            let ctx = h(c, "context_hex")?;
            let size = c
                .get("size")
                .and_then(Json::as_u64)
                .map(|s| usize::try_from(s).unwrap_or(0));
            let k = db.kdf();
            let got = match (c.get("method").and_then(Json::as_str), size) {
                (Some("sha3_256"), _) => k.sha3_256(&ctx).to_vec(),
                (Some("sha3_512"), _) => k.sha3_512(&ctx).to_vec(),
                (Some("shake_128"), Some(n)) => k.shake_128(n, &ctx).map_err(|e| e.to_string())?,
                (Some("shake_256"), Some(n)) => k.shake_256(n, &ctx).map_err(|e| e.to_string())?,
                (m, _) => return Err(format!("unknown method {m:?}")),
            };
            same("user kdf", &got, &h(c, "output_hex")?)
        })();
        cases.push((format!("{id}#user_kdf[{i}]"), r));
    }
    for (i, c) in kats
        .get("ciphers")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let r = (|| {
            let f = c
                .get("filename")
                .and_then(Json::as_str)
                .ok_or("missing filename")?;
            let aad = h(c, "aad_hex")?;
            match c.get("api").and_then(Json::as_str) {
                Some("bytes") => same(
                    "bytes",
                    &db.bytes_decrypt(&h(c, "ciphertext_hex")?, f, &aad, 0)
                        .map_err(|e| e.to_string())?,
                    &h(c, "plaintext_hex")?,
                ),
                Some("json") => {
                    let got: Json = db
                        .json_decrypt(&h(c, "ciphertext_hex")?, f, &aad, 0)
                        .map_err(|e| e.to_string())?;
                    let text = c
                        .get("plaintext_json_text")
                        .and_then(Json::as_str)
                        .ok_or("missing text")?;
                    let want: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
                    if got == want {
                        Ok(())
                    } else {
                        Err("json differs".into())
                    }
                }
                Some("token") => {
                    let t = c
                        .get("token")
                        .and_then(Json::as_str)
                        .ok_or("missing token")?;
                    same(
                        "token",
                        &db.read_token(t, f, &aad, 0).map_err(|e| e.to_string())?,
                        &h(c, "plaintext_hex")?,
                    )
                }
                other => Err(format!("unknown api {other:?}")),
            }
        })();
        cases.push((format!("{id}#ciphers[{i}]"), r));
    }
}
