//! The `Branding` type, a customer's own and effective branding, and `updateBranding` /
//! `resetBranding` (logo and icon arrive as multipart uploads).

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, ID};
use canopy_shared::branding::AssetSlot;

use super::service::{self, BrandingPatch, UploadedFile};
use super::store::BrandingRow;
use super::upload::FileUpload;
use crate::customers::model::CustomerRow;
use crate::customers::Customer;
use crate::error::AppError;
use crate::ids::customer_id;
use crate::request;

/// Where a branding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The customer's own.
    Own,
    /// The customer with this id, the nearest branded ancestor.
    Inherited(i64),
    /// The installation's configuration.
    InstallationDefault,
}

/// How the console and the e-mails look for a customer's users.
#[derive(Clone, Debug)]
pub struct Branding {
    pub row: BrandingRow,
    pub source: Source,
}

/// How a customer's console and reports look: its own, inherited from the nearest branded
/// ancestor, or the installation default.
#[Object]
impl Branding {
    /// Name shown instead of the provider's.
    async fn display_name(&self) -> Option<&str> {
        self.row.display_name.as_deref()
    }

    /// URL of the logo (PNG, JPEG or sanitised SVG); immutable, so it may be cached forever.
    async fn logo_url(&self) -> Option<String> {
        self.row.logo_url()
    }

    /// URL of the app icon (PNG or ICO); immutable, so it may be cached forever.
    async fn icon_url(&self) -> Option<String> {
        self.row.icon_url()
    }

    /// `#RRGGBB`, upper case.
    async fn primary_color(&self) -> Option<&str> {
        self.row.primary_color.as_deref()
    }

    /// `#RRGGBB`, upper case.
    async fn accent_color(&self) -> Option<&str> {
        self.row.accent_color.as_deref()
    }

    /// `#RRGGBB`, upper case.
    async fn background_color(&self) -> Option<&str> {
        self.row.background_color.as_deref()
    }

    /// Sender address of automated reports and notifications.
    async fn sender_email(&self) -> &str {
        &self.row.sender_email
    }

    /// The ancestor this branding is inherited from; null when it is the customer's own, the
    /// installation default, or comes from a customer outside the caller's view.
    async fn inherited_from(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let Source::Inherited(id) = self.source else {
            return Ok(None);
        };
        // The scoped loader answers nothing for customers above the viewer's own.
        Ok(request::customer_loader(ctx)?
            .load_one(id)
            .await?
            .map(Customer::from))
    }
}

/// The customer's own branding; none when it inherits.
pub async fn own(ctx: &Context<'_>, customer: &CustomerRow) -> Result<Option<Branding>> {
    let row = request::detail_loaders(ctx)?
        .brandings
        .load_one(customer.id)
        .await?;
    Ok(row.map(|row| Branding {
        row,
        source: Source::Own,
    }))
}

/// The branding the customer's users see: its own, else its nearest branded ancestor's (above
/// the viewer's own customer too), else the installation default. All customers of a page load
/// their whole ancestry's brandings in one batch.
pub async fn effective(ctx: &Context<'_>, customer: &CustomerRow) -> Result<Branding> {
    let chain: Vec<i64> = customer.path_ids().into_iter().rev().collect();
    let mut found = request::detail_loaders(ctx)?
        .brandings
        .load_many(chain.iter().copied())
        .await?;
    for id in chain {
        if let Some(row) = found.remove(&id) {
            let source = if id == customer.id {
                Source::Own
            } else {
                Source::Inherited(id)
            };
            return Ok(Branding { row, source });
        }
    }
    Ok(Branding {
        row: BrandingRow::installation_default(&request::state(ctx)?.default_sender_email),
        source: Source::InstallationDefault,
    })
}

/// A branding change, sent as a GraphQL multipart request when it carries files. Fields left
/// out stay as they are; `null` clears one (a logo or icon too). A customer that inherited its
/// branding gets its own, starting from the one it showed.
#[derive(InputObject)]
pub struct BrandingInput {
    /// Name shown in the console header; null or blank clears it.
    pub display_name: MaybeUndefined<String>,
    /// `#RRGGBB`.
    pub primary_color: MaybeUndefined<String>,
    /// `#RRGGBB`.
    pub accent_color: MaybeUndefined<String>,
    /// `#RRGGBB`.
    pub background_color: MaybeUndefined<String>,
    /// Sender address of automated reports and notifications; cannot be cleared.
    pub sender_email: MaybeUndefined<String>,
    /// PNG, JPEG or SVG, at most 512 KiB; the type is read from the content. An SVG with
    /// script is refused, and every SVG is sanitised.
    pub logo: MaybeUndefined<FileUpload>,
    /// PNG or ICO, at most 128 KiB.
    pub icon: MaybeUndefined<FileUpload>,
}

/// Reads an upload of this request, refusing oversized files before copying them.
fn read_upload(
    ctx: &Context<'_>,
    slot: AssetSlot,
    upload: FileUpload,
) -> Result<UploadedFile, AppError> {
    use std::io::Read as _;
    let value = upload
        .value(ctx)
        .ok_or_else(|| AppError::bad_input(slot.field(), "No file was uploaded for this field"))?
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading an upload")))?;
    let size = value
        .size()
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("sizing an upload")))?;
    let max = slot.max_bytes() as u64;
    if size > max {
        return Err(AppError::bad_input(
            slot.field(),
            format!(
                "The {} may be at most {} KiB (this file has {} KiB)",
                slot.field(),
                max / 1024,
                size.div_ceil(1024)
            ),
        ));
    }
    let filename = value.filename.clone();
    let content_type = value.content_type.clone();
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    value
        .into_read()
        .read_to_end(&mut bytes)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading an upload")))?;
    Ok(UploadedFile {
        filename,
        content_type,
        bytes,
    })
}

fn file_patch(
    ctx: &Context<'_>,
    slot: AssetSlot,
    upload: MaybeUndefined<FileUpload>,
) -> Result<Option<Option<UploadedFile>>, AppError> {
    Ok(match upload {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(upload) => Some(Some(read_upload(ctx, slot, upload)?)),
    })
}

/// Changing brandings (SUPERUSER and ADMINISTRATOR).
#[derive(Default)]
pub struct BrandingMutation;

#[Object]
impl BrandingMutation {
    /// Changes a customer's own branding; a customer that inherited gets its own, starting from
    /// the branding it showed.
    async fn update_branding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer whose branding changes.")] customer_id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay as they are.")]
        input: BrandingInput,
    ) -> Result<Customer> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        let customer = self::customer_id(&customer_id)?;
        let patch = BrandingPatch {
            display_name: input.display_name.into(),
            primary_color: input.primary_color.into(),
            accent_color: input.accent_color.into(),
            background_color: input.background_color.into(),
            sender_email: input.sender_email.into(),
            logo: file_patch(ctx, AssetSlot::Logo, input.logo)?,
            icon: file_patch(ctx, AssetSlot::Icon, input.icon)?,
        };
        Ok(Customer::from(
            service::update(state, viewer, customer, patch).await?,
        ))
    }

    /// Removes a customer's own branding: it inherits its nearest branded ancestor's again.
    async fn reset_branding(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer that goes back to inheriting.")] customer_id: ID,
    ) -> Result<Customer> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        let customer = self::customer_id(&customer_id)?;
        Ok(Customer::from(
            service::reset(state, viewer, customer).await?,
        ))
    }
}
