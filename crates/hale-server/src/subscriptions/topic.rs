//! The topics another system may subscribe to, and the filters that narrow one: pure, so what a
//! subscription receives is decided here and nowhere else.
//!
//! Events are written by database triggers (migration 0024) in the transaction that makes the
//! change, so no code path can change a resource without its event; each names its topic by
//! [`Topic::key`].

/// Where the topics' canonical URLs live: stable, not the server's own address, so a
/// subscriber's configuration survives a hospital moving its server.
const CANONICAL_BASE: &str = "https://hale.example/fhir/SubscriptionTopic/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    /// An appointment booked, or its status changed (cancelled, arrived, fulfilled, …).
    Appointment,
    /// A reading recorded, at home or at the clinic.
    Observation,
    /// A form answered.
    QuestionnaireResponse,
    /// A monitoring alert's task raised, or its status changed (accepted, completed).
    MonitoringAlert,
}

impl Topic {
    pub(crate) const ALL: [Topic; 4] = [
        Topic::Appointment,
        Topic::Observation,
        Topic::QuestionnaireResponse,
        Topic::MonitoringAlert,
    ];

    /// The name events carry in the database.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Appointment => "appointment",
            Self::Observation => "observation",
            Self::QuestionnaireResponse => "questionnaire-response",
            Self::MonitoringAlert => "monitoring-alert",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == key)
    }

    pub(crate) fn canonical(self) -> String {
        format!("{CANONICAL_BASE}{}", self.key())
    }

    pub(crate) fn from_canonical(url: &str) -> Option<Self> {
        // A canonical may carry a version (`|1`); there is one version of each.
        let url = url.split('|').next().unwrap_or(url);
        Self::from_key(url.strip_prefix(CANONICAL_BASE)?)
    }

    /// The resource type the topic's events are about.
    pub(crate) fn resource_type(self) -> &'static str {
        match self {
            Self::Appointment => "Appointment",
            Self::Observation => "Observation",
            Self::QuestionnaireResponse => "QuestionnaireResponse",
            Self::MonitoringAlert => "Task",
        }
    }

    /// The scope a subscriber needs to hear of these resources: a notification names them even
    /// when it does not carry them.
    pub(crate) fn read_scope(self) -> String {
        format!("system/{}.r", self.resource_type())
    }

    /// The statuses a `status` filter may name; empty when the topic has no status filter.
    fn statuses(self) -> &'static [&'static str] {
        match self {
            Self::Appointment => &[
                "proposed",
                "pending",
                "booked",
                "arrived",
                "fulfilled",
                "cancelled",
                "noshow",
                "entered-in-error",
                "checked-in",
                "waitlist",
            ],
            Self::MonitoringAlert => &["requested", "accepted", "completed"],
            Self::Observation | Self::QuestionnaireResponse => &[],
        }
    }

    /// A sentence naming what the topic sends, for the CapabilityStatement's documentation.
    pub(crate) fn description(self) -> &'static str {
        match self {
            Self::Appointment => {
                "an Appointment booked or its status changed (filters: patient, status)"
            }
            Self::Observation => "an Observation recorded (filter: patient)",
            Self::QuestionnaireResponse => "a QuestionnaireResponse received (filter: patient)",
            Self::MonitoringAlert => {
                "a monitoring alert's Task raised or its status changed (filters: patient, status)"
            }
        }
    }
}

/// What narrows a topic: every condition must hold (the backport's logical AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    pub(crate) patient: Option<String>,
    /// Any of these statuses; empty for any.
    pub(crate) statuses: Vec<String>,
}

/// One event as the trigger recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Happened<'a> {
    pub(crate) topic: Topic,
    pub(crate) patient: &'a str,
    pub(crate) status: Option<&'a str>,
}

impl Filter {
    /// Reads `backport-filter-criteria` values for `topic`: `[Type?]name=value[&name=value]`,
    /// each name once.
    pub(crate) fn parse(topic: Topic, criteria: &[&str]) -> Result<Self, String> {
        let mut filter = Filter::default();
        let mut seen = Vec::new();
        for criterion in criteria {
            let query = match criterion.split_once('?') {
                Some((kind, query)) if kind == topic.resource_type() => query,
                Some((kind, _)) => {
                    return Err(format!(
                        "the filter \"{criterion}\" is about {kind}; this topic is about {}",
                        topic.resource_type()
                    ))
                }
                None => criterion,
            };
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let Some((name, value)) = pair.split_once('=') else {
                    return Err(format!("the filter \"{pair}\" has no value"));
                };
                if seen.contains(&name) {
                    return Err(format!("the filter {name} is given twice"));
                }
                seen.push(name);
                match name {
                    "patient" => {
                        let id = value.strip_prefix("Patient/").unwrap_or(value);
                        if id.is_empty() || id.contains('/') {
                            return Err(format!("the patient filter \"{value}\" is not a patient"));
                        }
                        filter.patient = Some(id.to_owned());
                    }
                    "status" if !topic.statuses().is_empty() => {
                        for status in value.split(',') {
                            if !topic.statuses().contains(&status) {
                                return Err(format!(
                                    "\"{status}\" is not a status of {}: use one of {}",
                                    topic.resource_type(),
                                    topic.statuses().join(", ")
                                ));
                            }
                            filter.statuses.push(status.to_owned());
                        }
                    }
                    other => {
                        return Err(format!(
                            "this topic cannot be filtered by \"{other}\": {}",
                            topic.description()
                        ))
                    }
                }
            }
        }
        Ok(filter)
    }

    /// Whether an event of `topic` passes.
    pub(crate) fn admits(&self, topic: Topic, event: &Happened<'_>) -> bool {
        event.topic == topic
            && self.patient.as_deref().is_none_or(|p| p == event.patient)
            && (self.statuses.is_empty()
                || event
                    .status
                    .is_some_and(|s| self.statuses.iter().any(|w| w == s)))
    }

    /// The filter as the subscription shows it back, one criterion.
    pub(crate) fn criteria(&self, topic: Topic) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(p) = &self.patient {
            parts.push(format!("patient=Patient/{p}"));
        }
        if !self.statuses.is_empty() {
            parts.push(format!("status={}", self.statuses.join(",")));
        }
        (!parts.is_empty()).then(|| format!("{}?{}", topic.resource_type(), parts.join("&")))
    }

    /// The stored form: the criterion (the same text [`Filter::parse`] reads back).
    pub(crate) fn stored(&self, topic: Topic) -> String {
        self.criteria(topic).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(topic: Topic, patient: &str, status: Option<&'static str>) -> Happened<'static> {
        Happened {
            topic,
            patient: Box::leak(patient.to_owned().into_boxed_str()),
            status,
        }
    }

    #[test]
    fn each_topic_reads_back_from_its_canonical_url_even_with_a_version() {
        for topic in Topic::ALL {
            assert_eq!(Topic::from_canonical(&topic.canonical()), Some(topic));
            assert_eq!(
                Topic::from_canonical(&format!("{}|1", topic.canonical())),
                Some(topic)
            );
            assert_eq!(Topic::from_key(topic.key()), Some(topic));
        }
        assert_eq!(
            Topic::from_canonical("http://hl7.org/SubscriptionTopic/admission"),
            None
        );
    }

    #[test]
    fn a_patient_filter_admits_only_that_patients_events() {
        let f = Filter::parse(Topic::Observation, &["Observation?patient=Patient/p-1"]).unwrap();
        assert!(f.admits(Topic::Observation, &event(Topic::Observation, "p-1", None)));
        assert!(!f.admits(Topic::Observation, &event(Topic::Observation, "p-2", None)));
        assert!(!f.admits(Topic::Observation, &event(Topic::Appointment, "p-1", None)));
    }

    #[test]
    fn a_status_filter_admits_any_of_its_statuses_and_needs_a_status() {
        let f = Filter::parse(Topic::Appointment, &["status=cancelled,arrived"]).unwrap();
        let t = Topic::Appointment;
        assert!(f.admits(t, &event(t, "p", Some("arrived"))));
        assert!(f.admits(t, &event(t, "p", Some("cancelled"))));
        assert!(!f.admits(t, &event(t, "p", Some("booked"))));
        assert!(!f.admits(t, &event(t, "p", None)));
    }

    #[test]
    fn filters_from_several_criteria_must_all_hold() {
        let f = Filter::parse(
            Topic::Appointment,
            &["Appointment?patient=p-1", "Appointment?status=booked"],
        )
        .unwrap();
        let t = Topic::Appointment;
        assert!(f.admits(t, &event(t, "p-1", Some("booked"))));
        assert!(!f.admits(t, &event(t, "p-2", Some("booked"))));
        assert!(!f.admits(t, &event(t, "p-1", Some("cancelled"))));
    }

    #[test]
    fn no_filter_admits_every_event_of_the_topic() {
        let f = Filter::parse(Topic::QuestionnaireResponse, &[]).unwrap();
        let t = Topic::QuestionnaireResponse;
        assert!(f.admits(t, &event(t, "anyone", None)));
        assert_eq!(f.criteria(t), None);
    }

    #[test]
    fn filters_the_topic_cannot_apply_are_refused_with_the_reason() {
        let refused = |topic, c: &str| Filter::parse(topic, &[c]).unwrap_err();
        assert!(refused(Topic::Observation, "code=8867-4").contains("cannot be filtered"));
        assert!(refused(Topic::Observation, "status=final").contains("cannot be filtered"));
        assert!(refused(Topic::Observation, "Encounter?patient=p").contains("about Encounter"));
        assert!(refused(Topic::Appointment, "status=lost").contains("use one of"));
        assert!(refused(Topic::Appointment, "patient").contains("no value"));
        assert!(refused(Topic::Appointment, "patient=").contains("not a patient"));
        assert!(refused(Topic::Appointment, "patient=a&patient=b").contains("twice"));
    }

    #[test]
    fn a_filter_reads_back_from_what_it_stores() {
        let t = Topic::MonitoringAlert;
        let f = Filter::parse(t, &["Task?patient=Patient/p-9&status=requested,accepted"]).unwrap();
        assert_eq!(
            f.criteria(t).as_deref(),
            Some("Task?patient=Patient/p-9&status=requested,accepted")
        );
        assert_eq!(Filter::parse(t, &[f.stored(t).as_str()]).unwrap(), f);
        let none = Filter::default();
        assert_eq!(Filter::parse(t, &[none.stored(t).as_str()]).unwrap(), none);
    }
}
