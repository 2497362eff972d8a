//! What the hospital offers in the app (see `hale_domain::offers`): read from its
//! CapabilityStatement at each sign-in, kept with the profile so that screens say so offline,
//! and checked before each call that needs a feature, so that a hospital without it gets no
//! request it would fail.

use hale_domain::{Feature, Offers};

use crate::{CoreError, Patient};

/// What a hospital offers, with its name for the sentences that say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HospitalOffers {
    pub hospital_name: Option<String>,
    pub offers: Offers,
}

impl Patient {
    /// What the hospital offers, as last read (everything, before it was ever read).
    pub async fn hospital_offers(&self) -> Result<HospitalOffers, CoreError> {
        Ok(match self.store.profile(&self.hospital_key).await? {
            Some(profile) => HospitalOffers {
                hospital_name: profile.hospital_name,
                offers: profile.offers,
            },
            None => HospitalOffers {
                hospital_name: None,
                offers: Offers::all(),
            },
        })
    }

    /// [`Self::hospital_offers`] without the name.
    pub async fn offers(&self) -> Result<Offers, CoreError> {
        Ok(self.hospital_offers().await?.offers)
    }

    /// The offers of the current sign-in, for what must be decided without waiting (see
    /// `allowed`). Set only with the sign-in's profile, under the session lock, so it never
    /// goes back to an older answer.
    pub(crate) fn offered(&self) -> Offers {
        *self.offers.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn remember_offers(&self, offers: Offers) {
        *self.offers.lock().unwrap_or_else(|e| e.into_inner()) = offers;
    }

    /// `Ok` when the hospital offers `feature` (the sign-in's profile is read first if it has
    /// not been yet).
    pub(crate) async fn require(&self, feature: Feature) -> Result<(), CoreError> {
        self.require_any(&[feature]).await
    }

    /// `Ok` when the hospital offers any of `features`; else refused as not offering the first.
    pub(crate) async fn require_any(&self, features: &[Feature]) -> Result<(), CoreError> {
        self.session().await?;
        let offers = self.offers().await?;
        match features.first() {
            Some(first) if !features.iter().any(|f| offers.contains(*f)) => {
                Err(hale_domain::NotOffered(*first).into())
            }
            _ => Ok(()),
        }
    }
}
