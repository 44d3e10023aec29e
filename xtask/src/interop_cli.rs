//! The CLI part of `cargo xtask interop`: `aiootp encrypt` output decrypts
//! in the reference, and the reference's ciphertexts decrypt with
//! `aiootp decrypt`, on random keys, aads and sizes.

use crate::util::{self, Drbg};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const SIZES: &[usize] = &[0, 1, 235, 236, 5000, 1_200_000];

fn cli() -> Result<std::path::PathBuf, String> {
    util::run(
        "cargo",
        &["build", "--quiet", "--release", "-p", "aiootp-cli"],
    )?;
    Ok(util::root().join("target/release/aiootp"))
}

fn run_cli(exe: &Path, args: &[&str], stdin: &[u8]) -> Result<Vec<u8>, String> {
    run_cli_env(exe, args, stdin, &[])
}

/// [`run_cli`] with more environment variables.
fn run_cli_env(
    exe: &Path,
    args: &[&str],
    stdin: &[u8],
    env: &[(&str, String)],
) -> Result<Vec<u8>, String> {
    let mut child = Command::new(exe)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let _ = child.stdin.take().ok_or("no stdin")?.write_all(stdin);
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn python(py: &Path, code: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(py)
        .args(["-c", code])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_owned())
    }
}

const DECRYPT: &str = "import sys, aiootp\nk, a, c, p = sys.argv[1:]\npt = aiootp.bytes_decrypt(open(c, 'rb').read(), open(k, 'rb').read(), aad=a.encode())\nassert pt == open(p, 'rb').read(), 'plaintext differs'";
const READ_ARMOR: &str = "import sys, aiootp\nk, a, c, p = sys.argv[1:]\npt = aiootp.Chunky2048(open(k, 'rb').read()).read_token(open(c, 'rb').read(), aad=a.encode())\nassert pt == open(p, 'rb').read(), 'plaintext differs'";
const MAKE_TOKEN: &str = "import sys, aiootp\nk, a, p, c = sys.argv[1:]\nopen(c, 'wb').write(aiootp.Chunky2048(open(k, 'rb').read()).make_token(open(p, 'rb').read(), aad=a.encode()))";
/// Reads tag `v` of the database at `argv[2]` and checks `json.dumps` of it.
const DB_READ: &str = "import sys, json, aiootp\nk, p, want = sys.argv[1:]\ndb = aiootp.Database(open(k, 'rb').read(), path=p)\ngot = json.dumps(db.query_tag('v'))\nassert got == want, f'{got!r} != {want!r}'";
/// Stores `json.loads(text)` as tag `w` of the database at `argv[2]`.
const DB_WRITE: &str = "import sys, json, aiootp\nk, p, text = sys.argv[1:]\ndb = aiootp.Database(open(k, 'rb').read(), path=p)\ndb['w'] = json.loads(text)\ndb.save_database()";
const ENCRYPT: &str = "import sys, aiootp\nk, a, p, c = sys.argv[1:]\nopen(c, 'wb').write(aiootp.bytes_encrypt(open(p, 'rb').read(), open(k, 'rb').read(), aad=a.encode()))";

/// Counts one check: a pass, or a failure described by `what`.
fn record(
    r: Result<(), String>,
    what: impl FnOnce(String) -> String,
    passed: &mut usize,
    failed: &mut usize,
    failures: &mut Vec<String>,
) {
    match r {
        Ok(()) => *passed += 1,
        Err(e) => {
            *failed += 1;
            failures.push(what(e));
        }
    }
}

pub fn run(py: &Path, seed: &str) -> Result<(usize, usize, Vec<String>), String> {
    let exe = cli()?;
    let dir = util::root().join("target/interop/cli");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut rng = Drbg::new(format!("aiootp-interop-cli:{seed}").as_bytes());
    let (mut passed, mut failed, mut failures) = (0, 0, Vec::new());
    for (i, &size) in SIZES.iter().enumerate() {
        let (key, plain, ct) = (dir.join("key"), dir.join("plain"), dir.join("ct"));
        let key_len = 64 + rng.index(100);
        std::fs::write(&key, rng.bytes(key_len)).map_err(|e| e.to_string())?;
        std::fs::write(&plain, rng.bytes(size)).map_err(|e| e.to_string())?;
        let aad = format!("aad-{}", rng.below(1000));
        let s = |p: &Path| p.to_string_lossy().into_owned();
        let (k, c, p) = (s(&key), s(&ct), s(&plain));
        // The binary form against bytes_encrypt/bytes_decrypt, and the
        // armored form against make_token/read_token.
        for (form, flags, py_read, py_write) in [
            ("", &[][..], DECRYPT, ENCRYPT),
            (" --armor", &["--armor"][..], READ_ARMOR, MAKE_TOKEN),
        ] {
            let mut args = vec!["encrypt", "--key-file", &k, "--aad", &aad, "-f", "-o", &c];
            args.extend_from_slice(flags);
            args.push(&p);
            let r =
                run_cli(&exe, &args, b"").and_then(|_| python(py, py_read, &[&k, &aad, &c, &p]));
            record(
                r,
                |e| format!("cli encrypt{form} → python, size {size} (#{i}): {e}"),
                &mut passed,
                &mut failed,
                &mut failures,
            );
            let r = python(py, py_write, &[&k, &aad, &p, &c]).and_then(|()| {
                let out = run_cli(&exe, &["decrypt", "--key-file", &k, "--aad", &aad, &c], b"")?;
                if out == std::fs::read(&plain).map_err(|e| e.to_string())? {
                    Ok(())
                } else {
                    Err("plaintext differs".into())
                }
            });
            record(
                r,
                |e| format!("python{form} → cli decrypt, size {size} (#{i}): {e}"),
                &mut passed,
                &mut failed,
                &mut failures,
            );
        }
    }
    // Database values stored exactly as the reference stores json.loads(text).
    let key = dir.join("key");
    let db = dir.join("exact-db");
    let _ = std::fs::remove_dir_all(&db);
    std::fs::create_dir_all(&db).map_err(|e| e.to_string())?;
    let (k, p) = (
        key.to_string_lossy().into_owned(),
        db.to_string_lossy().into_owned(),
    );
    for (text, dumped) in [
        ("18446744073709551616", "18446744073709551616"),
        ("[-0, 1e309, -Infinity]", "[0, Infinity, -Infinity]"),
        ("NaN", "NaN"),
        ("\"\\ud800x\"", "\"\\ud800x\""),
        ("{\"a\":1,\"a\":2}", "{\"a\": 2}"),
    ] {
        let r = run_cli(
            &exe,
            &["db", "--path", &p, "--key-file", &k, "set", "v", text],
            b"",
        )
        .and_then(|_| python(py, DB_READ, &[&k, &p, dumped]))
        .and_then(|()| python(py, DB_WRITE, &[&k, &p, text]))
        .and_then(|()| {
            run_cli(
                &exe,
                &["db", "--path", &p, "--key-file", &k, "get", "w"],
                b"",
            )
        })
        .and_then(|out| {
            if out == format!("{dumped}\n").into_bytes() {
                Ok(())
            } else {
                Err(format!(
                    "cli get printed {:?}",
                    String::from_utf8_lossy(&out)
                ))
            }
        });
        record(
            r,
            |e| format!("db value {text} both ways: {e}"),
            &mut passed,
            &mut failed,
            &mut failures,
        );
    }
    let mut tally = |r: Result<(), String>, what: String| {
        record(
            r,
            |e| format!("{what}: {e}"),
            &mut passed,
            &mut failed,
            &mut failures,
        );
    };
    passphrase_files(&exe, py, &dir, &mut rng, &mut tally)?;
    profiles(&exe, py, &dir, &mut rng, &mut tally)?;
    database_crypto(&exe, py, &dir, &mut rng, &mut tally)?;
    server_round_trips(&exe, py, &dir, &mut rng, &mut tally)?;
    Ok((passed, failed, failures))
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn same_file(path: &Path, want: &[u8]) -> Result<(), String> {
    if std::fs::read(path).map_err(|e| e.to_string())? == want {
        Ok(())
    } else {
        Err("plaintext differs".into())
    }
}

/// The Python of docs/passphrase-files.md, run as documented, then a driver:
/// `dec PW AAD CT PLAIN` checks a file the CLI wrote, `enc PW AAD PLAIN CT`
/// writes one for the CLI.
fn passphrase_driver() -> Result<String, String> {
    let mut code = util::python_blocks("docs/passphrase-files.md")?.join("\n");
    code.push_str(
        "\nimport sys\nmode, pw, a, x, y = sys.argv[1:]\npw = open(pw, 'rb').read().rstrip(b'\\n')\n\
         if mode == 'dec':\n    assert decrypt_passphrase_file(open(x, 'rb').read(), pw, a.encode()) == open(y, 'rb').read(), 'plaintext differs'\n\
         else:\n    open(y, 'wb').write(encrypt_passphrase_file(open(x, 'rb').read(), pw, a.encode(), mb=1, cpu=1, cores=2))\n",
    );
    Ok(code)
}

/// `encrypt -p` read by the documented Python lines, and the reverse.
fn passphrase_files(
    exe: &Path,
    py: &Path,
    dir: &Path,
    rng: &mut Drbg,
    tally: &mut impl FnMut(Result<(), String>, String),
) -> Result<(), String> {
    let code = passphrase_driver()?;
    let (pw, plain, ct) = (dir.join("pw"), dir.join("plain"), dir.join("ct"));
    for (i, size) in [0usize, 1, 5000, 300_000].into_iter().enumerate() {
        let pass = format!("{}\n", hex::encode(rng.bytes(12)));
        std::fs::write(&pw, pass).map_err(|e| e.to_string())?;
        std::fs::write(&plain, rng.bytes(size)).map_err(|e| e.to_string())?;
        let aad = format!("aad-{}", rng.below(1000));
        let armor = i % 2 == 1;
        let (w, p, c) = (s(&pw), s(&plain), s(&ct));
        let mut args = vec![
            "encrypt",
            "--passphrase-file",
            &w,
            "--mb",
            "2",
            "--cpu",
            "1",
            "--cores",
            "1",
            "--aad",
            &aad,
            "-f",
            "-o",
            &c,
        ];
        if armor {
            args.push("--armor");
        }
        args.push(&p);
        let r =
            run_cli(exe, &args, b"").and_then(|_| python(py, &code, &["dec", &w, &aad, &c, &p]));
        tally(
            r,
            format!("passphrase file (armor {armor}) cli → python, size {size}"),
        );
        let r = python(py, &code, &["enc", &w, &aad, &p, &c]).and_then(|()| {
            let out = run_cli(
                exe,
                &["decrypt", "--passphrase-file", &w, "--aad", &aad, &c],
                b"",
            )?;
            same_file(&plain, &out)
        });
        tally(r, format!("passphrase file python → cli, size {size}"));
    }
    Ok(())
}

/// Opens (`argv`: path, username, passphrase, salt hex, aad, mb, cpu,
/// cores, then credentials) the reference's profile, checks `json.dumps`
/// of tag `q` against `WANT` (unless empty) and sets tag `p` to `json.loads(SET)`.
const PROFILE: &str = "import sys, json, aiootp\n\
path, user, pw, salt, aad, mb, cpu, cores, want, set_, *creds = sys.argv[1:]\n\
db = aiootp.Database.generate_profile(*[c.encode() for c in creds], username=user.encode(), passphrase=pw.encode(), salt=bytes.fromhex(salt), aad=aad.encode(), mb=int(mb), cpu=int(cpu), cores=int(cores), path=path)\n\
if want:\n    got = json.dumps(db.query_tag('q'))\n    assert got == want, f'{got!r} != {want!r}'\n\
if set_:\n    db['p'] = json.loads(set_)\n    db.save_database()\n";

/// Profiles with credentials, salts, aads and Passcrypt settings: made by
/// the reference and opened by the CLI, and the reverse.
fn profiles(
    exe: &Path,
    py: &Path,
    dir: &Path,
    rng: &mut Drbg,
    tally: &mut impl FnMut(Result<(), String>, String),
) -> Result<(), String> {
    for round in 0..3 {
        let folder = dir.join(format!("profile-{round}"));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
        let user = format!("user-{}", rng.below(1 << 20));
        let pass = hex::encode(rng.bytes(10));
        let pw = dir.join("profile-pw");
        std::fs::write(&pw, format!("{pass}\n")).map_err(|e| e.to_string())?;
        let salt_len = rng.index(3) * 8;
        let salt = hex::encode(rng.bytes(salt_len));
        let aad = format!("aad {}", rng.below(100));
        let (mb, cpu, cores) = (
            (1 + rng.below(3)).to_string(),
            (1 + rng.below(2)).to_string(),
            (1 + rng.below(2)).to_string(),
        );
        let creds: Vec<String> = (0..rng.index(3))
            .map(|i| format!("cred{i}-{}", rng.below(99)))
            .collect();
        let value = format!("[{}, \"v\", 18446744073709551616]", rng.below(1000));
        let f = s(&folder);
        let mut py_args: Vec<&str> =
            vec![&f, &user, &pass, &salt, &aad, &mb, &cpu, &cores, "", &value];
        py_args.extend(creds.iter().map(String::as_str));
        let w = s(&pw);
        let mut cli: Vec<&str> = vec![
            "db",
            "--path",
            &f,
            "--profile",
            &user,
            "--passphrase-file",
            &w,
            "--mb",
            &mb,
            "--cpu",
            &cpu,
            "--cores",
            &cores,
            "--aad",
            &aad,
        ];
        if !salt.is_empty() {
            cli.extend(["--salt-hex", salt.as_str()]);
        }
        for c in &creds {
            cli.extend(["--credential", c.as_str()]);
        }
        // The reference makes it and sets p; the CLI reads p and sets q.
        let r = python(py, PROFILE, &py_args).and_then(|()| {
            let out = run_cli(exe, &[&cli[..], &["get", "p"]].concat(), b"")?;
            if out != format!("{value}\n").into_bytes() {
                return Err(format!(
                    "cli get p printed {:?}",
                    String::from_utf8_lossy(&out)
                ));
            }
            Ok(())
        });
        tally(
            r,
            format!(
                "profile round {round} python → cli ({} credentials)",
                creds.len()
            ),
        );
        let r = run_cli(exe, &[&cli[..], &["set", "q", &value]].concat(), b"").and_then(|_| {
            py_args[8] = &value;
            py_args[9] = "";
            python(py, PROFILE, &py_args)
        });
        tally(r, format!("profile round {round} cli → python"));
    }
    Ok(())
}

/// `k, p, mode, tag, json_text`: `write` stores json.loads(text) as tag
/// (and the same in metatag `m`); `check` compares json.dumps of both.
const PY_TREE: &str = "import sys, json, aiootp\n\
k, p, mode, tag, text = sys.argv[1:]\n\
db = aiootp.Database(open(k, 'rb').read(), path=p)\n\
if mode == 'write':\n    db[tag] = json.loads(text)\n    db.metatag('m')[tag] = json.loads(text)\n    db.save_database()\n\
else:\n    for node in (db, db.metatag('m')):\n        got = json.dumps(node.query_tag(tag))\n        assert got == json.dumps(json.loads(text)), f'{got!r} != {text!r}'\n";

/// A database through PostgreSQL and through an S3 server, and the
/// reference: a folder the reference wrote, imported into the server,
/// reads back exactly; one saved on the server and exported opens in the
/// reference exactly.
fn server_round_trips(
    exe: &Path,
    py: &Path,
    dir: &Path,
    rng: &mut Drbg,
    tally: &mut impl FnMut(Result<(), String>, String),
) -> Result<(), String> {
    let skip = |what: &str, e: String| -> Result<(), String> {
        if std::env::var_os("AIOOTP_REQUIRE_ALL").is_none() {
            eprintln!("interop: skipped the {what} rounds: {e}");
            Ok(())
        } else {
            Err(format!("{what} is required (AIOOTP_REQUIRE_ALL): {e}"))
        }
    };
    match aiootp_testserver::PgServer::start() {
        Ok(pg) => {
            let url = pg.url();
            let base = |round: usize, n: u64| {
                vec![
                    "--url".to_owned(),
                    url.clone(),
                    "--namespace".to_owned(),
                    format!("interop-{round}-{n}"),
                ]
            };
            engine_round_trips("postgres", &base, &[], exe, py, dir, rng, tally)?;
        }
        Err(e) => skip("PostgreSQL", e)?,
    }
    match aiootp_testserver::S3Server::start() {
        Ok(s3) => {
            let base = |round: usize, n: u64| {
                vec!["--url".to_owned(), s3.url(&format!("interop-{round}-{n}"))]
            };
            engine_round_trips("s3", &base, &s3.env(), exe, py, dir, rng, tally)?;
        }
        Err(e) => skip("the S3 test server", e)?,
    }
    Ok(())
}

/// The rounds of [`server_round_trips`] on one engine: `place` gives the
/// `db` options that name round `round`'s database.
#[allow(clippy::too_many_arguments)]
fn engine_round_trips(
    engine: &str,
    place: &dyn Fn(usize, u64) -> Vec<String>,
    env: &[(&str, String)],
    exe: &Path,
    py: &Path,
    dir: &Path,
    rng: &mut Drbg,
    tally: &mut impl FnMut(Result<(), String>, String),
) -> Result<(), String> {
    let key = dir.join(format!("{engine}-key"));
    std::fs::write(&key, rng.bytes(64)).map_err(|e| e.to_string())?;
    let k = s(&key);
    let values = [
        "18446744073709551616",
        "[NaN, -0.0, 1e309, \"\\ud800\"]",
        "{\"a\": {\"b\": [1, 2.5, null, true]}}",
    ];
    for (round, text) in values.iter().enumerate() {
        let tag = format!("v{round}-{}", rng.below(1000));
        let where_ = place(round, rng.below(1 << 30));
        // The reference writes a folder; the CLI imports it and reads it.
        let folder = dir.join(format!("{engine}-ref-{round}"));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
        let f = s(&folder);
        let mut base: Vec<&str> = vec!["db"];
        base.extend(where_.iter().map(String::as_str));
        base.extend(["--key-file", k.as_str()]);
        let cli = |args: &[&str]| run_cli_env(exe, &[&base[..], args].concat(), b"", env);
        let r = python(py, PY_TREE, &[&k, &f, "write", &tag, text]).and_then(|()| {
            cli(&["import", "--from", &f])?;
            for meta in [&[][..], &["--metatag", "m"][..]] {
                let got = cli(&[meta, &["get", &tag]].concat())?;
                let normal = aiootp_core::python_json_normalize(text).map_err(|e| e.to_string())?;
                if got != format!("{normal}\n").into_bytes() {
                    return Err(format!(
                        "cli get printed {:?}",
                        String::from_utf8_lossy(&got)
                    ));
                }
            }
            Ok(())
        });
        tally(
            r,
            format!("{engine} round {round}: reference folder → import → cli get"),
        );
        // The CLI saves on the server; the export opens in the reference.
        let out = dir.join(format!("{engine}-export-{round}"));
        let _ = std::fs::remove_dir_all(&out);
        let tag2 = format!("{tag}-cli");
        let r = cli(&["set", &tag2, text])
            .and_then(|_| cli(&["--metatag", "m", "set", &tag2, text]))
            .and_then(|_| cli(&["export", "--to", &s(&out)]))
            .and_then(|_| python(py, PY_TREE, &[&k, &s(&out), "check", &tag2, text]));
        tally(
            r,
            format!("{engine} round {round}: cli set → export → reference"),
        );
    }
    Ok(())
}

/// `k, p, mode, filename, aad, x, y`: the database's own bytes/token
/// encryption and HMACs in the reference.
const DB_CRYPTO: &str = "import sys, aiootp\n\
k, p, mode, fn, aad, x, y = sys.argv[1:]\n\
db = aiootp.Database(open(k, 'rb').read(), path=p)\n\
a = aad.encode()\n\
if mode == 'read':\n    assert db.bytes_decrypt(open(x, 'rb').read(), filename=fn, aad=a) == open(y, 'rb').read(), 'plaintext differs'\n\
elif mode == 'read-token':\n    assert db.read_token(open(x, 'rb').read(), filename=fn, aad=a) == open(y, 'rb').read(), 'plaintext differs'\n\
elif mode == 'write':\n    open(y, 'wb').write(db.bytes_encrypt(open(x, 'rb').read(), filename=fn, aad=a))\n\
elif mode == 'write-token':\n    open(y, 'wb').write(db.make_token(open(x, 'rb').read(), filename=fn, aad=a))\n\
elif mode == 'test-hmac':\n    db.test_hmac(bytes.fromhex(open(y).read().strip()), open(x, 'rb').read(), aad=a)\n\
elif mode == 'make-hmac':\n    open(y, 'w').write(db.make_hmac(open(x, 'rb').read(), aad=a).hex())\n\
elif mode == 'get':\n    got = db.query_tag(fn)\n    assert got == open(x, 'rb').read().decode(), f'{got!r}'\n";

/// `db encrypt/decrypt/token/hmac` against the reference's methods, both
/// ways, and `db mirror` into the same folder.
fn database_crypto(
    exe: &Path,
    py: &Path,
    dir: &Path,
    rng: &mut Drbg,
    tally: &mut impl FnMut(Result<(), String>, String),
) -> Result<(), String> {
    let (key, folder) = (dir.join("db-key"), dir.join("crypto-db"));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::write(&key, rng.bytes(64)).map_err(|e| e.to_string())?;
    let (k, f) = (s(&key), s(&folder));
    run_cli(exe, &["db", "--path", &f, "--key-file", &k, "init"], b"")?;
    let (plain, ct, mac) = (dir.join("db-plain"), dir.join("db-ct"), dir.join("db-mac"));
    let (p, c, m) = (s(&plain), s(&ct), s(&mac));
    let db = ["db", "--path", f.as_str(), "--key-file", k.as_str()];
    for size in [0usize, 100, 70_000] {
        std::fs::write(&plain, rng.bytes(size)).map_err(|e| e.to_string())?;
        let name = format!("file-{}", rng.below(1000));
        let aad = format!("aad-{}", rng.below(1000));
        let with = |rest: &[&str]| -> Vec<String> {
            db.iter().chain(rest).map(|x| (*x).to_owned()).collect()
        };
        let call = |args: Vec<String>, stdin: &[u8]| {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            run_cli(exe, &refs, stdin)
        };
        for (armor, py_read, py_write) in [
            (false, "read", "write"),
            (true, "read-token", "write-token"),
        ] {
            let mut rest = vec![
                "encrypt",
                "--filename",
                &name,
                "--aad",
                &aad,
                "-f",
                "-o",
                &c,
            ];
            if armor {
                rest.push("--armor");
            }
            rest.push(&p);
            let r = call(with(&rest), b"")
                .and_then(|_| python(py, DB_CRYPTO, &[&k, &f, py_read, &name, &aad, &c, &p]));
            tally(
                r,
                format!("db encrypt (armor {armor}) cli → python, size {size}"),
            );
            let r =
                python(py, DB_CRYPTO, &[&k, &f, py_write, &name, &aad, &p, &c]).and_then(|()| {
                    let out = if armor {
                        let token = std::fs::read(&ct).map_err(|e| e.to_string())?;
                        call(
                            with(&["token", "read", "--filename", &name, "--aad", &aad]),
                            &token,
                        )?
                    } else {
                        call(
                            with(&["decrypt", "--filename", &name, "--aad", &aad, &c]),
                            b"",
                        )?
                    };
                    same_file(&plain, &out)
                });
            tally(
                r,
                format!("db encrypt (armor {armor}) python → cli, size {size}"),
            );
        }
        let data = std::fs::read(&plain).map_err(|e| e.to_string())?;
        let r = call(with(&["hmac", "make", "--aad", &aad]), &data).and_then(|out| {
            std::fs::write(&mac, out).map_err(|e| e.to_string())?;
            python(py, DB_CRYPTO, &[&k, &f, "test-hmac", "", &aad, &p, &m])
        });
        tally(r, format!("db hmac make cli → python, size {size}"));
        let r = python(py, DB_CRYPTO, &[&k, &f, "make-hmac", "", &aad, &p, &m]).and_then(|()| {
            let hex = std::fs::read_to_string(&mac).map_err(|e| e.to_string())?;
            call(with(&["hmac", "test", "--aad", &aad, hex.trim()]), &data).map(|_| ())
        });
        tally(r, format!("db hmac python → cli test, size {size}"));
    }
    // Mirror into the same folder under a new key: the reference opens it.
    let key2 = dir.join("db-key2");
    std::fs::write(&key2, rng.bytes(64)).map_err(|e| e.to_string())?;
    let k2 = s(&key2);
    let value = format!("mirrored {}", rng.below(1000));
    std::fs::write(&plain, format!("\"{value}\"")).map_err(|e| e.to_string())?;
    std::fs::write(&ct, &value).map_err(|e| e.to_string())?;
    let r = run_cli(
        exe,
        &[&db[..], &["set", "m", "-"]].concat(),
        format!("\"{value}\"").as_bytes(),
    )
    .and_then(|_| {
        run_cli(
            exe,
            &[&db[..], &["mirror", "--to", &f, "--new-key-file", &k2]].concat(),
            b"",
        )
    })
    .and_then(|_| python(py, DB_CRYPTO, &[&k2, &f, "get", "m", "", &c, ""]));
    tally(r, "db mirror into the same folder, read by python".into());
    Ok(())
}
