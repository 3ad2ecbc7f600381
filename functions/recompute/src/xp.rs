//! Experience points (XP).
//!
//! collaborations.txt says producers "earn XP for the track upload regardless of collaborators,
//! and plays on collaborative tracks contribute to your play-based XP", but gives no amounts. These
//! constants are our assumptions, kept here in one place until product sets them:
//!
//! - every track earns its uploader [`UPLOAD`] XP, credited or not, however many collaborators;
//! - every credited producer earns [`PER_PLAY`] XP per play of the track, on its full plays (XP
//!   is not split like contribution value is).

/// XP for uploading one track (assumption).
pub const UPLOAD: u64 = 100;
/// XP per play, to every credited producer (assumption).
pub const PER_PLAY: u64 = 1;

/// Play-based XP of a track with `plays` plays.
pub fn for_plays(plays: u64) -> u64 {
    plays.saturating_mul(PER_PLAY)
}
