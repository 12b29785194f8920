//! Free-text fields of the customer details (titles, phone numbers, VAT numbers, notes…):
//! trimmed, blank means "none", bounded in length, and free of control characters.

/// Validates an optional single-line text: trimmed, blank is `None`, at most `max_chars`
/// characters, no control characters. `label` names the field in the error.
pub fn optional_line(
    input: Option<&str>,
    label: &str,
    max_chars: usize,
) -> Result<Option<String>, String> {
    optional(input, label, max_chars, false)
}

/// Like [`optional_line`], but line breaks and tabs are allowed (notes).
pub fn optional_multiline(
    input: Option<&str>,
    label: &str,
    max_chars: usize,
) -> Result<Option<String>, String> {
    optional(input, label, max_chars, true)
}

/// Validates a required single-line text: trimmed, not blank, at most `max_chars` characters,
/// no control characters.
pub fn required_line(input: &str, label: &str, max_chars: usize) -> Result<String, String> {
    optional_line(Some(input), label, max_chars)?.ok_or_else(|| format!("{label} is required"))
}

fn optional(
    input: Option<&str>,
    label: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<Option<String>, String> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(format!(
            "{label} must be at most {max_chars} characters (it has {chars})"
        ));
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'));
    if !text.chars().all(allowed) {
        return Err(format!("{label} must not contain control characters"));
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_means_none_and_text_is_trimmed() {
        assert_eq!(optional_line(None, "Title", 10), Ok(None));
        assert_eq!(optional_line(Some("   "), "Title", 10), Ok(None));
        assert_eq!(
            optional_line(Some(" CFO "), "Title", 10),
            Ok(Some("CFO".into()))
        );
    }

    #[test]
    fn length_and_control_characters_are_bounded() {
        assert!(optional_line(Some("abcdefghijk"), "Title", 10).is_err());
        assert!(optional_line(Some("a\u{7}b"), "Title", 10).is_err());
        assert!(optional_line(Some("a\nb"), "Title", 10).is_err());
        assert_eq!(
            optional_multiline(Some("line 1\nline 2"), "Notes", 100),
            Ok(Some("line 1\nline 2".into()))
        );
        assert!(optional_multiline(Some("a\u{0}b"), "Notes", 100).is_err());
    }

    #[test]
    fn required_text_must_not_be_blank() {
        assert_eq!(
            required_line("  ", "Subject", 10),
            Err("Subject is required".into())
        );
        assert_eq!(required_line(" Call ", "Subject", 10), Ok("Call".into()));
    }
}
