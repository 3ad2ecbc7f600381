//! Aggregation throughput: tracks per second through the contribution ledger on one core.
//!
//! Run with `cargo bench -p catalog --features synthetic --bench aggregation` (it sits in `catalog`
//! so the core depends on nothing of the workspace). The catalog is the project's
//! synthetic one (`catalog::synthetic`: 100,000 tracks over 10,000 producers, 35% collaborative,
//! plays over seven orders of magnitude, uploads over three years, 5% exclusive-only), parsed
//! once before timing, so the figures measure the formula and the exact per-producer sums, not
//! parsing or I/O. Producer ids stay where parsing put them: one small allocation each, scattered
//! through the heap as a real scan's decoded records are.
//!
//! - `record_100k_tracks_10k_producers`: the core. Credited producers are numbered before timing,
//!   as the recompute numbers them when it decodes a scanned record (`recompute::aggregate`);
//!   each pass then computes every track's breakdown, adds its exact value to every credited
//!   producer's sum, and lists every share in id order.
//! - `number_credits_100k_tracks`: that numbering itself, from the scattered ids to dense numbers
//!   (a fresh ledger each pass, so every producer is new once and then looked up).
//! - `record_by_id_100k_tracks`: the two together through `ContributionLedger::record`, the
//!   by-id entry point tests and tools use.

use std::hint::black_box;

use catalog::jsonl::parse;
use catalog::synthetic::{Spec, generate};
use chrono::{DateTime, Utc};
use contribution::{ContributionLedger, ProducerNumber};
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

    // Scan-time numbering: every track's credited producers as numbers, in one flat array.
    let mut ledger = ContributionLedger::new(as_of);
    let mut credited: Vec<ProducerNumber> = Vec::new();
    let mut ends: Vec<usize> = Vec::with_capacity(tracks.len());
    for t in &tracks {
        credited.extend(t.credits.producers().iter().map(|p| ledger.intern(p)));
        ends.push(credited.len());
    }

    let mut group = c.benchmark_group("aggregation");
    group.throughput(Throughput::Elements(TRACKS as u64));
    group.bench_function("record_100k_tracks_10k_producers", |b| {
        b.iter(|| {
            ledger.clear_contributions();
            let mut start = 0;
            for (t, &end) in tracks.iter().zip(&ends) {
                ledger.record_numbered(&t.facts(), &credited[start..end]);
                start = end;
            }
            // The shares borrow the ledger: used and dropped inside the timed pass.
            black_box(&ledger.shares());
        })
    });
    group.bench_function("number_credits_100k_tracks", |b| {
        b.iter(|| {
            let mut numbering = ContributionLedger::new(as_of);
            let mut last = 0;
            for t in &tracks {
                for p in t.credits.producers() {
                    last = numbering.intern(p);
                }
            }
            black_box(last)
        })
    });
    group.bench_function("record_by_id_100k_tracks", |b| {
        b.iter(|| {
            let mut by_id = ContributionLedger::new(as_of);
            for t in &tracks {
                by_id.record(&t.facts());
            }
            black_box(&by_id.shares());
        })
    });
    group.finish();
}

criterion_group!(benches, aggregation);
criterion_main!(benches);
