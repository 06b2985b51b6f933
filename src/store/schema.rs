//! The IndexedDB schema: the append-only event log, the device's chain head, and one store
//! per register (the projections). The entry/exit logbook has no store of its own: its lines
//! are the entry events, read through indexes over their own fields (see `ENTRY_LINES_*`).

use rexie::{Index, ObjectStore, Rexie};

/// Every event of every device this browser knows, keyed by `[device, seq]`.
pub const EVENTS: &str = "events";
/// This device's identity and the head of its chain (one record, key `self`).
pub const DEVICE: &str = "device";
/// Projection: rooms by id.
pub const ROOMS: &str = "rooms";
/// Projection: who may be inside each room (the entries not yet known to be closed), one
/// record per room keyed by its id: an entry adds one id to its room's record rather than a
/// record of its own, so a pull of 10,000 entries writes a record per room, not 10,000.
pub const OCCUPANCY: &str = "occupancy";

/// Projection: staff and visitors by id.
pub const PEOPLE: &str = "people";
/// Projection: each person's PIN hash and sign-in failures, keyed by person id.
pub const CREDENTIALS: &str = "credentials";

/// Projection: positions (副町長, 総務課長, …) by id.
pub const POSITIONS: &str = "positions";
/// Projection: the role → position mapping and its amendments, keyed by event id.
pub const ROLE_ASSIGNMENTS: &str = "role_assignments";
/// Projection: terms of office, keyed by event id.
pub const TENURES: &str = "tenures";

/// Projection: permissions and per-visit permits, by the event id that granted them.
pub const PERMITS: &str = "permits";
/// Index of `PERMITS` over `[room_id, person_id]`: the door reads one person's permits.
pub const PERMITS_BY_ROOM_PERSON: &str = "by_room_person";
/// Projection: keys of level-3 and level-2 rooms, by id.
pub const KEYS: &str = "keys";
/// Index of `KEYS` over the room: the door reads one room's keys.
pub const KEYS_BY_ROOM: &str = "by_room";
/// Projection: the closings (exits, returns, revocations) that arrived before the record they
/// close, by that record (`daicho_core::projection::Waiting`): empty unless events came out of
/// order.
pub const WAITING: &str = "waiting";
/// Projection: the key logbook, one record per loan, by the lending event id.
pub const LOANS: &str = "loans";
/// Index of `LOANS` over the key while it is out (absent once returned).
pub const LOANS_OUT: &str = "out_key";
/// Index of `LOANS` over `[key_id, lent_at]`, for a key's logbook newest first.
pub const LOANS_BY_KEY_TIME: &str = "by_key_time";

/// Index of `EVENTS` over the kind (`"meeting_held"`): the office registers are folded from
/// their own kinds' events, never from the whole log. Over `KIND_KEY`, which every stored
/// event but an entry carries: the entries, most of the log, are read through
/// `ENTRY_LINES_BY_TIME`, which holds exactly them, and cost the pull no entry here.
pub const EVENTS_BY_KIND: &str = "by_kind";
/// The field beside a stored event that `EVENTS_BY_KIND` reads (`Store::key_kinds_once`
/// added it to the events stored before schema 11).
pub const KIND_KEY: &str = "kind_key";
/// Index of `EVENTS` over the record an event acts on (`refers`, added beside the event when
/// stored): a record's whole history is its own event plus one index read.
pub const EVENTS_REFERRING: &str = "refers";

/// Indexes of `EVENTS` over an entry event's own fields (`payload.entered_at` and the room or
/// person): the logbook's lines. Only entry events have `entered_at`, and IndexedDB leaves a
/// record out of an index lacking its key, so these hold the entries and nothing else.
/// The whole logbook by time …
pub const ENTRY_LINES_BY_TIME: &str = "entry_by_time";
/// … a room's, newest first …
pub const ENTRY_LINES_BY_ROOM_TIME: &str = "entry_by_room_time";
/// … one person's …
pub const ENTRY_LINES_BY_PERSON_TIME: &str = "entry_by_person_time";
/// … and one person's in one room.
pub const ENTRY_LINES_BY_ROOM_PERSON_TIME: &str = "entry_by_room_person_time";
/// Index of `LOANS` over `lent_at`, for the whole key logbook by time.
pub const LOANS_BY_TIME: &str = "by_time";

/// Rule breaks found after a sync (例外), by the record that broke the rule.
pub const RULE_BREAKS: &str = "rule_breaks";

/// Index of `EVENTS` over `hlc.wall_ms`: the operation history (第12条) by time.
pub const EVENTS_BY_TIME: &str = "by_time";
/// Index of `EVENTS` over `[operator, hlc.wall_ms]`: one operator's acts by time.
pub const EVENTS_BY_OPERATOR_TIME: &str = "by_operator_time";
/// Projection: the history's acts per JST day, in all and per operator, device and kind, keyed
/// by the day (days since 1970-01-01), written in the transaction of the events it counts.
pub const HISTORY_DAYS: &str = "history_days";
/// Projection: the same days' acts per operator, device and kind together (the bulk of the
/// counts, read only for a filter on device or kind).
pub const HISTORY_CELLS: &str = "history_cells";

/// 1: events, device, rooms, entries. 2: people, credentials. 3: positions, roles, tenures.
/// 4: permits, keys, loans. 5: indexes by kind, by referred record, and by time.
/// 6: entries by room, person and time. 7: rule breaks. 8: the operation history: events by
/// time and by operator and time, and the day counts and cells (filled from the events already stored
/// on the first open, `Store::count_history_once`). 9: the logbook's lines are the entry
/// events themselves (four indexes over them), the `entries` store gives way to `occupancy`
/// (filled from the events on the first open). 10: the registers are written by
/// daicho-core's one projection, with their versions; closings that came first wait in
/// `waiting`; permits by room and person, keys by room (the door reads through them). The
/// registers are rebuilt from the events once (`Store::rebuild_registers_once`). 11: an
/// index entry fewer per entry event, the bulk of a pull's writes: the kind index leaves the
/// entries out (`KIND_KEY`, added to the events already stored by `Store::key_kinds_once`);
/// the index of one person's lines in one room went too. 12: that index is back (a manager's
/// filter by room and person read the person's whole logbook without it).
pub const VERSION: u32 = 12;

/// The stores daicho-core's projection writes: rebuilt from the events on an upgrade.
pub const REGISTERS: [&str; 11] = [
    ROOMS,
    PEOPLE,
    CREDENTIALS,
    POSITIONS,
    ROLE_ASSIGNMENTS,
    TENURES,
    PERMITS,
    KEYS,
    LOANS,
    OCCUPANCY,
    WAITING,
];

/// Every store an event's write touches: the event, the device's chain, the history's day
/// counts and the registers (a write, a pulled page and the facts read ahead of a tap alike).
pub fn event_stores() -> Vec<&'static str> {
    let mut stores = vec![EVENTS, DEVICE, HISTORY_DAYS, HISTORY_CELLS];
    stores.extend_from_slice(&REGISTERS);
    stores
}

pub async fn open(name: &str) -> rexie::Result<Rexie> {
    open_at(name, VERSION).await
}

/// The schema at `version`: `VERSION`, or a later one as the next upgrade will open it.
pub async fn open_at(name: &str, version: u32) -> rexie::Result<Rexie> {
    Rexie::builder(name)
        .version(version)
        .add_object_store(
            ObjectStore::new(EVENTS)
                .key_path_array(["device", "seq"])
                .add_index(index(EVENTS_BY_KIND, KIND_KEY))
                .add_index(index(EVENTS_REFERRING, "refers"))
                .add_index(index(EVENTS_BY_TIME, "hlc.wall_ms"))
                .add_index(index_over(
                    EVENTS_BY_OPERATOR_TIME,
                    ["operator", "hlc.wall_ms"],
                ))
                .add_index(index(ENTRY_LINES_BY_TIME, "payload.entered_at"))
                .add_index(index_over(
                    ENTRY_LINES_BY_ROOM_TIME,
                    ["payload.room_id", "payload.entered_at"],
                ))
                .add_index(index_over(
                    ENTRY_LINES_BY_PERSON_TIME,
                    ["payload.person_id", "payload.entered_at"],
                ))
                .add_index(index_over(
                    ENTRY_LINES_BY_ROOM_PERSON_TIME,
                    ["payload.room_id", "payload.person_id", "payload.entered_at"],
                )),
        )
        .add_object_store(ObjectStore::new(HISTORY_DAYS).key_path("day"))
        .add_object_store(ObjectStore::new(HISTORY_CELLS).key_path("day"))
        .add_object_store(ObjectStore::new(DEVICE))
        .add_object_store(ObjectStore::new(RULE_BREAKS))
        .add_object_store(ObjectStore::new(ROOMS).key_path("id"))
        .add_object_store(ObjectStore::new(OCCUPANCY).key_path("room_id"))
        .add_object_store(ObjectStore::new(PEOPLE).key_path("id"))
        .add_object_store(ObjectStore::new(CREDENTIALS))
        .add_object_store(ObjectStore::new(POSITIONS).key_path("id"))
        .add_object_store(ObjectStore::new(ROLE_ASSIGNMENTS))
        .add_object_store(ObjectStore::new(TENURES))
        .add_object_store(
            ObjectStore::new(PERMITS)
                .key_path("id")
                .add_index(index_over(PERMITS_BY_ROOM_PERSON, ["room_id", "person_id"])),
        )
        .add_object_store(
            ObjectStore::new(KEYS)
                .key_path("id")
                .add_index(index(KEYS_BY_ROOM, "room_id")),
        )
        .add_object_store(ObjectStore::new(WAITING).key_path("target"))
        .add_object_store(
            ObjectStore::new(LOANS)
                .key_path("id")
                .add_index(index(LOANS_OUT, "out_key"))
                .add_index(index_over(LOANS_BY_KEY_TIME, ["key_id", "lent_at"]))
                .add_index(index(LOANS_BY_TIME, "lent_at")),
        )
        .build()
        .await
}

/// An index over one field. Every flag is spelled out: rexie (through `idb`) compares an
/// existing index with the declared one on each upgrade and rebuilds it when they differ,
/// and an unset flag never equals the stored `false` — so each version upgrade would rebuild
/// every index over seven years of events.
fn index(name: &str, key_path: &str) -> Index {
    Index::new(name, key_path).unique(false).multi_entry(false)
}

/// An index over several fields together (sorting by the first, then the next).
fn index_over<const N: usize>(name: &str, key_paths: [&str; N]) -> Index {
    Index::new_array(name, key_paths)
        .unique(false)
        .multi_entry(false)
}
