//! Hale's Tauri 2 shell.
//!
//! `run` reads the configuration, opens the local store, starts the embedded demo hospital unless
//! another hospital is configured, registers all state before any window loads, and hands the
//! UI its commands. The commands (in `commands/`) are a few lines each over `hale-core`.
//!
//! The patient app outlives its window: closing the window leaves Hale in the tray, reminding,
//! relaying and following (`tray`, `window`), until the patient quits.

mod autostart;
mod browser;
mod commands;
mod config;
mod convert;
mod devices;
mod keychain;
mod live;
mod notify;
mod ready;
mod running;
mod single_instance;
mod start;
mod state;
mod tray;
#[cfg(target_os = "linux")]
mod webview;
mod window;

use tauri::Manager;

pub use config::{AppConfig, HospitalChoice};

/// Registers command handlers, proving at compile time that each is named as its contract says
/// and that each is granted to a window (on `hale_api::PATIENT_COMMANDS` or `KIOSK_COMMANDS`,
/// which `build.rs` declares to Tauri and `capabilities/` grants).
macro_rules! handlers {
    ($($module:ident :: $command:ident => $contract:ty),* $(,)?) => {{
        $(
            const _: () = assert!(
                hale_api::names_match(
                    stringify!($command),
                    <$contract as hale_api::Command>::NAME
                ),
                concat!("command handler `", stringify!($command), "` is not named as its contract")
            );
            const _: () = assert!(
                hale_api::is_listed(hale_api::PATIENT_COMMANDS, <$contract as hale_api::Command>::NAME)
                    || hale_api::is_listed(hale_api::KIOSK_COMMANDS, <$contract as hale_api::Command>::NAME),
                concat!("command `", stringify!($command), "` is on neither window's list")
            );
        )*
        tauri::generate_handler![$(commands::$module::$command),*]
    }};
}

/// The window labels the capabilities in `capabilities/` are granted to.
use hale_api::{KIOSK_WINDOW, PATIENT_WINDOW};

/// Starts the app. The entry point of desktop and mobile builds alike.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    #[cfg(target_os = "linux")]
    webview::prepare();
    init_logging();
    let start_hidden = std::env::args().any(|a| a == autostart::BACKGROUND_ARG);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            let data_dir = app.path().app_data_dir()?;
            let config = AppConfig::from_env()?;
            if let Some(kiosk) = config.kiosk.clone() {
                let state = tauri::async_runtime::block_on(state::KioskState::start(
                    &config, &kiosk, &data_dir,
                ))?;
                app.manage(hale_api::AppMode::Kiosk {
                    idle_seconds: kiosk.idle_seconds,
                    hospital_name: None,
                });
                app.manage(state);
                // Its own window label, so it gets the kiosk's capability only; it fills its
                // screen and offers no window controls.
                let window = tauri::WebviewWindowBuilder::new(
                    app,
                    KIOSK_WINDOW,
                    tauri::WebviewUrl::default(),
                )
                .title("Hale check-in")
                .fullscreen(true)
                .decorations(false)
                .build()?;
                // Without a window manager (a kiosk often has none) `fullscreen` is a request
                // nobody grants: the window also takes its monitor's whole area itself.
                let monitor = match window.current_monitor() {
                    Ok(Some(m)) => Some(m),
                    _ => app.primary_monitor().ok().flatten(),
                };
                if let Some(monitor) = monitor {
                    let _ = window.set_position(*monitor.position());
                    let _ = window.set_size(*monitor.size());
                }
                return Ok(());
            }
            let handle = app.handle().clone();
            // Not while quitting: the later start then waits for this Hale to end and runs.
            let open = move || {
                let h = handle.clone();
                !running::is_quitting(&handle)
                    && handle
                        .run_on_main_thread(move || window::open(&h, None))
                        .is_ok()
            };
            match single_instance::claim(&data_dir, !start_hidden, open) {
                Ok(single_instance::Claim::First(lock)) => {
                    app.manage(lock);
                }
                Ok(single_instance::Claim::Handed) => {
                    tracing::info!(
                        "Hale already runs for this person; it was asked to show itself"
                    );
                    std::process::exit(0);
                }
                // A file system without locks or sockets: Hale runs, without the guard.
                Err(error) => tracing::warn!(%error, "no single-instance guard"),
            }
            start::patient_app(app, config, data_dir, start_hidden)?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if window.label() == PATIENT_WINDOW && matches!(event, tauri::WindowEvent::Destroyed) {
                running::explain_the_tray_once(window.app_handle());
            }
        })
        .invoke_handler(handlers![
            kiosk::get_mode => hale_api::GetMode,
            kiosk::kiosk_check_in => hale_api::KioskCheckIn,
            kiosk::get_kiosk_form => hale_api::GetKioskForm,
            kiosk::kiosk_answer_form => hale_api::KioskAnswerForm,
            kiosk::kiosk_change_form_group => hale_api::KioskChangeFormGroup,
            kiosk::kiosk_submit_form => hale_api::KioskSubmitForm,
            kiosk::kiosk_forget => hale_api::KioskForget,
            home::get_home => hale_api::GetHome,
            arrival::get_waiting_times => hale_api::GetWaitingTimes,
            arrival::check_in => hale_api::CheckIn,
            booking::list_services => hale_api::ListServices,
            booking::find_slots => hale_api::FindSlots,
            booking::book_slot => hale_api::BookSlot,
            booking::cancel_appointment => hale_api::CancelAppointment,
            booking::reschedule_appointment => hale_api::RescheduleAppointment,
            booking::export_calendar => hale_api::ExportCalendar,
            record::export_record => hale_api::ExportRecord,
            record::create_share_code => hale_api::CreateShareCode,
            record::get_share_codes => hale_api::GetShareCodes,
            record::revoke_share_code => hale_api::RevokeShareCode,
            record::save_report => hale_api::SaveReport,
            parking::get_parking => hale_api::GetParking,
            parking::save_vehicle => hale_api::SaveVehicle,
            parking::remove_vehicle => hale_api::RemoveVehicle,
            parking::start_parking => hale_api::StartParking,
            parking::extend_parking => hale_api::ExtendParking,
            parking::end_parking => hale_api::EndParking,
            parking::apply_concession => hale_api::ApplyConcession,
            medicines::get_medicines => hale_api::GetMedicines,
            medicines::log_dose => hale_api::LogDose,
            medicines::undo_dose => hale_api::UndoDose,
            medicines::snooze_dose => hale_api::SnoozeDose,
            medicines::add_medicine => hale_api::AddMedicine,
            medicines::stop_medicine => hale_api::StopMedicine,
            medicines::set_supply => hale_api::SetSupply,
            session::get_session => hale_api::GetSession,
            session::sign_in => hale_api::SignIn,
            session::sign_out => hale_api::SignOut,
            settings::get_reminders => hale_api::GetReminders,
            settings::set_reminders => hale_api::SetReminders,
            waitlist::join_waitlist => hale_api::JoinWaitlist,
            waitlist::leave_waitlist => hale_api::LeaveWaitlist,
            waitlist::accept_offer => hale_api::AcceptOffer,
            waitlist::decline_offer => hale_api::DeclineOffer,
            devices::get_devices => hale_api::GetDevices,
            devices::check_bluetooth => hale_api::CheckBluetooth,
            devices::copy_clinic_readings => hale_api::CopyClinicReadings,
            devices::scan_devices => hale_api::ScanDevices,
            devices::pair_device => hale_api::PairDevice,
            devices::forget_device => hale_api::ForgetDevice,
            devices::get_readings => hale_api::GetReadings,
            devices::set_thresholds => hale_api::SetThresholds,
            care_team::get_care_team => hale_api::GetCareTeam,
            care_circle::get_care_circle => hale_api::GetCareCircle,
            care_circle::invite_helper => hale_api::InviteHelper,
            care_circle::accept_invitation => hale_api::AcceptInvitation,
            care_circle::end_grant => hale_api::EndGrant,
            care_circle::get_helper_alerts => hale_api::GetHelperAlerts,
            care_circle::get_looking_after => hale_api::GetLookingAfter,
            offers::get_offers => hale_api::GetOffers,
            care_circle::look_after => hale_api::LookAfter,
            care_circle::set_alert_settings => hale_api::SetAlertSettings,
            background::take_place_to_open => hale_api::TakePlaceToOpen,
            background::get_start_at_login => hale_api::GetStartAtLogin,
            background::set_start_at_login => hale_api::SetStartAtLogin,
            forms::get_form => hale_api::GetForm,
            forms::answer_form => hale_api::AnswerForm,
            forms::change_form_group => hale_api::ChangeFormGroup,
            forms::submit_form => hale_api::SubmitForm,
            visits::get_visit_summary => hale_api::GetVisitSummary,
        ])
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(running::on_run_event),
        Err(e) => {
            tracing::error!(error = %e, "Hale could not start");
            std::process::exit(1);
        }
    }
}

fn init_logging() {
    // Logs carry events, codes and timings, never patient data (see ARCHITECTURE.md).
    let filter = tracing_subscriber::EnvFilter::try_from_env("HALE_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,tao=warn,wry=warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    /// The permissions a capability file in `capabilities/` grants, and to which windows.
    fn capability(name: &str) -> (Vec<String>, Vec<String>) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("capabilities")
            .join(format!("{name}.json"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let strings = |key: &str| -> Vec<String> {
            json[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        (strings("windows"), strings("permissions"))
    }

    fn allow(commands: &[&str]) -> Vec<String> {
        commands
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-")))
            .collect()
    }

    #[test]
    fn each_window_is_granted_exactly_its_commands() {
        let (windows, granted) = capability("patient");
        assert_eq!(windows, [super::PATIENT_WINDOW]);
        let mut expected = vec![
            "core:event:allow-listen".to_owned(),
            "core:event:allow-unlisten".to_owned(),
        ];
        expected.extend(allow(hale_api::PATIENT_COMMANDS));
        assert_eq!(granted, expected);

        let (windows, granted) = capability("kiosk");
        assert_eq!(windows, [super::KIOSK_WINDOW]);
        assert_eq!(granted, allow(hale_api::KIOSK_COMMANDS));
    }
}
