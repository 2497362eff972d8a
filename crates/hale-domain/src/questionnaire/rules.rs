//! The rules between a form and its answers: which items are asked (`enableWhen`), what a typed
//! answer means for an item's kind, what stops a form being sent, and what is sent.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::form::{EnableBehavior, Form, Item, ItemKind, Operator, PrefillSource};
use super::response::{numbered, Answer, Answered, Path, Response};

/// The longest answer in words a form takes: past it, something is being pasted, not answered.
pub const MAX_TEXT: usize = 4000;

/// Something that stops the form being sent, at one item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub path: Path,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A required question asked but not answered, or a required group never filled in.
    Required,
    NotANumber,
    NotAWholeNumber,
    NotADate,
    NotYesOrNo,
    /// A choice that is not one of the question's options.
    NotAnOption,
    TooLong,
    /// More answers than a question that does not repeat takes, or an answer of another kind.
    DoesNotFit,
}

/// What the patient typed or chose, read for the item's kind. Empty text is no answer.
pub fn parse_answer(item: &Item, text: &str) -> Result<Option<Answer>, ProblemKind> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_TEXT {
        return Err(ProblemKind::TooLong);
    }
    let option = || item.options.iter().find(|o| o.code == text).cloned();
    let answer = match &item.kind {
        ItemKind::Group | ItemKind::Display => return Err(ProblemKind::DoesNotFit),
        ItemKind::Boolean => match text {
            "true" => Answer::Boolean(true),
            "false" => Answer::Boolean(false),
            _ => return Err(ProblemKind::NotYesOrNo),
        },
        ItemKind::Integer => Answer::Integer(text.parse().map_err(|_| {
            if parse_decimal(text).is_some() {
                ProblemKind::NotAWholeNumber
            } else {
                ProblemKind::NotANumber
            }
        })?),
        ItemKind::Decimal { .. } => {
            Answer::Decimal(parse_decimal(text).ok_or(ProblemKind::NotANumber)?)
        }
        ItemKind::Date => Answer::Date(
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| ProblemKind::NotADate)?,
        ),
        ItemKind::String | ItemKind::Text => Answer::String(text.to_owned()),
        ItemKind::Choice => Answer::Coding(option().ok_or(ProblemKind::NotAnOption)?),
        ItemKind::OpenChoice => match option() {
            Some(choice) => Answer::Coding(choice),
            None => Answer::String(text.to_owned()),
        },
    };
    Ok(Some(answer))
}

/// A decimal as people write it, with a point or a comma; never infinite or not a number.
fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.replace(',', ".");
    let plain = text
        .trim_start_matches(['-', '+'])
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.');
    if !plain {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// How deep conditions may lean on one another before the form is taken to loop.
const MAX_DEPENDENCY: u8 = 16;

/// Whether the item at `path` is asked, given the answers so far: its groups are asked and its
/// own conditions hold. A condition looks at the nearest answer to its question: in the same
/// filling-in of a repeating group first, then further out. An item a condition disables keeps
/// no answers, so a question it hides counts as unanswered.
pub fn is_enabled(form: &Form, response: &Response, path: &Path) -> bool {
    enabled_within(form, response, path, 0)
}

fn enabled_within(form: &Form, response: &Response, path: &Path, depth: u8) -> bool {
    if depth > MAX_DEPENDENCY {
        return false;
    }
    for end in 1..=path.0.len() {
        let prefix = Path(path.0[..end].to_vec());
        let Ok(item) = prefix.item(form) else {
            return false;
        };
        if item.enable_when.is_empty() {
            continue;
        }
        let mut results = item.enable_when.iter().map(|when| {
            let answers = nearest_answers(form, response, &prefix, &when.question, depth);
            holds(&when.operator, &answers)
        });
        let on = match item.enable_behavior {
            EnableBehavior::All => results.all(|r| r),
            EnableBehavior::Any => results.any(|r| r),
        };
        if !on {
            return false;
        }
    }
    true
}

/// The answers of `question` seen from the item at `from`: in the same filling-in of every
/// repeating group the two share, and the first filling-in of any other; none when the question
/// is itself not asked.
fn nearest_answers(
    form: &Form,
    response: &Response,
    from: &Path,
    question: &str,
    depth: u8,
) -> Vec<Answer> {
    let Some(chain) = form.chain(question) else {
        return Vec::new();
    };
    let mut shared = true;
    let steps = chain
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let n = match from.0.get(i) {
                Some((id, n)) if shared && *id == item.link_id => *n,
                _ => {
                    shared = false;
                    0
                }
            };
            (item.link_id.clone(), n)
        })
        .collect();
    let found = Path(steps);
    if !enabled_within(form, response, &found, depth + 1) {
        return Vec::new();
    }
    response.answers(&found).to_vec()
}

fn child_of(base: &Path, link_id: &str, n: usize) -> Path {
    if base.0.is_empty() {
        Path(vec![(link_id.to_owned(), n)])
    } else {
        base.child(link_id, n)
    }
}

/// FHIR R4's operators: `exists` on whether there is an answer; `=` when any answer equals;
/// `!=` when none does (so also when there is none); the orderings when any answer compares so
/// (numbers and dates).
fn holds(operator: &Operator, answers: &[Answer]) -> bool {
    let any = |test: &dyn Fn(&Answer) -> bool| answers.iter().any(test);
    match operator {
        Operator::Exists(wanted) => answers.is_empty() != *wanted,
        Operator::Equals(x) => any(&|a| same(a, x)),
        Operator::NotEquals(x) => !any(&|a| same(a, x)),
        Operator::Greater(x) => any(&|a| compare(a, x) == Some(Ordering::Greater)),
        Operator::Less(x) => any(&|a| compare(a, x) == Some(Ordering::Less)),
        Operator::GreaterOrEqual(x) => {
            any(&|a| matches!(compare(a, x), Some(Ordering::Greater | Ordering::Equal)))
        }
        Operator::LessOrEqual(x) => {
            any(&|a| matches!(compare(a, x), Some(Ordering::Less | Ordering::Equal)))
        }
    }
}

fn same(a: &Answer, b: &Answer) -> bool {
    match (a, b) {
        (Answer::Coding(a), Answer::Coding(b)) => {
            a.code == b.code && (a.system.is_none() || b.system.is_none() || a.system == b.system)
        }
        _ => compare(a, b) == Some(Ordering::Equal) || a == b,
    }
}

fn compare(a: &Answer, b: &Answer) -> Option<Ordering> {
    let number = |x: &Answer| match x {
        Answer::Integer(i) => Some(*i as f64),
        Answer::Decimal(d) => Some(*d),
        _ => None,
    };
    match (a, b) {
        (Answer::Date(a), Answer::Date(b)) => Some(a.cmp(b)),
        _ => number(a)?.partial_cmp(&number(b)?),
    }
}

/// Every item the form asks now, as paths (repeating groups once per filling-in, and at least
/// once, so the patient sees its questions), in the form's order.
pub fn enabled_paths(form: &Form, response: &Response) -> Vec<Path> {
    let mut out = Vec::new();
    walk(form, response, &form.items, &Path(Vec::new()), &mut out);
    out
}

/// How many fillings-in of `item` (at `first`, its first) are shown: each one made, and for a
/// repeating group with none yet one empty one, so its questions are seen, unless it lists
/// medicines (whose names come only from what is known: with none, there is nothing to ask).
pub(super) fn shown_instances(item: &Item, response: &Response, first: &Path) -> usize {
    if !(matches!(item.kind, ItemKind::Group) && item.repeats) {
        return 1;
    }
    match response.instances(first) {
        0 if item.prefill == Some(PrefillSource::Medicines) => 0,
        0 => 1,
        n => n,
    }
}

/// Whether `path` lies in a filling-in of a repeating group that is shown but not yet made:
/// its questions are not required until the patient begins it.
fn not_begun(form: &Form, response: &Response, path: &Path) -> bool {
    (1..path.0.len()).any(|end| {
        let prefix = Path(path.0[..end].to_vec());
        prefix
            .item(form)
            .is_ok_and(|i| matches!(i.kind, ItemKind::Group) && i.repeats)
            && response.at(&prefix).is_none()
    })
}

fn walk(form: &Form, response: &Response, items: &[Item], base: &Path, out: &mut Vec<Path>) {
    for item in items {
        let first = child_of(base, &item.link_id, 0);
        let count = shown_instances(item, response, &first);
        for n in 0..count {
            let path = child_of(base, &item.link_id, n);
            if !is_enabled(form, response, &path) {
                continue;
            }
            out.push(path.clone());
            walk(form, response, &item.items, &path, out);
        }
    }
}

/// What stops the form being sent: each asked question's required answer, the kind and number of
/// its answers, and each required repeating group filled in at least once.
pub fn validate(form: &Form, response: &Response) -> Vec<Problem> {
    let mut problems = Vec::new();
    for path in enabled_paths(form, response) {
        let Ok(item) = path.item(form) else { continue };
        let problem = |kind| Problem {
            path: path.clone(),
            kind,
        };
        if matches!(item.kind, ItemKind::Group) {
            if item.required && !has_answers(response.at(&path)) {
                problems.push(problem(ProblemKind::Required));
            }
            continue;
        }
        if !item.kind.is_question() || not_begun(form, response, &path) {
            continue;
        }
        let answers = response.answers(&path);
        if answers.is_empty() {
            if item.required {
                problems.push(problem(ProblemKind::Required));
            }
            continue;
        }
        if answers.len() > 1 && !item.repeats {
            problems.push(problem(ProblemKind::DoesNotFit));
            continue;
        }
        if let Some(kind) = answers.iter().find_map(|a| misfit(item, a)) {
            problems.push(problem(kind));
        }
    }
    problems
}

fn has_answers(node: Option<&Answered>) -> bool {
    node.is_some_and(|n| !n.answers.is_empty() || n.items.iter().any(|i| has_answers(Some(i))))
}

/// Why an answer held in a draft does not fit its item (a form can change under a draft).
fn misfit(item: &Item, answer: &Answer) -> Option<ProblemKind> {
    let fits = match (&item.kind, answer) {
        (ItemKind::Boolean, Answer::Boolean(_))
        | (ItemKind::Integer, Answer::Integer(_))
        | (ItemKind::Decimal { .. }, Answer::Decimal(_))
        | (ItemKind::Date, Answer::Date(_))
        | (ItemKind::String | ItemKind::Text | ItemKind::OpenChoice, Answer::String(_)) => true,
        (ItemKind::Choice | ItemKind::OpenChoice, Answer::Coding(c)) => {
            if !item.options.iter().any(|o| o.code == c.code) {
                return Some(ProblemKind::NotAnOption);
            }
            true
        }
        _ => false,
    };
    if let Answer::String(s) = answer {
        if s.chars().count() > MAX_TEXT {
            return Some(ProblemKind::TooLong);
        }
    }
    (!fits).then_some(ProblemKind::DoesNotFit)
}

/// The response as it is sent: only asked items, and only those with answers (directly or
/// below), as FHIR requires of a completed `QuestionnaireResponse`.
pub fn pruned(form: &Form, response: &Response) -> Response {
    let asked = enabled_paths(form, response);
    fn keep(nodes: &[Answered], base: &Path, asked: &[Path]) -> Vec<Answered> {
        let mut out = Vec::new();
        for (n, node) in numbered(nodes) {
            let here = child_of(base, &node.link_id, n);
            if !asked.contains(&here) {
                continue;
            }
            let items = keep(&node.items, &here, asked);
            if node.answers.is_empty() && items.is_empty() {
                continue;
            }
            out.push(Answered {
                link_id: node.link_id.clone(),
                answers: node.answers.clone(),
                items,
            });
        }
        out
    }
    Response {
        items: keep(&response.items, &Path(Vec::new()), &asked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::form::Unit;
    use chrono::NaiveDate;

    fn form() -> Form {
        Form {
            id: "f".into(),
            url: None,
            version: None,
            title: "T".into(),
            items: vec![
                Item::question("smokes", "Do you smoke?", ItemKind::Boolean).required(),
                Item::question("per-day", "How many a day?", ItemKind::Integer)
                    .required()
                    .when("smokes", Operator::Equals(Answer::Boolean(true))),
                Item::question(
                    "weight",
                    "Weight",
                    ItemKind::Decimal {
                        unit: Some(Unit {
                            code: "kg".into(),
                            display: "kg".into(),
                        }),
                    },
                ),
                Item::question("heavy", "Has your weight changed?", ItemKind::Boolean)
                    .when("weight", Operator::GreaterOrEqual(Answer::Integer(100))),
                Item::group(
                    "meds",
                    "Your medicines",
                    vec![
                        Item::question("name", "Medicine", ItemKind::String).read_only(),
                        Item::question("status", "Still taking it?", ItemKind::Choice)
                            .required()
                            .with_options(&[
                                ("yes", "Yes, as prescribed"),
                                ("changed", "Yes, but the dose changed"),
                                ("stopped", "I stopped taking it"),
                            ]),
                        Item::question("change", "What changed?", ItemKind::Text)
                            .required()
                            .when(
                                "status",
                                Operator::Equals(Answer::Coding(choice("changed"))),
                            )
                            .when(
                                "status",
                                Operator::Equals(Answer::Coding(choice("stopped"))),
                            )
                            .any_of_conditions(),
                    ],
                )
                .repeating(),
                Item::question("visit-date", "When did you last visit?", ItemKind::Date),
                Item::question("feeling", "How do you feel?", ItemKind::OpenChoice)
                    .with_options(&[("well", "Well"), ("unwell", "Unwell")]),
            ],
        }
    }

    fn choice(code: &str) -> crate::questionnaire::form::Choice {
        crate::questionnaire::form::Choice {
            system: None,
            code: code.into(),
            display: code.into(),
        }
    }

    fn path(s: &str) -> Path {
        s.parse().unwrap()
    }

    fn answer(form: &Form, r: &mut Response, at: &str, text: &str) {
        let p = path(at);
        let item = p.item(form).unwrap();
        let a = parse_answer(item, text).unwrap();
        r.set(form, &p, a.into_iter().collect()).unwrap();
    }

    fn problems(form: &Form, r: &Response) -> Vec<(String, ProblemKind)> {
        validate(form, r)
            .into_iter()
            .map(|p| (p.path.to_string(), p.kind))
            .collect()
    }

    #[test]
    fn typed_answers_are_read_for_their_items_kind() {
        let f = form();
        let item = |id: &str| f.item(id).unwrap().clone();
        let check = |id: &str, text: &str, expect: Result<Option<Answer>, ProblemKind>| {
            assert_eq!(parse_answer(&item(id), text), expect, "{id} {text:?}");
        };
        check("per-day", " 12 ", Ok(Some(Answer::Integer(12))));
        check("per-day", "1.5", Err(ProblemKind::NotAWholeNumber));
        check("per-day", "lots", Err(ProblemKind::NotANumber));
        check("weight", "81,5", Ok(Some(Answer::Decimal(81.5))));
        check("weight", "inf", Err(ProblemKind::NotANumber));
        check("weight", "1e400", Err(ProblemKind::NotANumber));
        check("smokes", "yes", Err(ProblemKind::NotYesOrNo));
        check("smokes", "", Ok(None));
        check(
            "visit-date",
            "2026-02-28",
            Ok(Some(Answer::Date(
                NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
            ))),
        );
        check("visit-date", "2026-02-30", Err(ProblemKind::NotADate));
        check("status", "sometimes", Err(ProblemKind::NotAnOption));
        let well = crate::questionnaire::form::Choice {
            system: None,
            code: "well".into(),
            display: "Well".into(),
        };
        check("feeling", "well", Ok(Some(Answer::Coding(well))));
        check("feeling", "tired", Ok(Some(Answer::String("tired".into()))));
        check("name", &"x".repeat(MAX_TEXT + 1), Err(ProblemKind::TooLong));
    }

    #[test]
    fn a_question_is_asked_only_while_its_condition_holds() {
        let f = form();
        let mut r = Response::default();
        assert!(!is_enabled(&f, &r, &path("per-day#0")));
        answer(&f, &mut r, "smokes#0", "true");
        assert!(is_enabled(&f, &r, &path("per-day#0")));
        answer(&f, &mut r, "smokes#0", "false");
        assert!(!is_enabled(&f, &r, &path("per-day#0")));
        answer(&f, &mut r, "weight#0", "99.9");
        assert!(!is_enabled(&f, &r, &path("heavy#0")));
        answer(&f, &mut r, "weight#0", "100");
        assert!(
            is_enabled(&f, &r, &path("heavy#0")),
            "a decimal compares with an integer"
        );
    }

    #[test]
    fn a_condition_inside_a_repeating_group_looks_at_its_own_filling_in() {
        let f = form();
        let mut r = Response::default();
        r.add_instance(&f, &path("meds#0")).unwrap();
        r.add_instance(&f, &path("meds#0")).unwrap();
        answer(&f, &mut r, "meds#0/status#0", "yes");
        answer(&f, &mut r, "meds#1/status#0", "stopped");
        assert!(!is_enabled(&f, &r, &path("meds#0/change#0")));
        assert!(
            is_enabled(&f, &r, &path("meds#1/change#0")),
            "any of two conditions"
        );
    }

    #[test]
    fn a_condition_in_a_filling_in_not_yet_answered_does_not_borrow_another_ones_answer() {
        let f = form();
        let mut r = Response::default();
        r.add_instance(&f, &path("meds#0")).unwrap();
        r.add_instance(&f, &path("meds#0")).unwrap();
        answer(&f, &mut r, "meds#0/status#0", "stopped");
        assert!(is_enabled(&f, &r, &path("meds#0/change#0")));
        assert!(
            !is_enabled(&f, &r, &path("meds#1/change#0")),
            "the second medicine is not answered yet"
        );
    }

    #[test]
    fn a_list_of_medicines_with_none_known_asks_nothing_and_sends() {
        let mut f = form();
        f.items[4].prefill = Some(PrefillSource::Medicines);
        let mut r = Response::default();
        answer(&f, &mut r, "smokes#0", "false");
        assert!(!enabled_paths(&f, &r).iter().any(|p| p.link_id() == "meds"));
        assert_eq!(problems(&f, &r), []);
    }

    #[test]
    fn a_question_hidden_by_its_condition_counts_as_unanswered_for_others() {
        let f = Form {
            items: vec![
                Item::question("a", "A", ItemKind::Boolean),
                Item::question("b", "B", ItemKind::Boolean)
                    .when("a", Operator::Equals(Answer::Boolean(true))),
                Item::question("c", "C", ItemKind::String).when("b", Operator::Exists(true)),
            ],
            ..form()
        };
        let mut r = Response::default();
        answer(&f, &mut r, "a#0", "true");
        answer(&f, &mut r, "b#0", "false");
        assert!(is_enabled(&f, &r, &path("c#0")));
        answer(&f, &mut r, "a#0", "false");
        assert!(
            !is_enabled(&f, &r, &path("c#0")),
            "b is hidden, so its answer does not count"
        );
    }

    #[test]
    fn conditions_that_lean_on_each_other_in_a_loop_hide_the_items_rather_than_hang() {
        let f = Form {
            items: vec![
                Item::question("a", "A", ItemKind::Boolean).when("b", Operator::Exists(true)),
                Item::question("b", "B", ItemKind::Boolean).when("a", Operator::Exists(true)),
            ],
            ..form()
        };
        let mut r = Response::default();
        r.set(&f, &path("a#0"), vec![Answer::Boolean(true)])
            .unwrap();
        r.set(&f, &path("b#0"), vec![Answer::Boolean(true)])
            .unwrap();
        assert!(!is_enabled(&f, &r, &path("a#0")));
    }

    #[test]
    fn operators_follow_fhir_r4_on_no_answer_and_on_many() {
        let yes = Answer::Boolean(true);
        assert!(holds(&Operator::Exists(false), &[]));
        assert!(!holds(&Operator::Equals(yes.clone()), &[]));
        assert!(
            holds(&Operator::NotEquals(yes.clone()), &[]),
            "no answer is not yes"
        );
        assert!(
            !holds(
                &Operator::NotEquals(Answer::Integer(2)),
                &[Answer::Integer(2), Answer::Integer(3)]
            ),
            "one answer is 2"
        );
        assert!(holds(
            &Operator::NotEquals(Answer::Integer(2)),
            &[Answer::Integer(3)]
        ));
        assert!(holds(
            &Operator::Less(Answer::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())),
            &[Answer::Date(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())]
        ));
        assert!(!holds(
            &Operator::Greater(Answer::String("a".into())),
            &[Answer::String("b".into())]
        ));
    }

    #[test]
    fn required_questions_are_required_only_while_asked() {
        let f = form();
        let mut r = Response::default();
        assert_eq!(
            problems(&f, &r),
            [("smokes#0".into(), ProblemKind::Required)],
            "a repeating group not begun asks nothing yet"
        );
        answer(&f, &mut r, "smokes#0", "true");
        answer(&f, &mut r, "meds#0/status#0", "changed");
        assert_eq!(
            problems(&f, &r),
            [
                ("per-day#0".into(), ProblemKind::Required),
                ("meds#0/change#0".into(), ProblemKind::Required)
            ]
        );
        answer(&f, &mut r, "smokes#0", "false");
        answer(&f, &mut r, "meds#0/status#0", "yes");
        assert_eq!(problems(&f, &r), []);
    }

    #[test]
    fn a_draft_answer_that_no_longer_fits_its_form_stops_the_sending() {
        let f = form();
        let mut r = Response::default();
        answer(&f, &mut r, "smokes#0", "false");
        answer(&f, &mut r, "meds#0/status#0", "yes");
        r.items[0].answers = vec![Answer::Integer(1)];
        r.items[1].items[0].answers = vec![Answer::Coding(choice("gone"))];
        assert_eq!(
            problems(&f, &r),
            [
                ("smokes#0".into(), ProblemKind::DoesNotFit),
                ("meds#0/status#0".into(), ProblemKind::NotAnOption)
            ]
        );
    }

    #[test]
    fn what_is_sent_leaves_out_hidden_and_unanswered_items() {
        let f = form();
        let mut r = Response::default();
        answer(&f, &mut r, "smokes#0", "true");
        answer(&f, &mut r, "per-day#0", "5");
        answer(&f, &mut r, "smokes#0", "false");
        r.add_instance(&f, &path("meds#0")).unwrap();
        r.add_instance(&f, &path("meds#0")).unwrap();
        answer(&f, &mut r, "meds#1/status#0", "yes");
        let sent = pruned(&f, &r);
        let ids: Vec<&str> = sent.items.iter().map(|a| a.link_id.as_str()).collect();
        assert_eq!(ids, ["smokes", "meds"], "per-day is hidden, meds#0 empty");
        assert_eq!(sent.items[1].items[0].link_id, "status");
    }
}
