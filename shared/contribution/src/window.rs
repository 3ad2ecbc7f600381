//! Leaderboard timeframes: all time, or the 7 or 30 days up to a run's as-of.
//!
//! One type from the core to the answers: the recompute's per-window tallies are indexed by it,
//! the store names board partitions and baselines by it, the API parses `?period=` into it. (The
//! windows were once spelled six ways: day counts, array positions, field names.) The periods are
//! BeatPass's published timeframes (`../shared/product/published-rules.md`, "Leaderboards").

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A leaderboard timeframe.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum Period {
    /// Since the catalog began.
    #[default]
    #[serde(rename = "all")]
    All,
    /// The seven days up to the run's as-of.
    #[serde(rename = "7d")]
    Days7,
    /// The thirty days up to the run's as-of.
    #[serde(rename = "30d")]
    Days30,
}

/// How many windows there are (every period but all-time).
pub const WINDOW_COUNT: usize = 2;

impl Period {
    pub const ALL: [Period; 3] = [Period::All, Period::Days7, Period::Days30];
    /// The windows, in the order per-window arrays ([`PerWindow`]) hold them.
    pub const WINDOWS: [Period; WINDOW_COUNT] = [Period::Days7, Period::Days30];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::All => "all",
            Period::Days7 => "7d",
            Period::Days30 => "30d",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The longest window's length in days (how long a run's counters must be kept).
    pub const fn longest_window_days() -> i64 {
        let mut longest = 0;
        let mut i = 0;
        while i < WINDOW_COUNT {
            if let Some(days) = Self::WINDOWS[i].days()
                && days > longest
            {
                longest = days;
            }
            i += 1;
        }
        longest
    }

    /// The window's length in days, or `None` for all-time.
    pub const fn days(self) -> Option<i64> {
        match self {
            Period::All => None,
            Period::Days7 => Some(7),
            Period::Days30 => Some(30),
        }
    }

    /// Where the window of a run as of `as_of` starts (exclusive), or `None` for all-time.
    pub fn start(self, as_of: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Some(as_of - TimeDelta::days(self.days()?))
    }

    /// The window's place in [`Period::WINDOWS`], or `None` for all-time.
    pub fn window_index(self) -> Option<usize> {
        Self::WINDOWS.iter().position(|w| *w == self)
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value per window, in [`Period::WINDOWS`] order.
pub type PerWindow<T> = [T; WINDOW_COUNT];

/// A value for each window, made by `f`.
pub fn per_window<T>(mut f: impl FnMut(Period) -> T) -> PerWindow<T> {
    Period::WINDOWS.map(&mut f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_windows_index_their_arrays() {
        for period in Period::ALL {
            assert_eq!(Period::parse(period.as_str()), Some(period));
            let json = serde_json::to_string(&period).expect("serialises");
            assert_eq!(json, format!("\"{period}\""));
        }
        for (i, window) in Period::WINDOWS.into_iter().enumerate() {
            assert_eq!(window.window_index(), Some(i));
        }
        assert_eq!(Period::All.window_index(), None);
        let as_of: DateTime<Utc> = "2026-11-21T00:00:00Z".parse().expect("instant");
        assert_eq!(
            Period::Days7.start(as_of),
            Some("2026-11-14T00:00:00Z".parse().expect("instant"))
        );
        assert_eq!(per_window(|p| p.days()), [Some(7), Some(30)]);
    }
}
