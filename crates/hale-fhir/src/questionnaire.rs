//! Pre-visit forms as FHIR R4 `Questionnaire` and the answers as `QuestionnaireResponse`, mapped
//! to and from `hale_domain::questionnaire`.
//!
//! The subset read is SDC's core: groups, display, boolean, decimal (its unit in the standard
//! `questionnaire-unit` extension), integer, date, string, text, choice and open-choice (options
//! as `answerOption`), `required`, `repeats`, `readOnly`, `enableWhen` and `enableBehavior`. An
//! item of any other type is refused with the form, never shown half. What Hale fills in from
//! what it knows is named by the `urn:hale:prefill` extension (code `medicines`, `allergies`, or
//! `reading` with the item's LOINC `code`); SDC's `$populate` is the standard way and is not
//! offered here.

use chrono::{DateTime, NaiveDate, Utc};
use hale_domain::questionnaire::{
    Answer, Answered, Choice, EnableBehavior, EnableWhen, Form, InvalidForm, Item, ItemKind,
    Operator, PrefillSource, Response, Unit,
};
use serde::{Deserialize, Serialize};

use crate::datatypes::Meta;
use crate::medication::UCUM;
use crate::observation::{vital_code, vital_of, LOINC};
use crate::{Coding, Identifier, Reference};

/// The standard extension giving a numeric question its unit.
pub const UNIT_URL: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit";
/// Hale's extension naming what an item is filled in from.
pub const PREFILL_URL: &str = "urn:hale:prefill";
/// Hale's extension on a response naming the appointment it was filled in for.
pub const APPOINTMENT_URL: &str = "urn:hale:appointment";
/// The identifier system of a response, the key the app made for it: sent as a conditional
/// create on it, so a resend is stored once.
pub const RESPONSE_SYSTEM: &str = "urn:hale:questionnaire-response";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_reference: Option<Reference>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Questionnaire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// draft | active | retired | unknown
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_type: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<QuestionnaireItem>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireItem {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub link_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(rename = "type")]
    pub item_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enable_when: Vec<QuestionnaireEnableWhen>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_behavior: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer_option: Vec<AnswerOption>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<QuestionnaireItem>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireEnableWhen {
    pub question: String,
    /// exists | = | != | > | < | >= | <=
    pub operator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_decimal: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_integer: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_coding: Option<Coding>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerOption {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionnaireResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    /// The form's canonical URL, `url|version` when it has a version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
    /// in-progress | completed | amended | entered-in-error | stopped
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authored: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<ResponseItem>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseItem {
    pub link_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer: Vec<ResponseAnswer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<ResponseItem>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
}

/// Why a hospital's Questionnaire, or a response, cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionnaireError {
    #[error("the Questionnaire has no id")]
    MissingId,
    #[error("item {link_id} is of type {item_type}, which Hale does not show")]
    UnsupportedType { link_id: String, item_type: String },
    #[error("question {0} has items under it; only groups hold items here")]
    ItemsUnderQuestion(String),
    #[error("item {0} has a condition Hale cannot read")]
    BadCondition(String),
    #[error("item {0} offers an option without a code")]
    BadOption(String),
    #[error(transparent)]
    Invalid(#[from] InvalidForm),
    #[error("answer to {0} has no value, or more than one")]
    BadAnswer(String),
}

impl Questionnaire {
    /// The form, refused whole if any item is beyond what Hale shows.
    pub fn to_form(&self) -> Result<Form, QuestionnaireError> {
        let id = self.id.clone().ok_or(QuestionnaireError::MissingId)?;
        let items = self
            .item
            .iter()
            .map(read_item)
            .collect::<Result<Vec<_>, _>>()?;
        let form = Form {
            id,
            url: self.url.clone(),
            version: self.version.clone(),
            title: self
                .title
                .clone()
                .or_else(|| self.name.clone())
                .unwrap_or_else(|| "Before your visit".into()),
            items,
        };
        form.check()?;
        Ok(form)
    }

    /// The form as an active Questionnaire about a patient.
    pub fn from_form(form: &Form) -> Self {
        Self {
            id: Some(form.id.clone()),
            meta: None,
            url: form.url.clone(),
            version: form.version.clone(),
            name: None,
            title: Some(form.title.clone()),
            status: "active".into(),
            subject_type: vec!["Patient".into()],
            item: form.items.iter().map(write_item).collect(),
        }
    }
}

fn read_item(item: &QuestionnaireItem) -> Result<Item, QuestionnaireError> {
    let link_id = item.link_id.clone();
    let unit = item
        .extension
        .iter()
        .find(|e| e.url == UNIT_URL)
        .and_then(|e| e.value_coding.as_ref())
        .and_then(|c| {
            let code = c.code.clone()?;
            Some(Unit {
                display: c.display.clone().unwrap_or_else(|| code.clone()),
                code,
            })
        });
    let kind = match item.item_type.as_str() {
        "group" => ItemKind::Group,
        "display" => ItemKind::Display,
        "boolean" => ItemKind::Boolean,
        "decimal" => ItemKind::Decimal { unit },
        "integer" => ItemKind::Integer,
        "date" => ItemKind::Date,
        "string" => ItemKind::String,
        "text" => ItemKind::Text,
        "choice" => ItemKind::Choice,
        "open-choice" => ItemKind::OpenChoice,
        other => {
            return Err(QuestionnaireError::UnsupportedType {
                link_id,
                item_type: other.to_owned(),
            })
        }
    };
    if !matches!(kind, ItemKind::Group) && !item.item.is_empty() {
        return Err(QuestionnaireError::ItemsUnderQuestion(link_id));
    }
    let enable_when = item
        .enable_when
        .iter()
        .map(|w| read_condition(w).ok_or_else(|| QuestionnaireError::BadCondition(link_id.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let enable_behavior = match item.enable_behavior.as_deref() {
        Some("any") => EnableBehavior::Any,
        Some("all") | None => EnableBehavior::All,
        Some(_) => return Err(QuestionnaireError::BadCondition(link_id)),
    };
    let options = item
        .answer_option
        .iter()
        .map(|o| match (&o.value_coding, &o.value_string) {
            (Some(c), None) => Some(Choice {
                system: c.system.clone(),
                code: c.code.clone()?,
                display: c.display.clone().or_else(|| c.code.clone())?,
            }),
            (None, Some(s)) => Some(Choice {
                system: None,
                code: s.clone(),
                display: s.clone(),
            }),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| QuestionnaireError::BadOption(link_id.clone()))?;
    let prefill = item
        .extension
        .iter()
        .find(|e| e.url == PREFILL_URL)
        .and_then(|e| e.value_code.as_deref())
        .and_then(|code| match code {
            "medicines" => Some(PrefillSource::Medicines),
            "allergies" => Some(PrefillSource::Allergies),
            "reading" => item
                .code
                .iter()
                .filter(|c| c.system.as_deref() == Some(LOINC))
                .find_map(|c| vital_of(c.code.as_deref()?))
                .map(|vital| PrefillSource::Reading { vital }),
            _ => None,
        });
    Ok(Item {
        link_id: link_id.clone(),
        text: item.text.clone().unwrap_or_default(),
        kind,
        required: item.required.unwrap_or(false),
        repeats: item.repeats.unwrap_or(false),
        read_only: item.read_only.unwrap_or(false),
        enable_when,
        enable_behavior,
        options,
        items: item
            .item
            .iter()
            .map(read_item)
            .collect::<Result<Vec<_>, _>>()?,
        prefill,
    })
}

fn read_condition(w: &QuestionnaireEnableWhen) -> Option<EnableWhen> {
    let answers: Vec<Answer> = [
        w.answer_boolean.map(Answer::Boolean),
        w.answer_decimal.map(Answer::Decimal),
        w.answer_integer.map(Answer::Integer),
        w.answer_date.map(Answer::Date),
        w.answer_string.clone().map(Answer::String),
        w.answer_coding.as_ref().and_then(|c| {
            Some(Answer::Coding(Choice {
                system: c.system.clone(),
                code: c.code.clone()?,
                display: c.display.clone().unwrap_or_default(),
            }))
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let [answer] = <[Answer; 1]>::try_from(answers).ok()?;
    let operator = match w.operator.as_str() {
        "exists" => match answer {
            Answer::Boolean(b) => Operator::Exists(b),
            _ => return None,
        },
        "=" => Operator::Equals(answer),
        "!=" => Operator::NotEquals(answer),
        ">" => Operator::Greater(answer),
        "<" => Operator::Less(answer),
        ">=" => Operator::GreaterOrEqual(answer),
        "<=" => Operator::LessOrEqual(answer),
        _ => return None,
    };
    Some(EnableWhen {
        question: w.question.clone(),
        operator,
    })
}

fn write_item(item: &Item) -> QuestionnaireItem {
    let mut extension = Vec::new();
    let mut code = Vec::new();
    let item_type = match &item.kind {
        ItemKind::Group => "group",
        ItemKind::Display => "display",
        ItemKind::Boolean => "boolean",
        ItemKind::Decimal { unit } => {
            if let Some(unit) = unit {
                extension.push(Extension {
                    url: UNIT_URL.into(),
                    value_coding: Some(Coding {
                        system: Some(UCUM.into()),
                        code: Some(unit.code.clone()),
                        display: Some(unit.display.clone()),
                    }),
                    ..Extension::default()
                });
            }
            "decimal"
        }
        ItemKind::Integer => "integer",
        ItemKind::Date => "date",
        ItemKind::String => "string",
        ItemKind::Text => "text",
        ItemKind::Choice => "choice",
        ItemKind::OpenChoice => "open-choice",
    };
    if let Some(source) = &item.prefill {
        let value = match source {
            PrefillSource::Medicines => "medicines",
            PrefillSource::Allergies => "allergies",
            PrefillSource::Reading { vital } => {
                let (loinc, display) = vital_code(*vital);
                code.push(Coding {
                    system: Some(LOINC.into()),
                    code: Some(loinc.into()),
                    display: Some(display.into()),
                });
                "reading"
            }
        };
        extension.push(Extension {
            url: PREFILL_URL.into(),
            value_code: Some(value.into()),
            ..Extension::default()
        });
    }
    QuestionnaireItem {
        extension,
        link_id: item.link_id.clone(),
        code,
        text: Some(item.text.clone()),
        item_type: item_type.into(),
        enable_when: item.enable_when.iter().map(write_condition).collect(),
        enable_behavior: (item.enable_when.len() > 1).then(|| {
            match item.enable_behavior {
                EnableBehavior::All => "all",
                EnableBehavior::Any => "any",
            }
            .into()
        }),
        required: item.required.then_some(true),
        repeats: item.repeats.then_some(true),
        read_only: item.read_only.then_some(true),
        answer_option: item
            .options
            .iter()
            .map(|o| AnswerOption {
                value_coding: Some(coding(o)),
                value_string: None,
            })
            .collect(),
        item: item.items.iter().map(write_item).collect(),
    }
}

fn coding(choice: &Choice) -> Coding {
    Coding {
        system: choice.system.clone(),
        code: Some(choice.code.clone()),
        // FHIR has no empty strings: an answer sent without its option's words has none.
        display: (!choice.display.is_empty()).then(|| choice.display.clone()),
    }
}

fn write_condition(when: &EnableWhen) -> QuestionnaireEnableWhen {
    let (operator, answer) = match &when.operator {
        Operator::Exists(b) => ("exists", Answer::Boolean(*b)),
        Operator::Equals(a) => ("=", a.clone()),
        Operator::NotEquals(a) => ("!=", a.clone()),
        Operator::Greater(a) => (">", a.clone()),
        Operator::Less(a) => ("<", a.clone()),
        Operator::GreaterOrEqual(a) => (">=", a.clone()),
        Operator::LessOrEqual(a) => ("<=", a.clone()),
    };
    let value = write_answer(&answer);
    QuestionnaireEnableWhen {
        question: when.question.clone(),
        operator: operator.into(),
        answer_boolean: value.value_boolean,
        answer_decimal: value.value_decimal,
        answer_integer: value.value_integer,
        answer_date: value.value_date,
        answer_string: value.value_string,
        answer_coding: value.value_coding,
    }
}

fn write_answer(answer: &Answer) -> ResponseAnswer {
    let mut out = ResponseAnswer::default();
    match answer {
        Answer::Boolean(b) => out.value_boolean = Some(*b),
        Answer::Decimal(d) => out.value_decimal = Some(*d),
        Answer::Integer(i) => out.value_integer = Some(*i),
        Answer::Date(d) => out.value_date = Some(*d),
        Answer::String(s) => out.value_string = Some(s.clone()),
        Answer::Coding(c) => out.value_coding = Some(coding(c)),
    }
    out
}

fn read_answer(link_id: &str, a: &ResponseAnswer) -> Result<Answer, QuestionnaireError> {
    let bad = || QuestionnaireError::BadAnswer(link_id.to_owned());
    let values: Vec<Answer> = [
        a.value_boolean.map(Answer::Boolean),
        a.value_decimal.map(Answer::Decimal),
        a.value_integer.map(Answer::Integer),
        a.value_date.map(Answer::Date),
        a.value_string.clone().map(Answer::String),
        match &a.value_coding {
            Some(c) => Some(Answer::Coding(Choice {
                system: c.system.clone(),
                code: c.code.clone().ok_or_else(bad)?,
                display: c.display.clone().unwrap_or_default(),
            })),
            None => None,
        },
    ]
    .into_iter()
    .flatten()
    .collect();
    let [value] = <[Answer; 1]>::try_from(values).map_err(|_| bad())?;
    Ok(value)
}

/// Everything a sent response says besides its answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHeader {
    /// The key the app made for the response; the hospital stores one response per key.
    pub key: String,
    pub patient_id: String,
    pub appointment_id: Option<String>,
    pub authored: DateTime<Utc>,
}

impl QuestionnaireResponse {
    /// The completed response to `form`, items worded as the form words them.
    pub fn completed(form: &Form, response: &Response, header: &ResponseHeader) -> Self {
        let questionnaire = form.url.as_ref().map(|url| match &form.version {
            Some(v) => format!("{url}|{v}"),
            None => url.clone(),
        });
        let questionnaire = questionnaire.or_else(|| Some(format!("Questionnaire/{}", form.id)));
        let text_of = |link_id: &str| form.item(link_id).map(|i| i.text.clone());
        fn write(
            nodes: &[Answered],
            text_of: &dyn Fn(&str) -> Option<String>,
        ) -> Vec<ResponseItem> {
            nodes
                .iter()
                .map(|n| ResponseItem {
                    link_id: n.link_id.clone(),
                    text: text_of(&n.link_id),
                    answer: n.answers.iter().map(write_answer).collect(),
                    item: write(&n.items, text_of),
                })
                .collect()
        }
        Self {
            id: None,
            meta: None,
            extension: header
                .appointment_id
                .iter()
                .map(|id| Extension {
                    url: APPOINTMENT_URL.into(),
                    value_reference: Some(Reference::to("Appointment", id, None)),
                    ..Extension::default()
                })
                .collect(),
            identifier: Some(Identifier {
                system: Some(RESPONSE_SYSTEM.into()),
                value: Some(header.key.clone()),
            }),
            questionnaire,
            status: "completed".into(),
            subject: Some(Reference::to("Patient", &header.patient_id, None)),
            authored: Some(header.authored),
            author: Some(Reference::to("Patient", &header.patient_id, None)),
            item: write(&response.items, &text_of),
        }
    }

    /// The answers, as the domain holds them.
    pub fn answers(&self) -> Result<Response, QuestionnaireError> {
        fn read(items: &[ResponseItem]) -> Result<Vec<Answered>, QuestionnaireError> {
            items
                .iter()
                .map(|i| {
                    Ok(Answered {
                        link_id: i.link_id.clone(),
                        answers: i
                            .answer
                            .iter()
                            .map(|a| read_answer(&i.link_id, a))
                            .collect::<Result<_, _>>()?,
                        items: read(&i.item)?,
                    })
                })
                .collect()
        }
        Ok(Response {
            items: read(&self.item)?,
        })
    }

    /// The key the app made for this response, if it carries one.
    pub fn key(&self) -> Option<&str> {
        self.identifier
            .as_ref()
            .filter(|i| i.system.as_deref() == Some(RESPONSE_SYSTEM))
            .and_then(|i| i.value.as_deref())
    }

    /// The appointment it was filled in for.
    pub fn appointment_id(&self) -> Option<&str> {
        self.extension
            .iter()
            .find(|e| e.url == APPOINTMENT_URL)
            .and_then(|e| e.value_reference.as_ref())
            .and_then(|r| r.id_of("Appointment"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn questionnaire() -> serde_json::Value {
        json!({
            "resourceType": "Questionnaire",
            "id": "pre-visit-cardiology",
            "url": "https://hale.example/Questionnaire/pre-visit-cardiology",
            "version": "1",
            "status": "active",
            "title": "Before your heart clinic visit",
            "item": [
                {"linkId": "chest-pain", "text": "Chest pain in the last month?", "type": "boolean", "required": true},
                {"linkId": "how-often", "text": "How often?", "type": "choice",
                 "enableWhen": [{"question": "chest-pain", "operator": "=", "answerBoolean": true}],
                 "answerOption": [{"valueCoding": {"code": "daily", "display": "Every day"}},
                                  {"valueString": "Now and then"}]},
                {"linkId": "weight", "text": "Your weight", "type": "decimal",
                 "code": [{"system": "http://loinc.org", "code": "29463-7"}],
                 "extension": [
                    {"url": UNIT_URL, "valueCoding": {"system": UCUM, "code": "kg", "display": "kg"}},
                    {"url": PREFILL_URL, "valueCode": "reading"}]},
                {"linkId": "meds", "text": "Your medicines", "type": "group", "repeats": true,
                 "extension": [{"url": PREFILL_URL, "valueCode": "medicines"}],
                 "item": [{"linkId": "med-name", "text": "Medicine", "type": "string", "readOnly": true}]}
            ]
        })
    }

    #[test]
    fn a_questionnaire_reads_into_a_form_and_writes_back_the_same() {
        let q: Questionnaire = serde_json::from_value(questionnaire()).unwrap();
        let form = q.to_form().unwrap();
        assert_eq!(form.title, "Before your heart clinic visit");
        let how_often = form.item("how-often").unwrap();
        assert_eq!(how_often.options[1].code, "Now and then");
        assert_eq!(
            form.item("weight").unwrap().prefill,
            Some(PrefillSource::Reading {
                vital: hale_domain::device::Vital::BodyWeight
            })
        );
        assert_eq!(
            form.item("meds").unwrap().prefill,
            Some(PrefillSource::Medicines)
        );
        let again = Questionnaire::from_form(&form).to_form().unwrap();
        assert_eq!(again.items, form.items);
    }

    #[test]
    fn an_item_type_hale_cannot_show_refuses_the_whole_form() {
        let mut q = questionnaire();
        q["item"][3]["item"][0]["type"] = json!("attachment");
        let q: Questionnaire = serde_json::from_value(q).unwrap();
        assert_eq!(
            q.to_form(),
            Err(QuestionnaireError::UnsupportedType {
                link_id: "med-name".into(),
                item_type: "attachment".into()
            })
        );
    }

    #[test]
    fn a_condition_with_two_answers_or_an_unknown_operator_is_refused() {
        let mut q = questionnaire();
        q["item"][1]["enableWhen"][0]["answerString"] = json!("x");
        let q: Questionnaire = serde_json::from_value(q).unwrap();
        assert_eq!(
            q.to_form(),
            Err(QuestionnaireError::BadCondition("how-often".into()))
        );
        let mut q = questionnaire();
        q["item"][1]["enableWhen"][0]["operator"] = json!("~");
        let q: Questionnaire = serde_json::from_value(q).unwrap();
        assert_eq!(
            q.to_form(),
            Err(QuestionnaireError::BadCondition("how-often".into()))
        );
    }

    #[test]
    fn a_completed_response_names_its_form_patient_key_and_appointment_and_reads_back() {
        let form = serde_json::from_value::<Questionnaire>(questionnaire())
            .unwrap()
            .to_form()
            .unwrap();
        let mut response = Response::default();
        response
            .set(
                &form,
                &"chest-pain#0".parse().unwrap(),
                vec![Answer::Boolean(true)],
            )
            .unwrap();
        response
            .set(
                &form,
                &"weight#0".parse().unwrap(),
                vec![Answer::Decimal(81.4)],
            )
            .unwrap();
        let header = ResponseHeader {
            key: "k-1".into(),
            patient_id: "p-1".into(),
            appointment_id: Some("ap-9".into()),
            authored: Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap(),
        };
        let qr = QuestionnaireResponse::completed(&form, &response, &header);
        let json = serde_json::to_value(&qr).unwrap();
        assert_eq!(
            json["questionnaire"],
            "https://hale.example/Questionnaire/pre-visit-cardiology|1"
        );
        assert_eq!(json["item"][0]["answer"][0]["valueBoolean"], true);
        assert_eq!(json["item"][0]["text"], "Chest pain in the last month?");
        assert_eq!(json["item"][1]["answer"][0]["valueDecimal"], 81.4);
        assert_eq!(qr.key(), Some("k-1"));
        assert_eq!(qr.appointment_id(), Some("ap-9"));
        assert_eq!(qr.answers().unwrap(), response);
    }

    #[test]
    fn an_answer_with_two_values_is_refused() {
        let qr: QuestionnaireResponse = serde_json::from_value(json!({
            "status": "completed",
            "item": [{"linkId": "a", "answer": [{"valueBoolean": true, "valueInteger": 1}]}]
        }))
        .unwrap();
        assert_eq!(qr.answers(), Err(QuestionnaireError::BadAnswer("a".into())));
    }
}
