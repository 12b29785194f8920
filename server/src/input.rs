//! Patch-style inputs of the detail mutations: a field left out keeps its value, `null` (or a
//! blank text) clears it, and a value is validated by `canopy_shared`'s rules, with the input
//! field's GraphQL name in the error.

use canopy_shared::{email, text};

use crate::error::{AppError, AppResult};

/// `None`: leave as is; `Some(None)`: clear; `Some(Some(v))`: set to `v`.
pub type Patch<T> = Option<Option<T>>;

/// The value after applying `patch` to `current`.
pub fn apply<T>(patch: Patch<T>, current: Option<T>) -> Option<T> {
    match patch {
        None => current,
        Some(value) => value,
    }
}

/// Validates a patched single-line text (blank clears it).
pub fn line(
    patch: Patch<String>,
    field: &str,
    label: &str,
    max: usize,
) -> AppResult<Patch<String>> {
    patch
        .map(|v| {
            text::optional_line(v.as_deref(), label, max).map_err(|m| AppError::bad_input(field, m))
        })
        .transpose()
}

/// Validates a patched multi-line text (blank clears it).
pub fn multiline(
    patch: Patch<String>,
    field: &str,
    label: &str,
    max: usize,
) -> AppResult<Patch<String>> {
    patch
        .map(|v| {
            text::optional_multiline(v.as_deref(), label, max)
                .map_err(|m| AppError::bad_input(field, m))
        })
        .transpose()
}

/// Validates a patched e-mail address (blank clears it).
pub fn email(patch: Patch<String>, field: &str) -> AppResult<Patch<String>> {
    patch
        .map(|v| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(address) => email::parse_email(address)
                .map(Some)
                .map_err(|m| AppError::bad_input(field, m)),
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn left_out_keeps_null_or_blank_clears_and_values_are_checked() {
        assert_eq!(apply(None, Some(1)), Some(1));
        assert_eq!(apply(Some(None), Some(1)), None);
        assert_eq!(apply(Some(Some(2)), Some(1)), Some(2));
        assert_eq!(line(None, "title", "Title", 5).unwrap(), None);
        assert_eq!(
            line(Some(Some(" ".into())), "title", "Title", 5).unwrap(),
            Some(None)
        );
        assert_eq!(
            line(Some(Some(" CFO ".into())), "title", "Title", 5).unwrap(),
            Some(Some("CFO".into()))
        );
        assert!(line(Some(Some("too long".into())), "title", "Title", 5).is_err());
        assert_eq!(email(Some(Some("".into())), "email").unwrap(), Some(None));
        assert!(email(Some(Some("nope".into())), "email").is_err());
    }
}
