//! Paths, processes and the reference venv.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Instant;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `../shared` from the workspace root.
pub fn shared() -> PathBuf {
    root().join("../shared")
}

/// Creates (once) the reference venv under `target/` and returns its python.
pub fn reference_python() -> Result<PathBuf, String> {
    let venv = root().join("target/venv-reference");
    let script = shared().join("reference/setup.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(&venv)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "reference setup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let python = text.lines().last().unwrap_or("").trim();
    if python.is_empty() {
        return Err("reference setup printed no interpreter".into());
    }
    Ok(PathBuf::from(python))
}

/// Runs a command in the workspace root, echoing it.
/// The ```python blocks of a Markdown file under the repository root, in order.
pub fn python_blocks(doc: &str) -> Result<Vec<String>, String> {
    let path = root().join(doc);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```python") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), l) => {
                block.push_str(l);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    if blocks.is_empty() {
        return Err(format!("{doc} has no python blocks"));
    }
    Ok(blocks)
}

pub fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status: ExitStatus = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// A small deterministic generator (SHAKE-256 counter mode) for test inputs.
pub struct Drbg {
    seed: Vec<u8>,
    counter: u64,
}

impl Drbg {
    /// A generator from `seed`.
    pub fn new(seed: &[u8]) -> Self {
        Self {
            seed: seed.to_vec(),
            counter: 0,
        }
    }

    /// `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut input = self.seed.clone();
        input.extend_from_slice(&self.counter.to_be_bytes());
        self.counter += 1;
        aiootp_keccak::shake_256(&input, n)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        let b = self.bytes(8);
        u64::from_be_bytes(b.try_into().unwrap_or([0; 8])) % n.max(1)
    }

    /// An index into a slice of `len` items.
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }
}

/// `VmHWM` of this process, in MiB.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Nanoseconds per call of the permutation `f`, over `n` calls after a
/// warm-up.
pub fn time_permutation(f: fn(&mut [u64; 25]), n: u32) -> f64 {
    let mut state = [0u64; 25];
    (0..10_000).for_each(|_| f(&mut state));
    let start = Instant::now();
    (0..n).for_each(|_| f(&mut state));
    let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
    std::hint::black_box(state);
    ns
}
