//! Contacts of a customer: their roles and the naming rule.

use serde::{Deserialize, Serialize};

/// What a contact is for at the customer.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContactRole {
    /// May sign contracts for the customer.
    AuthorizedSigner,
    /// Administrative questions.
    Administrative,
    /// Technical questions.
    Technical,
    /// Sales.
    Sales,
    /// Invoices and payments.
    Billing,
}

impl ContactRole {
    /// Every role, in display order.
    pub const ALL: [ContactRole; 5] = [
        Self::AuthorizedSigner,
        Self::Administrative,
        Self::Technical,
        Self::Sales,
        Self::Billing,
    ];

    /// The name as the API and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizedSigner => "AUTHORIZED_SIGNER",
            Self::Administrative => "ADMINISTRATIVE",
            Self::Technical => "TECHNICAL",
            Self::Sales => "SALES",
            Self::Billing => "BILLING",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How the app labels the role.
    pub fn label(self) -> &'static str {
        match self {
            Self::AuthorizedSigner => "Authorized signer",
            Self::Administrative => "Administrative",
            Self::Technical => "Technical",
            Self::Sales => "Sales",
            Self::Billing => "Billing",
        }
    }

    /// Roles as stored: their names, in display order, without duplicates, comma-separated.
    pub fn encode_list(roles: &[ContactRole]) -> String {
        let mut sorted = roles.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The roles of [`encode_list`](Self::encode_list)'s form.
    pub fn decode_list(stored: &str) -> Vec<ContactRole> {
        stored.split(',').filter_map(Self::parse).collect()
    }
}

/// The longest first or last name.
pub const NAME_MAX_CHARS: usize = 100;

/// A contact needs a first or a last name (or both).
pub fn check_has_name(first: Option<&str>, last: Option<&str>) -> Result<(), String> {
    if first.is_some_and(|f| !f.trim().is_empty()) || last.is_some_and(|l| !l.trim().is_empty()) {
        Ok(())
    } else {
        Err("A contact needs a first or a last name".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_in_display_order_without_duplicates() {
        use ContactRole::*;
        let stored = ContactRole::encode_list(&[Billing, Technical, Billing]);
        assert_eq!(stored, "TECHNICAL,BILLING");
        assert_eq!(ContactRole::decode_list(&stored), vec![Technical, Billing]);
        assert_eq!(ContactRole::decode_list(""), vec![]);
    }

    #[test]
    fn a_contact_needs_a_name() {
        assert!(check_has_name(Some("Ada"), None).is_ok());
        assert!(check_has_name(None, Some("Lovelace")).is_ok());
        assert!(check_has_name(Some("  "), None).is_err());
        assert!(check_has_name(None, None).is_err());
    }
}
