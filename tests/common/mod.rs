//! A small town for the store tests: an administrator who is entry manager of every room,
//! three staff members permitted into the counter room, and one visitor.
// Each test file uses the part of the town it needs.
#![allow(dead_code)]

use chrono::{Duration, Utc};
use daicho::store::Store;
use daicho_core::organisation::{
    TenureRecorded, HEAD_OF_GENERAL_AFFAIRS, HEAD_OF_RESIDENTS_AND_TAX,
};
use daicho_core::people::{PersonDefined, PersonKind};
use daicho_core::room_permit::PermissionGranted;

/// The operator of the tests: registered staff and entry manager of every room.
pub const ADMIN: &str = "kanri";
/// The level-1 room (the resident counter).
pub const COUNTER: &str = "default-level-1";
/// The level-3 room (data storage).
pub const STORAGE_ROOM: &str = "default-level-3";

/// Staff permitted into the counter room, by id and name.
pub const STAFF: [(&str, &str); 3] = [
    ("yamada", "山田 太郎"),
    ("sato", "佐藤 花子"),
    ("suzuki", "鈴木 一郎"),
];
pub const VISITOR: (&str, &str) = ("visitor", "保守 業者");

pub fn person(id: &str, name: &str, kind: PersonKind) -> PersonDefined {
    PersonDefined {
        id: id.into(),
        name: name.into(),
        affiliation: "総務課".into(),
        kind,
    }
}

/// A fresh database `name` with the town above.
pub async fn town(name: &str) -> Store {
    Store::delete(name).await.unwrap();
    let store = Store::open(name).await.unwrap();
    let now = Utc::now();
    let from = (now - Duration::days(30)).date_naive();
    for position in [HEAD_OF_GENERAL_AFFAIRS, HEAD_OF_RESIDENTS_AND_TAX] {
        let term = TenureRecorded {
            position_id: position.into(),
            holder: ADMIN.into(),
            from,
            to: None,
        };
        store.record_tenure(term, ADMIN, now).await.unwrap();
    }
    let admin = person(ADMIN, "管理 一郎", PersonKind::Staff);
    store.define_person(admin, ADMIN, now).await.unwrap();
    let visitor = person(VISITOR.0, VISITOR.1, PersonKind::Visitor);
    store.define_person(visitor, ADMIN, now).await.unwrap();
    for (id, name) in STAFF {
        let staff = person(id, name, PersonKind::Staff);
        store.define_person(staff, ADMIN, now).await.unwrap();
        permit(&store, id, COUNTER).await;
    }
    store
}

/// A standing permission for `person_id` into `room_id`, from a month ago.
pub async fn permit(store: &Store, person_id: &str, room_id: &str) {
    let now = Utc::now();
    let grant = PermissionGranted {
        person_id: person_id.into(),
        room_id: room_id.into(),
        from: (now - Duration::days(30)).date_naive(),
        to: None,
        granted_by: ADMIN.into(),
    };
    store.grant_permission(grant, ADMIN, now).await.unwrap();
}

/// The id of a staff member by name.
pub fn staff_id(name: &str) -> &'static str {
    STAFF
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(id, _)| *id)
        .unwrap_or("")
}
