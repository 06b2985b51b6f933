//! Where an event stands in the one order every device agrees on, and master data kept by it:
//! "the newest version wins" is decided here and nowhere else.

use crate::clock::Hlc;
use crate::event::{DeviceId, Event, EventId};
use serde::{Deserialize, Serialize};
use std::ops::Deref;

/// An event's place in the fold order: its clock, then its device, then its place in that
/// device's chain. Two events never share one, so "newest" and "earliest" are never a tie.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Version {
    pub hlc: Hlc,
    pub device: DeviceId,
    pub seq: u64,
}

impl Version {
    pub fn of(event: &Event) -> Version {
        Version {
            hlc: event.hlc,
            device: event.device.clone(),
            seq: event.seq,
        }
    }

    /// The event this is the version of.
    pub fn event(&self) -> EventId {
        EventId {
            device: self.device.clone(),
            seq: self.seq,
        }
    }

    /// Master data: does this version replace `current` (none yet, or an older one)?
    pub fn supersedes(&self, current: Option<&Version>) -> bool {
        current.is_none_or(|current| self > current)
    }

    /// A closing (an exit, a return, a revocation): does this one close the record instead of
    /// `current` (none yet, or a later one)? The earliest closing wins on every device.
    pub fn precedes(&self, current: Option<&Version>) -> bool {
        current.is_none_or(|current| self < current)
    }
}

/// A record of master data (a room, a person, a key …) with the version that defined it.
/// Stored flat (`{"id": …, …, "version": {…}}`), so the register's key path reaches its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Versioned<T> {
    #[serde(flatten)]
    pub value: T,
    pub version: Version,
}

impl<T> Versioned<T> {
    pub fn new(value: T, version: Version) -> Self {
        Versioned { value, version }
    }
}

/// A versioned record reads as the record it holds (`room.name`).
impl<T> Deref for Versioned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(wall_ms: i64, device: &str, seq: u64) -> Version {
        Version {
            hlc: Hlc {
                wall_ms,
                counter: 0,
            },
            device: DeviceId(device.into()),
            seq,
        }
    }

    #[test]
    fn the_later_clock_wins_and_the_device_breaks_ties() {
        let held = version(10, "b", 1);
        assert!(version(11, "a", 1).supersedes(Some(&held)));
        assert!(version(10, "c", 1).supersedes(Some(&held)));
        assert!(!version(10, "a", 9).supersedes(Some(&held)));
        assert!(
            !held.supersedes(Some(&held)),
            "a version does not replace itself"
        );
        assert!(held.supersedes(None));
        assert!(version(9, "z", 1).precedes(Some(&held)));
        assert!(!version(11, "a", 1).precedes(Some(&held)));
        assert!(
            !held.precedes(Some(&held)),
            "a closing does not replace itself"
        );
    }

    #[test]
    fn a_versioned_record_is_stored_flat() {
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        struct Key {
            id: String,
        }
        let key = Versioned::new(Key { id: "k".into() }, version(5, "d", 2));
        let json = serde_json::to_value(&key).unwrap();
        assert_eq!(json["id"], "k");
        assert_eq!(json["version"]["seq"], 2);
        assert_eq!(serde_json::from_value::<Versioned<Key>>(json).unwrap(), key);
        assert_eq!(key.id, "k", "reads as the record it holds");
    }
}
