//! Exporting the patient's own record.

use chrono::Local;
use hale_api::{ApiError, Command, ExportRecord};
use tauri::{AppHandle, State};

use crate::commands::downloads;
use crate::convert;
use crate::state::AppState;

#[tauri::command]
pub async fn export_record(
    app: AppHandle,
    state: State<'_, AppState>,
    args: <ExportRecord as Command>::Args,
) -> Result<<ExportRecord as Command>::Output, ApiError> {
    let hale_api::NoArgs {} = args;
    let export = (state.patient.export_record(Local::now().date_naive()).await)
        .map_err(convert::core_error)?;
    let record = &export.whole_record;
    let record_path = downloads::save(&app, &record.name, record.contents.as_bytes())?;
    let summary_path = match &export.summary {
        Some(s) => Some(downloads::save(&app, &s.name, s.contents.as_bytes())?),
        None => None,
    };
    Ok(hale_api::ExportedRecord {
        record_path: record_path.display().to_string(),
        resources: u32::try_from(export.resources).unwrap_or(u32::MAX),
        summary_path: summary_path.map(|p| p.display().to_string()),
    })
}
