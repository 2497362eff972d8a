//! A form as the hospital defines it: items with their kinds, options, units and the conditions
//! under which they are asked. Only what Hale can render honestly is a `Form`; anything else is
//! refused when the hospital's `Questionnaire` is read, never half shown.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::response::Answer;

/// One questionnaire, as the hospital defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    /// The hospital's id of the `Questionnaire`.
    pub id: String,
    /// Its canonical URL and version, which the answers name (`QuestionnaireResponse.questionnaire`).
    pub url: Option<String>,
    pub version: Option<String>,
    pub title: String,
    pub items: Vec<Item>,
}

/// One item of a form: a question, a group of items, or text to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Unique within the form; answers and conditions name items by it.
    pub link_id: String,
    pub text: String,
    pub kind: ItemKind,
    pub required: bool,
    /// A question that takes several answers, or a group filled in several times.
    pub repeats: bool,
    pub read_only: bool,
    pub enable_when: Vec<EnableWhen>,
    pub enable_behavior: EnableBehavior,
    /// The answers offered by a choice or open-choice question.
    pub options: Vec<Choice>,
    /// A group's items.
    pub items: Vec<Item>,
    /// What the device or the hospital already knows that fills this item in.
    pub prefill: Option<PrefillSource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ItemKind {
    Group,
    /// Text to read; never answered.
    Display,
    Boolean,
    /// A number with a fraction, in `unit` when the form names one (UCUM).
    Decimal {
        unit: Option<Unit>,
    },
    Integer,
    Date,
    /// One line of text.
    String,
    /// Several lines of text.
    Text,
    /// One of `options` (several when the item repeats).
    Choice,
    /// One of `options`, or the patient's own words.
    OpenChoice,
}

impl ItemKind {
    /// Whether the item holds answers (a group holds items, a display nothing).
    pub fn is_question(&self) -> bool {
        !matches!(self, Self::Group | Self::Display)
    }
}

/// A unit of measure: the UCUM code and the words a patient reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub code: String,
    pub display: String,
}

/// One answer a choice question offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub system: Option<String>,
    pub code: String,
    pub display: String,
}

/// A condition on another question's answer, under which an item is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnableWhen {
    /// The `link_id` of the question it looks at.
    pub question: String,
    pub operator: Operator,
}

/// FHIR's `enableWhen.operator`, with the answer compared against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", content = "answer", rename_all = "kebab-case")]
pub enum Operator {
    /// The question has an answer (`true`) or has none (`false`).
    Exists(bool),
    Equals(Answer),
    NotEquals(Answer),
    Greater(Answer),
    Less(Answer),
    GreaterOrEqual(Answer),
    LessOrEqual(Answer),
}

/// Whether every condition (`All`) or any one (`Any`) must hold; FHIR requires saying which
/// when there are several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnableBehavior {
    #[default]
    All,
    Any,
}

/// Where a prefilled item's answers come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum PrefillSource {
    /// A repeating group, one instance per current medicine, its first item the medicine's name
    /// and dose for the patient to confirm (medicine reconciliation).
    Medicines,
    /// A repeating text question, one answer per allergy the hospital recorded.
    Allergies,
    /// A decimal question, the newest home reading of this value.
    Reading { vital: crate::device::Vital },
}

/// Why the hospital's form cannot be shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidForm {
    #[error("two items share the link id {0}")]
    DuplicateLinkId(String),
    #[error("item {0} has no link id")]
    EmptyLinkId(String),
    #[error("item {item} depends on {question}, which is not a question of the form")]
    UnknownQuestion { item: String, question: String },
    #[error("choice item {0} offers no answers")]
    NoOptions(String),
    #[error("group {0} has no items")]
    EmptyGroup(String),
}

impl Form {
    /// Checks what every shown form holds: link ids unique and present, conditions on
    /// questions of the form, choices with options, groups with items.
    pub fn check(&self) -> Result<(), InvalidForm> {
        let mut seen = HashSet::new();
        let mut questions = HashSet::new();
        for item in self.all_items() {
            if item.link_id.trim().is_empty() {
                return Err(InvalidForm::EmptyLinkId(item.text.clone()));
            }
            if !seen.insert(item.link_id.as_str()) {
                return Err(InvalidForm::DuplicateLinkId(item.link_id.clone()));
            }
            if item.kind.is_question() {
                questions.insert(item.link_id.as_str());
            }
            if matches!(item.kind, ItemKind::Choice) && item.options.is_empty() {
                return Err(InvalidForm::NoOptions(item.link_id.clone()));
            }
            if matches!(item.kind, ItemKind::Group) && item.items.is_empty() {
                return Err(InvalidForm::EmptyGroup(item.link_id.clone()));
            }
        }
        for item in self.all_items() {
            if let Some(when) = item
                .enable_when
                .iter()
                .find(|w| !questions.contains(w.question.as_str()))
            {
                return Err(InvalidForm::UnknownQuestion {
                    item: item.link_id.clone(),
                    question: when.question.clone(),
                });
            }
        }
        Ok(())
    }

    /// Every item, depth first, in the form's order.
    pub fn all_items(&self) -> Vec<&Item> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
            for item in items {
                out.push(item);
                walk(&item.items, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }

    /// The items from the form's top down to the item with this link id, if the form has it.
    pub fn chain(&self, link_id: &str) -> Option<Vec<&Item>> {
        fn down<'a>(items: &'a [Item], link_id: &str, out: &mut Vec<&'a Item>) -> bool {
            for item in items {
                out.push(item);
                if item.link_id == link_id || down(&item.items, link_id, out) {
                    return true;
                }
                out.pop();
            }
            false
        }
        let mut out = Vec::new();
        down(&self.items, link_id, &mut out).then_some(out)
    }

    /// The item with this link id, wherever it sits.
    pub fn item(&self, link_id: &str) -> Option<&Item> {
        self.all_items().into_iter().find(|i| i.link_id == link_id)
    }
}

impl Item {
    /// A question of `kind`, optional, answered once, with no conditions.
    pub fn question(link_id: &str, text: &str, kind: ItemKind) -> Self {
        Self {
            link_id: link_id.into(),
            text: text.into(),
            kind,
            required: false,
            repeats: false,
            read_only: false,
            enable_when: Vec::new(),
            enable_behavior: EnableBehavior::All,
            options: Vec::new(),
            items: Vec::new(),
            prefill: None,
        }
    }

    /// A group of `items`.
    pub fn group(link_id: &str, text: &str, items: Vec<Item>) -> Self {
        Self {
            items,
            ..Self::question(link_id, text, ItemKind::Group)
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn repeating(mut self) -> Self {
        self.repeats = true;
        self
    }

    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    pub fn when(mut self, question: &str, operator: Operator) -> Self {
        self.enable_when.push(EnableWhen {
            question: question.into(),
            operator,
        });
        self
    }

    pub fn any_of_conditions(mut self) -> Self {
        self.enable_behavior = EnableBehavior::Any;
        self
    }

    pub fn with_options(mut self, options: &[(&str, &str)]) -> Self {
        self.options = options
            .iter()
            .map(|(code, display)| Choice {
                system: None,
                code: (*code).into(),
                display: (*display).into(),
            })
            .collect();
        self
    }

    pub fn prefilled_from(mut self, source: PrefillSource) -> Self {
        self.prefill = Some(source);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(items: Vec<Item>) -> Form {
        Form {
            id: "f".into(),
            url: None,
            version: None,
            title: "Before your visit".into(),
            items,
        }
    }

    fn check(items: Vec<Item>, expect: Result<(), InvalidForm>) {
        assert_eq!(form(items).check(), expect);
    }

    #[test]
    fn a_form_whose_conditions_name_its_own_questions_is_accepted() {
        check(
            vec![
                Item::question("smokes", "Do you smoke?", ItemKind::Boolean),
                Item::question("per-day", "How many a day?", ItemKind::Integer)
                    .when("smokes", Operator::Equals(Answer::Boolean(true))),
            ],
            Ok(()),
        );
    }

    #[test]
    fn a_link_id_used_twice_even_inside_a_group_is_refused() {
        check(
            vec![
                Item::question("a", "A", ItemKind::String),
                Item::group("g", "G", vec![Item::question("a", "A", ItemKind::String)]),
            ],
            Err(InvalidForm::DuplicateLinkId("a".into())),
        );
    }

    #[test]
    fn a_condition_on_a_missing_question_or_on_a_group_is_refused() {
        let on_missing =
            Item::question("b", "B", ItemKind::String).when("nowhere", Operator::Exists(true));
        check(
            vec![on_missing],
            Err(InvalidForm::UnknownQuestion {
                item: "b".into(),
                question: "nowhere".into(),
            }),
        );
        let on_group = Item::question("b", "B", ItemKind::String).when("g", Operator::Exists(true));
        check(
            vec![
                Item::group("g", "G", vec![Item::question("a", "A", ItemKind::String)]),
                on_group,
            ],
            Err(InvalidForm::UnknownQuestion {
                item: "b".into(),
                question: "g".into(),
            }),
        );
    }

    #[test]
    fn a_choice_without_options_and_an_empty_group_are_refused() {
        check(
            vec![Item::question("c", "C", ItemKind::Choice)],
            Err(InvalidForm::NoOptions("c".into())),
        );
        check(
            vec![Item::group("g", "G", vec![])],
            Err(InvalidForm::EmptyGroup("g".into())),
        );
        check(
            vec![Item::question("", "Nameless", ItemKind::String)],
            Err(InvalidForm::EmptyLinkId("Nameless".into())),
        );
    }
}
