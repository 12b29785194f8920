//! `/devices[/<customer id>]`: device management. Pick a customer; its devices (optionally its
//! whole subtree's) in a table whose columns the user chooses, remembered in this browser;
//! add a test device, remove devices.

use canopy_shared::Action as Can;
use cynic::Id;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::{
    api::{
        customers::SearchVars,
        devices::{AddDeviceVars, Device, DeviceInput},
        use_api, ApiError,
    },
    components::{
        combobox::{Choice, Combobox},
        dialog::Confirm,
        form::Problem,
        paging::{LoadMore, Page, Paged},
    },
    state::{use_tree, use_viewer},
};

/// A column of the device table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    Customer,
    Kind,
    StorageLocation,
    UsedStorage,
    Created,
    LastBackup,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Self::Name,
        Self::Customer,
        Self::Kind,
        Self::StorageLocation,
        Self::UsedStorage,
        Self::Created,
        Self::LastBackup,
    ];
    const DEFAULT: [Column; 5] = [
        Self::Name,
        Self::Customer,
        Self::Kind,
        Self::StorageLocation,
        Self::LastBackup,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Customer => "customer",
            Self::Kind => "kind",
            Self::StorageLocation => "storageLocation",
            Self::UsedStorage => "usedStorage",
            Self::Created => "created",
            Self::LastBackup => "lastBackup",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Customer => "Customer",
            Self::Kind => "OS or kind",
            Self::StorageLocation => "Storage location",
            Self::UsedStorage => "Used storage",
            Self::Created => "Created",
            Self::LastBackup => "Last backup",
        }
    }

    fn cell(self, d: &Device) -> String {
        match self {
            Self::Name => d.name.clone(),
            Self::Customer => d.customer.name.clone(),
            Self::Kind => d.kind.clone().unwrap_or_default(),
            Self::StorageLocation => d.storage_location.name.clone(),
            Self::UsedStorage => bytes(d.used_storage_bytes),
            Self::Created => d.created_at.local(),
            Self::LastBackup => d
                .last_backup_at
                .as_ref()
                .map_or("Never".into(), |t| t.local()),
        }
    }

    /// The saved choice (a comma-separated list of keys); the default when none is saved.
    pub fn parse_list(saved: Option<&str>) -> Vec<Column> {
        match saved {
            Some(s) => Self::ALL
                .into_iter()
                .filter(|c| s.split(',').any(|k| k == c.key()))
                .collect(),
            None => Self::DEFAULT.to_vec(),
        }
    }

    pub fn format_list(columns: &[Column]) -> String {
        columns
            .iter()
            .map(|c| c.key())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// "1.5 GB": a byte count as people read it.
pub fn bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub const COLUMNS_KEY: &str = "canopy.device-columns";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The columns this browser last chose (the default before any choice, or without storage).
pub fn saved_columns() -> Vec<Column> {
    Column::parse_list(
        storage()
            .and_then(|s| s.get_item(COLUMNS_KEY).ok().flatten())
            .as_deref(),
    )
}

/// Remembers the chosen columns in this browser.
pub fn save_columns(columns: &[Column]) {
    if let Some(s) = storage() {
        if let Err(e) = s.set_item(COLUMNS_KEY, &Column::format_list(columns)) {
            leptos::logging::warn!("could not remember the device columns: {e:?}");
        }
    }
}

#[component]
pub fn DevicesPage() -> impl IntoView {
    let api = use_api();
    let viewer = use_viewer();
    let tree = use_tree();
    let navigate = use_navigate();
    let params = use_params_map();
    let customer_id = Memo::new(move |_| params.with(|p| p.get("id")).map(Id::new));

    let columns = RwSignal::new(saved_columns());
    Effect::new(move |_| columns.with(|c| save_columns(c)));

    // The customer picker.
    let query = RwSignal::new(String::new());
    let picked = RwSignal::new(None::<Choice>);
    let candidates = LocalResource::new(move || {
        let q = query.get();
        async move {
            let vars = SearchVars {
                search: Some(q).filter(|q| !q.trim().is_empty()),
                first: Some(20),
                ..Default::default()
            };
            api.search(vars).await.map(|p| p.nodes).unwrap_or_default()
        }
    });
    let options = Signal::derive(move || {
        candidates
            .get()
            .unwrap_or_default()
            .into_iter()
            .map(|f| Choice {
                value: f.node.id.inner().to_owned(),
                label: f.node.name.clone(),
                hint: Some(f.node.level.label().to_owned()),
            })
            .collect::<Vec<_>>()
    });
    Effect::new(move |_| {
        if let Some(choice) = picked.get() {
            navigate(&format!("/devices/{}", choice.value), Default::default());
        }
    });
    // The picker shows the customer in the address.
    Effect::new(move |_| {
        if let Some(id) = customer_id.try_get().flatten() {
            leptos::task::spawn_local(async move {
                if let Ok(Some(node)) = api.node(&id).await {
                    let other = picked.try_with_untracked(|p| {
                        p.as_ref().map(|p| p.value.as_str()) != Some(id.inner())
                    });
                    if other == Some(true) {
                        query.set(node.name);
                    }
                }
            });
        }
    });

    let include_descendants = RwSignal::new(false);
    let list = Paged::<Device>::new();
    let Paged {
        items: devices,
        total,
        loading,
        error,
        ..
    } = list;
    let load = move |after: Option<String>| {
        // Also called when an operation ends, perhaps after the page was left.
        let Some(id) = customer_id.try_get_untracked().flatten() else {
            return;
        };
        let include = include_descendants.try_get_untracked().unwrap_or(false);
        list.load(after.clone(), async move {
            match api.devices(&id, after, include).await? {
                Some(page) => Ok(Page::new(page.nodes, &page.page_info, page.total_count)),
                None => Err(ApiError::Graphql {
                    message: "This customer is not visible to you.".into(),
                    code: Some("NOT_FOUND".into()),
                    field: None,
                }),
            }
        });
    };
    Effect::new(move |_| {
        if customer_id.try_get().is_some() {
            include_descendants.track();
            load(None);
        }
    });

    let can_manage = viewer.can(Can::ManageDevices);
    let add_error = RwSignal::new(None::<ApiError>);
    let add = Action::new_local(move |_: &()| {
        let id = customer_id.get_untracked();
        let n = total.get_untracked() + 1;
        async move {
            let Some(id) = id else { return };
            let vars = AddDeviceVars {
                customer_id: id.clone(),
                input: DeviceInput {
                    name: format!("Test device {n}-{}", js_sys::Date::now() as u64 % 100_000),
                    kind: Some("Test device".into()),
                    used_storage_bytes: None,
                    last_backup_at: None,
                },
            };
            match api.add_device(vars).await {
                Ok(_) => {
                    add_error.set(None);
                    tree.changed(&id, &[]);
                    load(None);
                }
                Err(e) => add_error.set(Some(e)),
            }
        }
    });
    let removing = RwSignal::new(None::<Device>);
    let remove_error = RwSignal::new(None::<String>);
    let remove = Action::new_local(move |d: &Device| {
        let (device, owner) = (d.id.clone(), d.customer.id.clone());
        async move {
            match api.remove_device(device).await {
                Ok(_) => {
                    removing.set(None);
                    tree.changed(&owner, &[]);
                    load(None);
                }
                Err(e) => remove_error.set(Some(e.to_string())),
            }
        }
    });

    view! {
        <section class="card devices-page" aria-labelledby="devices-title">
            <div class="pane-head">
                <h1 id="devices-title">"Devices"</h1>
                {can_manage.then(|| view! {
                    <button type="button" class="button primary" data-testid="add-test-device"
                        disabled=move || customer_id.with(Option::is_none) || add.pending().get()
                        on:click=move |_| { add.dispatch(()); }>
                        {move || if add.pending().get() { "Adding…" } else { "Add test device" }}
                    </button>
                })}
            </div>
            <div class="filters">
                <div class="field inline grow">
                    <label for="device-customer">"Customer"</label>
                    <Combobox id="device-customer" query options selected=picked placeholder="Type a customer's name" />
                </div>
                <div class="field checkbox inline">
                    <input id="include-descendants" type="checkbox" bind:checked=include_descendants />
                    <label for="include-descendants">"Include sub-customers' devices"</label>
                </div>
                <details class="columns-menu">
                    <summary class="button secondary small">"Columns"</summary>
                    <fieldset>
                        <legend class="visually-hidden">"Columns to show"</legend>
                        {Column::ALL.into_iter().map(|c| {
                            let id = format!("column-{}", c.key());
                            view! {
                                <span class="checkbox">
                                    <input id=id.clone() type="checkbox" prop:checked=move || columns.with(|cs| cs.contains(&c))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            columns.update(|cs| { cs.retain(|x| *x != c); if on { *cs = Column::ALL.into_iter().filter(|x| *x == c || cs.contains(x)).collect(); } });
                                        } />
                                    <label for=id>{c.label()}</label>
                                </span>
                            }
                        }).collect_view()}
                    </fieldset>
                </details>
            </div>
            <Problem error=add_error retry=Callback::new(move |_| { add.dispatch(()); }) />
            <Problem error=error retry=Callback::new(move |_| load(None)) />
            {move || customer_id.get().is_none().then(|| view! { <p class="muted">"Choose a customer to see its devices."</p> })}
            <Show when=move || customer_id.with(Option::is_some)>
                <p class="muted" role="status">
                    {move || if loading.get() { "Loading devices…".to_owned() } else {
                        match total.get() { 0 => "No devices.".to_owned(), 1 => "1 device".to_owned(), n => format!("{n} devices") }
                    }}
                </p>
                <table class="table" data-testid="devices">
                    <thead>
                        <tr>
                            {move || columns.get().into_iter().map(|c| view! { <th scope="col">{c.label()}</th> }).collect_view()}
                            {can_manage.then(|| view! { <th><span class="visually-hidden">"Actions"</span></th> })}
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || devices.get() key=|d| d.id.clone() let:device>
                            <tr data-testid="device-row">
                                {
                                    let d = device.clone();
                                    move || columns.get().into_iter().map(|c| view! { <td data-column=c.key()>{c.cell(&d)}</td> }).collect_view()
                                }
                                {can_manage.then(|| {
                                    let d = device.clone();
                                    view! {
                                        <td class="row-buttons">
                                            <button type="button" class="button link danger" aria-label=format!("Remove {}", device.name)
                                                on:click=move |_| { remove_error.set(None); removing.set(Some(d.clone())) }>"Remove"</button>
                                        </td>
                                    }
                                })}
                            </tr>
                        </For>
                    </tbody>
                </table>
                <LoadMore next=list.next loading more=Callback::new(load) />
            </Show>
            {move || removing.get().map(|d| view! {
                <Confirm title=format!("Remove {}?", d.name) message="The device and its place in reports will be removed.".to_owned()
                    confirm_label="Remove" pending=remove.pending() error=remove_error
                    on_confirm=Callback::new(move |_| { remove.dispatch(d.clone()); })
                    on_close=Callback::new(move |_| removing.set(None)) />
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_choice_round_trips_and_defaults() {
        let chosen = vec![Column::Name, Column::StorageLocation];
        assert_eq!(
            Column::parse_list(Some(&Column::format_list(&chosen))),
            chosen
        );
        assert!(Column::parse_list(None).contains(&Column::StorageLocation));
        assert_eq!(Column::parse_list(Some("")), vec![]);
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1_500_000_000.0), "1.5 GB");
    }
}
