//! Device readings as FHIR R4 vital-signs Observations: LOINC codes, UCUM units, the device as a
//! logical reference, the device clock's time, the interpretation when a threshold is crossed,
//! and Hale's reading key as the identifier that makes relaying idempotent.

use chrono::{DateTime, Utc};
use hale_domain::device::{
    Interpretation, Quantity as DomainQuantity, Reading, ReadingKind, Unit, Vital,
};
use serde::{Deserialize, Serialize};

use crate::datatypes::{CodeableConcept, Coding, Identifier, Reference};
use crate::medication::{Quantity, UCUM};

pub const LOINC: &str = "http://loinc.org";
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
pub const INTERPRETATION: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
/// The identifier system of a reading: its key (`device/kind/id`, see `hale_domain::device::reading`).
pub const READING_SYSTEM: &str = "urn:hale:reading";
/// The identifier system of readings recorded in the care team console at a visit.
pub const CLINIC_READING_SYSTEM: &str = "urn:hale:clinic-reading";
/// The identifier system of a device: its Bluetooth address.
pub const DEVICE_SYSTEM: &str = "urn:hale:ble-device";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<crate::datatypes::Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// final | amended | preliminary | …; device readings are `final`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    pub code: CodeableConcept,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// The visit a reading was taken at, for a clinic reading; a home reading names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<DateTime<Utc>>,
    /// Who took a clinic reading (a Practitioner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interpretation: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub component: Vec<ObservationComponent>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservationComponent {
    pub code: CodeableConcept,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
}

/// The LOINC code and display of a reading kind (the Observation's code).
pub fn kind_code(kind: ReadingKind) -> (&'static str, &'static str) {
    match kind {
        ReadingKind::HeartRate => ("8867-4", "Heart rate"),
        ReadingKind::BloodPressure => {
            ("85354-9", "Blood pressure panel with all children optional")
        }
        ReadingKind::OxygenSaturation => ("2708-6", "Oxygen saturation in Arterial blood"),
        ReadingKind::BodyTemperature => ("8310-5", "Body temperature"),
        ReadingKind::BodyWeight => ("29463-7", "Body weight"),
        ReadingKind::BodyHeight => ("8302-2", "Body height"),
        ReadingKind::Bmi => ("39156-5", "Body mass index (BMI) [Ratio]"),
        ReadingKind::BloodGlucose => ("15074-8", "Glucose [Moles/volume] in Blood"),
        // Not the blood code: a sensor under the skin measures the interstitial fluid, whose
        // glucose lags the blood's by minutes.
        ReadingKind::InterstitialGlucose => {
            ("105272-9", "Glucose [Moles/volume] in Interstitial fluid")
        }
    }
}

/// The LOINC code and display of one value (a component's code).
pub fn vital_code(vital: Vital) -> (&'static str, &'static str) {
    match vital {
        Vital::HeartRate => kind_code(ReadingKind::HeartRate),
        Vital::Systolic => ("8480-6", "Systolic blood pressure"),
        Vital::Diastolic => ("8462-4", "Diastolic blood pressure"),
        Vital::MeanArterial => ("8478-0", "Mean blood pressure"),
        Vital::OxygenSaturation => kind_code(ReadingKind::OxygenSaturation),
        Vital::BodyTemperature => kind_code(ReadingKind::BodyTemperature),
        Vital::BodyWeight => kind_code(ReadingKind::BodyWeight),
        Vital::BodyHeight => kind_code(ReadingKind::BodyHeight),
        Vital::Bmi => kind_code(ReadingKind::Bmi),
        Vital::BloodGlucose => kind_code(ReadingKind::BloodGlucose),
        Vital::InterstitialGlucose => kind_code(ReadingKind::InterstitialGlucose),
    }
}

/// The vital a LOINC code names (a reading's or a component's code).
pub fn vital_of(code: &str) -> Option<Vital> {
    [
        Vital::HeartRate,
        Vital::Systolic,
        Vital::Diastolic,
        Vital::MeanArterial,
        Vital::OxygenSaturation,
        Vital::BodyTemperature,
        Vital::BodyWeight,
        Vital::BodyHeight,
        Vital::Bmi,
        Vital::BloodGlucose,
        Vital::InterstitialGlucose,
    ]
    .into_iter()
    .find(|v| vital_code(*v).0 == code)
}

/// The reading kind a LOINC code names, for searches by `code`.
pub fn kind_of(code: &str) -> Option<ReadingKind> {
    ReadingKind::ALL
        .into_iter()
        .find(|k| kind_code(*k).0 == code)
}

pub(crate) fn loinc((code, display): (&str, &str)) -> Coding {
    Coding {
        system: Some(LOINC.into()),
        code: Some(code.into()),
        display: Some(display.into()),
    }
}

/// The Observation category: vital signs, except a CGM's sensor glucose, which the HL7 CGM
/// implementation guide files as a laboratory result.
fn category(kind: ReadingKind) -> Coding {
    let (code, display) = match kind {
        ReadingKind::InterstitialGlucose => ("laboratory", "Laboratory"),
        _ => ("vital-signs", "Vital Signs"),
    };
    Coding {
        system: Some(OBSERVATION_CATEGORY.into()),
        code: Some(code.into()),
        display: Some(display.into()),
    }
}

fn quantity(q: &DomainQuantity) -> Quantity {
    Quantity::ucum(q.value, q.unit.symbol(), q.unit.ucum())
}

impl Observation {
    /// The Observation a reading becomes for `patient_id`, with `interpretation` when the
    /// reading crossed a threshold; `device_label` names the device for a person.
    pub fn from_reading(
        reading: &Reading,
        patient_id: &str,
        device_label: &str,
        interpretation: Option<Interpretation>,
    ) -> Self {
        let mut code = CodeableConcept {
            coding: vec![loinc(kind_code(reading.kind))],
            text: None,
        };
        if reading.kind == ReadingKind::OxygenSaturation {
            // The vital-signs profile code first, then the more specific "by pulse oximetry".
            code.coding.push(loinc((
                "59408-5",
                "Oxygen saturation in Arterial blood by Pulse oximetry",
            )));
        }
        let (value_quantity, component) = if reading.kind == ReadingKind::BloodPressure {
            let component = reading
                .values
                .iter()
                .map(|q| ObservationComponent {
                    code: CodeableConcept {
                        coding: vec![loinc(vital_code(q.vital))],
                        text: None,
                    },
                    value_quantity: Some(quantity(q)),
                    value_codeable_concept: None,
                })
                .collect();
            (None, component)
        } else {
            let context = reading
                .context
                .as_ref()
                .map(crate::glucose_context::components)
                .unwrap_or_default();
            (reading.values.first().map(quantity), context)
        };
        Self {
            id: None,
            meta: None,
            identifier: vec![Identifier {
                system: Some(READING_SYSTEM.into()),
                value: Some(reading.key.clone()),
            }],
            status: "final".into(),
            category: vec![CodeableConcept {
                coding: vec![category(reading.kind)],
                text: None,
            }],
            code,
            subject: Some(Reference::to("Patient", patient_id, None)),
            encounter: None,
            effective_date_time: Some(reading.effective),
            performer: Vec::new(),
            value_quantity,
            interpretation: interpretation
                .map(|i| CodeableConcept {
                    coding: vec![Coding {
                        system: Some(INTERPRETATION.into()),
                        code: Some(i.code().into()),
                        display: Some(match i {
                            Interpretation::High => "High".into(),
                            Interpretation::Low => "Low".into(),
                        }),
                    }],
                    text: None,
                })
                .into_iter()
                .collect(),
            device: Some(Reference {
                reference: None,
                identifier: Some(Identifier {
                    system: Some(DEVICE_SYSTEM.into()),
                    value: Some(reading.device.clone()),
                }),
                display: Some(device_label.to_owned()),
            }),
            component,
        }
    }

    pub fn identifier_value(&self, system: &str) -> Option<&str> {
        Identifier::value_in(&self.identifier, system)
    }

    /// The reading kind by the LOINC code.
    pub fn kind(&self) -> Option<ReadingKind> {
        self.code
            .coding
            .iter()
            .filter(|c| c.system.as_deref() == Some(LOINC))
            .find_map(|c| kind_of(c.code.as_deref()?))
    }

    /// The reading this Observation carries, when it is a vital sign Hale knows with a value in
    /// a unit Hale knows; the server validates uploads with it.
    pub fn to_reading(&self) -> Result<Reading, ObservationError> {
        self.to_reading_keyed_by(READING_SYSTEM)
    }

    /// [`Self::to_reading`], the reading's key being its identifier in `system` (a clinic
    /// device names its readings in its own system).
    pub fn to_reading_keyed_by(&self, system: &str) -> Result<Reading, ObservationError> {
        let key = self
            .identifier_value(system)
            .ok_or(ObservationError::NoIdentifier)?;
        self.to_reading_keyed(key)
    }

    /// [`Self::to_reading`] under the key `key` (a copy keys a reading by its id where it is
    /// stored).
    pub fn to_reading_keyed(&self, key: &str) -> Result<Reading, ObservationError> {
        let kind = self.kind().ok_or(ObservationError::UnknownCode)?;
        let effective = self
            .effective_date_time
            .ok_or(ObservationError::NoEffectiveTime)?;
        let read = |vital: Vital, q: &Quantity| -> Result<DomainQuantity, ObservationError> {
            let value = q
                .value
                .filter(|v| v.is_finite())
                .ok_or(ObservationError::NoValue)?;
            if q.system.as_deref() != Some(UCUM) {
                return Err(ObservationError::UnknownUnit);
            }
            let unit = q
                .code
                .as_deref()
                .and_then(Unit::from_ucum)
                .ok_or(ObservationError::UnknownUnit)?;
            Ok(DomainQuantity { vital, value, unit })
        };
        // A blood pressure has systolic, diastolic and mean pressures and a pulse, each once;
        // every other reading has none.
        let belongs = |v: &Vital| {
            matches!(
                v,
                Vital::Systolic | Vital::Diastolic | Vital::MeanArterial | Vital::HeartRate
            )
        };
        // A blood glucose carries its meal, carbohydrate, exercise, medication, health and
        // HbA1c context as components (glucose_context, at most 6); other readings none.
        let allowed = match kind {
            ReadingKind::BloodPressure => 4,
            ReadingKind::BloodGlucose | ReadingKind::InterstitialGlucose => {
                crate::glucose_context::MAX_COMPONENTS
            }
            _ => 0,
        };
        if self.component.len() > allowed {
            return Err(ObservationError::ForeignComponent);
        }
        let values = if kind == ReadingKind::BloodPressure {
            self.component
                .iter()
                .map(|c| {
                    let vital = c
                        .code
                        .coding
                        .iter()
                        .find_map(|coding| vital_of(coding.code.as_deref()?))
                        .ok_or(ObservationError::UnknownCode)?;
                    read(
                        vital,
                        c.value_quantity.as_ref().ok_or(ObservationError::NoValue)?,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            let vital = vital_of(kind_code(kind).0).ok_or(ObservationError::UnknownCode)?;
            vec![read(
                vital,
                self.value_quantity
                    .as_ref()
                    .ok_or(ObservationError::NoValue)?,
            )?]
        };
        if values.is_empty() {
            return Err(ObservationError::NoValue);
        }
        let mut seen = Vec::new();
        for q in &values {
            if kind == ReadingKind::BloodPressure && !belongs(&q.vital) || seen.contains(&q.vital) {
                return Err(ObservationError::ForeignComponent);
            }
            seen.push(q.vital);
        }
        if !values.iter().all(DomainQuantity::plausible) {
            return Err(ObservationError::Implausible);
        }
        let device = self
            .device
            .as_ref()
            .and_then(|d| d.identifier.as_ref())
            .and_then(|i| i.value.clone())
            .unwrap_or_default();
        Ok(Reading {
            key: key.to_owned(),
            device,
            kind,
            effective,
            device_clock: true,
            values,
            // The context travels as components for the hospital; it is not read back into
            // the reading the server validates.
            context: None,
        })
    }

    /// The interpretation code, if the Observation carries one Hale sets.
    pub fn interpretation(&self) -> Option<Interpretation> {
        self.interpretation
            .iter()
            .flat_map(|c| &c.coding)
            .find_map(|c| Interpretation::from_code(c.code.as_deref()?))
    }
}

/// Why an incoming Observation is not a reading Hale accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ObservationError {
    #[error("the Observation's code is not a LOINC vital sign Hale knows")]
    UnknownCode,
    #[error("the Observation has no urn:hale:reading identifier")]
    NoIdentifier,
    #[error("the Observation has no effectiveDateTime")]
    NoEffectiveTime,
    #[error("the Observation has no finite value")]
    NoValue,
    #[error("the Observation's unit is not a UCUM unit Hale knows")]
    UnknownUnit,
    #[error("the Observation's value is outside what a person can have")]
    Implausible,
    /// A component that a reading of its code does not have, or one given twice.
    #[error("the Observation has components its code does not have")]
    ForeignComponent,
}

#[cfg(test)]
mod tests {
    use hale_domain::device::{decode, reading::readings, Characteristic};

    use super::*;

    fn bp_reading() -> Reading {
        let m = decode(
            Characteristic::BloodPressureMeasurement,
            &[0x02, 0xB9, 0, 0x5F, 0, 0x7A, 0, 0xEA, 0x07, 12, 2, 7, 45, 0],
        )
        .unwrap();
        readings(
            "AA:BB:CC:DD:EE:FF",
            &m,
            "2026-12-02T08:00:00Z".parse().unwrap(),
            &Utc,
        )
        .kept
        .remove(0)
    }

    #[test]
    fn a_glucose_reading_keeps_its_context_components_and_a_heart_rate_may_have_none() {
        // Regression: the rule against foreign components first refused a glucose meter's
        // meal and carbohydrate context (seen in the devices journey).
        let glucose = |components: usize| {
            let component = serde_json::json!({
                "code": {"coding": [{"system": "urn:iso:std:iso:11073:10101", "code": "8417864"}]},
                "valueCodeableConcept": {"text": "Before meal"}
            });
            serde_json::from_value::<Observation>(serde_json::json!({
                "resourceType": "Observation", "status": "final",
                "identifier": [{"system": READING_SYSTEM, "value": "g-1"}],
                "code": {"coding": [{"system": LOINC, "code": "15074-8"}]},
                "effectiveDateTime": "2026-12-01T08:00:00Z",
                "valueQuantity": {"value": 5.5, "unit": "mmol/L", "system": UCUM, "code": "mmol/L"},
                "component": vec![component; components]
            }))
            .unwrap()
        };
        assert!(glucose(2).to_reading().is_ok());
        assert_eq!(
            glucose(crate::glucose_context::MAX_COMPONENTS + 1).to_reading(),
            Err(ObservationError::ForeignComponent)
        );
    }

    #[test]
    fn blood_pressure_is_a_panel_with_components() {
        let obs = Observation::from_reading(
            &bp_reading(),
            "p1",
            "Blood pressure monitor",
            Some(Interpretation::High),
        );
        let json = serde_json::to_value(crate::Resource::Observation(obs.clone())).unwrap();
        assert_eq!(json["resourceType"], "Observation");
        assert_eq!(json["status"], "final");
        assert_eq!(json["category"][0]["coding"][0]["code"], "vital-signs");
        assert_eq!(json["code"]["coding"][0]["system"], "http://loinc.org");
        assert_eq!(json["code"]["coding"][0]["code"], "85354-9");
        assert_eq!(json["component"][0]["code"]["coding"][0]["code"], "8480-6");
        assert_eq!(json["component"][0]["valueQuantity"]["value"], 185.0);
        assert_eq!(json["component"][0]["valueQuantity"]["code"], "mm[Hg]");
        assert_eq!(
            json["component"][0]["valueQuantity"]["system"],
            "http://unitsofmeasure.org"
        );
        assert_eq!(json["component"][1]["code"]["coding"][0]["code"], "8462-4");
        assert_eq!(json["component"][2]["code"]["coding"][0]["code"], "8478-0");
        assert!(json.get("valueQuantity").is_none());
        assert_eq!(json["effectiveDateTime"], "2026-12-02T07:45:00Z");
        assert_eq!(json["subject"]["reference"], "Patient/p1");
        assert_eq!(json["interpretation"][0]["coding"][0]["code"], "H");
        assert_eq!(json["device"]["identifier"]["value"], "AA:BB:CC:DD:EE:FF");
        assert_eq!(json["identifier"][0]["system"], READING_SYSTEM);
        assert_eq!(
            json["identifier"][0]["value"],
            "AA:BB:CC:DD:EE:FF/blood-pressure/t20261202T074500"
        );
        let back = obs.to_reading().unwrap();
        assert_eq!(back.values, bp_reading().values);
        assert_eq!(obs.interpretation(), Some(Interpretation::High));
    }

    #[test]
    fn each_kind_has_its_loinc_code_and_ucum_unit() {
        let cases: [(Characteristic, &[u8], &str, &str); 5] = [
            (
                Characteristic::HeartRateMeasurement,
                &[0x00, 72],
                "8867-4",
                "/min",
            ),
            (
                Characteristic::TemperatureMeasurement,
                &[0x01, 0xDA, 0x03, 0x00, 0xFF],
                "8310-5",
                "[degF]",
            ),
            (
                Characteristic::WeightMeasurement,
                &[0x01, 0x7A, 0x3E],
                "29463-7",
                "[lb_av]",
            ),
            (
                Characteristic::PlxSpotCheck,
                &[0x00, 0x61, 0x00, 0x48, 0x00],
                "2708-6",
                "%",
            ),
            (
                Characteristic::GlucoseMeasurement,
                &[0x06, 1, 0, 0xEA, 0x07, 12, 2, 7, 0, 0, 0x38, 0xC0, 0x11],
                "15074-8",
                "mmol/L",
            ),
        ];
        for (characteristic, bytes, loinc_code, ucum) in cases {
            let m = decode(characteristic, bytes).unwrap();
            let r = &readings("D", &m, "2026-12-02T08:00:00Z".parse().unwrap(), &Utc).kept[0];
            let obs = Observation::from_reading(r, "p1", "device", None);
            assert_eq!(obs.code.coding[0].code.as_deref(), Some(loinc_code));
            assert_eq!(
                obs.value_quantity.as_ref().unwrap().code.as_deref(),
                Some(ucum)
            );
            assert!(obs.interpretation.is_empty());
            assert_eq!(obs.to_reading().unwrap().values, r.values);
        }
    }

    #[test]
    fn oximetry_carries_both_codes() {
        let m = decode(
            Characteristic::PlxSpotCheck,
            &[0x00, 0x61, 0x00, 0x48, 0x00],
        )
        .unwrap();
        let r = &readings("D", &m, "2026-12-02T08:00:00Z".parse().unwrap(), &Utc).kept[0];
        let codes: Vec<_> = Observation::from_reading(r, "p", "d", None)
            .code
            .coding
            .iter()
            .filter_map(|c| c.code.clone())
            .collect();
        assert_eq!(codes, vec!["2708-6", "59408-5"]);
    }

    #[test]
    fn uploads_without_what_the_server_needs_are_refused() {
        let good = Observation::from_reading(&bp_reading(), "p1", "d", None);
        let mut o = good.clone();
        o.identifier.clear();
        assert_eq!(o.to_reading(), Err(ObservationError::NoIdentifier));
        let mut o = good.clone();
        o.code.coding[0].code = Some("1234-5".into());
        assert_eq!(o.to_reading(), Err(ObservationError::UnknownCode));
        let mut o = good.clone();
        o.component[0].value_quantity.as_mut().unwrap().code = Some("furlongs".into());
        assert_eq!(o.to_reading(), Err(ObservationError::UnknownUnit));
        let mut o = good.clone();
        o.effective_date_time = None;
        assert_eq!(o.to_reading(), Err(ObservationError::NoEffectiveTime));
        let mut o = good;
        o.component[0].value_quantity.as_mut().unwrap().value = Some(1.0e9);
        assert_eq!(o.to_reading(), Err(ObservationError::Implausible));
    }
}
