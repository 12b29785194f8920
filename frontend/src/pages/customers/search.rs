//! The customers anywhere in the user's view that match the search and filters, shown instead
//! of the tree while any filter is set, a page at a time.

use leptos::prelude::*;
use leptos_router::components::A;

use super::filters::Filters;
use crate::{
    api::{
        customers::{Found, SearchVars},
        use_api,
    },
    components::{
        customer_tree::level_class,
        form::Problem,
        paging::{LoadMore, Page, Paged},
        trial_badge::TrialBadge,
    },
    state::use_tree,
};

/// Customers anywhere in the user's view that match the search and filters, a page at a time.
#[component]
pub fn SearchResults(filters: RwSignal<Filters>) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    // The query settles a moment after the last keystroke, so typing does not send a request
    // per letter.
    let settled = RwSignal::new(filters.with_untracked(|f| f.search.clone()));
    Effect::new(move |_| {
        let typed = filters.with(|f| f.search.clone());
        set_timeout(
            move || {
                if filters.try_with_untracked(|f| f.search == typed) == Some(true) {
                    settled.set(typed);
                }
            },
            std::time::Duration::from_millis(250),
        );
    });
    let vars = move || {
        filters.with(|f| {
            Filters {
                search: settled.get(),
                ..f.clone()
            }
            .vars()
        })
    };
    let results = Paged::<Found>::new();
    let Paged {
        total,
        loading,
        error,
        ..
    } = results;
    let load = move |after: Option<String>| {
        let vars = SearchVars {
            after: after.clone(),
            ..vars()
        };
        results.load(after, async move {
            let page = api.search(vars).await?;
            Ok(Page::new(page.nodes, &page.page_info, page.total_count))
        });
    };
    Effect::new(move |_| {
        vars();
        tree.revision.track();
        load(None);
    });
    view! {
        <div class="results" data-testid="search-results">
            <p class="muted" role="status">
                {move || if loading.get() { "Searching…".to_owned() } else {
                    match total.get() { 0 => "No customers match.".to_owned(), 1 => "1 customer matches.".to_owned(), n => format!("{n} customers match.") }
                }}
            </p>
            <Problem error=error retry=Callback::new(move |_| load(None)) />
            <ul class="result-list">
                <For each=move || results.items.get() key=|f| (f.node.id.clone(), f.node.name.clone(), f.node.state) let:found>
                    <li class="result">
                        <A href=format!("/customers/{}", found.node.id.inner())>
                            <span class="node-name">{found.node.name.clone()}</span>
                        </A>
                        <span class=level_class(found.node.level)>{found.node.level.label()}</span>
                        <TrialBadge state=found.node.state.shared() expires_at=found.node.trial_expires_at.clone().map(|t| t.0) />
                        <span class="muted small path">
                            {found.ancestors.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(" › ")}
                        </span>
                    </li>
                </For>
            </ul>
            <LoadMore next=results.next loading more=Callback::new(load) />
        </div>
    }
}
