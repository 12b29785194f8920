//! The History section: the customer's audit entries, newest first, a page at a time.

use cynic::Id;
use leptos::prelude::*;

use crate::{
    api::{audit::AuditEntry, use_api},
    components::{
        form::Problem,
        paging::{LoadMore, Page, Paged},
    },
    state::use_tree,
};

/// The fields that differ between two JSON documents, as "field: before → after".
pub fn changes(before: Option<&str>, after: Option<&str>) -> Vec<String> {
    let parse = |s: Option<&str>| {
        s.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (before, after) = (parse(before), parse(after));
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| format!("{k}: {} → {}", show(before.get(k)), show(after.get(k))))
        .collect()
}

#[component]
pub fn History(id: Id) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let history = Paged::<AuditEntry>::new();
    let Paged {
        items: entries,
        loading,
        error,
        ..
    } = history;
    let customer = StoredValue::new(id);
    let load = move |after: Option<String>| {
        let id = customer.get_value();
        history.load(after.clone(), async move {
            let page = api.history(&id, after).await?;
            Ok(Page::new(page.nodes, &page.page_info, page.total_count))
        });
    };
    Effect::new(move |_| {
        tree.epoch(&customer.get_value()).track();
        load(None);
    });
    view! {
        <Problem error=error retry=Callback::new(move |_| load(None)) />
        <ol class="history" data-testid="history">
            <For each=move || entries.get() key=|e| e.id.clone() let:entry>
                <li>
                    <div>
                        <strong>{entry.action.clone()}</strong>
                        <span class="muted small">
                            {format!(" · {} · {}", entry.at.local(), entry.actor.as_ref().map_or("system or a provider's staff".to_owned(), |a| a.username.clone()))}
                        </span>
                    </div>
                    <ul class="changes">
                        {changes(entry.before.as_deref(), entry.after.as_deref()).into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                    </ul>
                </li>
            </For>
        </ol>
        <p class="muted" role="status">{move || if loading.get() { "Loading…" } else if entries.with(Vec::is_empty) { "No history yet." } else { "" }}</p>
        <LoadMore next=history.next loading more=Callback::new(load) />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_listed() {
        let before = r#"{"name":"Acme","level":"RESELLER","version":1}"#;
        let after = r#"{"name":"Acme GmbH","level":"RESELLER","version":2}"#;
        assert_eq!(
            changes(Some(before), Some(after)),
            vec!["name: Acme → Acme GmbH", "version: 1 → 2"]
        );
        assert_eq!(
            changes(None, Some(r#"{"name":"New"}"#)),
            vec!["name: — → New"]
        );
    }
}
