//! Every credited track, compactly, so each producer's contribution breakdowns can be written
//! as one list after the scan.
//!
//! A producer's breakdowns are stored packed into a few chunk items (`table::pack`), in
//! track-id order; the producer's tracks are spread over every scan segment, so they cannot be
//! written as the scan meets them. Each segment keeps this arena instead: per track its id and
//! title in one text buffer, its upload instant, plays, credit count and exclusive flag (24
//! bytes plus the text), and one `(producer, track)` pair per credit (8 bytes). Arenas merge as
//! the aggregates do (producer numbers renumbered, track indices shifted). When the run writes
//! producer *n*, the breakdowns are recomputed with `contribution::breakdown_of`: the same
//! arithmetic the ledger summed (`contribution::breakdown`), so the same bits.

use std::num::NonZeroUsize;

use catalog::Track;
use chrono::{DateTime, Utc};
use contribution::{ProducerId, ProducerNumber, TrackId};
use results::run::Contribution;

/// One track as the arena keeps it.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Kept {
    /// Where the track's id starts in the text; its title follows the id and ends where the
    /// next track's id starts.
    text_start: u32,
    id_len: u8,
    credits: u8,
    exclusive_only: bool,
    plays: u64,
    /// Epoch milliseconds: upload times are kept at millisecond precision
    /// (`catalog::UploadTime`), and 8 bytes here instead of `DateTime`'s 12 make a track 24
    /// bytes, not 32.
    uploaded_millis: i64,
}

// A track's fixed part stays 24 bytes (100,000 tracks: 2.4 MB, not 3.2).
const _: () = assert!(std::mem::size_of::<Kept>() == 24);

/// The credited tracks of one part of the catalog. Serializable, as part of a sharded run's
/// partial aggregate.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TrackArena {
    text: String,
    tracks: Vec<Kept>,
    /// `(producer, track index)` for every credit; grouped by producer by [`TrackArena::seal`].
    credits: Vec<(ProducerNumber, u32)>,
    /// After sealing: producer `n`'s credits are `credits[starts[n]..starts[n + 1]]`.
    starts: Vec<u32>,
}

impl TrackArena {
    /// Keeps `track`, credited to `credited` (the producers' numbers).
    pub fn add(&mut self, track: &Track, credited: &[ProducerNumber]) {
        let index = self.tracks.len() as u32;
        let text_start = self.text.len() as u32;
        self.text.push_str(track.id.as_str());
        self.text.push_str(&track.title);
        self.tracks.push(Kept {
            text_start,
            // Ids are at most 128 bytes, credits at most 20 (checked when parsed).
            id_len: track.id.as_str().len() as u8,
            credits: credited.len() as u8,
            exclusive_only: track.exclusive_only,
            plays: track.plays,
            uploaded_millis: track.uploaded_at.instant().timestamp_millis(),
        });
        self.credits.extend(credited.iter().map(|&n| (n, index)));
    }

    /// Appends another part's tracks; `renumbered[n]` is the other part's producer `n` here.
    pub fn merge(&mut self, other: TrackArena, renumbered: &[ProducerNumber]) {
        let base = self.tracks.len() as u32;
        let text_base = self.text.len() as u32;
        self.text.push_str(&other.text);
        self.tracks.extend(other.tracks.into_iter().map(|mut t| {
            t.text_start += text_base;
            t
        }));
        self.credits.extend(
            other
                .credits
                .into_iter()
                .map(|(n, t)| (renumbered[n as usize], t + base)),
        );
    }

    /// Calls `each` with every credited track's producers, plays and upload instant (epoch
    /// milliseconds), in the order the tracks were added. Before [`TrackArena::seal`] only: until
    /// then a track's credits are next to each other.
    pub fn each_credited_track(&self, mut each: impl FnMut(&[ProducerNumber], u64, i64)) {
        let mut credited = Vec::new();
        for group in self.credits.chunk_by(|a, b| a.1 == b.1) {
            credited.clear();
            credited.extend(group.iter().map(|&(n, _)| n));
            let track = &self.tracks[group[0].1 as usize];
            each(&credited, track.plays, track.uploaded_millis);
        }
    }

    /// Whether [`TrackArena::seal`] has grouped the credits by producer.
    pub fn is_sealed(&self) -> bool {
        !self.starts.is_empty()
    }

    /// Groups the credits by producer (once, after the last merge), for `producers` producers.
    pub fn seal(&mut self, producers: usize) {
        self.credits.sort_unstable_by_key(|&(n, _)| n);
        self.credits.shrink_to_fit();
        let mut starts = vec![0u32; producers + 1];
        for &(n, _) in &self.credits {
            starts[n as usize + 1] += 1;
        }
        for i in 0..producers {
            starts[i + 1] += starts[i];
        }
        self.starts = starts;
    }

    fn id(&self, i: usize) -> &str {
        let t = &self.tracks[i];
        let start = t.text_start as usize;
        &self.text[start..start + t.id_len as usize]
    }

    fn title(&self, i: usize) -> &str {
        let t = &self.tracks[i];
        let start = t.text_start as usize + t.id_len as usize;
        let end = self
            .tracks
            .get(i + 1)
            .map_or(self.text.len(), |next| next.text_start as usize);
        &self.text[start..end]
    }

    /// Producer `n`'s breakdowns as of `as_of`, in track-id order (after [`TrackArena::seal`]).
    pub fn contributions_of(
        &self,
        n: ProducerNumber,
        owner: &ProducerId,
        as_of: DateTime<Utc>,
    ) -> Vec<Contribution> {
        let n = n as usize;
        let Some(range) = self.starts.get(n..n + 2) else {
            return Vec::new();
        };
        let mut indices: Vec<usize> = self.credits[range[0] as usize..range[1] as usize]
            .iter()
            .map(|&(_, t)| t as usize)
            .collect();
        indices.sort_unstable_by(|&a, &b| self.id(a).cmp(self.id(b)));
        indices
            .into_iter()
            .map(|i| {
                let t = self.tracks[i];
                let uploaded_at = DateTime::<Utc>::from_timestamp_millis(t.uploaded_millis)
                    .expect("the arena keeps upload times that were valid instants");
                let b = contribution::breakdown_of(
                    uploaded_at,
                    t.plays,
                    t.exclusive_only,
                    NonZeroUsize::new(usize::from(t.credits)).unwrap_or(NonZeroUsize::MIN),
                    as_of,
                );
                Contribution {
                    owner: owner.clone(),
                    track_id: TrackId::parse(self.id(i))
                        .expect("the arena keeps ids that were parsed"),
                    title: self.title(i).to_owned(),
                    plays: t.plays,
                    months_since_upload: b.months_since_upload,
                    decay: b.decay,
                    boost: b.boost,
                    split: b.split,
                    eligible: b.eligible,
                    value: b.value,
                }
            })
            .collect()
    }
}
