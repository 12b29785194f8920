//! Canopy's console, a client-side rendered Leptos app that Trunk builds into `dist/` and the
//! server hosts next to its GraphQL API.

mod api;
mod app;
mod components;
mod pages;
mod session;
mod state;
#[cfg(all(test, target_arch = "wasm32"))]
mod wasm_tests;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
