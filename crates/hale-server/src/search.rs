//! FHIR search parameters the server understands, parsed into plain values.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::FhirError;

/// A half-open time range `[from, until)`; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl TimeRange {
    fn narrow_from(&mut self, t: DateTime<Utc>) {
        self.from = Some(self.from.map_or(t, |f| f.max(t)));
    }

    fn narrow_until(&mut self, t: DateTime<Utc>) {
        self.until = Some(self.until.map_or(t, |u| u.min(t)));
    }

    /// Narrows the range by one `date` parameter value such as `ge2026-11-25` or
    /// `lt2026-12-01T10:00:00Z`.
    ///
    /// FHIR gives a value the range its precision implies: a bare date is that whole day, here
    /// in the hospital's own time zone, because that is the day printed on the patient's letter.
    pub fn narrow(&mut self, value: &str, zone: Tz) -> Result<(), FhirError> {
        let (prefix, rest) = match value.get(..2) {
            Some(p @ ("eq" | "ne" | "gt" | "lt" | "ge" | "le" | "sa" | "eb" | "ap")) => {
                (p, &value[2..])
            }
            _ => ("eq", value),
        };
        let (low, high) = implied_range(rest, zone)?;
        match prefix {
            "eq" => {
                self.narrow_from(low);
                self.narrow_until(high);
            }
            "ge" => self.narrow_from(low),
            "gt" => self.narrow_from(high),
            "lt" => self.narrow_until(low),
            "le" => self.narrow_until(high),
            other => {
                return Err(FhirError::Invalid(format!(
                    "the date prefix '{other}' is not supported"
                )))
            }
        }
        Ok(())
    }
}

fn implied_range(value: &str, zone: Tz) -> Result<(DateTime<Utc>, DateTime<Utc>), FhirError> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = start_of_day(date, zone);
        let next = date
            .succ_opt()
            .ok_or_else(|| FhirError::Invalid(format!("'{value}' is out of range")))?;
        return Ok((start, start_of_day(next, zone)));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        let t = t.with_timezone(&Utc);
        return Ok((t, t + Duration::seconds(1)));
    }
    Err(FhirError::Invalid(format!(
        "'{value}' is not a FHIR date (YYYY-MM-DD) or dateTime with a time zone"
    )))
}

/// Local midnight, or the first instant of the day where a DST change skips midnight.
fn start_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=2)
        .find_map(|h| {
            zone.from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// The id in a `patient` parameter, given as `Patient/ID` or bare `ID`.
/// The most values a search takes for one parameter (`code=a,b,…`, repeated or not): each is a
/// bound SQL parameter, and thousands would be a cheap way to make the database work.
pub(crate) const MAX_VALUES: usize = 50;

/// Adds the comma-separated values of search parameter `name` to `values`, refusing more than
/// [`MAX_VALUES`] in all with a clear 400.
pub(crate) fn push_values(
    name: &str,
    value: &str,
    values: &mut Vec<String>,
) -> Result<(), FhirError> {
    for part in value.split(',') {
        if values.len() == MAX_VALUES {
            return Err(FhirError::Invalid(format!(
                "'{name}' takes at most {MAX_VALUES} values"
            )));
        }
        values.push(part.to_owned());
    }
    Ok(())
}

/// The ids a reference parameter names (`encounter=Encounter/a,b`, relative, bare or absolute):
/// any of them. Refuses an empty one and more than [`MAX_VALUES`] with a clear 400.
pub(crate) fn references(kind: &str, value: &str) -> Result<Vec<String>, FhirError> {
    let prefix = format!("{kind}/");
    let ids: Vec<String> = value
        .split(',')
        .map(|r| r.rsplit_once(&prefix).map_or(r, |(_, id)| id).to_owned())
        .collect();
    if ids.len() > MAX_VALUES || ids.iter().any(String::is_empty) {
        return Err(FhirError::Invalid(format!(
            "'{}' takes 1 to {MAX_VALUES} references",
            kind.to_lowercase()
        )));
    }
    Ok(ids)
}

pub(crate) fn patient_id(value: &str) -> &str {
    value.strip_prefix("Patient/").unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONDON: Tz = chrono_tz::Europe::London;

    fn range(values: &[&str]) -> Result<(String, String), String> {
        let mut r = TimeRange::default();
        for v in values {
            r.narrow(v, LONDON).map_err(|e| e.to_string())?;
        }
        let show = |t: Option<DateTime<Utc>>| t.map_or("-".to_owned(), |t| t.to_rfc3339());
        Ok((show(r.from), show(r.until)))
    }

    fn check(values: &[&str], from: &str, until: &str) {
        assert_eq!(
            range(values),
            Ok((from.to_owned(), until.to_owned())),
            "{values:?}"
        );
    }

    #[test]
    fn a_bare_date_is_the_whole_local_day() {
        // Summer: London is UTC+1.
        check(
            &["2026-07-01"],
            "2026-06-30T23:00:00+00:00",
            "2026-07-01T23:00:00+00:00",
        );
        // Winter: UTC+0.
        check(&["ge2026-12-01"], "2026-12-01T00:00:00+00:00", "-");
    }

    #[test]
    fn prefixes_take_the_right_end_of_the_implied_range() {
        check(&["gt2026-12-01"], "2026-12-02T00:00:00+00:00", "-");
        check(&["lt2026-12-01"], "-", "2026-12-01T00:00:00+00:00");
        check(&["le2026-12-01"], "-", "2026-12-02T00:00:00+00:00");
    }

    #[test]
    fn several_values_intersect() {
        check(
            &["ge2026-12-01", "lt2026-12-08", "ge2026-11-01"],
            "2026-12-01T00:00:00+00:00",
            "2026-12-08T00:00:00+00:00",
        );
    }

    #[test]
    fn a_day_with_a_dst_change_is_23_or_25_hours() {
        // 2026-03-29: clocks go forward in London.
        check(
            &["2026-03-29"],
            "2026-03-29T00:00:00+00:00",
            "2026-03-29T23:00:00+00:00",
        );
        // 2026-10-25: clocks go back.
        check(
            &["2026-10-25"],
            "2026-10-24T23:00:00+00:00",
            "2026-10-26T00:00:00+00:00",
        );
    }

    #[test]
    fn date_times_keep_their_offset() {
        check(
            &["ge2026-12-01T09:00:00+01:00"],
            "2026-12-01T08:00:00+00:00",
            "-",
        );
    }

    #[test]
    fn bad_values_are_named() {
        let err = range(&["ge2026-13-01"]).unwrap_err();
        assert!(err.contains("2026-13-01"), "{err}");
        assert!(range(&["ge2026-12-01T09:00:00"]).is_err(), "no zone");
        assert!(range(&["ne2026-12-01"]).unwrap_err().contains("'ne'"));
    }

    #[test]
    fn patient_parameters_accept_references_and_bare_ids() {
        assert_eq!(patient_id("Patient/pt-1"), "pt-1");
        assert_eq!(patient_id("pt-1"), "pt-1");
    }
}
