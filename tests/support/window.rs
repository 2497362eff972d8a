//! Closing the app's window as the patient does, through the X server: the window manager's
//! close button sends the window a `WM_DELETE_WINDOW` message (ICCCM), and the app decides what
//! closing means. Journeys run under Xvfb with no window manager, so this sends that message
//! itself.

use std::time::{Duration, Instant};

use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask, Window,
};
use x11rb::rust_connection::RustConnection;

/// The windows titled `title`, anywhere under the root.
fn windows_titled(conn: &RustConnection, root: Window, title: &str) -> Vec<Window> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(window) = stack.pop() {
        let name = conn
            .get_property(false, window, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 256)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| r.value);
        if name.as_deref() == Some(title.as_bytes()) {
            found.push(window);
        }
        if let Some(tree) = conn.query_tree(window).ok().and_then(|c| c.reply().ok()) {
            stack.extend(tree.children);
        }
    }
    found
}

/// Whether a window titled `title` exists on the display.
pub fn window_exists(title: &str) -> bool {
    let (conn, screen) = x11rb::connect(None).expect("the X display (run under Xvfb)");
    let root = conn.setup().roots[screen].root;
    !windows_titled(&conn, root, title).is_empty()
}

/// Asks every window titled `title` to close, as a window manager's close button does, and
/// waits until none is left.
pub fn close_like_the_patient(title: &str, timeout: Duration) {
    let (conn, screen) = x11rb::connect(None).expect("the X display (run under Xvfb)");
    let root = conn.setup().roots[screen].root;
    let atom = |name: &[u8]| {
        conn.intern_atom(false, name)
            .expect("intern an atom")
            .reply()
            .expect("the atom")
            .atom
    };
    let (protocols, delete) = (atom(b"WM_PROTOCOLS"), atom(b"WM_DELETE_WINDOW"));
    let windows = windows_titled(&conn, root, title);
    assert!(!windows.is_empty(), "no window titled {title:?} to close");
    for window in windows {
        let message = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
        conn.send_event(false, window, EventMask::NO_EVENT, message)
            .expect("send WM_DELETE_WINDOW");
    }
    conn.flush().expect("flush the X connection");
    let started = Instant::now();
    while !windows_titled(&conn, root, title).is_empty() {
        assert!(
            started.elapsed() < timeout,
            "the window {title:?} was still there {timeout:?} after it was asked to close"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
