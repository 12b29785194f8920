//! `updateBranding` and `resetBranding`.
//!
//! A customer's own branding is complete: the first change to a customer that inherits starts
//! from the branding it shows at that moment (its nearest branded ancestor's, or the
//! installation default) and applies the change to that. From then on it no longer follows
//! its ancestors, until `resetBranding` makes it inherit again.

use canopy_shared::branding::{parse_color, AssetSlot};
use canopy_shared::email;
use sha2::{Digest, Sha256};

use super::store::{self, BrandingFields, BrandingRow, NewAsset};
use super::svg;
use crate::customers::model::CustomerRow;
use crate::error::{AppError, AppResult};
use crate::input::{self, Patch};
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::write::{self, Changed, Write};

/// A file as uploaded.
#[derive(Debug)]
pub struct UploadedFile {
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// A branding change: fields left out stay as they are, `null` clears (the sender address
/// cannot be cleared: `resetBranding` returns to the inherited one).
#[derive(Debug, Default)]
pub struct BrandingPatch {
    pub display_name: Patch<String>,
    pub primary_color: Patch<String>,
    pub accent_color: Patch<String>,
    pub background_color: Patch<String>,
    pub sender_email: Patch<String>,
    pub logo: Patch<UploadedFile>,
    pub icon: Patch<UploadedFile>,
}

fn color(patch: Patch<String>, field: &str) -> AppResult<Patch<String>> {
    patch
        .map(|v| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(c) => parse_color(c)
                .map(Some)
                .map_err(|m| AppError::bad_input(field, m)),
        })
        .transpose()
}

fn sender(patch: Patch<String>) -> AppResult<Option<String>> {
    match patch {
        None => Ok(None),
        Some(v) => match v.as_deref().map(str::trim) {
            None | Some("") => Err(AppError::bad_input(
                "senderEmail",
                "A sender e-mail address is required; reset the branding to use the inherited one",
            )),
            Some(address) => email::parse_email(address)
                .map(Some)
                .map_err(|m| AppError::bad_input("senderEmail", m)),
        },
    }
}

/// Checks an upload for `slot` (size, type by content, name and declared type agreeing, SVG
/// sanitised) and makes it a content-addressed asset.
pub async fn prepare_asset(slot: AssetSlot, file: UploadedFile) -> AppResult<NewAsset> {
    let kind = slot
        .check(&file.filename, file.content_type.as_deref(), &file.bytes)
        .map_err(|m| AppError::bad_input(slot.field(), m))?;
    let bytes = if kind == canopy_shared::branding::ImageKind::Svg {
        // Parsing is CPU work: keep it off the async workers.
        tokio::task::spawn_blocking(move || svg::sanitise(&file.bytes))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|m| AppError::bad_input(slot.field(), m))?
    } else {
        file.bytes
    };
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    Ok(NewAsset {
        sha256,
        content_type: kind.mime(),
        extension: kind.extension(),
        bytes,
    })
}

/// Validated branding change, files prepared.
struct ValidPatch {
    display_name: Patch<String>,
    primary_color: Patch<String>,
    accent_color: Patch<String>,
    background_color: Patch<String>,
    sender_email: Option<String>,
    logo: Patch<NewAsset>,
    icon: Patch<NewAsset>,
}

async fn prepare(slot: AssetSlot, patch: Patch<UploadedFile>) -> AppResult<Patch<NewAsset>> {
    Ok(match patch {
        None => None,
        Some(None) => Some(None),
        Some(Some(file)) => Some(Some(prepare_asset(slot, file).await?)),
    })
}

impl BrandingPatch {
    async fn validate(self) -> AppResult<ValidPatch> {
        Ok(ValidPatch {
            display_name: input::line(self.display_name, "displayName", "Display name", 100)?,
            primary_color: color(self.primary_color, "primaryColor")?,
            accent_color: color(self.accent_color, "accentColor")?,
            background_color: color(self.background_color, "backgroundColor")?,
            sender_email: sender(self.sender_email)?,
            logo: prepare(AssetSlot::Logo, self.logo).await?,
            icon: prepare(AssetSlot::Icon, self.icon).await?,
        })
    }
}

fn hash_of(asset: &Patch<NewAsset>, current: Option<String>) -> Option<String> {
    match asset {
        None => current,
        Some(None) => None,
        Some(Some(new)) => Some(new.sha256.clone()),
    }
}

/// The branding a customer shows now: its own, its nearest branded ancestor's (whether in the
/// viewer's scope or not), or the installation default.
async fn showing(w: &mut Write<'_>, customer: &CustomerRow) -> AppResult<BrandingRow> {
    let chain: Vec<i64> = customer.path_ids().into_iter().rev().collect();
    let default_sender = &w.state().default_sender_email;
    Ok(store::nearest(w.conn(), &chain)
        .await?
        .unwrap_or_else(|| BrandingRow::installation_default(default_sender)))
}

/// Changes a customer's own branding (giving it one if it inherited).
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    customer_id: i64,
    patch: BrandingPatch,
) -> AppResult<CustomerRow> {
    let patch = patch.validate().await?;
    let action = "branding.update";
    write::customer_detail(state, viewer, customer_id, action, |w, customer| {
        Box::pin(async move {
            let own = store::for_customers(w.conn(), &[customer.id]).await?.pop();
            let start = match &own {
                Some(row) => row.clone(),
                None => showing(w, customer).await?,
            };
            let fields = BrandingFields {
                display_name: input::apply(patch.display_name, start.display_name),
                primary_color: input::apply(patch.primary_color, start.primary_color),
                accent_color: input::apply(patch.accent_color, start.accent_color),
                background_color: input::apply(patch.background_color, start.background_color),
                sender_email: patch.sender_email.unwrap_or(start.sender_email),
                logo_sha256: hash_of(&patch.logo, start.logo_sha256.clone()),
                icon_sha256: hash_of(&patch.icon, start.icon_sha256.clone()),
            };
            let now = w.now();
            for asset in [&patch.logo, &patch.icon].into_iter().flatten().flatten() {
                store::insert_asset(w.conn(), asset, now)
                    .await
                    .map_err(|e| e.context("storing a branding file"))?;
            }
            store::upsert(w.conn(), customer.id, &fields, now)
                .await
                .map_err(|e| e.context("writing the branding"))?;
            if let Some(before) = &own {
                let replaced: Vec<&str> = [&before.logo_sha256, &before.icon_sha256]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                store::delete_unused_assets(w.conn(), &replaced).await?;
            }
            let after = store::for_customers(w.conn(), &[customer.id])
                .await?
                .pop()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("branding vanished")))?;
            Ok(Some(Changed {
                before: own.as_ref().map(BrandingRow::audit_json),
                after: Some(after.audit_json()),
            }))
        })
    })
    .await
}

/// Makes a customer inherit its branding again.
pub async fn reset(state: &AppState, viewer: &Viewer, customer_id: i64) -> AppResult<CustomerRow> {
    let action = "branding.reset";
    write::customer_detail(state, viewer, customer_id, action, |w, customer| {
        Box::pin(async move {
            let removed = store::delete(w.conn(), customer.id)
                .await
                .map_err(|e| e.context("deleting the branding"))?;
            // Inheriting already: nothing changes, nothing is recorded.
            Ok(removed.map(|before| Changed {
                before: Some(before.audit_json()),
                after: None,
            }))
        })
    })
    .await
}
