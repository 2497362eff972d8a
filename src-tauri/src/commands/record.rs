//! The patient's own record, taken elsewhere: exported as files, or shared with a clinician
//! through a code, or made into a readable report.

use chrono::{Local, Utc};
use hale_api::{
    ApiError, Command, CreateShareCode, ExportRecord, GetShareCodes, RevokeShareCode, SaveReport,
    SummaryFileView,
};
use hale_core::export::Summary;
use tauri::{AppHandle, State};

use crate::commands::downloads;
use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn export_record(
    app: AppHandle,
    state: State<'_, Ready<AppState>>,
    args: <ExportRecord as Command>::Args,
) -> Result<<ExportRecord as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let export = (state.patient.export_record(Local::now().date_naive()).await)
        .map_err(convert::core_error)?;
    let record = &export.whole_record;
    let record_path = downloads::save(&app, &record.name, record.contents.as_bytes())?;
    let summary = match &export.summary {
        Summary::Written(s) => SummaryFileView::Saved {
            path: downloads::save(&app, &s.name, s.contents.as_bytes())?
                .display()
                .to_string(),
        },
        Summary::NotOffered => SummaryFileView::NotOffered,
        Summary::NotPermitted => SummaryFileView::NotPermitted,
    };
    Ok(hale_api::ExportedRecord {
        record_path: record_path.display().to_string(),
        resources: u32::try_from(export.resources).unwrap_or(u32::MAX),
        summary,
    })
}

#[tauri::command]
pub async fn create_share_code(
    state: State<'_, Ready<AppState>>,
    args: <CreateShareCode as Command>::Args,
) -> Result<<CreateShareCode as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let made = (state.patient.create_share().await).map_err(convert::core_error)?;
    Ok(convert::new_share(made))
}

#[tauri::command]
pub async fn get_share_codes(
    state: State<'_, Ready<AppState>>,
    args: <GetShareCodes as Command>::Args,
) -> Result<<GetShareCodes as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let list = (state.patient.shares().await).map_err(convert::core_error)?;
    Ok(convert::shares(list, Utc::now()))
}

#[tauri::command]
pub async fn revoke_share_code(
    state: State<'_, Ready<AppState>>,
    args: <RevokeShareCode as Command>::Args,
) -> Result<<RevokeShareCode as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("share_id", &args.share_id)?;
    let patient = &state.patient;
    (patient.revoke_share(&args.share_id).await).map_err(convert::core_error)?;
    let list = patient.shares().await.map_err(convert::core_error)?;
    Ok(convert::shares(list, Utc::now()))
}

#[tauri::command]
pub async fn save_report(
    app: AppHandle,
    state: State<'_, Ready<AppState>>,
    args: <SaveReport as Command>::Args,
) -> Result<<SaveReport as Command>::Output, ApiError> {
    let state = state.wait().await;
    let now = Utc::now();
    let today = now.with_timezone(&Local).date_naive();
    let period = hale_domain::report::Period::new(args.from, args.to, today)
        .map_err(|e| convert::invalid_argument(e.to_string()))?;
    let file = (state.patient.report(period, &Local, now).await).map_err(convert::core_error)?;
    let path = downloads::save(&app, &file.name, &file.pdf)?;
    Ok(hale_api::ExportedFile {
        path: path.display().to_string(),
    })
}
