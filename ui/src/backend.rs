//! The only way the UI talks to the shell: `call::<C>(args)` for a contract command `C`.

use std::collections::BTreeMap;

use hale_api::{ApiError, Command, ErrorCode, ARGS_KEY};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Outside the app (a plain browser on `trunk serve`) there is no `__TAURI__`, and calling into
/// it would throw rather than fail cleanly.
fn inside_tauri() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__TAURI__"))
        .map(|v| !v.is_undefined())
        .unwrap_or(false)
}

/// Invokes command `C` with `args` and decodes its output or its [`ApiError`].
pub async fn call<C: Command>(args: &C::Args) -> Result<C::Output, ApiError> {
    if !inside_tauri() {
        return Err(ApiError::new(
            ErrorCode::Internal,
            "Hale's screens only work inside the Hale app",
        ));
    }
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let mut envelope = BTreeMap::new();
    envelope.insert(ARGS_KEY, args);
    let js_args = envelope
        .serialize(&serializer)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    match tauri_invoke(C::NAME, js_args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("unreadable answer to {}: {e}", C::NAME),
            )
        }),
        Err(error) => Err(serde_wasm_bindgen::from_value::<ApiError>(error.clone())
            .unwrap_or_else(|_| {
                // Not one of ours: a Tauri-level failure such as a missing permission.
                let text = error.as_string().unwrap_or_else(|| format!("{error:?}"));
                ApiError::new(ErrorCode::Internal, text)
            })),
    }
}

/// A fresh id for one user decision (a booking confirmation), so that a retry of the same
/// decision is recognised by the hospital and never acted on twice.
pub fn new_request_id() -> String {
    let random = |scale: f64| (js_sys::Math::random() * scale) as u64;
    format!(
        "ui-{:x}-{:08x}{:08x}",
        js_sys::Date::now() as u64,
        random(4_294_967_296.0),
        random(4_294_967_296.0)
    )
}
