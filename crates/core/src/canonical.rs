//! An event as it travels: accepted only in its canonical form. The hash covers the event's
//! canonical JSON (its fields as `Event` writes them), so anything a sender adds beyond that —
//! an unknown field, a `null` for a field left out, a field the canonical form has and the
//! sender left out — is either not covered by the hash or breaks it. Such an event is refused
//! rather than silently trimmed: what is stored is always exactly what was sealed.
//!
//! `#[serde(deny_unknown_fields)]` cannot say this: serde does not support it beside the
//! `#[serde(flatten)]` that puts `kind` and `payload` at the event's top level, and it would
//! miss the `null`s. So the received JSON text is compared with the event's own serialisation:
//! as text first (the endpoint and the browser's store write exactly that), and only where the
//! texts differ as values (key order and string escapes aside, which the hash's bytes fix
//! anyway). Each event is read from its own text, as stored records are: the wasm holds one
//! reader and one writer of every event type, not a second pair for `serde_json::Value`.

use crate::event::Event;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;

impl Event {
    /// The event `json` holds, if `json` is exactly its canonical form (as text, or as a value
    /// where only key order, escapes or spaces differ), else where it differs:
    /// `unknown field payload.note`.
    pub fn from_exact_json(json: &str) -> Result<Event, String> {
        let event: Event = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let canonical = serde_json::to_string(&event).map_err(|e| e.to_string())?;
        if canonical == json {
            return Ok(event);
        }
        let sent: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let canonical: Value = serde_json::from_str(&canonical).map_err(|e| e.to_string())?;
        match first_difference(&sent, &canonical, "") {
            Some(difference) => Err(difference),
            None => Ok(event),
        }
    }
}

/// Where `sent` first differs from `canonical`, as a dotted path; `None` when they agree.
fn first_difference(sent: &Value, canonical: &Value, at: &str) -> Option<String> {
    let path = |key: &str| match at {
        "" => key.to_string(),
        _ => format!("{at}.{key}"),
    };
    match (sent, canonical) {
        (Value::Object(sent), Value::Object(canonical)) => {
            if let Some(key) = sent.keys().find(|k| !canonical.contains_key(*k)) {
                return Some(format!(
                    "unknown field {} (not part of the canonical event; an empty optional field is left out, not null)",
                    path(key)
                ));
            }
            if let Some(key) = canonical.keys().find(|k| !sent.contains_key(*k)) {
                return Some(format!("missing field {}", path(key)));
            }
            sent.iter()
                .find_map(|(key, value)| first_difference(value, &canonical[key], &path(key)))
        }
        (Value::Array(sent), Value::Array(canonical)) if sent.len() == canonical.len() => sent
            .iter()
            .zip(canonical)
            .enumerate()
            .find_map(|(i, (s, c))| first_difference(s, c, &path(&i.to_string()))),
        _ if sent == canonical => None,
        _ => Some(format!("{at} is {sent}, canonically {canonical}")),
    }
}

/// `#[serde(deserialize_with)]` for a list of events received (a push, a pulled page): each
/// in its canonical form, or the list is refused naming the first that is not.
pub fn exact_events<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Event>, D::Error> {
    Vec::<Box<RawValue>>::deserialize(d)?
        .iter()
        .enumerate()
        .map(|(i, json)| {
            Event::from_exact_json(json.get())
                .map_err(|e| D::Error::custom(format!("events[{i}]: {e}")))
        })
        .collect()
}

/// `#[serde(deserialize_with)]` for one event received (an archive's event line). Read as a
/// value, not its text: the line's tagged enum hands its fields over buffered, where no
/// `RawValue` can be read (the value's text then differs in key order, and is compared as
/// values).
pub fn exact_event<'de, D: Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
    Event::from_exact_json(&Value::deserialize(d)?.to_string()).map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{DeviceId, EventKind, GENESIS_HASH};
    use crate::room::{RoomDefined, SecurityLevel};
    use crate::Hlc;
    use serde_json::json;
    use sha2::{Digest, Sha256};

    /// docs/protocol.md's worked example: the first two events of `tablet-a`.
    fn example() -> [Event; 2] {
        let room = |seq: u64, name: &str, prev: &str| {
            Event::seal(
                DeviceId("tablet-a".into()),
                seq,
                Hlc {
                    wall_ms: 1_790_000_000_000 + seq as i64,
                    counter: 0,
                },
                "山田 太郎".into(),
                EventKind::RoomDefined(RoomDefined {
                    id: "room-1".into(),
                    name: name.into(),
                    place: "本庁舎 \"2F\"".into(),
                    level: SecurityLevel::Two,
                    is_default: false,
                }),
                prev,
            )
        };
        let first = room(1, "電算室", GENESIS_HASH);
        let second = room(2, "電算室（改）", &first.hash);
        [first, second]
    }

    #[test]
    fn the_worked_example_is_what_the_code_hashes() {
        let [first, second] = example();
        let canonical = r#"{"device":"tablet-a","seq":2,"hlc":{"wall_ms":1790000000002,"counter":0},"operator":"山田 太郎","kind":"room_defined","payload":{"id":"room-1","name":"電算室（改）","place":"本庁舎 \"2F\"","level":2,"is_default":false},"prev_hash":"PREV"}"#
            .replace("PREV", &first.hash);
        // The hash: SHA-256 over the 32 bytes prev_hash names, then the canonical JSON.
        let mut hasher = Sha256::new();
        hasher.update(hex::decode(&first.hash).unwrap());
        hasher.update(canonical.as_bytes());
        assert_eq!(second.hash, hex::encode(hasher.finalize()));
        assert_eq!(
            first.hash,
            "e0e65cb34fd40a2691a1e2deaf2df4ee0709d2444dca4c414920b3414d739220"
        );
        assert_eq!(
            second.hash,
            "4d4bbe68c17205d4e2219e94d8a93fdd14e2fab3babdcda10e1076f20e2e56d3"
        );
        // The first event follows the genesis hash: 32 zero bytes.
        let first_canonical = r#"{"device":"tablet-a","seq":1,"hlc":{"wall_ms":1790000000001,"counter":0},"operator":"山田 太郎","kind":"room_defined","payload":{"id":"room-1","name":"電算室","place":"本庁舎 \"2F\"","level":2,"is_default":false},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000"}"#;
        let first_bytes = [&[0u8; 32][..], first_canonical.as_bytes()].concat();
        assert_eq!(first.hash, hex::encode(Sha256::digest(first_bytes)));
        // Their leaves, and the root of the log of the two (the checkpoint's root, base64).
        let leaves = [first.leaf_hash(), second.leaf_hash()];
        assert_eq!(
            hex::encode(leaves[0]),
            "f3bf93fda180c80d1a63fd8f339d872f5790d673e34813cb268daad222ddac9f"
        );
        assert_eq!(
            hex::encode(leaves[1]),
            "ae3478a6e36a6acbbb3244f755091485f391d1ed0f76175e0dec2c9db13fcab8"
        );
        use base64::Engine;
        let root = base64::engine::general_purpose::STANDARD.encode(crate::merkle::root(&leaves));
        assert_eq!(root, "ncn6hhP/WbLkDrz6MdHAawSl89CxdQ0Jksf+Wtvq8JY=");
        // As sent: the canonical JSON with `hash` last.
        let sent = serde_json::to_string(&second).unwrap();
        assert_eq!(
            sent,
            format!(
                "{},\"hash\":\"{}\"}}",
                &canonical[..canonical.len() - 1],
                second.hash
            )
        );
    }

    #[test]
    fn an_event_in_its_canonical_form_reads_whatever_its_key_order() {
        let [first, _] = example();
        let json = serde_json::to_string(&first).unwrap();
        assert_eq!(Event::from_exact_json(&json), Ok(first.clone()));
        // Key order, escapes and spaces are the hash's business, not the reader's.
        let reordered = serde_json::to_string(&serde_json::to_value(&first).unwrap())
            .unwrap()
            .replace("電", "\\u96fb")
            .replace(",", ", ");
        assert_ne!(reordered, json);
        assert_eq!(Event::from_exact_json(&reordered), Ok(first));
    }

    /// Each way a received event can differ from what was sealed, and what it is told.
    #[test]
    fn anything_beside_the_canonical_form_is_refused_and_named() {
        let [first, _] = example();
        let json = serde_json::to_value(&first).unwrap();
        // (the object, by JSON pointer; its member; the member's new value, or none to remove
        // it; what the refusal says)
        let cases = [
            ("", "signature", Some(json!("x")), "unknown field signature"),
            (
                "/payload",
                "note",
                Some(json!("x")),
                "unknown field payload.note",
            ),
            ("/hlc", "drift", Some(json!(0)), "unknown field hlc.drift"),
            ("", "seq", Some(json!(1.0)), "invalid type: floating point"),
            ("", "seq", Some(json!("1")), "invalid type: string"),
            ("/payload", "is_default", None, "missing field"),
        ];
        for (object, member, value, want) in cases {
            let mut changed = json.clone();
            let object = changed
                .pointer_mut(object)
                .unwrap()
                .as_object_mut()
                .unwrap();
            match value {
                Some(value) => object.insert(member.into(), value),
                None => object.remove(member),
            };
            let refused = Event::from_exact_json(&changed.to_string()).unwrap_err();
            assert!(refused.contains(want), "{refused} (wanted {want})");
        }
        // A field canonically left out (empty optional) may not be sent as null.
        let mut entry = json.clone();
        entry["kind"] = json!("entry_recorded");
        entry["payload"] = json!({
            "room_id": "room-1", "person_id": "p", "person": {"name": "n", "affiliation": "a"},
            "escort_id": null, "purpose": "p", "name_tag_worn": true, "entered_at": 0,
        });
        let refused = Event::from_exact_json(&entry.to_string()).unwrap_err();
        assert!(
            refused.contains("unknown field payload.escort_id"),
            "{refused}"
        );
    }

    #[test]
    fn a_field_sent_twice_is_refused_even_when_one_copy_is_canonical() {
        let [first, _] = example();
        let json = serde_json::to_string(&first).unwrap();
        let twice = json.replacen("{", "{\"operator\":\"別人\",", 1);
        let refused = Event::from_exact_json(&twice).unwrap_err();
        assert!(refused.contains("duplicate field `operator`"), "{refused}");
    }

    #[test]
    fn a_push_or_a_page_with_one_inexact_event_is_refused_naming_it() {
        let [first, second] = example();
        let mut body = json!({ "events": [first, second] });
        assert!(serde_json::from_value::<crate::api::PushRequest>(body.clone()).is_ok());
        let mut beside = body.clone();
        beside["batch"] = json!(1);
        assert!(serde_json::from_value::<crate::api::PushRequest>(beside).is_err());
        body["events"][1]["extra"] = json!(true);
        let refused = serde_json::from_value::<crate::api::PushRequest>(body.clone()).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("events[1]: unknown field extra"),
            "{refused}"
        );
        body["cursor"] = json!(2);
        body["done"] = json!(true);
        assert!(serde_json::from_value::<crate::api::PullResponse>(body).is_err());
    }
}
