//! Passcrypt rows on one thread: (64, 2, 1) and (64, 2, 4), the same work.
#![allow(missing_docs)]

use aiootp_passcrypt::{Passcrypt, Settings};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn passcrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("passcrypt");
    g.sample_size(10);
    let pc = Passcrypt::default();
    for cores in [1, 4] {
        let s = Settings {
            mb: 64,
            cpu: 2,
            cores,
            tag_size: 16,
        };
        g.bench_function(format!("mb64_cpu2_cores{cores}"), |b| {
            b.iter(|| pc.hash_passphrase(black_box(b"a benchmark passphrase"), b"", s, 8));
        });
    }
    g.finish();
}

criterion_group!(benches, passcrypt);
criterion_main!(benches);
