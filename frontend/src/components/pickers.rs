//! Pickers that several forms share: the device country (every country, searched by name) and
//! a parent customer (searched among the customers that may have children).

use cynic::Id;
use leptos::prelude::*;

use crate::{
    api::{customers::ParentRef, geo::Geography, use_api, CustomerLevel},
    components::{
        combobox::{filter_choices, Choice, Combobox},
        form::{Field, FormErrors},
    },
};

/// The countries as combobox choices.
pub fn country_choices(geo: &Geography) -> Vec<Choice> {
    geo.countries
        .iter()
        .map(|c| Choice {
            value: c.code.clone(),
            label: c.name.clone(),
            hint: c.data_center.as_ref().map(|_| "Data center".to_owned()),
        })
        .collect()
}

/// The searchable list of every country; `selected` holds the chosen code.
#[component]
pub fn CountryPicker(
    #[prop(into)] id: String,
    geography: Signal<Option<Geography>>,
    selected: RwSignal<Option<Choice>>,
    #[prop(into)] invalid: Signal<bool>,
) -> impl IntoView {
    let query = RwSignal::new(
        selected
            .get_untracked()
            .map(|c| c.label)
            .unwrap_or_default(),
    );
    let all =
        Memo::new(move |_| geography.with(|g| g.as_ref().map(country_choices).unwrap_or_default()));
    let options = Signal::derive(move || all.with(|all| filter_choices(all, &query.get(), 40)));
    let described = format!("{id}-error");
    view! {
        <Combobox id=id query options selected invalid described_by=described placeholder="Type to search" />
    }
}

/// Choosing a parent: only customers that may have children (not sites), searched by name.
#[component]
pub fn ParentPicker(
    parent_id: RwSignal<Id>,
    current: Signal<Option<ParentRef>>,
    errors: FormErrors,
    /// Levels the parent may have; all but `SITE` when not given.
    #[prop(optional, into)]
    levels: Option<Signal<Vec<CustomerLevel>>>,
    #[prop(optional, into)] label: Option<String>,
    #[prop(optional, into)] exclude: Option<Id>,
) -> impl IntoView {
    let api = use_api();
    let query = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<Choice>);
    Effect::new(move |_| {
        if let Some(p) = current.get() {
            if selected.with_untracked(Option::is_none) && query.with_untracked(String::is_empty) {
                query.set(p.name.clone());
            }
        }
    });
    let levels = levels.unwrap_or_else(|| {
        Signal::derive(|| {
            CustomerLevel::all()
                .filter(|l| *l != CustomerLevel::Site)
                .collect()
        })
    });
    let candidates = LocalResource::new(move || {
        let q = query.get();
        let levels = levels.get();
        async move { api.parents(q, levels).await.unwrap_or_default() }
    });
    let exclude = StoredValue::new(exclude);
    let options = Signal::derive(move || {
        candidates
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| exclude.with_value(|e| e.as_ref() != Some(&p.id)))
            .map(|p| Choice {
                value: p.id.inner().to_owned(),
                label: p.name.clone(),
                hint: Some(p.level.label().to_owned()),
            })
            .collect::<Vec<_>>()
    });
    Effect::new(move |_| {
        if let Some(choice) = selected.get() {
            parent_id.set(Id::new(choice.value));
        }
    });
    view! {
        <Field id="parent" label=label.unwrap_or_else(|| "Parent".into()) name="parentId" errors>
            <Combobox id="parent" query options selected
                invalid=Signal::derive(move || errors.field("parentId").is_some())
                described_by="parent-error" />
        </Field>
    }
}
