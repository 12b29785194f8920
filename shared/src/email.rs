//! E-mail addresses (usernames, contacts, sender addresses), validated by `email_address`.

/// Validates an e-mail address (trimmed); the error names the rule.
pub fn parse_email(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("An e-mail address is required".into());
    }
    if trimmed.chars().count() > 254 {
        return Err("An e-mail address has at most 254 characters".into());
    }
    // Require a dot in the domain: addresses like `admin@localhost` are RFC-valid but are
    // never what an MSP's staff or customers use, and usually a typo.
    match email_address::EmailAddress::parse_with_options(
        trimmed,
        email_address::Options::default(),
    ) {
        Ok(addr) if addr.domain().contains('.') => Ok(trimmed.to_owned()),
        _ => Err(format!("'{trimmed}' is not a valid e-mail address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        assert_eq!(parse_email(" ops@example.com ").unwrap(), "ops@example.com");
        assert!(parse_email("first.last+tag@sub.example.co.uk").is_ok());
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in ["", "plain", "a@", "@b.com", "a b@c.com", "a@localhost"] {
            assert!(parse_email(bad).is_err(), "{bad} should be rejected");
        }
    }
}
