//! Tests that need a browser: the app's components and browser-backed logic, run in headless
//! Chromium by wasm-bindgen-test-runner (`cargo test -p canopy-frontend --target
//! wasm32-unknown-unknown`; `.cargo/config.toml` names the runner, `frontend/webdriver.json` the
//! browser). Logic that needs no browser is tested on the host, beside its code.

use canopy_shared::CustomerState as State;
use leptos::prelude::*;
use serde_json::json;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

use crate::{
    api::{self, ApiError, CustomerLevel, CustomerState},
    components::{
        combobox::{lower, upper},
        form::{Field, FormErrors, Problem},
        trial_badge::TrialBadge,
    },
    pages::{
        customers::filters::Filters,
        devices::{save_columns, saved_columns, Column, COLUMNS_KEY},
    },
};

wasm_bindgen_test_configure!(run_in_browser);

/// Renders `view` into a new element at the end of the page and returns that element.
fn mount<N: IntoView + 'static>(view: impl FnOnce() -> N + 'static) -> HtmlElement {
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    leptos::mount::mount_to(host.clone(), view).forget();
    host
}

/// Lets the browser run what a signal change scheduled (effects run as microtasks).
async fn settle() {
    sleep(0).await;
}

/// Waits `ms` milliseconds of the browser's clock.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn find(host: &HtmlElement, selector: &str) -> Option<HtmlElement> {
    host.query_selector(selector)
        .unwrap()
        .map(|e| e.unchecked_into())
}

fn text(host: &HtmlElement, selector: &str) -> String {
    find(host, selector)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// An RFC 3339 instant `ms` from now, as the API sends it.
fn from_now(ms: f64) -> String {
    String::from(js_sys::Date::new(&(js_sys::Date::now() + ms).into()).to_iso_string())
}

const DAY: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

#[wasm_bindgen_test]
fn filters_survive_the_browsers_own_query_parsing() {
    let mut filters = Filters {
        search: "Zürich & Söhne + 100% #2 / ?".into(),
        ..Filters::default()
    };
    filters.set_level(CustomerLevel::Site, true);
    filters.set_level(CustomerLevel::Distributor, true);
    filters.set_state(CustomerState::TrialExpired, true);
    filters.set_state(CustomerState::InTrial, true);
    // The address the app writes, read back by the browser's URL parser.
    let url = web_sys::Url::new(&format!(
        "http://canopy.test/customers/42?{}",
        filters.to_query()
    ))
    .unwrap();
    assert_eq!(url.pathname(), "/customers/42");
    let params = url.search_params();
    assert_eq!(params.get("q").as_deref(), Some(filters.search.as_str()));
    assert_eq!(Filters::from_query(|k| params.get(k)), filters);
    // Nothing chosen leaves the address clean.
    assert_eq!(Filters::default().to_query(), "");
}

#[wasm_bindgen_test]
async fn the_trial_badge_counts_down_from_the_apis_instant() {
    let running = from_now(2.5 * DAY);
    let ends = running[..10].to_owned();
    let host =
        mount(move || view! { <TrialBadge state=State::InTrial expires_at=Some(running) /> });
    let badge = find(&host, "[data-testid=trial-badge]").expect("a badge");
    assert_eq!(badge.text_content().unwrap(), "Trial: 3 days left");
    assert_eq!(badge.title(), format!("Trial ends {ends}"));
    assert_eq!(badge.class_name(), "badge trial");

    // Ended an hour ago, before the server noticed: the clock catches it.
    let ended = from_now(-60.0 * 60.0 * 1000.0);
    let host = mount(move || view! { <TrialBadge state=State::InTrial expires_at=Some(ended) /> });
    assert_eq!(text(&host, "[data-testid=trial-badge]"), "Trial expired");
    assert_eq!(
        find(&host, "[data-testid=trial-badge]")
            .unwrap()
            .class_name(),
        "badge trial expired"
    );

    let host = mount(|| view! { <TrialBadge state=State::TrialExpired expires_at=None /> });
    assert_eq!(text(&host, "[data-testid=trial-badge]"), "Trial expired");

    let host = mount(|| view! { <TrialBadge state=State::InProduction expires_at=None /> });
    assert!(find(&host, "[data-testid=trial-badge]").is_none());
}

#[wasm_bindgen_test]
async fn a_network_failure_offers_try_again_and_a_conflict_reload() {
    let error = RwSignal::new(Some(ApiError::Network));
    let retried = RwSignal::new(0);
    let reloaded = RwSignal::new(0);
    let host = mount(move || {
        view! {
            <Problem
                error=error
                retry=Callback::new(move |_| retried.update(|n| *n += 1))
                reload=Callback::new(move |_| reloaded.update(|n| *n += 1))
            />
        }
    });
    let problem = find(&host, "[data-testid=problem]").expect("the problem is shown");
    assert_eq!(problem.get_attribute("role").as_deref(), Some("alert"));
    assert!(problem
        .text_content()
        .unwrap()
        .contains("Cannot reach the Canopy server"));
    let button = find(&host, "[data-testid=problem] button").unwrap();
    assert_eq!(button.text_content().unwrap(), "Try again");
    button.click();
    assert_eq!((retried.get_untracked(), reloaded.get_untracked()), (1, 0));

    error.set(Some(ApiError::Graphql {
        message: "Customer was changed.".into(),
        code: Some("CONFLICT".into()),
        field: None,
    }));
    settle().await;
    assert!(text(&host, "[data-testid=problem]").contains("reload to see their changes"));
    let button = find(&host, "[data-testid=problem] button").unwrap();
    assert_eq!(button.text_content().unwrap(), "Reload");
    button.click();
    assert_eq!((retried.get_untracked(), reloaded.get_untracked()), (1, 1));

    // Trying again would not help a refusal: no button.
    error.set(Some(ApiError::Graphql {
        message: "Forbidden.".into(),
        code: Some("FORBIDDEN".into()),
        field: None,
    }));
    settle().await;
    assert_eq!(text(&host, "[data-testid=problem]"), "Forbidden.");
    assert!(find(&host, "[data-testid=problem] button").is_none());

    error.set(None);
    settle().await;
    assert!(find(&host, "[data-testid=problem]").is_none());
}

/// Whether all of `element` is inside the browser window.
fn in_view(element: &HtmlElement) -> bool {
    let rect = element.get_bounding_client_rect();
    let height = window().inner_height().unwrap().as_f64().unwrap();
    rect.top() >= 0.0 && rect.bottom() <= height
}

#[wasm_bindgen_test]
async fn a_form_error_below_the_fold_is_scrolled_into_view() {
    let error = RwSignal::new(None::<ApiError>);
    let host = mount(move || {
        view! {
            <div style="height: 300vh"></div>
            <Problem error=error resubmit=true />
        }
    });
    window().scroll_to_with_x_and_y(0.0, 0.0);
    error.set(Some(ApiError::Network));
    settle().await;
    // The scroll may be smooth: give it up to two seconds.
    let problem = find(&host, "[data-testid=problem]").expect("the problem is shown");
    let mut waited = 0;
    while !in_view(&problem) && waited < 40 {
        sleep(50).await;
        waited += 1;
    }
    assert!(in_view(&problem), "the problem is scrolled into view");
    assert_eq!(problem.get_attribute("role").as_deref(), Some("alert"));
    host.remove();
}

#[wasm_bindgen_test]
async fn a_servers_field_error_appears_beside_its_input() {
    let errors = FormErrors::new();
    let host = mount(move || {
        view! {
            <Field id="t-name" label="Name" name="name" errors>
                <input id="t-name" type="text" />
            </Field>
        }
    });
    assert_eq!(text(&host, "label[for=t-name]"), "Name");
    assert_eq!(text(&host, "#t-name-error"), "");

    // The server's answer, as the app decodes it.
    let response = json!({ "data": null, "errors": [{
        "message": "Another customer already has this name",
        "extensions": { "code": "NAME_TAKEN", "field": "name" } }] });
    let error = api::decode::<serde_json::Value>(response).unwrap_err();
    errors.api(error, &["name", "level"]);
    settle().await;
    let message = find(&host, "#t-name-error").unwrap();
    assert_eq!(
        message.text_content().unwrap(),
        "Another customer already has this name"
    );
    assert_eq!(message.get_attribute("role").as_deref(), Some("alert"));
    assert!(find(&host, ".field.invalid").is_some());
    assert!(errors.general().is_none());

    // A field this form does not have: the form's own error, nothing beside the input.
    errors.clear();
    let response = json!({ "errors": [{ "message": "Unknown parent",
        "extensions": { "code": "BAD_USER_INPUT", "field": "parentId" } }] });
    errors.api(
        api::decode::<serde_json::Value>(response).unwrap_err(),
        &["name"],
    );
    settle().await;
    assert_eq!(text(&host, "#t-name-error"), "");
    assert!(find(&host, ".field.invalid").is_none());
    assert_eq!(
        errors.general().map(|e| e.to_string()).as_deref(),
        Some("Unknown parent")
    );
}

#[wasm_bindgen_test]
fn the_device_column_choice_is_remembered_in_local_storage() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.remove_item(COLUMNS_KEY).unwrap();
    let default = saved_columns();
    assert!(default.contains(&Column::StorageLocation));

    save_columns(&[Column::StorageLocation, Column::Name]);
    assert_eq!(
        storage.get_item(COLUMNS_KEY).unwrap().as_deref(),
        Some("storageLocation,name")
    );
    // Read back in the table's order, whatever order they were ticked in.
    assert_eq!(saved_columns(), [Column::Name, Column::StorageLocation]);

    // A key from a newer or older app version is skipped, not fatal.
    storage
        .set_item(COLUMNS_KEY, "usedStorage,noSuchColumn")
        .unwrap();
    assert_eq!(saved_columns(), [Column::UsedStorage]);
    storage.remove_item(COLUMNS_KEY).unwrap();
    assert_eq!(saved_columns(), default);
}

#[wasm_bindgen_test]
fn the_browsers_case_mapping_is_rusts() {
    // Special casings (ß, İ, ŉ), a final sigma, Cyrillic, Turkish dotless i, ligatures, digits.
    for text in [
        "Deutschland ÄÖÜ straße",
        "İstanbul ıI",
        "ΟΔΥΣΣΕΥΣ Σ ΣΑ",
        "Москва ǅ ŉ ﬃ",
        "Côte d'Ivoire 123 #",
    ] {
        assert_eq!(lower(text), text.to_lowercase(), "{text}");
        assert_eq!(upper(text), text.to_uppercase(), "{text}");
    }
}
