//! The `Upload` scalar of the GraphQL multipart request spec, read safely.
//!
//! async-graphql's own `Upload` unwraps the number in the placeholder it expects (the multipart
//! parser replaces each file's variable with `#__graphql_file__:<n>`) and indexes the request's
//! files with it: a client that sends such a string itself, in plain JSON, panics the request.
//! This scalar parses the placeholder as input like any other, and a file that the request
//! does not carry is an input error.

use async_graphql::{
    Context, InputValueError, InputValueResult, Scalar, ScalarType, UploadValue, Value,
};

/// Where the multipart parser puts the index of a file in its variable.
const PLACEHOLDER: &str = "#__graphql_file__:";

/// A file of a GraphQL multipart request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileUpload(usize);

/// A file sent with the GraphQL multipart request spec.
#[Scalar(
    name = "Upload",
    specified_by_url = "https://github.com/jaydenseric/graphql-multipart-request-spec"
)]
impl ScalarType for FileUpload {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => s
                .strip_prefix(PLACEHOLDER)
                .and_then(|n| n.parse().ok())
                .map(Self)
                .ok_or_else(|| InputValueError::custom("send files as multipart parts")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Null
    }
}

impl FileUpload {
    /// The uploaded file, or `None` when the request carries no such file.
    pub fn value(&self, ctx: &Context<'_>) -> Option<std::io::Result<UploadValue>> {
        ctx.query_env
            .uploads
            .get(self.0)
            .map(UploadValue::try_clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_multipart_placeholder_is_a_file() {
        assert_eq!(
            FileUpload::parse(Value::from("#__graphql_file__:3")).ok(),
            Some(FileUpload(3))
        );
        for bad in ["#__graphql_file__:x", "#__graphql_file__:", "logo.png", ""] {
            assert!(FileUpload::parse(Value::from(bad)).is_err(), "{bad}");
        }
        assert!(FileUpload::parse(Value::from(3)).is_err());
    }
}
