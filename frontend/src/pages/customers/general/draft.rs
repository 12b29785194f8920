//! What the General form holds while it is edited: one signal per field, filled from the
//! customer, and the checked changes to send.

use canopy_shared::{customer::parse_reference, CustomerName};
use leptos::prelude::*;

use crate::{
    api::{
        customers::{Customer, UpdateCustomerInput},
        CustomerLevel, ServiceType,
    },
    components::{combobox::Choice, form::FormErrors},
};

/// The form's fields; cheap to copy into closures.
#[derive(Clone, Copy, Debug)]
pub struct Draft {
    pub name: RwSignal<String>,
    pub level: RwSignal<CustomerLevel>,
    pub service_type: RwSignal<ServiceType>,
    pub child_types: RwSignal<Vec<ServiceType>>,
    pub reference: RwSignal<String>,
    /// The device country as its picker holds it; `None` until one is chosen from the list.
    pub country: RwSignal<Option<Choice>>,
}

/// The customer's device country as the picker shows it.
fn country_choice(c: &Customer) -> Choice {
    Choice {
        value: c.device_country.code.clone(),
        label: c.device_country.name.clone(),
        hint: None,
    }
}

impl Draft {
    pub fn new(c: &Customer) -> Self {
        Self {
            name: RwSignal::new(c.name.clone()),
            level: RwSignal::new(c.level),
            service_type: RwSignal::new(c.service_type),
            child_types: RwSignal::new(c.child_service_types.clone()),
            reference: RwSignal::new(c.customer_reference.clone().unwrap_or_default()),
            country: RwSignal::new(Some(country_choice(c))),
        }
    }

    /// Fills every field from `c` again, dropping what was typed.
    pub fn reset(&self, c: &Customer) {
        self.name.set(c.name.clone());
        self.level.set(c.level);
        self.service_type.set(c.service_type);
        self.child_types.set(c.child_service_types.clone());
        self.reference
            .set(c.customer_reference.clone().unwrap_or_default());
        self.country.set(Some(country_choice(c)));
    }

    /// Whether the name differs from `original`'s (reactive).
    pub fn renamed(&self, original: &Customer) -> bool {
        self.name.with(|n| n.trim() != original.name)
    }

    /// Whether the device country differs from `original`'s (reactive).
    pub fn country_changed(&self, original: &Customer) -> bool {
        self.country.with(|k| {
            k.as_ref().map(|k| k.value.as_str()) != Some(original.device_country.code.as_str())
        })
    }

    /// The changes to `original`, or `None` with the reasons filed in `errors` when a field is
    /// invalid. The version read goes along, so that a change by someone else is refused.
    pub fn changes(&self, original: &Customer, errors: FormErrors) -> Option<UpdateCustomerInput> {
        let checked = CustomerName::parse(&self.name.get_untracked());
        if let Err(m) = &checked {
            errors.set("name", m.clone());
        }
        let reference = parse_reference(Some(&self.reference.get_untracked()));
        if let Err(m) = &reference {
            errors.set("customerReference", m.clone());
        }
        let child_types = self.child_types.get_untracked();
        if child_types.is_empty() {
            errors.set(
                "childServiceTypes",
                "Choose at least one service type to sell on.",
            );
        }
        let Some(country) = self.country.get_untracked() else {
            errors.set("deviceCountry", "Choose the device country from the list.");
            return None;
        };
        if errors.has_any() {
            return None;
        }
        let c = original;
        let name = checked.map(|n| n.as_str().to_owned()).unwrap_or_default();
        let level = self.level.get_untracked();
        let service_type = self.service_type.get_untracked();
        Some(UpdateCustomerInput {
            name: (name != c.name).then_some(name),
            level: (level != c.level).then_some(level),
            service_type: (service_type != c.service_type).then_some(service_type),
            child_service_types: (child_types != c.child_service_types).then_some(child_types),
            device_country: (country.value != c.device_country.code).then_some(country.value),
            customer_reference: Some(reference.ok().flatten().unwrap_or_default()),
            expected_version: Some(c.version),
        })
    }
}
