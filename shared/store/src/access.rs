//! Single entities by key, and the write requests for them: the generic operations every access
//! pattern builds on, so none of them assembles a key or an attribute map itself.

use aws_sdk_dynamodb::types::{TransactWriteItem, WriteRequest};

use crate::Store;
use crate::entity::{Entity, decode, encode};
use crate::error::StoreError;
use crate::write::{delete_request, put_request, transact_delete, transact_put};

impl Store {
    /// The entity `input` names in `scope`, if stored. `consistent` asks for a strongly
    /// consistent read (catalog items that were just written); run results never change once
    /// published and are read eventually consistent.
    pub(crate) async fn get_entity<E: Entity>(
        &self,
        scope: &E::Scope,
        input: E::KeyInput<'_>,
        consistent: bool,
    ) -> Result<Option<E>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(E::primary_key(scope, input).item()))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(StoreError::dynamo("GetItem"))?;
        out.item.map(decode).transpose()
    }
}

/// A batch put of `value`.
pub(crate) fn batch_put<E: Entity>(
    value: &E,
    scope: &E::Scope,
    expires_at: Option<i64>,
) -> Result<WriteRequest, StoreError> {
    Ok(put_request(encode(value, scope, expires_at)?))
}

/// A batch delete of the entity `input` names in `scope`.
pub(crate) fn batch_delete<E: Entity>(scope: &E::Scope, input: E::KeyInput<'_>) -> WriteRequest {
    delete_request(E::primary_key(scope, input).item())
}

/// An unconditional transaction put of `value` into `table`.
pub(crate) fn transaction_put<E: Entity<Scope = ()>>(
    table: &str,
    value: &E,
) -> Result<TransactWriteItem, StoreError> {
    Ok(transact_put(table, encode(value, &(), None)?))
}

/// An unconditional transaction delete of `value`'s item in `table`.
pub(crate) fn transaction_delete<E: Entity<Scope = ()>>(
    table: &str,
    value: &E,
) -> TransactWriteItem {
    transact_delete(table, value.full_key(&()).primary.item())
}
