//! Live updates: the `customerChanged` subscription over WebSocket (`/graphql`, protocol
//! `graphql-transport-ws`), reconnecting with back-off while the page is open.

use std::{cell::RefCell, rc::Rc};

use cynic::{Id, SubscriptionBuilder};
use serde_json::{json, Value};
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::{schema, Api};

#[derive(cynic::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Moved,
    Removed,
}

/// A change to a customer in the subscriber's view.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct CustomerChange {
    pub kind: ChangeKind,
    pub customer_id: Id,
    pub parent_id: Option<Id>,
    pub previous_parent_id: Option<Id>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct ChangedVars {
    pub under: Option<Id>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Subscription", variables = "ChangedVars")]
pub struct CustomerChanged {
    #[arguments(under: $under)]
    pub customer_changed: CustomerChange,
}

/// How the live connection is doing, for the status the console shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    /// Lost; trying again shortly.
    Reconnecting,
    /// The server does not offer live updates.
    Unavailable,
}

/// Waits before the n-th reconnection, in milliseconds.
pub fn backoff_ms(attempt: u32) -> u32 {
    [1_000, 2_000, 5_000, 10_000, 30_000][attempt.min(4) as usize]
}

type OnChange = Rc<dyn Fn(CustomerChange)>;
type OnStatus = Rc<dyn Fn(LiveStatus)>;

struct Inner {
    token: String,
    on_change: OnChange,
    on_status: OnStatus,
    socket: Option<WebSocket>,
    attempt: u32,
    acked_once: bool,
    stopped: bool,
    // Kept alive as long as the socket they are attached to.
    handlers: Vec<Closure<dyn FnMut(JsValueEvent)>>,
}

type JsValueEvent = wasm_bindgen::JsValue;

/// An open subscription; dropping it closes the connection for good.
pub struct Live(Rc<RefCell<Inner>>);

impl Drop for Live {
    fn drop(&mut self) {
        let mut inner = self.0.borrow_mut();
        inner.stopped = true;
        if let Some(socket) = inner.socket.take() {
            let _ = socket.close();
        }
    }
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

impl Api {
    /// Subscribes to every change in the caller's view, with the session's token; `None`
    /// without a session.
    pub fn customer_changes(
        self,
        on_change: impl Fn(CustomerChange) + 'static,
        on_status: impl Fn(LiveStatus) + 'static,
    ) -> Option<Live> {
        let inner = Rc::new(RefCell::new(Inner {
            token: self.token()?,
            on_change: Rc::new(on_change),
            on_status: Rc::new(on_status),
            socket: None,
            attempt: 0,
            acked_once: false,
            stopped: false,
            handlers: Vec::new(),
        }));
        connect(&inner);
        Some(Live(inner))
    }
}

fn url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/graphql", location.host().ok()?))
}

fn connect(inner: &Rc<RefCell<Inner>>) {
    let status = inner.borrow().on_status.clone();
    let Some(url) = url() else {
        status(LiveStatus::Unavailable);
        return;
    };
    let socket = match WebSocket::new_with_str(&url, "graphql-transport-ws") {
        Ok(socket) => socket,
        Err(_) => {
            status(LiveStatus::Unavailable);
            return;
        }
    };
    status(LiveStatus::Connecting);

    let on_open = {
        let inner = inner.clone();
        Closure::<dyn FnMut(JsValueEvent)>::new(move |_| {
            let inner = inner.borrow();
            let init = json!({ "type": "connection_init",
                "payload": { "Authorization": format!("Bearer {}", inner.token) } });
            send(inner.socket.as_ref(), &init);
        })
    };
    let on_message = {
        let inner = inner.clone();
        Closure::<dyn FnMut(JsValueEvent)>::new(move |event: JsValueEvent| {
            let Some(text) = event
                .dyn_into::<MessageEvent>()
                .ok()
                .and_then(|m| m.data().as_string())
            else {
                return;
            };
            handle(&inner, &text);
        })
    };
    let on_close = {
        let inner = inner.clone();
        Closure::<dyn FnMut(JsValueEvent)>::new(move |event: JsValueEvent| {
            let code = event
                .dyn_into::<CloseEvent>()
                .map(|c| c.code())
                .unwrap_or(0);
            closed(&inner, code);
        })
    };
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let mut state = inner.borrow_mut();
    state.socket = Some(socket);
    state.handlers = vec![on_open, on_message, on_close];
}

fn send(socket: Option<&WebSocket>, message: &Value) {
    if let Some(socket) = socket {
        if let Err(e) = socket.send_with_str(&message.to_string()) {
            leptos::logging::warn!("live updates: could not send: {e:?}");
        }
    }
}

fn handle(inner: &Rc<RefCell<Inner>>, text: &str) {
    let Ok(message) = serde_json::from_str::<Value>(text) else {
        return;
    };
    match message["type"].as_str() {
        Some("connection_ack") => {
            let (status, socket) = {
                let mut state = inner.borrow_mut();
                state.attempt = 0;
                state.acked_once = true;
                (state.on_status.clone(), state.socket.clone())
            };
            let operation = CustomerChanged::build(ChangedVars { under: None });
            let subscribe = json!({ "id": "1", "type": "subscribe", "payload": operation });
            send(socket.as_ref(), &subscribe);
            status(LiveStatus::Live);
        }
        Some("ping") => {
            let socket = inner.borrow().socket.clone();
            send(socket.as_ref(), &json!({ "type": "pong" }));
        }
        Some("next") => {
            let payload = &message["payload"];
            match serde_json::from_value::<CustomerChanged>(payload["data"].clone()) {
                Ok(data) => {
                    let on_change = inner.borrow().on_change.clone();
                    on_change(data.customer_changed);
                }
                Err(e) => leptos::logging::warn!("live updates: unexpected event {e}"),
            }
        }
        Some("error") => {
            // The server rejected the subscription itself (e.g. it does not offer it): asking
            // again would get the same answer.
            leptos::logging::warn!("live updates refused: {}", message["payload"]);
            let (status, socket) = {
                let mut state = inner.borrow_mut();
                state.stopped = true;
                (state.on_status.clone(), state.socket.take())
            };
            if let Some(socket) = socket {
                let _ = socket.close();
            }
            status(LiveStatus::Unavailable);
        }
        _ => {}
    }
}

fn closed(inner: &Rc<RefCell<Inner>>, code: u16) {
    let (status, attempt, give_up) = {
        let mut state = inner.borrow_mut();
        if state.stopped {
            return;
        }
        state.socket = None;
        state.attempt += 1;
        // 4400/4403: the server refused the session or the protocol; a server that never
        // accepted a connection after a few tries probably has no WebSocket endpoint.
        let give_up =
            matches!(code, 4400 | 4401 | 4403) || (!state.acked_once && state.attempt >= 3);
        (state.on_status.clone(), state.attempt, give_up)
    };
    if give_up {
        status(LiveStatus::Unavailable);
        return;
    }
    status(LiveStatus::Reconnecting);
    let inner = inner.clone();
    leptos::prelude::set_timeout(
        move || {
            if !inner.borrow().stopped {
                connect(&inner);
            }
        },
        std::time::Duration::from_millis(backoff_ms(attempt - 1).into()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_and_levels_out() {
        assert_eq!(backoff_ms(0), 1_000);
        assert_eq!(backoff_ms(3), 10_000);
        assert_eq!(backoff_ms(40), 30_000);
    }

    #[test]
    fn events_decode() {
        let data = json!({ "customerChanged": { "kind": "MOVED", "customerId": "c1",
            "parentId": "c2", "previousParentId": null } });
        let event: CustomerChanged = serde_json::from_value(data).unwrap();
        assert_eq!(event.customer_changed.kind, ChangeKind::Moved);
        assert_eq!(event.customer_changed.parent_id, Some(Id::new("c2")));
    }
}
