//! What an item weighs by DynamoDB's own rules, and so what writing it bills.
//!
//! On-demand tables bill one write request unit per started kilobyte of each item written
//! (standard writes). The recompute reads the real figure from `ReturnConsumedCapacity`; this is
//! for estimates where no table is involved (`cargo xtask simulate`), following the documented
//! rules: an attribute weighs its name's UTF-8 bytes plus its value's; a string its UTF-8 bytes;
//! a number about one byte per two significant digits plus one; a boolean or null one byte; a
//! list or map three bytes plus one per element plus its elements.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::entity::Item;

/// An item's size in bytes as DynamoDB counts it.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

/// The write units one standard write of `item` consumes (for estimates: `cargo xtask simulate`).
pub fn write_units(item: &Item) -> u64 {
    item_size(item).div_ceil(1024).max(1) as u64
}

fn number_size(text: &str) -> usize {
    let digits = text
        .trim_start_matches(['-', '+'])
        .split(['e', 'E'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.max(1).div_ceil(2) + 1
}

/// A value's size in bytes as DynamoDB counts it.
pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(|e| 1 + value_size(e)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, e)| 1 + k.len() + value_size(e))
                .sum::<usize>()
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_documented_rules() {
        let item: Item = [
            ("pk".to_owned(), AttributeValue::S("abcde".to_owned())),
            ("n".to_owned(), AttributeValue::N("12345".to_owned())),
            ("ok".to_owned(), AttributeValue::Bool(true)),
            (
                "l".to_owned(),
                AttributeValue::L(vec![AttributeValue::S("ab".to_owned())]),
            ),
        ]
        .into_iter()
        .collect();
        // 2+5, 1+(3+1), 2+1, 1+(3+1+2)
        assert_eq!(item_size(&item), 7 + 5 + 3 + 7);
        assert_eq!(number_size("0.000123"), 3);
        assert_eq!(number_size("100"), 2);
    }
    #[test]
    fn a_write_bills_a_unit_per_started_kilobyte() {
        let small: Item = [("s".to_owned(), AttributeValue::S("x".repeat(1022)))]
            .into_iter()
            .collect();
        assert_eq!(write_units(&small), 1, "1,023 bytes fit in one kilobyte");
        let big: Item = [("s".to_owned(), AttributeValue::S("x".repeat(1024)))]
            .into_iter()
            .collect();
        assert_eq!(write_units(&big), 2, "1,025 bytes start a second kilobyte");
    }
}
