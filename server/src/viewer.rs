//! Who is asking: the signed-in user of a request and the subtree they may see. Ground types:
//! every domain's stores and services take them, so they import nothing above `db`.

use canopy_shared::{Action, Role};

use crate::db;
use crate::error::{AppError, AppResult};

/// The subtree a viewer may see: their own customer and its descendants, as a path range.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The materialised path of the viewer's own customer.
    pub root_path: String,
    /// Inclusive lower bound of the subtree's path range.
    pub lo: String,
    /// Exclusive upper bound of the subtree's path range.
    pub hi: String,
}

impl Scope {
    /// The scope rooted at the customer with this materialised path.
    pub fn for_path(path: &str) -> Self {
        let (lo, hi) = db::subtree_range(path);
        Self {
            root_path: path.to_owned(),
            lo,
            hi,
        }
    }

    /// Whether a customer with this path is visible.
    pub fn contains(&self, path: &str) -> bool {
        path >= self.lo.as_str() && path < self.hi.as_str()
    }

    /// Whether the scope is the installation root's, which holds every customer (the root's
    /// path has a single id, `/1/`, and every path starts with it).
    pub fn is_everything(&self) -> bool {
        self.root_path.matches('/').count() == 2
    }
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user_id: i64,
    pub username: String,
    pub customer_id: i64,
    pub role: Role,
    /// Whether the user's customer is the installation's root (the support organisation).
    pub at_installation_root: bool,
    pub scope: Scope,
    /// SHA-256 of the session token the request came with (for `signOut`).
    pub token_hash: String,
}

impl Viewer {
    /// `FORBIDDEN` unless the viewer's role allows `action` (DOMAIN.md's role table).
    pub fn require(&self, action: Action) -> AppResult<()> {
        if self.role.allows(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "The {} role may not do this",
                self.role.as_str()
            )))
        }
    }
}
