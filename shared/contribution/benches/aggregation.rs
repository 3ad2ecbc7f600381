//! Aggregation throughput: tracks per second through `ContributionLedger::record` on one core.
//!
//! Run with `cargo bench -p contribution --bench aggregation`. The catalog is the project's
//! synthetic one (`catalog::synthetic`: 100,000 tracks over 10,000 producers, 35% collaborative,
//! plays over seven orders of magnitude, uploads over three years, 5% exclusive-only), parsed
//! once before timing, so the figure measures the formula and the exact per-producer sums, not
//! parsing or I/O.

use std::hint::black_box;

use catalog::jsonl::parse;
use catalog::synthetic::{Spec, generate};
use chrono::{DateTime, Utc};
use contribution::ContributionLedger;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PRODUCERS: usize = 10_000;
const TRACKS: usize = 100_000;

fn aggregation(c: &mut Criterion) {
    let as_of = DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
        .expect("valid timestamp")
        .with_timezone(&Utc);
    let text: String = generate(Spec {
        producers: PRODUCERS,
        tracks: TRACKS,
        seed: 42,
        as_of,
    })
    .map(|line| line + "\n")
    .collect();
    let (parsed, errors) = parse(text.as_bytes());
    assert!(errors.is_empty(), "the synthetic catalog is valid");
    let tracks = parsed.tracks;

    let mut group = c.benchmark_group("aggregation");
    group.throughput(Throughput::Elements(TRACKS as u64));
    group.bench_function("record_100k_tracks_10k_producers", |b| {
        b.iter(|| {
            let mut ledger = ContributionLedger::new(as_of);
            for t in &tracks {
                ledger.record(&t.facts());
            }
            black_box(ledger.shares())
        })
    });
    group.finish();
}

criterion_group!(benches, aggregation);
criterion_main!(benches);
