//! ISO 3166-1 alpha-2 country codes, backed by the `isocountry` tables.

use std::fmt;

/// A validated ISO 3166-1 alpha-2 country code, stored upper-case (`DE`, `US`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CountryCode(isocountry::CountryCode);

impl CountryCode {
    /// Parses an alpha-2 code, case-insensitively, ignoring surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.len() != 2 {
            return Err(format!(
                "'{trimmed}' is not an ISO 3166-1 alpha-2 country code (two letters, e.g. DE)"
            ));
        }
        isocountry::CountryCode::for_alpha2_caseless(trimmed)
            .map(Self)
            .map_err(|_| format!("'{trimmed}' is not an ISO 3166-1 alpha-2 country code"))
    }

    /// The two-letter code, upper-case.
    pub fn code(&self) -> &'static str {
        self.0.alpha2()
    }

    /// The country's English name as ISO 3166-1 gives it.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Every ISO 3166-1 country, ordered by name.
    pub fn all() -> Vec<CountryCode> {
        let mut all: Vec<_> = isocountry::CountryCode::iter().map(|c| Self(*c)).collect();
        all.sort_by_key(|c| c.name());
        all
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_case_insensitively() {
        assert_eq!(CountryCode::parse("de").unwrap().code(), "DE");
        assert_eq!(CountryCode::parse(" NL ").unwrap().code(), "NL");
        assert_eq!(CountryCode::parse("DE").unwrap().name(), "Germany");
    }

    #[test]
    fn rejects_unknown_and_malformed_codes() {
        for bad in ["", "D", "DEU", "XX", "12", "Germany"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn lists_every_country() {
        let all = CountryCode::all();
        assert!(all.len() >= 249);
        assert!(all.windows(2).all(|w| w[0].name() <= w[1].name()));
    }
}
