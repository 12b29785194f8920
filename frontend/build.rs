//! Registers the API's schema with cynic, so every operation in `src/api` is checked against it
//! at compile time: an API change that breaks the app breaks the build. The schema is
//! `schema.graphql` at the repository root, the server's exported SDL (a server test keeps it
//! equal to what the server serves).

fn main() {
    println!("cargo:rerun-if-changed=../schema.graphql");
    cynic_codegen::register_schema("canopy")
        .from_sdl_file("../schema.graphql")
        .expect("schema.graphql at the repository root is readable")
        .as_default()
        .expect("cynic can register the schema");
}
