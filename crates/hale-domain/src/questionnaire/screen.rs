//! The form as the patient sees it now: one line per asked item in the form's order, a
//! repeating group once per filling-in (numbered, removable while there are others) followed by a
//! line to fill it in again, each question with its answers and what stops it being sent.

use super::form::{Choice, Form, Item, ItemKind, PrefillSource};
use super::response::{Answer, Path, Response, MAX_INSTANCES};
use super::rules::{is_enabled, shown_instances, Problem, ProblemKind};

#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Group {
        path: Path,
        text: String,
        depth: usize,
        /// For a repeating group: which filling-in this is.
        instance: Option<Instance>,
    },
    Display {
        path: Path,
        text: String,
        depth: usize,
    },
    Question {
        path: Path,
        text: String,
        depth: usize,
        kind: ItemKind,
        required: bool,
        repeats: bool,
        read_only: bool,
        options: Vec<Choice>,
        answers: Vec<Answer>,
        problem: Option<ProblemKind>,
    },
    /// Fill the repeating group in once more; `path` names the group.
    AddAnother {
        path: Path,
        text: String,
        depth: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    /// From 1.
    pub number: usize,
    pub of: usize,
    pub removable: bool,
}

/// The lines of `form` given `response`, with `problems` placed at their questions.
pub fn lines(form: &Form, response: &Response, problems: &[Problem]) -> Vec<Line> {
    let mut out = Vec::new();
    walk(form, response, problems, &form.items, None, 0, &mut out);
    out
}

fn walk(
    form: &Form,
    response: &Response,
    problems: &[Problem],
    items: &[Item],
    base: Option<&Path>,
    depth: usize,
    out: &mut Vec<Line>,
) {
    for item in items {
        let at = |n: usize| match base {
            Some(base) => base.child(&item.link_id, n),
            None => Path(vec![(item.link_id.clone(), n)]),
        };
        let repeating = matches!(item.kind, ItemKind::Group) && item.repeats;
        let count = shown_instances(item, response, &at(0));
        let typed_by_patient = item.prefill != Some(PrefillSource::Medicines);
        let made = if repeating {
            response.instances(&at(0))
        } else {
            1
        };
        let mut shown = false;
        for n in 0..count {
            let path = at(n);
            if !is_enabled(form, response, &path) {
                continue;
            }
            shown = true;
            let problem = problems.iter().find(|p| p.path == path).map(|p| p.kind);
            match &item.kind {
                ItemKind::Group => {
                    out.push(Line::Group {
                        path: path.clone(),
                        text: item.text.clone(),
                        depth,
                        instance: repeating.then_some(Instance {
                            number: n + 1,
                            of: count,
                            removable: made > 1 && typed_by_patient,
                        }),
                    });
                    walk(
                        form,
                        response,
                        problems,
                        &item.items,
                        Some(&path),
                        depth + 1,
                        out,
                    );
                }
                ItemKind::Display => out.push(Line::Display {
                    path,
                    text: item.text.clone(),
                    depth,
                }),
                kind => out.push(Line::Question {
                    answers: response.answers(&path).to_vec(),
                    path,
                    text: item.text.clone(),
                    depth,
                    kind: kind.clone(),
                    required: item.required,
                    repeats: item.repeats,
                    read_only: item.read_only,
                    options: item.options.clone(),
                    problem,
                }),
            }
        }
        // Another filling-in once one is made (an empty one is already shown), never of the
        // medicines the device knows (their names are not the patient's to type).
        if repeating && shown && (1..MAX_INSTANCES).contains(&made) && typed_by_patient {
            out.push(Line::AddAnother {
                path: at(0),
                text: item.text.clone(),
                depth,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::form::Operator;
    use crate::questionnaire::rules::validate;

    fn form() -> Form {
        Form {
            id: "f".into(),
            url: None,
            version: None,
            title: "T".into(),
            items: vec![
                Item::question("intro", "Please answer", ItemKind::Display),
                Item::question("smokes", "Smoke?", ItemKind::Boolean).required(),
                Item::question("per-day", "How many?", ItemKind::Integer)
                    .when("smokes", Operator::Equals(Answer::Boolean(true))),
                Item::group(
                    "meds",
                    "Medicine",
                    vec![Item::question("name", "Name", ItemKind::String).required()],
                )
                .repeating(),
            ],
        }
    }

    fn names(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| match l {
                Line::Group { path, instance, .. } => match instance {
                    Some(i) => format!(
                        "group {path} {}/{}{}",
                        i.number,
                        i.of,
                        if i.removable { " x" } else { "" }
                    ),
                    None => format!("group {path}"),
                },
                Line::Display { path, .. } => format!("display {path}"),
                Line::Question {
                    path,
                    problem,
                    depth,
                    ..
                } => {
                    format!(
                        "q{depth} {path}{}",
                        problem.map(|p| format!(" {p:?}")).unwrap_or_default()
                    )
                }
                Line::AddAnother { path, .. } => format!("add {path}"),
            })
            .collect()
    }

    #[test]
    fn a_new_form_shows_one_filling_in_of_each_group_and_hides_what_is_not_asked() {
        let f = form();
        let r = Response::default();
        assert_eq!(
            names(&lines(&f, &r, &[])),
            [
                "display intro#0",
                "q0 smokes#0",
                "group meds#0 1/1",
                "q1 meds#0/name#0",
            ],
            "an empty filling-in is shown; another is offered once it is begun"
        );
    }

    #[test]
    fn problems_sit_at_their_questions_and_more_fillings_in_can_be_removed() {
        let f = form();
        let mut r = Response::default();
        r.set(
            &f,
            &"smokes#0".parse().unwrap(),
            vec![Answer::Boolean(true)],
        )
        .unwrap();
        r.add_instance(&f, &"meds#0".parse().unwrap()).unwrap();
        r.add_instance(&f, &"meds#0".parse().unwrap()).unwrap();
        let problems = validate(&f, &r);
        assert_eq!(
            names(&lines(&f, &r, &problems)),
            [
                "display intro#0",
                "q0 smokes#0",
                "q0 per-day#0",
                "group meds#0 1/2 x",
                "q1 meds#0/name#0 Required",
                "group meds#1 2/2 x",
                "q1 meds#1/name#0 Required",
                "add meds#0"
            ]
        );
    }
}
