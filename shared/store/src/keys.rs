//! How every item's key is spelled. Nothing outside this module formats a key.
//!
//! Ids cannot contain `#` (see `contribution::ids`), so `#` separates key parts unambiguously.
//! Version numbers and ranks are zero-padded so they sort as text.

use contribution::{ProducerId, TrackId};

pub const PROFILE_SK: &str = "PROFILE";
pub const TRACK_SK: &str = "TRACK";
/// Sort-key prefix of a producer's discography entries (under the producer's partition).
pub const DISCOGRAPHY_PREFIX: &str = "CREDIT#";
/// Sort-key prefix of a track's credit-change history (under the track's partition).
pub const HISTORY_PREFIX: &str = "HISTORY#";
/// The partition and sort key of the pointer to the latest completed run.
pub const RUN_POINTER_PK: &str = "RUNS";
pub const RUN_POINTER_SK: &str = "LATEST";
pub const RUN_META_SK: &str = "META";

pub fn producer_pk(id: &ProducerId) -> String {
    format!("PRODUCER#{id}")
}

pub fn track_pk(id: &TrackId) -> String {
    format!("TRACK#{id}")
}

/// A discography entry sorts by upload time, then track id: newest first when read backwards.
pub fn discography_sk(uploaded_at: &str, track: &TrackId) -> String {
    format!("{DISCOGRAPHY_PREFIX}{uploaded_at}#{track}")
}

pub fn history_sk(version: u64) -> String {
    format!("{HISTORY_PREFIX}{version:020}")
}

/// Name-search entries are partitioned by the first character of the word.
pub fn artist_name_pk(token: &str) -> String {
    let first: String = token.chars().take(1).collect();
    format!("ARTISTNAME#{first}")
}

pub fn artist_name_sk(token: &str, producer: &ProducerId) -> String {
    format!("{token}#{producer}")
}

/// The lower-cased words of a display name, plus the whole name when it has several words (so a
/// query with a space still finds it), without `#`. Each is a name-search entry.
pub fn name_tokens(name: &str) -> Vec<String> {
    let clean: String = name.to_lowercase().chars().filter(|&c| c != '#').collect();
    let mut tokens: Vec<String> = clean.split_whitespace().map(str::to_owned).collect();
    let whole = tokens.join(" ");
    if tokens.len() > 1 {
        tokens.push(whole);
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

/// A search query normalised like [`name_tokens`]: lower-cased, `#` dropped, spaces collapsed.
pub fn name_query(query: &str) -> String {
    let clean: String = query.to_lowercase().chars().filter(|&c| c != '#').collect();
    clean.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn run_pk(run_id: &str) -> String {
    format!("RUN#{run_id}")
}

pub fn run_producer_pk(run_id: &str, producer: &ProducerId) -> String {
    format!("RUN#{run_id}#PRODUCER#{producer}")
}

pub fn run_board_pk(run_id: &str, board: &str) -> String {
    format!("RUN#{run_id}#BOARD#{board}")
}

pub fn rank_sk(rank: u64) -> String {
    format!("RANK#{rank:010}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_tokens_cover_every_word_and_the_whole_name() {
        assert_eq!(
            name_tokens("Nova  Beats"),
            vec!["beats", "nova", "nova beats"]
        );
        assert_eq!(name_tokens("ÉCHO"), vec!["écho"]);
        assert_eq!(name_tokens("DJ #1"), vec!["1", "dj", "dj 1"]);
        assert_eq!(name_query("  Nova   B "), "nova b");
    }

    #[test]
    fn padded_numbers_sort_as_text() {
        assert!(history_sk(9) < history_sk(10));
        assert!(rank_sk(99) < rank_sk(100));
    }
}
