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

use std::collections::{HashMap, HashSet};

use contribution::ProducerId;
use store::run_items::Recommendation;

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

pub fn all(
    agg: &Aggregate,
    network: &HashMap<&ProducerId, Vec<(&ProducerId, u32)>>,
    trending: &HashSet<&ProducerId>,
    contribution_rank: &HashMap<&ProducerId, u64>,
) -> Vec<Recommendation> {
    // Genre buckets, each cut to its top contributors (unranked producers after, by id).
    let mut buckets: HashMap<&str, Vec<&ProducerId>> = HashMap::new();
    for (id, producer) in &agg.profiles {
        for genre in &producer.genres {
            buckets.entry(genre.as_str()).or_default().push(id);
        }
    }
    for bucket in buckets.values_mut() {
        bucket.sort_by_key(|id| (contribution_rank.get(*id).copied().unwrap_or(u64::MAX), *id));
        bucket.truncate(POOL_PER_GENRE);
    }

    let mut producers: Vec<&ProducerId> = agg.profiles.keys().collect();
    producers.sort();
    let mut items = Vec::new();
    for id in producers {
        let me = &agg.profiles[id];
        let known: HashSet<&ProducerId> = network
            .get(id)
            .map(|v| v.iter().map(|(other, _)| *other).collect())
            .unwrap_or_default();
        let mut candidates: Vec<&ProducerId> = me
            .genres
            .iter()
            .filter_map(|g| buckets.get(g.as_str()))
            .flatten()
            .copied()
            .filter(|c| *c != id && !known.contains(c))
            .collect();
        candidates.sort();
        candidates.dedup();

        let mut scored: Vec<(f64, &ProducerId, Vec<String>, Vec<String>)> = candidates
            .into_iter()
            .map(|c| {
                let them = &agg.profiles[c];
                let shared: Vec<&str> = me
                    .genres
                    .iter()
                    .filter(|g| them.genres.contains(g))
                    .map(String::as_str)
                    .collect();
                let union = me.genres.len() + them.genres.len() - shared.len();
                let genre_score = shared.len() as f64 / union.max(1) as f64;
                let new_styles: Vec<&str> = them
                    .styles
                    .iter()
                    .filter(|s| !me.styles.contains(s))
                    .map(String::as_str)
                    .collect();
                let style_score =
                    STYLE_WEIGHT * new_styles.len() as f64 / them.styles.len().max(1) as f64;
                let is_trending = trending.contains(c);
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
        scored.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(y.1)));
        for (rank, (score, candidate, reasons, common_genres)) in
            scored.into_iter().take(PER_PRODUCER).enumerate()
        {
            items.push(Recommendation {
                owner: id.clone(),
                rank: rank as u64 + 1,
                producer_id: candidate.clone(),
                name: agg.profiles[candidate].name.clone(),
                score,
                match_percent: match_percent(score),
                common_genres,
                reasons,
            });
        }
    }
    items
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
