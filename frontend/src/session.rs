//! Who is signed in: the bearer token, kept in `localStorage` so that a reload stays signed in,
//! and shared with every page through context.

use leptos::prelude::*;

use crate::api::ApiError;

/// The `localStorage` key of the bearer token.
const TOKEN_KEY: &str = "canopy.token";

/// The session, provided once by the app; cheap to copy into closures.
#[derive(Clone, Copy, Debug)]
pub struct Session {
    token: RwSignal<Option<String>>,
    /// Why the user was sent back to the sign-in form, if not by their own choice.
    notice: RwSignal<Option<String>>,
}

impl Session {
    /// The session stored by an earlier visit, if any.
    pub fn restore() -> Self {
        let token = storage().and_then(|s| s.get_item(TOKEN_KEY).ok().flatten());
        Self {
            token: RwSignal::new(token.filter(|t| !t.is_empty())),
            notice: RwSignal::new(None),
        }
    }

    /// Whether someone is signed in (reactive).
    pub fn is_signed_in(&self) -> bool {
        self.token.with(Option::is_some)
    }

    /// The bearer token, read without subscribing: requests use it, views need not rerun.
    pub fn token(&self) -> Option<String> {
        self.token.get_untracked()
    }

    /// Why the sign-in form is showing, if the app sent the user there (reactive).
    pub fn notice(&self) -> Option<String> {
        self.notice.get()
    }

    /// Starts a session with a token from `signIn`.
    pub fn start(&self, token: String) {
        // Without storage (e.g. some private modes) the session lasts until a reload.
        if let Some(Err(e)) = storage().map(|s| s.set_item(TOKEN_KEY, &token)) {
            leptos::logging::warn!("could not keep the session in localStorage: {e:?}");
        }
        self.notice.set(None);
        self.token.set(Some(token));
    }

    /// Ends the session at the user's request.
    pub fn end(&self) {
        if let Some(Err(e)) = storage().map(|s| s.remove_item(TOKEN_KEY)) {
            leptos::logging::warn!("could not remove the session from localStorage: {e:?}");
        }
        self.token.set(None);
    }

    /// Ends the session when an API call says its token is no longer valid (expired or revoked
    /// elsewhere); other errors are left to the caller.
    pub fn check(&self, error: &ApiError) {
        if error.is_unauthenticated() && self.token.with_untracked(Option::is_some) {
            self.notice
                .set(Some("Your session has ended. Please sign in again.".into()));
            self.end();
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The session provided by [`crate::app::App`].
pub fn use_session() -> Session {
    expect_context::<Session>()
}
