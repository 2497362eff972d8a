//! Devices: Bluetooth monitors the patient pairs, their links, the latest readings (flagged
//! when a threshold was crossed), charts over a day, week or month, and alert thresholds.
//! The shell's `DEVICES_EVENT`s keep the screen live while devices are scanned, connect, or
//! send readings.

use hale_api::{
    ApiError, ChartRange, CheckBluetooth, CopyClinicReadings, DeviceArgs, DeviceEventView,
    DevicesView, DiscoveredView, ForgetDevice, GetDevices, GetReadings, LinkView, NoArgs, PairArgs,
    PairDevice, ReadingKindView, ReadingsArgs, ScanArgs, ScanDevices, SetThresholds,
    ThresholdsView, DEVICES_EVENT,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::action::failure;
use crate::backend;
use crate::components::{ErrorPanel, InlineError};
use crate::format;

#[component]
pub fn DevicesPage() -> impl IntoView {
    let loaded = LocalResource::new(|| backend::call::<GetDevices>(&NoArgs {}));
    let retry = Callback::new(move |()| loaded.refetch());
    view! {
        <main class="page">
            <h1>"Devices and readings"</h1>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading your devices…"</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(view) => view! { <Devices initial=view /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// The devices screen's data: the last answer, and what the shell's events said since.
#[derive(Clone, Copy)]
struct DevicesData {
    view: RwSignal<DevicesView>,
    error: RwSignal<Option<ApiError>>,
    /// Devices found while scanning, newest signal last.
    found: RwSignal<Vec<DiscoveredView>>,
    scanning: RwSignal<bool>,
    /// The last thing a device said that is worth showing (a live cuff pressure, a bad value).
    live: RwSignal<Option<String>>,
    alerts: RwSignal<Vec<String>>,
    /// Bumped when readings arrive, so the chart reloads.
    readings_changed: RwSignal<u32>,
    /// Reloads the whole screen, see `reload`.
    reloader: Action<(), ()>,
    /// Whether `reloader` is under way.
    reloading: Memo<bool>,
    /// Whether a reload was asked for while one was under way.
    reload_again: StoredValue<bool>,
}

impl DevicesData {
    fn new(initial: DevicesView) -> Self {
        let view = RwSignal::new(initial);
        let error = RwSignal::new(None);
        let readings_changed = RwSignal::new(0);
        let reload_again = StoredValue::new(false);
        let reloader = Action::new_local(move |_: &()| async move {
            loop {
                match backend::call::<GetDevices>(&NoArgs {}).await {
                    Ok(answer) => {
                        // New readings in the answer redraw the chart too.
                        let moved = view.with_untracked(|v| v.latest != answer.latest);
                        view.set(answer);
                        if moved {
                            readings_changed.update(|n| *n += 1);
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
                // `try_`: the screen may be gone by now.
                if !reload_again
                    .try_update_value(std::mem::take)
                    .unwrap_or(false)
                {
                    break;
                }
            }
        });
        Self {
            view,
            error,
            found: RwSignal::new(Vec::new()),
            scanning: RwSignal::new(false),
            live: RwSignal::new(None),
            alerts: RwSignal::new(Vec::new()),
            readings_changed,
            reloader,
            reloading: reloader.pending(),
            reload_again,
        }
    }

    /// One reload at a time: the events of one batch come close together, and those that come
    /// while a reload is under way are answered by one more after it (which also sees anything
    /// the one under way may have missed).
    fn reload(self) {
        if self.reloading.get_untracked() {
            self.reload_again.set_value(true);
        } else {
            self.reloader.dispatch(());
        }
    }

    fn event(self, event: DeviceEventView) {
        match event {
            DeviceEventView::Discovered(d) => self.found.update(|found| {
                found.retain(|f| f.id != d.id);
                found.push(d);
            }),
            DeviceEventView::Link { device, link } => self.link(device, link),
            DeviceEventView::CuffPressure { mmhg, .. } => self.live.set(Some(format!(
                "Cuff pressure {} mmHg…",
                format::tenths(mmhg.round())
            ))),
            DeviceEventView::LiveTemperature { value, unit, .. } => self
                .live
                .set(Some(format!("Measuring… {} {unit}", format::tenths(value)))),
            DeviceEventView::Withheld { values, .. } => {
                self.live.set(Some(format::withheld_words(&values)))
            }
            DeviceEventView::Malformed { message, .. } => self.live.set(Some(message)),
            // The events say what changed: the screen updates in place, without a reload.
            DeviceEventView::ReadingsStored {
                alerts,
                latest,
                unsynced,
                ..
            } => {
                if !alerts.is_empty() {
                    self.alerts.set(alerts);
                }
                self.live.set(None);
                self.view.update(|v| {
                    v.latest = latest;
                    v.unsynced = unsynced;
                });
                self.readings_changed.update(|n| *n += 1);
                self.after_a_change();
            }
            DeviceEventView::ReadingsRelayed { unsynced, .. } => {
                self.view.update(|v| v.unsynced = unsynced);
                self.after_a_change();
            }
            DeviceEventView::Unavailable { .. } => self.reload(),
        }
    }

    /// A device's link changed. The event says to what, so a device shown is updated in place;
    /// one not shown yet (being paired) needs a reload.
    fn link(self, device: String, link: LinkView) {
        let shown = self
            .view
            .with_untracked(|v| v.devices.iter().any(|d| d.id == device));
        if shown {
            self.view.update(|v| {
                for d in v.devices.iter_mut().filter(|d| d.id == device) {
                    d.link = link.clone();
                }
            });
            self.after_a_change();
        } else {
            self.reload();
        }
    }

    /// After an in-place update: a reload under way may have read the screen before the
    /// change, and would put the old one back, so one more follows it.
    fn after_a_change(self) {
        if self.reloading.get_untracked() {
            self.reload_again.set_value(true);
        }
    }
}

#[component]
fn Devices(initial: DevicesView) -> impl IntoView {
    let data = DevicesData::new(initial);
    backend::use_event(DEVICES_EVENT, move |e| data.event(e));
    on_cleanup(move || {
        // Leaving the screen stops a scan the patient started (it costs battery).
        if data.scanning.get_untracked() {
            spawn_local(async move {
                let _ = backend::call::<ScanDevices>(&ScanArgs { on: false }).await;
            });
        }
    });
    // The readings the clinic took at visits, copied as the screen opens.
    spawn_local(async move {
        if let Ok(copy) = backend::call::<CopyClinicReadings>(&NoArgs {}).await {
            if copy.new > 0 {
                let _ = data.view.try_update(|v| {
                    v.latest = copy.latest;
                    v.unsynced = copy.unsynced;
                });
                let _ = data.readings_changed.try_update(|n| *n += 1);
                data.after_a_change();
            }
        }
    });
    // Whether Bluetooth can be used, looked at as the screen opens.
    spawn_local(async move {
        if let Ok(now) = backend::call::<CheckBluetooth>(&NoArgs {}).await {
            let _ = data.view.try_update(|v| v.unavailable = now);
        }
    });
    view! {
        {move || data.view.get().unavailable.map(|why| view! {
            <div class="notice" role="status" data-testid="bluetooth-unavailable">
                <p><strong>{format::no_bluetooth_words(why)}</strong></p>
                <p>"You can't add a device until it is. Readings you already have are below."</p>
            </div>
        })}
        {move || (!data.alerts.get().is_empty()).then(|| view! {
            <div class="alert-panel" role="alert" data-testid="reading-alerts">
                <h2>"Check these readings"</h2>
                <ul>{data.alerts.get().into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
                <p>"If you feel unwell, call your care team, or 999 in an emergency."</p>
                <button type="button" on:click=move |_| data.alerts.set(Vec::new())>"Dismiss"</button>
            </div>
        })}
        <InlineError error=move || data.error.get() testid="devices-error" />
        {move || data.live.get().map(|text| view! { <p class="hint" role="status" data-testid="device-live">{text}</p> })}
        <Paired data />
        <Finder data />
        <Latest data />
        <Chart data />
        <Thresholds data />
    }
}

#[component]
fn Paired(data: DevicesData) -> impl IntoView {
    let forget = Action::new_local(move |args: &DeviceArgs| {
        let args = args.clone();
        async move {
            match backend::call::<ForgetDevice>(&args).await {
                Ok(view) => data.view.set(view),
                Err(e) => data.error.set(Some(e)),
            }
        }
    });
    let forgetting = forget.input();
    view! {
        <section aria-labelledby="paired-heading">
            <h2 id="paired-heading">"Your devices"</h2>
            {move || {
                let devices = data.view.get().devices;
                if devices.is_empty() {
                    return view! { <p class="hint" data-testid="no-devices">"No devices yet. Find one below."</p> }.into_any();
                }
                view! {
                    <ul class="devices" data-testid="paired-devices">
                        {devices.into_iter().map(|d| {
                            let id = d.id.clone();
                            let busy = {
                                let id = id.clone();
                                move || forgetting.with(|f| f.as_ref().is_some_and(|f| f.id == id))
                            };
                            view! {
                                <li class="card device" data-testid="paired-device">
                                    <h3>{d.name.clone()}</h3>
                                    <p class="hint">{format::device_kind_label(d.kind)}</p>
                                    <p data-testid="device-link">{format::link_words(&d.link)}</p>
                                    <button type="button" class="secondary" disabled=busy
                                        on:click=move |_| { forget.dispatch(DeviceArgs { id: id.clone() }); }>"Forget this device"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Finder(data: DevicesData) -> impl IntoView {
    let scan = Action::new_local(move |&on: &bool| {
        // Cleared before the scan starts, not after: devices are reported as soon as it does,
        // and clearing on its answer would drop the first ones (a device reported once stays
        // unseen; a journey on a slow machine found none).
        if on {
            data.found.set(Vec::new());
        }
        async move {
            match backend::call::<ScanDevices>(&ScanArgs { on }).await {
                Ok(()) => data.scanning.set(on),
                Err(e) => data.error.set(Some(e)),
            }
        }
    });
    let pair = Action::new_local(move |args: &PairArgs| {
        let args = args.clone();
        async move {
            match backend::call::<PairDevice>(&args).await {
                Ok(view) => {
                    data.error.set(None);
                    data.view.set(view);
                    data.found.update(|f| f.retain(|x| x.id != args.id));
                }
                Err(e) => data.error.set(Some(e)),
            }
        }
    });
    // The device being paired, so its button shows progress.
    let pairing = pair.input();
    view! {
        <section aria-labelledby="find-heading">
            <h2 id="find-heading">"Add a device"</h2>
            <p class="hint">"Switch the device on (or start a measurement) and keep it close."</p>
            <button type="button" data-testid="scan"
                disabled=move || scan.pending().get() || data.view.with(|v| v.unavailable.is_some())
                on:click=move |_| { scan.dispatch(!data.scanning.get_untracked()); }
                aria-pressed=move || data.scanning.get().to_string()>
                {move || if data.scanning.get() { "Stop looking" } else { "Look for devices" }}
            </button>
            {move || {
                let paired: Vec<String> = data.view.get().devices.into_iter().map(|d| d.id).collect();
                let found: Vec<DiscoveredView> = data.found.get().into_iter().filter(|d| !paired.contains(&d.id)).collect();
                if found.is_empty() {
                    return data.scanning.get().then(|| view! {
                        <p class="hint" role="status" data-testid="scan-empty">"Looking for devices nearby…"</p>
                    }.into_any());
                }
                Some(view! {
                    <ul class="found" data-testid="found-devices">
                        {found.into_iter().map(|d| {
                            let id = d.id.clone();
                            let busy = Signal::derive(move || pairing.with(|p| p.as_ref().is_some_and(|p| p.id == id)));
                            let label = format!("{}, {} ({})", d.name, format::device_kind_label(d.kind), format::signal_words(d.rssi));
                            let args = PairArgs { id: d.id, name: d.name, kind: d.kind };
                            view! {
                                <li class="card" data-testid="found-device">
                                    <span>{label}</span>
                                    <button type="button" data-testid="pair" disabled=busy on:click=move |_| { pair.dispatch(args.clone()); }>
                                        {move || if busy.get() { "Connecting…" } else { "Pair" }}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any())
            }}
        </section>
    }
}

#[component]
fn Latest(data: DevicesData) -> impl IntoView {
    view! {
        <section aria-labelledby="latest-heading">
            <h2 id="latest-heading">"Latest readings"</h2>
            <p class="hint" data-testid="relay-status">{move || format::relay_words(data.view.get().unsynced)}</p>
            {move || {
                let latest = data.view.get().latest;
                if latest.is_empty() {
                    return view! { <p class="hint" data-testid="no-readings">"No readings yet."</p> }.into_any();
                }
                view! {
                    <ul class="readings" data-testid="latest-readings">
                        {latest.into_iter().map(|r| view! {
                            <li class="card reading" class:flagged=r.flag.is_some() data-testid="reading">
                                <span class="reading-kind">{format::reading_label(r.kind)}</span>
                                <strong data-testid="reading-value">{format!("{} {}", r.value, r.unit)}</strong>
                                {r.flag.clone().map(|f| view! { <span class="flag" data-testid="reading-flag">{f}</span> })}
                                {r.meal.map(|m| view! { <span class="hint" data-testid="reading-meal">{format::meal_words(m)}</span> })}
                                <span class="hint">{format::reading_source(&r)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Chart(data: DevicesData) -> impl IntoView {
    let kind = RwSignal::new(None::<ReadingKindView>);
    let range = RwSignal::new(ChartRange::Week);
    let chart = LocalResource::new(move || {
        let _ = data.readings_changed.get();
        let chosen = kind
            .get()
            .or_else(|| data.view.get_untracked().latest.first().map(|r| r.kind));
        let range = range.get();
        async move {
            match chosen {
                Some(kind) => backend::call::<GetReadings>(&ReadingsArgs { kind, range })
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    });
    let range_button = move |r: ChartRange, label: &'static str| {
        view! {
            <button type="button" aria-pressed=move || (range.get() == r).to_string() on:click=move |_| range.set(r)>{label}</button>
        }
    };
    let empty = move || data.view.with(|v| v.latest.is_empty());
    view! {
        <section aria-labelledby="chart-heading">
            <h2 id="chart-heading">"Over time"</h2>
            <Show when=move || !empty() fallback=|| view! {
                <p class="empty" data-testid="chart-empty">"No readings yet. When a device sends its first reading, your readings are charted here, by day, week or month."</p>
            }>
            <div class="segmented" role="group" aria-label="Reading">
                {move || data.view.get().latest.into_iter().map(|r| {
                    let k = r.kind;
                    view! {
                        <button type="button" data-testid="chart-kind" aria-pressed=move || (kind.get().or_else(|| data.view.get().latest.first().map(|r| r.kind)) == Some(k)).to_string()
                            on:click=move |_| kind.set(Some(k))>{format::reading_label(k)}</button>
                    }
                }).collect_view()}
            </div>
            <div class="segmented" role="group" aria-label="Chart period">
                {range_button(ChartRange::Day, "Day")}
                {range_button(ChartRange::Week, "Week")}
                {range_button(ChartRange::Month, "Month")}
            </div>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the chart…"</p> }>
                {move || Suspend::new(async move {
                    match chart.await {
                        Ok(Some(view)) => {
                            let summary = format::readings_summary(view.kind, &view.points, &view.unit);
                            let frame = format::ChartFrame {
                                from: view.from,
                                to: view.to,
                                now: crate::components::local_now(),
                                unit: &view.unit,
                                band: view.target_range.map(|t| (t.low, t.high)),
                            };
                            let svg = format::readings_svg(&view.points, &frame, &summary);
                            let in_range = view.target_range.filter(|_| !view.points.is_empty())
                                .map(|t| format::time_in_range_words(&t, &view.unit));
                            // A tapped point's value, said under the chart (hover shows it too).
                            let picked = RwSignal::new(None::<String>);
                            let pick = move |e: leptos::ev::MouseEvent| {
                                use wasm_bindgen::JsCast as _;
                                let said = e
                                    .target()
                                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                                    .and_then(|el| el.get_attribute("data-says"));
                                if said.is_some() {
                                    picked.set(said);
                                }
                            };
                            view! {
                                <figure class="chart">
                                    <div inner_html=svg on:click=pick></div>
                                    <p class="picked" aria-live="polite" data-testid="chart-picked">{move || picked.get()}</p>
                                    <figcaption class="hint" data-testid="chart-summary">{summary}</figcaption>
                                    {in_range.map(|words| view! { <p class="hint" data-testid="time-in-range">{words}</p> })}
                                </figure>
                            }.into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <InlineError error=move || Some(e.clone()) /> }.into_any(),
                    }
                })}
            </Suspense>
            </Show>
        </section>
    }
}

/// A threshold field: its id, its label, and how to read and write it.
type Field = (
    &'static str,
    &'static str,
    fn(&ThresholdsView) -> f64,
    fn(&mut ThresholdsView, f64),
);

#[component]
fn Thresholds(data: DevicesData) -> impl IntoView {
    let saving = Action::new_local(move |wanted: &ThresholdsView| {
        let wanted = *wanted;
        async move {
            let thresholds = backend::call::<SetThresholds>(&wanted).await?;
            data.view.update(|v| v.thresholds = thresholds);
            Ok::<_, ApiError>(())
        }
    });
    let saved = saving.value();
    let fields: [Field; 8] = [
        (
            "systolic",
            "Blood pressure: top number at or above (mmHg)",
            |t| t.systolic_high,
            |t, v| t.systolic_high = v,
        ),
        (
            "diastolic",
            "Blood pressure: bottom number at or above (mmHg)",
            |t| t.diastolic_high,
            |t, v| t.diastolic_high = v,
        ),
        (
            "spo2",
            "Oxygen saturation below (%)",
            |t| t.spo2_low,
            |t, v| t.spo2_low = v,
        ),
        (
            "heart-rate",
            "Heart rate above (bpm)",
            |t| t.heart_rate_high,
            |t, v| t.heart_rate_high = v,
        ),
        (
            "glucose-low",
            "Blood glucose below (mmol/L)",
            |t| t.glucose_low,
            |t, v| t.glucose_low = v,
        ),
        (
            "glucose-high",
            "Blood glucose above (mmol/L)",
            |t| t.glucose_high,
            |t, v| t.glucose_high = v,
        ),
        (
            "temp-high",
            "Temperature at or above (°C)",
            |t| t.temperature_high,
            |t, v| t.temperature_high = v,
        ),
        (
            "temp-low",
            "Temperature below (°C)",
            |t| t.temperature_low,
            |t, v| t.temperature_low = v,
        ),
    ];
    let inputs: Vec<RwSignal<String>> = fields
        .iter()
        .map(|(_, _, get, _)| {
            RwSignal::new(format::tenths(get(&data.view.get_untracked().thresholds)))
        })
        .collect();
    let save = {
        let inputs = inputs.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut wanted = data.view.get_untracked().thresholds;
            for ((_, _, _, set), input) in fields.iter().zip(&inputs) {
                match format::decimal(&input.get_untracked()) {
                    Some(v) => set(&mut wanted, v),
                    // Said where a failed save is said.
                    None => {
                        saved.set(Some(Err(ApiError::new(
                            hale_api::ErrorCode::InvalidArgument,
                            "not a number",
                        ))));
                        return;
                    }
                }
            }
            saving.dispatch(wanted);
        }
    };
    view! {
        <details class="thresholds">
            <summary>"When to alert me"</summary>
            <p class="hint">"Hale alerts you when a reading crosses these. Agree any change with your care team."</p>
            <form on:submit=save data-testid="thresholds">
                {fields.iter().zip(inputs).map(|((id, label, _, _), input)| {
                    let input_id = format!("threshold-{id}");
                    view! {
                        <label for=input_id.clone()>{*label}</label>
                        <input id=input_id inputmode="decimal" prop:value=move || input.get() on:input=move |ev| input.set(event_target_value(&ev))/>
                    }
                }).collect_view()}
                <button type="submit" disabled=saving.pending()>"Save"</button>
            </form>
            {move || saved.with(|s| matches!(s, Some(Ok(())))).then(|| view! { <p class="hint" role="status">"Saved."</p> })}
            <InlineError error=failure(saving) />
        </details>
    }
}
