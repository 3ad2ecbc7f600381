//! The write requests the store sends: batch puts and deletes, and transaction puts and deletes.
//! Built here once so every caller (import, runs, transactions, tools) spells them the same way.

use aws_sdk_dynamodb::types::{
    Delete, DeleteRequest, Put, PutRequest, TransactWriteItem, WriteRequest,
};

use crate::entity::Item;

/// A `BatchWriteItem` put of `item`.
pub fn put_request(item: Item) -> WriteRequest {
    WriteRequest::builder()
        .put_request(
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .expect("item is set"),
        )
        .build()
}

/// A `BatchWriteItem` delete of the item at `key`.
pub fn delete_request(key: Item) -> WriteRequest {
    WriteRequest::builder()
        .delete_request(
            DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .expect("key is set"),
        )
        .build()
}

/// An unconditional transaction put of `item` into `table`.
pub fn transact_put(table: &str, item: Item) -> TransactWriteItem {
    TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .build()
                .expect("table and item are set"),
        )
        .build()
}

/// An unconditional transaction delete of the item at `key` in `table`.
pub fn transact_delete(table: &str, key: Item) -> TransactWriteItem {
    TransactWriteItem::builder()
        .delete(
            Delete::builder()
                .table_name(table)
                .set_key(Some(key))
                .build()
                .expect("table and key are set"),
        )
        .build()
}
