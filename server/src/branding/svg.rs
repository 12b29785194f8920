//! SVG logos: an SVG is a document that can run script when opened on its own, so an uploaded
//! one is (1) refused when it carries active content — script, event handlers, `javascript:`
//! URLs, `foreignObject` — so the uploader learns it will not be used as is, and (2) rebuilt by
//! svg-hush's allowlist filter, which drops every element and attribute it does not know to be
//! harmless and makes every reference same-origin. The served file is the rebuilt one; its
//! response headers (CSP with `sandbox`, `nosniff`) are the third line of defence.

use std::io::Cursor;

use xml::reader::XmlEvent;
use xml::ParserConfig;

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// The sanitised form of an uploaded SVG, or why it is refused.
pub fn sanitise(bytes: &[u8]) -> Result<Vec<u8>, String> {
    refuse_active_content(bytes)?;
    let mut filter = svg_hush::Filter::new();
    // Embedded PNG/JPEG/GIF images are common in logos; other data: URLs are dropped.
    filter.set_data_url_filter(svg_hush::data_url_filter::allow_standard_images);
    let mut out = Vec::with_capacity(bytes.len());
    filter
        .filter(Cursor::new(bytes), &mut out)
        .map_err(|_| "The SVG logo could not be read as an SVG image".to_string())?;
    Ok(out)
}

/// Parses the document (with the limits svg-hush uses, so both read it alike) and names the
/// first piece of active content in it.
fn refuse_active_content(bytes: &[u8]) -> Result<(), String> {
    let parser = ParserConfig::new()
        .cdata_to_characters(true)
        .ignore_comments(true)
        .allow_multiple_root_elements(false)
        .max_attributes(200)
        .max_entity_expansion_depth(3)
        .max_name_length(1000)
        .create_reader(Cursor::new(bytes));
    let refuse = |what: String| {
        Err(format!(
            "The SVG logo contains {what}, which could run script; remove it and upload the \
             logo again"
        ))
    };
    let mut root_seen = false;
    for event in parser {
        let event = event.map_err(|e| format!("The SVG logo is not well-formed XML ({e})"))?;
        let XmlEvent::StartElement {
            name, attributes, ..
        } = event
        else {
            continue;
        };
        if !root_seen {
            root_seen = true;
            if name.local_name != "svg" || name.namespace.as_deref() != Some(SVG_NAMESPACE) {
                return Err(
                    "The logo is not an SVG image (its root is not an SVG <svg> \
                            element)"
                        .into(),
                );
            }
        }
        let element = name.local_name.to_ascii_lowercase();
        if matches!(
            element.as_str(),
            "script" | "foreignobject" | "handler" | "listener" | "iframe" | "embed" | "object"
        ) {
            return refuse(format!("a <{}> element", name.local_name));
        }
        for attribute in &attributes {
            let attr = attribute.name.local_name.to_ascii_lowercase();
            if attr.starts_with("on") {
                return refuse(format!("an event handler ({})", attribute.name.local_name));
            }
            // Animation that sets an event handler attribute.
            if attr == "attributename"
                && attribute
                    .value
                    .trim()
                    .to_ascii_lowercase()
                    .starts_with("on")
            {
                return refuse(format!(
                    "an animated event handler ({})",
                    attribute.value.trim()
                ));
            }
            // Browsers skip whitespace and control characters inside a URL's scheme.
            let value: String = attribute
                .value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase();
            if value.contains("javascript:") || value.contains("vbscript:") {
                return refuse(format!("a script URL (in {})", attribute.name.local_name));
            }
        }
    }
    if root_seen {
        Ok(())
    } else {
        Err("The logo is not an SVG image".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svg(body: &str) -> Vec<u8> {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
             viewBox=\"0 0 10 10\">{body}</svg>"
        )
        .into_bytes()
    }

    #[test]
    fn a_plain_logo_passes_and_keeps_its_shapes() {
        let out = sanitise(&svg("<rect width=\"10\" height=\"10\" fill=\"#1A73E8\"/>")).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("<rect"), "{text}");
        assert!(text.contains("#1A73E8"), "{text}");
    }

    #[test]
    fn active_content_is_refused() {
        let cases = [
            ("<script>alert(1)</script>", "a script element"),
            (
                "<SCRIPT xmlns=\"http://www.w3.org/2000/svg\">x</SCRIPT>",
                "an upper-case script",
            ),
            ("<rect onclick=\"alert(1)\"/>", "an event handler"),
            (
                "<a href=\"javascript:alert(1)\"><rect/></a>",
                "a javascript: link",
            ),
            (
                "<a xlink:href=\" jav&#x09;ascript:alert(1)\"><rect/></a>",
                "an obfuscated link",
            ),
            (
                "<foreignObject><p xmlns=\"http://www.w3.org/1999/xhtml\">x</p></foreignObject>",
                "foreignObject",
            ),
            (
                "<set attributeName=\"onmouseover\" to=\"alert(1)\"/>",
                "an animated handler",
            ),
        ];
        for (body, why) in cases {
            let result = sanitise(&svg(body));
            assert!(result.is_err(), "{why} should be refused: {result:?}");
        }
        // The root element sets a handler too.
        assert!(sanitise(
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect/></svg>"
        )
        .is_err());
    }

    #[test]
    fn external_references_are_stripped() {
        let out = sanitise(&svg(
            "<image href=\"https://tracker.example/pixel.png\" width=\"1\" height=\"1\"/>\
             <style>@import url(https://evil.example/x.css); rect { fill: red }</style><rect/>",
        ))
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("tracker.example"), "{text}");
        // What is left of the style sheet loads nothing.
        assert!(!text.contains("@import"), "{text}");
        assert!(!text.contains("url(http"), "{text}");
    }

    #[test]
    fn what_is_not_an_svg_document_is_refused() {
        for bad in [
            &b"<html><body>hi</body></html>"[..],
            b"<svg><rect/></svg>",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect>",
            b"not xml at all",
        ] {
            assert!(sanitise(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
