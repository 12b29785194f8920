//! GraphQL request bodies: JSON into a request, then the server's limit check (which parses the
//! query and measures it) — never a panic, never unbounded work.
#![no_main]

use canopy_server::http::limits::{self, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut request = match serde_json::from_slice::<async_graphql::Request>(data) {
        Ok(request) => request,
        Err(_) => match std::str::from_utf8(data) {
            Ok(query) => async_graphql::Request::new(query),
            Err(_) => return,
        },
    };
    let _ = limits::check(&Limits::default(), &mut request);
    let _ = limits::lexical_nesting(&request.query);
});
