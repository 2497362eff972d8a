//! What has been typed at the kiosk, and what each key of its on-screen keypad does: plain
//! functions, so the keypad's rules are tested here and the component only draws them.

use hale_api::{REFERENCE_CHARACTERS, REFERENCE_LENGTH};

use crate::i18n::Msg;

/// The four fields, in the order they are filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    #[default]
    Reference,
    Day,
    Month,
    Year,
}

impl Field {
    /// The keys the keypad offers while this field is being filled.
    pub fn keys(self) -> &'static str {
        match self {
            Field::Reference => REFERENCE_CHARACTERS,
            Field::Day | Field::Month | Field::Year => "1234567890",
        }
    }

    /// The element id (and test id) of its input.
    pub fn input_id(self) -> &'static str {
        match self {
            Field::Reference => "kiosk-reference",
            Field::Day => "kiosk-day",
            Field::Month => "kiosk-month",
            Field::Year => "kiosk-year",
        }
    }

    fn next(self) -> Self {
        match self {
            Field::Reference => Field::Day,
            Field::Day => Field::Month,
            Field::Month | Field::Year => Field::Year,
        }
    }

    fn previous(self) -> Self {
        match self {
            Field::Reference | Field::Day => Field::Reference,
            Field::Month => Field::Day,
            Field::Year => Field::Month,
        }
    }
}

/// A key of the on-screen keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Delete,
    Next,
}

/// The form's contents, as typed (by keypad, keyboard or scanner).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub reference: String,
    pub day: String,
    pub month: String,
    pub year: String,
}

impl Entry {
    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::Reference => &self.reference,
            Field::Day => &self.day,
            Field::Month => &self.month,
            Field::Year => &self.year,
        }
    }

    pub fn set(&mut self, field: Field, value: String) {
        *self.value_mut(field) = value;
    }

    fn value_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Reference => &mut self.reference,
            Field::Day => &mut self.day,
            Field::Month => &mut self.month,
            Field::Year => &mut self.year,
        }
    }

    pub fn is_empty(&self) -> bool {
        [Field::Reference, Field::Day, Field::Month, Field::Year]
            .iter()
            .all(|&f| self.get(f).is_empty())
    }

    /// Applies `key` to `field`; returns the field to go on with. A full field moves on by
    /// itself, so a person taps only the characters they read from their letter.
    pub fn press(&mut self, field: Field, key: Key) -> Field {
        match key {
            Key::Next => field.next(),
            Key::Delete => {
                let value = self.value_mut(field);
                if value.is_empty() {
                    // Deleting past the start goes back to the field before, as on a phone.
                    return field.previous();
                }
                value.pop();
                if field == Field::Reference && value.ends_with('-') {
                    value.pop();
                }
                field
            }
            Key::Char(c) if !field.keys().contains(c) => field,
            Key::Char(c) => match field {
                Field::Reference => self.type_reference(c),
                Field::Day => self.type_digits(field, c, 2, '3'),
                Field::Month => self.type_digits(field, c, 2, '1'),
                Field::Year => self.type_digits(field, c, 4, '9'),
            },
        }
    }

    fn type_reference(&mut self, c: char) -> Field {
        let typed = compact_len(&self.reference);
        if typed >= REFERENCE_LENGTH {
            return Field::Reference.next();
        }
        // Shown as it is printed, `7K3M-9Q2C`, so it can be compared with the letter at a glance.
        if typed == REFERENCE_LENGTH / 2 && !self.reference.ends_with('-') {
            self.reference.push('-');
        }
        self.reference.push(c);
        if typed + 1 == REFERENCE_LENGTH {
            Field::Reference.next()
        } else {
            Field::Reference
        }
    }

    /// Types digit `c` into a field of `len` digits whose first digit is at most `highest`: a
    /// higher first digit can only be a one-digit value ("5" for May), which is complete.
    fn type_digits(&mut self, field: Field, c: char, len: usize, highest: char) -> Field {
        let value = self.value_mut(field);
        if value.len() >= len {
            return field.next();
        }
        if value.is_empty() && len == 2 && c > highest {
            value.push('0');
        }
        value.push(c);
        if value.len() == len {
            field.next()
        } else {
            field
        }
    }

    /// The date of birth as the shell takes it, `YYYY-MM-DD`, or what is wrong with it.
    pub fn birth_date(&self) -> Result<String, Msg> {
        let number = |s: &str| s.trim().parse::<u32>().ok();
        let (Some(d), Some(m), Some(y)) =
            (number(&self.day), number(&self.month), number(&self.year))
        else {
            return Err(Msg::KioskDobNumbers);
        };
        if !(1900..=2100).contains(&y) {
            return Err(Msg::KioskDobYear);
        }
        match chrono::NaiveDate::from_ymd_opt(y as i32, m, d) {
            Some(date) => Ok(date.format("%Y-%m-%d").to_string()),
            None => Err(Msg::KioskDobNoSuchDate),
        }
    }
}

/// Characters typed into a reference, not counting dashes or spaces.
fn compact_len(reference: &str) -> usize {
    reference
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_all(entry: &mut Entry, mut field: Field, keys: &str) -> Field {
        for c in keys.chars() {
            field = entry.press(field, Key::Char(c));
        }
        field
    }

    #[test]
    fn a_reference_typed_on_the_keypad_gets_its_dash_and_moves_on_to_the_day() {
        let mut entry = Entry::default();
        let field = type_all(&mut entry, Field::Reference, "7K3M9Q2C");
        assert_eq!(entry.reference, "7K3M-9Q2C");
        assert_eq!(field, Field::Day);
    }

    #[test]
    fn a_whole_date_of_birth_fills_day_month_and_year_in_turn() {
        let mut entry = Entry::default();
        let field = type_all(&mut entry, Field::Day, "12061984");
        assert_eq!((entry.day.as_str(), entry.month.as_str()), ("12", "06"));
        assert_eq!((entry.year.as_str(), field), ("1984", Field::Year));
        assert_eq!(entry.birth_date(), Ok("1984-06-12".to_owned()));
    }

    #[test]
    fn a_first_digit_that_cannot_start_two_is_a_whole_day_or_month() {
        let mut entry = Entry::default();
        assert_eq!(entry.press(Field::Day, Key::Char('5')), Field::Month);
        assert_eq!(entry.press(Field::Month, Key::Char('7')), Field::Year);
        assert_eq!((entry.day.as_str(), entry.month.as_str()), ("05", "07"));
        // "1" may start 10, 11 or 12: it waits for a second digit, or Next.
        let mut entry = Entry::default();
        assert_eq!(entry.press(Field::Month, Key::Char('1')), Field::Month);
        assert_eq!(entry.press(Field::Month, Key::Next), Field::Year);
    }

    #[test]
    fn delete_takes_the_dash_with_the_character_before_it_and_goes_back_past_the_start() {
        let mut entry = Entry::default();
        type_all(&mut entry, Field::Reference, "7K3M9");
        assert_eq!(entry.press(Field::Reference, Key::Delete), Field::Reference);
        assert_eq!(entry.reference, "7K3M");
        assert_eq!(entry.press(Field::Day, Key::Delete), Field::Reference);
        assert_eq!(entry.reference, "7K3M", "going back deletes nothing");
    }

    #[test]
    fn keys_a_field_cannot_hold_are_ignored() {
        let mut entry = Entry::default();
        assert_eq!(entry.press(Field::Day, Key::Char('A')), Field::Day);
        assert_eq!(
            entry.press(Field::Reference, Key::Char('I')),
            Field::Reference
        );
        assert!(entry.is_empty());
        type_all(&mut entry, Field::Reference, "7K3M9Q2C");
        assert_eq!(entry.press(Field::Reference, Key::Char('X')), Field::Day);
        assert_eq!(
            entry.reference, "7K3M-9Q2C",
            "a full reference takes no more"
        );
    }

    #[test]
    fn impossible_dates_of_birth_say_what_to_fix() {
        let entry = |d: &str, m: &str, y: &str| Entry {
            day: d.into(),
            month: m.into(),
            year: y.into(),
            ..Entry::default()
        };
        assert_eq!(
            entry(" 1", "02", "1990 ").birth_date(),
            Ok("1990-02-01".to_owned())
        );
        assert_eq!(
            entry("30", "2", "1984").birth_date(),
            Err(Msg::KioskDobNoSuchDate)
        );
        assert_eq!(entry("12", "6", "84").birth_date(), Err(Msg::KioskDobYear));
        assert_eq!(
            entry("", "6", "1984").birth_date(),
            Err(Msg::KioskDobNumbers)
        );
    }
}
