//! Rebuilds the core when the English catalogue changes: rust-i18n reads `locales/` at compile
//! time, and without this cargo would keep a build made with the catalogue before.
fn main() {
    println!("cargo:rerun-if-changed=../../locales");
}
