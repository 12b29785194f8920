//! Changing a customer's data storage location: a support action (the root customer's
//! SUPERUSERs), confirmed in a dialog that says what it does.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::{
        customers::{Customer, StorageLocationVars},
        geo::Geography,
        use_api,
    },
    components::{
        dialog::Modal,
        form::{Field, FormErrors, Problem},
    },
    pages::customers::detail::SaveStatus,
    state::use_tree,
};

/// Changing the storage location, a support action: the dialog says what it does and only then
/// changes it. Errors appear beside the choice (or above it when they concern no field).
#[component]
pub fn StorageLocationDialog(
    current: RwSignal<Customer>,
    #[prop(into)] geography: Signal<Option<Geography>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let status = expect_context::<SaveStatus>();
    let errors = FormErrors::new();
    let (name, from_code, from_name) = current.with_untracked(|c| {
        (
            c.name.clone(),
            c.storage_location.code.clone(),
            c.storage_location.name.clone(),
        )
    });
    let chosen = RwSignal::new(from_code.clone());
    let change = Action::new_local(move |code: &String| {
        let c = current.get_untracked();
        let vars = StorageLocationVars {
            id: c.id.clone(),
            storage_location: code.clone(),
        };
        let parent = c.parent.map(|p| p.id);
        async move {
            match api.change_storage_location(vars).await {
                Ok(changed) => {
                    status.saved(&format!(
                        "Data storage location changed to {}.",
                        changed.storage_location.name
                    ));
                    tree.changed(&changed.id, &[parent]);
                    current.set(changed);
                    on_close.run(());
                }
                Err(error) => errors.api(error, &["storageLocation"]),
            }
        }
    });
    let from = from_code.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let code = chosen.get_untracked();
        if code == from {
            errors.set(
                "storageLocation",
                "Choose a data storage location other than the current one.",
            );
            return;
        }
        change.dispatch(code);
    };
    let retry = Callback::new(move |_| {
        errors.clear();
        change.dispatch(chosen.get_untracked());
    });
    view! {
        <Modal title="Change data storage location" on_close>
            <form on:submit=on_submit novalidate data-testid="storage-location-form">
                <p>
                    {format!("{name} stores its data in {from_name}. ")}
                    "Devices added from now on store their backups in the location you choose; "
                    "existing devices keep theirs. "
                    "Only support may make this change, and it is recorded in the customer's history."
                </p>
                <Problem error=Signal::derive(move || errors.general()) retry />
                <Field id="new-storage-location" label="New data storage location" name="storageLocation" errors>
                    <select id="new-storage-location" autofocus
                        aria-describedby="new-storage-location-error"
                        aria-invalid=move || errors.field("storageLocation").is_some().to_string()
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {move || geography.get().map(|g| g.data_centers.into_iter().map(|dc| {
                            let code = dc.code.clone();
                            view! {
                                <option value=dc.code.clone() selected=move || chosen.with(|c| *c == code)>
                                    {dc.name}
                                </option>
                            }
                        }).collect_view())}
                    </select>
                </Field>
                <div class="form-actions">
                    <button type="button" class="button secondary" on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="button danger" disabled=move || change.pending().get()>
                        {move || if change.pending().get() { "Changing…" } else { "Change storage location" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
