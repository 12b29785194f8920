//! Website addresses (a company profile's `website`): absolute `http` or `https` URLs.

/// The longest website address accepted.
pub const WEBSITE_MAX_CHARS: usize = 2048;

/// Validates a website address: an absolute `http://` or `https://` URL naming a domain (with
/// a dot, as a public website has), without user name or password. Returns it trimmed, as
/// typed (not re-serialised, so what the user entered is what they see).
pub fn parse_website(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    let chars = trimmed.chars().count();
    if chars > WEBSITE_MAX_CHARS {
        return Err(format!(
            "A website address has at most {WEBSITE_MAX_CHARS} characters (it has {chars})"
        ));
    }
    let invalid = || {
        format!(
            "'{trimmed}' is not a website address: use http:// or https:// and a domain, \
             e.g. https://example.com"
        )
    };
    let url = url::Url::parse(trimmed).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid());
    }
    match url.host() {
        Some(url::Host::Domain(domain)) if domain.contains('.') && !domain.ends_with('.') => {}
        _ => return Err(invalid()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("A website address must not contain a user name or password".into());
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_websites() {
        for good in [
            "https://example.com",
            " http://www.example.co.uk/about?x=1 ",
            "https://EXAMPLE.com:8443/path#top",
        ] {
            assert_eq!(parse_website(good).as_deref(), Ok(good.trim()), "{good}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_public_website() {
        let cases = [
            ("", "empty"),
            ("example.com", "no scheme"),
            ("ftp://example.com", "another scheme"),
            ("javascript:alert(1)", "script"),
            ("https://", "no host"),
            ("https://localhost", "no dot in the domain"),
            ("https://10.0.0.1", "an IP address"),
            ("https://user:secret@example.com", "credentials"),
            ("http://exa mple.com", "a space"),
        ];
        for (input, why) in cases {
            assert!(parse_website(input).is_err(), "{why}: {input}");
        }
        assert!(parse_website(&format!("https://example.com/{}", "a".repeat(2048))).is_err());
    }
}
