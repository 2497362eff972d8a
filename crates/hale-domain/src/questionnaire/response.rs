//! The patient's answers, shaped like a FHIR `QuestionnaireResponse`: a tree of answered items
//! in the form's order, where a repeating group appears once per time it is filled in.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::form::{Choice, Form, Item, ItemKind};

/// One answer to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum Answer {
    Boolean(bool),
    Decimal(f64),
    Integer(i64),
    Date(NaiveDate),
    /// A string or text question's words, or an open-choice answer in the patient's own words.
    String(String),
    /// One of a choice question's options.
    Coding(Choice),
}

/// One item of the response: a question's answers, or a group's items.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Answered {
    pub link_id: String,
    pub answers: Vec<Answer>,
    pub items: Vec<Answered>,
}

/// The answers to a form so far.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Response {
    pub items: Vec<Answered>,
}

/// Where an item sits in a response: each step a link id and which time its group was filled
/// in (0 for an item that does not repeat). Written `medicines#1/still-taking#0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path(pub Vec<(String, usize)>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("{0} is not a path to an item of this form")]
    NoSuchItem(String),
    #[error("{0} is a group or text, which takes no answers")]
    NotAQuestion(String),
    #[error("{0} is not a group that can be filled in again")]
    NotARepeatingGroup(String),
    #[error("{0} is read-only")]
    ReadOnly(String),
    #[error("{0} takes one answer")]
    OneAnswerOnly(String),
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let steps: Vec<String> = self.0.iter().map(|(id, n)| format!("{id}#{n}")).collect();
        f.write_str(&steps.join("/"))
    }
}

impl std::str::FromStr for Path {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PathError::NoSuchItem(s.chars().take(80).collect());
        let steps = s
            .split('/')
            .map(|step| {
                let (id, n) = step.rsplit_once('#').ok_or_else(bad)?;
                let n: usize = n.parse().map_err(|_| bad())?;
                if id.is_empty() || n >= MAX_INSTANCES {
                    return Err(bad());
                }
                Ok((id.to_owned(), n))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if steps.is_empty() {
            return Err(bad());
        }
        Ok(Self(steps))
    }
}

/// How many times a group can be filled in: past it a form is being abused, not filled in.
pub const MAX_INSTANCES: usize = 50;

impl Path {
    pub fn root(link_id: &str) -> Self {
        Self(vec![(link_id.to_owned(), 0)])
    }

    pub fn child(&self, link_id: &str, instance: usize) -> Self {
        let mut steps = self.0.clone();
        steps.push((link_id.to_owned(), instance));
        Self(steps)
    }

    pub fn link_id(&self) -> &str {
        self.0.last().map(|(id, _)| id.as_str()).unwrap_or("")
    }

    /// The path's items in the form, outermost first, checking each step is a child of the one
    /// before and that only repeating groups have instances past the first.
    fn items<'f>(&self, form: &'f Form) -> Result<Vec<&'f Item>, PathError> {
        let mut level = &form.items;
        let mut out = Vec::new();
        for (i, (id, n)) in self.0.iter().enumerate() {
            let item = level
                .iter()
                .find(|it| &it.link_id == id)
                .ok_or_else(|| PathError::NoSuchItem(self.to_string()))?;
            let is_last = i + 1 == self.0.len();
            let may_repeat = matches!(item.kind, ItemKind::Group) && item.repeats;
            if *n > 0 && !may_repeat {
                return Err(PathError::NoSuchItem(self.to_string()));
            }
            if !is_last && !matches!(item.kind, ItemKind::Group) {
                return Err(PathError::NoSuchItem(self.to_string()));
            }
            out.push(item);
            level = &item.items;
        }
        Ok(out)
    }

    /// The form's item this path ends at.
    pub fn item<'f>(&self, form: &'f Form) -> Result<&'f Item, PathError> {
        Ok(*self.items(form)?.last().expect("a path has a step"))
    }
}

/// Each of `nodes` (siblings) with which filling-in of its link id it is, from 0: the instance
/// its path names.
pub fn numbered(nodes: &[Answered]) -> Vec<(usize, &Answered)> {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    nodes
        .iter()
        .map(|node| {
            let n = match seen.iter_mut().find(|(id, _)| *id == node.link_id) {
                Some((_, count)) => {
                    *count += 1;
                    *count - 1
                }
                None => {
                    seen.push((&node.link_id, 1));
                    0
                }
            };
            (n, node)
        })
        .collect()
}

impl Response {
    /// Every answered item with its path, depth first, in order.
    pub fn paths(&self) -> Vec<(Path, &Answered)> {
        fn walk<'a>(
            nodes: &'a [Answered],
            base: &[(String, usize)],
            out: &mut Vec<(Path, &'a Answered)>,
        ) {
            for (n, node) in numbered(nodes) {
                let mut steps = base.to_vec();
                steps.push((node.link_id.clone(), n));
                out.push((Path(steps.clone()), node));
                walk(&node.items, &steps, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &[], &mut out);
        out
    }

    /// The answered item at `path`, if the patient has reached it.
    pub fn at(&self, path: &Path) -> Option<&Answered> {
        let mut level = &self.items;
        let mut found = None;
        for (id, n) in &path.0 {
            let node = level.iter().filter(|a| &a.link_id == id).nth(*n)?;
            level = &node.items;
            found = Some(node);
        }
        found
    }

    /// The answers to the question at `path` (none if it was not reached).
    pub fn answers(&self, path: &Path) -> &[Answer] {
        self.at(path).map(|a| a.answers.as_slice()).unwrap_or(&[])
    }

    /// How many times the group at `path` (its instance ignored) has been filled in.
    pub fn instances(&self, path: &Path) -> usize {
        let mut parent = path.0.clone();
        let (id, _) = parent.pop().expect("a path has a step");
        let siblings = if parent.is_empty() {
            Some(&self.items)
        } else {
            self.at(&Path(parent)).map(|a| &a.items)
        };
        siblings.map_or(0, |s| s.iter().filter(|a| a.link_id == id).count())
    }

    /// Sets the answers of the question at `path`, replacing what it had; no answers clears it.
    pub fn set(&mut self, form: &Form, path: &Path, answers: Vec<Answer>) -> Result<(), PathError> {
        let item = path.item(form)?;
        if !item.kind.is_question() {
            return Err(PathError::NotAQuestion(path.to_string()));
        }
        if item.read_only {
            return Err(PathError::ReadOnly(path.to_string()));
        }
        self.put(form, path, answers)
    }

    /// As `set`, for prefill, which also fills read-only items.
    pub(super) fn put(
        &mut self,
        form: &Form,
        path: &Path,
        answers: Vec<Answer>,
    ) -> Result<(), PathError> {
        let item = path.item(form)?;
        if answers.len() > 1 && !item.repeats {
            return Err(PathError::OneAnswerOnly(path.to_string()));
        }
        let node = self.reach(form, path)?;
        node.answers = answers;
        Ok(())
    }

    /// Fills the repeating group at `path` in once more, returning the new instance's path.
    pub fn add_instance(&mut self, form: &Form, path: &Path) -> Result<Path, PathError> {
        let item = path.item(form)?;
        if !(matches!(item.kind, ItemKind::Group) && item.repeats) {
            return Err(PathError::NotARepeatingGroup(path.to_string()));
        }
        let n = self.instances(path);
        if n >= MAX_INSTANCES {
            return Err(PathError::NotARepeatingGroup(path.to_string()));
        }
        let mut steps = path.0.clone();
        steps.last_mut().expect("a path has a step").1 = n;
        let new = Path(steps);
        self.reach(form, &new)?;
        Ok(new)
    }

    /// Removes one filling-in of a repeating group; the later ones move up by one.
    pub fn remove_instance(&mut self, form: &Form, path: &Path) -> Result<(), PathError> {
        let item = path.item(form)?;
        if !(matches!(item.kind, ItemKind::Group) && item.repeats) {
            return Err(PathError::NotARepeatingGroup(path.to_string()));
        }
        let mut parent = path.0.clone();
        let (id, n) = parent.pop().expect("a path has a step");
        let siblings = if parent.is_empty() {
            &mut self.items
        } else {
            match self.at_mut(&Path(parent)) {
                Some(node) => &mut node.items,
                None => return Ok(()),
            }
        };
        let position = siblings
            .iter()
            .enumerate()
            .filter(|(_, a)| a.link_id == id)
            .nth(n)
            .map(|(i, _)| i);
        if let Some(i) = position {
            siblings.remove(i);
        }
        Ok(())
    }

    fn at_mut(&mut self, path: &Path) -> Option<&mut Answered> {
        let mut level = &mut self.items;
        let mut steps = path.0.iter().peekable();
        while let Some((id, n)) = steps.next() {
            let node = level.iter_mut().filter(|a| &a.link_id == id).nth(*n)?;
            if steps.peek().is_none() {
                return Some(node);
            }
            level = &mut node.items;
        }
        None
    }

    /// The node at `path`, made (with any earlier instances it needs) where missing, keeping
    /// siblings in the form's order.
    fn reach(&mut self, form: &Form, path: &Path) -> Result<&mut Answered, PathError> {
        let chain = path.items(form)?;
        let mut level = &mut self.items;
        let mut defined: &[Item] = &form.items;
        for (depth, (id, n)) in path.0.iter().enumerate() {
            let mut have = level.iter().filter(|a| &a.link_id == id).count();
            while have <= *n {
                let order = |link: &str| defined.iter().position(|d| d.link_id == link);
                let mine = order(id);
                let at = level
                    .iter()
                    .position(|a| order(&a.link_id) > mine)
                    .unwrap_or(level.len());
                level.insert(
                    at,
                    Answered {
                        link_id: id.clone(),
                        ..Answered::default()
                    },
                );
                have += 1;
            }
            let index = level
                .iter()
                .enumerate()
                .filter(|(_, a)| &a.link_id == id)
                .nth(*n)
                .map(|(i, _)| i)
                .expect("made above");
            defined = &chain[depth].items;
            if depth + 1 == path.0.len() {
                return Ok(&mut level[index]);
            }
            level = &mut level[index].items;
        }
        unreachable!("a path has a step")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::form::Item;

    fn form() -> Form {
        Form {
            id: "f".into(),
            url: None,
            version: None,
            title: "T".into(),
            items: vec![
                Item::question("first", "First", ItemKind::String),
                Item::group(
                    "meds",
                    "Medicines",
                    vec![
                        Item::question("name", "Name", ItemKind::String).read_only(),
                        Item::question("note", "Note", ItemKind::Text),
                    ],
                )
                .repeating(),
                Item::question("last", "Last", ItemKind::Boolean),
                Item::question("tags", "Tags", ItemKind::String).repeating(),
            ],
        }
    }

    fn path(s: &str) -> Path {
        s.parse().unwrap()
    }

    #[test]
    fn a_path_reads_and_writes_as_link_ids_with_their_instances() {
        assert_eq!(path("meds#2/note#0").to_string(), "meds#2/note#0");
        for bad in ["", "meds", "meds#x", "#0", "meds#0/", "meds#999"] {
            assert!(bad.parse::<Path>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn answers_given_out_of_order_sit_in_the_forms_order() {
        let form = form();
        let mut r = Response::default();
        r.set(&form, &path("last#0"), vec![Answer::Boolean(true)])
            .unwrap();
        r.set(
            &form,
            &path("meds#1/note#0"),
            vec![Answer::String("b".into())],
        )
        .unwrap();
        r.set(&form, &path("first#0"), vec![Answer::String("a".into())])
            .unwrap();
        let order: Vec<&str> = r.items.iter().map(|a| a.link_id.as_str()).collect();
        assert_eq!(order, ["first", "meds", "meds", "last"]);
        assert_eq!(r.instances(&path("meds#0")), 2);
        let paths: Vec<String> = r.paths().iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(
            paths,
            ["first#0", "meds#0", "meds#1", "meds#1/note#0", "last#0"]
        );
        assert_eq!(
            r.answers(&path("meds#1/note#0")),
            [Answer::String("b".into())]
        );
        assert!(r.answers(&path("meds#0/note#0")).is_empty());
    }

    #[test]
    fn paths_outside_the_form_read_only_items_and_extra_answers_are_refused() {
        let form = form();
        let mut r = Response::default();
        let one = vec![Answer::String("x".into())];
        assert!(matches!(
            r.set(&form, &path("nowhere#0"), one.clone()),
            Err(PathError::NoSuchItem(_))
        ));
        assert!(matches!(
            r.set(&form, &path("first#1"), one.clone()),
            Err(PathError::NoSuchItem(_))
        ));
        assert!(matches!(
            r.set(&form, &path("meds#0"), one.clone()),
            Err(PathError::NotAQuestion(_))
        ));
        assert!(matches!(
            r.set(&form, &path("meds#0/name#0"), one.clone()),
            Err(PathError::ReadOnly(_))
        ));
        let two = vec![Answer::String("x".into()), Answer::String("y".into())];
        assert!(matches!(
            r.set(&form, &path("first#0"), two.clone()),
            Err(PathError::OneAnswerOnly(_))
        ));
        r.set(&form, &path("tags#0"), two).unwrap();
        assert_eq!(r, {
            let mut expect = Response::default();
            expect.items.push(Answered {
                link_id: "tags".into(),
                answers: vec![Answer::String("x".into()), Answer::String("y".into())],
                items: vec![],
            });
            expect
        });
    }

    #[test]
    fn a_repeating_group_is_added_to_and_removed_from_keeping_the_others() {
        let form = form();
        let mut r = Response::default();
        let a = r.add_instance(&form, &path("meds#0")).unwrap();
        let b = r.add_instance(&form, &path("meds#0")).unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("meds#0".into(), "meds#1".into())
        );
        r.set(
            &form,
            &b.child("note", 0),
            vec![Answer::String("second".into())],
        )
        .unwrap();
        r.remove_instance(&form, &a).unwrap();
        assert_eq!(r.instances(&a), 1);
        assert_eq!(
            r.answers(&path("meds#0/note#0")),
            [Answer::String("second".into())]
        );
        assert!(matches!(
            r.add_instance(&form, &path("first#0")),
            Err(PathError::NotARepeatingGroup(_))
        ));
    }
}
