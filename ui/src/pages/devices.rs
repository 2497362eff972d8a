//! Devices: Bluetooth monitors the patient pairs, their links, the latest readings (flagged
//! when a threshold was crossed), charts over a day, week or month, and alert thresholds.
//! The shell's `DEVICES_EVENT`s keep the screen live while devices are scanned, connect, or
//! send readings.

use hale_api::{
    ApiError, ChartRange, DeviceArgs, DeviceEventView, DevicesView, DiscoveredView, ForgetDevice,
    GetDevices, GetReadings, NoArgs, PairArgs, PairDevice, ReadingKindView, ReadingsArgs, ScanArgs,
    ScanDevices, SetThresholds, ThresholdsView, DEVICES_EVENT,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend;
use crate::components::ErrorPanel;
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

#[derive(Clone, Copy)]
struct Screen {
    view: RwSignal<DevicesView>,
    error: RwSignal<Option<ApiError>>,
    /// Devices found while scanning, newest signal last.
    found: RwSignal<Vec<DiscoveredView>>,
    scanning: RwSignal<bool>,
    /// A device being paired (its id), so its button shows progress.
    pairing: RwSignal<Option<String>>,
    /// The last thing a device said that is worth showing (a live cuff pressure, a bad value).
    live: RwSignal<Option<String>>,
    alerts: RwSignal<Vec<String>>,
    /// Bumped when readings arrive, so the chart reloads.
    readings_changed: RwSignal<u32>,
}

impl Screen {
    fn reload(self) {
        spawn_local(async move {
            match backend::call::<GetDevices>(&NoArgs {}).await {
                Ok(view) => self.view.set(view),
                Err(e) => self.error.set(Some(e)),
            }
        });
    }

    fn event(self, event: DeviceEventView) {
        match event {
            DeviceEventView::Discovered(d) => self.found.update(|found| {
                found.retain(|f| f.id != d.id);
                found.push(d);
            }),
            DeviceEventView::Link { .. } => self.reload(),
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
            DeviceEventView::ReadingsStored { alerts, .. } => {
                if !alerts.is_empty() {
                    self.alerts.set(alerts);
                }
                self.live.set(None);
                self.readings_changed.update(|n| *n += 1);
                self.reload();
            }
            DeviceEventView::ReadingsRelayed { .. } | DeviceEventView::Unavailable { .. } => {
                self.reload()
            }
        }
    }
}

#[component]
fn Devices(initial: DevicesView) -> impl IntoView {
    let screen = Screen {
        view: RwSignal::new(initial),
        error: RwSignal::new(None),
        found: RwSignal::new(Vec::new()),
        scanning: RwSignal::new(false),
        pairing: RwSignal::new(None),
        live: RwSignal::new(None),
        alerts: RwSignal::new(Vec::new()),
        readings_changed: RwSignal::new(0),
    };
    let listener = StoredValue::new_local(Some(backend::listen_for::<DeviceEventView>(
        DEVICES_EVENT,
        move |e| screen.event(e),
    )));
    on_cleanup(move || {
        listener.update_value(|l| drop(l.take()));
        // Leaving the screen stops a scan the patient started (it costs battery).
        if screen.scanning.get_untracked() {
            spawn_local(async move {
                let _ = backend::call::<ScanDevices>(&ScanArgs { on: false }).await;
            });
        }
    });
    view! {
        {move || screen.view.get().unavailable.map(|why| view! {
            <div class="notice" role="status" data-testid="bluetooth-unavailable">
                {format!("Bluetooth is not available: {why}. Readings you already have are below.")}
            </div>
        })}
        {move || (!screen.alerts.get().is_empty()).then(|| view! {
            <div class="alert-panel" role="alert" data-testid="reading-alerts">
                <h2>"Check these readings"</h2>
                <ul>{screen.alerts.get().into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
                <p>"If you feel unwell, call your care team, or 999 in an emergency."</p>
                <button type="button" on:click=move |_| screen.alerts.set(Vec::new())>"Dismiss"</button>
            </div>
        })}
        {move || screen.error.get().map(|e| view! {
            <p class="inline-error" role="alert" data-testid="devices-error">{format::error_text(&e)}</p>
        })}
        {move || screen.live.get().map(|text| view! { <p class="hint" role="status" data-testid="device-live">{text}</p> })}
        <Paired screen />
        <Finder screen />
        <Latest screen />
        <Chart screen />
        <Thresholds screen />
    }
}

#[component]
fn Paired(screen: Screen) -> impl IntoView {
    let forget = move |id: String| {
        spawn_local(async move {
            match backend::call::<ForgetDevice>(&DeviceArgs { id }).await {
                Ok(view) => screen.view.set(view),
                Err(e) => screen.error.set(Some(e)),
            }
        });
    };
    view! {
        <section aria-labelledby="paired-heading">
            <h2 id="paired-heading">"Your devices"</h2>
            {move || {
                let devices = screen.view.get().devices;
                if devices.is_empty() {
                    return view! { <p class="hint" data-testid="no-devices">"No devices yet. Find one below."</p> }.into_any();
                }
                view! {
                    <ul class="devices" data-testid="paired-devices">
                        {devices.into_iter().map(|d| {
                            let id = d.id.clone();
                            view! {
                                <li class="card device" data-testid="paired-device">
                                    <h3>{d.name.clone()}</h3>
                                    <p class="hint">{format::device_kind_label(d.kind)}</p>
                                    <p data-testid="device-link">{format::link_words(&d.link)}</p>
                                    <button type="button" class="secondary" on:click=move |_| forget(id.clone())>"Forget this device"</button>
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
fn Finder(screen: Screen) -> impl IntoView {
    let toggle = move |_| {
        let on = !screen.scanning.get_untracked();
        spawn_local(async move {
            match backend::call::<ScanDevices>(&ScanArgs { on }).await {
                Ok(()) => {
                    screen.scanning.set(on);
                    if on {
                        screen.found.set(Vec::new());
                    }
                }
                Err(e) => screen.error.set(Some(e)),
            }
        });
    };
    let pair = move |d: DiscoveredView| {
        screen.pairing.set(Some(d.id.clone()));
        spawn_local(async move {
            let args = PairArgs {
                id: d.id.clone(),
                name: d.name.clone(),
                kind: d.kind,
            };
            match backend::call::<PairDevice>(&args).await {
                Ok(view) => {
                    screen.error.set(None);
                    screen.view.set(view);
                    screen.found.update(|f| f.retain(|x| x.id != d.id));
                }
                Err(e) => screen.error.set(Some(e)),
            }
            screen.pairing.set(None);
        });
    };
    view! {
        <section aria-labelledby="find-heading">
            <h2 id="find-heading">"Add a device"</h2>
            <p class="hint">"Switch the device on (or start a measurement) and keep it close."</p>
            <button type="button" data-testid="scan" on:click=toggle aria-pressed=move || screen.scanning.get().to_string()>
                {move || if screen.scanning.get() { "Stop looking" } else { "Look for devices" }}
            </button>
            {move || {
                let paired: Vec<String> = screen.view.get().devices.into_iter().map(|d| d.id).collect();
                let found: Vec<DiscoveredView> = screen.found.get().into_iter().filter(|d| !paired.contains(&d.id)).collect();
                if found.is_empty() {
                    return screen.scanning.get().then(|| view! {
                        <p class="hint" role="status" data-testid="scan-empty">"Looking for devices nearby…"</p>
                    }.into_any());
                }
                Some(view! {
                    <ul class="found" data-testid="found-devices">
                        {found.into_iter().map(|d| {
                            let id = d.id.clone();
                            let busy = Signal::derive(move || screen.pairing.get().as_deref() == Some(id.as_str()));
                            let label = format!("{}, {} ({})", d.name, format::device_kind_label(d.kind), format::signal_words(d.rssi));
                            let device = d.clone();
                            view! {
                                <li class="card" data-testid="found-device">
                                    <span>{label}</span>
                                    <button type="button" data-testid="pair" disabled=busy on:click=move |_| pair(device.clone())>
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
fn Latest(screen: Screen) -> impl IntoView {
    view! {
        <section aria-labelledby="latest-heading">
            <h2 id="latest-heading">"Latest readings"</h2>
            <p class="hint" data-testid="relay-status">{move || format::relay_words(screen.view.get().unsynced)}</p>
            {move || {
                let latest = screen.view.get().latest;
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
                                <span class="hint">{format!("{}{}", r.at.format("%e %b %H:%M"), r.device.map(|d| format!(", {d}")).unwrap_or_default())}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Chart(screen: Screen) -> impl IntoView {
    let kind = RwSignal::new(None::<ReadingKindView>);
    let range = RwSignal::new(ChartRange::Week);
    let chart = LocalResource::new(move || {
        let _ = screen.readings_changed.get();
        let chosen = kind
            .get()
            .or_else(|| screen.view.get_untracked().latest.first().map(|r| r.kind));
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
    view! {
        <section aria-labelledby="chart-heading">
            <h2 id="chart-heading">"Over time"</h2>
            <div class="segmented" role="group" aria-label="Reading">
                {move || screen.view.get().latest.into_iter().map(|r| {
                    let k = r.kind;
                    view! {
                        <button type="button" data-testid="chart-kind" aria-pressed=move || (kind.get().or_else(|| screen.view.get().latest.first().map(|r| r.kind)) == Some(k)).to_string()
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
                            let band = view.target_range.map(|t| (t.low, t.high));
                            let svg = format::readings_svg(&view.points, view.from.timestamp(), view.to.timestamp(), &summary, band);
                            let in_range = view.target_range.filter(|_| !view.points.is_empty())
                                .map(|t| format::time_in_range_words(&t, &view.unit));
                            view! {
                                <figure class="chart">
                                    <div inner_html=svg></div>
                                    <figcaption class="hint" data-testid="chart-summary">{summary}</figcaption>
                                    {in_range.map(|words| view! { <p class="hint" data-testid="time-in-range">{words}</p> })}
                                </figure>
                            }.into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="inline-error" role="alert">{format::error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
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
fn Thresholds(screen: Screen) -> impl IntoView {
    let saved = RwSignal::new(None::<Result<(), ApiError>>);
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
            RwSignal::new(format::tenths(get(&screen.view.get_untracked().thresholds)))
        })
        .collect();
    let save = {
        let inputs = inputs.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut wanted = screen.view.get_untracked().thresholds;
            for ((_, _, _, set), input) in fields.iter().zip(&inputs) {
                match format::decimal(&input.get_untracked()) {
                    Some(v) => set(&mut wanted, v),
                    None => {
                        saved.set(Some(Err(ApiError::new(
                            hale_api::ErrorCode::InvalidArgument,
                            "not a number",
                        ))));
                        return;
                    }
                }
            }
            spawn_local(async move {
                match backend::call::<SetThresholds>(&wanted).await {
                    Ok(t) => {
                        screen.view.update(|v| v.thresholds = t);
                        saved.set(Some(Ok(())));
                    }
                    Err(e) => saved.set(Some(Err(e))),
                }
            });
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
                <button type="submit">"Save"</button>
            </form>
            {move || saved.get().map(|r| match r {
                Ok(()) => view! { <p class="hint" role="status">"Saved."</p> }.into_any(),
                Err(e) => view! { <p class="inline-error" role="alert">{format::error_text(&e)}</p> }.into_any(),
            })}
        </details>
    }
}
