//! The customer tree, after the WAI-ARIA tree pattern: the caller's root customer and, on
//! demand, each customer's children, a page at a time. Arrow keys move and expand like a file
//! tree; the toggle buttons do the same for the mouse.

use canopy_shared::CustomerLevel;
use leptos::{ev::KeyboardEvent, prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::{
    api::{self, ChildPage, CustomerSummary},
    components::trial_badge::TrialBadge,
    session::{use_session, Session},
};

/// The tree, starting at `root` (collapsed).
#[component]
pub fn CustomerTree(root: CustomerSummary) -> impl IntoView {
    view! {
        <ul class="tree" role="tree" aria-label="Customers" data-testid="customer-tree">
            <TreeNode customer=root depth=1 />
        </ul>
    }
}

/// A customer's children as loaded so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Children {
    nodes: Vec<CustomerSummary>,
    /// Whether the first page has arrived.
    loaded: bool,
    /// Where the next page starts; `None` when there is none.
    next: Option<String>,
    /// How many children there are in all, as of the last page.
    total: i64,
}

impl Children {
    /// Adds the next page.
    fn append(&mut self, page: ChildPage) {
        self.nodes.extend(page.nodes);
        self.loaded = true;
        // A server that says "more" without a cursor leaves no way to ask for it.
        self.next = page
            .page_info
            .end_cursor
            .filter(|_| page.page_info.has_next_page);
        self.total = page.total_count;
    }
}

/// One tree item's expansion and children: the state its view reads, and the operations on it.
/// Children are loaded by explicit operations rather than a resource because pages accumulate
/// ("Load more") and nothing is fetched until the item is first expanded.
#[derive(Clone, Copy)]
struct Branch {
    customer_id: StoredValue<String>,
    expanded: RwSignal<bool>,
    children: RwSignal<Children>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

impl Branch {
    fn new(customer_id: String) -> Self {
        Self {
            customer_id: StoredValue::new(customer_id),
            expanded: RwSignal::new(false),
            children: RwSignal::new(Children::default()),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    fn toggle(self, session: Session) {
        if self.expanded.get_untracked() {
            self.expanded.set(false);
        } else {
            self.expand(session);
        }
    }

    /// Shows the children, loading the first page the first time.
    fn expand(self, session: Session) {
        self.expanded.set(true);
        if !self.children.with_untracked(|c| c.loaded) {
            self.load_more(session);
        }
    }

    /// Loads the next page of children (or the first).
    fn load_more(self, session: Session) {
        if self.loading.get_untracked() {
            return;
        }
        self.loading.set(true);
        self.error.set(None);
        let after = self.children.with_untracked(|c| c.next.clone());
        let customer_id = self.customer_id.get_value();
        spawn_local(async move {
            let token = session.token();
            match api::children(token.as_deref(), &customer_id, after.as_deref()).await {
                Ok(Some(page)) => self.children.update(|c| c.append(page)),
                Ok(None) => self.error.set(Some(
                    "This customer no longer exists or is no longer visible to you.".into(),
                )),
                Err(error) => {
                    session.check(&error);
                    self.error.set(Some(error.to_string()));
                }
            }
            self.loading.set(false);
        });
    }
}

/// "3 sub-customers": how many direct children a customer has.
pub fn sub_customer_label(count: i64) -> String {
    match count {
        0 => "No sub-customers".into(),
        1 => "1 sub-customer".into(),
        n => format!("{n} sub-customers"),
    }
}

/// The CSS class of a level's badge, e.g. `level-sub-distributor`.
fn level_class(level: CustomerLevel) -> String {
    format!(
        "badge level level-{}",
        level.as_str().to_ascii_lowercase().replace('_', "-")
    )
}

/// One customer and, when expanded, its children. Returns `AnyView` because it contains itself.
#[component]
fn TreeNode(customer: CustomerSummary, depth: usize) -> AnyView {
    let session = use_session();
    let branch = Branch::new(customer.id.clone());
    let expandable = customer.child_count > 0;
    let name_id = format!("customer-{}-name", customer.id);
    let labelled_by = name_id.clone();

    let toggle = expandable.then(|| {
        let name = customer.name.clone();
        let label = move || {
            let verb = if branch.expanded.get() {
                "Collapse"
            } else {
                "Expand"
            };
            format!("{verb} {name}")
        };
        view! {
            <button
                type="button"
                class="toggle"
                tabindex="-1"
                aria-label=label
                data-testid="toggle"
                on:click=move |_| branch.toggle(session)
            ></button>
        }
        .into_any()
    });

    let on_keydown = move |ev: KeyboardEvent| {
        if on_key(&ev, branch, expandable, session) {
            ev.prevent_default();
            ev.stop_propagation();
        }
    };

    let footer = move || {
        if branch.loading.get() {
            return Some(
                view! {
                    <div class="tree-status" role="status" data-testid="tree-loading">
                        "Loading…"
                    </div>
                }
                .into_any(),
            );
        }
        if let Some(message) = branch.error.get() {
            return Some(
                view! {
                    <div class="tree-status error" role="alert" data-testid="tree-error">
                        <span>{message}</span>
                        <button
                            type="button"
                            class="button link"
                            on:click=move |_| branch.load_more(session)
                        >
                            "Try again"
                        </button>
                    </div>
                }
                .into_any(),
            );
        }
        let (shown, total, more) = branch
            .children
            .with(|c| (c.nodes.len(), c.total, c.next.is_some()));
        more.then(|| {
            view! {
                <div class="tree-status">
                    <button
                        type="button"
                        class="button secondary small"
                        data-testid="load-more"
                        on:click=move |_| branch.load_more(session)
                    >
                        "Load more"
                    </button>
                    <span class="muted">{format!("Showing {shown} of {total}")}</span>
                </div>
            }
            .into_any()
        })
    };

    view! {
        <li
            role="treeitem"
            class="tree-item"
            aria-labelledby=labelled_by
            aria-expanded=move || expandable.then(|| branch.expanded.get().to_string())
            tabindex=if depth == 1 { "0" } else { "-1" }
            data-testid="tree-item"
            data-customer-id=customer.id.clone()
            on:keydown=on_keydown
        >
            <div class="node-row">
                {toggle.unwrap_or_else(|| view! { <span class="toggle-spacer"></span> }.into_any())}
                <span id=name_id class="node-name" data-testid="node-name">
                    {customer.name.clone()}
                </span>
                <span class=level_class(customer.level) data-testid="level-badge">
                    {customer.level.label()}
                </span>
                <TrialBadge state=customer.state expires_at=customer.trial_expires_at.clone() />
                <span class="child-count" data-testid="child-count">
                    {sub_customer_label(customer.child_count)}
                </span>
            </div>
            <Show when=move || branch.expanded.get()>
                <ul role="group" class="tree-group">
                    <For
                        each=move || branch.children.with(|c| c.nodes.clone())
                        key=|child| child.id.clone()
                        let:child
                    >
                        <TreeNode customer=child depth=depth + 1 />
                    </For>
                </ul>
                {footer}
            </Show>
        </li>
    }
    // The view macro knows no `aria-level`; add it as a plain attribute.
    .attr("aria-level", depth.to_string())
    .into_any()
}

/// The tree pattern's keys on a focused tree item; true when the key was used.
fn on_key(ev: &KeyboardEvent, branch: Branch, expandable: bool, session: Session) -> bool {
    // Keys pressed on a nested item or a button bubble up here too; only the item itself acts.
    if ev.target() != ev.current_target() {
        return false;
    }
    let Some(item) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    let expanded = branch.expanded.get_untracked();
    match ev.key().as_str() {
        "ArrowRight" if expandable && !expanded => branch.expand(session),
        "ArrowRight" if expanded => {
            if let Some(first) = query(&item, ":scope > [role=group] > [role=treeitem]") {
                move_focus(&item, &first);
            }
        }
        "ArrowLeft" if expanded => branch.expanded.set(false),
        "ArrowLeft" => {
            let parent = item
                .parent_element()
                .and_then(|p| p.closest("[role=treeitem]").ok().flatten())
                .and_then(|p| p.dyn_into::<HtmlElement>().ok());
            if let Some(parent) = parent {
                move_focus(&item, &parent);
            }
        }
        "Enter" | " " if expandable => branch.toggle(session),
        key @ ("ArrowDown" | "ArrowUp" | "Home" | "End") => {
            let items = visible_items(&item);
            if let Some(here) = items.iter().position(|i| i == &item) {
                let last = items.len() - 1;
                let there = match key {
                    "ArrowDown" => (here + 1).min(last),
                    "ArrowUp" => here.saturating_sub(1),
                    "Home" => 0,
                    _ => last,
                };
                move_focus(&item, &items[there]);
            }
        }
        _ => return false,
    }
    true
}

fn query(from: &HtmlElement, selector: &str) -> Option<HtmlElement> {
    from.query_selector(selector).ok()??.dyn_into().ok()
}

/// Every rendered tree item of `item`'s tree, in reading order (collapsed ones hold none).
fn visible_items(item: &HtmlElement) -> Vec<HtmlElement> {
    let Some(Ok(list)) = item
        .closest("[role=tree]")
        .ok()
        .flatten()
        .map(|tree| tree.query_selector_all("[role=treeitem]"))
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect()
}

/// Moves focus and the tree's single tab stop ("roving tabindex") from one item to another.
fn move_focus(from: &HtmlElement, to: &HtmlElement) {
    from.set_tab_index(-1);
    to.set_tab_index(0);
    if let Err(e) = to.focus() {
        leptos::logging::warn!("could not focus a tree item: {e:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PageInfo;
    use canopy_shared::CustomerState;

    fn customer(id: &str) -> CustomerSummary {
        CustomerSummary {
            id: id.into(),
            name: format!("Customer {id}"),
            level: CustomerLevel::Reseller,
            state: CustomerState::InProduction,
            trial_expires_at: None,
            child_count: 0,
        }
    }

    fn page(ids: &[&str], has_next_page: bool, end_cursor: Option<&str>) -> ChildPage {
        ChildPage {
            nodes: ids.iter().map(|id| customer(id)).collect(),
            page_info: PageInfo {
                has_next_page,
                end_cursor: end_cursor.map(Into::into),
            },
            total_count: 3,
        }
    }

    #[test]
    fn pages_accumulate_until_the_last() {
        let mut children = Children::default();
        children.append(page(&["1", "2"], true, Some("c2")));
        assert!(children.loaded);
        assert_eq!(children.next.as_deref(), Some("c2"));
        children.append(page(&["3"], false, Some("c3")));
        assert_eq!(children.nodes.len(), 3);
        assert_eq!(children.next, None);
        assert_eq!(children.total, 3);
    }

    #[test]
    fn more_without_a_cursor_is_the_end() {
        let mut children = Children::default();
        children.append(page(&["1"], true, None));
        assert_eq!(children.next, None);
    }

    #[test]
    fn labels_read_naturally() {
        assert_eq!(sub_customer_label(0), "No sub-customers");
        assert_eq!(sub_customer_label(1), "1 sub-customer");
        assert_eq!(sub_customer_label(12), "12 sub-customers");
        assert_eq!(
            level_class(CustomerLevel::SubDistributor),
            "badge level level-sub-distributor"
        );
    }
}
