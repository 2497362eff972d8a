//! Searches read to their end: a hospital pages its answers (`Bundle.link` `next`), and a
//! patient's list must not silently stop at the first page.

use hale_fhir::{Bundle, Resource};
use serde_json::Value;
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
        match serde_json::from_value(self.json_pages(session, url).await?) {
            Ok(Resource::Bundle(bundle)) => Ok(bundle),
            Ok(_) => Err(unexpected("Bundle")),
            Err(e) => Err(ClientError::InvalidResponse(e.to_string())),
        }
    }

    /// Every page of the search at `url`, as one Bundle exactly as the hospital wrote it: the
    /// first page with the others' entries after its own, and no `next` link.
    pub(crate) async fn json_pages(
        &self,
        session: &Session,
        url: Url,
    ) -> Result<Value, ClientError> {
        let mut all: Option<Value> = None;
        let mut next = Some(url);
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else {
                break;
            };
            let mut page: Value = self
                .fetch_json(self.authed(self.http.get(url), session))
                .await?;
            if page["resourceType"] != "Bundle" {
                return Err(unexpected("Bundle"));
            }
            next = next_link(&page).map(|n| self.page_url(&n)).transpose()?;
            match &mut all {
                None => all = Some(page),
                Some(bundle) => {
                    let more = page["entry"].take();
                    if let (Some(to), Value::Array(more)) = (entries(bundle), more) {
                        to.extend(more);
                    }
                }
            }
        }
        if next.is_some() {
            return Err(ClientError::InvalidResponse(format!(
                "the search has more than {MAX_PAGES} pages"
            )));
        }
        let mut bundle = all.unwrap_or_else(|| serde_json::json!({"resourceType": "Bundle"}));
        if let Some(Value::Array(links)) = bundle.get_mut("link") {
            links.retain(|l| l["relation"] != "next");
        }
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

fn next_link(page: &Value) -> Option<String> {
    page["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == "next")
        .and_then(|l| l["url"].as_str())
        .map(str::to_owned)
}

/// The bundle's entries, made an empty list if it had none.
fn entries(bundle: &mut Value) -> Option<&mut Vec<Value>> {
    let object = bundle.as_object_mut()?;
    object
        .entry("entry")
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
}
