//! 台帳 (Daichō): the security register PWA of the 住基ネット operating rules.
//! `main.rs` only mounts [`app::App`]; the pages, components and the IndexedDB store live here
//! so browser tests can reach them.

pub mod app;
pub mod auth;
pub mod components;
pub mod device_storage;
pub mod directory;
pub mod lang;
pub mod pages;
pub mod pwa;
pub mod state;
pub mod store;
pub mod sync;
pub mod timing;
