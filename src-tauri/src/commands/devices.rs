//! Devices: scanning, pairing, forgetting, readings for charts, and alert thresholds.

use chrono::Utc;
use hale_api::{
    ApiError, CheckBluetooth, Command, CopyClinicReadings, DevicesView, ForgetDevice, GetDevices,
    GetReadings, PairDevice, ScanDevices, SetThresholds,
};
use hale_store::PairedDevice;
use tauri::State;

use crate::convert::{self, devices as dc};
use crate::devices::{watch_paired, Devices};
use crate::ready::Ready;
use crate::state::AppState;

async fn screen(state: &AppState, devices: &Devices) -> Result<DevicesView, ApiError> {
    let p = &state.patient;
    let paired = p.paired_devices().await.map_err(convert::core_error)?;
    let (latest, unsynced) = p.latest_readings().await.map_err(convert::core_error)?;
    let thresholds = p.thresholds().await.map_err(convert::core_error)?;
    let links = devices.ble.links().await.unwrap_or_default();
    let unavailable = *devices
        .unavailable
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Ok(dc::devices_view(
        paired,
        &links,
        &latest,
        unsynced,
        thresholds,
        unavailable,
    ))
}

#[tauri::command]
pub async fn get_devices(
    state: State<'_, Ready<AppState>>,
    devices: State<'_, Ready<Devices>>,
    args: <GetDevices as Command>::Args,
) -> Result<<GetDevices as Command>::Output, ApiError> {
    let state = state.wait().await;
    let devices = devices.wait().await;
    let hale_api::NoArgs {} = args;
    screen(state, devices).await
}

#[tauri::command]
pub async fn copy_clinic_readings(
    state: State<'_, Ready<AppState>>,
    args: <CopyClinicReadings as Command>::Args,
) -> Result<<CopyClinicReadings as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let new = state.patient.catch_up_clinic_readings(Utc::now()).await;
    let (latest, unsynced) = state
        .patient
        .latest_readings()
        .await
        .map_err(convert::core_error)?;
    Ok(dc::clinic_copy(new, &latest, unsynced))
}

#[tauri::command]
pub async fn check_bluetooth(
    devices: State<'_, Ready<Devices>>,
    args: <CheckBluetooth as Command>::Args,
) -> Result<<CheckBluetooth as Command>::Output, ApiError> {
    let devices = devices.wait().await;
    let hale_api::NoArgs {} = args;
    let now = devices.ble.check().await.map_err(dc::ble_error)?;
    *devices
        .unavailable
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = now;
    Ok(now.map(dc::no_bluetooth))
}

#[tauri::command]
pub async fn scan_devices(
    devices: State<'_, Ready<Devices>>,
    args: <ScanDevices as Command>::Args,
) -> Result<<ScanDevices as Command>::Output, ApiError> {
    let devices = devices.wait().await;
    devices.ble.scan(args.on).await.map_err(dc::ble_error)
}

#[tauri::command]
pub async fn pair_device(
    state: State<'_, Ready<AppState>>,
    devices: State<'_, Ready<Devices>>,
    args: <PairDevice as Command>::Args,
) -> Result<<PairDevice as Command>::Output, ApiError> {
    let state = state.wait().await;
    let devices = devices.wait().await;
    dc::require_address(&args.id)?;
    let name = dc::require_name(&args.name)?;
    let device_type = dc::device_type(args.kind);
    let device = PairedDevice {
        id: args.id,
        name,
        device_type,
        paired_at: Utc::now(),
        last_seen_at: None,
        last_sequence: None,
        record_session: None,
    };
    // Remembered first, so readings arriving as soon as it connects have a device to belong to.
    state
        .patient
        .pair_device(&device)
        .await
        .map_err(convert::core_error)?;
    if let Err(e) = devices.ble.pair(&device.id, device_type).await {
        let _ = state.patient.forget_device(&device.id).await;
        return Err(dc::ble_error(e));
    }
    screen(state, devices).await
}

#[tauri::command]
pub async fn forget_device(
    state: State<'_, Ready<AppState>>,
    devices: State<'_, Ready<Devices>>,
    args: <ForgetDevice as Command>::Args,
) -> Result<<ForgetDevice as Command>::Output, ApiError> {
    let state = state.wait().await;
    let devices = devices.wait().await;
    dc::require_address(&args.id)?;
    state
        .patient
        .forget_device(&args.id)
        .await
        .map_err(convert::core_error)?;
    devices.ble.forget(&args.id).await.map_err(dc::ble_error)?;
    watch_paired(&state.patient, &devices.ble).await;
    screen(state, devices).await
}

#[tauri::command]
pub async fn get_readings(
    state: State<'_, Ready<AppState>>,
    args: <GetReadings as Command>::Args,
) -> Result<<GetReadings as Command>::Output, ApiError> {
    let state = state.wait().await;
    let now = Utc::now();
    let kind = dc::reading_kind(args.kind);
    let readings = state
        .patient
        .readings(kind, dc::range_start(args.range, now))
        .await
        .map_err(convert::core_error)?;
    Ok(dc::chart(kind, args.range, &readings, now))
}

#[tauri::command]
pub async fn set_thresholds(
    state: State<'_, Ready<AppState>>,
    args: <SetThresholds as Command>::Args,
) -> Result<<SetThresholds as Command>::Output, ApiError> {
    let state = state.wait().await;
    let saved = state
        .patient
        .set_thresholds(&dc::thresholds_from(args))
        .await
        .map_err(convert::core_error)?;
    Ok(dc::thresholds(saved))
}
