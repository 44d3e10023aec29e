//! The database part of `cargo xtask interop`: random trees built on one
//! side and read on the other, both ways, plus the reference's own fixture
//! generator with a random seed read here, and a Rust rebuild of it checked
//! by the reference's `gen_database.py --verify`.

use crate::util::{self, Drbg};
use aiootp_core::python_dumps;
use aiootp_db::{Database, Value};
use serde_json::{Map, Value as Json, json};
use std::path::{Path, PathBuf};
use std::process::Command;

type Tree = Map<String, Json>;

fn random_tree(rng: &mut Drbg) -> Tree {
    let paths = ["", "m_alpha", "m_alpha/m_gamma", "m_\u{3b2}eta"];
    let mut nodes = Map::new();
    for p in paths.iter().take(1 + rng.index(paths.len())) {
        let mut tags = Map::new();
        for _ in 0..rng.index(8) {
            let name_len = rng.index(10);
            let tag: String = (0..name_len)
                .map(|_| ['a', 'Z', '7', ' ', '/', 'é', '中', '😀', '"'][rng.index(9)])
                .collect();
            let v = if rng.below(2) == 0 {
                let n = rng.index(600);
                json!({"bytes": hex::encode(rng.bytes(n))})
            } else {
                let value =
                    json!({"n": rng.below(1 << 40), "f": 1.5e-7, "s": tag, "l": [true, null, -3]});
                json!({"json": python_dumps(&value)})
            };
            tags.insert(tag, v);
        }
        nodes.insert((*p).to_owned(), Json::Object(tags));
    }
    nodes
}

fn node<'a>(db: &'a mut Database, path: &str) -> Result<&'a mut Database, String> {
    let mut n = db;
    for name in path.split('/').filter(|p| !p.is_empty()) {
        n = n.metatag(name).map_err(|e| e.to_string())?;
    }
    Ok(n)
}

fn encode(v: &Value) -> Json {
    match v {
        Value::Bytes(b) => json!({"bytes": hex::encode(b)}),
        other => json!({"json": String::from_utf8_lossy(&other.to_plaintext())}),
    }
}

fn build_rust(key: &[u8], tree: &Tree, dir: &Path) -> Result<(), String> {
    let mut db = Database::open(key, dir).map_err(|e| e.to_string())?;
    for (path, tags) in tree {
        let n = node(&mut db, path)?;
        for (tag, v) in tags.as_object().into_iter().flatten() {
            let value = match (v.get("bytes"), v.get("json")) {
                (Some(b), _) => {
                    Value::Bytes(hex::decode(b.as_str().unwrap_or("")).map_err(|e| e.to_string())?)
                }
                (_, Some(t)) => Value::Json(
                    serde_json::from_str(t.as_str().unwrap_or("null"))
                        .map_err(|e| e.to_string())?,
                ),
                _ => return Err("bad tree".into()),
            };
            n.set_tag(tag, value);
        }
    }
    db.save_database().map_err(|e| e.to_string())
}

fn dump_rust(key: &[u8], dir: &Path) -> Result<Tree, String> {
    fn walk(n: &mut Database, prefix: &str, out: &mut Tree) -> Result<(), String> {
        let mut tags = Map::new();
        for t in n.tags().map(str::to_owned).collect::<Vec<_>>() {
            tags.insert(
                t.clone(),
                encode(&n.query_tag(&t, false).map_err(|e| e.to_string())?),
            );
        }
        out.insert(prefix.to_owned(), Json::Object(tags));
        for m in n.metatags().to_vec() {
            let p = if prefix.is_empty() {
                m.clone()
            } else {
                format!("{prefix}/{m}")
            };
            walk(n.metatag(&m).map_err(|e| e.to_string())?, &p, out)?;
        }
        Ok(())
    }
    let mut db = Database::open_existing(key, dir).map_err(|e| e.to_string())?;
    let mut out = Map::new();
    walk(&mut db, "", &mut out)?;
    Ok(out)
}

/// Nodes the tree lists must read back with exactly these tags and values
/// (intermediate metatags that were only passed through may be empty).
fn compare(want: &Tree, got: &Tree) -> Result<(), String> {
    for (path, tags) in want {
        let g = got
            .get(path)
            .ok_or_else(|| format!("node {path:?} missing"))?;
        if g != tags {
            return Err(format!("node {path:?} differs"));
        }
    }
    Ok(())
}

fn python(py: &Path, args: &[&str]) -> Result<(), String> {
    let script = util::root().join("target/interop/interop_db.py");
    std::fs::write(&script, include_str!("interop_db.py")).map_err(|e| e.to_string())?;
    let out = Command::new(py)
        .arg(&script)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "reference: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ))
    }
}

fn fresh_dir(name: &str) -> Result<PathBuf, String> {
    let d = util::root().join("target/interop").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
    Ok(d)
}

/// Runs `rounds` random trees each way, then the fixture round trip.
pub fn run(py: &Path, rounds: usize, seed: &str) -> Result<(usize, usize, Vec<String>), String> {
    let mut rng = Drbg::new(format!("aiootp-interop-db:{seed}").as_bytes());
    let (mut passed, mut failed, mut failures) = (0, 0, Vec::new());
    let mut record = |name: String, r: Result<(), String>| match r {
        Ok(()) => passed += 1,
        Err(e) => {
            failed += 1;
            failures.push(format!("{name}: {e}"));
        }
    };
    for round in 0..rounds {
        let key = rng.bytes(64);
        let tree = random_tree(&mut rng);
        let spec = json!({"key": hex::encode(&key), "nodes": tree});
        let spec_path = util::root().join("target/interop/db-spec.json");
        std::fs::write(&spec_path, spec.to_string()).map_err(|e| e.to_string())?;
        let sp = spec_path.to_string_lossy().into_owned();
        // Rust builds, the reference reads.
        let dir = fresh_dir("db-rust")?;
        let r = build_rust(&key, &tree, &dir).and_then(|()| {
            let out = util::root().join("target/interop/db-dump.json");
            python(
                py,
                &["dump", &sp, &dir.to_string_lossy(), &out.to_string_lossy()],
            )?;
            let got: Tree =
                serde_json::from_slice(&std::fs::read(&out).map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string())?;
            compare(&tree, &got)
        });
        record(format!("db round {round} rust→python"), r);
        // The reference builds, Rust reads.
        let dir = fresh_dir("db-python")?;
        let r = python(py, &["build", &sp, &dir.to_string_lossy()])
            .and_then(|()| compare(&tree, &dump_rust(&key, &dir)?));
        record(format!("db round {round} python→rust"), r);
    }
    // The reference's fixture generator with a fresh seed, read here...
    let py_fixture = fresh_dir("db-fixture-python")?;
    let status = Command::new(py)
        .arg(util::shared().join("kat/gen_database.py"))
        .args(["--seed", seed, "--force", "--out"])
        .arg(&py_fixture)
        .output()
        .map_err(|e| e.to_string())?;
    if !status.status.success() {
        return Err(format!(
            "gen_database.py failed: {}",
            String::from_utf8_lossy(&status.stderr)
        ));
    }
    let expected: Json = serde_json::from_slice(
        &std::fs::read(py_fixture.join("expected.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    for (id, r) in aiootp_kat::db::run_fixture(&py_fixture, &expected) {
        record(format!("python fixture {id}"), r);
    }
    // ...and rebuilt by Rust, checked by the reference.
    let rust_fixture = fresh_dir("db-fixture-rust")?;
    let r = crate::db_fixture::write(&py_fixture, &rust_fixture).and_then(|()| {
        let out = Command::new(py)
            .arg(util::shared().join("kat/gen_database.py"))
            .arg("--verify")
            .arg(&rust_fixture)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stdout).into_owned())
        }
    });
    record("rust fixture verified by the reference".into(), r);
    Ok((passed, failed, failures))
}
