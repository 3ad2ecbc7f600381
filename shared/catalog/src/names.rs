//! How a display name becomes searchable words: the rules the stored name-search entries and the
//! co-producer search box share. Pure text functions: a rule about a name, like the name's own
//! field rules in `records`, not about how it is stored.

/// Name-search entries per profile (words beyond this are not searchable), which keeps a profile
/// write one small transaction.
pub const MAX_NAME_TOKENS: usize = 12;

/// The lower-cased words of a display name, plus the whole name when it has several words (so a
/// query with a space still finds it), without `#`, at most [`MAX_NAME_TOKENS`]. Each is a
/// name-search entry.
pub fn name_tokens(name: &str) -> Vec<String> {
    let clean: String = name.to_lowercase().chars().filter(|&c| c != '#').collect();
    let mut tokens: Vec<String> = clean.split_whitespace().map(str::to_owned).collect();
    let whole = tokens.join(" ");
    if tokens.len() > 1 {
        tokens.push(whole);
    }
    tokens.sort();
    tokens.dedup();
    tokens.truncate(MAX_NAME_TOKENS);
    tokens
}

/// A search query normalised like [`name_tokens`]: lower-cased, `#` dropped, spaces collapsed.
pub fn name_query(query: &str) -> String {
    let clean: String = query.to_lowercase().chars().filter(|&c| c != '#').collect();
    clean.split_whitespace().collect::<Vec<_>>().join(" ")
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
        let long = (0..30)
            .map(|i| format!("w{i:02}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(name_tokens(&long).len(), MAX_NAME_TOKENS);
    }
}
