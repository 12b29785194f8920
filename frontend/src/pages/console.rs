//! The signed-in console around every page: the header with the user's customer in its
//! effective branding, the modules the customer's level offers, live updates, and the page.

use canopy_shared::Module;
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect},
    hooks::use_location,
};
use send_wrapper::SendWrapper;

use crate::{
    api::{
        branding::BrandingFields,
        console::{Console as ConsoleData, Me, ViewRoot},
        live::LiveStatus,
        use_api,
    },
    components::form::Problem,
    session::use_session,
    state::{use_tree, use_viewer, Viewer},
};

/// The console; without a session it sends the user to sign in.
#[component]
pub fn Console() -> impl IntoView {
    let session = use_session();
    view! {
        <Show when=move || session.is_signed_in() fallback=|| view! { <Redirect path="/sign-in" /> }>
            <SignedIn />
        </Show>
    }
}

#[component]
fn SignedIn() -> impl IntoView {
    let session = use_session();
    let api = use_api();
    let console = LocalResource::new(move || api.console());
    view! {
        <Transition fallback=|| view! { <p class="loading-page" role="status">"Loading the console…"</p> }>
            {move || Suspend::new(async move {
                match console.await {
                    Ok(ConsoleData { me: Some(me), root }) => view! { <Shell me root /> }.into_any(),
                    Ok(ConsoleData { me: None, .. }) => {
                        session.end();
                        ().into_any()
                    }
                    Err(error) => view! {
                        <main class="centered">
                            <section class="card narrow">
                                <h1>"Canopy"</h1>
                                <Problem error=Signal::derive(move || Some(error.clone())) retry=Callback::new(move |_| console.refetch()) />
                            </section>
                        </main>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// Black or white, whichever reads better on `background` (`#RRGGBB`).
pub fn text_on(background: &str) -> &'static str {
    let hex = background.trim_start_matches('#');
    let channel = |i: usize| {
        u8::from_str_radix(hex.get(i..i + 2).unwrap_or("ff"), 16).unwrap_or(255) as f64 / 255.0
    };
    let linear = |c: f64| {
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance =
        0.2126 * linear(channel(0)) + 0.7152 * linear(channel(2)) + 0.0722 * linear(channel(4));
    if luminance > 0.45 {
        "#1b2420"
    } else {
        "#ffffff"
    }
}

/// The CSS custom properties that carry a branding's colours into the page.
pub fn branding_style(branding: &BrandingFields) -> String {
    let mut style = String::new();
    if let Some(primary) = &branding.primary_color {
        style += &format!(
            "--brand-bar:{primary};--brand-bar-text:{};",
            text_on(primary)
        );
    }
    if let Some(accent) = &branding.accent_color {
        style += &format!(
            "--accent:{accent};--accent-strong:{accent};--on-accent:{};",
            text_on(accent)
        );
    }
    if let Some(background) = &branding.background_color {
        style += &format!("--bg:{background};");
    }
    style
}

/// The header as a customer's users see it: logo, display name, colours. Also the branding
/// editor's live preview.
#[component]
pub fn BrandBar(
    #[prop(into)] branding: Signal<BrandingFields>,
    #[prop(into)] fallback_name: Signal<String>,
    /// A logo chosen but not yet uploaded (an object URL) wins over the saved one.
    #[prop(into, optional)]
    logo_override: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    let name = move || {
        branding
            .with(|b| b.display_name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| fallback_name.get())
    };
    let logo = move || {
        logo_override
            .get()
            .or_else(|| branding.with(|b| b.logo_url.clone()))
    };
    view! {
        <header class="topbar" style=move || branding.with(branding_style)>
            <div class="brand" data-testid="brand">
                {move || match logo() {
                    Some(src) => view! { <img class="brand-logo" src=src alt="" data-testid="brand-logo" /> }.into_any(),
                    None => view! { <span class="brand-mark small" aria-hidden="true"></span> }.into_any(),
                }}
                <span data-testid="brand-name">{name}</span>
            </div>
            {children()}
        </header>
    }
}

/// `/`: the first module the user's customer level offers.
#[component]
pub fn Home() -> impl IntoView {
    let viewer = use_viewer();
    let path = if viewer.has_module(Module::CustomerManagement) {
        "/customers"
    } else {
        "/devices"
    };
    view! { <Redirect path=path /> }
}

/// Points the page's icon at the customer's app icon, when its branding has one.
fn show_icon(url: Option<&str>) {
    let Some(url) = url else { return };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(Some(link)) = document.query_selector("link[rel=icon]") {
        let _ = link.set_attribute("href", url);
    }
}

#[component]
fn Shell(me: Me, root: ViewRoot) -> impl IntoView {
    let session = use_session();
    let api = use_api();
    let viewer = Viewer {
        me: StoredValue::new(me.clone()),
        root: RwSignal::new(root),
    };
    provide_context(viewer);
    let tree = use_tree();
    tree.reset();

    let live_status = RwSignal::new(LiveStatus::Connecting);
    let live = api.customer_changes(
        move |change| tree.apply(change),
        move |status| {
            // Back after an interruption: catch up on what happened meanwhile.
            if status == LiveStatus::Live
                && live_status.try_get_untracked() == Some(LiveStatus::Reconnecting)
            {
                tree.resync();
            }
            live_status.set(status);
        },
    );
    if let Some(live) = live {
        let live = SendWrapper::new(live);
        on_cleanup(move || drop(live));
    }

    let sign_out = Action::new_local(move |_: &()| async move {
        // The token is dropped here whatever the server says: the user asked to leave, and a
        // token the server failed to revoke still expires there.
        match api.sign_out().await {
            Ok(true) => {}
            Ok(false) => leptos::logging::warn!("signOut: the server had no such session"),
            Err(error) => leptos::logging::warn!("signOut failed: {error}"),
        }
        session.end();
    });

    let branding = Signal::derive(move || viewer.root.with(|r| r.effective_branding.clone()));
    Effect::new(move |_| branding.with(|b| show_icon(b.icon_url.as_deref())));
    let root_name = Signal::derive(move || viewer.root.with(|r| r.node.name.clone()));
    let location = use_location();
    let in_section = move |prefix: &'static str| {
        move || {
            location
                .pathname
                .with(|p| p.starts_with(prefix))
                .then_some("page")
        }
    };
    let live_text = move || match live_status.get() {
        LiveStatus::Connecting => ("connecting", "Connecting to live updates…"),
        LiveStatus::Live => ("live", "Live: changes by others appear at once"),
        LiveStatus::Reconnecting => ("reconnecting", "Live updates lost: reconnecting…"),
        LiveStatus::Unavailable => (
            "off",
            "Live updates are not available: reload to see changes by others",
        ),
    };

    view! {
        <div class="shell" style=move || branding.with(branding_style)>
            <BrandBar branding=branding fallback_name=root_name>
                <nav class="modules" aria-label="Modules">
                    {viewer.has_module(Module::CustomerManagement).then(|| view! {
                        <a href="/customers" aria-current=in_section("/customers")>"Customer management"</a>
                    })}
                    {viewer.has_module(Module::DeviceManagement).then(|| view! {
                        <a href="/devices" aria-current=in_section("/devices")>"Device management"</a>
                    })}
                </nav>
                <div class="account">
                    <span
                        class=move || format!("live-dot {}", live_text().0)
                        role="status"
                        title=move || live_text().1
                        aria-label=move || live_text().1
                        data-testid="live-status"
                        data-status=move || live_text().0
                    ></span>
                    <div class="who">
                        <span class="customer" data-testid="current-customer">{root_name}</span>
                        <span class="user" data-testid="current-user">
                            {viewer.me.with_value(|m| format!("{} · {}", m.username, m.role.label()))}
                        </span>
                    </div>
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
            </BrandBar>
            <main class="content">
                {move || {
                    let customers = viewer.has_module(Module::CustomerManagement);
                    let devices = viewer.has_module(Module::DeviceManagement);
                    (!customers && !devices).then(|| view! {
                        <p class="muted">"Your customer level has no modules in this console."</p>
                    })
                }}
                <Outlet />
            </main>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_contrasts_with_its_background() {
        assert_eq!(text_on("#ffffff"), "#1b2420");
        assert_eq!(text_on("#000000"), "#ffffff");
        assert_eq!(text_on("#1f7a5a"), "#ffffff");
        assert_eq!(text_on("#ffd400"), "#1b2420");
    }

    #[test]
    fn only_given_colours_become_properties() {
        let branding = BrandingFields {
            display_name: None,
            logo_url: None,
            icon_url: None,
            primary_color: Some("#112233".into()),
            accent_color: None,
            background_color: Some("#fafafa".into()),
            sender_email: "backup@solarwinds.com".into(),
            inherited_from: None,
        };
        let style = branding_style(&branding);
        assert!(style.contains("--brand-bar:#112233;--brand-bar-text:#ffffff;"));
        assert!(style.contains("--bg:#fafafa;"));
        assert!(!style.contains("--accent"));
    }
}
