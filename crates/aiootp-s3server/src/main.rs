//! Test-only: a loopback S3-protocol server for the object-store tests.
//!
//! `aiootp-s3server ROOT [--host ADDR] [--access-key K --secret-key S]`
//! serves the folder ROOT over S3 on ADDR (default `127.0.0.1`) with a
//! port the kernel picks, and prints `listening on http://ADDR:PORT` as its
//! first line on stdout.
//! Every folder of ROOT is a bucket.
//!
//! The S3 protocol itself is [`s3s`]; the objects are kept by [`s3s_fs`]
//! (each put a temporary file renamed into place). `s3s-fs` 0.14.1 checks
//! `If-Match` / `If-None-Match` on a put, then writes: two puts with the
//! same precondition can both pass the check. Real S3 evaluates the
//! condition atomically with the write, so this server holds a lock across
//! every put and delete (readers share it): the clients are tested against
//! a server that keeps the promise real S3 makes, and the server's own
//! races are not blamed on them.

use s3s::dto::{
    CreateBucketInput, CreateBucketOutput, DeleteObjectInput, DeleteObjectOutput,
    DeleteObjectsInput, DeleteObjectsOutput, GetObjectInput, GetObjectOutput, HeadBucketInput,
    HeadBucketOutput, HeadObjectInput, HeadObjectOutput, ListObjectsV2Input, ListObjectsV2Output,
    PutObjectInput, PutObjectOutput,
};
use s3s::{S3, S3Request, S3Response, S3Result};
use std::io::Write as _;
use tokio::sync::RwLock;

/// `s3s_fs::FileSystem` with atomic conditional writes.
struct Serialised {
    fs: s3s_fs::FileSystem,
    lock: RwLock<()>,
}

#[async_trait::async_trait]
impl S3 for Serialised {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let _w = self.lock.write().await;
        self.fs.create_bucket(req).await
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        let _w = self.lock.write().await;
        self.fs.put_object(req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let _w = self.lock.write().await;
        self.fs.delete_object(req).await
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let _w = self.lock.write().await;
        self.fs.delete_objects(req).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let _r = self.lock.read().await;
        self.fs.get_object(req).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        let _r = self.lock.read().await;
        self.fs.head_object(req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let _r = self.lock.read().await;
        self.fs.list_objects_v2(req).await
    }
}

fn usage() -> ! {
    eprintln!("usage: aiootp-s3server ROOT [--host ADDR] [--access-key K --secret-key S]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let mut keys = (None, None);
    let mut host = "127.0.0.1".to_owned();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--host" => host = args.next().unwrap_or_else(|| usage()),
            "--access-key" => keys.0 = Some(args.next().unwrap_or_else(|| usage())),
            "--secret-key" => keys.1 = Some(args.next().unwrap_or_else(|| usage())),
            _ if root.is_none() && !a.starts_with('-') => root = Some(a),
            _ => usage(),
        }
    }
    let Some(root) = root else { usage() };
    let fs = match s3s_fs::FileSystem::new(&root) {
        Ok(fs) => fs,
        Err(e) => {
            eprintln!("aiootp-s3server: {root}: {e:?}");
            std::process::exit(1)
        }
    };
    let mut builder = s3s::service::S3ServiceBuilder::new(Serialised {
        fs,
        lock: RwLock::new(()),
    });
    match keys {
        (Some(ak), Some(sk)) => builder.set_auth(s3s::auth::SimpleAuth::from_single(ak, sk)),
        (None, None) => {}
        _ => usage(),
    }
    let service = builder.build();
    let listener = match tokio::net::TcpListener::bind((host.as_str(), 0)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("aiootp-s3server: cannot listen: {e}");
            std::process::exit(1)
        }
    };
    let addr = listener
        .local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string());
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on http://{addr}");
    let _ = out.flush();
    let http = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        // A response's head and body are separate writes: without this,
        // Nagle holds the body until the client's delayed ACK (40 ms).
        let _ = socket.set_nodelay(true);
        let conn = http
            .serve_connection(hyper_util::rt::TokioIo::new(socket), service.clone())
            .into_owned();
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}
