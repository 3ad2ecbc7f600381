//! Integration tests of the BeatPass workspace, run against Amazon's DynamoDB Local.
//!
//! `cargo xtask test` starts DynamoDB Local and passes its endpoint in
//! `BEATPASS_TEST_DYNAMODB_ENDPOINT`; [`support`] turns that into clients and throwaway tables,
//! and holds every other helper tests share. All integration tests live in this one crate so the
//! AWS SDK is linked into one test binary.

pub mod support;

#[cfg(test)]
mod api_contract;
#[cfg(test)]
mod bad_inputs;
#[cfg(test)]
mod browser_caching;
#[cfg(test)]
mod chaos_credit_edits;
#[cfg(test)]
mod chaos_proxy;
#[cfg(test)]
mod chaos_runs;
#[cfg(test)]
mod chaos_sync;
#[cfg(test)]
mod collaboration_views;
#[cfg(test)]
mod consistency;
#[cfg(test)]
mod credits_accounts;
#[cfg(test)]
mod credits_api;
#[cfg(test)]
mod fanout_events;
#[cfg(test)]
mod fuzz_http;
#[cfg(test)]
mod golden_run;
#[cfg(test)]
mod import;
#[cfg(test)]
mod infra_template;
#[cfg(test)]
mod leaderboard_api;
#[cfg(test)]
mod leaderboards;
#[cfg(test)]
mod least_privilege;
#[cfg(test)]
mod payouts_failures;
#[cfg(test)]
mod payouts_flow;
#[cfg(test)]
mod payouts_month;
#[cfg(test)]
mod payouts_operators;
#[cfg(test)]
mod privacy;
#[cfg(test)]
mod recompute_machine;
#[cfg(test)]
mod recompute_run;
#[cfg(test)]
mod share_secrecy;
#[cfg(test)]
mod smoke;
#[cfg(test)]
mod store_access;
#[cfg(test)]
mod store_batch;
#[cfg(test)]
mod store_runs;
#[cfg(test)]
mod stripe_conformance;
#[cfg(test)]
mod sync_feed;
#[cfg(test)]
mod template_routes;
