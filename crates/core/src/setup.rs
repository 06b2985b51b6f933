//! A town's first setup, step by step (the way forward for the first administrator): the roles
//! held (職と任期), the rooms edited from the examples and their keys, the staff, the
//! permissions, and this device's enrollment. Each step is done or not from the registers
//! alone, with what is still missing said in words.

use crate::organisation::Role;
use crate::registers::Registers;
use crate::room::SecurityLevel;
use crate::tr;
use chrono::NaiveDate;
use std::borrow::Cow;

/// The steps, in the order they depend on each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupStep {
    Terms,
    RoomsAndKeys,
    Staff,
    Permissions,
    Enrollment,
}

impl SetupStep {
    pub const ALL: [SetupStep; 5] = [
        SetupStep::Terms,
        SetupStep::RoomsAndKeys,
        SetupStep::Staff,
        SetupStep::Permissions,
        SetupStep::Enrollment,
    ];

    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            SetupStep::Terms => tr!("職と任期（役割の担当者）"),
            SetupStep::RoomsAndKeys => tr!("室と鍵"),
            SetupStep::Staff => tr!("職員"),
            SetupStep::Permissions => tr!("入室許可"),
            SetupStep::Enrollment => tr!("この端末の登録"),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SetupStep::Terms => "terms",
            SetupStep::RoomsAndKeys => "rooms",
            SetupStep::Staff => "staff",
            SetupStep::Permissions => "permissions",
            SetupStep::Enrollment => "enrollment",
        }
    }
}

/// One step and what it still lacks (nothing: done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub step: SetupStep,
    pub missing: Vec<String>,
}

impl StepState {
    pub fn is_done(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Where the town's setup stands on `today`, this device `enrolled` or not.
pub fn progress(registers: &Registers, today: NaiveDate, enrolled: bool) -> Vec<StepState> {
    SetupStep::ALL
        .into_iter()
        .map(|step| StepState {
            step,
            missing: missing(step, registers, today, enrolled),
        })
        .collect()
}

fn missing(step: SetupStep, r: &Registers, today: NaiveDate, enrolled: bool) -> Vec<String> {
    match step {
        SetupStep::Terms => Role::ALL
            .into_iter()
            .filter(|role| r.organisation().who_held(*role, today).is_none())
            .map(|role| tr!("%{role}の担当者がいません", role = role.name_text()).into_owned())
            .collect(),
        SetupStep::RoomsAndKeys => rooms_missing(r),
        SetupStep::Staff => {
            let staff = r.people().filter(|p| p.is_staff()).count();
            (staff < 2)
                .then(|| tr!("入退室を記録する職員が登録されていません").into_owned())
                .into_iter()
                .collect()
        }
        SetupStep::Permissions => {
            let any = r.permits().any(|p| p.revoked_at.is_none());
            (!any)
                .then(|| tr!("入室許可がまだ記録されていません").into_owned())
                .into_iter()
                .collect()
        }
        SetupStep::Enrollment => (!enrolled)
            .then(|| tr!("この端末はまだ登録されていません（登録コードで登録）").into_owned())
            .into_iter()
            .collect(),
    }
}

/// Rooms still as the examples seeded them, and secure rooms without a key.
fn rooms_missing(r: &Registers) -> Vec<String> {
    let examples = r
        .rooms()
        .filter(|room| room.is_default)
        .map(|room| tr!("「%{room}」は初期値のままです", room = room.name).into_owned());
    let keyless = r
        .rooms()
        .filter(|room| room.level != SecurityLevel::One)
        .filter(|room| !r.keys().any(|k| k.room_id == room.id))
        .map(|room| tr!("「%{room}」に鍵が登録されていません", room = room.name).into_owned());
    examples.chain(keyless).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_town::Town;

    /// A town set up by the test town: every role held, rooms and keys, staff, permissions.
    /// Only what this device lacks (its enrollment) and the rooms kept as examples remain.
    #[test]
    fn a_fresh_device_lacks_everything_and_a_set_up_town_only_what_is_left() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let empty = progress(&Registers::default(), day, false);
        assert_eq!(empty.len(), 5);
        assert!(empty
            .iter()
            .all(|s| !s.is_done() || s.step == SetupStep::RoomsAndKeys));
        assert_eq!(empty[0].missing.len(), Role::ALL.len());
        assert!(empty[0].missing[0].contains("担当者がいません"));

        let town = Town::new(1);
        let view = &town.tablets[0].view;
        let steps = progress(view, day, true);
        let done = |step: SetupStep| steps.iter().find(|s| s.step == step).unwrap().is_done();
        assert!(done(SetupStep::Staff), "{steps:?}");
        assert!(done(SetupStep::Permissions), "{steps:?}");
        assert!(done(SetupStep::Enrollment));
        let not_enrolled = progress(view, day, false);
        assert!(!not_enrolled[4].is_done());
        assert!(not_enrolled[4].missing[0].contains("登録されていません"));
    }
}
