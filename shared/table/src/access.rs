//! Single entities by key, and the write requests for them: the generic operations every access
//! pattern builds on, so none of them assembles a key or an attribute map itself.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, WriteRequest};

use crate::Table;
use crate::definition::DEFINITION;
use crate::entity::{Entity, decode, encode};
use crate::error::StoreError;
use crate::write::{delete_request, put_request, transact_delete, transact_put};

impl Table {
    /// The entity `input` names in `scope`, if stored. `consistent` asks for a strongly
    /// consistent read (catalog items that were just written); run results never change once
    /// published and are read eventually consistent.
    pub async fn get_entity<E: Entity>(
        &self,
        scope: &E::Scope,
        input: E::KeyInput<'_>,
        consistent: bool,
    ) -> Result<Option<E>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(E::primary_key(scope, input).item()))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(StoreError::dynamo("GetItem"))?;
        out.item.map(decode).transpose()
    }
}

/// A batch put of `value`.
pub fn batch_put<E: Entity>(
    value: &E,
    scope: &E::Scope,
    expires_at: Option<i64>,
) -> Result<WriteRequest, StoreError> {
    Ok(put_request(encode(value, scope, expires_at)?))
}

/// A batch delete of the entity `input` names in `scope`.
pub fn batch_delete<E: Entity>(scope: &E::Scope, input: E::KeyInput<'_>) -> WriteRequest {
    delete_request(E::primary_key(scope, input).item())
}

/// An unconditional transaction put of `value` into `table`.
pub fn transaction_put<E: Entity<Scope = ()>>(
    table: &str,
    value: &E,
) -> Result<TransactWriteItem, StoreError> {
    Ok(transact_put(table, encode(value, &(), None)?))
}

/// An unconditional transaction delete of `value`'s item in `table`.
pub fn transaction_delete<E: Entity<Scope = ()>>(table: &str, value: &E) -> TransactWriteItem {
    transact_delete(table, value.full_key(&()).primary.item())
}

/// The condition "no item is stored at this key yet", spelled from the table's definition (a
/// renamed key attribute cannot silently turn a create-if-absent into an overwrite).
pub fn if_absent() -> String {
    format!("attribute_not_exists({})", DEFINITION.partition_key)
}

/// The condition "an item is stored at this key".
pub fn if_present() -> String {
    format!("attribute_exists({})", DEFINITION.partition_key)
}

/// A transaction put of `value` that holds only if nothing is stored at its key yet.
pub fn transaction_create<E: Entity<Scope = ()>>(
    table: &str,
    value: &E,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(encode(value, &(), None)?))
                .condition_expression(if_absent())
                .build()
                .expect("table and item are set"),
        )
        .build())
}

/// A transaction check that the entity `input` names is stored (`present`) or is not.
pub fn transaction_check<E: Entity<Scope = ()>>(
    table: &str,
    input: E::KeyInput<'_>,
    present: bool,
) -> TransactWriteItem {
    TransactWriteItem::builder()
        .condition_check(
            ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(E::primary_key(&(), input).item()))
                .condition_expression(if present { if_present() } else { if_absent() })
                .build()
                .expect("table, key and condition are set"),
        )
        .build()
}
