# Hale's words in English (United Kingdom). Fluent syntax, the subset `ui/src/i18n.rs` reads:
# one message per line, `id = text`, with `{ $name }` for a value put in at run time.
# Every locale file has exactly these ids and the same values in each (a test checks).

## The check-in kiosk
kiosk-welcome = Welcome
kiosk-language = Language
kiosk-title = Check in for your appointment
kiosk-reference = Booking reference
kiosk-reference-hint = Type it on the keys, or hold the QR code from your appointment to the scanner.
kiosk-birth-date = Date of birth
kiosk-day = Day
kiosk-month = Month
kiosk-year = Year
kiosk-keypad = Keypad
kiosk-key-delete = Delete
kiosk-key-next = Next
kiosk-check-in = Check in
kiosk-busy = Checking in…
kiosk-reference-missing = Please enter your booking reference.
kiosk-dob-numbers = Please enter your date of birth as numbers: day, month and year.
kiosk-dob-year = Please enter the year in full, for example 1984.
kiosk-dob-no-such-date = That date does not exist. Please check the day and month.
kiosk-checked-in = You're checked in.
kiosk-go-to = Please go to { $location } ({ $clinic }) and take a seat.
kiosk-queue = Your place in the queue: { $position }. The wait is about { $minutes } min.
kiosk-too-early = It's too early to check in for this appointment.
kiosk-opens-at = Check-in opens at { $time }. Please come back then, or see reception.
kiosk-see-reception = Please see reception.
kiosk-not-here = We could not check you in here.
kiosk-not-matched = We could not match you.
kiosk-not-matched-detail = Please check your booking reference and date of birth, and try again.
kiosk-check-reference = That booking reference doesn't look right.
kiosk-check-reference-detail = Please check it and try again.
kiosk-too-many = Please see reception for help checking in.
kiosk-check-birth-date = Please check your date of birth and try again.
kiosk-unavailable = Check-in is not available right now.
kiosk-try-again = Try again
kiosk-done = Done
kiosk-clears-in = This screen clears in { $seconds } s.
kiosk-still-there = Still there? Touch the screen to carry on.

# The pre-visit form, offered right after checking in. Its questions are the hospital's own words.
kiosk-form-offer = While you wait, you can answer a few questions for your visit here.
kiosk-form-start = Answer the questions
kiosk-form-kept = Your answers stay on this screen only until you send them or leave.
kiosk-form-sent = Thank you. Your answers were sent to the clinic, and this kiosk has forgotten them.
kiosk-form-closed = These questions cannot be answered here now. Please ask at reception.
kiosk-form-leave = Leave without sending
