//! Serving a branding file from its content-addressed URL.

use poem::http::{header, StatusCode};
use poem::web::{Data, Path};
use poem::{handler, IntoResponse, Response};

use super::store;
use crate::state::AppState;

/// Branding files never run anything, whatever they contain: no script, no plugins, no
/// loading of anything else, and a sandbox (an opaque origin) if opened as a document.
pub const ASSET_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// Serves `/assets/branding/<sha256>.<extension>`. The URL names the exact bytes, so the
/// response may be cached forever; it is public, like any image in a page, and the hash
/// cannot be guessed without the file.
#[handler]
pub async fn serve_asset(Path(file): Path<String>, state: Data<&AppState>) -> Response {
    let Some((sha256, extension)) = file.split_once('.') else {
        return not_found();
    };
    let well_formed = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return not_found();
    }
    match store::asset(&state.pool, sha256).await {
        Ok(Some(asset)) if asset.extension == extension => Response::builder()
            .header(header::CONTENT_TYPE, asset.content_type)
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .header(header::ETAG, format!("\"{sha256}\""))
            .header(header::CONTENT_SECURITY_POLICY, ASSET_CSP)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .body(asset.bytes),
        Ok(_) => not_found(),
        Err(crate::AppError::Internal(cause)) => {
            tracing::error!(error = ?cause, "reading a branding file");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(_) => not_found(),
    }
}

fn not_found() -> Response {
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .finish()
}
