//! Canopy's GraphQL API as the app uses it: the operations' documents, the shapes they return,
//! and one `post` that sends them with the session's bearer token and turns the answer into
//! either data or an [`ApiError`].

use canopy_shared::{CustomerLevel, CustomerState, Role};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};

/// Where the server answers GraphQL requests (the app is served from the same origin).
const ENDPOINT: &str = "/graphql";

/// How many children one "Load more" fetches.
pub const CHILDREN_PAGE_SIZE: i64 = 50;

/// Why a call to the API failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server refused the operation; `message` is written for people.
    #[error("{message}")]
    Graphql {
        message: String,
        /// `extensions.code`, e.g. `UNAUTHENTICATED` or `BAD_USER_INPUT` (DOMAIN.md's list).
        code: Option<String>,
        /// `extensions.field`: the input field a `BAD_USER_INPUT` is about.
        field: Option<String>,
    },
    /// The request never got an answer (offline, server down).
    #[error("Cannot reach the Canopy server. Check your connection and try again.")]
    Network,
    /// The server answered with something that is not a GraphQL response for this operation.
    #[error("The server sent a response the app does not understand ({0}).")]
    Unexpected(String),
}

impl ApiError {
    /// The error's `extensions.code`, when the server gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Graphql { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The input field the error is about, when the server named one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Graphql { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Whether the session token is missing, expired or revoked.
    pub fn is_unauthenticated(&self) -> bool {
        self.code() == Some("UNAUTHENTICATED")
    }
}

/// A GraphQL response before we know whether it holds data or errors.
#[derive(Deserialize)]
struct Response {
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Deserialize)]
struct Extensions {
    code: Option<String>,
    field: Option<String>,
}

/// Turns a GraphQL response body into the operation's data, or its first error.
fn decode<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    let response: Response = serde_json::from_value(body)
        .map_err(|e| ApiError::Unexpected(format!("not a GraphQL response: {e}")))?;
    if let Some(first) = response.errors.into_iter().next() {
        let (code, field) = first
            .extensions
            .map(|x| (x.code, x.field))
            .unwrap_or_default();
        return Err(ApiError::Graphql {
            message: first.message,
            code,
            field,
        });
    }
    let data = response
        .data
        .ok_or_else(|| ApiError::Unexpected("neither data nor errors".into()))?;
    serde_json::from_value(data).map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// Sends one operation to the API, with the bearer token when there is one.
async fn post<T: DeserializeOwned>(
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<T, ApiError> {
    let mut request = gloo_net::http::Request::post(ENDPOINT);
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .json(&json!({ "query": query, "variables": variables }))
        .map_err(|e| ApiError::Unexpected(e.to_string()))?
        .send()
        .await
        .map_err(|e| {
            leptos::logging::warn!("GraphQL request failed: {e}");
            ApiError::Network
        })?;
    let status = response.status();
    // GraphQL errors come with a JSON body whatever the status; anything else is a failure of
    // the server or a proxy in front of it.
    match response.json::<Value>().await {
        Ok(body) => decode(body),
        Err(_) if status == 401 => Err(ApiError::Graphql {
            message: "Your session has ended. Please sign in again.".into(),
            code: Some("UNAUTHENTICATED".into()),
            field: None,
        }),
        Err(_) => Err(ApiError::Unexpected(format!("HTTP {status}"))),
    }
}

/// The signed-in user as the app shows them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    pub username: String,
    pub role: Role,
}

/// What signing in returns: the bearer token for every later request.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
    pub user: UserSummary,
}

/// A customer as one line of the tree shows it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSummary {
    pub id: String,
    pub name: String,
    pub level: CustomerLevel,
    pub state: CustomerState,
    /// RFC 3339; null when the customer was never in trial.
    pub trial_expires_at: Option<String>,
    /// Direct children.
    pub child_count: i64,
}

/// The caller's own customer, the top of their view.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootCustomer {
    #[serde(flatten)]
    pub summary: CustomerSummary,
    /// Every customer below the root, at any depth.
    pub descendant_count: i64,
}

/// What the console page needs when it opens.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Console {
    /// Null only when the token stopped being valid between checks.
    pub me: Option<UserSummary>,
    pub root: RootCustomer,
}

/// Relay's page info, the part the app uses.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// One page of a customer's children.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildPage {
    pub nodes: Vec<CustomerSummary>,
    pub page_info: PageInfo,
    pub total_count: i64,
}

/// The fields of a tree line, shared by every query that shows one.
const TREE_NODE_FIELDS: &str =
    "fragment TreeNode on Customer { id name level state trialExpiresAt childCount }";

const SIGN_IN: &str =
    "mutation SignIn($customerName: String!, $username: String!, $password: String!) {
  signIn(customerName: $customerName, username: $username, password: $password) {
    token expiresAt user { username role }
  }
}";

/// Signs in with customer name, username and password.
pub async fn sign_in(
    customer_name: &str,
    username: &str,
    password: &str,
) -> Result<SignedIn, ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Data {
        sign_in: SignedIn,
    }
    let variables =
        json!({ "customerName": customer_name, "username": username, "password": password });
    let data: Data = post(None, SIGN_IN, variables).await?;
    Ok(data.sign_in)
}

/// Revokes the session's token on the server.
pub async fn sign_out(token: &str) -> Result<(), ApiError> {
    let _: Value = post(Some(token), "mutation SignOut { signOut }", json!({})).await?;
    Ok(())
}

/// The signed-in user and their root customer.
pub async fn console(token: Option<&str>) -> Result<Console, ApiError> {
    let query = format!(
        "query Console {{ me {{ username role }} root {{ ...TreeNode descendantCount }} }}\n{TREE_NODE_FIELDS}"
    );
    post(token, &query, json!({})).await
}

/// One page of a customer's children, after `after` (a cursor from the previous page).
/// `None` when the customer is gone or outside the caller's view.
pub async fn children(
    token: Option<&str>,
    customer_id: &str,
    after: Option<&str>,
) -> Result<Option<ChildPage>, ApiError> {
    #[derive(Deserialize)]
    struct Data {
        customer: Option<Customer>,
    }
    #[derive(Deserialize)]
    struct Customer {
        children: ChildPage,
    }
    let query = format!(
        "query Children($id: ID!, $first: Int!, $after: String) {{
  customer(id: $id) {{
    children(first: $first, after: $after) {{
      nodes {{ ...TreeNode }} pageInfo {{ hasNextPage endCursor }} totalCount
    }}
  }}
}}
{TREE_NODE_FIELDS}"
    );
    let variables = json!({ "id": customer_id, "first": CHILDREN_PAGE_SIZE, "after": after });
    let data: Data = post(token, &query, variables).await?;
    Ok(data.customer.map(|c| c.children))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_decodes_with_the_shared_enums() {
        let body = json!({ "data": { "me": { "username": "admin", "role": "SUPERUSER" }, "root": {
            "id": "1", "name": "Acme", "level": "END_CUSTOMER", "state": "IN_TRIAL",
            "trialExpiresAt": "2030-01-01T00:00:00Z", "childCount": 2, "descendantCount": 5 } } });
        let console: Console = decode(body).unwrap();
        assert_eq!(console.root.summary.level, CustomerLevel::EndCustomer);
        assert_eq!(console.root.summary.state, CustomerState::InTrial);
        assert_eq!(console.root.descendant_count, 5);
        assert_eq!(console.me.unwrap().role, Role::Superuser);
    }

    #[test]
    fn the_first_error_wins_with_its_code_and_field() {
        let body = json!({ "data": null, "errors": [
            { "message": "Customer name is required", "extensions": { "code": "BAD_USER_INPUT", "field": "customerName" } },
            { "message": "second" } ] });
        let err = decode::<Value>(body).unwrap_err();
        assert_eq!(err.to_string(), "Customer name is required");
        assert_eq!(err.code(), Some("BAD_USER_INPUT"));
        assert_eq!(err.field(), Some("customerName"));
        assert!(!err.is_unauthenticated());
    }

    #[test]
    fn unauthenticated_is_recognised_and_errors_without_extensions_decode() {
        let body = json!({ "errors": [{ "message": "Sign in first", "extensions": { "code": "UNAUTHENTICATED" } }] });
        assert!(decode::<Value>(body).unwrap_err().is_unauthenticated());
        let body = json!({ "errors": [{ "message": "boom" }] });
        assert_eq!(decode::<Value>(body).unwrap_err().code(), None);
    }

    #[test]
    fn a_body_that_is_not_graphql_is_unexpected() {
        for body in [json!("hello"), json!({}), json!({ "data": { "root": 1 } })] {
            assert!(matches!(
                decode::<Console>(body.clone()),
                Err(ApiError::Unexpected(_))
            ));
        }
    }
}
