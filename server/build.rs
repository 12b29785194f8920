// `sqlx::migrate!` embeds the migrations at compile time but does not watch the folder itself.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
