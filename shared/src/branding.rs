//! Branding rules: colours as `#RRGGBB`, and which image files a logo or an app icon may be.
//!
//! A file's type is decided by its content (magic bytes), never by its name; a file whose name
//! or declared type names a *different* image type is refused as mislabelled. The app uses the
//! same checks to explain a refusal before uploading.

/// Validates a colour as `#RRGGBB` (hexadecimal, either case) and normalises it to upper case.
pub fn parse_color(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    match trimmed.strip_prefix('#') {
        Some(hex) if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(format!("#{}", hex.to_ascii_uppercase()))
        }
        _ => Err(format!(
            "'{trimmed}' is not a colour: use #RRGGBB with six hexadecimal digits, e.g. #1A73E8"
        )),
    }
}

/// An image type a branding file may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageKind {
    Png,
    Jpeg,
    Svg,
    Ico,
}

impl ImageKind {
    /// The media type it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Svg => "image/svg+xml",
            Self::Ico => "image/x-icon",
        }
    }

    /// The file extension of its URL.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Svg => "svg",
            Self::Ico => "ico",
        }
    }

    /// How people name the type.
    pub fn label(self) -> &'static str {
        match self {
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
            Self::Svg => "SVG",
            Self::Ico => "ICO",
        }
    }

    /// The type a file extension names, if it is one of ours (case-insensitive).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" | "jpe" | "jfif" => Some(Self::Jpeg),
            "svg" => Some(Self::Svg),
            "ico" => Some(Self::Ico),
            _ => None,
        }
    }

    /// The type a declared media type names, if it is one of ours.
    pub fn from_mime(mime: &str) -> Option<Self> {
        let essence = mime.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "image/png" => Some(Self::Png),
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Self::Jpeg),
            "image/svg+xml" => Some(Self::Svg),
            "image/x-icon" | "image/vnd.microsoft.icon" | "image/ico" => Some(Self::Ico),
            _ => None,
        }
    }

    /// The type of `bytes` by their content: the PNG, JPEG and ICO signatures, or text that
    /// starts like an XML document with an `<svg` element. (The server then parses an SVG
    /// properly; this only tells the kinds apart.)
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(PNG) {
            return Some(Self::Png);
        }
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(Self::Jpeg);
        }
        // ICONDIR: reserved 0, type 1 (icon), then at least one 16-byte directory entry.
        if bytes.len() >= 22
            && bytes.starts_with(&[0, 0, 1, 0])
            && u16::from_le_bytes([bytes[4], bytes[5]]) > 0
        {
            return Some(Self::Ico);
        }
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
        let text = &text[start..];
        if text.first() == Some(&b'<')
            && std::str::from_utf8(text).is_ok_and(|t| t.contains("<svg"))
        {
            return Some(Self::Svg);
        }
        None
    }
}

/// Which branding file is uploaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssetSlot {
    /// The logo: PNG, JPEG or SVG, at most 512 KiB.
    Logo,
    /// The app icon: PNG or ICO, at most 128 KiB.
    Icon,
}

impl AssetSlot {
    /// The input field it is uploaded through.
    pub fn field(self) -> &'static str {
        match self {
            Self::Logo => "logo",
            Self::Icon => "icon",
        }
    }

    /// The largest file accepted, in bytes.
    pub fn max_bytes(self) -> usize {
        match self {
            Self::Logo => 512 * 1024,
            Self::Icon => 128 * 1024,
        }
    }

    /// The image types accepted.
    pub fn allowed(self) -> &'static [ImageKind] {
        match self {
            Self::Logo => &[ImageKind::Png, ImageKind::Jpeg, ImageKind::Svg],
            Self::Icon => &[ImageKind::Png, ImageKind::Ico],
        }
    }

    fn allowed_list(self) -> String {
        let labels: Vec<&str> = self.allowed().iter().map(|k| k.label()).collect();
        match labels.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => labels.join(""),
        }
    }

    /// Checks an uploaded file for this slot: its size, its type by content, and that its name
    /// and declared type (when they name an image type at all) agree with its content.
    pub fn check(
        self,
        filename: &str,
        declared_type: Option<&str>,
        bytes: &[u8],
    ) -> Result<ImageKind, String> {
        let what = match self {
            Self::Logo => "The logo",
            Self::Icon => "The icon",
        };
        if bytes.is_empty() {
            return Err(format!("{what} file is empty"));
        }
        if bytes.len() > self.max_bytes() {
            return Err(format!(
                "{what} may be at most {} KiB (this file has {} KiB)",
                self.max_bytes() / 1024,
                bytes.len().div_ceil(1024)
            ));
        }
        let kind = ImageKind::sniff(bytes)
            .filter(|k| self.allowed().contains(k))
            .ok_or_else(|| format!("{what} must be a {} image", self.allowed_list()))?;
        let by_name = filename
            .rsplit_once('.')
            .and_then(|(_, ext)| ImageKind::from_extension(ext));
        let by_type = declared_type.and_then(ImageKind::from_mime);
        for claimed in [by_name, by_type].into_iter().flatten() {
            if claimed != kind {
                return Err(format!(
                    "{what} is mislabelled: '{filename}' claims to be {}, but its content is {}",
                    claimed.label(),
                    kind.label()
                ));
            }
        }
        Ok(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF";
    const SVG: &[u8] = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";

    fn ico() -> Vec<u8> {
        let mut v = vec![0, 0, 1, 0, 1, 0];
        v.extend([0u8; 16]);
        v
    }

    #[test]
    fn colours_are_six_hex_digits_normalised_to_upper_case() {
        assert_eq!(parse_color(" #1a73e8 "), Ok("#1A73E8".into()));
        assert_eq!(parse_color("#FFFFFF"), Ok("#FFFFFF".into()));
        for bad in ["", "1a73e8", "#1a73e", "#1a73e8f", "#12345g", "red", "#fff"] {
            assert!(parse_color(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn the_content_decides_the_type() {
        assert_eq!(ImageKind::sniff(PNG), Some(ImageKind::Png));
        assert_eq!(ImageKind::sniff(JPEG), Some(ImageKind::Jpeg));
        assert_eq!(ImageKind::sniff(SVG), Some(ImageKind::Svg));
        assert_eq!(
            ImageKind::sniff(b"\xEF\xBB\xBF  <svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Some(ImageKind::Svg)
        );
        assert_eq!(ImageKind::sniff(&ico()), Some(ImageKind::Ico));
        assert_eq!(ImageKind::sniff(b"just some text"), None);
        assert_eq!(ImageKind::sniff(b"<html><body>no</body></html>"), None);
        assert_eq!(ImageKind::sniff(&[0, 0, 1, 0, 0, 0]), None);
    }

    #[test]
    fn each_slot_takes_its_types_and_sizes() {
        assert_eq!(
            AssetSlot::Logo.check("logo.png", Some("image/png"), PNG),
            Ok(ImageKind::Png)
        );
        assert_eq!(AssetSlot::Logo.check("logo", None, SVG), Ok(ImageKind::Svg));
        assert_eq!(
            AssetSlot::Logo.check("logo.JPEG", None, JPEG),
            Ok(ImageKind::Jpeg)
        );
        assert_eq!(
            AssetSlot::Icon.check("favicon.ico", None, &ico()),
            Ok(ImageKind::Ico)
        );
        // A name that says nothing about the type is fine: the content decides.
        assert_eq!(
            AssetSlot::Icon.check("upload.bin", Some("application/octet-stream"), PNG),
            Ok(ImageKind::Png)
        );

        let mut big = PNG.to_vec();
        big.resize(128 * 1024 + 1, 0);
        let ico = ico();
        // (slot, file name, declared type, content, why it is refused)
        type Case<'a> = (AssetSlot, &'a str, Option<&'a str>, &'a [u8], &'a str);
        let cases: Vec<Case> = vec![
            (AssetSlot::Logo, "logo.png", None, b"", "an empty file"),
            (
                AssetSlot::Logo,
                "logo.png",
                None,
                b"not an image",
                "text named .png",
            ),
            (
                AssetSlot::Logo,
                "logo.svg",
                None,
                PNG,
                "PNG bytes named .svg",
            ),
            (
                AssetSlot::Logo,
                "logo",
                Some("image/jpeg"),
                PNG,
                "PNG bytes declared as JPEG",
            ),
            (
                AssetSlot::Logo,
                "favicon.ico",
                None,
                &ico,
                "an ICO as a logo",
            ),
            (AssetSlot::Icon, "icon.svg", None, SVG, "an SVG as an icon"),
            (
                AssetSlot::Icon,
                "icon.png",
                None,
                &big,
                "an icon over 128 KiB",
            ),
        ];
        for (slot, name, declared, bytes, why) in cases {
            assert!(
                slot.check(name, declared, bytes).is_err(),
                "{why} should be refused"
            );
        }
        let mut huge = PNG.to_vec();
        huge.resize(512 * 1024 + 1, 0);
        assert!(AssetSlot::Logo.check("logo.png", None, &huge).is_err());
        huge.truncate(512 * 1024);
        assert!(AssetSlot::Logo.check("logo.png", None, &huge).is_ok());
    }

    #[test]
    fn refusals_name_the_accepted_types() {
        let err = AssetSlot::Logo.check("x.png", None, b"text").unwrap_err();
        assert!(err.contains("PNG, JPEG or SVG"), "{err}");
        let err = AssetSlot::Icon.check("x.png", None, b"text").unwrap_err();
        assert!(err.contains("PNG or ICO"), "{err}");
    }
}
