//! HTTP hardening applied to every response: security headers (a Content-Security-Policy the
//! app works under), a request-body size limit, and CORS that stays closed unless origins are
//! configured.

use std::path::Path;

use base64::Engine;
use poem::http::{header, HeaderValue, StatusCode};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response};
use sha2::{Digest, Sha256};

/// The largest request body accepted: room for a GraphQL multipart upload of a logo (512 KiB)
/// and an icon (128 KiB) with their encoding overhead.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The policy for the app and API. Scripts only from this origin (plus the exact inline boot
/// script Trunk writes into index.html, allowed by its hash), WebAssembly compilation, no
/// framing, no plugins. Responses that set their own policy (branding assets, GraphiQL) keep it.
pub fn content_security_policy(static_dir: &Path) -> String {
    let hashes: String = inline_script_hashes(static_dir)
        .iter()
        .map(|h| format!(" 'sha256-{h}'"))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Base64 SHA-256 of each inline `<script>` in the app's index.html.
fn inline_script_hashes(static_dir: &Path) -> Vec<String> {
    let Ok(html) = std::fs::read_to_string(static_dir.join("index.html")) else {
        return Vec::new();
    };
    let mut hashes = Vec::new();
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<script") {
        let tag = &rest[start..];
        let Some(open_end) = tag.find('>') else { break };
        let Some(close) = tag.find("</script>") else {
            break;
        };
        let attributes = &tag[..open_end];
        if !attributes.contains(" src=") && close > open_end {
            let body = &tag[open_end + 1..close];
            hashes.push(
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes())),
            );
        }
        rest = &tag[close + "</script>".len()..];
    }
    hashes
}

/// Wraps `ep` with the headers, the body limit and (when origins are given) CORS.
pub fn harden<E: Endpoint + 'static>(
    ep: E,
    csp: String,
    cors_origins: &[String],
) -> poem::endpoint::BoxEndpoint<'static> {
    let csp = HeaderValue::from_str(&csp)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let hardened = ep.around(move |ep, mut req: Request| {
        let csp = csp.clone();
        async move {
            if let Err(response) = limit_body(&mut req).await {
                return Ok(with_headers(response, &csp));
            }
            let response = match ep.call(req).await {
                Ok(output) => output.into_response(),
                Err(err) => err.into_response(),
            };
            Ok(with_headers(response, &csp))
        }
    });
    if cors_origins.is_empty() {
        // No CORS headers at all: browsers keep other origins out.
        hardened.boxed()
    } else {
        let cors = cors_origins
            .iter()
            .fold(poem::middleware::Cors::new(), |cors, origin| {
                cors.allow_origin(origin.as_str())
            })
            .allow_methods([poem::http::Method::GET, poem::http::Method::POST])
            .allow_headers(["authorization", "content-type"]);
        hardened.with(cors).boxed()
    }
}

/// Refuses bodies over [`MAX_BODY_BYTES`]: by `Content-Length` when given, otherwise by reading
/// at most that much.
async fn limit_body(req: &mut Request) -> Result<(), Response> {
    let too_large = || {
        Response::builder()
            .status(StatusCode::PAYLOAD_TOO_LARGE)
            .body(format!("request body larger than {MAX_BODY_BYTES} bytes"))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > MAX_BODY_BYTES => Err(too_large()),
        Some(_) => Ok(()),
        None if req.headers().contains_key(header::TRANSFER_ENCODING) => {
            let body = req.take_body();
            let bytes = body
                .into_bytes_limit(MAX_BODY_BYTES)
                .await
                .map_err(|_| too_large())?;
            req.set_body(Body::from_bytes(bytes));
            Ok(())
        }
        None => Ok(()),
    }
}

fn with_headers(mut response: Response, csp: &HeaderValue) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<html><script src=\"/a.js\"></script><script type=\"module\">boot()</script></html>",
        )
        .unwrap();
        let hashes = inline_script_hashes(dir.path());
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"boot()"));
        assert_eq!(hashes, vec![expected.clone()]);
        let csp = content_security_policy(dir.path());
        assert!(csp.contains(&format!("'sha256-{expected}'")));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
