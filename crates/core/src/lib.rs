//! Daichō's domain: the events people record, the registers they fold into, and the rules of
//! the regulation (湧別町住民基本台帳ネットワークシステム運用規程) that decide what may be recorded.
//!
//! No I/O and no web dependencies: the browser and the server run this same code, so a rule is
//! written once and both sides refuse the same things for the same reasons.

pub mod admission;
pub mod api;
pub mod article;
pub mod assets;
pub mod authority;
pub mod canonical;
pub mod chain;
pub mod checkpoint;
pub mod clock;
pub mod corrections;
pub mod csv;
pub mod ed25519;
pub mod entry_log;
pub mod entry_measures;
pub mod equipment;
pub mod event;
pub mod history;
pub mod id_ledger;
pub mod instructions;
pub mod key_log;
pub mod lang;
pub mod meetings;
pub mod merkle;
pub mod needs;
pub mod office;
pub mod organisation;
pub mod people;
pub mod projection;
pub mod records;
pub mod refusal;
pub mod registers;
pub mod reports;
pub mod request_signing;
pub mod room;
pub mod room_permit;
pub mod rule_breaks;
#[cfg(feature = "schema")]
pub mod schema;
pub mod setup;
pub mod sign_in;
pub mod sort;
pub mod sync_limits;
#[cfg(any(test, feature = "test-support"))]
pub mod test_town;
pub mod version;
pub mod wareki;
pub mod webauthn;
pub mod years;

// The English catalogue of every text a person reads, app and core alike (`lang`).
rust_i18n::i18n!("../../locales");

pub use article::Article;
pub use clock::Hlc;
pub use entry_log::{EntryRecord, EntryRecorded, ExitRecorded, Person};
pub use event::EventTag;
pub use event::{DeviceId, Event, EventId, EventKind};
pub use refusal::{Field, Refusal, RefusalCode, Refusals};
pub use registers::Registers;
pub use room::{Room, RoomDefined, SecurityLevel};
pub use version::{Version, Versioned};
