//! Realistic synthetic catalogs, for tests, the local demo and benchmarks.
//!
//! Deterministic for a seed. Shaped like a beat marketplace: producers work in one to three of a
//! dozen genres with a few styles each; most tracks are solo and collaborations are mostly within a
//! genre (so recommendations have something to find); plays follow a heavy tail from 0 to about
//! ten million; uploads spread over the three years before the as-of instant; 5% are exclusive-only.
//! The output is JSON Lines in the import format, so the generator also exercises the parser.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

/// The genres synthetic producers work in.
pub const GENRES: &[&str] = &[
    "trap",
    "drill",
    "lo-fi",
    "boom bap",
    "r&b",
    "afrobeats",
    "house",
    "pop",
    "reggaeton",
    "jersey club",
    "phonk",
    "ambient",
];
/// The styles synthetic producers describe themselves with.
pub const STYLES: &[&str] = &[
    "dark",
    "melodic",
    "bouncy",
    "soulful",
    "aggressive",
    "chill",
    "cinematic",
    "vintage",
    "experimental",
    "orchestral",
    "minimal",
    "vocal-chops",
];
const NAME_PARTS: &[&str] = &[
    "Nova", "Lumen", "Echo", "Vibe", "Kid", "Atlas", "Onyx", "Mira", "Pulse", "Saint", "Velvet",
    "Nine", "Ghost", "Zephyr", "Juno", "Cobalt", "Rio", "Sable", "Tempo", "Halo",
];
const NAME_SUFFIXES: &[&str] = &[
    "Beats",
    "Wav",
    "On The Track",
    "Sound",
    "Music",
    "Keys",
    "808",
];
const TITLE_WORDS: &[&str] = &[
    "Midnight", "Gold", "Rain", "Neon", "Drift", "Fever", "Static", "Bloom", "Ember", "Tide",
    "Shadow", "Orbit", "Velvet", "Rush", "Glass",
];

/// SplitMix64: small, fast, deterministic; enough for synthetic data.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub producers: usize,
    pub tracks: usize,
    pub seed: u64,
    /// Uploads fall in the three years before this instant.
    pub as_of: DateTime<Utc>,
}

/// How many producers a track credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditMix {
    /// The marketplace today: 65% solo, 25% duos, 7% trios, 3% four producers.
    Marketplace,
    /// `percent` of tracks collaborative, their credit counts spread evenly over
    /// `2..=max_credits` (the recompute benchmarks' heavier mix: 45%, up to 5).
    Collaborative { percent: u8, max_credits: u8 },
}

impl CreditMix {
    /// How many producers the next track credits.
    fn draw(self, rng: &mut SplitMix) -> usize {
        let roll = rng.below(100);
        match self {
            CreditMix::Marketplace => match roll {
                0..65 => 1,
                65..90 => 2,
                90..97 => 3,
                _ => 4,
            },
            CreditMix::Collaborative {
                percent,
                max_credits,
            } => {
                if roll >= u64::from(percent.min(100)) {
                    1
                } else {
                    let extra = u64::from(max_credits.clamp(2, 20)) - 1;
                    2 + rng.below(extra) as usize
                }
            }
        }
    }
}

struct GeneratedProducer {
    genres: Vec<usize>,
}

/// The catalog as JSON Lines: every producer line, then every track line.
pub fn generate(spec: Spec) -> impl Iterator<Item = String> {
    generate_with(spec, CreditMix::Marketplace)
}

/// [`generate`] with another collaboration mix.
pub fn generate_with(spec: Spec, mix: CreditMix) -> impl Iterator<Item = String> {
    let mut rng = SplitMix::new(spec.seed);
    let producer_count = spec.producers.max(1);
    let producers: Vec<GeneratedProducer> = (0..producer_count)
        .map(|_| {
            let n = 1 + rng.below(3) as usize;
            let mut genres: Vec<usize> = Vec::with_capacity(n);
            while genres.len() < n {
                let g = rng.below(GENRES.len() as u64) as usize;
                if !genres.contains(&g) {
                    genres.push(g);
                }
            }
            GeneratedProducer { genres }
        })
        .collect();
    // Producers by genre, so collaborators are mostly found within a genre.
    let mut by_genre: Vec<Vec<usize>> = vec![Vec::new(); GENRES.len()];
    for (i, p) in producers.iter().enumerate() {
        for &g in &p.genres {
            by_genre[g].push(i);
        }
    }

    let mut producer_rng = SplitMix::new(spec.seed ^ 0x5EED_0001);
    let producer_lines: Vec<String> = producers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut styles: Vec<&str> = Vec::new();
            for _ in 0..1 + producer_rng.below(3) {
                let style = producer_rng.pick(STYLES);
                if !styles.contains(&style) {
                    styles.push(style);
                }
            }
            let name = format!(
                "{} {} {}",
                producer_rng.pick(NAME_PARTS),
                producer_rng.pick(NAME_PARTS),
                producer_rng.pick(NAME_SUFFIXES)
            );
            let genres: Vec<&str> = p.genres.iter().map(|&g| GENRES[g]).collect();
            json!({
                "kind": "producer", "id": format!("p{i}"), "name": name,
                "genres": genres, "styles": styles,
                "stripeAccountId": format!("acct_{:016x}", producer_rng.next_u64()),
                // The platform's signals, from the index (not the generator, so a seed's
                // catalog stays what it was): about 80% payout-ready, 75% complete profiles.
                "chargesEnabled": i % 10 != 9,
                "payoutsEnabled": i % 10 != 9 && i % 10 != 8,
                "profileComplete": i % 4 != 3,
            })
            .to_string()
        })
        .collect();

    let tracks = spec.tracks;
    let as_of = spec.as_of;
    let track_lines = (0..tracks).map(move |t| {
        let uploader = rng.below(producer_count as u64) as usize;
        let genre =
            producers[uploader].genres[rng.below(producers[uploader].genres.len() as u64) as usize];
        let wanted = mix.draw(&mut rng);
        let mut credits = vec![uploader];
        let pool = &by_genre[genre];
        let mut attempts = 0;
        while credits.len() < wanted && attempts < 20 {
            attempts += 1;
            // Nine in ten collaborators share the genre; the rest come from anywhere.
            let candidate = if rng.below(10) < 9 && pool.len() > 1 {
                pool[rng.below(pool.len() as u64) as usize]
            } else {
                rng.below(producer_count as u64) as usize
            };
            if !credits.contains(&candidate) {
                credits.push(candidate);
            }
        }
        // Heavy tail: 10^(0..7) scaled by a uniform factor; one in ten tracks is unplayed.
        let plays = if rng.below(10) == 0 {
            0
        } else {
            10u64.pow(rng.below(7) as u32) * (1 + rng.below(10))
        };
        let age = TimeDelta::seconds(rng.below(3 * 365 * 86_400) as i64);
        let title = format!("{} {}", rng.pick(TITLE_WORDS), rng.pick(TITLE_WORDS));
        let credits: Vec<String> = credits.iter().map(|c| format!("p{c}")).collect();
        json!({
            "kind": "track", "id": format!("t{t}"), "title": title,
            "uploaderId": format!("p{uploader}"), "credits": credits,
            "uploadedAt": (as_of - age).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "plays": plays, "exclusiveOnly": rng.below(20) == 0, "genre": GENRES[genre],
            "metadataComplete": t % 5 != 4,
        })
        .to_string()
    });
    producer_lines.into_iter().chain(track_lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonl::parse;

    fn spec(seed: u64) -> Spec {
        Spec {
            producers: 50,
            tracks: 500,
            seed,
            as_of: DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
                .expect("valid")
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn generated_catalogs_are_valid_and_deterministic() {
        let text: String = generate(spec(7)).map(|l| l + "\n").collect();
        let (parsed, errors) = parse(text.as_bytes());
        assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(3)]);
        assert_eq!((parsed.producers.len(), parsed.tracks.len()), (50, 500));
        assert!(parsed.external_references.is_empty());
        let collaborative = parsed
            .tracks
            .iter()
            .filter(|t| t.credits.is_collaboration())
            .count();
        assert!(
            (100..=250).contains(&collaborative),
            "{collaborative} collaborative tracks"
        );

        let again: String = generate(spec(7)).map(|l| l + "\n").collect();
        assert_eq!(text, again);
        let other: String = generate(spec(8)).map(|l| l + "\n").collect();
        assert_ne!(text, other);
    }

    #[test]
    fn the_heavier_mix_credits_two_to_five_on_its_share_of_tracks() {
        let heavy: String = generate_with(
            spec(7),
            CreditMix::Collaborative {
                percent: 45,
                max_credits: 5,
            },
        )
        .map(|l| l + "\n")
        .collect();
        let (heavy, errors) = parse(heavy.as_bytes());
        assert!(errors.is_empty());
        let counts: Vec<usize> = heavy
            .tracks
            .iter()
            .map(|t| t.credits.producers().len())
            .collect();
        let collaborative = counts.iter().filter(|&&n| n > 1).count();
        assert!(
            (190..=260).contains(&collaborative),
            "{collaborative} of 500 collaborative"
        );
        assert!(counts.iter().all(|&n| (1..=5).contains(&n)));
        assert!(counts.contains(&5), "some tracks credit five producers");
    }
}
