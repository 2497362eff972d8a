//! One Hale per person's data. Now that Hale stays in the tray (and may have started at login), a
//! second start, such as the patient opening Hale from the menu, must not become a second Hale
//! with its own reminders and relays: it asks the running one to open its window, and ends.
//!
//! The data directory holds a lock file, locked by the running Hale for as long as it runs (the
//! system releases it when the process ends, however it ends), and a socket the running Hale
//! listens on. A second start that finds the lock taken asks through the socket and waits for
//! the answer; if none comes (that Hale is on its way out), it tries for the lock again.

use std::fs::{File, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a second start keeps trying before it runs anyway.
const HANDOVER_LIMIT: Duration = Duration::from_secs(10);
/// How long it waits for the running Hale's answer.
const ANSWER_WAIT: Duration = Duration::from_secs(3);

/// What this start is.
#[derive(Debug)]
pub enum Claim {
    /// The only Hale: keeps the lock while it lives.
    First(Lock),
    /// Another Hale runs and has opened its window: this one ends.
    Handed,
}

/// The held lock, and the socket's path (removed at drop).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    socket: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// Claims `data_dir` for this start. `on_open` runs (on a thread of its own) each time a later
/// start asks this Hale to show itself, and says whether it will (not while it is ending). A start that is not to show a window (at login) asks
/// nothing of a Hale already running: it just ends.
pub fn claim(
    data_dir: &Path,
    show: bool,
    on_open: impl Fn() -> bool + Send + 'static,
) -> std::io::Result<Claim> {
    std::fs::create_dir_all(data_dir)?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join("hale.lock"))?;
    let socket = data_dir.join("hale.sock");
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => {
                listen(&socket, on_open)?;
                return Ok(Claim::First(Lock {
                    _file: file,
                    socket,
                }));
            }
            Err(TryLockError::WouldBlock) => {
                if !show || ask_to_open(&socket) {
                    return Ok(Claim::Handed);
                }
                if started.elapsed() > HANDOVER_LIMIT {
                    // A Hale that holds the lock and never answers: run rather than not at all.
                    tracing::warn!("another Hale holds this data but does not answer");
                    return Ok(Claim::First(Lock {
                        _file: file,
                        socket,
                    }));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
}

#[cfg(unix)]
fn listen(socket: &Path, on_open: impl Fn() -> bool + Send + 'static) -> std::io::Result<()> {
    use std::os::unix::net::UnixListener;
    // A socket left by a Hale that ended without cleaning up; the lock says none runs now.
    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket)?;
    std::thread::Builder::new()
        .name("single-instance".into())
        .spawn(move || {
            for mut stream in listener.incoming().flatten() {
                // A caller that says nothing must not hold up the next.
                let _ = stream.set_read_timeout(Some(ANSWER_WAIT));
                let mut asked = [0u8; 5];
                if stream.read_exact(&mut asked).is_ok() && &asked == b"open\n" && on_open() {
                    let _ = stream.write_all(b"ok\n");
                }
            }
        })?;
    Ok(())
}

#[cfg(unix)]
fn ask_to_open(socket: &Path) -> bool {
    use std::os::unix::net::UnixStream;
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(ANSWER_WAIT));
    let mut answer = [0u8; 3];
    stream.write_all(b"open\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"ok\n"
}

// Elsewhere the lock alone keeps a second Hale from running beside the first; it cannot yet
// ask the first to show itself.
#[cfg(not(unix))]
fn listen(_socket: &Path, _on_open: impl Fn() -> bool + Send + 'static) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn ask_to_open(_socket: &Path) -> bool {
    true
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_second_start_asks_the_first_to_open_and_ends() {
        let dir = tempfile::tempdir().unwrap();
        let opened = Arc::new(AtomicUsize::new(0));
        let count = opened.clone();
        let first = claim(dir.path(), true, move || {
            count.fetch_add(1, Ordering::SeqCst);
            true
        })
        .unwrap();
        assert!(matches!(first, Claim::First(_)));
        let second = claim(dir.path(), true, || {
            panic!("a second start listens for nobody")
        })
        .unwrap();
        assert!(matches!(second, Claim::Handed));
        assert_eq!(opened.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn once_the_first_has_ended_the_next_start_is_first_again() {
        let dir = tempfile::tempdir().unwrap();
        let first = claim(dir.path(), true, || true).unwrap();
        drop(first);
        let again = claim(dir.path(), true, || true).unwrap();
        assert!(matches!(again, Claim::First(_)));
    }
}
