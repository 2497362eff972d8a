//! Saving a file the patient asked for in their Downloads folder, where they look for it.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use hale_api::{ApiError, ErrorCode};
use tauri::{AppHandle, Manager};

/// Writes `contents` as `name` in the Downloads folder and says where. `name` is one plain file
/// name. Written whole or not at all (a temporary file renamed into place), and on Unix readable
/// by the patient's account only: the file can hold their health record.
pub fn save(app: &AppHandle, name: &str, contents: &[u8]) -> Result<PathBuf, ApiError> {
    let storage = |e: String| ApiError::new(ErrorCode::LocalStorage, e);
    let plain = matches!(
        Path::new(name).components().collect::<Vec<_>>()[..],
        [Component::Normal(_)]
    );
    if !plain {
        return Err(storage(format!("not a file name: {name}")));
    }
    // Without configured XDG user directories there is no "Downloads" to ask for; ~/Downloads
    // is where people look next.
    let dir = (app.path().download_dir())
        .or_else(|_| app.path().home_dir().map(|h| h.join("Downloads")))
        .map_err(|e| storage(e.to_string()))?;
    std::fs::create_dir_all(&dir).map_err(|e| storage(e.to_string()))?;
    let path = dir.join(name);
    let partial = dir.join(format!(".{name}.partial"));
    let written = write_whole(&partial, &path, contents);
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map_err(|e| storage(e.to_string()))?;
    Ok(path)
}

fn write_whole(partial: &Path, path: &Path, contents: &[u8]) -> std::io::Result<()> {
    // A partial file left by an earlier failure may carry other permissions: start afresh.
    let _ = std::fs::remove_file(partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(partial)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(partial, path)
}
