//! The one contract between Hale's Tauri shell (`src-tauri`) and its UI (`ui`).
//!
//! Each command is a type implementing [`Command`]: its name, its argument type and its output
//! type live here and nowhere else. The UI calls `backend::call::<C>(args)`; the shell registers its
//! handlers through a macro that checks, at compile time, that each handler's name equals
//! `C::NAME`. Errors cross as [`ApiError`], whose [`ErrorCode`] is stable: the UI chooses what to
//! say from the code, never from the English message.
//!
//! This crate compiles for the host and for `wasm32-unknown-unknown`. Its types are transport
//! types (DTOs), converted by hand from the domain in `src-tauri`, so the domain can change
//! without breaking the UI silently.

/// Declares a command type and its contract in one line each.
macro_rules! command {
    ($(#[$doc:meta])* $name:ident = $wire:literal, $args:ty => $output:ty) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl $crate::Command for $name {
            const NAME: &'static str = $wire;
            type Args = $args;
            type Output = $output;
        }
    };
}

mod arrival;
mod background;
mod booking;
mod care_circle;
mod care_team;
mod devices;
mod error;
mod forms;
mod home;
mod kiosk;
mod medicines;
mod offers;
mod parking;
mod record;
mod session;
mod settings;
mod visits;
mod waitlist;

pub use arrival::{
    CheckIn, ClinicWaitView, GetWaitingTimes, QueueState, QueueView, WaitingTimesView, QUEUE_EVENT,
    WAITING_TIMES_EVENT,
};
pub use background::{
    GetStartAtLogin, PlaceView, SetStartAtLogin, StartAtLoginArgs, StartAtLoginView,
    TakePlaceToOpen, OPEN_PLACE_EVENT,
};
pub use booking::{
    is_identifier, AppointmentArgs, BookSlot, BookSlotArgs, CancelAppointment, ClinicianView,
    ExportCalendar, ExportedFile, FindSlots, FindSlotsArgs, ListServices, RescheduleAppointment,
    RescheduleArgs, ServiceView, SlotView, SlotsView, MAX_SEARCH_DAYS,
};
pub use care_circle::{
    AcceptInvitation, AcceptInvitationArgs, AlertSettingsArgs, AlertSettingsView, CareCircleView,
    CircleMemberView, ConsentArgs, EndGrant, GetCareCircle, GetHelperAlerts, GetLookingAfter,
    GrantStatusView, HelperAlertKindView, HelperAlertView, InvitationView, InviteArgs,
    InviteHelper, LookAfter, LookAfterArgs, LookingAfterView, PermissionView, SetAlertSettings,
    ALERT_KIND_CHOICES, HELPER_ALERTS_EVENT, LOOKING_AFTER_EVENT, PERMISSION_CHOICES,
};
pub use care_team::{
    AlertAboutView, AlertTierView, CareMessageView, CareTeamView, GetCareTeam, HospitalAlertView,
    LimitView, LimitVitalView, NextMeasurementView, PlanView, PlannedMeasurementView,
    CARE_TEAM_EVENT,
};
pub use devices::{
    ChartPoint, ChartRange, CheckBluetooth, ClinicCopyView, CopyClinicReadings, DeviceArgs,
    DeviceEventView, DeviceKind, DevicesView, DiscoveredView, ForgetDevice, GetDevices,
    GetReadings, LinkView, MealView, NoBluetoothView, PairArgs, PairDevice, PairedDeviceView,
    ReadingKindView, ReadingView, ReadingsArgs, ReadingsView, ScanArgs, ScanDevices, SetThresholds,
    TargetRangeView, ThresholdsView, WithheldReason, WithheldView, DEVICES_EVENT,
};
pub use error::{ApiError, ErrorCode};
pub use forms::{
    AnswerForm, AnswerFormArgs, ChangeFormGroup, FormAnswerView, FormArgs, FormGroupArgs,
    FormLineView, FormOptionView, FormProblem, FormStageView, FormView, GetForm, QuestionKind,
    SubmitForm,
};
pub use home::{AppointmentStage, AppointmentView, Freshness, GetHome, HomeView, HospitalView};
pub use kiosk::{
    AppMode, GetKioskForm, GetMode, KioskAnswerForm, KioskAnswerFormArgs, KioskChangeFormGroup,
    KioskCheckIn, KioskCheckInArgs, KioskForget, KioskFormGroupArgs, KioskOutcomeView,
    KioskSubmitForm, REFERENCE_CHARACTERS, REFERENCE_LENGTH,
};
pub use medicines::{
    AddMedicine, AddMedicineArgs, DayView, DoseArgs, DoseOutcomeArgs, DoseStateView, DoseView,
    GetMedicines, LogDose, LogDoseArgs, MedicineArgs, MedicineSource, MedicineView, MedicinesView,
    ScheduleArgs, ScheduleView, SetSupply, SetSupplyArgs, SkipReasonView, SnoozeDose,
    SnoozeDoseArgs, StopMedicine, SupplyView, TallyView, UndoDose, UndoView, WeekdayView,
    SNOOZE_CHOICES,
};
pub use offers::{FeatureView, GetOffers, OffersView};
pub use parking::{
    ApplyConcession, ApplyConcessionArgs, CarParkView, CardArgs, ConcessionKindView,
    ConcessionView, EndParking, ExtendParking, ExtendParkingArgs, GetParking, ParkingSessionArgs,
    ParkingSessionView, ParkingView, ReceiptPurposeView, ReceiptView, ReliefView, RemoveVehicle,
    SaveVehicle, StartParking, StartParkingArgs, VehicleArgs, VehicleView, PARKING_CHOICES,
};
pub use record::{
    CreateShareCode, ExportRecord, ExportedRecord, GetShareCodes, NewShareView, ReportArgs,
    RevokeShareCode, SaveReport, ShareArgs, ShareStateView, ShareView, SharesView, SummaryFileView,
};
pub use session::{
    GetSession, LocalDataReset, SessionView, SignIn, SignOut, SignOutArgs, SignedOutView,
};
pub use settings::{
    GetReminders, ReminderChoice, ReminderLead, ReminderSettings, SetReminders, SetRemindersArgs,
};
pub use visits::{GetVisitSummary, PrescribedView, ReplacedView, VisitStageView, VisitSummaryView};
pub use waitlist::{
    AcceptOffer, DeclineOffer, JoinWaitlist, LeaveWaitlist, OfferArgs, OfferView, WaitlistArgs,
    WaitlistView,
};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A command the UI can invoke on the shell.
pub trait Command {
    /// The name the shell registers and the UI invokes.
    const NAME: &'static str;
    /// Sent by the UI under the single argument name [`ARGS_KEY`].
    type Args: Serialize + DeserializeOwned;
    /// Returned on success; failures are [`ApiError`].
    type Output: Serialize + DeserializeOwned;
}

/// The patient window's label. The UI reads its window's label at start: the patient window
/// needs no round trip to learn its mode.
pub const PATIENT_WINDOW: &str = "main";
/// The kiosk window's label.
pub const KIOSK_WINDOW: &str = "kiosk";

/// What the kiosk window may call: its mode, check-in and the form that follows it, nothing
/// else about any patient. The shell
/// grants each window exactly its list (its Tauri capabilities) and proves at compile time that
/// every handler it registers is on one of them.
pub const KIOSK_COMMANDS: &[&str] = &[
    GetMode::NAME,
    KioskCheckIn::NAME,
    GetKioskForm::NAME,
    KioskAnswerForm::NAME,
    KioskChangeFormGroup::NAME,
    KioskSubmitForm::NAME,
    KioskForget::NAME,
];

/// What the patient window may call.
pub const PATIENT_COMMANDS: &[&str] = &[
    GetMode::NAME,
    GetSession::NAME,
    SignIn::NAME,
    SignOut::NAME,
    GetHome::NAME,
    GetWaitingTimes::NAME,
    CheckIn::NAME,
    ListServices::NAME,
    FindSlots::NAME,
    BookSlot::NAME,
    CancelAppointment::NAME,
    RescheduleAppointment::NAME,
    ExportCalendar::NAME,
    GetParking::NAME,
    SaveVehicle::NAME,
    RemoveVehicle::NAME,
    StartParking::NAME,
    ExtendParking::NAME,
    EndParking::NAME,
    ApplyConcession::NAME,
    GetMedicines::NAME,
    LogDose::NAME,
    UndoDose::NAME,
    SnoozeDose::NAME,
    AddMedicine::NAME,
    StopMedicine::NAME,
    SetSupply::NAME,
    GetReminders::NAME,
    SetReminders::NAME,
    JoinWaitlist::NAME,
    LeaveWaitlist::NAME,
    AcceptOffer::NAME,
    DeclineOffer::NAME,
    GetDevices::NAME,
    CheckBluetooth::NAME,
    CopyClinicReadings::NAME,
    ScanDevices::NAME,
    PairDevice::NAME,
    ForgetDevice::NAME,
    GetReadings::NAME,
    SetThresholds::NAME,
    GetCareTeam::NAME,
    GetCareCircle::NAME,
    InviteHelper::NAME,
    AcceptInvitation::NAME,
    EndGrant::NAME,
    GetHelperAlerts::NAME,
    GetLookingAfter::NAME,
    GetOffers::NAME,
    LookAfter::NAME,
    SetAlertSettings::NAME,
    TakePlaceToOpen::NAME,
    GetStartAtLogin::NAME,
    SetStartAtLogin::NAME,
    GetForm::NAME,
    AnswerForm::NAME,
    ChangeFormGroup::NAME,
    SubmitForm::NAME,
    GetVisitSummary::NAME,
    ExportRecord::NAME,
    CreateShareCode::NAME,
    GetShareCodes::NAME,
    RevokeShareCode::NAME,
    SaveReport::NAME,
];

/// Whether `name` is on `list` (usable in constants).
pub const fn is_listed(list: &[&str], name: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if names_match(list[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

/// The event the shell emits when the patient's waitlist changed (e.g. an earlier slot was
/// offered), so an open screen reloads it.
pub const WAITLIST_CHANGED_EVENT: &str = "hale://waitlist-changed";

/// Every command takes exactly one argument with this name, so the UI never spells argument names.
pub const ARGS_KEY: &str = "args";

/// The arguments of a command that needs none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoArgs {}

/// Compile-time string equality, used by the shell to prove each handler is named `C::NAME`.
pub const fn names_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_is_exact() {
        assert!(names_match("get_home", "get_home"));
        assert!(!names_match("get_home", "get_hom"));
        assert!(!names_match("get_home", "get_Home"));
        assert!(names_match("", ""));
    }

    #[test]
    fn each_command_is_listed_once_per_window() {
        for list in [KIOSK_COMMANDS, PATIENT_COMMANDS] {
            let mut names = list.to_vec();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), list.len(), "a name listed twice");
        }
        assert!(!is_listed(PATIENT_COMMANDS, KioskCheckIn::NAME));
        assert!(!is_listed(KIOSK_COMMANDS, GetHome::NAME));
        // The kiosk has its own form commands: the patient's read the patient's device.
        assert!(!is_listed(KIOSK_COMMANDS, GetForm::NAME));
        assert!(!is_listed(PATIENT_COMMANDS, GetKioskForm::NAME));
    }

    #[test]
    fn no_args_travel_as_an_empty_object() {
        assert_eq!(serde_json::to_string(&NoArgs {}).unwrap(), "{}");
    }
}
