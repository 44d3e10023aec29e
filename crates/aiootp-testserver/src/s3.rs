//! A throwaway S3-protocol server: `aiootp-s3server` (s3s-fs with atomic
//! conditional writes) on a loopback port, over a temporary folder.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "aiootp-test";
/// The secret key the server accepts.
pub const SECRET_KEY: &str = "aiootp-test-secret";
/// The bucket the server starts with.
pub const BUCKET: &str = "aiootp";

/// A running throwaway S3 server; dropping it kills it and removes its
/// folder.
#[derive(Debug)]
pub struct S3Server {
    child: Option<Child>,
    root: PathBuf,
    endpoint: String,
}

/// The server program: `$AIOOTP_S3_SERVER`, or `aiootp-s3server` beside
/// the running test's target folder, built there (`cargo build -p
/// aiootp-s3server`) when missing.
///
/// # Errors
/// It is not there and could not be built.
pub fn s3_server_program() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("AIOOTP_S3_SERVER") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // target/<profile>/deps/<test> or target/<profile>/<bin>.
    let profile_dir = exe
        .ancestors()
        .find(|d| d.join("build").is_dir() && d.join("deps").is_dir())
        .ok_or("cannot find the target folder of this test")?
        .to_path_buf();
    let program = profile_dir.join("aiootp-s3server");
    if program.exists() {
        return Ok(program);
    }
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let target = profile_dir.parent().ok_or("no target folder")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "-p", "aiootp-s3server"])
        .env("CARGO_TARGET_DIR", target);
    if release {
        cmd.arg("--release");
    }
    let ok = cmd.status().is_ok_and(|s| s.success());
    if ok && program.exists() {
        Ok(program)
    } else {
        Err("the S3 test server (aiootp-s3server) could not be built".into())
    }
}

impl S3Server {
    /// Starts a server over a new temporary folder holding the bucket
    /// [`BUCKET`].
    ///
    /// # Errors
    /// The program is missing or did not start.
    pub fn start() -> Result<Self, String> {
        let program = s3_server_program()?;
        let mut name = [0u8; 6];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut name))
            .map_err(|e| e.to_string())?;
        let hex: String = name.iter().map(|b| format!("{b:02x}")).collect();
        let root = std::env::temp_dir().join(format!("aiootp-s3-{hex}"));
        std::fs::create_dir_all(root.join(BUCKET)).map_err(|e| e.to_string())?;
        let mut child = Command::new(&program)
            .arg(&root)
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let Some(endpoint) = line.trim().strip_prefix("listening on ").map(str::to_owned) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the S3 server did not start: {line:?}"));
        };
        let server = Self {
            child: Some(child),
            root,
            endpoint,
        };
        server.watchdog();
        Ok(server)
    }

    /// Kills the server and removes its folder if this process dies first.
    fn watchdog(&self) {
        let Some(child) = &self.child else { return };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill -9 {server} 2>/dev/null; rm -rf '{dir}'",
            pid = std::process::id(),
            server = child.id(),
            dir = self.root.display(),
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The folder the server keeps its buckets in.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `s3://aiootp/<prefix>`.
    #[must_use]
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{BUCKET}/{prefix}")
    }

    /// The environment that points the `object_store` S3 client (and so the
    /// CLI) at this server, with its keys.
    #[must_use]
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    /// The same settings as `object_store` configuration keys.
    #[must_use]
    pub fn options(&self) -> Vec<(String, String)> {
        self.env()
            .into_iter()
            .filter(|(k, _)| *k != "AWS_EC2_METADATA_DISABLED")
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
