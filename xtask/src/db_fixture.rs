//! Writes a database fixture folder with Rust, for the reference's
//! `gen_database.py --verify`: the databases of a source fixture are rebuilt
//! here (same keys, tags, values, metatags and profile credentials; fresh
//! salts), and `expected.json` is rewritten with every value that depends
//! on them, derived by Rust.

use aiootp_db::internal::tmp_key;
use aiootp_db::{Database, OpenMode, OpenOptions, ProfileSettings, generate_profile};
use aiootp_passcrypt::Settings;
use serde_json::{Value as Json, json};
use std::path::Path;

fn h(v: &Json, k: &str) -> Result<Vec<u8>, String> {
    v.get(k)
        .and_then(Json::as_str)
        .and_then(|s| hex::decode(s).ok())
        .ok_or_else(|| format!("missing {k}"))
}

fn path_of(v: &Json) -> Vec<String> {
    v.get("metatag_path")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect()
}

fn walk<'a>(db: &'a mut Database, path: &[String]) -> Result<&'a mut Database, String> {
    let mut n = db;
    for name in path {
        n = n.metatag(name).map_err(|e| e.to_string())?;
    }
    Ok(n)
}

/// Rebuilds `source` (a fixture folder) into `out` and writes `out/expected.json`.
pub fn write(source: &Path, out: &Path) -> Result<(), String> {
    let mut expected: Json = serde_json::from_slice(
        &std::fs::read(source.join("expected.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let copy = aiootp_kat::copy_to_temp(source)?;
    let dbs = expected
        .get_mut("databases")
        .and_then(Json::as_array_mut)
        .ok_or("no databases")?;
    for spec in dbs.iter_mut() {
        rebuild(&copy, out, spec)?;
    }
    std::fs::write(
        out.join("expected.json"),
        serde_json::to_vec_pretty(&expected).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&copy);
    Ok(())
}

fn open_source(dir: &Path, spec: &Json) -> Result<Database, String> {
    let options = OpenOptions {
        mode: OpenMode::Existing,
        metatag: spec.get("profile").is_some(),
        ..OpenOptions::default()
    };
    Database::open_with(&h(spec, "key_hex")?, dir, options).map_err(|e| e.to_string())
}

fn rebuild(source_root: &Path, out_root: &Path, spec: &mut Json) -> Result<(), String> {
    let dir_name = spec
        .get("dir")
        .and_then(Json::as_str)
        .ok_or("missing dir")?
        .to_owned();
    let mut src = open_source(&source_root.join(&dir_name), spec)?;
    let out_dir = out_root.join(&dir_name);
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    // The new database: the same key, or a new profile from the same credentials.
    let mut db = match spec.get("profile").cloned() {
        None => Database::create(&h(spec, "key_hex")?, &out_dir).map_err(|e| e.to_string())?,
        Some(p) => {
            let pc = p.get("passcrypt").ok_or("missing passcrypt")?;
            let u = |k: &str| pc.get(k).and_then(Json::as_u64).ok_or("bad passcrypt");
            let settings = ProfileSettings {
                passcrypt: Settings {
                    mb: u("mb")?,
                    cpu: u("cpu")?,
                    cores: u("cores")?,
                    tag_size: u("tag_size")? as usize,
                },
                ..ProfileSettings::default()
            };
            let creds: Vec<Vec<u8>> = p["credentials_hex"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().and_then(|s| hex::decode(s).ok()))
                .collect();
            let refs: Vec<&[u8]> = creds.iter().map(Vec::as_slice).collect();
            let (pass, user) = (h(&p, "passphrase_hex")?, h(&p, "username_hex")?);
            let (db, profile) = generate_profile(
                &out_dir,
                &refs,
                &user,
                &pass,
                &h(&p, "salt_hex")?,
                &h(&p, "aad_hex")?,
                &settings,
            )
            .map_err(|e| e.to_string())?;
            let pr = spec["profile"].as_object_mut().ok_or("bad profile")?;
            pr.insert(
                "device_salt_hex".into(),
                json!(hex::encode(&profile.device_salt[..])),
            );
            pr.insert(
                "profile_salt_hex".into(),
                json!(hex::encode(&profile.profile_salt[..])),
            );
            pr.insert("profile_salt_file".into(), json!(profile.profile_salt_file));
            pr.insert("gist_hex".into(), json!(hex::encode(profile.gist)));
            pr.insert(
                "tmp_key_hex".into(),
                json!(hex::encode(
                    &tmp_key(&profile.gist, &pass).map_err(|e| e.to_string())?[..]
                )),
            );
            pr.insert(
                "login_key_hex".into(),
                json!(hex::encode(profile.login_key.expose())),
            );
            spec["key_hex"] = json!(hex::encode(profile.login_key.expose()));
            db
        }
    };
    // Metatags first, in each node's manifest order, then tags in manifest order.
    let nodes: Vec<Json> = spec["nodes"].as_array().cloned().unwrap_or_default();
    for n in &nodes {
        let path = path_of(n);
        let source = walk(&mut src, &path)?;
        let names = source.metatags().to_vec();
        let tags: Vec<String> = source.tags().map(str::to_owned).collect();
        let mut values = Vec::new();
        for t in &tags {
            values.push((
                t.clone(),
                source.query_tag(t, false).map_err(|e| e.to_string())?,
            ));
        }
        let target = walk(&mut db, &path)?;
        for name in &names {
            target.metatag(name).map_err(|e| e.to_string())?;
        }
        for (t, v) in values {
            target.set_tag(&t, v);
        }
    }
    db.save_database().map_err(|e| e.to_string())?;
    describe(&mut db, &out_dir, spec)
}

/// Rewrites the derived fields of `spec` from the new database.
fn describe(db: &mut Database, dir: &Path, spec: &mut Json) -> Result<(), String> {
    let top_key = h(spec, "key_hex")?;
    let mut files = Vec::new();
    if let Some(p) = spec.get("profile") {
        for (k, role) in [
            ("device_salt_file", "device_salt"),
            ("profile_salt_file", "profile_salt"),
        ] {
            let name = p.get(k).and_then(Json::as_str).unwrap_or("").to_owned();
            let size = std::fs::metadata(dir.join(&name))
                .map_err(|e| e.to_string())?
                .len();
            files.push(json!({"name": name, "role": role, "size": size}));
        }
    }
    let nodes = spec["nodes"].as_array_mut().ok_or("bad nodes")?;
    for n in nodes.iter_mut() {
        let path = path_of(n);
        // The node key: the top key, or the parent's metatag_key(name).
        let mut key = top_key.clone();
        {
            let mut cur: &mut Database = db;
            for name in &path {
                key = cur
                    .metatag_key(name)
                    .map_err(|e| e.to_string())?
                    .expose()
                    .to_vec();
                cur = cur.metatag(name).map_err(|e| e.to_string())?;
            }
        }
        let node = walk(db, &path)?;
        let (r, s) = node.internal_keys();
        let ct = std::fs::read(dir.join(node.root_filename())).map_err(|e| e.to_string())?;
        let manifest_text =
            aiootp_db::internal::decrypt_manifest(&key, &ct).map_err(|e| e.to_string())?;
        let manifest: Json = serde_json::from_slice(&manifest_text).map_err(|e| e.to_string())?;
        n["key_hex"] = json!(hex::encode(&key));
        n["root_kdf_key_hex"] = json!(hex::encode(r));
        n["salted_kdf_key_hex"] = json!(hex::encode(s));
        n["user_kdf_key_hex"] = json!(hex::encode(node.kdf().internal_key()));
        n["root_filename"] = json!(node.root_filename());
        n["root_salt_filename"] = json!(node.root_salt_filename());
        n["root_salt_hex"] = json!(hex::encode(node.root_salt()));
        n["manifest_json_text"] = json!(String::from_utf8_lossy(&manifest_text));
        n["manifest"] = manifest;
        let mut ff = vec![(node.root_filename().to_owned(), "manifest")];
        if !node.is_metatag() {
            n["root_salt_json_text"] = json!(format!("\"{}\"", hex::encode(node.root_salt())));
            ff.push((node.root_salt_filename().to_owned(), "root_salt"));
        }
        for (name, role) in ff {
            let size = std::fs::metadata(dir.join(&name))
                .map_err(|e| e.to_string())?
                .len();
            files.push(json!({"name": name, "role": role, "size": size, "metatag_path": path}));
        }
    }
    for e in spec["entries"]
        .as_array_mut()
        .ok_or("bad entries")?
        .iter_mut()
    {
        let path = path_of(e);
        let tag = e["tag"].as_str().unwrap_or("").to_owned();
        let node = walk(db, &path)?;
        let filename = node.filename(&tag);
        let size = std::fs::metadata(dir.join(&filename))
            .map_err(|e| e.to_string())?
            .len();
        e["filename"] = json!(filename);
        e["file_size"] = json!(size);
        files.push(json!({"name": filename, "role": "tag", "size": size, "metatag_path": path, "tag": tag}));
    }
    files.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    spec["files"] = Json::Array(files);
    if let Some(kats) = spec.get_mut("api_kats") {
        rewrite_api_kats(db, kats)?;
    }
    Ok(())
}

fn rewrite_api_kats(db: &Database, kats: &mut Json) -> Result<(), String> {
    for c in kats["hmac"].as_array_mut().into_iter().flatten() {
        let data: Vec<Vec<u8>> = c["data_hex"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().and_then(|s| hex::decode(s).ok()))
            .collect();
        let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        c["hmac_hex"] = json!(hex::encode(
            db.make_hmac(&refs, &h(c, "aad_hex")?)
                .map_err(|e| e.to_string())?
        ));
    }
    for c in kats["user_kdf"].as_array_mut().into_iter().flatten() {
        let ctx = h(c, "context_hex")?;
        let k = db.kdf();
        let size = c["size"].as_u64().unwrap_or(0) as usize;
        let out = match c["method"].as_str() {
            Some("sha3_256") => k.sha3_256(&ctx).to_vec(),
            Some("sha3_512") => k.sha3_512(&ctx).to_vec(),
            Some("shake_128") => k.shake_128(size, &ctx).map_err(|e| e.to_string())?,
            _ => k.shake_256(size, &ctx).map_err(|e| e.to_string())?,
        };
        c["output_hex"] = json!(hex::encode(out));
    }
    for c in kats["ciphers"].as_array_mut().into_iter().flatten() {
        let f = c["filename"].as_str().unwrap_or("").to_owned();
        let aad = h(c, "aad_hex")?;
        match c["api"].as_str() {
            Some("bytes") => {
                c["ciphertext_hex"] = json!(hex::encode(
                    db.bytes_encrypt(&h(c, "plaintext_hex")?, &f, &aad)
                        .map_err(|e| e.to_string())?
                ))
            }
            Some("json") => {
                let v: Json =
                    serde_json::from_str(c["plaintext_json_text"].as_str().unwrap_or("null"))
                        .map_err(|e| e.to_string())?;
                c["ciphertext_hex"] = json!(hex::encode(
                    db.json_encrypt(&v, &f, &aad).map_err(|e| e.to_string())?
                ));
            }
            _ => {
                c["token"] = json!(
                    db.make_token(&h(c, "plaintext_hex")?, &f, &aad)
                        .map_err(|e| e.to_string())?
                )
            }
        }
        c["effective_aad_hex"] = json!(hex::encode(aiootp_db::internal::file_aad(&f, &aad)));
    }
    Ok(())
}
