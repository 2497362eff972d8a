//! Starting Hale when the patient logs in, only if they chose it.
//!
//! On Linux this is an XDG autostart entry (`$XDG_CONFIG_HOME/autostart/<identifier>.desktop`),
//! which every freedesktop session honours; it starts Hale with `--background`, in the tray
//! without a window. Other platforms have no implementation yet (see docs/mobile.md): the
//! setting says so rather than pretending.

use std::path::{Path, PathBuf};

/// The argument an autostarted Hale is given: start in the tray, without a window.
pub const BACKGROUND_ARG: &str = "--background";

#[derive(Debug, thiserror::Error)]
pub enum AutostartError {
    #[error("starting at login is not available on this system")]
    Unsupported,
    #[error("the autostart entry could not be written: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the autostart entry of the app `identifier` lives.
fn entry_path(identifier: &str) -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| Path::new(&h).join(".config"))
                .filter(|p| p.is_absolute())
        })?;
    Some(
        config
            .join("autostart")
            .join(format!("{identifier}.desktop")),
    )
}

/// Whether this system can start Hale at login.
pub fn is_available() -> bool {
    cfg!(target_os = "linux")
}

/// Whether Hale starts at login.
pub fn is_enabled(identifier: &str) -> bool {
    cfg!(target_os = "linux") && entry_path(identifier).is_some_and(|p| p.exists())
}

/// Turns starting at login on or off.
pub fn set(identifier: &str, enabled: bool) -> Result<(), AutostartError> {
    if !cfg!(target_os = "linux") {
        return Err(AutostartError::Unsupported);
    }
    let path = entry_path(identifier).ok_or(AutostartError::Unsupported)?;
    if !enabled {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        };
    }
    let exe = std::env::current_exe()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, desktop_entry(&exe.to_string_lossy()))?;
    Ok(())
}

/// The autostart entry for the program at `exe`.
fn desktop_entry(exe: &str) -> String {
    format!(
        "[Desktop Entry]\nType=Application\nName=Hale\nComment=Reminders for your medicines and appointments\nExec={} {BACKGROUND_ARG}\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
        quote_exec(exe)
    )
}

/// An `Exec` argument quoted as the Desktop Entry Specification asks: in double quotes, with
/// `"`, `` ` ``, `$` and `\` escaped by a backslash, and each backslash doubled again because
/// the value is itself a string with escapes.
fn quote_exec(arg: &str) -> String {
    let mut out = String::from("\"");
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' => {
                out.push_str("\\\\");
                out.push(c);
            }
            '\\' => out.push_str("\\\\\\\\"),
            // A field code ("%f") otherwise.
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_starts_hale_in_the_background() {
        let entry = desktop_entry("/opt/Hale/hale-app");
        assert!(entry.starts_with("[Desktop Entry]\n"));
        assert!(entry.contains("\nExec=\"/opt/Hale/hale-app\" --background\n"));
        assert!(entry.contains("\nType=Application\n"));
    }

    #[test]
    fn a_path_with_spaces_and_specials_stays_one_argument() {
        assert_eq!(quote_exec("/home/a b/hale"), "\"/home/a b/hale\"");
        assert_eq!(quote_exec("/x/$HOME/a\"b"), "\"/x/\\\\$HOME/a\\\\\"b\"");
        assert_eq!(quote_exec("/x\\y"), "\"/x\\\\\\\\y\"");
        assert_eq!(quote_exec("/opt/100%/hale"), "\"/opt/100%%/hale\"");
    }
}
