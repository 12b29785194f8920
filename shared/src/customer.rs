//! The customer tree's vocabulary: levels and their ordering, service types, states, modules,
//! and the customer-name rule.

use serde::{Deserialize, Serialize};

/// Where a customer sits in the distribution chain, highest first.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerLevel {
    /// The installation's top: the company that runs the console. Exactly one.
    Root,
    /// A distributor.
    Distributor,
    /// A sub-distributor.
    SubDistributor,
    /// A reseller.
    Reseller,
    /// An end-customer that consumes the backup service.
    EndCustomer,
    /// A location of an end-customer; has no children.
    Site,
}

impl CustomerLevel {
    /// Every level, highest first.
    pub const ALL: [CustomerLevel; 6] = [
        Self::Root,
        Self::Distributor,
        Self::SubDistributor,
        Self::Reseller,
        Self::EndCustomer,
        Self::Site,
    ];

    /// 0 for `ROOT` up to 5 for `SITE`: the number stored in the database and used for ordering.
    pub fn rank(self) -> i16 {
        self as i16
    }

    /// The level with the given [`rank`](Self::rank).
    pub fn from_rank(rank: i16) -> Option<Self> {
        Self::ALL.get(usize::try_from(rank).ok()?).copied()
    }

    /// The level's name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Root => "ROOT",
            Self::Distributor => "DISTRIBUTOR",
            Self::SubDistributor => "SUB_DISTRIBUTOR",
            Self::Reseller => "RESELLER",
            Self::EndCustomer => "END_CUSTOMER",
            Self::Site => "SITE",
        }
    }

    /// How the original product labels the level.
    pub fn label(self) -> &'static str {
        match self {
            Self::Root => "Root",
            Self::Distributor => "Distributor",
            Self::SubDistributor => "Sub-distributor",
            Self::Reseller => "Reseller",
            Self::EndCustomer => "End-customer",
            Self::Site => "Site",
        }
    }

    /// The level rule: a child is strictly lower than its parent (levels may be skipped), nothing
    /// but the installation's top is `ROOT`, and a `SITE` has no children.
    pub fn may_be_child_of(self, parent: CustomerLevel) -> bool {
        self != Self::Root && parent != Self::Site && self > parent
    }

    /// The levels a new child of a customer at this level may have.
    pub fn allowed_child_levels(self) -> Vec<CustomerLevel> {
        Self::ALL
            .into_iter()
            .filter(|child| child.may_be_child_of(self))
            .collect()
    }
}

/// How the backup service is sold to a customer.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceType {
    /// Software and storage in the provider's data centers.
    AllInclusive,
    /// Software only; storage is the customer's.
    SoftwareOnly,
}

impl ServiceType {
    /// Both service types, in display order.
    pub const ALL: [ServiceType; 2] = [Self::AllInclusive, Self::SoftwareOnly];

    /// The name as the API and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllInclusive => "ALL_INCLUSIVE",
            Self::SoftwareOnly => "SOFTWARE_ONLY",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// How the original product labels the service type.
    pub fn label(self) -> &'static str {
        match self {
            Self::AllInclusive => "All-inclusive",
            Self::SoftwareOnly => "Software only",
        }
    }
}

/// A customer's commercial state.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerState {
    /// In its 30-day trial.
    InTrial,
    /// The trial ended without conversion to production.
    TrialExpired,
    /// A paying customer.
    InProduction,
}

impl CustomerState {
    /// Every state, in the order a trial goes.
    pub const ALL: [CustomerState; 3] = [Self::InTrial, Self::TrialExpired, Self::InProduction];

    /// The name as the API spells it, e.g. `IN_TRIAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InTrial => "IN_TRIAL",
            Self::TrialExpired => "TRIAL_EXPIRED",
            Self::InProduction => "IN_PRODUCTION",
        }
    }

    /// How the app labels the state.
    pub fn label(self) -> &'static str {
        match self {
            Self::InTrial => "In trial",
            Self::TrialExpired => "Trial expired",
            Self::InProduction => "In production",
        }
    }
}

/// A console module or feature whose availability depends on the customer level.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Module {
    /// Automatic deployment and generating passphrases.
    AutomaticDeployment,
    /// Backup profiles.
    BackupProfiles,
    /// Customer management.
    CustomerManagement,
    /// Device management.
    DeviceManagement,
    /// Downloads.
    Downloads,
    /// Historical charts.
    HistoricalCharts,
    /// Product management.
    ProductManagement,
    /// User management.
    UserManagement,
}

impl Module {
    /// Every module, in the API's order.
    pub const ALL: [Module; 8] = [
        Self::AutomaticDeployment,
        Self::BackupProfiles,
        Self::CustomerManagement,
        Self::DeviceManagement,
        Self::Downloads,
        Self::HistoricalCharts,
        Self::ProductManagement,
        Self::UserManagement,
    ];

    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AutomaticDeployment => "AUTOMATIC_DEPLOYMENT",
            Self::BackupProfiles => "BACKUP_PROFILES",
            Self::CustomerManagement => "CUSTOMER_MANAGEMENT",
            Self::DeviceManagement => "DEVICE_MANAGEMENT",
            Self::Downloads => "DOWNLOADS",
            Self::HistoricalCharts => "HISTORICAL_CHARTS",
            Self::ProductManagement => "PRODUCT_MANAGEMENT",
            Self::UserManagement => "USER_MANAGEMENT",
        }
    }

    /// How the original product names the module.
    pub fn label(self) -> &'static str {
        match self {
            Self::AutomaticDeployment => "Automatic deployment",
            Self::BackupProfiles => "Backup profiles",
            Self::CustomerManagement => "Customer management",
            Self::DeviceManagement => "Device management",
            Self::Downloads => "Downloads",
            Self::HistoricalCharts => "Historical charts",
            Self::ProductManagement => "Product management",
            Self::UserManagement => "User management",
        }
    }

    /// DOMAIN.md's module-access table.
    pub fn available_at(self, level: CustomerLevel) -> bool {
        use CustomerLevel::*;
        match self {
            Self::AutomaticDeployment => matches!(level, Root | Reseller | EndCustomer | Site),
            Self::CustomerManagement => level != Site,
            _ => true,
        }
    }

    /// The modules a customer at `level` has.
    pub fn for_level(level: CustomerLevel) -> Vec<Module> {
        Self::ALL
            .into_iter()
            .filter(|m| m.available_at(level))
            .collect()
    }
}

/// The most characters a customer name may have.
pub const NAME_MAX_CHARS: usize = 128;

/// A valid customer name: trimmed, 1–128 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerName(String);

impl CustomerName {
    /// Validates and trims a name; the error says which rule failed.
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("Name is required".into());
        }
        let chars = name.chars().count();
        if chars > NAME_MAX_CHARS {
            return Err(format!(
                "Name must be at most {NAME_MAX_CHARS} characters (it has {chars})"
            ));
        }
        if name.chars().any(char::is_control) {
            return Err("Name must not contain control characters".into());
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as given, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key names are unique by (and signed in with): case-insensitive.
    pub fn key(&self) -> String {
        name_key(&self.0)
    }
}

/// The case-insensitive form of a customer name, used for uniqueness, sign-in and search.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The most characters a customer reference may have.
pub const REFERENCE_MAX_CHARS: usize = 64;

/// Validates an optional customer reference: trimmed, blank means none, at most 64 characters.
pub fn parse_reference(input: Option<&str>) -> Result<Option<String>, String> {
    let Some(reference) = input.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let chars = reference.chars().count();
    if chars > REFERENCE_MAX_CHARS {
        return Err(format!(
            "Customer reference must be at most {REFERENCE_MAX_CHARS} characters (it has {chars})"
        ));
    }
    if reference.chars().any(char::is_control) {
        return Err("Customer reference must not contain control characters".into());
    }
    Ok(Some(reference.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::CustomerLevel::*;
    use super::*;

    #[test]
    fn a_child_must_be_strictly_lower_and_levels_may_be_skipped() {
        assert!(Distributor.may_be_child_of(Root));
        assert!(Reseller.may_be_child_of(Distributor));
        assert!(Site.may_be_child_of(EndCustomer));
        assert!(!Distributor.may_be_child_of(Distributor));
        assert!(!Distributor.may_be_child_of(Reseller));
        assert!(!Root.may_be_child_of(Root));
    }

    #[test]
    fn a_site_has_no_children() {
        assert!(Site.allowed_child_levels().is_empty());
        assert_eq!(EndCustomer.allowed_child_levels(), vec![Site]);
        assert_eq!(Root.allowed_child_levels().len(), 5);
    }

    #[test]
    fn ranks_round_trip() {
        for level in CustomerLevel::ALL {
            assert_eq!(CustomerLevel::from_rank(level.rank()), Some(level));
        }
        assert_eq!(CustomerLevel::from_rank(6), None);
        assert_eq!(CustomerLevel::from_rank(-1), None);
    }

    #[test]
    fn module_access_follows_the_table() {
        assert!(!Module::AutomaticDeployment.available_at(Distributor));
        assert!(!Module::AutomaticDeployment.available_at(SubDistributor));
        assert!(Module::AutomaticDeployment.available_at(Reseller));
        assert!(!Module::CustomerManagement.available_at(Site));
        assert_eq!(Module::for_level(Root).len(), 8);
        assert_eq!(Module::for_level(Site).len(), 7);
        assert_eq!(Module::for_level(Distributor).len(), 7);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(CustomerName::parse("  Acme ").unwrap().as_str(), "Acme");
        assert_eq!(CustomerName::parse("ÄCME Gmbh").unwrap().key(), "äcme gmbh");
        assert!(CustomerName::parse(&"x".repeat(128)).is_ok());
        let cases = [
            ("", "empty"),
            ("   ", "blank"),
            ("bad\u{7}name", "control character"),
            ("tab\tname", "tab"),
        ];
        for (input, why) in cases {
            assert!(CustomerName::parse(input).is_err(), "{why} should fail");
        }
        assert!(CustomerName::parse(&"é".repeat(129)).is_err());
    }

    #[test]
    fn references_are_optional_and_bounded() {
        assert_eq!(parse_reference(None), Ok(None));
        assert_eq!(parse_reference(Some("  ")), Ok(None));
        assert_eq!(parse_reference(Some(" X-1 ")), Ok(Some("X-1".into())));
        assert!(parse_reference(Some(&"r".repeat(65))).is_err());
    }
}
