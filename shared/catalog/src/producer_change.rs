//! A change to a producer's profile as the live feed sends it: only the fields a message carries.
//!
//! The platform sends a producer message when something about the producer changes, and not
//! every sender knows every field: a Stripe webhook knows the account and its flags, a profile
//! edit knows the name and tags. A message that replaced the whole profile would reset what it
//! left out (review L6: a name-only message cleared the Stripe account, and the producer was
//! quietly excluded from the next payout). So an absent field is left as stored, and clearing is
//! said out loud: `"stripeAccountId": null` removes the account, `"genres": []` empties the list.

use contribution::ProducerId;

use crate::records::{FieldError, Producer};

/// Why a change cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProducerChangeError {
    #[error("producer {0} is new, so the message must carry its name")]
    NewWithoutName(ProducerId),
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// The fields one message carries; `None` is "not in the message".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerChange {
    pub id: ProducerId,
    pub name: Option<String>,
    pub genres: Option<Vec<String>>,
    pub styles: Option<Vec<String>>,
    /// `Some(None)` clears the account.
    pub stripe_account_id: Option<Option<String>>,
    pub charges_enabled: Option<bool>,
    pub payouts_enabled: Option<bool>,
    pub profile_complete: Option<bool>,
}

impl ProducerChange {
    /// A change to `id` carrying nothing yet.
    pub fn of(id: ProducerId) -> Self {
        Self {
            id,
            name: None,
            genres: None,
            styles: None,
            stripe_account_id: None,
            charges_enabled: None,
            payouts_enabled: None,
            profile_complete: None,
        }
    }

    /// A change carrying every field of `producer` (an import line, a whole profile).
    pub fn whole(producer: &Producer) -> Self {
        Self {
            id: producer.id.clone(),
            name: Some(producer.name.clone()),
            genres: Some(producer.genres.clone()),
            styles: Some(producer.styles.clone()),
            stripe_account_id: Some(producer.stripe_account_id.clone()),
            charges_enabled: Some(producer.charges_enabled),
            payouts_enabled: Some(producer.payouts_enabled),
            profile_complete: Some(producer.profile_complete),
        }
    }

    /// Whether it carries a payout field (`stripeAccountId`, `chargesEnabled`,
    /// `payoutsEnabled`): what Stripe's `account.updated` changes. These fields have a stamp of
    /// their own, so a late Stripe message still applies over a newer name edit (review N3).
    pub fn carries_payout_fields(&self) -> bool {
        self.stripe_account_id.is_some()
            || self.charges_enabled.is_some()
            || self.payouts_enabled.is_some()
    }

    /// Whether it carries a profile field (name, genres, styles, completeness): what a profile
    /// edit changes, under the profile fields' own stamp.
    pub fn carries_profile_fields(&self) -> bool {
        self.name.is_some()
            || self.genres.is_some()
            || self.styles.is_some()
            || self.profile_complete.is_some()
    }

    /// This change without its payout fields, or without its profile fields: what is left of it
    /// once a newer change of that group was applied.
    pub fn without(&self, payout_fields: bool, profile_fields: bool) -> Self {
        let mut kept = self.clone();
        if payout_fields {
            kept.stripe_account_id = None;
            kept.charges_enabled = None;
            kept.payouts_enabled = None;
        }
        if profile_fields {
            kept.name = None;
            kept.genres = None;
            kept.styles = None;
            kept.profile_complete = None;
        }
        kept
    }

    /// Checks the fields this change carries, without the stored profile: what `apply` would
    /// refuse whatever is stored (a blank name, a bad account id), so a message can be refused
    /// before anything is read.
    pub fn check(&self) -> Result<(), FieldError> {
        let valid_stand_in = Producer {
            id: self.id.clone(),
            name: "-".to_owned(),
            genres: Vec::new(),
            styles: Vec::new(),
            stripe_account_id: None,
            charges_enabled: false,
            payouts_enabled: false,
            profile_complete: false,
        };
        match self.apply(Some(&valid_stand_in)) {
            Ok(_) => Ok(()),
            Err(ProducerChangeError::Field(e)) => Err(e),
            Err(ProducerChangeError::NewWithoutName(_)) => Ok(()),
        }
    }

    /// The profile after this change: `current` (when the producer is known) with the carried
    /// fields replaced, every field checked as a new profile's would be.
    pub fn apply(&self, current: Option<&Producer>) -> Result<Producer, ProducerChangeError> {
        let name = match (&self.name, current) {
            (Some(name), _) => name.as_str(),
            (None, Some(current)) => current.name.as_str(),
            (None, None) => return Err(ProducerChangeError::NewWithoutName(self.id.clone())),
        };
        let kept = |field: &Option<Vec<String>>, stored: fn(&Producer) -> &Vec<String>| {
            field
                .clone()
                .or_else(|| current.map(|c| stored(c).clone()))
                .unwrap_or_default()
        };
        let genres = kept(&self.genres, |p| &p.genres);
        let styles = kept(&self.styles, |p| &p.styles);
        let stripe_account_id = match &self.stripe_account_id {
            Some(carried) => carried.clone(),
            None => current.and_then(|c| c.stripe_account_id.clone()),
        };
        let mut producer = Producer::new(
            self.id.clone(),
            name,
            &genres,
            &styles,
            stripe_account_id.as_deref(),
        )?;
        let flag = |carried: Option<bool>, stored: fn(&Producer) -> bool| {
            carried.unwrap_or_else(|| current.is_some_and(stored))
        };
        producer.charges_enabled = flag(self.charges_enabled, |p| p.charges_enabled);
        producer.payouts_enabled = flag(self.payouts_enabled, |p| p.payouts_enabled);
        producer.profile_complete = flag(self.profile_complete, |p| p.profile_complete);
        Ok(producer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> Producer {
        let mut p = Producer::new(
            ProducerId::parse("p0").expect("an id"),
            "Nova",
            &["trap".to_owned()],
            &["dark".to_owned()],
            Some("acct_1"),
        )
        .expect("a producer");
        p.charges_enabled = true;
        p.payouts_enabled = true;
        p.profile_complete = true;
        p
    }

    fn change() -> ProducerChange {
        ProducerChange::of(ProducerId::parse("p0").expect("an id"))
    }

    #[test]
    fn an_absent_field_is_left_as_stored() {
        let renamed = ProducerChange {
            name: Some("Nova Beats".into()),
            ..change()
        }
        .apply(Some(&stored()))
        .expect("applies");
        assert_eq!(
            renamed,
            Producer {
                name: "Nova Beats".into(),
                ..stored()
            }
        );
        let paused = ProducerChange {
            payouts_enabled: Some(false),
            ..change()
        }
        .apply(Some(&stored()))
        .expect("applies");
        assert!(!paused.payouts_enabled && paused.charges_enabled);
        assert_eq!(paused.stripe_account_id.as_deref(), Some("acct_1"));
    }

    #[test]
    fn fields_fall_in_two_groups() {
        let stripe = ProducerChange {
            payouts_enabled: Some(false),
            ..change()
        };
        assert!(stripe.carries_payout_fields() && !stripe.carries_profile_fields());
        let edit = ProducerChange {
            name: Some("Nova".into()),
            ..change()
        };
        assert!(edit.carries_profile_fields() && !edit.carries_payout_fields());
        let whole = ProducerChange::whole(&stored());
        assert_eq!(whole.without(true, false).stripe_account_id, None);
        assert_eq!(whole.without(true, false).name.as_deref(), Some("Nova"));
        assert_eq!(whole.without(false, true).name, None);
        assert!(!whole.without(true, true).carries_payout_fields());
        assert!(!whole.without(true, true).carries_profile_fields());
    }

    #[test]
    fn clearing_is_explicit() {
        let cleared = ProducerChange {
            stripe_account_id: Some(None),
            genres: Some(Vec::new()),
            ..change()
        }
        .apply(Some(&stored()))
        .expect("applies");
        assert_eq!(cleared.stripe_account_id, None);
        assert!(cleared.genres.is_empty());
        assert_eq!(cleared.styles, ["dark"]);
    }

    #[test]
    fn a_new_producer_needs_a_name_and_every_carried_field_is_checked() {
        assert_eq!(
            change().apply(None),
            Err(ProducerChangeError::NewWithoutName(
                ProducerId::parse("p0").expect("an id")
            ))
        );
        let new = ProducerChange {
            name: Some("Nova".into()),
            ..change()
        }
        .apply(None)
        .expect("a new profile");
        assert!(!new.payout_ready() && new.genres.is_empty());
        let bad = ProducerChange {
            stripe_account_id: Some(Some("not-an-account".into())),
            ..change()
        };
        assert!(matches!(
            bad.apply(Some(&stored())),
            Err(ProducerChangeError::Field(FieldError::StripeAccount(_)))
        ));
        assert_eq!(
            ProducerChange::whole(&stored()).apply(None),
            Ok(stored()),
            "a whole profile is itself"
        );
    }
}
