//! Opaque global IDs (`base64url("Customer:42")`): clients never build or parse them, and an ID
//! of another type, or garbage, reads as "not found".

use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::AppError;

/// The kinds of node with a global ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Customer,
    User,
    Device,
    AuditEntry,
    Contact,
    Activity,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Customer => "Customer",
            Self::User => "User",
            Self::Device => "Device",
            Self::AuditEntry => "AuditEntry",
            Self::Contact => "Contact",
            Self::Activity => "Activity",
        }
    }

    const ALL: [Kind; 6] = [
        Self::Customer,
        Self::User,
        Self::Device,
        Self::AuditEntry,
        Self::Contact,
        Self::Activity,
    ];
}

/// The global ID of row `id` of `kind`.
pub fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.prefix())))
}

/// Splits a global ID into its kind and row id, or `None` when it is not one of ours.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(id.trim()).ok()?).ok()?;
    let (prefix, number) = raw.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
    Some((kind, number.parse().ok()?))
}

/// The row id of a global ID of `kind`; `None` for other kinds or malformed IDs.
pub fn decode(kind: Kind, id: &str) -> Option<i64> {
    decode_any(id).filter(|(k, _)| *k == kind).map(|(_, n)| n)
}

/// Decodes a customer ID argument; a malformed or foreign ID is `NOT_FOUND`, like a missing one.
pub fn customer_id(id: &ID) -> Result<i64, AppError> {
    decode(Kind::Customer, id).ok_or_else(|| AppError::NotFound("Customer not found".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let id = encode(Kind::Customer, 42);
        assert_eq!(decode(Kind::Customer, &id), Some(42));
        assert_eq!(decode(Kind::User, &id), None);
        assert_eq!(decode(Kind::Customer, "42"), None);
        assert_eq!(decode(Kind::Customer, "!!"), None);
    }
}
