//! `t_perm`: one Keccak-f[1600] (scalar, and the process's single-state
//! kernel), and one four-state call of every backend this CPU has.
#![allow(missing_docs)]

use aiootp_keccak::Backend as KeccakBackend;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn keccak(c: &mut Criterion) {
    let mut g = c.benchmark_group("keccak_f1600");
    let scalar = aiootp_keccak::internal::scalar_f1600_fn();
    let chosen = aiootp_keccak::internal::f1600_fn();
    let mut state = [0u64; 25];
    g.bench_function("scalar", |b| b.iter(|| scalar(black_box(&mut state))));
    g.bench_function("single_state_chosen", |b| {
        b.iter(|| chosen(black_box(&mut state)));
    });
    for backend in KeccakBackend::ALL
        .into_iter()
        .filter_map(KeccakBackend::detect)
    {
        let mut x4 = [[0u64; 4]; 25];
        g.bench_function(format!("x4_{}", backend.backend().name()), |b| {
            b.iter(|| backend.f1600_x4(black_box(&mut x4)));
        });
    }
    g.finish();
}

criterion_group!(benches, keccak);
criterion_main!(benches);
