//! The store by owner: one view per group of partitions, as the template grants writes.
//!
//! `infra/template.yaml` gives each function write access to the partitions it owns
//! (`dynamodb:LeadingKeys`): the catalog's (tracks, plays, profiles, discographies, artist
//! names, declines, edit buckets, shared tracks) to `credits`, `sync` and `fanout`; a run's to
//! `recompute`; the payout records to `payouts`. The access patterns are grouped the same way,
//! behind [`Store::catalog`], [`Store::runs`] and [`Store::payouts`], so a function's calls show
//! which partitions it touches, and `xtask/src/tidy_graph.rs` holds each function to its owners.
//! Each view is a borrow of the one store (one client, one table).

use std::ops::Deref;

use crate::Store;

/// Tracks, plays, profiles, discographies, artist names, declines, edit buckets, shared tracks.
#[derive(Clone, Copy)]
pub struct Catalog<'s>(&'s Store);

/// A recompute run's items, its pointer, counter snapshots and series points.
#[derive(Clone, Copy)]
pub struct Runs<'s>(&'s Store);

/// Payout splits, statements, rosters and open markers.
#[derive(Clone, Copy)]
pub struct Payouts<'s>(&'s Store);

impl Store {
    /// The catalog's access patterns.
    pub fn catalog(&self) -> Catalog<'_> {
        Catalog(self)
    }

    /// A run's access patterns.
    pub fn runs(&self) -> Runs<'_> {
        Runs(self)
    }

    /// The payout records' access patterns.
    pub fn payouts(&self) -> Payouts<'_> {
        Payouts(self)
    }
}

/// Each view reaches the store's shared machinery (client, table, batch and entity helpers)
/// through its store; what it may do is its own methods.
macro_rules! view_of_store {
    ($($view:ident),*) => {$(
        impl Deref for $view<'_> {
            type Target = Store;

            fn deref(&self) -> &Store {
                self.0
            }
        }
    )*};
}

view_of_store!(Catalog, Runs, Payouts);
