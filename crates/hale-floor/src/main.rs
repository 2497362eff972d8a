//! The floor: what a Tauri 2 app costs before it does anything. One window, as Hale's is built
//! (from its configuration, in `setup`), showing one line of text served through the same
//! custom protocol. The start-up bench measures it beside Hale, in the same run, so the machine's
//! noise cancels out of the ratio (`tests/bench/startup.rs`).

fn main() {
    let result = tauri::Builder::default()
        .setup(|app| {
            let config = app
                .config()
                .app
                .windows
                .first()
                .cloned()
                .ok_or("no window")?;
            tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?.build()?;
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("the floor could not start: {error}");
        std::process::exit(1);
    }
}
