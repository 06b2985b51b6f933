//! The JSON Schemas of the API's bodies, generated from these types by `schemars` (the
//! `schema` feature, for the server's openapi.json; off in the browser's build). Beside what
//! serde's attributes say, each object schema gets what the canonical form needs
//! (docs/protocol.md): `x-canonical-order`, the order its members are written in (JSON
//! Schema's `properties` is a map and keeps none), and no `null` for a member left out.

use crate::api::{
    ConsistencyProof, EnrollRequest, Enrolled, Health, LogKey, PullResponse, PushOutcome,
    PushRequest,
};
use crate::Event;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value};

/// The JSON Schema of every body of the API, keyed by name as openapi.json's
/// `components/schemas` holds them (generated from these types; crates/server's protocol test
/// holds the document to them). `Refusal` is written by hand there, beside them.
pub fn schemas() -> Map<String, Value> {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    // What is written: an event is accepted only as its own serialisation (`canonical`).
    settings.contract = schemars::generate::Contract::Serialize;
    let mut generator = settings.into_generator();
    generator.subschema_for::<Event>();
    generator.subschema_for::<PushRequest>();
    generator.subschema_for::<PushOutcome>();
    generator.subschema_for::<PullResponse>();
    generator.subschema_for::<EnrollRequest>();
    generator.subschema_for::<Enrolled>();
    generator.subschema_for::<LogKey>();
    generator.subschema_for::<ConsistencyProof>();
    generator.subschema_for::<Health>();
    let mut schemas = generator.take_definitions(true);
    let orders = canonical_orders();
    for (name, schema) in schemas.iter_mut() {
        let read_leniently = ANSWERS.contains(&name.as_str());
        canonical_only(schema, !read_leniently);
        if schema.get("properties").is_some() {
            let order = orders.iter().find(|(n, _)| n == name);
            let (_, order) = order.unwrap_or_else(|| panic!("{name}: add it to ORDERED"));
            schema["x-canonical-order"] = order.iter().map(|f| Value::from(*f)).collect();
        }
    }
    schemas
}

/// What a struct with a `#[serde(flatten)]` member writes, in order, `*` where the flattened
/// member's own members go (tag first): serde reads such a struct as a map, naming no fields.
/// `the_flattened_orders_are_what_serde_writes` holds these to the serialisation.
const FLATTENED: [(&str, &[&str]); 3] = [
    (
        "Event",
        &["device", "seq", "hlc", "operator", "*", "prev_hash", "hash"],
    ),
    ("CorrectionRecorded", &["target", "*", "reason"]),
    (
        "IdLedgerRecorded",
        &[
            "ledger",
            "id",
            "person_id",
            "kind_id",
            "*",
            "on",
            "approved_by",
        ],
    ),
];

/// Every struct of the API's bodies, `(schema name, its fields in declaration order)`: the
/// order serde writes them in.
fn canonical_orders() -> Vec<(String, Vec<&'static str>)> {
    macro_rules! ordered {
        ($($t:ty),* $(,)?) => {
            vec![$((<$t as schemars::JsonSchema>::schema_name().to_string(), fields::<$t>())),*]
        };
    }
    use crate::*;
    let mut orders = ordered![
        PushRequest,
        PushOutcome,
        PullResponse,
        EnrollRequest,
        Enrolled,
        LogKey,
        ConsistencyProof,
        Health,
        clock::Hlc,
        entry_log::Person,
        entry_log::EntryRecorded,
        entry_log::ExitRecorded,
        meetings::AgendaItem,
        meetings::Consultation,
        meetings::Explainer,
        meetings::MeetingHeld,
        meetings::OpinionReceived,
        webauthn::Assertion,
        webauthn::PasskeyCredential,
        assets::AssetRegistered,
        assets::HandlerDesignated,
        assets::MeasureRecorded,
        id_ledger::CollationInfoRecorded,
        id_ledger::OperatorIdKindDefined,
        history::DeviceEnrolled,
        history::DeviceRevoked,
        history::Exported,
        history::Printed,
        history::Synced,
        equipment::EquipmentRegistered,
        instructions::FollowUpReported,
        instructions::InstructionClosed,
        instructions::InstructionIssued,
        reports::ReportSubmitted,
        reports::ReportReviewed,
        reports::InvestigationConcluded,
        reports::ReportCycleSet,
        rule_breaks::BreakHandled,
        key_log::KeyDefined,
        key_log::KeyLent,
        key_log::KeyReturned,
        key_log::KeyLoanVoided,
        room_permit::PermissionGranted,
        room_permit::PermitRevoked,
        room_permit::VisitPermitGranted,
        entry_measures::EntryMeasureSet,
        people::PersonDefined,
        sign_in::PinSet,
        sign_in::PinUnlocked,
        sign_in::SignInFailed,
        sign_in::SignedIn,
        sign_in::SignedOut,
        organisation::Position,
        organisation::RoleAssigned,
        organisation::TenureRecorded,
        reports::ReportFigures,
        reports::Investigation,
        room::RoomDefined,
    ];
    for (name, order) in FLATTENED {
        orders.push((name.to_string(), order.to_vec()));
    }
    orders
}

/// The fields of struct `T` in declaration order, as its derived `Deserialize` names them
/// (empty for what is not a plain struct).
fn fields<T: DeserializeOwned>() -> Vec<&'static str> {
    let mut names = FieldNames(Vec::new());
    let _ = T::deserialize(&mut names);
    names.0
}

/// A deserializer that only notes the field names a struct asks for, then stops.
struct FieldNames(Vec<&'static str>);

impl<'de> Deserializer<'de> for &mut FieldNames {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only a struct's field names are read"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = fields.to_vec();
        Err(de::Error::custom("read"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The answers a device reads ignoring fields it does not know (a newer endpoint may add
/// some); every other body, and every event, holds nothing beside its fields.
const ANSWERS: [&str; 7] = [
    "PushOutcome",
    "PullResponse",
    "Enrolled",
    "LogKey",
    "ConsistencyProof",
    "Health",
    "HealthStatus",
];

/// What the canonical form says beyond serde's attributes: a field left out when empty is
/// never `null`, and (when `closed`) an object holds nothing beside its fields.
fn canonical_only(schema: &mut Value, closed: bool) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let required: Vec<Value> = object
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            if !required.contains(&Value::String(name.clone())) {
                drop_null(property);
            }
        }
    }
    let is_object = object.get("type") == Some(&Value::String("object".into()));
    if closed && is_object && !object.contains_key("additionalProperties") {
        object.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
}

/// `{"type": ["string", "null"]}` → `{"type": "string"}`; `{"anyOf": [X, {"type": "null"}]}` → X.
fn drop_null(property: &mut Value) {
    let null = Value::String("null".into());
    if let Some(Value::Array(types)) = property.get_mut("type") {
        types.retain(|t| *t != null);
        if let [only] = types.as_slice() {
            property["type"] = only.clone();
        }
    }
    let any_of = property.get_mut("anyOf").and_then(Value::as_array_mut);
    if let Some(any_of) = any_of {
        any_of.retain(|s| s.get("type") != Some(&null));
        if let [only] = any_of.as_slice() {
            let only = only.clone();
            let object = property.as_object_mut().expect("a schema with anyOf");
            object.remove("anyOf");
            if let Value::Object(only) = only {
                object.extend(only);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corrections::{CorrectionKind, CorrectionRecorded};
    use crate::id_ledger::{IdLedgerRecorded, Ledger, LedgerAction};

    /// The members of `json`'s top-level object, in the order written.
    fn keys_in_order(json: &str) -> Vec<String> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, _)) = map.next_entry::<String, de::IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(keys)
            }
        }
        let mut reader = serde_json::Deserializer::from_str(json);
        reader.deserialize_map(Keys).unwrap()
    }

    /// `order` with `*` replaced by `flattened`.
    fn expand(order: &[&str], flattened: &[&str]) -> Vec<String> {
        order
            .iter()
            .flat_map(|f| match *f {
                "*" => flattened.to_vec(),
                f => vec![f],
            })
            .map(String::from)
            .collect()
    }

    #[test]
    fn the_flattened_orders_are_what_serde_writes() {
        let event = &crate::chain::test_chain("a", 1, "r", "op")[0];
        let written = keys_in_order(&serde_json::to_string(event).unwrap());
        assert_eq!(written, expand(FLATTENED[0].1, &["kind", "payload"]));
        let correction = CorrectionRecorded {
            target: "a:1".parse().unwrap(),
            kind: CorrectionKind::Void,
            reason: "r".into(),
        };
        let written = keys_in_order(&serde_json::to_string(&correction).unwrap());
        assert_eq!(written, expand(FLATTENED[1].1, &["correction"]));
        let ledger = IdLedgerRecorded {
            ledger: Ledger::Collation,
            id: "i".into(),
            person_id: "p".into(),
            kind_id: None,
            action: LedgerAction::Issued,
            on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            approved_by: "a".into(),
        };
        let written = keys_in_order(&serde_json::to_string(&ledger).unwrap());
        assert_eq!(written, expand(FLATTENED[2].1, &["action"]));
    }

    #[test]
    fn a_structs_order_is_its_declaration_order() {
        assert_eq!(fields::<crate::Hlc>(), ["wall_ms", "counter"]);
        let room = fields::<crate::RoomDefined>();
        assert_eq!(room, ["id", "name", "place", "level", "is_default"]);
        assert!(fields::<crate::SecurityLevel>().is_empty());
    }
}
