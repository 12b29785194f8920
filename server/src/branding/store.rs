//! Brandings' and branding assets' SQL.
//!
//! Brandings are read by customer id without a scope on purpose: a customer inherits the
//! branding of ancestors above the viewer's own customer. Callers decide what of the source
//! customer may be shown (see `graphql::Branding::inherited_from`).

use sqlx::{AnyConnection, AnyExecutor};

use crate::db::{PushSql, QueryBuilder};
use crate::error::AppResult;

/// One row of `brandings`, with the type and size of its logo and icon.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct BrandingRow {
    pub customer_id: i64,
    pub display_name: Option<String>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    pub background_color: Option<String>,
    pub sender_email: String,
    pub logo_sha256: Option<String>,
    pub logo_extension: Option<String>,
    pub logo_content_type: Option<String>,
    pub logo_size: Option<i64>,
    pub icon_sha256: Option<String>,
    pub icon_extension: Option<String>,
    pub icon_content_type: Option<String>,
    pub icon_size: Option<i64>,
    pub updated_at: i64,
}

/// Where an asset is served: `/assets/branding/<sha256>.<extension>`.
pub fn asset_url(sha256: &str, extension: &str) -> String {
    format!("/assets/branding/{sha256}.{extension}")
}

impl BrandingRow {
    /// The installation's default branding: only a sender address.
    pub fn installation_default(sender_email: &str) -> Self {
        Self {
            sender_email: sender_email.to_owned(),
            ..Self::default()
        }
    }

    pub fn logo_url(&self) -> Option<String> {
        Some(asset_url(
            self.logo_sha256.as_deref()?,
            self.logo_extension.as_deref()?,
        ))
    }

    pub fn icon_url(&self) -> Option<String> {
        Some(asset_url(
            self.icon_sha256.as_deref()?,
            self.icon_extension.as_deref()?,
        ))
    }

    /// The branding as the audit history records it: files by hash, type and size.
    pub fn audit_json(&self) -> serde_json::Value {
        let file = |sha: &Option<String>, content_type: &Option<String>, size: &Option<i64>| {
            sha.as_ref().map(|sha| {
                serde_json::json!({ "sha256": sha, "contentType": content_type, "size": size })
            })
        };
        serde_json::json!({
            "displayName": self.display_name,
            "primaryColor": self.primary_color,
            "accentColor": self.accent_color,
            "backgroundColor": self.background_color,
            "senderEmail": self.sender_email,
            "logo": file(&self.logo_sha256, &self.logo_content_type, &self.logo_size),
            "icon": file(&self.icon_sha256, &self.icon_content_type, &self.icon_size),
        })
    }
}

const SELECT: &str = "SELECT b.customer_id, b.display_name, b.primary_color, b.accent_color, \
    b.background_color, b.sender_email, \
    b.logo_sha256, l.extension AS logo_extension, l.content_type AS logo_content_type, \
    l.size AS logo_size, \
    b.icon_sha256, i.extension AS icon_extension, i.content_type AS icon_content_type, \
    i.size AS icon_size, b.updated_at \
    FROM brandings b \
    LEFT JOIN branding_assets l ON l.sha256 = b.logo_sha256 \
    LEFT JOIN branding_assets i ON i.sha256 = b.icon_sha256";

/// The own brandings of these customers (those that have one), regardless of scope.
pub async fn for_customers<'c>(
    exec: impl AnyExecutor<'c>,
    customer_ids: &[i64],
) -> AppResult<Vec<BrandingRow>> {
    let mut q = QueryBuilder::new(format!("{SELECT} WHERE b.customer_id IN ("));
    q.push_list(customer_ids.iter().copied());
    q.push(")");
    Ok(q.build_query_as()?.fetch_all(exec).await?)
}

/// The nearest own branding along `chain` (customer ids, nearest first).
pub async fn nearest(conn: &mut AnyConnection, chain: &[i64]) -> AppResult<Option<BrandingRow>> {
    let mut rows = for_customers(conn, chain).await?;
    Ok(chain.iter().find_map(|id| {
        let at = rows.iter().position(|row| row.customer_id == *id)?;
        Some(rows.swap_remove(at))
    }))
}

/// A validated upload, stored under the SHA-256 of `bytes`.
#[derive(Debug)]
pub struct NewAsset {
    pub sha256: String,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

/// Stores an asset unless the same bytes are stored already.
pub async fn insert_asset(
    conn: &mut AnyConnection,
    asset: &NewAsset,
    now_ms: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO branding_assets (sha256, content_type, extension, bytes, size, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&asset.sha256)
    .bind(asset.content_type)
    .bind(asset.extension)
    .bind(&asset.bytes)
    .bind(i64::try_from(asset.bytes.len()).unwrap_or(i64::MAX))
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// A stored asset, as served.
#[derive(Debug, sqlx::FromRow)]
pub struct AssetRow {
    pub content_type: String,
    pub extension: String,
    pub bytes: Vec<u8>,
}

/// The asset with this hash.
pub async fn asset<'c>(exec: impl AnyExecutor<'c>, sha256: &str) -> AppResult<Option<AssetRow>> {
    Ok(sqlx::query_as(
        "SELECT content_type, extension, bytes FROM branding_assets WHERE sha256 = $1",
    )
    .bind(sha256)
    .fetch_optional(exec)
    .await?)
}

/// A customer's own branding, as written.
#[derive(Debug)]
pub struct BrandingFields {
    pub display_name: Option<String>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    pub background_color: Option<String>,
    pub sender_email: String,
    pub logo_sha256: Option<String>,
    pub icon_sha256: Option<String>,
}

/// Writes a customer's own branding.
pub async fn upsert(
    conn: &mut AnyConnection,
    customer_id: i64,
    b: &BrandingFields,
    now_ms: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO brandings (customer_id, display_name, primary_color, accent_color, \
         background_color, sender_email, logo_sha256, icon_sha256, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (customer_id) DO UPDATE SET display_name = excluded.display_name, \
         primary_color = excluded.primary_color, accent_color = excluded.accent_color, \
         background_color = excluded.background_color, sender_email = excluded.sender_email, \
         logo_sha256 = excluded.logo_sha256, icon_sha256 = excluded.icon_sha256, \
         updated_at = excluded.updated_at",
    )
    .bind(customer_id)
    .bind(&b.display_name)
    .bind(&b.primary_color)
    .bind(&b.accent_color)
    .bind(&b.background_color)
    .bind(&b.sender_email)
    .bind(&b.logo_sha256)
    .bind(&b.icon_sha256)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a customer's own branding (it inherits again) and the files no branding uses any
/// more. Returns the branding it had, if any.
pub async fn delete(conn: &mut AnyConnection, customer_id: i64) -> AppResult<Option<BrandingRow>> {
    let Some(before) = for_customers(&mut *conn, &[customer_id]).await?.pop() else {
        return Ok(None);
    };
    sqlx::query("DELETE FROM brandings WHERE customer_id = $1")
        .bind(customer_id)
        .execute(&mut *conn)
        .await?;
    let files: Vec<&str> = [&before.logo_sha256, &before.icon_sha256]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    delete_unused_assets(conn, &files).await?;
    Ok(Some(before))
}

/// Deletes those of these assets that no branding refers to any more.
pub async fn delete_unused_assets(conn: &mut AnyConnection, sha256s: &[&str]) -> AppResult<()> {
    for sha in sha256s {
        sqlx::query(
            "DELETE FROM branding_assets WHERE sha256 = $1 AND NOT EXISTS \
             (SELECT 1 FROM brandings WHERE logo_sha256 = $1 OR icon_sha256 = $1)",
        )
        .bind(*sha)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Deletes the branding of a customer that is being removed.
pub async fn delete_for_customer(conn: &mut AnyConnection, customer_id: i64) -> AppResult<()> {
    delete(conn, customer_id).await.map(|_| ())
}
