//! Everything tests share, in one place: DynamoDB Local clients and throwaway tables
//! ([`dynamodb`]), API Gateway events and replies ([`events`], also used by `cargo xtask load`),
//! the fault-injecting proxy ([`fault_proxy`]) and domain fixtures ([`fixtures`]).

pub mod dynamodb;
pub mod events;
pub mod fault_proxy;
#[cfg(test)]
pub mod fixtures;
