//! Everything tests share, in one place: DynamoDB Local clients and throwaway tables
//! ([`dynamodb`]), API Gateway events and replies ([`events`], also used by `cargo xtask load`),
//! the fault-injecting proxy ([`fault_proxy`]), domain fixtures ([`fixtures`]) and the payouts
//! tests' events, stand-in and clock ([`payouts`]).

pub mod dynamodb;
pub mod events;
pub mod fault_proxy;
#[cfg(test)]
pub mod fixtures;
#[cfg(test)]
pub mod payouts;
