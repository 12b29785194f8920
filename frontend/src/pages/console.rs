//! `/`: the console. The signed-in customer and user in the header, and the customer tree.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{
    api::{self, Console},
    components::customer_tree::CustomerTree,
    session::use_session,
};

/// The console; without a session it sends the user to sign in.
#[component]
pub fn ConsolePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Show when=move || session.is_signed_in() fallback=|| view! { <Redirect path="/sign-in" /> }>
            <SignedInConsole />
        </Show>
    }
}

#[component]
fn SignedInConsole() -> impl IntoView {
    let session = use_session();
    let console = LocalResource::new(move || async move {
        let result = api::console(session.token().as_deref()).await;
        if let Err(error) = &result {
            session.check(error);
        }
        result
    });
    let sign_out = Action::new_local(move |_: &()| async move {
        if let Some(token) = session.token() {
            // The token is dropped here whatever the server says: the user asked to leave, and a
            // token the server failed to revoke still expires there.
            if let Err(error) = api::sign_out(&token).await {
                leptos::logging::warn!("signOut failed: {error}");
            }
        }
        session.end();
    });
    let loaded = move || console.get().and_then(Result::ok);

    view! {
        <div class="shell">
            <header class="topbar">
                <div class="brand">
                    <span class="brand-mark small" aria-hidden="true"></span>
                    "Canopy"
                </div>
                <div class="account">
                    {move || {
                        loaded()
                            .map(|Console { me, root }| {
                                view! {
                                    <div class="who">
                                        <span class="customer" data-testid="current-customer">
                                            {root.summary.name}
                                        </span>
                                        <span class="user" data-testid="current-user">
                                            {me.map(|m| m.username)}
                                        </span>
                                    </div>
                                }
                            })
                    }}
                    <button
                        type="button"
                        class="button ghost"
                        data-testid="sign-out"
                        disabled=move || sign_out.pending().get()
                        on:click=move |_| {
                            sign_out.dispatch(());
                        }
                    >
                        "Sign out"
                    </button>
                </div>
            </header>
            <main class="content">
                <div class="page-head">
                    <h1>"Customers"</h1>
                    {move || {
                        loaded()
                            .map(|c| {
                                let total = c.root.descendant_count;
                                let noun = if total == 1 { "customer" } else { "customers" };
                                view! {
                                    <p class="muted" data-testid="descendant-count">
                                        {format!("{total} {noun} below {}", c.root.summary.name)}
                                    </p>
                                }
                            })
                    }}
                </div>
                <section class="card tree-card">
                    <Transition fallback=|| {
                        view! {
                            <p class="muted" role="status">
                                "Loading customers…"
                            </p>
                        }
                    }>
                        <ErrorBoundary fallback=|errors| {
                            view! {
                                <div class="form-error" role="alert" data-testid="console-error">
                                    {move || {
                                        errors
                                            .get()
                                            .into_iter()
                                            .map(|(_, e)| view! { <p>{e.to_string()}</p> })
                                            .collect_view()
                                    }}
                                </div>
                            }
                        }>
                            {move || Suspend::new(async move {
                                console.await.map(|c| view! { <CustomerTree root=c.root.summary /> })
                            })}
                        </ErrorBoundary>
                    </Transition>
                </section>
            </main>
        </div>
    }
}
