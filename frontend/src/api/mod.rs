//! Canopy's GraphQL API as the app uses it, one module per domain. Every operation is a cynic
//! `QueryFragment` checked at compile time against the repository's `schema.graphql` (see
//! `build.rs`), so an API change that breaks the app breaks its build. Operations are methods of
//! the [`Api`] client (`client.rs`), which carries the session; this module holds what the
//! domains share: the scalars, the enums (the domain enums of `shared/`, through
//! [`shared_enum!`]), the common fragments and variables, and the error type.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod branding;
mod client;
pub mod console;
pub mod contacts;
pub mod customers;
pub mod devices;
pub mod geo;
pub mod live;
pub mod profile;
pub mod records;
pub mod users;

use canopy_shared as shared;
use cynic::Id;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use wasm_bindgen::JsValue;

pub use client::{use_api, Api};

#[cynic::schema("canopy")]
pub mod schema {}

/// How many items one page (one "Load more") fetches.
pub const PAGE_SIZE: i32 = 50;

/// An RFC 3339 instant, as the API sends and takes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateTime(pub String);
cynic::impl_scalar!(DateTime, schema::DateTime);

impl DateTime {
    /// The instant in the user's locale and time zone, e.g. "12/03/2025, 14:05".
    pub fn local(&self) -> String {
        let date = js_sys::Date::new(&JsValue::from_str(&self.0));
        if date.get_time().is_nan() {
            return self.0.clone();
        }
        String::from(date.to_locale_string("default", &JsValue::UNDEFINED))
    }

    /// The date part, `YYYY-MM-DD` (UTC).
    pub fn date(&self) -> &str {
        self.0.get(..10).unwrap_or(&self.0)
    }
}

/// A file in a multipart request (the GraphQL multipart request spec); it is sent as `null`
/// in the variables and as a form part beside them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Upload;
cynic::impl_scalar!(Upload, schema::Upload);

impl Serialize for Upload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_none()
    }
}

impl<'de> Deserialize<'de> for Upload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Upload)
    }
}

/// Declares an enum of the schema, checked against it by cynic, with conversions to and from
/// the domain enum of `shared/` that carries the rules, the API's spelling and the labels.
macro_rules! shared_enum {
    ($name:ident => $shared:ty { $($variant:ident),* $(,)? }) => {
        #[derive(cynic::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl From<$name> for $shared {
            fn from(value: $name) -> Self {
                match value { $($name::$variant => <$shared>::$variant),* }
            }
        }

        impl From<$shared> for $name {
            fn from(value: $shared) -> Self {
                match value { $(<$shared>::$variant => $name::$variant),* }
            }
        }

        impl $name {
            /// The domain enum from `shared/`.
            pub fn shared(self) -> $shared {
                self.into()
            }

            /// Every value, in `shared/`'s order.
            pub fn all() -> impl Iterator<Item = Self> {
                <$shared>::ALL.into_iter().map(Self::from)
            }

            /// The value as the API spells it, e.g. `IN_TRIAL` (also what the app's `<select>`s
            /// and addresses hold).
            pub fn as_str(self) -> &'static str {
                self.shared().as_str()
            }

            /// Parses [`as_str`](Self::as_str)'s spelling.
            pub fn parse(value: &str) -> Option<Self> {
                Self::all().find(|v| v.as_str() == value)
            }

            /// The value as people read it.
            pub fn label(self) -> &'static str {
                self.shared().label()
            }
        }
    };
}
pub(crate) use shared_enum;

shared_enum!(CustomerLevel => shared::CustomerLevel {
    Root, Distributor, SubDistributor, Reseller, EndCustomer, Site,
});
shared_enum!(ServiceType => shared::ServiceType { AllInclusive, SoftwareOnly });
shared_enum!(CustomerState => shared::CustomerState { InTrial, TrialExpired, InProduction });
shared_enum!(Module => shared::Module {
    AutomaticDeployment, BackupProfiles, CustomerManagement, DeviceManagement, Downloads,
    HistoricalCharts, ProductManagement, UserManagement,
});
shared_enum!(Role => shared::Role { Superuser, Administrator, Manager, Operator, Supporter });

/// The variables of every operation on one object by its id.
#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct IdVars {
    pub id: Id,
}

/// Relay's page info, the part the app uses.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

impl PageInfo {
    /// The cursor of the next page, if there is one.
    pub fn next(&self) -> Option<String> {
        self.has_next_page
            .then(|| self.end_cursor.clone())
            .flatten()
    }
}

/// Why a call to the API failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server refused the operation; `message` is written for people.
    #[error("{message}")]
    Graphql {
        message: String,
        /// `extensions.code`, e.g. `UNAUTHENTICATED` or `BAD_USER_INPUT` (DOMAIN.md's list).
        code: Option<String>,
        /// `extensions.field`: the input field a `BAD_USER_INPUT` is about.
        field: Option<String>,
    },
    /// The request never got an answer (offline, server down).
    #[error("Cannot reach the Canopy server. Check your connection and try again.")]
    Network,
    /// The server answered with something that is not a GraphQL response for this operation.
    #[error("The server sent a response the app does not understand ({0}).")]
    Unexpected(String),
}

impl ApiError {
    /// The error's `extensions.code`, when the server gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Graphql { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The input field the error is about, when the server named one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Graphql { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Whether the session token is missing, expired or revoked.
    pub fn is_unauthenticated(&self) -> bool {
        self.code() == Some("UNAUTHENTICATED")
    }

    /// Whether someone else changed the record since it was read (optimistic concurrency).
    pub fn is_conflict(&self) -> bool {
        self.code() == Some("CONFLICT")
    }

    /// Whether trying again may help: the server was not reached.
    pub fn is_network(&self) -> bool {
        matches!(self, Self::Network)
    }
}

#[derive(Deserialize)]
struct Extensions {
    code: Option<String>,
    field: Option<String>,
}

/// Turns a GraphQL response body into the operation's data, or its first error, as the client
/// does (which also sees the session ended on the way).
#[cfg(test)]
pub fn decode<T: DeserializeOwned>(body: serde_json::Value) -> Result<T, ApiError> {
    from_data(data(body)?)
}

/// The operation's data from a response's `data`.
fn from_data<T: DeserializeOwned>(data: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(data).map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// The `data` of a GraphQL response body, or its first error. Kept apart from [`decode`] (and
/// free of the operation's type) so that the app holds one copy of it, not one per operation.
fn data(body: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let response: cynic::GraphQlResponse<serde_json::Value, Extensions> =
        serde_json::from_value(body)
            .map_err(|e| ApiError::Unexpected(format!("not a GraphQL response: {e}")))?;
    if let Some(first) = response.errors.unwrap_or_default().into_iter().next() {
        let (code, field) = first
            .extensions
            .map(|x| (x.code, x.field))
            .unwrap_or_default();
        return Err(ApiError::Graphql {
            message: first.message,
            code,
            field,
        });
    }
    response
        .data
        .ok_or_else(|| ApiError::Unexpected("neither data nor errors".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    struct Root {
        level: CustomerLevel,
    }

    #[test]
    fn data_decodes_into_the_schemas_enums() {
        let body = json!({ "data": { "level": "SUB_DISTRIBUTOR" } });
        let root: Root = decode(body).unwrap();
        assert_eq!(root.level.shared(), shared::CustomerLevel::SubDistributor);
        assert_eq!(root.level.label(), "Sub-distributor");
    }

    #[test]
    fn the_first_error_wins_with_its_code_and_field() {
        let body = json!({ "data": null, "errors": [
            { "message": "Customer name is required", "extensions": { "code": "BAD_USER_INPUT", "field": "customerName" } },
            { "message": "second" } ] });
        let err = decode::<serde_json::Value>(body).unwrap_err();
        assert_eq!(err.to_string(), "Customer name is required");
        assert_eq!(err.code(), Some("BAD_USER_INPUT"));
        assert_eq!(err.field(), Some("customerName"));
        assert!(!err.is_unauthenticated());
    }

    #[test]
    fn unauthenticated_and_conflict_are_recognised() {
        let body = json!({ "errors": [{ "message": "Sign in first", "extensions": { "code": "UNAUTHENTICATED" } }] });
        assert!(decode::<serde_json::Value>(body)
            .unwrap_err()
            .is_unauthenticated());
        let body =
            json!({ "errors": [{ "message": "Changed", "extensions": { "code": "CONFLICT" } }] });
        assert!(decode::<serde_json::Value>(body).unwrap_err().is_conflict());
        let body = json!({ "errors": [{ "message": "boom" }] });
        assert_eq!(decode::<serde_json::Value>(body).unwrap_err().code(), None);
    }

    #[test]
    fn a_body_that_is_not_graphql_is_unexpected() {
        for body in [json!("hello"), json!({}), json!({ "data": { "level": 1 } })] {
            assert!(matches!(
                decode::<Root>(body.clone()),
                Err(ApiError::Unexpected(_))
            ));
        }
    }

    #[test]
    fn select_values_parse_back() {
        assert_eq!(
            CustomerLevel::parse("RESELLER"),
            Some(CustomerLevel::Reseller)
        );
        assert_eq!(CustomerLevel::parse(""), None);
        assert_eq!(
            ServiceType::parse("SOFTWARE_ONLY"),
            Some(ServiceType::SoftwareOnly)
        );
        assert_eq!(CustomerState::InTrial.as_str(), "IN_TRIAL");
        assert_eq!(Role::all().last(), Some(Role::Supporter));
    }

    #[test]
    fn uploads_travel_as_null() {
        assert_eq!(serde_json::to_value(Upload).unwrap(), json!(null));
    }
}
