//! 操作履歴's 内容 and 端末: what an act was about, in words — people by name, rooms by name,
//! keys by label, devices by the name given at enrollment, and for an act on another record
//! (an exit, a return, a correction, a handling) that record's kind, person and place. Never
//! an id: the screen and the CSV read the same words.

use crate::directory::Directory;
use crate::store::Store;
use daicho_core::history::{device_names, output_name_text};
use daicho_core::{lang, tr, Event, EventId, EventKind};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;

/// What the acts of a page (or an export) are named by.
#[derive(Clone, Default)]
pub struct Naming {
    rooms: HashMap<String, String>,
    /// Each key's label and room.
    keys: HashMap<String, (String, String)>,
    devices: Devices,
    referred: HashMap<EventId, Event>,
}

/// The devices' names as enrolled, and this device's id (unnamed, it is "this device", not
/// yet enrolled).
#[derive(Clone, Default)]
pub struct Devices {
    names: HashMap<String, String>,
    this_device: String,
}

impl Devices {
    pub async fn read(store: &Store) -> crate::store::Result<Devices> {
        let ((enrolled, _), device) =
            futures::try_join!(store.history_naming(&[]), store.device())?;
        Ok(Devices::of(&enrolled, device.id.0))
    }

    fn of(enrolled: &[Event], this_device: String) -> Devices {
        let enrollments = enrolled.iter().filter_map(|e| match &e.kind {
            EventKind::DeviceEnrolled(d) => Some(d),
            _ => None,
        });
        Devices {
            names: device_names(enrollments),
            this_device,
        }
    }

    /// The device's name; this one not enrolled yet, or one enrolled before names were asked
    /// for, says so.
    pub fn name(&self, id: &str) -> String {
        match self.names.get(id) {
            Some(name) => name.clone(),
            None if id == self.this_device => tr!("この端末（未登録）").into_owned(),
            None => tr!("名前のない端末").into_owned(),
        }
    }
}

impl Naming {
    /// Reads what `events` are named by: rooms, keys, the devices' enrollments and the records
    /// they act on.
    pub async fn read(store: &Store, events: &[Event]) -> crate::store::Result<Naming> {
        let refs: Vec<EventId> = events
            .iter()
            .filter_map(|e| e.kind.refers_to().cloned())
            .collect();
        let (rooms, keys, (enrolled, referred), device) = futures::try_join!(
            store.rooms(),
            store.keys(),
            store.history_naming(&refs),
            store.device()
        )?;
        Ok(Naming {
            rooms: rooms
                .into_iter()
                .map(|r| (r.value.id, r.value.name))
                .collect(),
            keys: keys
                .into_iter()
                .map(|k| (k.id, (k.label, k.room_id)))
                .collect(),
            devices: Devices::of(&enrolled, device.id.0),
            referred: referred.into_iter().map(|e| (e.id(), e)).collect(),
        })
    }

    /// The device's name (`Devices::name`).
    pub fn device(&self, id: &str) -> String {
        self.devices.name(id)
    }

    /// "退室の記録：山田 太郎・住民窓口" for an act on another record, then its own fields.
    pub fn summary(&self, event: &Event, directory: &Directory) -> String {
        let (dot, comma) = separators();
        let mut parts = Vec::new();
        if let Some(target) = event.kind.refers_to() {
            parts.push(match self.referred.get(target) {
                Some(r) => {
                    let about = self.fields(r, directory).join(dot);
                    labelled(&r.kind.tag().label_text(), &about)
                }
                None => tr!("対象の記録はこの端末にありません").into_owned(),
            });
        }
        parts.extend(self.fields(event, directory));
        parts.join(comma)
    }

    /// The act's own fields a person reads, each as "label：value".
    fn fields(&self, event: &Event, directory: &Directory) -> Vec<String> {
        type Label = fn() -> Cow<'static, str>;
        const FIELDS: [(&str, Label); 15] = [
            ("person_id", || tr!("対象者")),
            ("room_id", || tr!("室")),
            ("key_id", || tr!("鍵")),
            ("name", || tr!("名称")),
            ("purpose", || tr!("目的")),
            ("what", || tr!("対象")),
            ("period", || tr!("期間")),
            ("rows", || tr!("件数")),
            ("filter", || tr!("条件")),
            ("pushed", || tr!("送信")),
            ("pulled", || tr!("受信")),
            ("device", || tr!("端末")),
            ("reason", || tr!("理由")),
            ("how", || tr!("処置")),
            ("note", || tr!("経緯")),
        ];
        let payload = event.kind.payload_value();
        let person = |id: &str| directory.name_of(id);
        FIELDS
            .iter()
            .filter_map(|(key, label)| {
                let text = match (*key, payload.get(*key)?) {
                    ("person_id", Value::String(id)) => person(id),
                    ("room_id", Value::String(id)) => self.room(id),
                    ("key_id", Value::String(id)) => self.key(id),
                    ("device", Value::String(id)) => self.device(id),
                    ("what", Value::String(w)) => output_name_text(w).to_string(),
                    (_, Value::String(s)) if s.is_empty() => return None,
                    (_, Value::String(s)) => s.clone(),
                    (_, Value::Number(n)) => n.to_string(),
                    _ => return None,
                };
                Some(labelled(&label(), &text))
            })
            .collect()
    }

    fn room(&self, id: &str) -> String {
        self.rooms
            .get(id)
            .cloned()
            .unwrap_or_else(|| tr!("（登録されていない室）").into_owned())
    }

    /// "電算室 1号鍵（電算室）".
    fn key(&self, id: &str) -> String {
        match self.keys.get(id) {
            Some((label, room)) => {
                tr!("%{label}（%{room}）", label = label, room = self.room(room)).into_owned()
            }
            None => tr!("（登録されていない鍵）").into_owned(),
        }
    }
}

/// "label：value".
fn labelled(label: &str, value: &str) -> String {
    tr!("%{label}：%{value}", label = label, value = value).into_owned()
}

/// What joins the fields of a record, and the parts of a summary.
fn separators() -> (&'static str, &'static str) {
    if lang::is_english() {
        (", ", "; ")
    } else {
        ("・", "、")
    }
}
