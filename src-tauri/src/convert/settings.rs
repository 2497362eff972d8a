//! Reminder settings: the leads the patient may choose.

use hale_api::{ReminderChoice, ReminderLead, ReminderSettings};
use hale_domain::Lead;

pub fn lead(l: ReminderLead) -> Lead {
    match l {
        ReminderLead::Days(d) => Lead::Days(d),
        ReminderLead::Minutes(m) => Lead::Minutes(m),
    }
}

fn lead_view(l: Lead) -> ReminderLead {
    match l {
        Lead::Days(d) => ReminderLead::Days(d),
        Lead::Minutes(m) => ReminderLead::Minutes(m),
    }
}

/// Every offered lead, plus any chosen one not offered (kept from an older version), longest first.
pub fn reminder_settings(chosen: &[Lead]) -> ReminderSettings {
    let mut leads: Vec<Lead> = Lead::CHOICES.to_vec();
    leads.extend(chosen.iter().filter(|l| !Lead::CHOICES.contains(l)));
    let choices = leads
        .into_iter()
        .map(|l| ReminderChoice {
            lead: lead_view(l),
            label: l.to_string(),
            chosen: chosen.contains(&l),
        })
        .collect();
    ReminderSettings { choices }
}
