//! Positions, the role → position mapping, and terms of office (第3–5, 9, 13, 18条): seeded
//! with the regulation's 2024 text, and "who held role X on day D" answered from them.

use super::codec::from_js;
use super::{append_in, schema, Result, Store};
use chrono::{DateTime, Utc};
use daicho_core::organisation::{
    default_positions, default_role_assignments, Organisation, Position, RoleAssigned,
    TenureRecorded,
};
use daicho_core::{EventKind, EventTag, Versioned};
use rexie::{Transaction, TransactionMode};

impl Store {
    /// Seeds the positions and the 2024 mapping once (also on a database made before them).
    pub(super) async fn seed_organisation(&self) -> Result<()> {
        let tx = self.write_transaction(false)?;
        if tx.store(schema::POSITIONS)?.count(None).await? == 0 {
            let now_ms = js_sys::Date::now() as i64;
            let operator = super::rooms::SYSTEM_OPERATOR;
            let positions = default_positions()
                .into_iter()
                .map(EventKind::PositionDefined);
            let mapping = default_role_assignments()
                .into_iter()
                .map(EventKind::RoleAssigned);
            for kind in positions.chain(mapping) {
                append_in(&tx, kind, operator, now_ms).await?;
            }
        }
        super::committed(tx).await?;
        Ok(())
    }

    /// Seeds the equipment of 第16条 once, as events marked as defaults to edit.
    pub(super) async fn seed_equipment(&self) -> Result<()> {
        let tx = self.write_transaction(false)?;
        let index = tx.store(schema::EVENTS)?.index(schema::EVENTS_BY_KIND)?;
        let tag = EventTag::EquipmentRegistered.as_str();
        if index.count(Some(super::registers::only(tag)?)).await? == 0 {
            let now_ms = js_sys::Date::now() as i64;
            let operator = super::rooms::SYSTEM_OPERATOR;
            for item in daicho_core::equipment::default_equipment() {
                let kind = EventKind::EquipmentRegistered(item);
                append_in(&tx, kind, operator, now_ms).await?;
            }
        }
        super::committed(tx).await?;
        Ok(())
    }

    pub async fn positions(&self) -> Result<Vec<Position>> {
        let tx = self
            .db
            .transaction(&[schema::POSITIONS], TransactionMode::ReadOnly)?;
        let values = tx.store(schema::POSITIONS)?.get_all(None, None).await?;
        let positions: Vec<Versioned<Position>> =
            values.into_iter().map(from_js).collect::<Result<_>>()?;
        Ok(positions.into_iter().map(|p| p.value).collect())
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
        self.record(kind, operator, now).await?;
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
        self.record(kind, operator, now).await?;
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
        self.record(kind, operator, now).await?;
        Ok(position)
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
        organisation.apply_assignment(&from_js::<Versioned<RoleAssigned>>(value)?.value);
    }
    for value in tenures {
        organisation.apply_tenure(&from_js::<Versioned<TenureRecorded>>(value)?.value);
    }
    Ok(organisation)
}
