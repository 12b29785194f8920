//! GraphQL over HTTP, as the GraphQL-over-HTTP specification has it: `POST` with
//! `application/json` (or a `multipart/form-data` upload), `GET` for queries only, answers in
//! `application/graphql-response+json` or `application/json` as the `Accept` header asks, and
//! status codes that say what happened. A WebSocket upgrade on the same URL is handed to the
//! subscription transport ([`crate::live::ws`]).
//!
//! Requests pass the [`limits`] and have their bearer token resolved before anything runs.

pub mod documents;
pub mod limits;

use std::sync::Arc;
use std::time::Instant;

use async_graphql::http::MultipartOptions;
use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Variables};
use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Body, Endpoint, Request, Response};
use serde_json::Value as Json;
use tracing::Instrument as _;

use crate::ops::metrics::{Metrics, Outcome};
use crate::request::RequestCtx;
use crate::schema::CanopySchema;
use crate::state::AppState;
pub use limits::Limits;

/// `application/graphql-response+json`: the spec's own media type.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// The largest JSON request body (the query itself is limited further by [`Limits`]).
const MAX_JSON_BODY: usize = 1024 * 1024;
/// Uploads (branding logos and icons) are at most 512 KiB each; leave room for the rest.
const MAX_UPLOAD_BYTES: usize = 1024 * 1024;
const MAX_UPLOADS: usize = 4;

/// The media type of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    GraphQLResponseJson,
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Self::GraphQLResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the answer's media type from an `Accept` header: the acceptable type with the highest
/// quality, an explicitly named type before one matched by a wildcard, and the spec's own type
/// before `application/json` when the client names both alike. No header means
/// `application/json`; `None` means nothing the client accepts can be sent.
pub fn negotiate(accept: Option<&str>) -> Option<Media> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Media::Json);
    };
    let names = [GRAPHQL_RESPONSE_JSON, "application/json"];
    // Per candidate: the quality of an entry naming it, and the best wildcard quality.
    let mut named: [Option<f32>; 2] = [None; 2];
    let mut wildcard = [0.0f32; 2];
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        for (i, name) in names.iter().enumerate() {
            if media == *name {
                named[i] = Some(named[i].map_or(q, |old| old.max(q)));
            } else if media == "*/*" || media == "application/*" {
                wildcard[i] = wildcard[i].max(q);
            }
        }
    }
    let effective = |i: usize| named[i].map_or((wildcard[i], false), |q| (q, true));
    let ((gq, g_named), (jq, _)) = (effective(0), effective(1));
    if gq <= 0.0 && jq <= 0.0 {
        return None;
    }
    let prefer_spec_type = if gq != jq {
        gq > jq
    } else {
        // Equal quality: a named type beats a wildcard match; both named, the spec's type;
        // both by wildcard, plain JSON (what older clients expect).
        g_named
    };
    Some(if prefer_spec_type {
        Media::GraphQLResponseJson
    } else {
        Media::Json
    })
}

/// The `/graphql` endpoint.
pub struct GraphQLEndpoint {
    schema: CanopySchema,
    state: AppState,
    metrics: Arc<Metrics>,
    limits: Limits,
    closing: tokio::sync::watch::Receiver<bool>,
}

impl GraphQLEndpoint {
    pub fn new(
        schema: CanopySchema,
        state: AppState,
        metrics: Arc<Metrics>,
        limits: Limits,
    ) -> Self {
        Self {
            schema,
            state,
            metrics,
            limits,
            closing: tokio::sync::watch::channel(false).1,
        }
    }

    /// WebSocket connections close when `closing` turns true (or its sender is gone): the
    /// server is shutting down.
    pub fn closing_with(self, closing: tokio::sync::watch::Receiver<bool>) -> Self {
        Self { closing, ..self }
    }
}

/// A failure of the HTTP request itself, before any GraphQL operation could be read.
struct Refusal {
    status: StatusCode,
    error: Box<ServerError>,
    allow: Option<&'static str>,
}

impl Refusal {
    fn new(
        status: StatusCode,
        code: &str,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        let mut error = ServerError::new(message, None);
        let ext = error.extensions.get_or_insert_with(Default::default);
        ext.set("code", code);
        if let Some(field) = field {
            ext.set("field", field);
        }
        Self {
            status,
            error: Box::new(error),
            allow: None,
        }
    }

    fn bad_input(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            Some(field),
            message,
        )
    }

    fn into_response(self, media: Media) -> Response {
        let body = errors_body(std::slice::from_ref(&*self.error));
        let mut response = bytes_response(self.status, media, body);
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

fn bytes_response(status: StatusCode, media: Media, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .content_type(media.content_type())
        .body(body)
}

/// A response without `data`: the spec's answer to a request that could not be executed.
fn errors_body(errors: &[ServerError]) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Errors<'a> {
        errors: &'a [ServerError],
    }
    serde_json::to_vec(&Errors { errors }).unwrap_or_default()
}

impl Endpoint for GraphQLEndpoint {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if crate::live::ws::is_upgrade(&req) {
            return crate::live::ws::upgrade(
                req,
                self.schema.clone(),
                self.state.clone(),
                self.closing.clone(),
            )
            .await;
        }
        let Some(media) = negotiate(req.header(header::ACCEPT)) else {
            return Ok(Refusal::new(
                StatusCode::NOT_ACCEPTABLE,
                "BAD_USER_INPUT",
                None,
                format!(
                    "this endpoint answers in {GRAPHQL_RESPONSE_JSON} or application/json; \
                     the Accept header allows neither"
                ),
            )
            .into_response(Media::Json));
        };
        let is_get = req.method() == Method::GET;
        let client = req.remote_addr().as_socket_addr().map(|a| a.ip());
        let requests = match read_requests(req).await {
            Ok(requests) => requests,
            Err(refusal) => {
                self.metrics.record(None, Outcome::Rejected, 0.0);
                return Ok(refusal.into_response(media));
            }
        };
        match requests {
            Requests::Single(request) => {
                let token = request.token.clone();
                match self
                    .run(request.inner, token.as_deref(), is_get, media, client)
                    .await
                {
                    Ok((status, body)) => Ok(bytes_response(status, media, body)),
                    Err(refusal) => Ok(refusal.into_response(media)),
                }
            }
            Requests::Batch(batch, token) => {
                if batch.len() > self.limits.max_batch {
                    self.metrics.record(None, Outcome::Rejected, 0.0);
                    let refusal = Refusal::new(
                        StatusCode::BAD_REQUEST,
                        limits::CODE,
                        None,
                        format!(
                            "a batch may hold at most {} operations (got {})",
                            self.limits.max_batch,
                            batch.len()
                        ),
                    );
                    return Ok(refusal.into_response(media));
                }
                let mut bodies = Vec::with_capacity(batch.len());
                for request in batch {
                    let body = match self
                        .run(request, token.as_deref(), is_get, media, client)
                        .await
                    {
                        Ok((_, body)) => body,
                        Err(refusal) => errors_body(std::slice::from_ref(&*refusal.error)),
                    };
                    bodies.push(body);
                }
                let mut body = b"[".to_vec();
                body.extend(bodies.join(&b","[..]));
                body.push(b']');
                Ok(bytes_response(StatusCode::OK, media, body))
            }
        }
    }
}

impl GraphQLEndpoint {
    /// Checks, authenticates and executes one operation; returns the status and body.
    async fn run(
        &self,
        mut request: async_graphql::Request,
        token: Option<&str>,
        is_get: bool,
        media: Media,
        client: Option<std::net::IpAddr>,
    ) -> Result<(StatusCode, Vec<u8>), Refusal> {
        let started = Instant::now();
        let operation = match self.schema.admit(&mut request) {
            Ok(operation) => operation,
            Err(error) => {
                let name = request.operation_name.clone();
                self.metrics.record(name.as_deref(), Outcome::Rejected, 0.0);
                tracing::info!(operation = name.as_deref().unwrap_or("-"), error = %error.message, "graphql request refused");
                let status = match media {
                    Media::GraphQLResponseJson => StatusCode::BAD_REQUEST,
                    Media::Json => StatusCode::OK,
                };
                return Ok((status, errors_body(std::slice::from_ref(&error))));
            }
        };
        match operation.kind {
            Some(OperationType::Mutation) if is_get => {
                let mut refusal = Refusal::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "BAD_USER_INPUT",
                    Some("query"),
                    "mutations are sent with POST; GET runs queries only",
                );
                refusal.allow = Some("POST");
                return Err(refusal);
            }
            Some(OperationType::Subscription) => {
                return Err(Refusal::bad_input(
                    "query",
                    "subscriptions run over a WebSocket to this URL (protocol \
                     graphql-transport-ws)",
                ));
            }
            _ => {}
        }
        let viewer = match token {
            Some(token) => crate::auth::viewer_for_token(&self.state, token)
                .await
                .map_err(|err| {
                    let status = match err {
                        crate::error::AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                        _ => StatusCode::INTERNAL_SERVER_ERROR,
                    };
                    let err: async_graphql::Error = err.into();
                    Refusal {
                        status,
                        error: Box::new(err.into_server_error(async_graphql::Pos::default())),
                        allow: None,
                    }
                })?,
            None => None,
        };
        let request = request.data(RequestCtx::new(&self.state, viewer).with_client(client));
        let label = self.metrics.operation_label(operation.name.as_deref());
        let span = tracing::info_span!(
            "graphql",
            operation = %label,
            kind = operation.kind.map(|k| k.to_string()).unwrap_or_default(),
        );
        let mut response = self
            .schema
            .execute_admitted(request)
            .instrument(span.clone())
            .await;
        // Our own errors always carry a code; the ones without are async-graphql's rejections
        // of the document or of argument and variable values: bad input, said so.
        for error in &mut response.errors {
            let coded = error
                .extensions
                .as_ref()
                .is_some_and(|ext| ext.get("code").is_some());
            if !coded {
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", "BAD_USER_INPUT");
            }
        }

        // Errors raised before execution (validation, variables) come without a path and
        // without data: the spec's "request error".
        let request_error = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty());
        let outcome = if request_error {
            Outcome::Rejected
        } else if response.errors.is_empty() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        let seconds = started.elapsed().as_secs_f64();
        self.metrics.record_label(&label, outcome, seconds);
        span.in_scope(|| {
            tracing::info!(
                outcome = outcome.as_str(),
                duration_ms = (seconds * 1000.0).round() as u64,
                errors = response.errors.len(),
                "graphql request"
            )
        });
        let status = match (request_error, media) {
            (true, Media::GraphQLResponseJson) => StatusCode::BAD_REQUEST,
            _ => StatusCode::OK,
        };
        let body = if request_error {
            errors_body(&response.errors)
        } else {
            serde_json::to_vec(&response).unwrap_or_default()
        };
        Ok((status, body))
    }
}

/// One operation read from the HTTP request, with the bearer token it came with.
struct ReadRequest {
    inner: async_graphql::Request,
    token: Option<String>,
}

enum Requests {
    Single(ReadRequest),
    Batch(Vec<async_graphql::Request>, Option<String>),
}

fn bearer_token(req: &Request) -> Option<String> {
    let value = req.header(header::AUTHORIZATION)?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

async fn read_requests(mut req: Request) -> Result<Requests, Refusal> {
    let token = bearer_token(&req);
    match *req.method() {
        Method::GET => {
            let params = params_from_query(req.uri().query().unwrap_or(""))?;
            Ok(Requests::Single(ReadRequest {
                inner: graphql_request(Json::Object(params))?,
                token,
            }))
        }
        Method::POST => {
            let content_type = req.content_type().map(str::to_owned);
            let Some(content_type) = content_type else {
                return Err(unsupported_media_type("no Content-Type was given"));
            };
            let essence = content_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let charset_ok = content_type
                .split(';')
                .skip(1)
                .filter_map(|p| {
                    p.trim()
                        .to_ascii_lowercase()
                        .strip_prefix("charset=")
                        .map(str::to_owned)
                })
                .all(|c| c.trim_matches('"') == "utf-8");
            let body = req.take_body();
            match essence.as_str() {
                "application/json" if charset_ok => read_json(body, token).await,
                "application/json" => Err(unsupported_media_type(
                    "request bodies must be UTF-8 (charset=utf-8)",
                )),
                "multipart/form-data" => read_multipart(&content_type, body, token).await,
                other => Err(unsupported_media_type(&format!(
                    "Content-Type {other} is not supported"
                ))),
            }
        }
        _ => {
            let mut refusal = Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "BAD_USER_INPUT",
                None,
                "GraphQL requests are sent with GET (queries) or POST",
            );
            refusal.allow = Some("GET, POST");
            Err(refusal)
        }
    }
}

fn unsupported_media_type(why: &str) -> Refusal {
    Refusal::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "BAD_USER_INPUT",
        None,
        format!("{why}: send application/json (or multipart/form-data for uploads)"),
    )
}

/// GET parameters: `query` and `operationName` as they are, `variables` and `extensions` as
/// JSON text.
fn params_from_query(query: &str) -> Result<serde_json::Map<String, Json>, Refusal> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| Refusal::bad_input("query", "the URL's query string is malformed"))?;
    let mut params = serde_json::Map::new();
    for (key, value) in pairs {
        let value = match key.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|_| Refusal::bad_input(&key, format!("{key} must be a JSON object")))?,
            _ => Json::String(value),
        };
        params.insert(key, value);
    }
    Ok(params)
}

async fn read_json(body: Body, token: Option<String>) -> Result<Requests, Refusal> {
    let bytes = body
        .into_bytes_limit(MAX_JSON_BODY)
        .await
        .map_err(|err| match err {
            poem::error::ReadBodyError::PayloadTooLarge => Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                limits::CODE,
                None,
                format!("request bodies are limited to {MAX_JSON_BODY} bytes"),
            ),
            _ => Refusal::bad_input("query", "the request body could not be read"),
        })?;
    if bytes.is_empty() {
        return Err(Refusal::bad_input(
            "query",
            "the request body is empty: send {\"query\": \"...\"}",
        ));
    }
    let json: Json = serde_json::from_slice(&bytes).map_err(|err| {
        Refusal::bad_input("query", format!("the request body is not JSON: {err}"))
    })?;
    match json {
        Json::Array(items) if items.is_empty() => Err(Refusal::bad_input(
            "query",
            "an empty batch holds no operation",
        )),
        Json::Array(items) => Ok(Requests::Batch(
            items
                .into_iter()
                .map(graphql_request)
                .collect::<Result<_, _>>()?,
            token,
        )),
        single => Ok(Requests::Single(ReadRequest {
            inner: graphql_request(single)?,
            token,
        })),
    }
}

async fn read_multipart(
    content_type: &str,
    body: Body,
    token: Option<String>,
) -> Result<Requests, Refusal> {
    let options = MultipartOptions::default()
        .max_file_size(MAX_UPLOAD_BYTES)
        .max_num_files(MAX_UPLOADS);
    // Read whole (and bounded) first: the parser then works on memory.
    let limit = MAX_UPLOADS * MAX_UPLOAD_BYTES + MAX_JSON_BODY;
    let bytes = body.into_bytes_limit(limit).await.map_err(|_| {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            None,
            format!("multipart requests are limited to {limit} bytes"),
        )
    })?;
    let batch = async_graphql::http::receive_batch_body(Some(content_type), &bytes[..], options)
        .await
        .map_err(|err| {
            Refusal::bad_input("operations", format!("invalid multipart request: {err}"))
        })?;
    match batch {
        async_graphql::BatchRequest::Single(inner) => {
            Ok(Requests::Single(ReadRequest { inner, token }))
        }
        async_graphql::BatchRequest::Batch(items) => Ok(Requests::Batch(items, token)),
    }
}

/// Reads one `{query, operationName, variables, extensions}` object, checking each
/// parameter's type as the spec requires.
fn graphql_request(params: Json) -> Result<async_graphql::Request, Refusal> {
    let Json::Object(mut params) = params else {
        return Err(Refusal::bad_input(
            "query",
            "a GraphQL request is a JSON object with a \"query\"",
        ));
    };
    // A persisted query (`http::documents`) may name its document by hash instead.
    let persisted = match params.get("extensions") {
        Some(Json::Object(extensions)) => extensions.get("persistedQuery").cloned(),
        _ => None,
    };
    let query = match params.remove("query") {
        Some(Json::String(query)) => query,
        Some(_) => return Err(Refusal::bad_input("query", "query must be a string")),
        None if persisted.is_some() => String::new(),
        None => {
            return Err(Refusal::bad_input(
                "query",
                "the request has no query parameter",
            ))
        }
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(persisted) = persisted {
        let value = async_graphql::Value::from_json(persisted).map_err(|_| {
            Refusal::bad_input("extensions", "extensions.persistedQuery must be an object")
        })?;
        request.extensions.insert("persistedQuery".into(), value);
    }
    match params.remove("operationName") {
        None | Some(Json::Null) => {}
        Some(Json::String(name)) => request = request.operation_name(name),
        Some(_) => {
            return Err(Refusal::bad_input(
                "operationName",
                "operationName must be a string",
            ))
        }
    }
    match params.remove("variables") {
        None | Some(Json::Null) => {}
        Some(variables @ Json::Object(_)) => {
            request = request.variables(Variables::from_json(variables))
        }
        Some(_) => {
            return Err(Refusal::bad_input(
                "variables",
                "variables must be an object",
            ))
        }
    }
    match params.remove("extensions") {
        None | Some(Json::Null) | Some(Json::Object(_)) => {}
        Some(_) => {
            return Err(Refusal::bad_input(
                "extensions",
                "extensions must be an object",
            ))
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_pick_the_media_type() {
        use Media::*;
        let cases = [
            (None, Some(Json), "no header means JSON"),
            (Some("*/*"), Some(Json), "a wildcard means JSON"),
            (Some("application/json"), Some(Json), "JSON"),
            (
                Some(GRAPHQL_RESPONSE_JSON),
                Some(GraphQLResponseJson),
                "the spec's type",
            ),
            (
                Some("application/graphql-response+json, application/json;q=0.9"),
                Some(GraphQLResponseJson),
                "the better quality",
            ),
            (
                Some("application/json, application/graphql-response+json"),
                Some(GraphQLResponseJson),
                "both named alike: the spec's type",
            ),
            (
                Some("text/html,application/xhtml+xml,*/*;q=0.8"),
                Some(Json),
                "a browser",
            ),
            (
                Some("application/json;q=0, */*"),
                Some(GraphQLResponseJson),
                "JSON refused",
            ),
            (Some("text/html"), None, "nothing acceptable"),
        ];
        for (accept, expected, why) in cases {
            assert_eq!(negotiate(accept), expected, "{why}");
        }
    }

    #[test]
    fn parameters_are_type_checked() {
        let ok = serde_json::json!({ "query": "{ a }", "operationName": null, "variables": { "x": 1 }, "extensions": {} });
        assert!(graphql_request(ok).is_ok());
        for (bad, field) in [
            (serde_json::json!({ "qeury": "{ a }" }), "query"),
            (serde_json::json!({ "query": 0 }), "query"),
            (
                serde_json::json!({ "query": "{ a }", "operationName": false }),
                "operationName",
            ),
            (
                serde_json::json!({ "query": "{ a }", "variables": "x" }),
                "variables",
            ),
            (
                serde_json::json!({ "query": "{ a }", "extensions": [] }),
                "extensions",
            ),
        ] {
            let Err(refusal) = graphql_request(bad.clone()) else {
                panic!("{bad} is refused");
            };
            assert_eq!(refusal.status, StatusCode::BAD_REQUEST, "{bad}");
            let ext = refusal.error.extensions.unwrap();
            assert_eq!(
                ext.get("field"),
                Some(&async_graphql::Value::from(field)),
                "{bad}"
            );
        }
    }
}
