//! The WebSocket transport of subscriptions (`graphql-transport-ws`, and the older
//! `graphql-ws`) on the `/graphql` URL. The caller signs in with the `connection_init`
//! payload: `{"Authorization": "Bearer <token>"}` or `{"authToken": "<token>"}`, and every
//! operation the connection starts later checks that this session has not ended since.

use std::any::TypeId;
use std::sync::Arc;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Data, Executor, Pos};
use async_graphql_poem::{GraphQLProtocol, GraphQLWebSocket};
use futures::stream::{self, BoxStream, StreamExt as _};
use poem::http::header;
use poem::web::websocket::WebSocket;
use poem::{FromRequest, IntoResponse, Request, Response};
use serde_json::Value;

use crate::error::AppError;
use crate::request::RequestCtx;
use crate::schema::CanopySchema;
use crate::state::AppState;

/// Whether the request asks to upgrade to a WebSocket.
pub fn is_upgrade(req: &Request) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The session token in a `connection_init` payload, if any.
fn token(payload: &Value) -> Option<String> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|k| payload.get(k).and_then(Value::as_str))
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        });
    header
        .or_else(|| payload.get("authToken").and_then(Value::as_str))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Upgrades to a GraphQL WebSocket connection, which ends when `closing` turns true (or its
/// sender is dropped): the server is shutting down.
pub async fn upgrade(
    req: Request,
    schema: CanopySchema,
    state: AppState,
    mut closing: tokio::sync::watch::Receiver<bool>,
) -> poem::Result<Response> {
    let (req, mut body) = req.split();
    let websocket = WebSocket::from_request(&req, &mut body).await?;
    let protocol = GraphQLProtocol::from_request(&req, &mut body).await?;
    Ok(websocket
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| async move {
            let executor = SessionChecked {
                schema,
                state: state.clone(),
            };
            let serve = GraphQLWebSocket::new(stream, executor, protocol)
                .on_connection_init(move |payload| connection_init(state, payload))
                .serve();
            // Upgraded connections outlive poem's graceful shutdown; drop them with the
            // server (graphql-ws clients reconnect, to another instance).
            tokio::select! {
                () = serve => {}
                _ = closing.wait_for(|closing| *closing) => {}
            }
        })
        .into_response())
}

/// Resolves the connection's viewer once; a token that does not sign in refuses the
/// connection (async-graphql closes it with code 1002 and the reason), no token leaves it
/// anonymous (subscriptions then answer UNAUTHENTICATED).
async fn connection_init(
    state: AppState,
    payload: Value,
) -> async_graphql::Result<async_graphql::Data> {
    let viewer = match token(&payload) {
        Some(token) => Some(
            crate::auth::viewer_for_token(&state, &token)
                .await?
                .ok_or_else(|| {
                    AppError::Unauthenticated("the session token is not valid".into())
                })?,
        ),
        None => None,
    };
    let mut data = async_graphql::Data::default();
    data.insert(RequestCtx::new(&state, viewer));
    Ok(data)
}

/// The schema as a WebSocket connection runs it: the connection signed in once, at
/// `connection_init`, so each operation it starts first checks that the session has not ended
/// since (signed out, expired, its user removed), and is refused with UNAUTHENTICATED if it
/// has. Running subscriptions check again before each event (`live::graphql`).
#[derive(Clone)]
struct SessionChecked {
    schema: CanopySchema,
    state: AppState,
}

impl SessionChecked {
    /// The session hash of the viewer the connection signed in as, if it signed in.
    fn session(data: Option<&Data>) -> Option<String> {
        let ctx = data?
            .get(&TypeId::of::<RequestCtx>())?
            .downcast_ref::<RequestCtx>()?;
        Some(ctx.viewer()?.token_hash.clone())
    }
}

impl Executor for SessionChecked {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        // WebSocket operations all arrive through `execute_stream`.
        self.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let Some(session) = Self::session(session_data.as_deref()) else {
            return self.schema.execute_stream(request, session_data);
        };
        let this = self.clone();
        stream::once(async move {
            match crate::auth::session_still_valid(&this.state, &session).await {
                Ok(_) => this.schema.execute_stream(request, session_data),
                Err(refusal) => {
                    let error =
                        async_graphql::Error::from(refusal).into_server_error(Pos::default());
                    stream::once(async { async_graphql::Response::from_errors(vec![error]) })
                        .boxed()
                }
            }
        })
        .flatten()
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_either_payload_shape() {
        let cases = [
            (
                serde_json::json!({ "Authorization": "Bearer abc" }),
                Some("abc"),
            ),
            (
                serde_json::json!({ "authorization": "bearer abc" }),
                Some("abc"),
            ),
            (serde_json::json!({ "authToken": "abc" }), Some("abc")),
            (serde_json::json!({ "Authorization": "Basic abc" }), None),
            (serde_json::json!({}), None),
            (Value::Null, None),
        ];
        for (payload, expected) in cases {
            assert_eq!(token(&payload).as_deref(), expected, "{payload}");
        }
    }
}
