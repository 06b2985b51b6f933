//! Positions, the role → position mapping, and terms of office (第3–5, 9, 13, 18条): seeded
//! with the regulation's 2024 text, and "who held role X on day D" answered from them.

use super::codec::{from_js, to_js};
use super::{append_in, schema, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use daicho_core::authority::check_authority;
use daicho_core::organisation::{
    default_positions, default_role_assignments, Organisation, Position, RoleAssigned,
    TenureRecorded,
};
use daicho_core::{EventKind, Registers};
use rexie::{Transaction, TransactionMode};
use wasm_bindgen::JsValue;

impl Store {
    /// Seeds the positions and the 2024 mapping once (also on a database made before them).
    pub(super) async fn seed_organisation(&self) -> Result<()> {
        let stores = [schema::POSITIONS, schema::ROLE_ASSIGNMENTS];
        let tx = self.write_transaction(&stores)?;
        if tx.store(schema::POSITIONS)?.count(None).await? == 0 {
            let now_ms = js_sys::Date::now() as i64;
            let operator = super::rooms::SYSTEM_OPERATOR;
            for position in default_positions() {
                let kind = EventKind::PositionDefined(position.clone());
                append_in(&tx, kind, operator, now_ms, |_| Vec::new()).await?;
                tx.store(schema::POSITIONS)?
                    .put(&to_js(&position), None)
                    .await?;
            }
            for assignment in default_role_assignments() {
                let kind = EventKind::RoleAssigned(assignment.clone());
                let event = append_in(&tx, kind, operator, now_ms, |_| Vec::new()).await?;
                let key = JsValue::from_str(&event.id().to_string());
                tx.store(schema::ROLE_ASSIGNMENTS)?
                    .put(&to_js(&assignment), Some(&key))
                    .await?;
            }
        }
        tx.done().await?;
        Ok(())
    }

    pub async fn positions(&self) -> Result<Vec<Position>> {
        let tx = self
            .db
            .transaction(&[schema::POSITIONS], TransactionMode::ReadOnly)?;
        let values = tx.store(schema::POSITIONS)?.get_all(None, None).await?;
        values.into_iter().map(from_js).collect()
    }

    /// The mapping and every term of office, as recorded.
    pub async fn organisation(&self) -> Result<Organisation> {
        let stores = [schema::ROLE_ASSIGNMENTS, schema::TENURES];
        let tx = self.db.transaction(&stores, TransactionMode::ReadOnly)?;
        read_organisation(&tx).await
    }

    /// Records a term of office if the position is free then and the operator may do so.
    pub async fn record_tenure(
        &self,
        tenure: TenureRecorded,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<TenureRecorded> {
        let kind = EventKind::TenureRecorded(tenure.clone());
        let key_by_event = |event: &daicho_core::Event| Some(event.id().to_string());
        self.organisation_write(kind, schema::TENURES, &tenure, key_by_event, operator, now)
            .await?;
        Ok(tenure)
    }

    /// Amends the role → position mapping from a date on (an amendment of the regulation).
    pub async fn amend_mapping(
        &self,
        assignment: RoleAssigned,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<RoleAssigned> {
        let kind = EventKind::RoleAssigned(assignment.clone());
        let key_by_event = |event: &daicho_core::Event| Some(event.id().to_string());
        self.organisation_write(
            kind,
            schema::ROLE_ASSIGNMENTS,
            &assignment,
            key_by_event,
            operator,
            now,
        )
        .await?;
        Ok(assignment)
    }

    /// Adds a position (or renames one: the same id).
    pub async fn define_position(
        &self,
        position: Position,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Position> {
        let kind = EventKind::PositionDefined(position.clone());
        self.organisation_write(kind, schema::POSITIONS, &position, |_| None, operator, now)
            .await?;
        Ok(position)
    }

    /// One checked write of the organisation's registers: the mapping, terms and positions
    /// are read in the transaction, the operator's authority and the rule checked, and the
    /// record stored in `store` (keyed by what `key` gives, or by its own key path).
    async fn organisation_write<T: serde::Serialize>(
        &self,
        kind: EventKind,
        store: &'static str,
        record: &T,
        key: impl Fn(&daicho_core::Event) -> Option<String>,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let stores = [schema::ROLE_ASSIGNMENTS, schema::TENURES, schema::POSITIONS];
        let tx = self.write_transaction(&stores)?;
        let mut registers = Registers {
            organisation: read_organisation(&tx).await?,
            ..Registers::default()
        };
        for value in tx.store(schema::POSITIONS)?.get_all(None, None).await? {
            let position: Position = from_js(value)?;
            registers.positions.insert(position.id.clone(), position);
        }
        let today = daicho_core::wareki::to_jst(now).date_naive();
        let checked = check_authority(&registers, operator, &kind, today)
            .and_then(|()| registers.check(&kind, now));
        if let Err(refusals) = checked {
            tx.abort().await?;
            return Err(StoreError::Refused(refusals));
        }
        let event = append_in(&tx, kind, operator, now.timestamp_millis(), |_| Vec::new()).await?;
        let key = key(&event).map(|k| JsValue::from_str(&k));
        tx.store(store)?.put(&to_js(record), key.as_ref()).await?;
        tx.done().await?;
        Ok(())
    }
}

async fn read_organisation(tx: &Transaction) -> Result<Organisation> {
    let assignments = tx
        .store(schema::ROLE_ASSIGNMENTS)?
        .get_all(None, None)
        .await?;
    let tenures = tx.store(schema::TENURES)?.get_all(None, None).await?;
    let mut organisation = Organisation::default();
    for value in assignments {
        organisation.apply_assignment(&from_js::<RoleAssigned>(value)?);
    }
    for value in tenures {
        organisation.apply_tenure(&from_js::<TenureRecorded>(value)?);
    }
    Ok(organisation)
}
