//! `aiootp db --url`: the database on a real PostgreSQL server (started
//! for each test by `aiootp-testserver`): commands, concurrent writers
//! retrying their conflicts, export to a folder and import back, and
//! clear errors for bad URLs and absent servers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

#[path = "support.rs"]
mod support;

use aiootp_testserver::PgServer;
use std::process::{Command, Stdio};
use support::{BIN, aiootp, s};

fn server() -> Option<PgServer> {
    aiootp_testserver::or_skip("PostgreSQL", PgServer::start())
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn db_commands_work_on_a_server_and_export_import() {
    let Some(pg) = server() else { return };
    let d = support::temp("server");
    let k = d.join("k");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    let url = pg.url();
    let base = ["db", "--url", url.as_str(), "--key-file", s(&k)];
    let run = |cmd: &[&str], stdin: &[u8]| aiootp(&[&base[..], cmd].concat(), stdin);
    // Reading a database that is not there: exit 1.
    assert_eq!(run(&["list"], b"").status.code(), Some(1));
    let o = run(&["set", "n", "18446744073709551616"], b"");
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["--metatag", "m", "set", "t", "-"], b"[1, 2]");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(run(&["get", "n"], b"").stdout, b"18446744073709551616\n");
    assert_eq!(run(&["list"], b"").stdout, b"n\nm/\n");
    // AIOOTP_DB_URL stands for --url.
    let o = Command::new(BIN)
        .args(["db", "--key-file", s(&k), "get", "n"])
        .env("AIOOTP_DB_URL", &url)
        .output()
        .unwrap();
    assert_eq!(o.stdout, b"18446744073709551616\n", "{}", err(&o));
    // Another key in the same namespace with files: refused, nothing made.
    let k2 = d.join("k2");
    assert!(aiootp(&["keygen", "-o", s(&k2)], b"").status.success());
    let o = aiootp(
        &["db", "--url", &url, "--key-file", s(&k2), "set", "x", "1"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("db init"));
    // Export to a folder; import it into another namespace.
    let folder = d.join("exported");
    let o = run(&["export", "--to", s(&folder)], b"");
    assert!(o.status.success(), "{}", err(&o));
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
    assert_eq!(
        run(&["export", "--to", s(&folder)], b"").status.code(),
        Some(1)
    );
    let o = run(
        &["--namespace", "copy", "import", "--from", s(&folder)],
        b"",
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["--namespace", "copy", "get", "n"], b"");
    assert_eq!(o.stdout, b"18446744073709551616\n", "{}", err(&o));
    let o = run(
        &["--namespace", "copy", "import", "--from", s(&folder)],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("--force"));
    assert!(
        run(
            &[
                "--namespace",
                "copy",
                "import",
                "--force",
                "--from",
                s(&folder)
            ],
            b""
        )
        .status
        .success()
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn profiles_work_on_a_server() {
    let Some(pg) = server() else { return };
    let d = support::temp("server-profile");
    let pw = d.join("pw");
    std::fs::write(&pw, b"correct horse battery staple\n").unwrap();
    let url = pg.url();
    let base = [
        "db",
        "--url",
        url.as_str(),
        "--profile",
        "alice",
        "--passphrase-file",
        s(&pw),
        "--mb",
        "1",
        "--cpu",
        "1",
        "--cores",
        "1",
        "--credential",
        "server",
    ];
    let run = |cmd: &[&str]| aiootp(&[&base[..], cmd].concat(), b"");
    let o = run(&["init"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(run(&["set", "t", "[1]"]).status.success());
    assert_eq!(run(&["get", "t"]).stdout, b"[1]\n");
    // Another credential is another profile: refused, nothing written.
    let mut other = base.to_vec();
    let last = other.len() - 1;
    other[last] = "elsewhere";
    let o = aiootp(&[&other[..], &["set", "u", "1"]].concat(), b"");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    // Profiles are not exported (their salt files stay on the server).
    let o = run(&["export", "--to", s(&d.join("x"))]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn concurrent_cli_writers_retry_their_conflicts() {
    let Some(pg) = server() else { return };
    let d = support::temp("server-conc");
    let k = d.join("k");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    let url = pg.url();
    assert!(
        aiootp(&["db", "--url", &url, "--key-file", s(&k), "init"], b"")
            .status
            .success()
    );
    let (clients, each) = (4, 8);
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
            Command::new("sh")
                .args(["-c", &script])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "a writer failed: {}", err(&o));
    }
    let o = aiootp(&["db", "--url", &url, "--key-file", s(&k), "list"], b"");
    let listed = String::from_utf8(o.stdout).unwrap();
    assert_eq!(listed.lines().count(), clients * each, "{listed}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_urls_and_absent_servers_are_clear_errors() {
    let d = support::temp("server-bad");
    let k = d.join("k");
    assert!(aiootp(&["keygen", "-o", s(&k)], b"").status.success());
    for (url, code) in [
        ("postgresql://[::1", 2),
        ("ftp://host/prefix", 2),
        ("postgresql:///db?host=/nonexistent-socket-dir&user=x", 3),
        ("postgresql://127.0.0.1:1/db", 3),
    ] {
        let o = aiootp(&["db", "--url", url, "--key-file", s(&k), "list"], b"");
        assert_eq!(o.status.code(), Some(code), "{url}: {}", err(&o));
        assert!(err(&o).starts_with("aiootp: error: "), "{}", err(&o));
        assert!(!err(&o).contains("panicked"));
    }
    std::fs::remove_dir_all(&d).unwrap();
}
