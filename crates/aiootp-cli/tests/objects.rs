//! `aiootp db --url s3://…`: the database in a real S3-protocol server
//! (`aiootp-s3server`, started for each test by `aiootp-testserver`):
//! commands, export to a folder and import back, concurrent writers
//! retrying their conflicts, and clear errors for refused credentials and
//! absent servers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

#[path = "support.rs"]
mod support;

use aiootp_testserver::S3Server;
use std::process::{Command, Output, Stdio};
use support::{BIN, aiootp, s};

fn server() -> Option<S3Server> {
    aiootp_testserver::or_skip("the S3 test server", S3Server::start())
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `aiootp args` with the server's environment (`AWS_ENDPOINT`, keys).
fn with_env(s3: &S3Server, env: &[(&str, &str)], args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write as _;
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in s3.env() {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn db_commands_work_on_an_object_store_and_export_import() {
    let Some(s3) = server() else { return };
    let d = support::temp("objects");
    let k = d.join("k");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    let url = s3.url("vault");
    let base = ["db", "--url", url.as_str(), "--key-file", s(&k)];
    let run = |cmd: &[&str], stdin: &[u8]| with_env(&s3, &[], &[&base[..], cmd].concat(), stdin);
    // Reading a database that is not there: exit 1.
    assert_eq!(run(&["list"], b"").status.code(), Some(1));
    let o = run(&["set", "n", "18446744073709551616"], b"");
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["--metatag", "m", "set", "t", "-"], b"[1, 2]");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(run(&["get", "n"], b"").stdout, b"18446744073709551616\n");
    assert_eq!(run(&["list"], b"").stdout, b"n\nm/\n");
    let o = run(&["rm", "n"], b"");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(run(&["list"], b"").stdout, b"m/\n");
    // Export to a folder, byte for byte; import into another prefix.
    let folder = d.join("exported");
    let o = run(&["export", "--to", s(&folder)], b"");
    assert!(o.status.success(), "{}", err(&o));
    let mut exported: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    exported.sort();
    let mut stored: Vec<_> = std::fs::read_dir(s3.root().join("aiootp/vault"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    stored.sort();
    assert_eq!(exported, stored);
    for n in &exported {
        assert_eq!(
            std::fs::read(folder.join(n)).unwrap(),
            std::fs::read(s3.root().join("aiootp/vault").join(n)).unwrap()
        );
    }
    let o = aiootp(
        &[
            "db",
            "--path",
            s(&folder),
            "--key-file",
            s(&k),
            "--metatag",
            "m",
            "get",
            "t",
        ],
        b"",
    );
    assert_eq!(o.stdout, b"[1, 2]\n", "{}", err(&o));
    let copy = s3.url("copy");
    let o = with_env(
        &s3,
        &[],
        &[
            "db",
            "--url",
            &copy,
            "--key-file",
            s(&k),
            "import",
            "--from",
            s(&folder),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = with_env(
        &s3,
        &[],
        &[
            "db",
            "--url",
            &copy,
            "--key-file",
            s(&k),
            "--metatag",
            "m",
            "get",
            "t",
        ],
        b"",
    );
    assert_eq!(o.stdout, b"[1, 2]\n", "{}", err(&o));
    let o = with_env(
        &s3,
        &[],
        &[
            "db",
            "--url",
            &copy,
            "--key-file",
            s(&k),
            "import",
            "--from",
            s(&folder),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("--force"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn concurrent_cli_writers_retry_their_conflicts() {
    let Some(s3) = server() else { return };
    let d = support::temp("objects-conc");
    let k = d.join("k");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    let url = s3.url("shared");
    let o = with_env(
        &s3,
        &[],
        &["db", "--url", &url, "--key-file", s(&k), "init"],
        b"",
    );
    assert!(o.status.success(), "{}", err(&o));
    let (clients, each) = (4, 6);
    let children: Vec<_> = (0..clients)
        .map(|c| {
            let script = (0..each)
                .map(|i| {
                    format!(
                        "'{BIN}' db --url '{url}' --key-file '{}' set c{c}-{i} {i} || exit 1",
                        s(&k)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            let mut cmd = Command::new("sh");
            cmd.args(["-c", &script]).stderr(Stdio::piped());
            for (k, v) in s3.env() {
                cmd.env(k, v);
            }
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "a writer failed: {}", err(&o));
    }
    let o = with_env(
        &s3,
        &[],
        &["db", "--url", &url, "--key-file", s(&k), "list"],
        b"",
    );
    let listed = String::from_utf8(o.stdout).unwrap();
    assert_eq!(listed.lines().count(), clients * each, "{listed}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn refused_credentials_and_absent_servers_are_clear_errors() {
    let Some(s3) = server() else { return };
    let d = support::temp("objects-bad");
    let k = d.join("k");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    let url = s3.url("bad");
    type Env<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Env, &str, i32); 4] = [
        (&[("AWS_SECRET_ACCESS_KEY", "wrong")], url.as_str(), 3),
        (&[("AWS_ENDPOINT", "http://127.0.0.1:9")], url.as_str(), 3),
        (&[], "s3://", 2),
        (&[], "ftp://host/x", 2),
    ];
    for (env, url, code) in cases {
        let o = with_env(
            &s3,
            env,
            &["db", "--url", url, "--key-file", s(&k), "list"],
            b"",
        );
        assert_eq!(o.status.code(), Some(code), "{url} {env:?}: {}", err(&o));
        let e = err(&o);
        assert!(e.starts_with("aiootp: error: "), "{e}");
        assert!(!e.contains("panicked"), "{e}");
        assert!(!e.contains(aiootp_testserver::SECRET_KEY), "{e}");
    }
    // Nothing was made by the refused commands.
    let bad = s3.root().join("aiootp/bad");
    assert!(!bad.exists() || std::fs::read_dir(&bad).unwrap().count() == 0);
    std::fs::remove_dir_all(&d).unwrap();
}
