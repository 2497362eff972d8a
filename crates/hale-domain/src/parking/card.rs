//! Card details checked before any processor sees them: the number's form and Luhn digit, an
//! expiry that is a real month not yet past, and a security code of digits.

use chrono::{Datelike, NaiveDate};

use super::ParkingRefusal;

/// Checks a card's details as a processor would, on `today` (the card holder's date; a card is
/// good to the end of its expiry month). Every problem is [`ParkingRefusal::InvalidCard`]: the
/// patient is asked to check all three fields.
pub fn check_card(
    number: &str,
    expiry: &str,
    cvc: &str,
    today: NaiveDate,
) -> Result<(), ParkingRefusal> {
    let digits: String = number.chars().filter(|c| !c.is_whitespace()).collect();
    let number_ok = (12..=19).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn(&digits);
    let cvc_ok = (3..=4).contains(&cvc.len()) && cvc.bytes().all(|b| b.is_ascii_digit());
    if number_ok && cvc_ok && expiry_ok(expiry, today) {
        Ok(())
    } else {
        Err(ParkingRefusal::InvalidCard)
    }
}

/// `MM/YY`, a month 01–12, not before this month: a card still in date on `today`.
pub fn expiry_ok(expiry: &str, today: NaiveDate) -> bool {
    let Some((month, year)) = expiry.trim().split_once('/') else {
        return false;
    };
    let (month, year) = (month.trim(), year.trim());
    if month.len() != 2 || year.len() != 2 {
        return false;
    }
    let (Ok(month), Ok(year)) = (month.parse::<u32>(), year.parse::<i32>()) else {
        return false;
    };
    if !(1..=12).contains(&month) {
        return false;
    }
    let year = 2000 + year;
    (year, month) >= (today.year(), today.month())
}

/// Whether `digits` passes the Luhn check every card number carries.
pub fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| match (i % 2 == 1, d * 2) {
            (true, doubled) if doubled > 9 => doubled - 9,
            (true, doubled) => doubled,
            (false, _) => d,
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
    }

    #[test]
    fn a_good_card_passes_to_the_end_of_its_expiry_month() {
        assert_eq!(
            check_card("4242 4242 4242 4242", "12/26", "123", today()),
            Ok(())
        );
        assert_eq!(
            check_card("4242424242424242", "01/30", "1234", today()),
            Ok(())
        );
    }

    #[test]
    fn past_impossible_or_malformed_expiries_are_refused() {
        for expiry in [
            "11/26", "12/20", "13/99", "00/30", "1/30", "12/2030", "ab/cd", "",
        ] {
            assert_eq!(
                check_card("4242424242424242", expiry, "123", today()),
                Err(ParkingRefusal::InvalidCard),
                "{expiry}"
            );
        }
    }

    #[test]
    fn security_codes_are_three_or_four_digits() {
        for cvc in ["abc", "12", "12345", "12a", ""] {
            assert_eq!(
                check_card("4242424242424242", "12/30", cvc, today()),
                Err(ParkingRefusal::InvalidCard),
                "{cvc}"
            );
        }
    }

    #[test]
    fn numbers_need_their_length_digits_and_luhn_check() {
        for number in [
            "4242424242424241",
            "4242",
            "4242-4242-4242-4242",
            "42424242424242424242",
        ] {
            assert_eq!(
                check_card(number, "12/30", "123", today()),
                Err(ParkingRefusal::InvalidCard),
                "{number}"
            );
        }
    }
}
