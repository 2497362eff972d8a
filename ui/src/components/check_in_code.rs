//! The booking reference as a check-in code: a button that opens it full screen, as a QR code
//! for the kiosk's scanner and the reference in large type for reception. Works offline: it
//! needs nothing but the reference.

use leptos::prelude::*;

#[component]
pub fn CheckInCode(
    reference: String,
    /// The card's main action (filled), or one among others (outlined).
    #[prop(optional)]
    main: bool,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let opener = NodeRef::<leptos::html::Button>::new();
    let close = NodeRef::<leptos::html::Button>::new();
    // The focus moves into the code screen, and back to its button when it closes.
    Effect::new(move |was_open: Option<bool>| {
        let now_open = open.get();
        let target = if now_open { close.get() } else { opener.get() };
        if was_open.is_some_and(|w| w != now_open) || now_open {
            if let Some(button) = target {
                let _ = button.focus();
            }
        }
        now_open
    });
    let title = format!("code-title-{reference}");
    let label = format!("QR code of booking reference {reference}");
    let svg = crate::qr::svg(&reference);
    view! {
        <button type="button" class=if main { "" } else { "secondary" } data-testid="show-code"
            node_ref=opener aria-haspopup="dialog" on:click=move |_| open.set(true)>"Show check-in code"</button>
        <Show when=move || open.get()>
            <div class="code-screen" role="dialog" aria-modal="true" aria-labelledby=title.clone()
                data-testid="code-screen"
                on:keydown=move |e| match e.key().as_str() {
                    "Escape" => open.set(false),
                    // Close is the screen's only control: the focus stays on it.
                    "Tab" => e.prevent_default(),
                    _ => {}
                }>
                <h2 id=title.clone()>"Your check-in code"</h2>
                <div class="qr" role="img" aria-label=label.clone() data-testid="qr" inner_html=svg.clone()></div>
                <p class="code-reference" data-testid="code-reference">{reference.clone()}</p>
                <p class="hint">"Scan it at a check-in kiosk, or show it at reception, with your date of birth."</p>
                <button type="button" node_ref=close data-testid="close-code" on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </Show>
    }
}
