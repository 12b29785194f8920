//! Uploaded branding files: type sniffing by content and the SVG sanitiser on arbitrary bytes;
//! a sanitised SVG must come out without script.
#![no_main]

use canopy_shared::branding::ImageKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let kind = ImageKind::sniff(data);
    if kind == Some(ImageKind::Svg) || data.starts_with(b"<") {
        if let Ok(clean) = canopy_server::branding::svg::sanitise(data) {
            let lower = String::from_utf8_lossy(&clean).to_lowercase();
            assert!(!lower.contains("<script"), "script survived sanitising");
        }
    }
});
