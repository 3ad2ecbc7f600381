//! What only tools and tests run, behind the store's one `tools` gate: no Lambda builds any of
//! it, so none of it is in a function's zip.
//!
//! Creating and deleting tables and the write-throughput probe ([`admin`]), catalog import
//! ([`import`]), the consistency checker ([`consistency`]) and the shared-track projection's
//! comparison and rebuild ([`shared_track_projection`]), the wire clock ([`wire_clock`]), the
//! SDK-level pieces tests use underneath the access patterns ([`raw`]), and DynamoDB Local's
//! change stream ([`local_stream`], the `local-stream` feature).

pub mod admin;
pub mod consistency;
pub mod import;

pub mod raw;
pub mod shared_track_projection;
pub mod wire_clock;
