//! Canopy's domain vocabulary and the pure rules of `DOMAIN.md`, compiled both into the server
//! and into the WebAssembly app so that both sides enforce and explain the very same rules.

pub mod activity;
pub mod branding;
pub mod contact;
pub mod country;
pub mod customer;
pub mod device;
pub mod email;
pub mod roles;
pub mod storage;
pub mod text;
pub mod trial;
pub mod web;

pub use activity::{ActivityKind, ActivityTiming};
pub use contact::ContactRole;
pub use customer::{CustomerLevel, CustomerName, CustomerState, Module, ServiceType};
pub use roles::{Action, Role};

/// The enums travel as JSON between the server and the app: their serde spelling, their
/// `as_str` and the schema's values (`schema.graphql`, the server's exported SDL) must be one.
#[cfg(test)]
mod api_spelling {
    use super::*;

    const SCHEMA: &str = include_str!("../../schema.graphql");

    /// The values of `enum <name>` in the SDL, in its order (descriptions skipped).
    fn schema_values(name: &str) -> Vec<String> {
        let head = format!("enum {name} {{");
        let mut lines = SCHEMA
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != head)
            .skip(1);
        let mut values = Vec::new();
        let mut in_description = false;
        for line in lines.by_ref().take_while(|l| *l != "}") {
            if line == "\"\"\"" {
                in_description = !in_description;
            } else if !in_description && !line.starts_with('"') {
                values.extend(line.split_whitespace().next().map(str::to_owned));
            }
        }
        assert!(!values.is_empty(), "schema.graphql has no enum {name}");
        values
    }

    fn check<T: serde::Serialize + Copy>(name: &str, all: &[T], as_str: fn(T) -> &'static str) {
        let serialised: Vec<String> = all
            .iter()
            .map(|v| {
                serde_json::to_value(v)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            serialised,
            schema_values(name),
            "{name}: serde against the schema"
        );
        let spelled: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
        assert_eq!(spelled, serialised, "{name}: as_str against serde");
    }

    #[test]
    fn enums_serialise_as_the_api_spells_them() {
        check("CustomerLevel", &CustomerLevel::ALL, CustomerLevel::as_str);
        check("ServiceType", &ServiceType::ALL, ServiceType::as_str);
        check("CustomerState", &CustomerState::ALL, CustomerState::as_str);
        check("Module", &Module::ALL, Module::as_str);
        check("Role", &Role::ALL, Role::as_str);
        check("ContactRole", &ContactRole::ALL, ContactRole::as_str);
        check("ActivityKind", &ActivityKind::ALL, ActivityKind::as_str);
        check(
            "ActivityTiming",
            &ActivityTiming::ALL,
            ActivityTiming::as_str,
        );
    }
}
