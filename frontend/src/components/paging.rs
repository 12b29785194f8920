//! Lists read a page at a time: what is loaded so far, the cursor of the next page, the total,
//! and whether a read is under way or failed; and the "Load more" button that reads on.

use std::future::Future;

use leptos::{prelude::*, task::spawn_local};

use crate::api::{ApiError, PageInfo};

/// One page as a list's query answers it.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor after this page, while there are more.
    pub next: Option<String>,
    pub total: i32,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, page_info: &PageInfo, total: i32) -> Self {
        Self {
            items,
            next: page_info.next(),
            total,
        }
    }
}

/// A list read a page at a time; cheap to copy into closures.
#[derive(Debug)]
pub struct Paged<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub total: RwSignal<i32>,
    pub next: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: Send + Sync + 'static> Paged<T> {
    pub fn new() -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            total: RwSignal::new(0),
            next: RwSignal::new(None),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Shows the page `read` answers: the first (`after` is `None`) instead of what is shown,
    /// a later one after it.
    pub fn load(
        self,
        after: Option<String>,
        read: impl Future<Output = Result<Page<T>, ApiError>> + 'static,
    ) {
        self.loading.set(true);
        self.error.set(None);
        spawn_local(async move {
            match read.await {
                Ok(page) => {
                    if after.is_none() {
                        self.items.set(page.items);
                    } else {
                        self.items.update(|i| i.extend(page.items));
                    }
                    self.total.set(page.total);
                    self.next.set(page.next);
                }
                Err(e) => self.error.set(Some(e)),
            }
            self.loading.set(false);
        });
    }
}

/// "Load more" while there is a next page; `more` is given its cursor.
#[component]
pub fn LoadMore(
    #[prop(into)] next: Signal<Option<String>>,
    #[prop(into)] loading: Signal<bool>,
    more: Callback<Option<String>>,
) -> impl IntoView {
    view! {
        <Show when=move || next.with(Option::is_some)>
            <button type="button" class="button secondary small" disabled=move || loading.get()
                on:click=move |_| more.run(next.get_untracked())>
                "Load more"
            </button>
        </Show>
    }
}
