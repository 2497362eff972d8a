//! Searches read to their end: a hospital pages its answers (`Bundle.link` `next`), and a
//! patient's list must not silently stop at the first page.

use hale_fhir::{Bundle, Resource};
use url::Url;

use crate::{unexpected, ClientError, HospitalClient, Session};

/// The most pages one search follows: far past any patient's records at the server's page
/// sizes, and a stop for a server whose `next` links go round in a circle.
const MAX_PAGES: usize = 100;

impl HospitalClient {
    /// Every page of the search at `url`, as one Bundle. A `next` link that leaves this
    /// hospital's FHIR base is refused, so the patient's token is never sent elsewhere.
    pub(crate) async fn search_pages(
        &self,
        session: &Session,
        url: Url,
    ) -> Result<Bundle, ClientError> {
        let mut all: Option<Bundle> = None;
        let mut next = Some(url);
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else {
                break;
            };
            let Resource::Bundle(page) =
                self.fetch(self.authed(self.http.get(url), session)).await?
            else {
                return Err(unexpected("Bundle"));
            };
            next = page.next_page().map(|n| self.page_url(n)).transpose()?;
            match &mut all {
                None => all = Some(page),
                Some(bundle) => bundle.entry.extend(page.entry),
            }
        }
        if next.is_some() {
            return Err(ClientError::InvalidResponse(format!(
                "the search has more than {MAX_PAGES} pages"
            )));
        }
        let mut bundle = all.unwrap_or_default();
        bundle.link.retain(|l| l.relation != "next");
        Ok(bundle)
    }

    /// A `next` link, absolute or relative to the base, if it stays under the FHIR base.
    fn page_url(&self, link: &str) -> Result<Url, ClientError> {
        let url = self.url(link)?;
        if url.origin() == self.fhir_base.origin() && url.path().starts_with(self.fhir_base.path())
        {
            Ok(url)
        } else {
            Err(ClientError::InvalidResponse(
                "the hospital's next page is not on its own FHIR server".into(),
            ))
        }
    }
}
