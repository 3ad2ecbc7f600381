//! The one encoding of packed rows: a chunk's rows, a pair-count or counter part's, a payout
//! roster's. Rows are stored as one binary attribute, not as a DynamoDB list of typed values.
//!
//! Why binary: a list of typed values is held by the SDK as a tree of `AttributeValue`s, ~15–20
//! times the stored size (a 300 KB pair-count part took ~5 MB to write), DynamoDB parses every
//! element of it on the way in, and each number travels as decimal text. A blob is one buffer in
//! memory and on the wire, and [postcard](https://docs.rs/postcard) (serde, a stable documented
//! wire format) stores floats as their 8 bytes, so they come back with the same bits; integers are
//! varints and strings are length-prefixed, so a row weighs less than the typed list did.
//!
//! Layout: one format byte ([`FORMAT`]), the row count as a varint, then each row's postcard
//! encoding. Rows are encoded once, one at a time ([`encode_row`]), so a list can be cut into
//! chunks by the encoded bytes and each chunk written ([`blob`]) without encoding a row twice. A
//! blob of another format is refused rather than misread; nothing reads a run older than its
//! seven-day life, so a change of a row's shape needs a new format byte only to be refused
//! cleanly.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The format byte of blobs written by this code.
pub const FORMAT: u8 = 1;

/// Why a blob could not be read or a row written.
#[derive(Debug, thiserror::Error)]
pub enum RowsError {
    #[error("the rows are empty (no format byte)")]
    Empty,
    #[error("the rows are in format {0}, this code reads format {FORMAT}")]
    UnknownFormat(u8),
    #[error("a row does not decode: {0}")]
    Postcard(#[from] postcard::Error),
    #[error("{0} bytes follow the last row")]
    Trailing(usize),
}

/// One row's encoding.
pub fn encode_row<R: Serialize>(row: &R) -> Result<Vec<u8>, RowsError> {
    Ok(postcard::to_allocvec(row)?)
}

/// A blob of already encoded rows, in order.
pub fn blob<'r>(rows: impl ExactSizeIterator<Item = &'r [u8]>) -> Result<Vec<u8>, RowsError> {
    let mut out = vec![FORMAT];
    out = postcard::to_extend(&(rows.len() as u64), out)?;
    for row in rows {
        out.extend_from_slice(row);
    }
    Ok(out)
}

/// Encodes `rows` as one blob.
pub fn encode<R: Serialize>(rows: &[R]) -> Result<Vec<u8>, RowsError> {
    let encoded = rows.iter().map(encode_row).collect::<Result<Vec<_>, _>>()?;
    blob(encoded.iter().map(Vec::as_slice))
}

/// The bytes a blob of `count` rows weighing `row_bytes` together takes (format byte, count).
pub fn blob_len(count: usize, row_bytes: usize) -> usize {
    let mut varint = 1;
    let mut n = count >> 7;
    while n > 0 {
        varint += 1;
        n >>= 7;
    }
    1 + varint + row_bytes
}

/// The rows of a blob.
pub fn decode<R: DeserializeOwned>(bytes: &[u8]) -> Result<Vec<R>, RowsError> {
    let (&format, rest) = bytes.split_first().ok_or(RowsError::Empty)?;
    if format != FORMAT {
        return Err(RowsError::UnknownFormat(format));
    }
    let (count, mut rest) = postcard::take_from_bytes::<u64>(rest)?;
    // Every row takes at least one byte: a count beyond the bytes left is a corrupt blob.
    let mut rows = Vec::with_capacity((count as usize).min(rest.len()));
    for _ in 0..count {
        let (row, after) = postcard::take_from_bytes::<R>(rest)?;
        rows.push(row);
        rest = after;
    }
    if !rest.is_empty() {
        return Err(RowsError::Trailing(rest.len()));
    }
    Ok(rows)
}

/// `#[serde(with = "crate::rows::as_blob")]`: a `Vec` of rows in an entity stored as one binary
/// attribute (serde_dynamo writes bytes as `B`).
pub mod as_blob {
    use serde::de::{DeserializeOwned, Error as _};
    use serde::ser::Error as _;
    use serde::{Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, R: Serialize>(rows: &[R], s: S) -> Result<S::Ok, S::Error> {
        let bytes = super::encode(rows).map_err(S::Error::custom)?;
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, R: DeserializeOwned>(
        d: D,
    ) -> Result<Vec<R>, D::Error> {
        let bytes: serde_bytes::ByteBuf = serde::Deserialize::deserialize(d)?;
        super::decode(&bytes).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row = (String, u64, f64, bool, Option<String>);

    fn sample() -> Vec<Row> {
        vec![
            ("t1".to_owned(), 0, 0.1 + 0.2, true, None),
            (
                "tëst".to_owned(),
                u64::MAX,
                f64::MIN_POSITIVE,
                false,
                Some("x".to_owned()),
            ),
            (String::new(), 300, -0.0, false, Some(String::new())),
        ]
    }

    #[test]
    fn rows_come_back_with_the_same_bits() {
        let rows = sample();
        let back: Vec<Row> = decode(&encode(&rows).expect("test rows")).expect("test rows");
        assert_eq!(back.len(), rows.len());
        for (a, b) in back.iter().zip(&rows) {
            assert_eq!(
                (&a.0, a.1, a.2.to_bits(), a.3, &a.4),
                (&b.0, b.1, b.2.to_bits(), b.3, &b.4)
            );
        }
        assert_eq!(
            decode::<Row>(&encode::<Row>(&[]).expect("test rows")).expect("test rows"),
            vec![]
        );
    }

    #[test]
    fn a_blob_weighs_what_blob_len_says() {
        for n in [0usize, 1, 127, 128, 300] {
            let rows: Vec<Row> = sample().into_iter().cycle().take(n).collect();
            let row_bytes: usize = rows
                .iter()
                .map(|r| encode_row(r).expect("test rows").len())
                .sum();
            assert_eq!(
                encode(&rows).expect("test rows").len(),
                blob_len(n, row_bytes),
                "{n} rows"
            );
        }
    }

    #[test]
    fn a_damaged_blob_is_refused_not_misread() {
        let good = encode(&sample()).expect("test rows");
        assert!(matches!(decode::<Row>(&[]), Err(RowsError::Empty)));
        let mut other = good.clone();
        other[0] = FORMAT + 1;
        assert!(matches!(
            decode::<Row>(&other),
            Err(RowsError::UnknownFormat(2))
        ));
        assert!(matches!(
            decode::<Row>(&good[..good.len() - 1]),
            Err(RowsError::Postcard(_))
        ));
        let mut longer = good.clone();
        longer.push(0);
        assert!(matches!(
            decode::<Row>(&longer),
            Err(RowsError::Trailing(1))
        ));
        // A count far beyond the bytes: an error, not a huge allocation.
        let mut huge = vec![FORMAT];
        huge = postcard::to_extend(&u64::MAX, huge).expect("test rows");
        assert!(decode::<Row>(&huge).is_err());
    }
}
