//! The Hale desktop binary: all of it lives in the library so mobile builds share it.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    hale_app_lib::run();
}
