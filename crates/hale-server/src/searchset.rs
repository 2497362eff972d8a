//! A FHIR search answered the way R4 says a server answers one (http.html#search, search.html):
//! - the `self` link is the search as the server understood it: the parameters it used, and no
//!   others;
//! - a parameter the server does not know is left out of that link and ignored, unless the client
//!   asked `Prefer: handling=strict`, when it is refused with a 400 naming it;
//! - `_count` and `_offset` page every search, and `next` links are absolute;
//! - each entry has its `fullUrl` and its `search.mode` (`match`, or `include` for a resource
//!   returned because a match refers to it or it to a match);
//! - `total` is given whenever the whole result is known.
//!
//! A handler reads its parameters from [`Search::params`], passes the ones it does not know to
//! [`Search::unknown`], and answers with [`Search::bundle`] (paged by its SQL) or
//! [`Search::page`] (a small result paged here).

use axum::http::HeaderMap;
use axum::response::Response;
use hale_fhir::{Bundle, BundleEntry, BundleLink, BundleSearch, Resource, SearchMode};

use crate::db::Sql;
use crate::error::fhir_json;
use crate::origin::fhir_base;
use crate::FhirError;

/// How a kind of search pages: the page when the client does not say, and the most it may ask.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub default: u32,
    pub max: u32,
}

/// One search request, parsed.
#[derive(Debug)]
pub(crate) struct Search {
    resource_type: &'static str,
    /// Where the search is, below the base: the type, or an operation such as
    /// `Patient/{id}/$everything`.
    path: String,
    base: String,
    strict: bool,
    /// Every parameter but the paging ones, in the order given.
    params: Vec<(String, String)>,
    /// The parameters [`Search::unknown`] was told of: left out of the `self` link.
    ignored: Vec<(String, String)>,
    count: u32,
    offset: u32,
}

impl Search {
    /// Parses the query of a search of `resource_type`. Bad paging values are a 400.
    pub fn new(
        headers: &HeaderMap,
        query: Option<&str>,
        resource_type: &'static str,
        paging: Paging,
    ) -> Result<Self, FhirError> {
        let mut search = Self {
            resource_type,
            path: resource_type.to_owned(),
            base: fhir_base(headers),
            strict: prefers_strict(headers),
            params: Vec::new(),
            ignored: Vec::new(),
            count: paging.default,
            offset: 0,
        };
        let number = |name: &str, value: &str| {
            value
                .parse::<u32>()
                .map_err(|_| FhirError::Invalid(format!("{name} must be a whole number")))
        };
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match name.as_ref() {
                "_count" => {
                    let count = number("_count", &value)?;
                    if !(1..=paging.max).contains(&count) {
                        return Err(FhirError::Invalid(format!(
                            "_count must be 1 to {}",
                            paging.max
                        )));
                    }
                    search.count = count;
                }
                "_offset" => search.offset = number("_offset", &value)?,
                // Checked for every request, by `content_negotiation`.
                "_format" => {}
                _ => search.params.push((name.into_owned(), value.into_owned())),
            }
        }
        Ok(search)
    }

    /// The search as an operation at `path` (its links name it), not a type's search.
    pub fn at(mut self, path: String) -> Self {
        self.path = path;
        self
    }

    /// The search's own parameters (paging and `_format` taken out), in the order given.
    pub fn params(&self) -> Vec<(String, String)> {
        self.params.clone()
    }

    /// A parameter the search does not know: refused under `Prefer: handling=strict`, otherwise
    /// ignored and left out of the `self` link, so the client can see it was not applied.
    pub fn unknown(&mut self, name: &str, value: &str) -> Result<(), FhirError> {
        if self.strict {
            return Err(FhirError::Invalid(format!(
                "{} searches have no parameter '{name}'",
                self.path
            )));
        }
        self.ignored.push((name.to_owned(), value.to_owned()));
        Ok(())
    }

    /// An `_include` or `_revinclude`: one of the `declared` ones the search always brings
    /// along (kept in the `self` link), or an unknown parameter.
    pub fn include(&mut self, name: &str, value: &str, declared: &[&str]) -> Result<(), FhirError> {
        if declared.contains(&value) {
            return Ok(());
        }
        if self.strict {
            return Err(FhirError::Invalid(format!(
                "{} searches cannot {name} '{value}'",
                self.resource_type
            )));
        }
        self.ignored.push((name.to_owned(), value.to_owned()));
        Ok(())
    }

    /// Ends an ordered query with this page's `LIMIT` and `OFFSET`: one row more than the
    /// page, which tells whether another page follows.
    pub fn limit(&self, sql: &mut Sql<'_>) {
        sql.push(" LIMIT ")
            .push_bind(i64::from(self.count) + 1)
            .push(" OFFSET ")
            .push_bind(i64::from(self.offset));
    }

    /// Cuts the rows a [`Search::limit`]ed query read to the page; whether more follow.
    pub fn cut<T>(&self, rows: &mut Vec<T>) -> bool {
        let more = rows.len() > self.count as usize;
        rows.truncate(self.count as usize);
        more
    }

    /// The answer to a search its SQL paged (`LIMIT count + 1 OFFSET offset`): this page's
    /// `matches`, the resources they bring along, and whether more matches follow.
    pub fn bundle(&self, matches: Vec<Resource>, includes: Vec<Resource>, more: bool) -> Response {
        fhir_json(&Resource::Bundle(self.paged(matches, includes, more)))
    }

    fn paged(&self, matches: Vec<Resource>, includes: Vec<Resource>, more: bool) -> Bundle {
        // Known once the last page is reached (a page past the end cannot say); counting every
        // match for the first page of a long search would cost as much as reading them.
        let found = matches.len() as u32;
        let total =
            (!more && (found > 0 || self.offset == 0)).then(|| self.offset.saturating_add(found));
        self.build(matches, includes, more, total)
    }

    /// The answer to a search whose result is in hand, each match with the resources it brings
    /// along; the page is cut here. `complete`: the result is every match, not the first so many.
    pub fn page(&self, results: Vec<(Resource, Vec<Resource>)>, complete: bool) -> Response {
        fhir_json(&Resource::Bundle(self.page_of(results, complete)))
    }

    fn page_of(&self, results: Vec<(Resource, Vec<Resource>)>, complete: bool) -> Bundle {
        let total = complete.then_some(u32::try_from(results.len()).unwrap_or(u32::MAX));
        let more = results.len() > self.offset.saturating_add(self.count) as usize;
        let (matches, includes): (Vec<Resource>, Vec<Vec<Resource>>) = results
            .into_iter()
            .skip(self.offset as usize)
            .take(self.count as usize)
            .unzip();
        self.build(
            matches,
            includes.into_iter().flatten().collect(),
            more,
            total,
        )
    }

    fn build(
        &self,
        matches: Vec<Resource>,
        includes: Vec<Resource>,
        more: bool,
        total: Option<u32>,
    ) -> Bundle {
        let entry = |resource: Resource, mode: SearchMode| BundleEntry {
            full_url: resource
                .type_and_id()
                .map(|(kind, id)| format!("{}/{kind}/{id}", self.base)),
            resource,
            search: Some(BundleSearch { mode }),
            ..BundleEntry::default()
        };
        let mut entries: Vec<BundleEntry> = matches
            .into_iter()
            .map(|r| entry(r, SearchMode::Match))
            .collect();
        entries.extend(includes.into_iter().map(|r| entry(r, SearchMode::Include)));
        let mut link = vec![BundleLink {
            relation: "self".into(),
            url: self.url(self.offset),
        }];
        if more {
            link.push(BundleLink {
                relation: "next".into(),
                url: self.url(self.offset.saturating_add(self.count)),
            });
        }
        Bundle {
            bundle_type: "searchset".into(),
            total,
            link,
            entry: entries,
            ..Bundle::default()
        }
    }

    /// The search as understood, at `offset`: absolute, with the used parameters only.
    fn url(&self, offset: u32) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.params {
            if !self.ignored.iter().any(|(n, v)| n == name && v == value) {
                query.append_pair(name, value);
            }
        }
        query.append_pair("_count", &self.count.to_string());
        if offset > 0 {
            query.append_pair("_offset", &offset.to_string());
        }
        format!("{}/{}?{}", self.base, self.path, query.finish())
    }
}

/// Whether the client asked for unknown parameters to be refused (`Prefer: handling=strict`,
/// possibly among other preferences).
fn prefers_strict(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .any(|p| p.trim().eq_ignore_ascii_case("handling=strict"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderValue};

    const PAGE: Paging = Paging {
        default: 2,
        max: 10,
    };

    fn headers(prefer: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("h.example"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        if let Some(p) = prefer {
            h.insert("prefer", HeaderValue::from_str(p).unwrap());
        }
        h
    }

    fn slot(id: &str) -> Resource {
        Resource::Slot(hale_fhir::Slot {
            id: Some(id.into()),
            ..Default::default()
        })
    }

    fn schedule(id: &str) -> Resource {
        Resource::Schedule(hale_fhir::Schedule {
            id: Some(id.into()),
            ..Default::default()
        })
    }

    #[test]
    fn the_self_link_names_the_parameters_used_and_leaves_out_the_ignored() {
        let mut s = Search::new(
            &headers(None),
            Some("start=ge2026&_id=x&_format=json"),
            "Slot",
            PAGE,
        )
        .unwrap();
        for (name, _) in s.params() {
            if name != "start" {
                s.unknown(&name, "x").unwrap();
            }
        }
        let b = s.paged(vec![slot("s1")], vec![], false);
        assert_eq!(
            b.link[0].url,
            "https://h.example/fhir/Slot?start=ge2026&_count=2"
        );
        assert_eq!(b.total, Some(1));
    }

    #[test]
    fn under_strict_handling_an_unknown_parameter_is_refused_by_name() {
        let mut s = Search::new(
            &headers(Some("return=minimal, handling=strict")),
            Some("_id=x"),
            "Slot",
            PAGE,
        )
        .unwrap();
        let err = s.unknown("_id", "x").unwrap_err().to_string();
        assert!(err.contains("'_id'"), "{err}");
    }

    #[test]
    fn entries_carry_full_urls_and_their_search_mode() {
        let s = Search::new(&headers(None), None, "Slot", PAGE).unwrap();
        let b = s.paged(vec![slot("s1")], vec![schedule("sc1")], false);
        assert_eq!(
            b.entry[0].full_url.as_deref(),
            Some("https://h.example/fhir/Slot/s1")
        );
        assert_eq!(b.entry[0].search.as_ref().unwrap().mode, SearchMode::Match);
        assert_eq!(
            b.entry[1].full_url.as_deref(),
            Some("https://h.example/fhir/Schedule/sc1")
        );
        assert_eq!(
            b.entry[1].search.as_ref().unwrap().mode,
            SearchMode::Include
        );
        assert_eq!(b.total, Some(1), "includes are not counted");
    }

    #[test]
    fn a_result_in_hand_is_paged_with_an_absolute_next_link_and_its_total_on_every_page() {
        let all = || {
            (1..=5)
                .map(|i| (slot(&format!("s{i}")), vec![]))
                .collect::<Vec<_>>()
        };
        let first = Search::new(&headers(None), Some("_count=2"), "Slot", PAGE).unwrap();
        let more = first.page_of(all(), true);
        assert_eq!(more.entry.len(), 2);
        assert_eq!(more.total, Some(5), "the whole result is in hand");
        assert_eq!(
            more.next_page(),
            Some("https://h.example/fhir/Slot?_count=2&_offset=2")
        );
        let last = Search::new(&headers(None), Some("_count=2&_offset=4"), "Slot", PAGE).unwrap();
        let end = last.page_of(all(), true);
        assert_eq!(end.entry.len(), 1);
        assert_eq!(end.total, Some(5));
        assert_eq!(end.next_page(), None);
    }

    #[test]
    fn paging_values_out_of_range_are_refused() {
        for query in ["_count=0", "_count=11", "_count=two", "_offset=-1"] {
            assert!(
                Search::new(&headers(None), Some(query), "Slot", PAGE).is_err(),
                "{query}"
            );
        }
    }

    #[test]
    fn a_page_past_the_end_and_a_capped_result_give_no_total() {
        // Regression: a page past the end said the offset was the total, and a result cut at
        // its cap claimed to be complete.
        let past = Search::new(&headers(None), Some("_offset=100"), "Slot", PAGE).unwrap();
        assert_eq!(past.paged(vec![], vec![], false).total, None);
        let first = Search::new(&headers(None), None, "Slot", PAGE).unwrap();
        assert_eq!(first.paged(vec![], vec![], false).total, Some(0));
        let capped = first.page_of(vec![(slot("s1"), vec![])], false);
        assert_eq!(capped.total, None);
    }

    #[test]
    fn the_largest_offset_pages_without_overflowing() {
        let s = Search::new(&headers(None), Some("_offset=4294967295"), "Slot", PAGE).unwrap();
        let b = s.page_of(vec![(slot("s1"), vec![])], true);
        assert!(b.entry.is_empty());
        assert_eq!(b.total, Some(1));
    }

    #[test]
    fn a_declared_include_is_kept_and_another_is_unknown() {
        let mut s = Search::new(
            &headers(None),
            Some("_include=Slot:schedule&_include=Slot:other"),
            "Slot",
            PAGE,
        )
        .unwrap();
        for (name, value) in s.params() {
            s.include(&name, &value, &["Slot:schedule"]).unwrap();
        }
        let self_link = s.paged(vec![], vec![], false).link[0].url.clone();
        assert!(
            self_link.contains("_include=Slot%3Aschedule"),
            "{self_link}"
        );
        assert!(!self_link.contains("other"), "{self_link}");
        let mut strict = Search::new(
            &headers(Some("handling=strict")),
            Some("_include=Slot:other"),
            "Slot",
            PAGE,
        )
        .unwrap();
        assert!(strict
            .include("_include", "Slot:other", &["Slot:schedule"])
            .is_err());
        assert!(strict
            .include("_include", "Slot:schedule", &["Slot:schedule"])
            .is_ok());
    }
}
