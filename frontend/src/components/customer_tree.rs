//! The customer tree, after the WAI-ARIA tree pattern: the caller's root customer and, on
//! demand, each customer's children, a page at a time ("Load more"), so a customer with
//! thousands of children never renders them all. Arrow keys move and expand like a file tree,
//! Enter opens a customer, Delete asks to remove it; the pen and trash icons appear on hover
//! or focus for the actions the user's role allows.

use canopy_shared::Action as Can;
use cynic::Id;
use leptos::{ev::KeyboardEvent, prelude::*};
use leptos_router::hooks::{use_location, use_navigate};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::{
    api::{customers::TreeNode, CustomerLevel},
    components::{
        icons::{PenIcon, TrashIcon},
        trial_badge::TrialBadge,
    },
    state::{use_tree, use_viewer, Node},
};

/// What the tree asks its page to do.
#[derive(Clone, Copy, Debug)]
pub struct TreeActions {
    /// Ask to remove this customer (the page shows the confirmation).
    pub remove: Callback<TreeNode>,
}

/// The whole tree, from the user's own customer down.
#[component]
pub fn CustomerTree(root: TreeNode) -> impl IntoView {
    let tree = use_tree();
    let node = tree.node(root);
    // The root starts open: it is why the user came.
    tree.expand(node);
    view! {
        <ul role="tree" class="tree" aria-label="Customers" data-testid="customer-tree">
            <TreeItem node=node depth=1 />
        </ul>
        <p class="muted small keys-hint">
            "Arrow keys move and open, Enter shows a customer, Delete removes it."
        </p>
    }
}

/// "3 sub-customers": how many direct children a customer has.
pub fn sub_customer_label(count: i32) -> String {
    match count {
        0 => "No sub-customers".into(),
        1 => "1 sub-customer".into(),
        n => format!("{n} sub-customers"),
    }
}

/// "1 device", "12 devices".
pub fn device_label(count: i32) -> String {
    match count {
        1 => "1 device".into(),
        n => format!("{n} devices"),
    }
}

/// Why a customer cannot be removed, if it cannot (DOMAIN.md: no devices and no children, and
/// never the root of one's view).
pub fn removal_block(node: &TreeNode, is_own: bool) -> Option<String> {
    if is_own {
        return Some("This is your own customer: it cannot be removed here.".into());
    }
    match (node.child_count, node.device_count) {
        (0, 0) if node.removable => None,
        (0, 0) => Some("This customer cannot be removed.".into()),
        (c, 0) => Some(format!(
            "Cannot remove: it has customers of its own ({c}). Move or remove them first."
        )),
        (0, d) => Some(format!(
            "Cannot remove: it has devices ({d}). Remove them first."
        )),
        (c, d) => Some(format!(
            "Cannot remove: it has customers ({c}) and devices ({d}) of its own."
        )),
    }
}

/// The CSS class of a level's badge, e.g. `level-sub-distributor`.
pub fn level_class(level: CustomerLevel) -> String {
    format!(
        "badge level level-{}",
        level
            .shared()
            .as_str()
            .to_ascii_lowercase()
            .replace('_', "-")
    )
}

/// The customer selected by the address (`/customers/<id>/…`), if any.
pub fn selected_id(path: &str) -> Option<Id> {
    let rest = path.strip_prefix("/customers/")?;
    let id = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(Id::new(id))
}

/// One customer and, when expanded, its children. Returns `AnyView` because it contains itself.
#[component]
fn TreeItem(node: Node, depth: usize) -> AnyView {
    let tree = use_tree();
    let viewer = use_viewer();
    let actions = use_context::<TreeActions>();
    let navigate = use_navigate();
    let location = use_location();
    let id = node.data.with_untracked(|d| d.id.clone());
    let id_str = id.inner().to_owned();
    let name_id = format!("customer-{id_str}-name");
    let expandable = move || node.data.with(|d| d.child_count > 0);
    // Plain closures over the router's location (not signals of this item): while the console
    // is torn down they may still run once, and must not read disposed values.
    let is_selected = {
        let id = id.clone();
        move || {
            location
                .pathname
                .try_with(|p| selected_id(p).as_ref() == Some(&id))
                .unwrap_or(false)
        }
    };
    let selected = is_selected.clone();
    let can_manage = viewer.can(Can::ManageCustomers);
    let is_own = viewer.is_root(&id);
    let href = format!("/customers/{id_str}");
    let edit_href = format!("/customers/{id_str}/general");
    let name = move || node.data.with(|d| d.name.clone());

    let block = move || node.data.with(|d| removal_block(d, is_own));
    let ask_remove = move || {
        if block().is_none() {
            if let Some(actions) = actions {
                actions.remove.run(node.data.get_untracked());
            }
        }
    };

    let on_keydown = {
        let href = href.clone();
        let navigate = navigate.clone();
        move |ev: KeyboardEvent| {
            if ev.target() != ev.current_target() {
                return;
            }
            let handled = match ev.key().as_str() {
                "Enter" => {
                    navigate(&href, Default::default());
                    true
                }
                " " if expandable() => {
                    tree.toggle(node);
                    true
                }
                "Delete" if can_manage => {
                    ask_remove();
                    true
                }
                _ => on_key(&ev, node, expandable(), tree),
            };
            if handled {
                ev.prevent_default();
                ev.stop_propagation();
            }
        }
    };

    let toggle = move || {
        if expandable() {
            let label = move || {
                let verb = if node.expanded.get() {
                    "Collapse"
                } else {
                    "Expand"
                };
                format!("{verb} {}", name())
            };
            view! {
                <button
                    type="button"
                    class="toggle"
                    tabindex="-1"
                    aria-label=label
                    data-testid="toggle"
                    on:click=move |_| tree.toggle(node)
                ></button>
            }
            .into_any()
        } else {
            view! { <span class="toggle-spacer"></span> }.into_any()
        }
    };

    let footer = move || {
        if node.loading.get() {
            return Some(
                view! {
                    <div class="tree-status" role="status" data-testid="tree-loading">
                        <span class="spinner" aria-hidden="true"></span>
                        "Loading…"
                    </div>
                }
                .into_any(),
            );
        }
        if let Some(error) = node.error.get() {
            return Some(
                view! {
                    <div class="tree-status error" role="alert" data-testid="tree-error">
                        <span>{error.to_string()}</span>
                        <button type="button" class="button link" on:click=move |_| tree.load_more(node)>
                            "Try again"
                        </button>
                    </div>
                }
                .into_any(),
            );
        }
        let (shown, total, more) = node
            .children
            .with(|c| (c.ids.len(), c.total, c.next.is_some()));
        more.then(|| {
            view! {
                <div class="tree-status">
                    <button
                        type="button"
                        class="button secondary small"
                        data-testid="load-more"
                        on:click=move |_| tree.load_more(node)
                    >
                        "Load more"
                    </button>
                    <span class="muted">{format!("Showing {shown} of {total}")}</span>
                </div>
            }
            .into_any()
        })
    };

    let row_actions = can_manage.then(|| {
        let remove_label = move || format!("Remove {}", name());
        view! {
            <span class="row-actions">
                <a
                    class="icon-button"
                    href=edit_href
                    tabindex="-1"
                    aria-label=move || format!("Edit {}", name())
                    title="Edit"
                    data-testid="edit"
                >
                    <PenIcon />
                </a>
                <button
                    type="button"
                    class="icon-button"
                    tabindex="-1"
                    aria-label=remove_label
                    aria-disabled=move || block().is_some().to_string()
                    title=move || block().unwrap_or_else(|| "Remove".into())
                    data-testid="remove"
                    on:click=move |_| ask_remove()
                >
                    <TrashIcon />
                </button>
            </span>
        }
    });

    view! {
        <li
            role="treeitem"
            class="tree-item"
            aria-labelledby=name_id.clone()
            aria-expanded=move || expandable().then(|| node.expanded.get().to_string())
            aria-selected=move || is_selected().to_string()
            tabindex=if depth == 1 { "0" } else { "-1" }
            data-testid="tree-item"
            data-customer-id=id_str.clone()
            on:keydown=on_keydown
        >
            <div class="node-row" class:selected=selected>
                {toggle}
                <a id=name_id.clone() class="node-name" href=href tabindex="-1" title=name data-testid="node-name">
                    {name}
                </a>
                {move || {
                    let d = node.data.get();
                    view! {
                        <span class=level_class(d.level) data-testid="level-badge">
                            {d.level.label()}
                        </span>
                        <TrialBadge state=d.state.shared() expires_at=d.trial_expires_at.map(|t| t.0) />
                        <span class="counts">
                            <span data-testid="device-count">{device_label(d.device_count)}</span>
                            <span data-testid="child-count">{sub_customer_label(d.child_count)}</span>
                        </span>
                    }
                }}
                {row_actions}
            </div>
            <Show when=move || node.expanded.get()>
                <ul role="group" class="tree-group">
                    <For
                        each=move || node.children.get().ids
                        key=|id| id.clone()
                        let:child
                    >
                        {tree.get(&child).map(|child| view! { <TreeItem node=child depth=depth + 1 /> })}
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

/// The tree pattern's movement keys on a focused tree item; true when the key was used.
fn on_key(ev: &KeyboardEvent, node: Node, expandable: bool, tree: crate::state::Tree) -> bool {
    let Some(item) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    let expanded = node.expanded.get_untracked();
    match ev.key().as_str() {
        "ArrowRight" if expandable && !expanded => tree.expand(node),
        "ArrowRight" if expanded => {
            if let Some(first) = query(&item, ":scope > [role=group] > [role=treeitem]") {
                move_focus(&item, &first);
            }
        }
        "ArrowLeft" if expanded => node.expanded.set(false),
        "ArrowLeft" => {
            let parent = item
                .parent_element()
                .and_then(|p| p.closest("[role=treeitem]").ok().flatten())
                .and_then(|p| p.dyn_into::<HtmlElement>().ok());
            if let Some(parent) = parent {
                move_focus(&item, &parent);
            }
        }
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
    use crate::api::CustomerState;

    fn node(children: i32, devices: i32, removable: bool) -> TreeNode {
        TreeNode {
            id: Id::new("c1"),
            name: "Acme".into(),
            level: CustomerLevel::Reseller,
            state: CustomerState::InProduction,
            trial_expires_at: None,
            child_count: children,
            device_count: devices,
            removable,
        }
    }

    #[test]
    fn removal_is_blocked_with_the_reason() {
        assert_eq!(removal_block(&node(0, 0, true), false), None);
        assert!(removal_block(&node(2, 0, false), false)
            .unwrap()
            .contains("customers of its own (2)"));
        assert!(removal_block(&node(0, 1, false), false)
            .unwrap()
            .contains("devices (1)"));
        assert!(removal_block(&node(0, 0, true), true)
            .unwrap()
            .contains("your own customer"));
    }

    #[test]
    fn labels_read_naturally() {
        assert_eq!(sub_customer_label(0), "No sub-customers");
        assert_eq!(sub_customer_label(1), "1 sub-customer");
        assert_eq!(device_label(1), "1 device");
        assert_eq!(device_label(0), "0 devices");
        assert_eq!(
            level_class(CustomerLevel::SubDistributor),
            "badge level level-sub-distributor"
        );
    }

    #[test]
    fn the_selection_comes_from_the_address() {
        assert_eq!(selected_id("/customers/abc/branding"), Some(Id::new("abc")));
        assert_eq!(selected_id("/customers/abc"), Some(Id::new("abc")));
        assert_eq!(selected_id("/customers"), None);
        assert_eq!(selected_id("/devices"), None);
    }
}
