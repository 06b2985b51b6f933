//! Rooms (第17条第1項): seeded on first run with one example per level, for the town to edit.

use super::codec::from_js;
use super::device::{self, DeviceState};
use super::{append_in, schema, Result, Store};
use daicho_core::room::default_rooms;
use daicho_core::sort::sort_by;
use daicho_core::{EventKind, Room, RoomDefined, Version};
use rexie::TransactionMode;

/// The operator recorded on what the app does by itself (the first-run defaults).
// ja-only: an operator id stored in the events it records (data); `Directory::name_of` names it
pub const SYSTEM_OPERATOR: &str = "システム（初期設定）";

impl Store {
    /// On the first open of this browser: a device id, and the default rooms as events.
    pub(super) async fn first_run_setup(&self) -> Result<()> {
        let tx = self.write_transaction(false)?;
        if device::read_optional(&tx).await?.is_none() {
            device::write(&tx, &DeviceState::new(device::new_id())).await?;
            let now_ms = js_sys::Date::now() as i64;
            for def in default_rooms() {
                let kind = EventKind::RoomDefined(def);
                append_in(&tx, kind, SYSTEM_OPERATOR, now_ms).await?;
            }
        }
        super::committed(tx).await?;
        Ok(())
    }

    /// Adds a room, or a new version of one (same id: the latest definition wins, on every
    /// device). Master data of the system administrator (第4条), checked like every write.
    pub async fn define_room(
        &self,
        def: RoomDefined,
        operator: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Room> {
        let kind = EventKind::RoomDefined(def.clone());
        let event = self.record(kind, operator, now).await?;
        Ok(Room::new(def, Version::of(&event)))
    }

    /// Every room, highest security level first.
    pub async fn rooms(&self) -> Result<Vec<Room>> {
        let tx = self
            .db
            .transaction(&[schema::ROOMS], TransactionMode::ReadOnly)?;
        let values = tx.store(schema::ROOMS)?.get_all(None, None).await?;
        let mut rooms: Vec<Room> = values.into_iter().map(from_js).collect::<Result<_>>()?;
        sort_by(&mut rooms, daicho_core::room::most_secure_first);
        Ok(rooms)
    }
}
