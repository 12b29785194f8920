//! DOMAIN.md's role table, as data: the server enforces it and the app hides what it forbids.

use serde::{Deserialize, Serialize};

/// A user's role, most powerful first.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Everything, including user management.
    Superuser,
    /// Everything but changing storage locations.
    Administrator,
    /// Activities and devices; read-only elsewhere.
    Manager,
    /// Read-only.
    Operator,
    /// Read-only.
    Supporter,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 5] = [
        Self::Superuser,
        Self::Administrator,
        Self::Manager,
        Self::Operator,
        Self::Supporter,
    ];

    /// The name as the API and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Superuser => "SUPERUSER",
            Self::Administrator => "ADMINISTRATOR",
            Self::Manager => "MANAGER",
            Self::Operator => "OPERATOR",
            Self::Supporter => "SUPPORTER",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// "Administrator": the role as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Superuser => "Superuser",
            Self::Administrator => "Administrator",
            Self::Manager => "Manager",
            Self::Operator => "Operator",
            Self::Supporter => "Supporter",
        }
    }

    /// Whether this role may do `action` (inside the user's own subtree).
    pub fn allows(self, action: Action) -> bool {
        ROLE_TABLE
            .iter()
            .find(|(a, _)| *a == action)
            .is_some_and(|(_, roles)| roles.contains(&self))
    }

    /// Whether a user with this role may give `other` to someone: never above one's own.
    pub fn may_grant(self, other: Role) -> bool {
        self.allows(Action::ManageUsers) && other >= self
    }
}

/// Something a user may or may not do, per DOMAIN.md's role table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// View customers, details and devices.
    View,
    /// Create, edit, move and remove customers; branding.
    ManageCustomers,
    /// Add, edit and remove contacts.
    ManageContacts,
    /// Add, edit and remove communication activities.
    ManageActivities,
    /// Add and remove devices.
    ManageDevices,
    /// Create, edit and remove users.
    ManageUsers,
    /// Change a storage location; additionally only for users of the root customer.
    ChangeStorageLocation,
    /// Read the audit history.
    ViewAudit,
}

use Role::*;

/// DOMAIN.md's table, one row per action: the roles that may do it.
pub const ROLE_TABLE: &[(Action, &[Role])] = &[
    (
        Action::View,
        &[Superuser, Administrator, Manager, Operator, Supporter],
    ),
    (Action::ManageCustomers, &[Superuser, Administrator]),
    (Action::ManageContacts, &[Superuser, Administrator]),
    (
        Action::ManageActivities,
        &[Superuser, Administrator, Manager],
    ),
    (Action::ManageDevices, &[Superuser, Administrator, Manager]),
    (Action::ManageUsers, &[Superuser, Administrator]),
    (Action::ChangeStorageLocation, &[Superuser]),
    (Action::ViewAudit, &[Superuser, Administrator]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_domain_md() {
        assert!(Supporter.allows(Action::View));
        assert!(!Supporter.allows(Action::ManageCustomers));
        assert!(Administrator.allows(Action::ManageCustomers));
        assert!(!Manager.allows(Action::ManageContacts));
        assert!(Manager.allows(Action::ManageActivities));
        assert!(Manager.allows(Action::ManageDevices));
        assert!(!Operator.allows(Action::ManageDevices));
        assert!(!Administrator.allows(Action::ChangeStorageLocation));
        assert!(Superuser.allows(Action::ChangeStorageLocation));
    }

    #[test]
    fn nobody_grants_a_role_above_their_own() {
        assert!(Superuser.may_grant(Superuser));
        assert!(Administrator.may_grant(Manager));
        assert!(!Administrator.may_grant(Superuser));
        assert!(!Manager.may_grant(Supporter));
    }
}
