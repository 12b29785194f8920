//! Building blocks that pages share.

pub mod combobox;
pub mod customer_tree;
pub mod dialog;
pub mod form;
pub mod icons;
pub mod paging;
pub mod pickers;
pub mod trial_badge;
