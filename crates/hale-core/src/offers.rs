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
        let (hospital_name, offers) = match self.store.profile(&self.hospital_key).await? {
            Some(profile) => (profile.hospital_name, profile.offers),
            None => (None, self.offered()),
        };
        self.remember_offers(offers);
        Ok(HospitalOffers {
            hospital_name,
            offers,
        })
    }

    /// [`Self::hospital_offers`] without the name.
    pub async fn offers(&self) -> Result<Offers, CoreError> {
        Ok(self.hospital_offers().await?.offers)
    }

    /// The hospital's offers as this sign-in read them.
    pub(crate) fn offered(&self) -> Offers {
        *self.offers.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn remember_offers(&self, offers: Offers) {
        *self.offers.lock().unwrap_or_else(|e| e.into_inner()) = offers;
    }

    /// `Ok` when the hospital offers `feature`, as read at this sign-in (which this reads first
    /// if it has not yet).
    pub(crate) async fn require(&self, feature: Feature) -> Result<(), CoreError> {
        self.session().await?;
        Ok(self.offered().require(feature)?)
    }
}
