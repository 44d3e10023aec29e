//! `cargo xtask load [--clients N] [--saves M] [--engine postgres|s3]
//! [--url URL] [--netns]`: N client processes (default 8) against one PostgreSQL
//! server or one S3 server (a throwaway one unless a PostgreSQL `--url` is
//! given; `--netns`: the S3 server in a network namespace of its own,
//! reached over a veth pair), each doing M saves (default 200) of its own
//! tags plus a read-modify-write increment of one shared counter, retried
//! on `Conflict`. At the end the counter must equal N × M (no lost update)
//! and every client's tags must read back. Prints saves per second, p50
//! and p99 save latency (first attempt to commit, retries included) and
//! the conflict rate.

use aiootp_db::{
    Database, Error, LockMode, ObjectStorage, OpenMode, OpenOptions, PgStorage, Storage, Value,
};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: [u8; 64] = [0x4c; 64];

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or(format!("{name} takes a value")),
    }
}

fn options(mode: OpenMode) -> OpenOptions {
    OpenOptions {
        mode,
        lock: LockMode::None,
        ..OpenOptions::default()
    }
}

/// The database at `url` (PostgreSQL: in namespace `ns`; an object store:
/// configured from the environment and `config`).
fn open(
    url: &str,
    ns: &str,
    config: &[(String, String)],
    mode: OpenMode,
) -> Result<Database, String> {
    let s: Arc<dyn Storage> = if url.starts_with("s3://") {
        Arc::new(ObjectStorage::open_with(url, config.to_vec()).map_err(|e| e.to_string())?)
    } else {
        Arc::new(PgStorage::connect(url, ns).map_err(|e| e.to_string())?)
    };
    Database::open_node(s, &KEY, options(mode)).map_err(|e| e.to_string())
}

fn counter(db: &mut Database) -> Result<u64, String> {
    match db.query_tag("counter", false).map_err(|e| e.to_string())? {
        Value::Json(j) => j.as_u64().ok_or("counter is not a number".into()),
        other => Err(format!("counter is {other:?}")),
    }
}

pub fn main(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--client") {
        return client(&args[1..]);
    }
    let clients: usize = arg(args, "--clients", 8)?;
    let saves: usize = arg(args, "--saves", 200)?;
    let given: Option<String> =
        arg(args, "--url", String::new()).map(|u| Some(u).filter(|u| !u.is_empty()))?;
    let engine: String = arg(args, "--engine", "postgres".to_owned())?;
    let ns = format!(
        "load-{}",
        hex::encode(aiootp_core::token_bytes(6).map_err(|e| e.to_string())?)
    );
    let (mut _pg, mut _s3) = (None, None);
    let (url, env, config, what) = match (engine.as_str(), given) {
        ("postgres", Some(url)) => (url, Vec::new(), Vec::new(), "PostgreSQL server"),
        ("postgres", None) => {
            let pg = aiootp_testserver::PgServer::start()?;
            let url = pg.url();
            _pg = Some(pg);
            (url, Vec::new(), Vec::new(), "PostgreSQL server")
        }
        ("s3", None) => {
            let s3 = if args.iter().any(|a| a == "--netns") {
                aiootp_testserver::S3Server::start_in_netns()?
            } else {
                aiootp_testserver::S3Server::start()?
            };
            if s3.in_netns() {
                eprintln!(
                    "load: the S3 server runs in a network namespace of its own, at {}",
                    s3.endpoint()
                );
            }
            let (url, env, config) = (s3.url(&ns), s3.env(), s3.options());
            _s3 = Some(s3);
            (url, env, config, "S3 server")
        }
        _ => return Err("--engine is postgres or s3 (--url only with postgres)".into()),
    };
    let mut db = open(&url, &ns, &config, OpenMode::Create)?;
    db.set_json("counter", &0).map_err(|e| e.to_string())?;
    db.save_database().map_err(|e| e.to_string())?;
    eprintln!("load: {clients} clients × {saves} saves against one {what}");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let children: Vec<_> = (0..clients)
        .map(|c| {
            Command::new(&exe)
                .args([
                    "load",
                    "--client",
                    &url,
                    &ns,
                    &c.to_string(),
                    &saves.to_string(),
                ])
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let (mut latencies, mut conflicts, mut attempts) = (Vec::new(), 0u64, 0u64);
    for child in children {
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err("a load client failed".into());
        }
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| format!("client output: {e}"))?;
        conflicts += v["conflicts"].as_u64().unwrap_or(0);
        attempts += v["attempts"].as_u64().unwrap_or(0);
        latencies.extend(
            v["latencies_us"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_u64),
        );
    }
    let wall = started.elapsed();
    // No lost update, every tag there.
    let mut db = open(&url, &ns, &config, OpenMode::Existing)?;
    let total = (clients * saves) as u64;
    let n = counter(&mut db)?;
    if n != total {
        return Err(format!(
            "lost updates: the counter is {n}, {total} increments were made"
        ));
    }
    for c in 0..clients {
        for i in 0..saves {
            let tag = format!("c{c}-{i}");
            match db.query_tag(&tag, false) {
                Ok(Value::Json(j)) if j.as_u64() == Some(i as u64) => {}
                other => return Err(format!("{tag} reads back as {other:?}")),
            }
        }
    }
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |us| *us as f64 / 1000.0)
    };
    println!(
        "{{\"engine\": \"{engine}\", \"clients\": {clients}, \"saves_per_client\": {saves}, \"saves_per_s\": {:.1}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \"conflict_rate\": {:.3}, \"counter\": {n}}}",
        total as f64 / wall.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        conflicts as f64 / attempts.max(1) as f64,
    );
    eprintln!(
        "load: the counter is {n} = {clients} × {saves}: no lost update; every tag reads back"
    );
    Ok(())
}

/// One client: `URL NAMESPACE ID SAVES`; prints its latencies as JSON.
fn client(args: &[String]) -> Result<(), String> {
    let [url, ns, id, saves] = args else {
        return Err("load --client URL NAMESPACE ID SAVES".into());
    };
    let saves: usize = saves.parse().map_err(|_| "SAVES is a number")?;
    let (mut latencies, mut conflicts, mut attempts) = (Vec::with_capacity(saves), 0u64, 0u64);
    for i in 0..saves {
        let t = Instant::now();
        let mut round = 0u32;
        loop {
            attempts += 1;
            let mut db = open(url, ns, &[], OpenMode::Existing)?;
            let n = counter(&mut db)?;
            db.set_json("counter", &(n + 1))
                .map_err(|e| e.to_string())?;
            db.set_json(&format!("c{id}-{i}"), &i)
                .map_err(|e| e.to_string())?;
            match db.save_database() {
                Ok(()) => break,
                Err(Error::Conflict { .. }) => {
                    conflicts += 1;
                    // Jittered backoff: 1 ms doubling to 64 ms, times 0.5-1.5.
                    let jitter = aiootp_core::token_bytes(1).map_or(128, |b| u64::from(b[0]));
                    let base = 1u64 << round.min(6);
                    std::thread::sleep(Duration::from_micros(base * 1000 * (128 + jitter) / 256));
                    round += 1;
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        latencies.push(t.elapsed().as_micros() as u64);
    }
    println!(
        "{}",
        serde_json::json!({"latencies_us": latencies, "conflicts": conflicts, "attempts": attempts})
    );
    Ok(())
}
