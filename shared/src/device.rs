//! Devices: the naming rule (unique within a customer, case-insensitively) and storage sizes.

/// The most characters a device name may have.
pub const NAME_MAX_CHARS: usize = 128;

/// A valid device name: trimmed, 1–128 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceName(String);

impl DeviceName {
    /// Validates and trims a device name; the error says which rule failed.
    pub fn parse(input: &str) -> Result<Self, String> {
        crate::text::required_line(input, "Device name", NAME_MAX_CHARS).map(Self)
    }

    /// The name as given, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key names are unique by within a customer: case-insensitive.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// The largest byte count a `Float` carries exactly (2^53).
pub const MAX_BYTES: f64 = 9_007_199_254_740_992.0;

/// Validates a storage size given as a GraphQL `Float`: a whole, non-negative number of bytes
/// that a double represents exactly.
pub fn parse_bytes(value: f64) -> Result<i64, String> {
    if !value.is_finite() || value < 0.0 || value.fract() != 0.0 || value > MAX_BYTES {
        return Err(format!(
            "{value} is not a number of bytes: use a whole number from 0 to 2^53"
        ));
    }
    // Exact: the value is integral and within ±2^53.
    Ok(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_trimmed_bounded_and_keyed_case_insensitively() {
        let name = DeviceName::parse("  Laptop-01 ").unwrap();
        assert_eq!(name.as_str(), "Laptop-01");
        assert_eq!(name.key(), "laptop-01");
        assert_eq!(DeviceName::parse("LAPTOP-01").unwrap().key(), name.key());
        assert!(DeviceName::parse("   ").is_err());
        assert!(DeviceName::parse("a\u{1}b").is_err());
        assert!(DeviceName::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn byte_counts_are_whole_and_non_negative() {
        assert_eq!(parse_bytes(0.0), Ok(0));
        assert_eq!(parse_bytes(1_073_741_824.0), Ok(1_073_741_824));
        for bad in [-1.0, 0.5, f64::NAN, f64::INFINITY, 1e300] {
            assert!(parse_bytes(bad).is_err(), "{bad} should be rejected");
        }
    }
}
