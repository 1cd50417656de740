//! The packed quadratic term N(x) = Ĥ z(x) of a Galerkin ROM at r = 16, 32, 48, in one run:
//! [`QuadraticTerm`] (Ĥ in column panels, the layout the models use) against the
//! row-major product of the same Ĥ by the register-blocked kernel this processor runs and
//! by the portable one. Throughput is in lane-FMAs (r · r(r+1)/2 per call).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use galerkin_kernels::{
    gemv_add, gemv_add_portable, pair_count, pair_products, Kernel, QuadraticTerm,
};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("quadratic");
    for r in [16, 32, 48] {
        let np = pair_count(r);
        let h: Vec<f64> = (0..r * np)
            .map(|k| ((k * 7919) % 1013) as f64 / 1013.0 - 0.5)
            .collect();
        let term = QuadraticTerm::from_rows(&h, r);
        let x: Vec<f64> = (0..r).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut z = vec![0.0; np];
        let mut out = vec![0.0; r];
        group.throughput(Throughput::Elements((r * np) as u64));
        group.bench_function(BenchmarkId::new("panels", r), |b| {
            b.iter(|| term.add(black_box(&x), &mut z, &mut out))
        });
        let row_major = format!("row-major-{}", Kernel::detect().name());
        group.bench_function(BenchmarkId::new(row_major, r), |b| {
            b.iter(|| {
                pair_products(black_box(&x), &mut z);
                gemv_add(&h, np, &z, &mut out);
            })
        });
        group.bench_function(BenchmarkId::new("row-major-portable", r), |b| {
            b.iter(|| {
                pair_products(black_box(&x), &mut z);
                gemv_add_portable(&h, np, &z, &mut out);
            })
        });
        black_box(&out);
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
