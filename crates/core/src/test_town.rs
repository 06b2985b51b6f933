//! A town for tests of how registers fold (here, and with the `test-support` feature in the
//! browser's store tests): its setup, and random acts a clerk might record on a tablet that
//! knows what `view` holds. Acts on tablets that have not synced can conflict (a key returned
//! on two tablets, a loan after a revocation elsewhere): those are the stories the registers
//! must fold the same way in any order.

use crate::corrections::{CorrectionKind, CorrectionRecorded};
use crate::entry_log::{EntryRecorded, ExitRecorded};
use crate::equipment::default_equipment;
use crate::event::EventKind;
use crate::key_log::{KeyDefined, KeyLent, KeyReturned};
use crate::organisation::{
    TenureRecorded, DEPUTY_MAYOR, HEAD_OF_GENERAL_AFFAIRS, HEAD_OF_RESIDENTS_AND_TAX,
};
use crate::people::{PersonDefined, PersonKind};
use crate::registers::Registers;
use crate::room::default_rooms;
use crate::room_permit::{PermissionGranted, PermitRevoked};
use crate::sign_in::{PinSet, PinUnlocked, SignInFailed, SignInMethod, SignedIn, PIN_ITERATIONS};
use crate::SecurityLevel;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// 総務課長: the system administrator and the entry manager of levels 3 and 2.
pub const ADMIN: &str = "soumu";
/// 住民税務課長: the entry manager of the counters (level 1).
pub const COUNTER_MANAGER: &str = "juumin";
/// 副町長: the general manager.
pub const GENERAL_MANAGER: &str = "fukuchou";
/// Staff who come and go, and a visitor.
pub const STAFF: [&str; 2] = ["yamada", "sato"];
pub const VISITOR: &str = "guest";
/// The keys of the level-2 and level-3 rooms.
pub const KEYS: [(&str, &str); 2] = [("k2", "default-level-2"), ("k3", "default-level-3")];

/// A small deterministic generator (an LCG): the same seed tells the same story.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1))
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn person(id: &str, kind: PersonKind, affiliation: &str) -> EventKind {
    EventKind::PersonDefined(PersonDefined {
        id: id.into(),
        name: format!("{id} さん"),
        affiliation: affiliation.into(),
        kind,
    })
}

fn tenure(position: &str, holder: &str) -> EventKind {
    EventKind::TenureRecorded(TenureRecorded {
        position_id: position.into(),
        holder: holder.into(),
        from: day(2020, 4, 1),
        to: None,
    })
}

fn permission(person: &str, room: &str, by: &str) -> EventKind {
    EventKind::PermissionGranted(PermissionGranted {
        person_id: person.into(),
        room_id: room.into(),
        from: day(2020, 4, 1),
        to: None,
        granted_by: by.into(),
    })
}

/// The acts that set the town up, in order, each with its operator: people, the terms of
/// office that give them their roles, the keys, and standing permissions.
pub fn setup() -> Vec<(EventKind, &'static str)> {
    let mut acts = vec![
        (person(ADMIN, PersonKind::Staff, "総務課"), ADMIN),
        (
            person(COUNTER_MANAGER, PersonKind::Staff, "住民税務課"),
            ADMIN,
        ),
        (person(GENERAL_MANAGER, PersonKind::Staff, "副町長"), ADMIN),
        (person(STAFF[0], PersonKind::Staff, "総務課"), ADMIN),
        (person(STAFF[1], PersonKind::Staff, "住民税務課"), ADMIN),
        (person(VISITOR, PersonKind::Visitor, "保守会社"), ADMIN),
        (tenure(HEAD_OF_RESIDENTS_AND_TAX, COUNTER_MANAGER), ADMIN),
        (tenure(DEPUTY_MAYOR, GENERAL_MANAGER), ADMIN),
        // Last: from here on only the system administrator records master data.
        (tenure(HEAD_OF_GENERAL_AFFAIRS, ADMIN), ADMIN),
    ];
    for (id, room) in KEYS {
        let key = KeyDefined {
            id: id.into(),
            room_id: room.into(),
            label: format!("{id} 号鍵"),
        };
        acts.push((EventKind::KeyDefined(key), ADMIN));
    }
    for staff in STAFF {
        acts.push((permission(staff, "default-level-2", ADMIN), ADMIN));
        acts.push((
            permission(staff, "default-level-1", COUNTER_MANAGER),
            COUNTER_MANAGER,
        ));
    }
    // The maintenance visitor is permitted at the counter too: the text has no escort exception.
    acts.push((
        permission(VISITOR, "default-level-1", COUNTER_MANAGER),
        COUNTER_MANAGER,
    ));
    acts
}

/// The master data every tablet seeds by itself on its first run (rooms, and with the store
/// the positions, the 2024 role mapping and the equipment of 第16条).
pub fn seeds() -> Vec<EventKind> {
    let mut seeds: Vec<EventKind> = default_rooms()
        .into_iter()
        .map(EventKind::RoomDefined)
        .collect();
    seeds.extend(
        crate::organisation::default_positions()
            .into_iter()
            .map(EventKind::PositionDefined),
    );
    seeds.extend(
        crate::organisation::default_role_assignments()
            .into_iter()
            .map(EventKind::RoleAssigned),
    );
    seeds.extend(
        default_equipment()
            .into_iter()
            .map(EventKind::EquipmentRegistered),
    );
    seeds
}

/// A random act a clerk might record at `now` on a tablet whose registers are `view`, with its
/// operator; `None` when the act drawn has nothing to act on. Mostly acts the rules allow on
/// that tablet; what it cannot know (another tablet's return, a revocation elsewhere) is how
/// conflicts arise.
pub fn next_act(
    rng: &mut Rng,
    view: &Registers,
    now: DateTime<Utc>,
) -> Option<(EventKind, String)> {
    let clerk = rng.pick(&STAFF)?.to_string();
    let act = match rng.below(14) {
        0..=2 => entry(rng, view, now),
        3..=4 => exit(rng, view, now),
        5..=6 => lend(rng, view, now),
        7 => key_return(rng, view, now),
        8 => revoke(rng, view, now),
        9 => Some((
            permission(rng.pick(&STAFF)?, "default-level-2", ADMIN),
            ADMIN.to_string(),
        )),
        10 => correction(rng, view),
        11 => master_version(rng, now),
        _ => sign_in(rng, view),
    }?;
    Some(match act {
        (kind, operator) if operator.is_empty() => (kind, clerk),
        act => act,
    })
}

/// Someone permitted enters a level-2 room with the key they hold, or a counter; a visitor
/// enters a counter escorted. (An empty operator: any clerk records it.)
fn entry(rng: &mut Rng, view: &Registers, now: DateTime<Utc>) -> Option<(EventKind, String)> {
    let holder = view
        .loans()
        .filter(|l| l.is_out() && l.key_id == "k2" && l.lent_at <= now)
        .map(|l| l.person_id.clone())
        .next();
    let (room, person, escort) = match (holder, rng.below(3)) {
        (Some(holder), 0) => ("default-level-2", holder, None),
        (_, 1) => (
            "default-level-1",
            VISITOR.to_string(),
            Some(STAFF[rng.below(2)]),
        ),
        _ => ("default-level-1", rng.pick(&STAFF)?.to_string(), None),
    };
    let inside = view.inside(room);
    if inside.iter().any(|line| line.person_id == person) {
        return None;
    }
    let entry = EntryRecorded::new(room, &format!("{person} さん"), "総務課", "点検", true, now)
        .of(&person)
        .escorted_by(escort);
    Some((EventKind::EntryRecorded(entry), String::new()))
}

fn exit(rng: &mut Rng, view: &Registers, now: DateTime<Utc>) -> Option<(EventKind, String)> {
    let inside: Vec<_> = ["default-level-1", "default-level-2"]
        .iter()
        .flat_map(|room| view.inside(room))
        .collect();
    let line = rng.pick(&inside)?;
    let exit = ExitRecorded {
        entry: line.id.clone(),
        exited_at: now.max(line.entered_at),
    };
    Some((EventKind::ExitRecorded(exit), String::new()))
}

fn lend(rng: &mut Rng, view: &Registers, now: DateTime<Utc>) -> Option<(EventKind, String)> {
    let (key, room) = rng.pick(&KEYS)?;
    if view.loans().any(|l| l.is_out() && l.key_id == *key) || *room != "default-level-2" {
        return None;
    }
    let lent = KeyLent {
        key_id: key.to_string(),
        person_id: rng.pick(&STAFF)?.to_string(),
        purpose: "点検".into(),
        lent_at: now,
        due_back: now + Duration::hours(2),
        lent_by: ADMIN.into(),
    };
    // Lent by the entry manager of level-3 and level-2 rooms (第18条第3項・第4項).
    Some((EventKind::KeyLent(lent), ADMIN.to_string()))
}

fn key_return(rng: &mut Rng, view: &Registers, now: DateTime<Utc>) -> Option<(EventKind, String)> {
    let out: Vec<_> = view.loans().filter(|l| l.is_out()).collect();
    let loan = rng.pick(&out)?;
    let ret = KeyReturned {
        loan: loan.id.clone(),
        returned_at: now.max(loan.lent_at),
        received_by: ADMIN.into(),
    };
    Some((EventKind::KeyReturned(ret), ADMIN.to_string()))
}

fn revoke(rng: &mut Rng, view: &Registers, now: DateTime<Utc>) -> Option<(EventKind, String)> {
    let active: Vec<_> = view
        .permits()
        .filter(|p| p.revoked_at.is_none() && p.room_id == "default-level-2")
        .collect();
    let permit = rng.pick(&active)?;
    let revocation = PermitRevoked {
        permit: permit.id.clone(),
        at: now,
        reason: "異動".into(),
        revoked_by: ADMIN.into(),
    };
    Some((EventKind::PermitRevoked(revocation), ADMIN.to_string()))
}

/// A purpose amended, or a line or loan voided.
fn correction(rng: &mut Rng, view: &Registers) -> Option<(EventKind, String)> {
    let lines: Vec<_> = view.lines().into_iter().map(|l| l.id).collect();
    let loans: Vec<_> = view.loans().map(|l| l.id.clone()).collect();
    let of_lines = rng.chance(50);
    let target = rng.pick(if of_lines { &lines } else { &loans })?.clone();
    if view.corrections_of(&target).is_some_and(|t| t.is_void()) {
        return None;
    }
    let kind = match rng.chance(30) {
        true => CorrectionKind::Void,
        false => CorrectionKind::Amend {
            fields: [("purpose".to_string(), format!("訂正 {}", rng.below(100)))].into(),
        },
    };
    let correction = CorrectionRecorded {
        target,
        kind,
        reason: "記入誤り".into(),
    };
    Some((EventKind::CorrectionRecorded(correction), String::new()))
}

/// A new version of a person, a room or a key: the newest by version must win everywhere.
fn master_version(rng: &mut Rng, now: DateTime<Utc>) -> Option<(EventKind, String)> {
    let n = now.timestamp_millis() % 1000;
    let kind = match rng.below(3) {
        0 => person(rng.pick(&STAFF)?, PersonKind::Staff, &format!("課 {n}")),
        1 => {
            let mut room = default_rooms()[2].clone();
            room.name = format!("住民窓口 {n}");
            room.is_default = false;
            EventKind::RoomDefined(room)
        }
        _ => EventKind::KeyDefined(KeyDefined {
            id: "k2".into(),
            room_id: "default-level-2".into(),
            label: format!("k2 号鍵 {n}"),
        }),
    };
    debug_assert!(!matches!(kind, EventKind::RoomDefined(ref r) if r.level != SecurityLevel::One));
    Some((kind, ADMIN.to_string()))
}

/// PIN events: set by the administrator, failures and sign-ins by the person, unlocks.
fn sign_in(rng: &mut Rng, view: &Registers) -> Option<(EventKind, String)> {
    let who = rng.pick(&STAFF)?.to_string();
    let credential = view.credential(&who).cloned().unwrap_or_default();
    Some(
        match (
            credential.pin.is_some(),
            credential.is_locked(),
            rng.below(3),
        ) {
            (false, _, _) => {
                let pin = PinSet {
                    person_id: who,
                    salt: "00ff".into(),
                    hash: "ab".repeat(32),
                    iterations: PIN_ITERATIONS,
                };
                (EventKind::PinSet(pin), ADMIN.to_string())
            }
            (true, true, _) => (
                EventKind::PinUnlocked(PinUnlocked { person_id: who }),
                ADMIN.to_string(),
            ),
            (true, false, 0) => (EventKind::SignedIn(SignedIn::with_pin(&who, false)), who),
            (true, false, _) => {
                let failed = SignInFailed {
                    person_id: who.clone(),
                    method: SignInMethod::Pin,
                    reason: None,
                };
                (EventKind::SignInFailed(failed), who)
            }
        },
    )
}

/// One tablet: its chain, the events it holds in the order they reached it, and its view.
#[derive(Debug, Clone)]
pub struct Tablet {
    pub id: crate::event::DeviceId,
    /// Every event this tablet holds, in the order it recorded or received them.
    pub arrived: Vec<crate::event::Event>,
    pub view: Registers,
    seq: u64,
    hlc: crate::clock::Hlc,
    head: String,
    /// How many of the endpoint's events it has pulled, and how many of its own it pushed.
    pulled: usize,
    pushed: u64,
}

impl Tablet {
    fn new(id: &str) -> Self {
        Tablet {
            id: crate::event::DeviceId(id.into()),
            arrived: Vec::new(),
            view: Registers::default(),
            seq: 0,
            hlc: crate::clock::Hlc::default(),
            head: crate::event::GENESIS_HASH.into(),
            pulled: 0,
            pushed: 0,
        }
    }

    /// Records `kind` if this tablet's registers allow it (as the store would).
    pub fn record(&mut self, kind: EventKind, operator: &str, now: DateTime<Utc>) -> bool {
        if self.view.judge(&kind, operator, now).is_err() {
            return false;
        }
        self.seal(kind, operator, now);
        true
    }

    fn seal(&mut self, kind: EventKind, operator: &str, now: DateTime<Utc>) {
        self.seq += 1;
        self.hlc = self.hlc.tick(now.timestamp_millis());
        let event = crate::event::Event::seal(
            self.id.clone(),
            self.seq,
            self.hlc,
            operator.into(),
            kind,
            &self.head,
        );
        self.head = event.hash.clone();
        self.receive(event);
    }

    fn receive(&mut self, event: crate::event::Event) {
        self.view.apply(&event);
        self.arrived.push(event);
    }
}

/// Tablets that record acts, online or not, and sync through one endpoint that hands events
/// over in the order they were pushed (as the real one does).
#[derive(Debug, Clone)]
pub struct Town {
    pub tablets: Vec<Tablet>,
    /// The endpoint's log, in push order.
    pub endpoint: Vec<crate::event::Event>,
    pub now: DateTime<Utc>,
}

impl Town {
    /// `n` tablets, each seeded; the first sets the town up and every tablet syncs.
    pub fn new(n: usize) -> Town {
        let start = DateTime::from_timestamp_millis(1_764_000_000_000).expect("a valid time");
        let mut town = Town {
            tablets: (0..n)
                .map(|i| Tablet::new(&format!("tablet-{i}")))
                .collect(),
            endpoint: Vec::new(),
            now: start,
        };
        for tablet in &mut town.tablets {
            for kind in seeds() {
                tablet.seal(kind, "システム（初期設定）", start);
            }
        }
        for (kind, operator) in setup() {
            let recorded = town.tablets[0].record(kind.clone(), operator, start);
            assert!(recorded, "the town's setup is allowed: {kind:?}");
        }
        for i in 0..n {
            town.sync(i);
        }
        town
    }

    /// One step: a tablet syncs, or records a random act.
    pub fn step(&mut self, rng: &mut Rng) {
        self.now += Duration::minutes(1 + rng.below(7) as i64);
        let i = rng.below(self.tablets.len());
        if rng.chance(20) {
            return self.sync(i);
        }
        let now = self.now;
        let tablet = &mut self.tablets[i];
        if let Some((kind, operator)) = next_act(rng, &tablet.view, now) {
            tablet.record(kind, &operator, now);
        }
    }

    /// Tablet `i` pushes what it recorded since, then pulls the others' new events.
    pub fn sync(&mut self, i: usize) {
        let tablet = &mut self.tablets[i];
        let own = tablet.arrived.iter().filter(|e| e.device == tablet.id);
        let unsent: Vec<_> = own.filter(|e| e.seq > tablet.pushed).cloned().collect();
        tablet.pushed = tablet.seq;
        self.endpoint.extend(unsent);
        let news: Vec<_> = self.endpoint[tablet.pulled..]
            .iter()
            .filter(|e| e.device != tablet.id)
            .cloned()
            .collect();
        tablet.pulled = self.endpoint.len();
        for event in news {
            tablet.receive(event);
        }
    }

    /// Every tablet syncs until all hold every event.
    pub fn settle(&mut self) {
        for _ in 0..2 {
            for i in 0..self.tablets.len() {
                self.sync(i);
            }
        }
    }
}

/// An act drawn without looking whether the rules allow it (a key lent while out, an exit of
/// a line closed already, an entry without permission): for tests of refusals.
pub fn wild_act(rng: &mut Rng, view: &Registers, now: DateTime<Utc>) -> Option<EventKind> {
    let person = rng.pick(&[STAFF[0], STAFF[1], VISITOR, ADMIN])?.to_string();
    let lines: Vec<_> = view.lines();
    let loans: Vec<_> = view.loans().cloned().collect();
    let permits: Vec<_> = view.permits().cloned().collect();
    Some(match rng.below(5) {
        0 => {
            let room = rng.pick(&["default-level-1", "default-level-2", "default-level-3"])?;
            let entry =
                EntryRecorded::new(room, "誰か", "総務課", "点検", rng.chance(80), now).of(&person);
            EventKind::EntryRecorded(entry.escorted_by(rng.pick(&STAFF).copied()))
        }
        1 => EventKind::ExitRecorded(ExitRecorded {
            entry: rng.pick(&lines)?.id.clone(),
            exited_at: now,
        }),
        2 => EventKind::KeyLent(KeyLent {
            key_id: rng.pick(&KEYS)?.0.to_string(),
            person_id: person,
            purpose: "点検".into(),
            lent_at: now,
            due_back: now + Duration::hours(1),
            lent_by: ADMIN.into(),
        }),
        3 => EventKind::KeyReturned(KeyReturned {
            loan: rng.pick(&loans)?.id.clone(),
            returned_at: now,
            received_by: ADMIN.into(),
        }),
        _ => EventKind::PermitRevoked(PermitRevoked {
            permit: rng.pick(&permits)?.id.clone(),
            at: now,
            reason: "異動".into(),
            revoked_by: ADMIN.into(),
        }),
    })
}
