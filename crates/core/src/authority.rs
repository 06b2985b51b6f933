//! What an operator may record: the role the regulation gives each act, held through the
//! operator's positions on the day of the act. Refusals name the role and its article.

use crate::article::Article;
use crate::entry_measures::{in_force_since, EntryMeasure};
use crate::event::EventKind;
use crate::id_ledger::{check_operator_act, GovernedAct};
use crate::organisation::Role;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::registers::Registers;
use crate::room_permit::entry_manager_role;
use chrono::NaiveDate;

/// Who may record `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// Only the holder of this role on the day.
    Role(Role),
    /// Master data of the system: the system administrator (第4条), or anyone while nobody
    /// holds that role yet (the town's first setup).
    SystemSetup,
    /// The room's entry manager (this role on the day), or a key keeper they appointed for the
    /// room (第18条第3項・第4項, and the manager's measure under 第18条第2項).
    KeyHandler(Role),
    /// Any registered staff member (daily logbook work, reports, corrections).
    Staff,
    /// Anybody: signing in and out is checked by the sign-in rules themselves.
    Anyone,
}

pub fn authority_for(kind: &EventKind, registers: &Registers) -> Authority {
    use EventKind::*;
    let room_manager = |room_id: &str| {
        registers
            .room(room_id)
            .map_or(Authority::Role(Role::EntryManagerSecureRooms), |r| {
                Authority::Role(entry_manager_role(r.level))
            })
    };
    let asset_manager = |asset_id: &str| {
        let role = registers
            .office()
            .asset(asset_id)
            .map_or(Role::IdentityDataManager, |a| a.category.manager_role());
        Authority::Role(role)
    };
    match kind {
        RoomDefined(_)
        | PositionDefined(_)
        | RoleAssigned(_)
        | TenureRecorded(_)
        | EquipmentRegistered(_)
        | KeyDefined(_)
        | PinSet(_)
        | PinUnlocked(_) => Authority::SystemSetup,
        // Staff are master data; a visitor is registered by whoever meets them at the door.
        PersonDefined(p) if p.is_staff() => Authority::SystemSetup,
        PersonDefined(_) => Authority::Staff,
        SignedIn(_) | SignInFailed(_) | SignedOut(_) => Authority::Anyone,
        // What the operation history (第12条) adds: acts anyone signed in may do.
        Printed(_) | Exported(_) | Synced(_) | DeviceEnrolled(_) | DeviceRevoked(_) => {
            Authority::Anyone
        }
        PermissionGranted(g) => room_manager(&g.room_id),
        VisitPermitGranted(g) => room_manager(&g.room_id),
        PermitRevoked(r) => registers
            .permit(&r.permit)
            .map_or(Authority::Role(Role::EntryManagerSecureRooms), |p| {
                room_manager(&p.room_id)
            }),
        EntryMeasureSet(m) => room_manager(&m.room_id),
        ReportSubmitted(r) => room_manager(&r.room_id),
        // Keys are of level-3 and level-2 rooms: their entry manager, or a key keeper.
        KeyLent(_) | KeyReturned(_) => Authority::KeyHandler(Role::EntryManagerSecureRooms),
        // Which of two loans was real is the entry manager's to say (第18条第3項).
        KeyLoanVoided(_) => Authority::Role(Role::EntryManagerSecureRooms),
        OperatorIdKindDefined(_) | IdLedgerRecorded(_) | CollationInfoRecorded(_) => {
            Authority::Role(Role::AccessManagementOfficer)
        }
        AssetRegistered(a) => Authority::Role(a.category.manager_role()),
        HandlerDesignated(_) => Authority::Role(Role::IdentityDataManager),
        MeasureRecorded(m) => asset_manager(&m.asset_id),
        MeetingHeld(_) | OpinionReceived(_) | InstructionIssued(_) | InstructionClosed(_) => {
            Authority::Role(Role::GeneralManager)
        }
        ReportReviewed(_) | InvestigationConcluded(_) | ReportCycleSet(_) => {
            Authority::Role(Role::GeneralManager)
        }
        // How a rule break in a room was dealt with is its entry manager's (第18条第1項).
        BreakHandled(h) => room_manager(&h.room_id),
        EntryRecorded(_) | ExitRecorded(_) | FollowUpReported(_) | CorrectionRecorded(_) => {
            Authority::Staff
        }
    }
}

/// The article that gives the act to its role, named in a refusal.
pub fn article_for(kind: &EventKind) -> Option<Article> {
    use EventKind::*;
    Some(match kind {
        RoomDefined(_)
        | PositionDefined(_)
        | RoleAssigned(_)
        | TenureRecorded(_)
        | PersonDefined(_)
        | EquipmentRegistered(_)
        | KeyDefined(_)
        | PinSet(_)
        | PinUnlocked(_) => Article::new(4),
        PermissionGranted(_) | VisitPermitGranted(_) | PermitRevoked(_) => Article::ENTRY_MANAGER,
        EntryMeasureSet(_) => Article::ENTRY_MEASURES,
        ReportSubmitted(_) | ReportReviewed(_) | InvestigationConcluded(_) | ReportCycleSet(_) => {
            crate::reports::ARTICLE
        }
        BreakHandled(_) => Article::ENTRY_MANAGER,
        KeyLent(_) | KeyReturned(_) | KeyLoanVoided(_) => Article::KEYS,
        OperatorIdKindDefined(_) | IdLedgerRecorded(_) | CollationInfoRecorded(_) => {
            Article::paragraph(10, 1)
        }
        AssetRegistered(_) => Article::paragraph(13, 2),
        HandlerDesignated(_) | MeasureRecorded(_) => Article::paragraph(14, 1),
        MeetingHeld(_) | OpinionReceived(_) => Article::paragraph(6, 1),
        InstructionIssued(_) | InstructionClosed(_) => Article::new(7),
        EntryRecorded(_)
        | ExitRecorded(_)
        | FollowUpReported(_)
        | CorrectionRecorded(_)
        | SignedIn(_)
        | SignInFailed(_)
        | SignedOut(_)
        | Printed(_)
        | Exported(_)
        | Synced(_)
        | DeviceEnrolled(_)
        | DeviceRevoked(_) => return None,
    })
}

/// The act a kind of 操作者ID can govern that `kind` is (第11条), if any.
pub fn governed_act(kind: &EventKind) -> Option<GovernedAct> {
    use EventKind::*;
    Some(match kind {
        EntryRecorded(_) | ExitRecorded(_) => GovernedAct::EntryLog,
        KeyLent(_) | KeyReturned(_) | KeyLoanVoided(_) => GovernedAct::KeyLog,
        PermissionGranted(_) | VisitPermitGranted(_) | PermitRevoked(_) | EntryMeasureSet(_) => {
            GovernedAct::Permits
        }
        AssetRegistered(_) | HandlerDesignated(_) | MeasureRecorded(_) => GovernedAct::Assets,
        CorrectionRecorded(_) => GovernedAct::Corrections,
        FollowUpReported(_) => GovernedAct::FollowUps,
        _ => return None,
    })
}

/// May `operator` (a person id) record `kind` on `day`? The role or staff rule first, then
/// the kinds of 操作者ID that govern the act (第11条).
pub fn check_authority(
    registers: &Registers,
    operator: &str,
    kind: &EventKind,
    day: NaiveDate,
) -> Result<(), Refusals> {
    check_role(registers, operator, kind, day)?;
    let Some(act) = governed_act(kind) else {
        return Ok(());
    };
    let office = registers.office();
    let kinds: Vec<_> = office
        .operator_id_kinds
        .values()
        .map(|k| &k.value)
        .collect();
    let records: Vec<_> = office.ids.values().collect();
    check_operator_act(&kinds, &records, operator, act).map_err(|r| Refusals(vec![r]))
}

fn check_role(
    registers: &Registers,
    operator: &str,
    kind: &EventKind,
    day: NaiveDate,
) -> Result<(), Refusals> {
    let org = registers.organisation();
    let allowed = match authority_for(kind, registers) {
        Authority::Role(role) => org.who_held(role, day) == Some(operator),
        Authority::SystemSetup => match org.who_held(Role::SystemAdministrator, day) {
            Some(admin) => admin == operator,
            None => true,
        },
        Authority::KeyHandler(role) => {
            check_handled_by_operator(kind, operator)?;
            org.who_held(role, day) == Some(operator)
                || is_key_keeper(registers, kind, operator, day)
        }
        Authority::Staff => registers.person(operator).is_some_and(|p| p.is_staff()),
        Authority::Anyone => true,
    };
    if allowed {
        return Ok(());
    }
    let article = article_for(kind);
    let refusal = match authority_for(kind, registers) {
        Authority::Role(role) => not_in_role(role, article),
        Authority::SystemSetup => not_in_role(Role::SystemAdministrator, article),
        Authority::KeyHandler(role) => {
            let manager = role.name_text().to_string();
            Refusal::new(
                RefusalCode::NotKeyHandler { manager },
                Field::Person,
                article,
            )
        }
        Authority::Staff | Authority::Anyone => {
            Refusal::new(RefusalCode::NotStaff, Field::Person, None)
        }
    };
    Err(Refusals(vec![refusal]))
}

/// The lender of a key, or its receiver back, is the operator who records it: never a name
/// typed for someone else.
fn check_handled_by_operator(kind: &EventKind, operator: &str) -> Result<(), Refusals> {
    let handler = match kind {
        EventKind::KeyLent(lent) => &lent.lent_by,
        EventKind::KeyReturned(ret) => &ret.received_by,
        _ => return Ok(()),
    };
    if handler == operator {
        return Ok(());
    }
    let refusal = Refusal::new(
        RefusalCode::HandledByAnother,
        Field::Person,
        Some(Article::KEYS),
    );
    Err(Refusals(vec![refusal]))
}

/// Was `operator` a key keeper of the room of the key lent or returned, on `day`?
fn is_key_keeper(registers: &Registers, kind: &EventKind, operator: &str, day: NaiveDate) -> bool {
    let key_id = match kind {
        EventKind::KeyLent(lent) => Some(lent.key_id.as_str()),
        EventKind::KeyReturned(ret) => registers.loan(&ret.loan).map(|l| l.key_id.as_str()),
        _ => None,
    };
    let Some(key) = key_id.and_then(|id| registers.key(id)) else {
        return false;
    };
    let keeper = EntryMeasure::KeyKeeper {
        person_id: operator.to_string(),
    };
    in_force_since(&registers.entry_measures(), &key.room_id, &keeper, day).is_some()
}

fn not_in_role(role: Role, article: Option<Article>) -> Refusal {
    let code = RefusalCode::NotInRole {
        role: role.name_text().to_string(),
    };
    Refusal::new(code, Field::Person, article)
}

// ja-only-begin: the tests (pub(crate) for other modules' tests): data and the Japanese they assert
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::assets::{AssetCategory, AssetRegistered};
    use crate::clock::Hlc;
    use crate::entry_log::EntryRecorded;
    use crate::event::{DeviceId, Event, GENESIS_HASH};
    use crate::instructions::{Addressee, Basis, InstructionIssued};
    use crate::organisation::{
        default_role_assignments, TenureRecorded, DEPUTY_MAYOR, HEAD_OF_GENERAL_AFFAIRS,
        HEAD_OF_RESIDENTS_AND_TAX,
    };
    use crate::people::{PersonDefined, PersonKind};
    use crate::room::{default_rooms, RoomDefined};
    use crate::room_permit::PermissionGranted;
    use chrono::{TimeZone, Utc};

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    /// The town with 副町長 fukuchou, 総務課長 soumu, 住民税務課長 juumin, and staff yamada.
    fn town() -> Registers {
        town_with(Vec::new())
    }

    /// That town, then `extra` recorded after its setup.
    fn town_with(extra: Vec<EventKind>) -> Registers {
        let mut seq = 0;
        let mut event = |kind| {
            seq += 1;
            let hlc = Hlc {
                wall_ms: seq,
                counter: 0,
            };
            Event::seal(
                DeviceId("d".into()),
                seq as u64,
                hlc,
                "setup".into(),
                kind,
                GENESIS_HASH,
            )
        };
        let mut events: Vec<Event> = default_rooms()
            .into_iter()
            .map(|r| event(EventKind::RoomDefined(r)))
            .collect();
        for a in default_role_assignments() {
            events.push(event(EventKind::RoleAssigned(a)));
        }
        let from = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        for (position, holder) in [
            (DEPUTY_MAYOR, "fukuchou"),
            (HEAD_OF_GENERAL_AFFAIRS, "soumu"),
            (HEAD_OF_RESIDENTS_AND_TAX, "juumin"),
        ] {
            let tenure = TenureRecorded {
                position_id: position.into(),
                holder: holder.into(),
                from,
                to: None,
            };
            events.push(event(EventKind::TenureRecorded(tenure)));
        }
        for (id, kind) in [
            ("yamada", PersonKind::Staff),
            ("vendor", PersonKind::Visitor),
        ] {
            let person = PersonDefined {
                id: id.into(),
                name: id.into(),
                affiliation: "総務課".into(),
                kind,
            };
            events.push(event(EventKind::PersonDefined(person)));
        }
        for kind in extra {
            events.push(event(kind));
        }
        Registers::fold(&events)
    }

    fn permission(level: usize) -> EventKind {
        EventKind::PermissionGranted(PermissionGranted {
            person_id: "yamada".into(),
            room_id: default_rooms()[3 - level].id.clone(),
            from: day(),
            to: None,
            granted_by: "x".into(),
        })
    }

    fn asset(category: AssetCategory) -> EventKind {
        EventKind::AssetRegistered(AssetRegistered {
            id: "a".into(),
            name: "資産".into(),
            category,
            location: "電算室".into(),
            management_method: "施錠".into(),
        })
    }

    fn instruction() -> EventKind {
        EventKind::InstructionIssued(InstructionIssued {
            addressee: Addressee::Committee {
                name: "教育委員会".into(),
            },
            content: "対策".into(),
            due: day(),
            basis: Basis::Report {
                summary: "報告".into(),
                report: None,
            },
            issued_by: "fukuchou".into(),
            issued_on: day(),
        })
    }

    fn entry() -> EventKind {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
        EventKind::EntryRecorded(EntryRecorded::new(
            "default-level-1",
            "山田",
            "総務課",
            "窓口",
            true,
            at,
        ))
    }

    fn person(kind: PersonKind) -> EventKind {
        EventKind::PersonDefined(PersonDefined {
            id: "new".into(),
            name: "新人".into(),
            affiliation: "福祉課".into(),
            kind,
        })
    }

    /// Each act × operator → allowed, or refused naming the role.
    #[test]
    fn every_act_is_allowed_only_to_its_role() {
        let town = town();
        let room = || {
            EventKind::RoomDefined(RoomDefined {
                name: "新しい室".into(),
                ..default_rooms()[0].clone()
            })
        };
        let cases: Vec<(EventKind, &str, &[&str])> = vec![
            (room(), "soumu", &["juumin", "yamada"]),
            (permission(3), "soumu", &["juumin", "fukuchou"]),
            (permission(2), "soumu", &["juumin"]),
            (permission(1), "juumin", &["soumu"]),
            (asset(AssetCategory::MyNumberCard), "juumin", &["soumu"]),
            (asset(AssetCategory::Hardware), "soumu", &["juumin"]),
            (instruction(), "fukuchou", &["soumu", "juumin"]),
            (entry(), "yamada", &["vendor", "unknown"]),
            (person(PersonKind::Staff), "soumu", &["yamada", "juumin"]),
            (
                person(PersonKind::Visitor),
                "yamada",
                &["vendor", "unknown"],
            ),
        ];
        for (kind, allowed, refused) in cases {
            assert_eq!(
                check_authority(&town, allowed, &kind, day()),
                Ok(()),
                "{allowed} {kind:?}"
            );
            for operator in refused {
                let r = check_authority(&town, operator, &kind, day());
                assert!(r.is_err(), "{operator} must be refused {kind:?}");
            }
        }
    }

    #[test]
    fn refusals_name_the_role_and_the_article_of_the_act() {
        let town = town();
        let refusal = &check_authority(&town, "soumu", &instruction(), day())
            .unwrap_err()
            .0[0];
        assert_eq!(
            refusal.message_ja(),
            "この操作はセキュリティ総括責任者だけが行えます。（第7条）"
        );
        let refusal = &check_authority(&town, "juumin", &permission(3), day())
            .unwrap_err()
            .0[0];
        assert!(refusal.message_ja().contains("入退室管理者（レベル3・2）"));
        assert!(refusal.message_ja().contains("第18条第1項"));
    }

    #[test]
    fn before_anyone_holds_a_role_the_first_setup_is_open() {
        let empty = Registers::default();
        let room = EventKind::RoomDefined(default_rooms()[0].clone());
        assert_eq!(check_authority(&empty, "anyone", &room, day()), Ok(()));
        assert!(check_authority(&empty, "anyone", &instruction(), day()).is_err());
    }

    /// `town` after `kinds`, sealed as the access management officer's (juumin's) events.
    fn after(mut town: Registers, kinds: Vec<EventKind>) -> Registers {
        // Each later than the last, so a kind defined again replaces the earlier definition.
        static CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_000);
        for kind in kinds {
            let seq = CLOCK.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let hlc = Hlc {
                wall_ms: seq as i64,
                counter: 0,
            };
            let e = Event::seal(
                DeviceId("o".into()),
                seq,
                hlc,
                "juumin".into(),
                kind,
                GENESIS_HASH,
            );
            town.apply(&e);
        }
        town
    }

    fn operator_kind(acts: Vec<GovernedAct>) -> EventKind {
        EventKind::OperatorIdKindDefined(crate::id_ledger::OperatorIdKindDefined {
            id: "madoguchi".into(),
            name: "窓口業務".into(),
            permits: "入退室管理簿の記録".into(),
            acts,
        })
    }

    fn operator_id(action: crate::id_ledger::LedgerAction) -> EventKind {
        EventKind::IdLedgerRecorded(crate::id_ledger::IdLedgerRecorded {
            ledger: crate::id_ledger::Ledger::Operator,
            id: "OP-1".into(),
            person_id: "yamada".into(),
            kind_id: Some("madoguchi".into()),
            action,
            on: day(),
            approved_by: "juumin".into(),
        })
    }

    #[test]
    fn an_act_a_kind_governs_needs_an_active_operator_id_of_that_kind() {
        use crate::id_ledger::LedgerAction::{Issued, Reinstated, Suspended};
        // No kind governs the logbook: staff record it (the town before 第11条 is set up).
        let town = after(town(), vec![operator_kind(vec![])]);
        assert_eq!(check_authority(&town, "yamada", &entry(), day()), Ok(()));

        let governed = after(town, vec![operator_kind(vec![GovernedAct::EntryLog])]);
        let refusal = &check_authority(&governed, "yamada", &entry(), day())
            .unwrap_err()
            .0[0];
        assert_eq!(refusal.article, Some(Article::new(11)));
        assert_eq!(
            refusal.message_ja(),
            "入退室の記録は、操作者ID（窓口業務）を有効に持つ方だけが行えます。\
             サインイン中の方の操作者IDを操作者ID管理簿で確認してください。（第11条）"
        );
        // An act the kind does not govern stays with its role.
        assert_eq!(
            check_authority(&governed, "yamada", &person(PersonKind::Visitor), day()),
            Ok(())
        );

        let issued = after(governed, vec![operator_id(Issued)]);
        assert_eq!(check_authority(&issued, "yamada", &entry(), day()), Ok(()));
        let reason = "異動".to_string();
        let suspended = after(issued, vec![operator_id(Suspended { reason })]);
        assert!(check_authority(&suspended, "yamada", &entry(), day()).is_err());
        let reinstated = after(suspended, vec![operator_id(Reinstated)]);
        assert_eq!(
            check_authority(&reinstated, "yamada", &entry(), day()),
            Ok(())
        );
    }

    #[test]
    fn holding_the_operator_id_does_not_replace_the_role() {
        use crate::id_ledger::LedgerAction::Issued;
        let kind = operator_kind(vec![GovernedAct::Permits]);
        let town = after(town(), vec![kind, operator_id(Issued)]);
        // yamada holds the kind, but granting a permission is still the entry manager's.
        let refusal = &check_authority(&town, "yamada", &permission(1), day())
            .unwrap_err()
            .0[0];
        assert!(matches!(refusal.code, RefusalCode::NotInRole { .. }));
        // The entry manager (juumin), holding no 操作者ID of the kind, is refused by 第11条.
        let refusal = &check_authority(&town, "juumin", &permission(1), day())
            .unwrap_err()
            .0[0];
        assert_eq!(refusal.article, Some(Article::new(11)));
    }

    #[test]
    fn every_governed_act_is_reached_by_some_kind_of_event() {
        let acts: std::collections::BTreeSet<_> =
            every_kind().iter().filter_map(governed_act).collect();
        assert_eq!(
            acts.into_iter().collect::<Vec<_>>(),
            GovernedAct::ALL.to_vec()
        );
    }

    /// One event of every kind, and who the regulation gives it to. The `match` has no
    /// wildcard: a new kind of event does not compile until it is given its authority here.
    fn expected(kind: &EventKind) -> Authority {
        use EventKind::*;
        match kind {
            RoomDefined(_) | PositionDefined(_) | RoleAssigned(_) | TenureRecorded(_) => {
                Authority::SystemSetup
            }
            EquipmentRegistered(_) | KeyDefined(_) | PinSet(_) | PinUnlocked(_) => {
                Authority::SystemSetup
            }
            PersonDefined(p) if p.is_staff() => Authority::SystemSetup,
            PersonDefined(_) => Authority::Staff,
            SignedIn(_) | SignInFailed(_) | SignedOut(_) => Authority::Anyone,
            Printed(_) | Exported(_) | Synced(_) | DeviceEnrolled(_) | DeviceRevoked(_) => {
                Authority::Anyone
            }
            // The table's permission is for the level-1 counter; its visit permit for level 3;
            // the revocation names a permit this town does not know (the stricter manager).
            PermissionGranted(_) => Authority::Role(Role::EntryManagerCounters),
            VisitPermitGranted(_) | PermitRevoked(_) => {
                Authority::Role(Role::EntryManagerSecureRooms)
            }
            OperatorIdKindDefined(_) | IdLedgerRecorded(_) | CollationInfoRecorded(_) => {
                Authority::Role(Role::AccessManagementOfficer)
            }
            AssetRegistered(_) | HandlerDesignated(_) | MeasureRecorded(_) => {
                Authority::Role(Role::IdentityDataManager)
            }
            MeetingHeld(_) | OpinionReceived(_) | InstructionIssued(_) | InstructionClosed(_) => {
                Authority::Role(Role::GeneralManager)
            }
            // The measure is for the level-3 room; the key is the level-2 room's.
            EntryMeasureSet(_) => Authority::Role(Role::EntryManagerSecureRooms),
            // The report is the level-1 counter's.
            ReportSubmitted(_) => Authority::Role(Role::EntryManagerCounters),
            ReportReviewed(_) | InvestigationConcluded(_) | ReportCycleSet(_) => {
                Authority::Role(Role::GeneralManager)
            }
            // The exception is in the level-1 counter.
            BreakHandled(_) => Authority::Role(Role::EntryManagerCounters),
            KeyLent(_) | KeyReturned(_) => Authority::KeyHandler(Role::EntryManagerSecureRooms),
            KeyLoanVoided(_) => Authority::Role(Role::EntryManagerSecureRooms),
            EntryRecorded(_) | ExitRecorded(_) => Authority::Staff,
            FollowUpReported(_) | CorrectionRecorded(_) => Authority::Staff,
        }
    }

    /// One sample of every kind of event (most naming records nobody has recorded).
    pub(crate) fn every_kind() -> Vec<EventKind> {
        use crate::equipment::{EquipmentKind, EquipmentRegistered};
        use crate::id_ledger::{
            CollationInfoRecorded, IdLedgerRecorded, Ledger, LedgerAction, OperatorIdKindDefined,
        };
        use crate::instructions::{FollowUpReported, InstructionClosed};
        use crate::key_log::{KeyDefined, KeyLent, KeyReturned};
        use crate::meetings::OpinionReceived;
        use crate::organisation::Position;
        use crate::room_permit::{PermitRevoked, VisitPermitGranted};
        use crate::sign_in::{
            PinSet, PinUnlocked, SignInFailed, SignInMethod, SignedIn, SignedOut,
        };
        use crate::{corrections, ExitRecorded};
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
        let id: crate::EventId = "d:1".parse().unwrap();
        let who = || "yamada".to_string();
        let counter = default_rooms()[2].id.clone();
        vec![
            EventKind::RoomDefined(default_rooms()[0].clone()),
            EventKind::PositionDefined(Position {
                id: "p".into(),
                name: "課長".into(),
            }),
            EventKind::RoleAssigned(default_role_assignments()[0].clone()),
            EventKind::TenureRecorded(TenureRecorded {
                position_id: DEPUTY_MAYOR.into(),
                holder: who(),
                from: day(),
                to: None,
            }),
            EventKind::EquipmentRegistered(EquipmentRegistered {
                id: "e".into(),
                kind: EquipmentKind::Terminal,
                name: "端末".into(),
                place: "窓口".into(),
                is_default: false,
            }),
            EventKind::KeyDefined(KeyDefined {
                id: "k".into(),
                room_id: default_rooms()[1].id.clone(),
                label: "鍵".into(),
            }),
            EventKind::EntryMeasureSet(crate::entry_measures::EntryMeasureSet {
                room_id: default_rooms()[0].id.clone(),
                measure: crate::entry_measures::EntryMeasure::PerVisitPermit,
                in_force: true,
                from: day(),
                reason: "監査の指摘".into(),
            }),
            EventKind::ReportSubmitted(crate::reports::ReportSubmitted {
                room_id: default_rooms()[2].id.clone(),
                from: day() - chrono::Duration::days(40),
                to: day() - chrono::Duration::days(10),
                figures: Default::default(),
                remarks: "特記事項なし".into(),
                supersedes: None,
                submitted_by: who(),
                submitted_on: day(),
            }),
            EventKind::ReportReviewed(crate::reports::ReportReviewed {
                report: crate::event::EventId {
                    device: crate::event::DeviceId("d".into()),
                    seq: 1,
                },
                findings: "鍵の返却遅れが続いている".into(),
                investigation: Some(crate::reports::Investigation {
                    investigator: who(),
                    subject: "返却遅れの理由".into(),
                    until: day(),
                }),
                reviewed_by: who(),
                reviewed_on: day(),
            }),
            EventKind::InvestigationConcluded(crate::reports::InvestigationConcluded {
                review: crate::event::EventId {
                    device: crate::event::DeviceId("d".into()),
                    seq: 2,
                },
                outcome: "保守業者の作業時間の見積もり不足".into(),
                concluded_by: who(),
                concluded_on: day(),
            }),
            EventKind::ReportCycleSet(crate::reports::ReportCycleSet {
                cycle: crate::reports::ReportCycle::Quarterly,
                from: day(),
            }),
            EventKind::BreakHandled(crate::rule_breaks::BreakHandled {
                record: id.clone(),
                room_id: counter.clone(),
                how: "退室の記録漏れと本人に確認".into(),
                follows: None,
                handled_on: day(),
            }),
            EventKind::PinSet(PinSet {
                person_id: who(),
                salt: "00".into(),
                hash: "00".into(),
                iterations: 1,
            }),
            EventKind::PinUnlocked(PinUnlocked { person_id: who() }),
            person(PersonKind::Staff),
            person(PersonKind::Visitor),
            EventKind::SignedIn(SignedIn::with_pin(&who(), false)),
            EventKind::SignInFailed(SignInFailed {
                person_id: who(),
                method: SignInMethod::Pin,
                reason: None,
            }),
            EventKind::SignedOut(SignedOut {
                person_id: who(),
                idle: false,
            }),
            EventKind::Printed(crate::history::Printed {
                what: "key_logbook".into(),
                period: "2026-11".into(),
            }),
            EventKind::Exported(crate::history::Exported {
                what: "operation_history".into(),
                rows: 1,
                filter: String::new(),
            }),
            EventKind::Synced(crate::history::Synced {
                pushed: 1,
                pulled: 0,
            }),
            EventKind::DeviceEnrolled(crate::history::DeviceEnrolled {
                device: "d".into(),
                name: "本庁 タブレット1".into(),
            }),
            EventKind::DeviceRevoked(crate::history::DeviceRevoked { device: "d".into() }),
            permission(1),
            EventKind::PermitRevoked(PermitRevoked {
                permit: id.clone(),
                at,
                reason: "異動".into(),
                revoked_by: "x".into(),
            }),
            EventKind::VisitPermitGranted(VisitPermitGranted {
                person_id: who(),
                room_id: default_rooms()[0].id.clone(),
                valid_from: at,
                valid_until: at,
                purpose: "保管".into(),
                granted_by: "x".into(),
            }),
            EventKind::OperatorIdKindDefined(OperatorIdKindDefined {
                id: "kind".into(),
                name: "住民票".into(),
                permits: "交付".into(),
                acts: vec![],
            }),
            EventKind::IdLedgerRecorded(IdLedgerRecorded {
                ledger: Ledger::Collation,
                id: "c".into(),
                person_id: who(),
                kind_id: None,
                action: LedgerAction::Issued,
                on: day(),
                approved_by: "x".into(),
            }),
            EventKind::CollationInfoRecorded(CollationInfoRecorded {
                collation_id: "c".into(),
                registered: true,
                on: day(),
                approved_by: "x".into(),
                credential: None,
            }),
            asset(AssetCategory::IdentityData),
            EventKind::HandlerDesignated(crate::assets::HandlerDesignated {
                asset_id: "unknown".into(),
                person_id: who(),
                from: day(),
                to: None,
                designated_by: "x".into(),
            }),
            EventKind::MeasureRecorded(crate::assets::MeasureRecorded {
                asset_id: "unknown".into(),
                measure: "施錠".into(),
                recorded_by: "x".into(),
                on: day(),
            }),
            meeting(),
            EventKind::OpinionReceived(OpinionReceived {
                meeting: id.clone(),
                subject: "s".into(),
                received_on: day(),
                opinion: "o".into(),
            }),
            instruction(),
            EventKind::InstructionClosed(InstructionClosed {
                instruction: id.clone(),
                note: "n".into(),
                closed_by: "x".into(),
                on: day(),
            }),
            EventKind::FollowUpReported(FollowUpReported {
                instruction: id.clone(),
                report: "r".into(),
                reported_by: "x".into(),
                on: day(),
            }),
            entry(),
            EventKind::ExitRecorded(ExitRecorded {
                entry: id.clone(),
                exited_at: at,
            }),
            EventKind::KeyLent(KeyLent {
                key_id: "k".into(),
                person_id: who(),
                purpose: "点検".into(),
                lent_at: at,
                due_back: at,
                lent_by: "soumu".into(),
            }),
            EventKind::KeyReturned(KeyReturned {
                loan: id.clone(),
                returned_at: at,
                received_by: "soumu".into(),
            }),
            EventKind::KeyLoanVoided(crate::key_log::KeyLoanVoided {
                loan: id.clone(),
                real_loan: None,
                note: "二重の貸出し".into(),
            }),
            EventKind::CorrectionRecorded(corrections::CorrectionRecorded {
                target: id,
                kind: corrections::CorrectionKind::Void,
                reason: "誤記".into(),
            }),
        ]
        .into_iter()
        .inspect(|k| {
            if let EventKind::PermissionGranted(p) = k {
                assert_eq!(p.room_id, counter, "the level-1 permission of the table");
            }
        })
        .collect()
    }

    fn meeting() -> EventKind {
        EventKind::MeetingHeld(crate::meetings::MeetingHeld {
            date: day(),
            place: "会議室".into(),
            chair: "fukuchou".into(),
            members: Vec::new(),
            explainers: Vec::new(),
            agenda: Vec::new(),
            consultations: Vec::new(),
        })
    }

    /// Role checks for every kind of act: the authority, and that only its holder passes.
    #[test]
    fn every_kind_of_act_has_the_authority_the_regulation_gives() {
        let town = town();
        let kinds = every_kind();
        let tags: std::collections::BTreeSet<String> =
            kinds.iter().map(|k| k.tag().to_string()).collect();
        assert_eq!(tags.len(), 43, "one sample of every kind of event");
        // …and each has its Japanese name for the operation history (第12条).
        let labelled = crate::history::KINDS.iter().map(|t| t.to_string());
        assert_eq!(
            tags,
            labelled.collect(),
            "every kind and only kinds are labelled"
        );
        let holder = |role: Role| {
            town.organisation()
                .who_held(role, day())
                .map(str::to_string)
        };
        for kind in &kinds {
            let authority = authority_for(kind, &town);
            assert_eq!(authority, expected(kind), "{}", kind.tag());
            let allowed = match authority {
                Authority::Role(role) | Authority::KeyHandler(role) => {
                    holder(role).expect("the town fills every role")
                }
                Authority::SystemSetup => "soumu".to_string(),
                Authority::Staff | Authority::Anyone => "yamada".to_string(),
            };
            assert_eq!(
                check_authority(&town, &allowed, kind, day()),
                Ok(()),
                "{}",
                kind.tag()
            );
            if authority != Authority::Anyone {
                let refused = check_authority(&town, "vendor", kind, day());
                assert!(refused.is_err(), "a visitor may not record {}", kind.tag());
            }
        }
    }

    /// Who lends a key and takes it back (第18条第3項・第4項): the room's entry manager, or a
    /// key keeper the manager appointed, from the day of the appointment, for that room only;
    /// always as the operator signed in.
    #[test]
    fn keys_are_lent_and_received_by_the_entry_manager_or_a_key_keeper() {
        use crate::entry_measures::{EntryMeasure, EntryMeasureSet};
        use crate::key_log::{KeyDefined, KeyLent};
        let key = |id: &str, level: usize| {
            EventKind::KeyDefined(KeyDefined {
                id: id.into(),
                room_id: default_rooms()[3 - level].id.clone(),
                label: "1号鍵".into(),
            })
        };
        let keeper_from = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let keeper = EventKind::EntryMeasureSet(EntryMeasureSet {
            room_id: default_rooms()[1].id.clone(),
            measure: EntryMeasure::KeyKeeper {
                person_id: "yamada".into(),
            },
            in_force: true,
            from: keeper_from,
            reason: "夜間の保守対応".into(),
        });
        let town = town_with(vec![key("k2", 2), key("k3", 3), keeper.clone()]);
        let lend = |key_id: &str, lent_by: &str| {
            EventKind::KeyLent(KeyLent {
                key_id: key_id.into(),
                person_id: "yamada".into(),
                purpose: "点検".into(),
                lent_at: Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap(),
                due_back: Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap(),
                lent_by: lent_by.into(),
            })
        };
        let not_handler = RefusalCode::NotKeyHandler {
            manager: Role::EntryManagerSecureRooms.name_text().into(),
        };
        let before = NaiveDate::from_ymd_opt(2026, 11, 19).unwrap();
        // (operator, key, lender recorded, day, refusal)
        let rows: Vec<(&str, &str, &str, NaiveDate, Option<RefusalCode>)> = vec![
            ("soumu", "k2", "soumu", day(), None),
            ("soumu", "k3", "soumu", day(), None),
            ("yamada", "k2", "yamada", day(), None),
            ("yamada", "k2", "yamada", keeper_from, None),
            ("yamada", "k2", "yamada", before, Some(not_handler.clone())),
            ("yamada", "k3", "yamada", day(), Some(not_handler.clone())),
            ("juumin", "k2", "juumin", day(), Some(not_handler.clone())),
            (
                "fukuchou",
                "k2",
                "fukuchou",
                day(),
                Some(not_handler.clone()),
            ),
            (
                "soumu",
                "k2",
                "yamada",
                day(),
                Some(RefusalCode::HandledByAnother),
            ),
        ];
        for (operator, key_id, lender, on, want) in rows {
            let got = check_authority(&town, operator, &lend(key_id, lender), on);
            let got = got.err().map(|r| r.0[0].clone());
            assert_eq!(
                got.as_ref().map(|r| r.code.clone()),
                want,
                "{operator} lends {key_id} as {lender} on {on}"
            );
            if let Some(refusal) = got {
                assert_eq!(refusal.article, Some(Article::KEYS));
                assert!(refusal.message_ja().ends_with("（第18条第3項）"));
            }
        }

        // Taking a key back is the same act (第18条第3項): by the entry manager, or a keeper
        // of that room's keys from the day of the appointment, as the signed-in operator.
        let (loan_2, loan_3) = (lend("k2", "soumu"), lend("k3", "soumu"));
        let lent = town_with(vec![key("k2", 2), key("k3", 3), keeper, loan_2, loan_3]);
        let loan_of = |key_id: &str| {
            let loan = lent.loans().find(|l| l.key_id == key_id);
            loan.expect("lent in the town").id.clone()
        };
        let receive = |key_id: &str, received_by: &str| {
            EventKind::KeyReturned(crate::key_log::KeyReturned {
                loan: loan_of(key_id),
                returned_at: Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap(),
                received_by: received_by.into(),
            })
        };
        let rows: Vec<(&str, &str, &str, NaiveDate, Option<RefusalCode>)> = vec![
            ("soumu", "k3", "soumu", day(), None),
            ("yamada", "k2", "yamada", keeper_from, None),
            ("yamada", "k2", "yamada", before, Some(not_handler.clone())),
            ("yamada", "k3", "yamada", day(), Some(not_handler.clone())),
            ("juumin", "k2", "juumin", day(), Some(not_handler)),
            (
                "yamada",
                "k2",
                "soumu",
                day(),
                Some(RefusalCode::HandledByAnother),
            ),
        ];
        for (operator, key_id, receiver, on, want) in rows {
            let got = check_authority(&lent, operator, &receive(key_id, receiver), on);
            let got = got.err().map(|r| r.0[0].clone());
            let code = got.as_ref().map(|r| r.code.clone());
            assert_eq!(
                code, want,
                "{operator} takes {key_id} back as {receiver} on {on}"
            );
            if let Some(refusal) = got {
                assert_eq!(refusal.article, Some(Article::KEYS));
            }
        }
    }
}
// ja-only-end
