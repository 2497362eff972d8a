//! Pre-visit forms: one appointment's form as lines to show, answering, filling a group in again,
//! and sending.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// Names the appointment whose form is meant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormArgs {
    pub appointment_id: String,
}

/// An answer to one question: every value it holds (one, or several for a question that
/// repeats; none clears it), as typed or as the chosen option's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerFormArgs {
    pub appointment_id: String,
    /// The question's `path` from its [`FormLineView`].
    pub path: String,
    pub values: Vec<String>,
}

/// Fills a repeating group in again (`add`), or removes one filling-in of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormGroupArgs {
    pub appointment_id: String,
    pub path: String,
    pub add: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormView {
    /// `None` at the kiosk, which is never told which appointment (nor whose) it is.
    pub appointment_id: Option<String>,
    pub service: String,
    pub start: DateTime<FixedOffset>,
    pub stage: FormStageView,
    /// The form's title once begun.
    pub title: Option<String>,
    pub lines: Vec<FormLineView>,
    /// How many answers stop it being sent now. Each line carries its own; a required question
    /// not yet answered is a problem from the start, for the screen to mention once a send was
    /// tried.
    pub problems: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "kebab-case")]
pub enum FormStageView {
    NoForm,
    NotYet {
        opens: DateTime<FixedOffset>,
    },
    Open,
    Closed,
    /// Sent; `confirmed` once the hospital has it (until then it waits on the device).
    Submitted {
        at: DateTime<FixedOffset>,
        confirmed: bool,
    },
    /// Sent, and refused by the hospital for good (its form or the appointment changed).
    Refused {
        at: DateTime<FixedOffset>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "kebab-case")]
pub enum FormLineView {
    Group {
        path: String,
        text: String,
        depth: u32,
        /// For a group filled in more than once: which time this is, of how many.
        number: Option<u32>,
        of: Option<u32>,
        removable: bool,
    },
    Display {
        path: String,
        text: String,
        depth: u32,
    },
    Question {
        path: String,
        text: String,
        depth: u32,
        kind: QuestionKind,
        required: bool,
        repeats: bool,
        read_only: bool,
        options: Vec<FormOptionView>,
        answers: Vec<FormAnswerView>,
        problem: Option<FormProblem>,
    },
    AddAnother {
        path: String,
        text: String,
        depth: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum QuestionKind {
    Boolean,
    Decimal { unit: Option<String> },
    Integer,
    Date,
    String,
    Text,
    Choice,
    OpenChoice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOptionView {
    pub code: String,
    pub display: String,
}

/// An answer as the question's input shows it: `value` is what `AnswerForm` takes back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FormAnswerView {
    Boolean {
        value: bool,
    },
    Number {
        value: f64,
    },
    Date {
        value: NaiveDate,
    },
    Text {
        value: String,
    },
    /// One of the options, by its code.
    Option {
        code: String,
        display: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormProblem {
    Required,
    NotANumber,
    NotAWholeNumber,
    NotADate,
    NotYesOrNo,
    NotAnOption,
    TooLong,
    DoesNotFit,
}

command!(
    /// The appointment's pre-visit form, begun (and prefilled) on first opening while it is open.
    GetForm = "get_form", FormArgs => FormView
);
command!(
    /// Answers one question; saved on the device at once, offline too.
    AnswerForm = "answer_form", AnswerFormArgs => FormView
);
command!(
    /// Fills a repeating group in again, or removes one filling-in.
    ChangeFormGroup = "change_form_group", FormGroupArgs => FormView
);
command!(
    /// Sends the form: refused at each problem, else sent once (now, or when the hospital answers).
    SubmitForm = "submit_form", FormArgs => FormView
);
