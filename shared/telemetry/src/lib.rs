//! What every function tells CloudWatch, written once for all six: JSON logs ([`logging`]) and
//! metrics as Embedded Metric Format log lines ([`emf`]).
//!
//! A crate of its own so the non-HTTP functions (`recompute`, `sync`, `payouts`, `fanout`) need
//! not depend on the HTTP edge to log, and every metric line has one shape that the template's
//! alarms read.

pub mod emf;
pub mod logging;
