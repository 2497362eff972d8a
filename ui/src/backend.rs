//! The only way the UI talks to the shell: `call::<C>(args)` for a contract command `C`, and
//! `use_event` for the events it emits.

use std::collections::BTreeMap;

use hale_api::{ApiError, Command, ErrorCode, ARGS_KEY};
use leptos::prelude::{on_cleanup, StoredValue, UpdateValue};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// Calls `on_event` with each payload of the shell's `event` that decodes as `T`, for as long as
/// the calling component is shown.
pub fn use_event<T: DeserializeOwned>(event: &'static str, mut on_event: impl FnMut(T) + 'static) {
    let listener = listen(event, move |message| {
        // Tauri delivers `{ event, id, payload }`.
        let payload = js_sys::Reflect::get(&message, &JsValue::from_str("payload"))
            .unwrap_or(JsValue::UNDEFINED);
        if let Ok(value) = serde_wasm_bindgen::from_value::<T>(payload) {
            on_event(value);
        }
    });
    // Stored locally: the listener holds JS closures, which cannot leave this thread.
    let listener = StoredValue::new_local(Some(listener));
    on_cleanup(move || listener.update_value(|l| drop(l.take())));
}

/// A subscription to a shell event; dropping it unsubscribes.
struct Listener {
    _handler: std::rc::Rc<Closure<dyn FnMut(JsValue)>>,
    unlisten: std::rc::Rc<std::cell::RefCell<Option<js_sys::Function>>>,
    dropped: std::rc::Rc<std::cell::Cell<bool>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.dropped.set(true);
        if let Some(unlisten) = self.unlisten.borrow_mut().take() {
            let _ = unlisten.call0(&JsValue::NULL);
        }
    }
}

/// Calls `on_event` with each message of `event` until the returned [`Listener`] is dropped.
fn listen(event: &'static str, on_event: impl FnMut(JsValue) + 'static) -> Listener {
    let handler = std::rc::Rc::new(Closure::<dyn FnMut(JsValue)>::new(on_event));
    let unlisten = std::rc::Rc::new(std::cell::RefCell::new(None::<js_sys::Function>));
    let dropped = std::rc::Rc::new(std::cell::Cell::new(false));
    if inside_tauri() {
        let (h, u, d) = (handler.clone(), unlisten.clone(), dropped.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if let Ok(f) = tauri_listen(event, &h).await {
                let f: js_sys::Function = f.unchecked_into();
                // Dropped while subscribing: unsubscribe at once.
                if d.get() {
                    let _ = f.call0(&JsValue::NULL);
                } else {
                    *u.borrow_mut() = Some(f);
                }
            }
        });
    }
    Listener {
        _handler: handler,
        unlisten,
        dropped,
    }
}

/// The label of the window this page is in, as Tauri tells its pages (no round trip).
pub fn window_label() -> Option<String> {
    let mut value: JsValue = js_sys::global().into();
    for key in ["__TAURI_INTERNALS__", "metadata", "currentWindow", "label"] {
        value = js_sys::Reflect::get(&value, &JsValue::from_str(key)).ok()?;
        if value.is_undefined() || value.is_null() {
            return None;
        }
    }
    value.as_string()
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
