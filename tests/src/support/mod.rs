//! Everything tests share, in one place: DynamoDB Local clients and throwaway tables
//! ([`dynamodb`]), API Gateway events and replies ([`events`], also used by `cargo xtask load`),
//! the fault-injecting proxy ([`fault_proxy`]), the fanout function's stream feed and bus
//! ([`fanout`]), domain fixtures ([`fixtures`]) and the payouts
//! tests' events, stand-in and clock ([`payouts`]).

pub mod dynamodb;
pub mod events;
#[cfg(test)]
pub mod fanout;
pub mod fault_proxy;
#[cfg(test)]
pub mod fixtures;
#[cfg(test)]
pub mod payouts;
