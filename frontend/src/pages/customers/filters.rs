//! The customer search's filters (a name, any number of levels and of states), the panel that
//! sets them, and their place in the address,
//! `/customers?q=acme&level=RESELLER,END_CUSTOMER&state=IN_TRIAL`, so that a reload or a shared
//! link shows the same results.

use leptos::prelude::*;
use leptos_router::{
    hooks::{use_location, use_navigate, use_query_map},
    NavigateOptions,
};

use crate::api::{customers::SearchVars, CustomerLevel, CustomerState};

/// The levels one can filter by, highest first (the root is one customer, never a result).
pub const LEVELS: [CustomerLevel; 5] = [
    CustomerLevel::Distributor,
    CustomerLevel::SubDistributor,
    CustomerLevel::Reseller,
    CustomerLevel::EndCustomer,
    CustomerLevel::Site,
];

/// The states one can filter by, in the order a trial goes.
pub const STATES: [CustomerState; 3] = [
    CustomerState::InTrial,
    CustomerState::TrialExpired,
    CustomerState::InProduction,
];

/// The query parameters the filters use.
const SEARCH_KEY: &str = "q";
const LEVEL_KEY: &str = "level";
const STATE_KEY: &str = "state";

/// What the customer list is filtered by. Empty lists mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// The search box as typed.
    pub search: String,
    /// Chosen levels, in [`LEVELS`] order.
    pub levels: Vec<CustomerLevel>,
    /// Chosen states, in [`STATES`] order.
    pub states: Vec<CustomerState>,
}

impl Filters {
    /// Whether anything narrows the list (then it shows search results instead of the tree).
    pub fn is_active(&self) -> bool {
        !self.search.trim().is_empty() || !self.levels.is_empty() || !self.states.is_empty()
    }

    /// Ticks or unticks a level, keeping the list in [`LEVELS`] order.
    pub fn set_level(&mut self, level: CustomerLevel, on: bool) {
        self.levels = chosen(&LEVELS, &self.levels, level, on);
    }

    /// Ticks or unticks a state, keeping the list in [`STATES`] order.
    pub fn set_state(&mut self, state: CustomerState, on: bool) {
        self.states = chosen(&STATES, &self.states, state, on);
    }

    /// The search's variables: a blank search and empty lists are left out.
    pub fn vars(&self) -> SearchVars {
        SearchVars {
            search: Some(self.search.trim().to_owned()).filter(|s| !s.is_empty()),
            levels: Some(self.levels.clone()).filter(|l| !l.is_empty()),
            states: Some(self.states.clone()).filter(|s| !s.is_empty()),
            first: None,
            after: None,
        }
    }

    /// The address's query for these filters, without the `?`; empty when nothing is chosen.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if !self.search.trim().is_empty() {
            parts.push(format!("{SEARCH_KEY}={}", encode(&self.search)));
        }
        if !self.levels.is_empty() {
            let levels: Vec<&str> = self.levels.iter().map(|l| l.as_str()).collect();
            parts.push(format!("{LEVEL_KEY}={}", levels.join(",")));
        }
        if !self.states.is_empty() {
            let states: Vec<&str> = self.states.iter().map(|s| s.as_str()).collect();
            parts.push(format!("{STATE_KEY}={}", states.join(",")));
        }
        parts.join("&")
    }

    /// The filters in an address's (decoded) query parameters, as `get` reads them. Values the
    /// app does not know (an old or edited link) are ignored rather than refused.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let list = |key: &str| -> Vec<String> {
            get(key)
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
                .unwrap_or_default()
        };
        let levels = list(LEVEL_KEY);
        let states = list(STATE_KEY);
        Self {
            search: get(SEARCH_KEY).unwrap_or_default(),
            levels: LEVELS
                .into_iter()
                .filter(|l| levels.iter().any(|v| v == l.as_str()))
                .collect(),
            states: STATES
                .into_iter()
                .filter(|s| states.iter().any(|v| v == s.as_str()))
                .collect(),
        }
    }
}

/// `all` filtered to what is in `current`, with `item` added or taken out.
fn chosen<T: Copy + PartialEq>(all: &[T], current: &[T], item: T, on: bool) -> Vec<T> {
    all.iter()
        .copied()
        .filter(|x| if *x == item { on } else { current.contains(x) })
        .collect()
}

/// The filters, starting from the address and kept in it while on the customers page (a
/// reload or a shared link shows the same results).
pub fn filters_in_address() -> RwSignal<Filters> {
    let query = use_query_map();
    let location = use_location();
    let navigate = use_navigate();
    let filters = RwSignal::new(query.with_untracked(|q| Filters::from_query(|k| q.get(k))));
    Effect::new(move |_| {
        let wanted = filters.with(Filters::to_query);
        let path = location.pathname.get();
        let have = query.with(|q| Filters::from_query(|k| q.get(k)).to_query());
        // Only while on this page: leaving it must not take the filters along.
        if path.starts_with("/customers") && have != wanted {
            let to = if wanted.is_empty() {
                path
            } else {
                format!("{path}?{wanted}")
            };
            navigate(
                &to,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
    filters
}

/// The search box and the level and state checkboxes above the customer list.
#[component]
pub fn FilterPanel(filters: RwSignal<Filters>) -> impl IntoView {
    view! {
        <div class="filters" role="search" aria-label="Find customers">
            <div class="field inline grow">
                <label for="customer-search">"Search"</label>
                <input id="customer-search" type="search" placeholder="Customer name"
                    prop:value=move || filters.with(|f| f.search.clone())
                    on:input=move |ev| filters.update(|f| f.search = event_target_value(&ev)) />
            </div>
            <fieldset class="filter-group" data-testid="level-filter">
                <legend>"Level"</legend>
                {LEVELS.into_iter().map(|l| view! {
                    <FilterOption id=format!("level-filter-{}", l.as_str()) label=l.label()
                        checked=move || filters.with(|f| f.levels.contains(&l))
                        set=move |on| filters.update(|f| f.set_level(l, on)) />
                }).collect_view()}
            </fieldset>
            <fieldset class="filter-group" data-testid="state-filter">
                <legend>"State"</legend>
                {STATES.into_iter().map(|s| view! {
                    <FilterOption id=format!("state-filter-{}", s.as_str()) label=s.label()
                        checked=move || filters.with(|f| f.states.contains(&s))
                        set=move |on| filters.update(|f| f.set_state(s, on)) />
                }).collect_view()}
            </fieldset>
            <Show when=move || filters.with(Filters::is_active)>
                <button type="button" class="button link small" data-testid="clear-filters"
                    on:click=move |_| filters.set(Filters::default())>
                    "Clear filters"
                </button>
            </Show>
        </div>
    }
}

/// One checkbox of a filter group: `checked` reads the filters, `set` changes them.
#[component]
fn FilterOption(
    id: String,
    label: &'static str,
    checked: impl Fn() -> bool + Send + Sync + 'static,
    set: impl Fn(bool) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <span class="checkbox">
            <input id=id.clone() type="checkbox" prop:checked=checked
                on:change=move |ev| set(event_target_checked(&ev)) />
            <label for=id>{label}</label>
        </span>
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so any search text survives
/// the address (spaces, `&`, `+`, `#`, non-ASCII letters).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Decodes a query the way the browser does for plain `%XX` escapes (enough for what
    /// `to_query` writes).
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn params(query: &str) -> HashMap<String, String> {
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), decode(v))
            })
            .collect()
    }

    #[test]
    fn nothing_chosen_is_an_empty_query_and_no_filter() {
        let none = Filters::default();
        assert!(!none.is_active());
        assert_eq!(none.to_query(), "");
        assert_eq!(none.vars(), SearchVars::default());
        let blank = Filters {
            search: "   ".into(),
            ..Filters::default()
        };
        assert!(!blank.is_active());
        assert_eq!(blank.to_query(), "");
    }

    #[test]
    fn filters_round_trip_through_the_query() {
        let mut filters = Filters {
            search: "Café & Co + 50% #1".into(),
            ..Filters::default()
        };
        filters.set_level(CustomerLevel::EndCustomer, true);
        filters.set_level(CustomerLevel::Reseller, true);
        filters.set_state(CustomerState::InTrial, true);
        let query = filters.to_query();
        assert_eq!(
            query,
            "q=Caf%C3%A9%20%26%20Co%20%2B%2050%25%20%231&level=RESELLER,END_CUSTOMER&state=IN_TRIAL"
        );
        let parsed = params(&query);
        assert_eq!(Filters::from_query(|k| parsed.get(k).cloned()), filters);
    }

    #[test]
    fn levels_keep_their_order_and_untick() {
        let mut filters = Filters::default();
        filters.set_level(CustomerLevel::Site, true);
        filters.set_level(CustomerLevel::Distributor, true);
        filters.set_level(CustomerLevel::Site, true);
        assert_eq!(
            filters.levels,
            [CustomerLevel::Distributor, CustomerLevel::Site]
        );
        filters.set_level(CustomerLevel::Distributor, false);
        assert_eq!(filters.levels, [CustomerLevel::Site]);
        let vars = filters.vars();
        assert_eq!(vars.levels, Some(vec![CustomerLevel::Site]));
        assert_eq!(vars.states, None);
    }

    #[test]
    fn unknown_values_in_a_link_are_ignored() {
        let parsed: HashMap<String, String> = [
            ("level".to_owned(), "ROOT,RESELLER,nonsense,".to_owned()),
            ("state".to_owned(), "EXPIRED".to_owned()),
        ]
        .into();
        let filters = Filters::from_query(|k| parsed.get(k).cloned());
        assert_eq!(filters.levels, [CustomerLevel::Reseller]);
        assert!(filters.states.is_empty());
        assert_eq!(filters.search, "");
    }
}
