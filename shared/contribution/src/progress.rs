//! Experience points (XP) and levels, as BeatPass publishes them
//! (`published-rules.md`, "XP and levels"; the seed, collaborations.txt, on uploads and plays).
//!
//! One table of XP rules, each citing where it comes from, and the level curve. Everything is
//! integer arithmetic: a level's threshold is the real number 100 × (L − 1)^1.5, and a level is
//! reached when XP ≥ it, decided exactly by squaring both sides (XP² ≥ 10⁴ × (L − 1)³) rather
//! than by a float that could round a boundary the wrong way.

/// XP to the uploader per uploaded track, however many producers it credits (seed: "earn XP for
/// the track upload regardless of collaborators"; published: "track upload, 100 per track").
pub const UPLOAD: u64 = 100;
/// XP to the uploader per uploaded track that is metadata-complete (published: "complete
/// metadata, 50 per metadata-complete track").
pub const COMPLETE_METADATA: u64 = 50;
/// XP to every credited producer per play of a track they are credited on, full plays, not split
/// (published: "play, 1 per play"). On a collaborative track only when the producer's own profile
/// is complete (published: "collaborative play XP depends on collaborator profile completion").
pub const PER_PLAY: u64 = 1;
/// XP to every credited producer per collaborative track they are credited on (published:
/// "collaboration, 25 per collaboration").
pub const PER_COLLABORATION: u64 = 25;

/// The highest level.
pub const MAX_LEVEL: u32 = 100;

/// What one producer did, as the XP rules count it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XpFacts {
    /// Tracks the producer uploaded.
    pub uploads: u64,
    /// Of those, metadata-complete ones.
    pub complete_uploads: u64,
    /// Plays of the solo tracks the producer is credited on.
    pub solo_plays: u64,
    /// Plays of the collaborative tracks the producer is credited on.
    pub collaborative_plays: u64,
    /// Collaborative tracks the producer is credited on.
    pub collaborative_tracks: u64,
    /// Whether the producer's own profile is complete.
    pub profile_complete: bool,
}

/// The producer's XP under the published rules (saturating: a count never wraps).
pub fn xp(facts: &XpFacts) -> u64 {
    let collaborative_plays = if facts.profile_complete {
        facts.collaborative_plays
    } else {
        0
    };
    [
        facts.uploads.saturating_mul(UPLOAD),
        facts.complete_uploads.saturating_mul(COMPLETE_METADATA),
        facts.solo_plays.saturating_mul(PER_PLAY),
        collaborative_plays.saturating_mul(PER_PLAY),
        facts.collaborative_tracks.saturating_mul(PER_COLLABORATION),
    ]
    .into_iter()
    .fold(0, u64::saturating_add)
}

/// Level titles by the lowest level that carries them (published: "titles may change, so keep
/// them in one table").
const TITLES: [(u32, &str); 10] = [
    (1, "Novice"),
    (3, "Apprentice"),
    (5, "Intermediate"),
    (7, "Skilled"),
    (10, "Experienced"),
    (15, "Advanced"),
    (20, "Professional"),
    (30, "Expert"),
    (40, "Master"),
    (50, "Legendary"),
];

/// Where a producer stands on the level curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// 1 to 100.
    pub level: u32,
    pub title: &'static str,
    /// The XP at which the next level is reached (the threshold rounded up to a whole XP), or
    /// `None` at level 100.
    pub xp_for_next_level: Option<u64>,
    /// How far from this level's threshold to the next one, 0 to 1 (1 at level 100).
    pub progress: f64,
}

/// Whether `xp` reaches `level`: xp ≥ 100 × (level − 1)^1.5, exactly.
fn reaches(xp: u64, level: u32) -> bool {
    let steps = u128::from(level.saturating_sub(1));
    u128::from(xp) * u128::from(xp) >= 10_000 * steps * steps * steps
}

/// The smallest whole XP reaching `level`: ⌈100 × (level − 1)^1.5⌉ = ⌈√(10⁴ × (level − 1)³)⌉.
fn threshold(level: u32) -> u64 {
    let steps = u128::from(level.saturating_sub(1));
    let square = 10_000 * steps * steps * steps;
    let root = square.isqrt();
    let ceiling = if root * root == square {
        root
    } else {
        root + 1
    };
    // At most ⌈100 × 99^1.5⌉ = 98,504.
    ceiling as u64
}

/// The level, title and progress of `xp`.
pub fn level(xp: u64) -> Level {
    let level = (1..=MAX_LEVEL).rev().find(|l| reaches(xp, *l)).unwrap_or(1);
    let title = TITLES
        .iter()
        .rev()
        .find(|(from, _)| *from <= level)
        .map_or("Novice", |(_, title)| title);
    let (xp_for_next_level, progress) = if level == MAX_LEVEL {
        (None, 1.0)
    } else {
        let (from, to) = (threshold(level), threshold(level + 1));
        let done = xp.saturating_sub(from) as f64 / (to - from) as f64;
        (Some(to), done.clamp(0.0, 1.0))
    };
    Level {
        level,
        title,
        xp_for_next_level,
        progress,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn levels_at_the_published_boundaries() {
        // Thresholds: L2 = 100, L3 = 282.84…, L100 = 98,503.7…
        for (xp, expected) in [
            (0, 1),
            (99, 1),
            (100, 2),
            (282, 2),
            (283, 3),
            (98_503, 99),
            (98_504, 100),
            (u64::MAX, 100),
        ] {
            assert_eq!(level(xp).level, expected, "{xp} XP");
        }
        assert_eq!(level(0).xp_for_next_level, Some(100));
        assert_eq!(level(100).xp_for_next_level, Some(283));
        assert_eq!(level(98_503).xp_for_next_level, Some(98_504));
        assert_eq!(level(98_504).xp_for_next_level, None);
        assert_eq!(level(98_504).progress, 1.0);
        assert_eq!(level(0).progress, 0.0);
        assert!((level(50).progress - 0.5).abs() < 1e-12);
    }

    #[test]
    fn titles_follow_the_published_table() {
        let title_at = |l: u32| level(threshold(l)).title;
        for (l, title) in [
            (1, "Novice"),
            (2, "Novice"),
            (3, "Apprentice"),
            (6, "Intermediate"),
            (9, "Skilled"),
            (14, "Experienced"),
            (19, "Advanced"),
            (29, "Professional"),
            (39, "Expert"),
            (49, "Master"),
            (50, "Legendary"),
            (100, "Legendary"),
        ] {
            assert_eq!(title_at(l), title, "level {l}");
            assert_eq!(level(threshold(l)).level, l);
        }
    }

    #[test]
    fn xp_follows_the_published_table() {
        let facts = XpFacts {
            uploads: 2,
            complete_uploads: 1,
            solo_plays: 9,
            collaborative_plays: 1_000,
            collaborative_tracks: 2,
            profile_complete: false,
        };
        // 2 × 100 + 50 + 9 + 2 × 25; collaborative plays only with a complete profile.
        assert_eq!(xp(&facts), 309);
        let complete = XpFacts {
            profile_complete: true,
            ..facts
        };
        assert_eq!(xp(&complete), 1_309);
        let huge = XpFacts {
            solo_plays: u64::MAX,
            ..complete
        };
        assert_eq!(xp(&huge), u64::MAX);
    }

    proptest! {
        #[test]
        fn levels_never_go_down_as_xp_grows(a in 0u64..200_000, b in 0u64..200_000) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(level(low).level <= level(high).level);
            let l = level(low);
            prop_assert!((0.0..=1.0).contains(&l.progress));
            if let Some(next) = l.xp_for_next_level {
                prop_assert!(next > low);
                prop_assert_eq!(level(next).level, l.level + 1);
                prop_assert_eq!(level(next - 1).level, l.level);
            }
        }
    }
}
