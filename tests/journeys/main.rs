//! End-to-end journeys through the real release app. Run by `scripts/test.sh`, which builds the
//! app and starts Xvfb; run alone with `cargo test -p hale-e2e -- --ignored --test-threads=1`.

mod accessibility;
mod arrival;
mod background;
mod booking;
mod care_circle;
mod care_team;
mod console;
mod devices;
mod faults;
mod forms;
mod home;
mod kiosk;
mod layout;
mod medicines;
mod other_hospital;
mod parking;
mod privacy;
mod record;
mod reminders;
mod sign_in;
mod today;
mod visit;
mod waitlist;
