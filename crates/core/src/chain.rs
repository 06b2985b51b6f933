//! Whether a batch of a device's events continues what is stored of its chain (the check the
//! shared endpoint makes before storing a pushed batch, and a device before applying a pulled
//! one): contiguous `seq`, each `prev_hash` the hash before it, each hash its content's.
//!
//! The same batch sent again is recognised (idempotent); a different event for a `seq` already
//! stored is a fork — two histories for one device — and is refused as a security exception.

use crate::api::ApiCode;
use crate::event::{DeviceId, Event, GENESIS_HASH};
use crate::sync_limits::{
    has_unstorable_char, kind_has_unstorable_char, EARLIEST_EVENT_MS, MAX_CLOCK_AHEAD_MS,
    MAX_HLC_COUNTER,
};
use serde::{Deserialize, Serialize};

/// What is stored of one device's chain: every event of it, by `seq`, contiguous from 1.
pub trait StoredChain {
    /// The stored event of the device at `seq`, if any.
    fn at(&self, seq: u64) -> Option<&Event>;
    /// The highest stored `seq` (0 when nothing is stored).
    fn head_seq(&self) -> u64;
}

impl StoredChain for [Event] {
    fn at(&self, seq: u64) -> Option<&Event> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.get(index).filter(|e| e.seq == seq)
    }

    fn head_seq(&self) -> u64 {
        self.last().map_or(0, |e| e.seq)
    }
}

/// Why a batch does not continue the chain. Stable codes for the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ChainRefusal {
    /// A batch names one device; this event names another.
    WrongDevice { seq: u64 },
    /// The batch's seqs are not consecutive.
    NotContiguous { seq: u64 },
    /// The batch starts after the stored head: events in between are missing.
    Gap { expected: u64, got: u64 },
    /// The event's hash does not match its content (altered in transit or at rest).
    BadHash { seq: u64 },
    /// The event does not link to the hash before it.
    BrokenLink { seq: u64 },
    /// A different event for a seq already stored: two histories for one device.
    Fork { seq: u64 },
    /// A `seq` below 1: every chain starts at 1.
    BadSeq { seq: u64 },
    /// The event's clock is later than the receiver's clock plus the allowed skew, earlier
    /// than any device recorded, or its counter beyond the bound (`sync_limits`).
    EventClock { seq: u64, wall_ms: i64 },
    /// A text of the event holds a NUL character (`sync_limits::has_unstorable_char`).
    BadText { seq: u64 },
}

impl ChainRefusal {
    /// The message in the reader's language (`lang`).
    pub fn message(&self) -> String {
        crate::lang::pick(|| self.message_ja(), || self.message_en())
    }

    /// The message in Japanese, whatever the reader's language (the endpoint sends both).
    pub fn message_ja(&self) -> String {
        // ja-only-begin: the Japanese of message_en beside it
        match self {
            ChainRefusal::WrongDevice { seq } => {
                format!("一つの送信に別の端末の記録が含まれています（{seq}番）。")
            }
            ChainRefusal::NotContiguous { seq } => {
                format!("記録の番号が連続していません（{seq}番）。")
            }
            ChainRefusal::Gap { expected, got } => format!(
                "{expected}番からの記録が届いていません（{got}番から送られました）。"
            ),
            ChainRefusal::BadHash { seq } => {
                format!("{seq}番の記録の内容がハッシュと一致しません（改ざんまたは破損）。")
            }
            ChainRefusal::BrokenLink { seq } => {
                format!("{seq}番の記録が直前の記録とつながっていません。")
            }
            ChainRefusal::Fork { seq } => format!(
                "{seq}番にすでに別の記録があります。同じ端末に二つの履歴があり、セキュリティ上の例外として記録します。"
            ),
            ChainRefusal::BadSeq { seq } => {
                format!("記録の番号は1から始まります（{seq}番が送られました）。")
            }
            ChainRefusal::EventClock { seq, wall_ms } => format!(
                "{seq}番の記録の時刻（{wall_ms}）が受け取った側の時計より{}分以上先か、ありえない値です。端末の時刻を確かめてください。",
                MAX_CLOCK_AHEAD_MS / 60_000
            ),
            ChainRefusal::BadText { seq } => {
                format!("{seq}番の記録に使えない制御文字（NUL）が含まれています。")
            }
        }
        // ja-only-end
    }
}

impl ChainRefusal {
    pub fn message_en(&self) -> String {
        match self {
            ChainRefusal::WrongDevice { seq } => {
                format!("One batch contains another device's event (event {seq}).")
            }
            ChainRefusal::NotContiguous { seq } => {
                format!("The events' numbers are not consecutive (event {seq}).")
            }
            ChainRefusal::Gap { expected, got } => format!(
                "The events from {expected} have not arrived (the batch starts at {got})."
            ),
            ChainRefusal::BadHash { seq } => format!(
                "Event {seq}'s content does not match its hash (altered or damaged)."
            ),
            ChainRefusal::BrokenLink { seq } => {
                format!("Event {seq} does not link to the event before it.")
            }
            ChainRefusal::Fork { seq } => format!(
                "There is already another event {seq}: one device has two histories, recorded as a security exception."
            ),
            ChainRefusal::BadSeq { seq } => {
                format!("Event numbers start at 1 (event {seq} was sent).")
            }
            ChainRefusal::EventClock { seq, wall_ms } => format!(
                "Event {seq}'s time ({wall_ms}) is {} minutes or more ahead of the receiver's clock, or impossible: check the device's time.",
                MAX_CLOCK_AHEAD_MS / 60_000
            ),
            ChainRefusal::BadText { seq } => {
                format!("Event {seq} contains a control character (NUL) that cannot be used.")
            }
        }
    }

    /// The code the endpoint refuses the batch with (`fork`, `gap`, …).
    pub fn code(&self) -> ApiCode {
        match self {
            ChainRefusal::WrongDevice { .. } => ApiCode::WrongDevice,
            ChainRefusal::NotContiguous { .. } => ApiCode::NotContiguous,
            ChainRefusal::Gap { .. } => ApiCode::Gap,
            ChainRefusal::BadHash { .. } => ApiCode::BadHash,
            ChainRefusal::BrokenLink { .. } => ApiCode::BrokenLink,
            ChainRefusal::Fork { .. } => ApiCode::Fork,
            ChainRefusal::BadSeq { .. } => ApiCode::BadSeq,
            ChainRefusal::EventClock { .. } => ApiCode::EventClock,
            ChainRefusal::BadText { .. } => ApiCode::BadText,
        }
    }
}

/// What to do with a batch that continues the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    /// How many leading events of the batch are stored already (sent before).
    pub already_stored: usize,
}

impl Continuation {
    /// The events of `batch` still to store.
    pub fn new_events<'a>(&self, batch: &'a [Event]) -> &'a [Event] {
        &batch[self.already_stored..]
    }
}

/// Checks that `batch` (one device's events, ascending) continues `stored`.
pub fn check_continuation(
    stored: &(impl StoredChain + ?Sized),
    batch: &[Event],
) -> Result<Continuation, ChainRefusal> {
    let Some(first) = batch.first() else {
        return Ok(Continuation { already_stored: 0 });
    };
    check_shape(&first.device, batch)?;
    // Saturating: a stored head or a pushed seq of u64::MAX must not overflow (fuzz: chain).
    let next = stored.head_seq().saturating_add(1);
    if first.seq > next {
        return Err(ChainRefusal::Gap {
            expected: next,
            got: first.seq,
        });
    }
    let mut already_stored = 0;
    let mut prev_hash = previous_hash(stored, first.seq)?;
    for (i, event) in batch.iter().enumerate() {
        if let Some(existing) = stored.at(event.seq) {
            // Stored after one that is not: the stored chain has a hole (fuzz: chain). Were
            // it counted as already stored, `new_events` would skip the wrong events.
            if existing != event || already_stored != i {
                return Err(ChainRefusal::Fork { seq: event.seq });
            }
            already_stored += 1;
        } else if event.prev_hash != prev_hash {
            return Err(ChainRefusal::BrokenLink { seq: event.seq });
        }
        prev_hash = event.hash.clone();
    }
    Ok(Continuation { already_stored })
}

/// One device, consecutive seqs, every hash its content's.
fn check_shape(device: &DeviceId, batch: &[Event]) -> Result<(), ChainRefusal> {
    for (i, event) in batch.iter().enumerate() {
        if &event.device != device {
            return Err(ChainRefusal::WrongDevice { seq: event.seq });
        }
        if event.seq == 0 {
            return Err(ChainRefusal::BadSeq { seq: 0 });
        }
        if i > 0 && Some(event.seq) != batch[i - 1].seq.checked_add(1) {
            return Err(ChainRefusal::NotContiguous { seq: event.seq });
        }
        if !event.hash_is_valid() {
            return Err(ChainRefusal::BadHash { seq: event.seq });
        }
    }
    Ok(())
}

/// What a receiver checks of each event on its own, before its chain (the endpoint on a push,
/// a device on a pull), each with its code: `seq` from 1, hashes of 64 lowercase hex digits
/// and the content's, no NUL in any text, and a clock neither before `EARLIEST_EVENT_MS` nor
/// more than `MAX_CLOCK_AHEAD_MS` after `now_ms`, its counter within `MAX_HLC_COUNTER`.
pub fn check_event(event: &Event, now_ms: i64) -> Result<(), ChainRefusal> {
    let seq = event.seq;
    // The endpoint keeps seq as a signed 64-bit integer.
    if seq == 0 || i64::try_from(seq).is_err() {
        return Err(ChainRefusal::BadSeq { seq });
    }
    if !is_hash_form(&event.hash) || !is_hash_form(&event.prev_hash) || !event.hash_is_valid() {
        return Err(ChainRefusal::BadHash { seq });
    }
    if !clock_is_plausible(event, now_ms) {
        let wall_ms = event.hlc.wall_ms;
        return Err(ChainRefusal::EventClock { seq, wall_ms });
    }
    if has_unstorable_text(event) {
        return Err(ChainRefusal::BadText { seq });
    }
    Ok(())
}

/// 64 lowercase hex digits: the only form `Event::computed_hash` writes.
fn is_hash_form(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn clock_is_plausible(event: &Event, now_ms: i64) -> bool {
    let latest = now_ms.saturating_add(MAX_CLOCK_AHEAD_MS);
    (EARLIEST_EVENT_MS..=latest).contains(&event.hlc.wall_ms)
        && event.hlc.counter <= MAX_HLC_COUNTER
}

fn has_unstorable_text(event: &Event) -> bool {
    has_unstorable_char(&event.device.0)
        || has_unstorable_char(&event.operator)
        || kind_has_unstorable_char(&event.kind)
}

/// The hash the event at `seq` must link to: the stored one before it, or genesis.
fn previous_hash(stored: &(impl StoredChain + ?Sized), seq: u64) -> Result<String, ChainRefusal> {
    if seq <= 1 {
        return Ok(GENESIS_HASH.to_string());
    }
    stored
        .at(seq - 1)
        .map(|e| e.hash.clone())
        .ok_or(ChainRefusal::Gap {
            expected: stored.head_seq().saturating_add(1),
            got: seq,
        })
}

/// Walks stored events in `(device, seq)` order — the order of a device's event store — as a
/// device or an auditor re-checks what it holds, and names the first event whose hash, seq or
/// link to the one before is wrong (a byte changed at rest breaks its hash).
#[derive(Debug, Default)]
pub struct ChainWalk {
    last: Option<(DeviceId, u64, String)>,
    pub events: u64,
    pub devices: u64,
}

impl ChainWalk {
    pub fn next(&mut self, event: &Event) -> Result<(), ChainRefusal> {
        let (expected_seq, expected_prev) = match &self.last {
            Some((device, seq, hash)) if *device == event.device => (seq + 1, hash.clone()),
            _ => (1, GENESIS_HASH.to_string()),
        };
        if !event.hash_is_valid() {
            return Err(ChainRefusal::BadHash { seq: event.seq });
        }
        if event.seq != expected_seq {
            let (expected, got) = (expected_seq, event.seq);
            return Err(ChainRefusal::Gap { expected, got });
        }
        if event.prev_hash != expected_prev {
            return Err(ChainRefusal::BrokenLink { seq: event.seq });
        }
        if expected_seq == 1 {
            self.devices += 1;
        }
        self.events += 1;
        self.last = Some((event.device.clone(), event.seq, event.hash.clone()));
        Ok(())
    }
}

/// A chain of `n` events of `device` (sealed as `operator`'s), each naming a room called
/// `label` + its seq: for tests here and, with the `test-support` feature, the endpoint's.
#[cfg(any(test, feature = "test-support"))]
pub fn test_chain(device: &str, n: u64, label: &str, operator: &str) -> Vec<Event> {
    use crate::{room::default_rooms, EventKind, Hlc};
    let mut events: Vec<Event> = Vec::new();
    for seq in 1..=n {
        let prev = events
            .last()
            .map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
        let mut room = default_rooms().remove(0);
        room.name = format!("{label}{seq}");
        let hlc = Hlc {
            wall_ms: 1_790_000_000_000 + seq as i64,
            counter: 0,
        };
        let kind = EventKind::RoomDefined(room);
        let device = DeviceId(device.into());
        events.push(Event::seal(device, seq, hlc, operator.into(), kind, &prev));
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(device: &str, n: u64, label: &str) -> Vec<Event> {
        test_chain(device, n, label, "op")
    }

    #[test]
    fn a_batch_continuing_the_head_is_new_and_the_same_batch_again_is_stored_once() {
        let all = chain("a", 5, "室");
        let stored = &all[..2];
        let ok = check_continuation(stored, &all[2..]).unwrap();
        assert_eq!(ok.new_events(&all[2..]).len(), 3);
        // Sent again after it was stored: nothing new, no refusal.
        let again = check_continuation(&all[..], &all[2..]).unwrap();
        assert!(again.new_events(&all[2..]).is_empty());
        // Overlapping: the stored part is recognised, the rest is new.
        let overlap = check_continuation(&all[..3], &all[1..]).unwrap();
        assert_eq!(overlap.already_stored, 2);
        assert_eq!(overlap.new_events(&all[1..]).len(), 2);
    }

    /// Each way a batch can fail to continue the chain, with its stable code.
    #[test]
    fn every_break_of_the_chain_is_refused_with_its_code() {
        let all = chain("a", 5, "室");
        let other = chain("b", 5, "室");
        let forked = chain("a", 5, "別の室");
        let mut altered = all[3].clone();
        altered.operator = "someone else".into();
        let mut relinked = all.clone();
        relinked[3] = Event::seal(
            all[3].device.clone(),
            4,
            all[3].hlc,
            "op".into(),
            all[3].kind.clone(),
            GENESIS_HASH,
        );
        let cases: Vec<(&str, &[Event], Vec<Event>, ChainRefusal)> = vec![
            (
                "gap",
                &all[..2],
                all[3..].to_vec(),
                ChainRefusal::Gap {
                    expected: 3,
                    got: 4,
                },
            ),
            (
                "two devices",
                &all[..2],
                vec![all[2].clone(), other[3].clone()],
                ChainRefusal::WrongDevice { seq: 4 },
            ),
            (
                "not contiguous",
                &all[..2],
                vec![all[2].clone(), all[4].clone()],
                ChainRefusal::NotContiguous { seq: 5 },
            ),
            (
                "altered",
                &all[..3],
                vec![altered],
                ChainRefusal::BadHash { seq: 4 },
            ),
            (
                "broken link",
                &all[..3],
                relinked[3..].to_vec(),
                ChainRefusal::BrokenLink { seq: 4 },
            ),
            (
                "fork",
                &all[..3],
                forked[2..].to_vec(),
                ChainRefusal::Fork { seq: 3 },
            ),
        ];
        for (what, stored, batch, want) in cases {
            assert_eq!(
                check_continuation(stored, &batch),
                Err(want.clone()),
                "{what}"
            );
            assert!(!want.message_ja().is_empty() && !want.message_en().is_empty());
        }
    }

    /// `seq 0` linked to genesis would pass every other check: refused for a new device and
    /// for one whose chain holds 1..3 (stored, it would break every later `verify`).
    #[test]
    fn seq_zero_is_refused_whatever_is_stored() {
        let all = chain("a", 3, "室");
        let zero = |prev: &str| {
            let e = &all[0];
            Event::seal(
                e.device.clone(),
                0,
                e.hlc,
                "op".into(),
                e.kind.clone(),
                prev,
            )
        };
        let empty: &[Event] = &[];
        let refused = Err(ChainRefusal::BadSeq { seq: 0 });
        assert_eq!(check_continuation(empty, &[zero(GENESIS_HASH)]), refused);
        let then_one = [zero(GENESIS_HASH), all[0].clone()];
        assert_eq!(check_continuation(empty, &then_one), refused);
        assert_eq!(check_continuation(&all[..], &[zero(GENESIS_HASH)]), refused);
        assert_eq!(
            check_event(&zero(GENESIS_HASH), NOW),
            Err(ChainRefusal::BadSeq { seq: 0 })
        );
        assert_eq!(ChainRefusal::BadSeq { seq: 0 }.code(), ApiCode::BadSeq);
    }

    const NOW: i64 = 1_790_000_000_000;

    /// Each way an event is refused on its own, on push and on pull alike, with its code.
    #[test]
    fn an_event_is_checked_on_its_own_before_its_chain() {
        let base = chain("a", 1, "室").remove(0);
        assert_eq!(check_event(&base, NOW), Ok(()));
        let resealed = |f: &dyn Fn(&mut Event)| {
            let mut e = base.clone();
            f(&mut e);
            Event::seal(e.device, e.seq, e.hlc, e.operator, e.kind, &e.prev_hash)
        };
        let clock = |wall_ms: i64, counter: u32| {
            resealed(&|e: &mut Event| e.hlc = crate::Hlc { wall_ms, counter })
        };
        let ahead = NOW + MAX_CLOCK_AHEAD_MS;
        assert_eq!(check_event(&clock(ahead, 0), NOW), Ok(()));
        for (wall_ms, counter) in [
            (ahead + 1, 0),
            (i64::MAX, 0),
            (i64::MIN, 0),
            (EARLIEST_EVENT_MS - 1, 0),
            (NOW, MAX_HLC_COUNTER + 1),
            (NOW, u32::MAX),
        ] {
            let refused = check_event(&clock(wall_ms, counter), NOW);
            assert_eq!(
                refused,
                Err(ChainRefusal::EventClock { seq: 1, wall_ms }),
                "{wall_ms} {counter}"
            );
        }
        // Checked arithmetic: a receiver at the end of time does not overflow.
        assert_eq!(check_event(&clock(NOW, 0), i64::MAX), Ok(()));

        let nul = resealed(&|e: &mut Event| e.operator = "kan\0ri".into());
        assert_eq!(
            check_event(&nul, NOW),
            Err(ChainRefusal::BadText { seq: 1 })
        );
        let nul_device = resealed(&|e: &mut Event| e.device = DeviceId("a\0".into()));
        assert_eq!(
            check_event(&nul_device, NOW),
            Err(ChainRefusal::BadText { seq: 1 })
        );

        // A prev_hash that is not hex would hash as no bytes at all: refused, not read so.
        let not_hex = resealed(&|e: &mut Event| e.prev_hash = "zz".repeat(32));
        assert_eq!(
            check_event(&not_hex, NOW),
            Err(ChainRefusal::BadHash { seq: 1 })
        );
        let upper = resealed(&|e: &mut Event| e.prev_hash = "A".repeat(64));
        assert_eq!(
            check_event(&upper, NOW),
            Err(ChainRefusal::BadHash { seq: 1 })
        );
        let mut altered = base.clone();
        altered.operator.push('x');
        assert_eq!(
            check_event(&altered, NOW),
            Err(ChainRefusal::BadHash { seq: 1 })
        );
        let huge = resealed(&|e: &mut Event| e.seq = u64::MAX);
        assert_eq!(
            check_event(&huge, NOW),
            Err(ChainRefusal::BadSeq { seq: u64::MAX })
        );
    }

    #[test]
    fn a_first_batch_starts_from_genesis() {
        let all = chain("a", 3, "室");
        let empty: &[Event] = &[];
        assert_eq!(check_continuation(empty, &all).unwrap().already_stored, 0);
        let refused = check_continuation(empty, &all[1..]);
        assert_eq!(
            refused,
            Err(ChainRefusal::Gap {
                expected: 1,
                got: 2
            })
        );
    }

    #[test]
    fn a_walk_names_the_first_changed_missing_or_relinked_event() {
        let a = chain("a", 3, "r");
        let b = chain("b", 2, "r");
        let all: Vec<Event> = a.iter().chain(b.iter()).cloned().collect();
        let mut walk = ChainWalk::default();
        for e in &all {
            walk.next(e).unwrap();
        }
        assert_eq!((walk.events, walk.devices), (5, 2));

        let walk_all = |events: &[Event]| {
            let mut walk = ChainWalk::default();
            events
                .iter()
                .try_for_each(|e| walk.next(e).map_err(|r| (e.id(), r)))
        };
        let mut changed = all.clone();
        changed[1].operator.push('x');
        let bad = walk_all(&changed).unwrap_err();
        assert_eq!(bad.0.to_string(), "a:2");
        assert_eq!(bad.1, ChainRefusal::BadHash { seq: 2 });
        let mut missing = all.clone();
        missing.remove(1);
        assert_eq!(
            walk_all(&missing).unwrap_err().1,
            ChainRefusal::Gap {
                expected: 2,
                got: 3
            }
        );
        let mut relinked = all.clone();
        relinked[4] = Event::seal(
            relinked[4].device.clone(),
            2,
            relinked[4].hlc,
            relinked[4].operator.clone(),
            relinked[4].kind.clone(),
            &"f".repeat(64),
        );
        assert_eq!(
            walk_all(&relinked).unwrap_err().1,
            ChainRefusal::BrokenLink { seq: 2 }
        );
    }
}
