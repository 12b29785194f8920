//! Building blocks that pages share.

pub mod customer_tree;
pub mod trial_badge;
