//! The [`Api`] client, provided once at the app's root: it sends each operation with the
//! session's bearer token and, when the server says that token is no longer valid, ends the
//! session (the user is sent to sign in, with a notice saying why). So pages neither pass
//! tokens nor check for an expired session; the domain modules add its operations as methods.

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsValue;

use super::{data, from_data, ApiError};
use crate::session::Session;

/// Where the server answers GraphQL requests (the app is served from the same origin).
const ENDPOINT: &str = "/graphql";

/// Whom a call is made for: that decides the token it carries and what a refused token does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Caller {
    /// The signed-in user: the token goes along, and its refusal ends the session.
    User,
    /// The user signing out: the token goes along, but its refusal changes nothing, since the
    /// session ends anyway (and must not say it ended by itself).
    Leaving,
    /// Nobody yet (signing in, setting a password): no token; errors are the page's alone.
    Anonymous,
}

/// The API as the app calls it; cheap to copy into closures.
#[derive(Clone, Copy, Debug)]
pub struct Api {
    session: Session,
}

/// The client provided by [`crate::app::App`].
pub fn use_api() -> Api {
    expect_context::<Api>()
}

impl Api {
    pub fn new(session: Session) -> Self {
        Self { session }
    }

    /// The session's bearer token, for connections that are not requests (live updates).
    pub(super) fn token(self) -> Option<String> {
        self.session.token()
    }

    /// Sends one operation for the signed-in user.
    pub(super) async fn run<Q, V>(self, operation: cynic::Operation<Q, V>) -> Result<Q, ApiError>
    where
        Q: DeserializeOwned,
        V: Serialize,
    {
        self.run_as(Caller::User, operation).await
    }

    /// Sends one operation for `caller`.
    pub(super) async fn run_as<Q, V>(
        self,
        caller: Caller,
        operation: cynic::Operation<Q, V>,
    ) -> Result<Q, ApiError>
    where
        Q: DeserializeOwned,
        V: Serialize,
    {
        let request = self.request(caller).json(&operation);
        from_data(self.answer(caller, request).await?)
    }

    /// Sends one operation with files, as a GraphQL multipart request: each file goes to the
    /// variable at its path (e.g. `variables.input.logo`).
    pub(super) async fn run_with_files<Q, V>(
        self,
        operation: cynic::Operation<Q, V>,
        files: Vec<(&'static str, web_sys::File)>,
    ) -> Result<Q, ApiError>
    where
        Q: DeserializeOwned,
        V: Serialize,
    {
        let operations =
            serde_json::to_string(&operation).map_err(|e| ApiError::Unexpected(e.to_string()))?;
        let form = match multipart(&operations, &files) {
            Ok(form) => form,
            Err(e) => return Err(ApiError::Unexpected(format!("{e:?}"))),
        };
        let request = self.request(Caller::User).body(form);
        from_data(self.answer(Caller::User, request).await?)
    }

    fn request(self, caller: Caller) -> gloo_net::http::RequestBuilder {
        let mut request = gloo_net::http::Request::post(ENDPOINT);
        let token = (caller != Caller::Anonymous)
            .then(|| self.session.token())
            .flatten();
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        request
    }

    /// The `data` of the answer to a built request, or its first error, after which a refused
    /// token has ended the user's session. Free of the operation's type, so that the app holds
    /// one copy of it, not one per operation: only serialising the variables and decoding the
    /// data depend on it.
    async fn answer(
        self,
        caller: Caller,
        request: Result<gloo_net::http::Request, gloo_net::Error>,
    ) -> Result<serde_json::Value, ApiError> {
        let result = match send(request).await {
            Ok(body) => data(body),
            Err(error) => Err(error),
        };
        if let (Err(error), Caller::User) = (&result, caller) {
            self.session.check(error);
        }
        result
    }
}

/// The form of a multipart request: the operation, the map of files to variables, the files.
fn multipart(
    operations: &str,
    files: &[(&'static str, web_sys::File)],
) -> Result<web_sys::FormData, JsValue> {
    let form = web_sys::FormData::new()?;
    form.append_with_str("operations", operations)?;
    let map: serde_json::Map<String, serde_json::Value> = files
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (i.to_string(), serde_json::json!([path])))
        .collect();
    form.append_with_str("map", &serde_json::Value::Object(map).to_string())?;
    for (i, (_, file)) in files.iter().enumerate() {
        form.append_with_blob_and_filename(&i.to_string(), file, &file.name())?;
    }
    Ok(form)
}

/// Sends a built request and returns the JSON body of the answer.
async fn send(
    request: Result<gloo_net::http::Request, gloo_net::Error>,
) -> Result<serde_json::Value, ApiError> {
    let request = request.map_err(|e| ApiError::Unexpected(e.to_string()))?;
    let response = request.send().await.map_err(|e| {
        leptos::logging::warn!("GraphQL request failed: {e}");
        ApiError::Network
    })?;
    let status = response.status();
    // GraphQL errors come with a JSON body whatever the status; anything else is a failure of
    // the server or a proxy in front of it.
    match response.json::<serde_json::Value>().await {
        Ok(body) => Ok(body),
        Err(_) if status == 401 => Err(ApiError::Graphql {
            message: "Your session has ended. Please sign in again.".into(),
            code: Some("UNAUTHENTICATED".into()),
            field: None,
        }),
        Err(_) if status >= 502 => Err(ApiError::Network),
        Err(_) => Err(ApiError::Unexpected(format!("HTTP {status}"))),
    }
}
