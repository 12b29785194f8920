//! A modal dialog on the native `<dialog>` element: `showModal()` keeps focus inside it and
//! makes the page behind it inert; Escape closes it; focus returns to where it was before.

use leptos::{html, prelude::*};
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;

/// A modal dialog, open while it is rendered. `on_close` is called for Escape and the close
/// button; the owner then stops rendering it.
#[component]
pub fn Modal(
    /// The dialog's heading, also its accessible name.
    #[prop(into)]
    title: String,
    on_close: Callback<()>,
    /// A wider dialog, for long forms.
    #[prop(optional)]
    wide: bool,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let opener = SendWrapper::new(
        document()
            .active_element()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
    );
    let shown = SendWrapper::new(std::rc::Rc::new(std::cell::RefCell::new(
        None::<web_sys::HtmlDialogElement>,
    )));
    let keep = shown.clone();
    dialog.on_load(move |dialog| {
        *keep.borrow_mut() = Some(dialog.clone());
        // Once the dialog and its content are in the document.
        request_animation_frame(move || {
            if let Err(e) = dialog.show_modal() {
                leptos::logging::warn!("could not open a dialog: {e:?}");
            }
            // showModal focuses the first focusable element; prefer one marked autofocus.
            if let Some(first) = dialog
                .query_selector("[autofocus]")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = first.focus();
            }
        });
    });
    on_cleanup(move || {
        // Close first: while the modal is open the rest of the page is inert and cannot take focus.
        if let Some(dialog) = shown.borrow_mut().take() {
            dialog.close();
        }
        if let Some(opener) = opener.take() {
            if opener.is_connected() {
                let _ = opener.focus();
            }
        }
    });
    let title_id = format!("dialog-title-{}", next_id());
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=dialog
            class=if wide { "modal wide" } else { "modal" }
            aria-labelledby=labelled_by
            on:cancel=move |ev: web_sys::Event| {
                ev.prevent_default();
                on_close.run(());
            }
        >
            <header class="modal-head">
                <h2 id=title_id>{title}</h2>
                <button
                    type="button"
                    class="icon-button"
                    aria-label="Close"
                    on:click=move |_| on_close.run(())
                >
                    "×"
                </button>
            </header>
            <div class="modal-body">{children()}</div>
        </dialog>
    }
}

/// A number unique within the page, for element ids.
pub fn next_id() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// "Are you sure?": a confirmation with a destructive button.
#[component]
pub fn Confirm(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    /// True while the confirmed operation runs.
    #[prop(into)]
    pending: Signal<bool>,
    /// The operation's error, shown in the dialog.
    #[prop(into)]
    error: Signal<Option<String>>,
    on_confirm: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal title=title on_close=on_close>
            <p>{message}</p>
            <p class="form-error" role="alert" hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </p>
            <div class="form-actions">
                <button type="button" class="button secondary" on:click=move |_| on_close.run(())>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="button danger"
                    autofocus
                    disabled=move || pending.get()
                    on:click=move |_| on_confirm.run(())
                >
                    {move || if pending.get() { "Removing…".to_owned() } else { confirm_label.clone() }}
                </button>
            </div>
        </Modal>
    }
}
