//! Everything tests share, in one place; every test module is a leaf that imports only from
//! here (`xtask tidy` checks it). DynamoDB Local clients and throwaway tables ([`dynamodb`]),
//! API Gateway and SQS events ([`events`], from the `test-events` crate `cargo xtask` uses too),
//! the API functions as API Gateway calls them ([`api`]), the platform's feed into `sync`
//! ([`feed`]), the fault-injecting proxy ([`fault_proxy`]) and what the chaos tests share with
//! it ([`chaos`]), the fanout function's stream feed and bus ([`fanout`]), domain fixtures
//! ([`fixtures`]) and the payouts tests' events, stand-in and clock ([`payouts`]).

#[cfg(test)]
pub mod api;
#[cfg(test)]
pub mod chaos;
pub mod dynamodb;
pub mod events;
#[cfg(test)]
pub mod fanout;
pub mod fault_proxy;
#[cfg(test)]
pub mod feed;
#[cfg(test)]
pub mod fixtures;
#[cfg(test)]
pub mod payouts;
