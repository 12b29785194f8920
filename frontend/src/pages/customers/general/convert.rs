//! Converting a customer in trial (or whose trial expired) to production.

use leptos::prelude::*;

use crate::{
    api::{customers::Customer, use_api, ApiError},
    components::form::Problem,
    pages::customers::detail::SaveStatus,
    state::use_tree,
};

/// Converting a trial to production.
#[component]
pub fn Convert(current: RwSignal<Customer>) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let error = RwSignal::new(None::<ApiError>);
    let status = expect_context::<SaveStatus>();
    let convert = Action::new_local(move |_: &()| {
        let c = current.get_untracked();
        let parent = c.parent.map(|p| p.id);
        async move {
            match api.convert_to_production(c.id.clone()).await {
                Ok(converted) => {
                    status.saved("Converted to production.");
                    tree.changed(&converted.id, &[parent]);
                    current.set(converted);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let run = move || {
        error.set(None);
        convert.dispatch(());
    };
    let text = move || {
        current.with(|c| match c.trial_expires_at.as_ref() {
            Some(at) => format!("{} (ends {}).", c.state.label(), at.date()),
            None => c.state.label().to_owned(),
        })
    };
    view! {
        <div class="section-form sub">
            <h4>"Trial"</h4>
            <p class="muted small">{text}</p>
            <Problem error=error retry=Callback::new(move |_| run()) />
            <button
                type="button"
                class="button secondary"
                disabled=move || convert.pending().get()
                on:click=move |_| run()
            >
                {move || if convert.pending().get() { "Converting…" } else { "Convert to production" }}
            </button>
        </div>
    }
}
