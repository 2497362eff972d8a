//! The shell's side of IPC: the UI's JSON for a command's arguments decoded as that command's
//! `Args` (what Tauri does before a command runs). The first byte picks the command.
//!
//! Contract: any bytes give arguments or a decoding error, never a panic; decoded arguments
//! serialise, and decode again to the same JSON.

use hale_api::*;

macro_rules! commands {
    ($($command:ty),* $(,)?) => {
        /// Every command the shell registers (checked against the windows' lists below).
        const NAMES: &[&str] = &[$(<$command as Command>::NAME),*];

        pub fn check(data: &[u8]) {
            let Some((&pick, json)) = data.split_first() else {
                return;
            };
            let checks: &[fn(&[u8])] = &[$(round_trip::<$command>),*];
            checks[usize::from(pick) % checks.len()](json);
        }
    };
}

commands![
    GetMode,
    KioskCheckIn,
    GetKioskForm,
    KioskAnswerForm,
    KioskChangeFormGroup,
    KioskSubmitForm,
    KioskForget,
    GetSession,
    SignIn,
    SignOut,
    GetHome,
    GetWaitingTimes,
    CheckIn,
    ListServices,
    FindSlots,
    BookSlot,
    CancelAppointment,
    RescheduleAppointment,
    ExportCalendar,
    ExportRecord,
    CreateShareCode,
    GetShareCodes,
    RevokeShareCode,
    SaveReport,
    GetParking,
    SaveVehicle,
    RemoveVehicle,
    StartParking,
    ExtendParking,
    EndParking,
    ApplyConcession,
    GetMedicines,
    LogDose,
    UndoDose,
    SnoozeDose,
    AddMedicine,
    StopMedicine,
    SetSupply,
    GetReminders,
    SetReminders,
    JoinWaitlist,
    LeaveWaitlist,
    AcceptOffer,
    DeclineOffer,
    GetDevices,
    CheckBluetooth,
    CopyClinicReadings,
    ScanDevices,
    PairDevice,
    ForgetDevice,
    GetReadings,
    SetThresholds,
    GetCareTeam,
    GetCareCircle,
    InviteHelper,
    AcceptInvitation,
    EndGrant,
    GetHelperAlerts,
    GetLookingAfter,
    GetOffers,
    LookAfter,
    SetAlertSettings,
    TakePlaceToOpen,
    GetStartAtLogin,
    SetStartAtLogin,
    GetForm,
    AnswerForm,
    ChangeFormGroup,
    SubmitForm,
    GetVisitSummary,
];

/// Every command either window may call is fuzzed (a new command must be added above).
const fn all_listed(windows: &[&str]) -> bool {
    let mut i = 0;
    while i < windows.len() {
        if !is_listed(NAMES, windows[i]) {
            return false;
        }
        i += 1;
    }
    true
}
const _: () = assert!(all_listed(PATIENT_COMMANDS) && all_listed(KIOSK_COMMANDS));

fn round_trip<C: Command>(json: &[u8]) {
    let Ok(args) = serde_json::from_slice::<C::Args>(json) else {
        return;
    };
    let once = serde_json::to_value(&args).expect("arguments serialise");
    let back: C::Args = serde_json::from_value(once.clone())
        .unwrap_or_else(|e| panic!("{}: its own JSON {once} is refused: {e}", C::NAME));
    let twice = serde_json::to_value(&back).expect("arguments serialise");
    assert_eq!(
        once,
        twice,
        "{}: arguments changed in a round trip",
        C::NAME
    );
}
