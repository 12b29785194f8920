//! What the console reads when it opens: the signed-in user and their own customer, the top of
//! their view, with the branding its header shows.

use cynic::{Id, QueryBuilder};

use super::{branding::BrandingFields, customers::TreeNode, schema, Api, ApiError, Module, Role};

/// The signed-in user.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "User")]
pub struct Me {
    pub id: Id,
    pub username: String,
    pub role: Role,
}

/// The caller's own customer, the top of their view, with what the header shows.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct ViewRoot {
    #[cynic(spread)]
    pub node: TreeNode,
    pub descendant_count: i32,
    pub modules: Vec<Module>,
    pub effective_branding: BrandingFields,
}

/// What the console needs when it opens.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Query")]
pub struct Console {
    /// Null only when the token stopped being valid between checks.
    pub me: Option<Me>,
    pub root: ViewRoot,
}

impl Api {
    /// The signed-in user and their root customer.
    pub async fn console(self) -> Result<Console, ApiError> {
        self.run(Console::build(())).await
    }
}
