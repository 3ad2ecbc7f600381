//! The terms of a monthly payout: which month, which currency, the life of a producer's
//! statement (`published-rules.md`, "Subscription payout split": Queued → Sending → Paid, or
//! Failed; Excluded for those not paid; Held while the producer's account cannot take it), and
//! how an amount above Stripe's per-transfer maximum is cut into transfers.
//!
//! The status machine lives here, pure, so every writer asks the same question before its
//! conditional write: may a statement move from this status to that one?

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A payout month, `YYYY-MM` (years 2000–9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PayoutPeriod {
    year: u16,
    month: u8,
}

/// Why a text is not a payout period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a payout period: expected YYYY-MM (e.g. 2026-11)")]
pub struct BadPeriod(pub String);

impl PayoutPeriod {
    pub fn parse(text: &str) -> Result<Self, BadPeriod> {
        let bad = || BadPeriod(text.to_owned());
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        if year.len() != 4
            || month.len() != 2
            || !(year.bytes().chain(month.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: u16 = year.parse().map_err(|_| bad())?;
        let month: u8 = month.parse().map_err(|_| bad())?;
        if !(2000..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    /// Months since year 0: consecutive periods are consecutive numbers.
    pub fn month_number(self) -> u32 {
        u32::from(self.year) * 12 + u32::from(self.month) - 1
    }

    /// How many months after this period the month of `at` is (0 within it, 0 before it).
    pub fn months_until(self, at: DateTime<Utc>) -> u32 {
        let at_month = u32::try_from(at.year()).unwrap_or(0) * 12 + at.month0();
        at_month.saturating_sub(self.month_number())
    }

    /// The month after this one (its first day is when this period ends).
    pub fn next(self) -> (u16, u8) {
        if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        }
    }

    /// When the period ends: the first instant of the next month, UTC.
    pub fn end(self) -> DateTime<Utc> {
        let (year, month) = self.next();
        Utc.with_ymd_and_hms(i32::from(year), u32::from(month), 1, 0, 0, 0)
            .single()
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

impl std::fmt::Display for PayoutPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for PayoutPeriod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PayoutPeriod {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The currencies BeatPass pays in, all with two decimal places (published: USD default, EUR,
/// GBP, CAD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    Usd,
    Eur,
    Gbp,
    Cad,
}

impl Currency {
    /// Stripe's spelling (lowercase ISO code).
    pub fn stripe_code(self) -> &'static str {
        match self {
            Currency::Usd => "usd",
            Currency::Eur => "eur",
            Currency::Gbp => "gbp",
            Currency::Cad => "cad",
        }
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Cad => "CAD",
        })
    }
}

/// Where a producer's statement for a period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatementStatus {
    /// Eligible, waiting for its transfer.
    Queued,
    /// The transfer request is (or was, if the sender died) on its way to Stripe.
    Sending,
    /// Stripe created the transfer (every part of it).
    Paid,
    /// The transfer failed; retried when the cause is retryable.
    Failed,
    /// Not sent now, and not failed: the producer was not payout-ready when it was to be sent,
    /// Stripe could not take it on their account (a paused `transfers` capability), or an
    /// operator holds it. Sent when the producer's payout fields next change or an operator
    /// releases it.
    Held,
    /// Held longer than the limit: handed to operators, no longer retried by the hourly step.
    Escalated,
    /// Not payout-ready when the split ran: nothing is paid for this period (final).
    Excluded,
    /// Payout-ready, but the exact share rounds to 0 minor units: nothing to send (final, no
    /// transfer; Stripe refuses a transfer of 0).
    #[serde(rename = "nothing_due")]
    NothingDue,
    /// Its split was voided by an operator before anything was sent (final).
    Voided,
}

impl StatementStatus {
    /// Whether a statement may move from `self` to `to`. Only forward: Queued → Sending; Sending →
    /// Paid, Failed, or Sending again (a retry of a send that died); Failed → Sending (a retry).
    /// Any statement not yet paid may be held (Queued, Sending, Failed, Held → Held), a hold is
    /// sent (Held → Sending) or handed to operators (Held → Escalated, and back when released:
    /// Escalated → Held). A split that never sent anything may be voided: Queued, Held,
    /// Escalated, Excluded and nothing due → Voided. Paid and Voided are final.
    pub fn may_move_to(self, to: StatementStatus) -> bool {
        use StatementStatus::*;
        matches!(
            (self, to),
            (Queued, Sending)
                | (Sending, Sending)
                | (Sending, Paid)
                | (Sending, Failed)
                | (Failed, Sending)
                | (Queued | Sending | Failed | Held | Escalated, Held)
                | (Held, Sending)
                | (Held, Escalated)
                | (Queued | Held | Escalated | Excluded | NothingDue, Voided)
        )
    }

    /// Whether no money will ever move for the statement again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            StatementStatus::Paid
                | StatementStatus::Excluded
                | StatementStatus::NothingDue
                | StatementStatus::Voided
        )
    }

    /// Every status, for tests and documentation.
    pub const ALL: [StatementStatus; 9] = [
        StatementStatus::Queued,
        StatementStatus::Sending,
        StatementStatus::Paid,
        StatementStatus::Failed,
        StatementStatus::Held,
        StatementStatus::Escalated,
        StatementStatus::Excluded,
        StatementStatus::NothingDue,
        StatementStatus::Voided,
    ];
}

/// The largest amount Stripe accepts in one transfer, in minor units (eight digits for the
/// two-decimal currencies BeatPass pays in: 999,999.99).
pub const MAX_TRANSFER_MINOR: u64 = 99_999_999;

/// The transfers that pay `amount_minor`: one when it fits in one transfer, else as few parts as
/// fit, as equal as whole minor units allow (the first ones one unit larger), numbered from 1.
/// Deterministic, so every retry of a statement sends the same parts; they sum to the amount.
pub fn transfer_parts(amount_minor: u64) -> Vec<(u32, u64)> {
    if amount_minor == 0 {
        return Vec::new();
    }
    let count = amount_minor.div_ceil(MAX_TRANSFER_MINOR);
    let (base, extra) = (amount_minor / count, amount_minor % count);
    (0..count)
        .map(|i| ((i + 1) as u32, base + u64::from(i < extra)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatementStatus::*;

    #[test]
    fn periods_are_year_and_month_only() {
        assert_eq!(
            PayoutPeriod::parse("2026-11").map(|p| p.to_string()),
            Ok("2026-11".into())
        );
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026-11-01",
            "２０２６-11",
            "",
            "1999-12",
            "2026-+1",
        ] {
            assert!(PayoutPeriod::parse(bad).is_err(), "{bad}");
        }
        assert!(PayoutPeriod::parse("2026-09").ok() < PayoutPeriod::parse("2026-10").ok());
        let december = PayoutPeriod::parse("2026-12").expect("period");
        let january = PayoutPeriod::parse("2027-01").expect("period");
        assert_eq!(december.next(), (2027, 1));
        assert_eq!(january.month_number(), december.month_number() + 1);
    }

    #[test]
    fn statuses_only_move_forward() {
        let allowed: Vec<(StatementStatus, StatementStatus)> = StatementStatus::ALL
            .iter()
            .flat_map(|a| StatementStatus::ALL.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.may_move_to(*b))
            .collect();
        assert_eq!(
            allowed,
            [
                (Queued, Sending),
                (Queued, Held),
                (Queued, Voided),
                (Sending, Sending),
                (Sending, Paid),
                (Sending, Failed),
                (Sending, Held),
                (Failed, Sending),
                (Failed, Held),
                (Held, Sending),
                (Held, Held),
                (Held, Escalated),
                (Held, Voided),
                (Escalated, Held),
                (Escalated, Voided),
                (Excluded, Voided),
                (NothingDue, Voided),
            ]
        );
        for status in StatementStatus::ALL {
            assert_eq!(
                status.is_final(),
                [Paid, Excluded, NothingDue, Voided].contains(&status),
                "{status:?}"
            );
        }
        // Nothing leaves Paid or Voided.
        assert!(
            StatementStatus::ALL
                .iter()
                .all(|to| !Paid.may_move_to(*to) && !Voided.may_move_to(*to))
        );
    }

    #[test]
    fn large_amounts_are_paid_in_parts_that_sum_to_them() {
        assert_eq!(transfer_parts(0), []);
        assert_eq!(transfer_parts(1), [(1, 1)]);
        assert_eq!(
            transfer_parts(MAX_TRANSFER_MINOR),
            [(1, MAX_TRANSFER_MINOR)]
        );
        assert_eq!(
            transfer_parts(MAX_TRANSFER_MINOR + 1),
            [(1, 50_000_000), (2, 50_000_000)]
        );
        // 1.5 times the maximum: two parts, one unit apart at most.
        assert_eq!(
            transfer_parts(149_999_999),
            [(1, 75_000_000), (2, 74_999_999)]
        );
        for amount in [
            3 * MAX_TRANSFER_MINOR,
            3 * MAX_TRANSFER_MINOR + 2,
            10_000_000_000,
            123_456_789_012,
        ] {
            let parts = transfer_parts(amount);
            assert_eq!(parts.iter().map(|(_, a)| a).sum::<u64>(), amount);
            assert!(
                parts
                    .iter()
                    .all(|(_, a)| *a <= MAX_TRANSFER_MINOR && *a > 0)
            );
            assert_eq!(parts.len() as u64, amount.div_ceil(MAX_TRANSFER_MINOR));
            let numbers: Vec<u32> = parts.iter().map(|(n, _)| *n).collect();
            assert_eq!(numbers, (1..=parts.len() as u32).collect::<Vec<_>>());
        }
    }
}
