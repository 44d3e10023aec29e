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
    netns: Option<NetNs>,
}

/// A network namespace joined to this one by a veth pair: the server runs
/// inside, the clients outside, so every request crosses a (virtual)
/// network link rather than loopback.
#[derive(Debug)]
struct NetNs {
    name: String,
    host_link: String,
    inside: String,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl NetNs {
    /// `aiootp-HEX` with the link 10.77.N.0/30 (.1 outside, .2 inside).
    fn create(hex: &str, n: u8) -> Result<Self, String> {
        let ns = Self {
            name: format!("aiootp-{hex}"),
            host_link: format!("aio{}h", &hex[..6]),
            inside: format!("10.77.{n}.2"),
        };
        let peer = format!("aio{}n", &hex[..6]);
        ip(&["netns", "add", &ns.name])?;
        let outside = format!("10.77.{n}.1/30");
        let inside = format!("{}/30", ns.inside);
        let steps: [&[&str]; 7] = [
            &[
                "link",
                "add",
                &ns.host_link,
                "type",
                "veth",
                "peer",
                "name",
                &peer,
            ],
            &["link", "set", &peer, "netns", &ns.name],
            &["addr", "add", &outside, "dev", &ns.host_link],
            &["link", "set", &ns.host_link, "up"],
            &["-n", &ns.name, "addr", "add", &inside, "dev", &peer],
            &["-n", &ns.name, "link", "set", &peer, "up"],
            &["-n", &ns.name, "link", "set", "lo", "up"],
        ];
        for step in steps {
            ip(step)?; // on an error, drop removes what was made
        }
        Ok(ns)
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = ip(&["link", "del", &self.host_link]);
        let _ = ip(&["netns", "del", &self.name]);
    }
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
    /// [`BUCKET`], on loopback.
    ///
    /// # Errors
    /// The program is missing or did not start.
    pub fn start() -> Result<Self, String> {
        Self::start_with(false)
    }

    /// Starts a server in a network namespace of its own (`ip netns`, a
    /// veth pair): the clients reach it over a network link. Needs the
    /// rights to make namespaces (root).
    ///
    /// # Errors
    /// As [`Self::start`]; the namespace could not be made.
    pub fn start_in_netns() -> Result<Self, String> {
        Self::start_with(true)
    }

    fn start_with(in_netns: bool) -> Result<Self, String> {
        let mut name = [0u8; 6];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut name))
            .map_err(|e| e.to_string())?;
        let hex: String = name.iter().map(|b| format!("{b:02x}")).collect();
        let netns = if in_netns {
            Some(NetNs::create(&hex, name[0])?)
        } else {
            None
        };
        let root = std::env::temp_dir().join(format!("aiootp-s3-{hex}"));
        std::fs::create_dir_all(root.join(BUCKET)).map_err(|e| e.to_string())?;
        let (child, endpoint) = spawn(&root, netns.as_ref())?;
        let server = Self {
            child: Some(child),
            root,
            endpoint,
            netns,
        };
        server.watchdog();
        Ok(server)
    }

    /// Kills the server at once (`SIGKILL`), as a crash would; its folder
    /// stays for [`Self::restart`].
    pub fn crash(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again over the same folder (on another port: see
    /// [`Self::endpoint`] and [`Self::env`]).
    ///
    /// # Errors
    /// As [`Self::start`].
    pub fn restart(&mut self) -> Result<(), String> {
        self.crash();
        let (child, endpoint) = spawn(&self.root, self.netns.as_ref())?;
        self.child = Some(child);
        self.endpoint = endpoint;
        self.watchdog();
        Ok(())
    }

    /// Whether the server runs in a network namespace of its own.
    #[must_use]
    pub fn in_netns(&self) -> bool {
        self.netns.is_some()
    }

    /// Kills the server and removes its folder if this process dies first.
    fn watchdog(&self) {
        let Some(child) = &self.child else { return };
        let netns = self.netns.as_ref().map_or_else(String::new, |ns| {
            format!(
                "; ip link del {} 2>/dev/null; ip netns del {} 2>/dev/null",
                ns.host_link, ns.name
            )
        });
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill -9 {server} 2>/dev/null; rm -rf '{dir}'{netns}",
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

/// Runs the server over `root` (in `netns` if given); returns it with its
/// endpoint.
fn spawn(root: &Path, netns: Option<&NetNs>) -> Result<(Child, String), String> {
    let program = s3_server_program()?;
    let mut cmd = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", &ns.name])
                .arg(&program)
                .args(["--host", &ns.inside]);
            c
        }
        None => Command::new(&program),
    };
    let mut child = cmd
        .arg(root)
        .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut line);
    match line.trim().strip_prefix("listening on ") {
        Some(endpoint) => Ok((child, endpoint.to_owned())),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("the S3 server did not start: {line:?}"))
        }
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
