//! Test-only: a throwaway PostgreSQL server and a throwaway S3-protocol
//! server ([`S3Server`]), for the tests and the xtask that need a real one
//! (never a stand-in).
//!
//! [`PgServer::start`] makes a cluster in a temporary folder with `initdb`
//! and starts it with `pg_ctl`, listening on a Unix socket in that folder
//! only (no TCP port). `initdb` refuses to run as root, so as root both
//! run as the `postgres` user (`runuser -u postgres --`). The programs are
//! found with `pg_config --bindir`, or `$AIOOTP_PG_BINDIR`. Dropping the
//! server stops it and removes the folder.
//!
//! ```no_run
//! let pg = aiootp_testserver::PgServer::start()?;
//! println!("{}", pg.url()); // postgresql:///postgres?host=/tmp/…&user=aiootp
//! # Ok::<(), String>(())
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

mod s3;
pub use s3::{ACCESS_KEY, BUCKET, S3Server, SECRET_KEY, s3_server_program};

/// The environment variable under which a test that cannot start its
/// server fails instead of saying it is skipped (CI sets it).
pub const REQUIRE_ALL_ENV: &str = "AIOOTP_REQUIRE_ALL";

/// A test's server, or `None` after saying the test is skipped when it
/// could not start (`what` names it). Under [`REQUIRE_ALL_ENV`] that is a
/// failure instead.
///
/// # Panics
/// The server did not start and [`REQUIRE_ALL_ENV`] is set.
#[allow(clippy::panic)] // a test helper: the panic is the test's failure
pub fn or_skip<T>(what: &str, started: Result<T, String>) -> Option<T> {
    match started {
        Ok(s) => Some(s),
        Err(e) => {
            assert!(
                std::env::var_os(REQUIRE_ALL_ENV).is_none(),
                "{what} is required ({REQUIRE_ALL_ENV}) but could not start: {e}"
            );
            eprintln!("skipped: no {what} ({e})");
            None
        }
    }
}

/// A running throwaway PostgreSQL server.
#[derive(Debug)]
pub struct PgServer {
    dir: PathBuf,
    bindir: PathBuf,
    as_postgres: bool,
    running: bool,
}

/// Where the PostgreSQL programs are, if anywhere.
#[must_use]
pub fn pg_bindir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("AIOOTP_PG_BINDIR") {
        return Some(PathBuf::from(d));
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && dir.join("initdb").exists()).then_some(dir)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl PgServer {
    /// Makes and starts a new cluster.
    ///
    /// # Errors
    /// No PostgreSQL programs, or `initdb` / `pg_ctl` failed (the message
    /// holds their output).
    pub fn start() -> Result<Self, String> {
        let bindir = pg_bindir().ok_or("PostgreSQL is not installed (no pg_config --bindir)")?;
        let mut name = [0u8; 6];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut name))
            .map_err(|e| e.to_string())?;
        let hex: String = name.iter().map(|b| format!("{b:02x}")).collect();
        // Short: a Unix socket path must fit in 108 bytes.
        let dir = PathBuf::from(format!("/tmp/aiootp-pg-{hex}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let as_postgres = is_root();
        let mut server = Self {
            dir,
            bindir,
            as_postgres,
            running: false,
        };
        if as_postgres {
            let ok = Command::new("chown")
                .args(["postgres:", &server.dir.display().to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err("could not give the server's folder to the postgres user".into());
            }
        }
        let data = server.data_dir();
        server.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-A",
                "trust",
                "-U",
                "aiootp",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        server.pg_ctl_start()?;
        server.watchdog();
        Ok(server)
    }

    /// A safety net for a process that exits without dropping the server
    /// (a static, a panic while aborting, a kill): a shell that stops the
    /// server and removes its folder once this process is gone.
    fn watchdog(&self) {
        let ctl = self.bindir.join("pg_ctl");
        let runner = if self.as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {runner}'{ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            ctl = ctl.display(),
            data = self.data_dir().display(),
            dir = self.dir.display(),
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }

    /// The cluster's data folder.
    #[must_use]
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The folder of the server's Unix socket.
    #[must_use]
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// A libpq connection URI for the server's `postgres` database.
    #[must_use]
    pub fn url(&self) -> String {
        format!(
            "postgresql:///postgres?host={}&user=aiootp",
            self.dir.display()
        )
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bindir.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .current_dir(&self.dir)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn pg_ctl_start(&mut self) -> Result<(), String> {
        let data = self.data_dir().display().to_string();
        let log = self.dir.join("log").display().to_string();
        let opts = format!(
            "-k {} -c listen_addresses='' -c max_connections=100",
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &opts, "-w", "start"],
        )?;
        self.running = true;
        Ok(())
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m
    /// immediate`): no checkpoint, open transactions lost.
    ///
    /// # Errors
    /// `pg_ctl` failed.
    pub fn crash(&mut self) -> Result<(), String> {
        let data = self.data_dir().display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"])?;
        self.running = false;
        Ok(())
    }

    /// Starts the server again after [`Self::crash`] (it recovers from its
    /// write-ahead log).
    ///
    /// # Errors
    /// `pg_ctl` failed.
    pub fn restart(&mut self) -> Result<(), String> {
        self.pg_ctl_start()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.running {
            let data = self.data_dir().display().to_string();
            let _ = self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
