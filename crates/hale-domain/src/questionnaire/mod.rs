//! Pre-visit questionnaires: the forms a hospital asks a patient to fill in before a visit (FHIR
//! `Questionnaire`, a useful subset of SDC), the answers as the patient gives them (a
//! `QuestionnaireResponse`), and the rules between them: which questions are asked given the
//! answers so far (`enableWhen`), what must be answered before sending, what the hospital and the
//! device already know (prefill), and when a form can be filled in.

pub mod form;
pub mod prefill;
pub mod response;
pub mod rules;
pub mod screen;
pub mod window;

pub use form::{
    Choice, EnableBehavior, EnableWhen, Form, InvalidForm, Item, ItemKind, Operator, PrefillSource,
    Unit,
};
pub use prefill::{prefilled, Known, KnownMedicine, KnownReading};
pub use response::{Answer, Answered, Path, PathError, Response};
pub use rules::{enabled_paths, is_enabled, parse_answer, pruned, validate, Problem, ProblemKind};
pub use screen::{lines, Instance, Line};
pub use window::{FormState, FormWindow};
