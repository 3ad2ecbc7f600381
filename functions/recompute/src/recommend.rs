//! Collaboration recommendations: who each producer might work with next, and why.
//!
//! Candidates are producers not yet collaborated with who share at least one genre. Comparing
//! every producer with every other would be quadratic, so candidates come from genre buckets, each
//! bounded to its [`POOL_PER_GENRE`] highest contributors (ties by id): a producer is compared with
//! at most `genres × POOL_PER_GENRE` others, whatever the platform's size.
//!
//! Scoring (documented in `docs/recompute.md`), highest first, ties by producer id:
//!
//! - similar genres: the Jaccard overlap of the two producers' genres (0 to 1);
//! - complementary styles: the share of the candidate's styles the producer lacks, × 0.5;
//! - trending: 0.5 when the candidate is in one of this run's trending pairs.
//!
//! Each recommendation lists the reasons that scored, its `match_percent` (the score over the
//! best a candidate can score, [`MAX_SCORE`], as a whole percent: a candidate with exactly the
//! producer's genres, only new styles and a trending pair is 100) and up to three genres in common
//! (published: "a match score as a percentage and up to three genres in common").

use std::collections::HashMap;

use contribution::ProducerNumber;
use results::run::Recommendation;

use crate::aggregate::Aggregate;

/// Recommendations kept per producer.
pub const PER_PRODUCER: usize = 10;
/// Candidates considered per genre (the genre's top contributors).
pub const POOL_PER_GENRE: usize = 50;
const STYLE_WEIGHT: f64 = 0.5;
const TRENDING_WEIGHT: f64 = 0.5;
/// The best score: full genre overlap, every style new, trending.
pub const MAX_SCORE: f64 = 1.0 + STYLE_WEIGHT + TRENDING_WEIGHT;
/// Genres in common shown per recommendation.
const COMMON_GENRES: usize = 3;

/// `score` as a whole percent of [`MAX_SCORE`] (0 to 100).
pub fn match_percent(score: f64) -> u8 {
    (score / MAX_SCORE * 100.0).round().clamp(0.0, 100.0) as u8
}

/// The genre buckets of one run, from which each producer's recommendations are drawn on
/// demand (so a run holds the buckets, never every producer's list at once).
pub struct Recommender<'a> {
    agg: &'a Aggregate,
    buckets: HashMap<&'a str, Vec<ProducerNumber>>,
}

impl<'a> Recommender<'a> {
    /// Buckets every profile by genre, each cut to its top contributors (`contribution_rank`,
    /// unranked producers after, by id).
    pub fn new(
        agg: &'a Aggregate,
        contribution_rank: impl Fn(ProducerNumber) -> Option<u64>,
    ) -> Self {
        let mut buckets: HashMap<&str, Vec<ProducerNumber>> = HashMap::new();
        for n in 0..agg.producer_count() as ProducerNumber {
            for genre in agg
                .profile(n)
                .map(|p| p.genres.as_slice())
                .unwrap_or_default()
            {
                buckets.entry(genre.as_str()).or_default().push(n);
            }
        }
        for bucket in buckets.values_mut() {
            bucket.sort_by_cached_key(|&n| {
                (contribution_rank(n).unwrap_or(u64::MAX), agg.producer(n))
            });
            bucket.truncate(POOL_PER_GENRE);
        }
        Self { agg, buckets }
    }

    /// The recommendations of producer `me` (none without a profile), best first. `known` are
    /// the producers `me` has collaborated with; `trending` says whether a producer is in one of
    /// this run's trending pairs.
    pub fn for_producer(
        &self,
        me: ProducerNumber,
        known: &[ProducerNumber],
        trending: impl Fn(ProducerNumber) -> bool,
    ) -> Vec<Recommendation> {
        let agg = self.agg;
        let Some(mine) = agg.profile(me) else {
            return Vec::new();
        };
        let mut candidates: Vec<ProducerNumber> = mine
            .genres
            .iter()
            .filter_map(|g| self.buckets.get(g.as_str()))
            .flatten()
            .copied()
            .filter(|&c| c != me && !known.contains(&c))
            .collect();
        candidates.sort_by(|&a, &b| agg.producer(a).cmp(agg.producer(b)));
        candidates.dedup();

        let mut scored: Vec<(f64, ProducerNumber, Vec<String>, Vec<String>)> = candidates
            .into_iter()
            .filter_map(|c| Some((c, agg.profile(c)?)))
            .map(|(c, them)| {
                let shared: Vec<&str> = mine
                    .genres
                    .iter()
                    .filter(|g| them.genres.contains(g))
                    .map(String::as_str)
                    .collect();
                let union = mine.genres.len() + them.genres.len() - shared.len();
                let genre_score = shared.len() as f64 / union.max(1) as f64;
                let new_styles: Vec<&str> = them
                    .styles
                    .iter()
                    .filter(|s| !mine.styles.contains(s))
                    .map(String::as_str)
                    .collect();
                let style_score =
                    STYLE_WEIGHT * new_styles.len() as f64 / them.styles.len().max(1) as f64;
                let is_trending = trending(c);
                let mut reasons = vec![format!("similar genres: {}", shared.join(", "))];
                if !new_styles.is_empty() {
                    reasons.push(format!("complementary styles: {}", new_styles.join(", ")));
                }
                if is_trending {
                    reasons.push("in a trending collaboration".to_owned());
                }
                let score =
                    genre_score + style_score + if is_trending { TRENDING_WEIGHT } else { 0.0 };
                let mut common: Vec<String> = shared.iter().map(|g| (*g).to_owned()).collect();
                common.sort();
                common.truncate(COMMON_GENRES);
                (score, c, reasons, common)
            })
            .collect();
        scored.sort_by(|x, y| {
            y.0.total_cmp(&x.0)
                .then_with(|| agg.producer(x.1).cmp(agg.producer(y.1)))
        });
        scored
            .into_iter()
            .take(PER_PRODUCER)
            .enumerate()
            .map(
                |(rank, (score, candidate, reasons, common_genres))| Recommendation {
                    owner: agg.producer(me).clone(),
                    rank: rank as u64 + 1,
                    producer_id: agg.producer(candidate).clone(),
                    name: agg.name(candidate).to_owned(),
                    score,
                    match_percent: match_percent(score),
                    common_genres,
                    reasons,
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_percent_is_the_score_over_the_best() {
        assert_eq!(match_percent(MAX_SCORE), 100);
        assert_eq!(match_percent(0.0), 0);
        assert_eq!(match_percent(1.0), 50);
        assert_eq!(match_percent(1.0 / 3.0), 17);
        assert_eq!(match_percent(f64::NAN), 0);
        assert_eq!(match_percent(9.0), 100);
    }
}
