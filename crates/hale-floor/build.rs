//! Tauri's build step; the floor declares no commands and grants nothing.

fn main() {
    tauri_build::build();
}
