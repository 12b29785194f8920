//! Relay-style pagination shared by every connection: page-size rules, opaque cursors and
//! `PageInfo`.

use async_graphql::SimpleObject;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{AppError, AppResult};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: i64 = 500;

/// Relay's page information.
#[derive(Clone, Debug, SimpleObject)]
pub struct PageInfo {
    /// Whether another page follows this one.
    pub has_next_page: bool,
    /// Cursor of the last edge; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
    /// Whether a page precedes this one (true whenever `after` was given).
    pub has_previous_page: bool,
    /// Cursor of the first edge.
    pub start_cursor: Option<String>,
}

/// Validates `first`: 0 to [`MAX_PAGE_SIZE`], [`DEFAULT_PAGE_SIZE`] when absent.
pub fn page_size(first: Option<i32>) -> AppResult<i64> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => Ok(i64::from(n)),
        Some(n) => Err(AppError::bad_input(
            "first",
            format!("First must be between 0 and {MAX_PAGE_SIZE} (got {n})"),
        )),
    }
}

/// Encodes a cursor: base64url of the JSON of a sort key.
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// Decodes an `after` cursor made by [`encode_cursor`]; anything else is a `BAD_USER_INPUT`.
pub fn decode_cursor<K: DeserializeOwned>(cursor: Option<&str>) -> AppResult<Option<K>> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .map(Some)
        .ok_or_else(|| AppError::bad_input("after", "After is not a cursor from this list"))
}

/// Builds `PageInfo` for a page fetched with one extra row (which, if present, is dropped).
pub fn trim_page<T>(
    rows: &mut Vec<T>,
    limit: i64,
    after_given: bool,
    cursor: impl Fn(&T) -> String,
) -> PageInfo {
    let has_next_page = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    PageInfo {
        has_next_page,
        end_cursor: rows.last().map(&cursor),
        has_previous_page: after_given,
        start_cursor: rows.first().map(&cursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some(500)).unwrap(), 500);
        assert!(page_size(Some(501)).is_err());
        assert!(page_size(Some(-1)).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(&(3, "acme".to_string(), 7));
        let back: Option<(i32, String, i64)> = decode_cursor(Some(&c)).unwrap();
        assert_eq!(back, Some((3, "acme".into(), 7)));
        assert!(decode_cursor::<(i32, String, i64)>(Some("nope")).is_err());
    }

    #[test]
    fn the_extra_row_sets_has_next_page() {
        let mut rows = vec![1, 2, 3];
        let info = trim_page(&mut rows, 2, false, |n| n.to_string());
        assert!(info.has_next_page);
        assert_eq!(rows, vec![1, 2]);
        assert_eq!(info.end_cursor.as_deref(), Some("2"));
    }
}
