//! A sharded run's partial aggregates: each scan shard's aggregate, kept in the table between
//! the shard's invocation and the reduce's (`docs/recompute.md`, "Past one invocation").
//!
//! The table rather than S3: a partial is written once and read once within one run, by the
//! same function, under the run id the function already owns (its IAM `LeadingKeys` condition
//! covers it, so no new grant or bucket policy), DynamoDB Local holds it in every local run and
//! test, and a TTL removes it as a lifecycle rule would. Its bytes are cut into pieces that fit
//! an item ([`PIECE_BYTES`]) and written with the run's batch writer; the head goes last, so a
//! reduce that finds a head finds a complete partial. Every piece carries the partial's digest:
//! an attempt killed while overwriting an earlier attempt's pieces leaves pieces that do not
//! match the head, which the reduce refuses rather than merging a mixture.

use chrono::{DateTime, TimeDelta, Utc};
use results::run_id::RunId;
use table::entity::{Entity, decode};
use table::error::StoreError;
use table::items::runs::{PartialHead, PartialPiece};

use crate::runs::published::RunScope;
use crate::runs::writer::RunGuard;

/// Bytes of a partial per piece: under DynamoDB's 400 KB item limit with room for the keys.
pub const PIECE_BYTES: usize = 350 * 1024;

/// How long a partial is kept after its run's as-of: a day past Step Functions' retries of the
/// run, then the TTL removes it.
pub const PARTIAL_RETENTION: TimeDelta = TimeDelta::days(2);

/// The scope a partial of the run as of `as_of` is written under (its short TTL).
pub fn partial_scope(run_id: RunId, as_of: DateTime<Utc>) -> RunScope {
    RunScope {
        run_id,
        expires_at: (as_of + PARTIAL_RETENTION).timestamp(),
    }
}

/// A 64-bit FNV-1a digest of the partial's bytes: tells two attempts' different bytes apart
/// (not a defence against tampering: only the function writes its run's partitions).
pub fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl crate::owners::Runs<'_> {
    /// Writes shard `shard`'s partial `bytes` under `scope` (its pieces, then its head) through
    /// the run's writer and `guard`; returns how many pieces it took.
    pub async fn write_partial<G: RunGuard>(
        &self,
        scope: RunScope,
        guard: &G,
        shard: u32,
        bytes: &[u8],
    ) -> Result<u32, G::Stop> {
        let digest = digest(bytes);
        let run_id = scope.run_id.clone();
        let ((), pieces) = self
            .write_run(scope.clone(), guard, async |sink| {
                for (piece, chunk) in bytes.chunks(PIECE_BYTES).enumerate() {
                    let piece = PartialPiece {
                        run_id: run_id.clone(),
                        shard,
                        piece: piece as u32,
                        digest,
                        bytes: chunk.to_vec(),
                    };
                    sink.item(&piece).await?;
                }
                Ok(())
            })
            .await?;
        let head = PartialHead {
            run_id,
            shard,
            pieces: pieces as u32,
            bytes: bytes.len() as u64,
            digest,
        };
        self.write_run(scope, guard, async |sink| Ok(sink.item(&head).await?))
            .await?;
        Ok(head.pieces)
    }

    /// Shard `shard`'s complete partial in run `run`, or `None` when its head is not written
    /// (the shard has not finished). Read consistently: the shard wrote it moments ago.
    pub async fn read_partial(
        &self,
        run: &RunId,
        shard: u32,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(head) = self
            .table
            .get_entity::<PartialHead>(run, shard, true)
            .await?
        else {
            return Ok(None);
        };
        let keys = (0..head.pieces)
            .map(|piece| PartialPiece::primary_key(run, (shard, piece)).item())
            .collect();
        let mut pieces: Vec<PartialPiece> = self
            .table
            .get_all(keys)
            .await?
            .into_iter()
            .map(decode)
            .collect::<Result<_, _>>()?;
        pieces.sort_unstable_by_key(|p| p.piece);
        let damaged = |problem: String| StoreError::BadPartial {
            run: run.to_string(),
            shard,
            problem,
        };
        if pieces.len() != head.pieces as usize {
            return Err(damaged(format!(
                "the head names {} pieces, {} are stored",
                head.pieces,
                pieces.len()
            )));
        }
        if let Some(stale) = pieces.iter().find(|p| p.digest != head.digest) {
            return Err(damaged(format!(
                "piece {} is another attempt's (digest {:x}, the head's {:x})",
                stale.piece, stale.digest, head.digest
            )));
        }
        let bytes: Vec<u8> = pieces.into_iter().flat_map(|p| p.bytes).collect();
        if bytes.len() as u64 != head.bytes || digest(&bytes) != head.digest {
            return Err(damaged(format!(
                "{} bytes whose digest is {:x}; the head says {} bytes, {:x}",
                bytes.len(),
                digest(&bytes),
                head.bytes,
                head.digest
            )));
        }
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_tells_different_bytes_apart_and_is_stable() {
        assert_eq!(digest(b""), 0xcbf2_9ce4_8422_2325);
        // FNV-1a's published test vector.
        assert_eq!(digest(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(digest(b"partial 1"), digest(b"partial 2"));
    }
}
