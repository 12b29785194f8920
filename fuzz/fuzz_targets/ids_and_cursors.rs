//! Opaque global IDs and pagination cursors from clients: decoding never panics, and an ID
//! that decodes encodes back to itself.
#![no_main]

use canopy_server::customers::model::CustomerCursor;
use canopy_server::{ids, pagination};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some((kind, id)) = ids::decode_any(text) {
        assert_eq!(ids::decode(kind, &ids::encode(kind, id)), Some(id));
    }
    let _ = pagination::decode_cursor::<CustomerCursor>(Some(text));
    let _ = pagination::decode_cursor::<i64>(Some(text));
});
