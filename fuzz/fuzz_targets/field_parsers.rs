//! Every field parser of `canopy-shared` on arbitrary text: none may panic, and what one
//! accepts must stay accepted when parsed again (the parsers normalise idempotently).
#![no_main]

use canopy_shared::{branding, country::CountryCode, customer, device, email, web, CustomerName};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(name) = CustomerName::parse(text) {
        assert_eq!(CustomerName::parse(name.as_str()).as_ref().map(CustomerName::as_str), Ok(name.as_str()));
        let _ = name.key();
    }
    if let Ok(code) = CountryCode::parse(text) {
        assert_eq!(CountryCode::parse(code.code()), Ok(code));
    }
    if let Ok(address) = email::parse_email(text) {
        assert_eq!(email::parse_email(&address), Ok(address.clone()));
    }
    if let Ok(url) = web::parse_website(text) {
        assert!(web::parse_website(&url).is_ok());
    }
    if let Ok(colour) = branding::parse_color(text) {
        assert_eq!(branding::parse_color(&colour), Ok(colour.clone()));
    }
    let _ = customer::parse_reference(Some(text));
    let _ = device::DeviceName::parse(text);
    if data.len() >= 8 {
        let value = f64::from_le_bytes(data[..8].try_into().unwrap_or_default());
        let _ = device::parse_bytes(value);
    }
});
