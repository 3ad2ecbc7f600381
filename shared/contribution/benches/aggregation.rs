//! Aggregation throughput: tracks per second through `ContributionLedger::record` on one core.
//!
//! Run with `cargo bench -p contribution --bench aggregation`. The catalog is generated in memory
//! (deterministic, 100,000 tracks over 10,000 producers, 1 to 4 credits, plays spread over six
//! orders of magnitude, uploads over three years) so the figure measures the formula and the
//! per-producer sums, not parsing or I/O.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use contribution::{ContributionLedger, Credits, ProducerId, TrackFacts};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PRODUCERS: u64 = 10_000;
const TRACKS: usize = 100_000;

/// SplitMix64: a tiny deterministic generator, so the benchmark needs no RNG crate.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

struct Track {
    uploaded_at: DateTime<Utc>,
    plays: u64,
    exclusive_only: bool,
    credits: Credits,
}

fn catalog(as_of: DateTime<Utc>) -> Vec<Track> {
    let mut rng = SplitMix(42);
    (0..TRACKS)
        .map(|_| {
            let n = 1 + (rng.next() % 4) as usize;
            let first = rng.next() % PRODUCERS;
            let credits = (0..n as u64)
                .map(|k| ProducerId::parse(format!("p{}", (first + k * 7919) % PRODUCERS)))
                .collect::<Result<Vec<_>, _>>()
                .expect("generated ids are valid");
            Track {
                uploaded_at: as_of - TimeDelta::seconds((rng.next() % 94_608_000) as i64),
                plays: 10u64.pow((rng.next() % 7) as u32) * (rng.next() % 10),
                exclusive_only: rng.next().is_multiple_of(20),
                credits: Credits::new(credits).expect("generated credits are distinct"),
            }
        })
        .collect()
}

fn aggregation(c: &mut Criterion) {
    let as_of = DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
        .expect("valid timestamp")
        .with_timezone(&Utc);
    let tracks = catalog(as_of);
    let mut group = c.benchmark_group("aggregation");
    group.throughput(Throughput::Elements(TRACKS as u64));
    group.bench_function("record_100k_tracks_10k_producers", |b| {
        b.iter(|| {
            let mut ledger = ContributionLedger::new(as_of);
            for t in &tracks {
                ledger.record(&TrackFacts {
                    uploaded_at: t.uploaded_at,
                    plays: t.plays,
                    exclusive_only: t.exclusive_only,
                    credits: &t.credits,
                });
            }
            black_box(ledger.shares())
        })
    });
    group.finish();
}

criterion_group!(benches, aggregation);
criterion_main!(benches);
