//! Tauri's build step, with the app's own commands declared: each gets `allow-…`/`deny-…`
//! permissions, and a window may call only what its capability (`capabilities/`) allows.

fn main() {
    let mut commands: Vec<&'static str> = hale_api::PATIENT_COMMANDS
        .iter()
        .chain(hale_api::KIOSK_COMMANDS)
        .copied()
        .collect();
    commands.sort_unstable();
    commands.dedup();
    let manifest = tauri_build::AppManifest::new().commands(Vec::leak(commands));
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build step");
}
