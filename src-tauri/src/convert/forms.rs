//! Pre-visit forms: the core's decided form, line by line, as the contract's view.

use hale_api::{
    ApiError, ErrorCode, FormAnswerView, FormLineView, FormOptionView, FormProblem, FormStageView,
    FormView, QuestionKind,
};
use hale_core::forms::{FormError, FormStage, PreVisitForm};
use hale_domain::questionnaire::{Answer, ItemKind, Line, ProblemKind};

use super::local;

pub fn form(f: PreVisitForm) -> FormView {
    FormView {
        appointment_id: f.visit.appointment_id,
        service: f.visit.service,
        start: local(f.visit.start),
        stage: match f.stage {
            FormStage::NoForm => FormStageView::NoForm,
            FormStage::NotYet { opens } => FormStageView::NotYet {
                opens: local(opens),
            },
            FormStage::Open => FormStageView::Open,
            FormStage::Closed => FormStageView::Closed,
            FormStage::Submitted { at, confirmed } => FormStageView::Submitted {
                at: local(at),
                confirmed,
            },
            FormStage::Refused { at } => FormStageView::Refused { at: local(at) },
        },
        title: f.title,
        lines: f.lines.into_iter().map(line).collect(),
        problems: u32::try_from(f.problems).unwrap_or(u32::MAX),
    }
}

fn depth(d: usize) -> u32 {
    u32::try_from(d).unwrap_or(u32::MAX)
}

fn line(l: Line) -> FormLineView {
    match l {
        Line::Group {
            path,
            text,
            depth: d,
            instance,
        } => FormLineView::Group {
            path: path.to_string(),
            text,
            depth: depth(d),
            number: instance.map(|i| depth(i.number)),
            of: instance.map(|i| depth(i.of)),
            removable: instance.is_some_and(|i| i.removable),
        },
        Line::Display {
            path,
            text,
            depth: d,
        } => FormLineView::Display {
            path: path.to_string(),
            text,
            depth: depth(d),
        },
        Line::Question {
            path,
            text,
            depth: d,
            kind,
            required,
            repeats,
            read_only,
            options,
            answers,
            problem,
        } => FormLineView::Question {
            path: path.to_string(),
            text,
            depth: depth(d),
            kind: question_kind(kind),
            required,
            repeats,
            read_only,
            options: options
                .into_iter()
                .map(|o| FormOptionView {
                    code: o.code,
                    display: o.display,
                })
                .collect(),
            answers: answers.into_iter().map(answer).collect(),
            problem: problem.map(problem_view),
        },
        Line::AddAnother {
            path,
            text,
            depth: d,
        } => FormLineView::AddAnother {
            path: path.to_string(),
            text,
            depth: depth(d),
        },
    }
}

fn question_kind(kind: ItemKind) -> QuestionKind {
    match kind {
        ItemKind::Boolean => QuestionKind::Boolean,
        ItemKind::Decimal { unit } => QuestionKind::Decimal {
            unit: unit.map(|u| u.display),
        },
        ItemKind::Integer => QuestionKind::Integer,
        ItemKind::Date => QuestionKind::Date,
        ItemKind::String => QuestionKind::String,
        ItemKind::Text => QuestionKind::Text,
        ItemKind::Choice => QuestionKind::Choice,
        ItemKind::OpenChoice => QuestionKind::OpenChoice,
        // A group or a display is a line of its own, never a question.
        ItemKind::Group | ItemKind::Display => QuestionKind::Text,
    }
}

fn answer(a: Answer) -> FormAnswerView {
    match a {
        Answer::Boolean(value) => FormAnswerView::Boolean { value },
        Answer::Decimal(value) => FormAnswerView::Number { value },
        Answer::Integer(value) => FormAnswerView::Number {
            value: value as f64,
        },
        Answer::Date(value) => FormAnswerView::Date { value },
        Answer::String(value) => FormAnswerView::Text { value },
        Answer::Coding(c) => FormAnswerView::Option {
            code: c.code,
            display: c.display,
        },
    }
}

fn problem_view(p: ProblemKind) -> FormProblem {
    match p {
        ProblemKind::Required => FormProblem::Required,
        ProblemKind::NotANumber => FormProblem::NotANumber,
        ProblemKind::NotAWholeNumber => FormProblem::NotAWholeNumber,
        ProblemKind::NotADate => FormProblem::NotADate,
        ProblemKind::NotYesOrNo => FormProblem::NotYesOrNo,
        ProblemKind::NotAnOption => FormProblem::NotAnOption,
        ProblemKind::TooLong => FormProblem::TooLong,
        ProblemKind::DoesNotFit => FormProblem::DoesNotFit,
    }
}

pub fn form_error(e: FormError) -> ApiError {
    let code = match &e {
        FormError::NoSuchAppointment | FormError::NotBegun | FormError::Path(_) => {
            ErrorCode::InvalidArgument
        }
        FormError::AlreadySent | FormError::Closed => ErrorCode::FormClosed,
    };
    ApiError::new(code, e.to_string())
}
