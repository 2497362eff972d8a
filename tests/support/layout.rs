//! What a person checks by eye on each screen, measured from the page's own element boxes: no
//! sideways scrolling, every control inside its card, no two controls on top of each other,
//! nothing cut off at the window's edges, touch targets of at least 44 × 44 CSS px, and the tab
//! bar kept in view while the page scrolls.

use crate::RunningApp;

/// The sizes every screen is checked at: a desktop window and a phone.
pub const DESKTOP: (u32, u32) = (1280, 800);
pub const PHONE: (u32, u32) = (390, 844);

/// The page's script: returns a list of problems, each in words naming the elements.
const CHECK: &str = r#"
const problems = [];
const name = (e) => {
  const id = e.getAttribute('data-testid');
  const text = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 30);
  return `${e.tagName.toLowerCase()}${id ? '[' + id + ']' : ''} "${text}"`;
};
const visible = (e) => {
  const r = e.getBoundingClientRect();
  const s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
};
const W = window.innerWidth;
// What can be seen of an element: its box cut by every ancestor that clips (a scrolling strip
// shows part of its row; the rest is scrolled away, not cut off). Null when nothing shows.
const shown = (e) => {
  const r = e.getBoundingClientRect();
  let [l, t, rt, b] = [r.left, r.top, r.right, r.bottom];
  for (let p = e.parentElement; p && p !== document.documentElement; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
    const q = p.getBoundingClientRect();
    [l, t, rt, b] = [Math.max(l, q.left), Math.max(t, q.top), Math.min(rt, q.right), Math.min(b, q.bottom)];
  }
  return rt - l > 1 && b - t > 1 ? { left: l, top: t, right: rt, bottom: b, width: rt - l, height: b - t } : null;
};
if (document.documentElement.scrollWidth > W + 1) {
  problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide in a ${W} px window`);
}
// Under an open modal dialog only its own controls can be reached.
const modal = [...document.querySelectorAll('[aria-modal=true]')].filter(visible).pop();
const controls = [...(modal || document).querySelectorAll('button, a[href], input, select, textarea, [role=button]')]
  .filter(visible)
  .filter((c) => shown(c) !== null);
// A checkbox is touched through its label too: the box and its labels together.
const touchBox = (c) => {
  const r = c.getBoundingClientRect();
  if (!c.matches('input[type=checkbox], input[type=radio]') || !c.labels) return r;
  let [l, t, rt, b] = [r.left, r.top, r.right, r.bottom];
  for (const label of c.labels) {
    const q = label.getBoundingClientRect();
    [l, t, rt, b] = [Math.min(l, q.left), Math.min(t, q.top), Math.max(rt, q.right), Math.max(b, q.bottom)];
  }
  return { width: rt - l, height: b - t };
};
const inNav = (e) => !!e.closest('.main-nav');
for (const c of controls) {
  const r = shown(c);
  if (r.left < -1 || r.right > W + 1) {
    problems.push(`${name(c)} is cut off at the window's edge (${Math.round(r.left)}–${Math.round(r.right)} of ${W})`);
  }
  const card = c.closest('.card, [role=dialog]');
  if (card && card.matches('.card')) {
    const k = card.getBoundingClientRect();
    if (r.left < k.left - 1 || r.right > k.right + 1 || r.top < k.top - 1 || r.bottom > k.bottom + 1) {
      problems.push(`${name(c)} sticks out of its card`);
    }
  }
  const t = touchBox(c);
  const small = t.width < 43.5 || t.height < 43.5;
  if (small) {
    problems.push(`${name(c)} is smaller than 44 × 44 px (${Math.round(t.width)} × ${Math.round(t.height)})`);
  }
  if (c.matches('button') && c.scrollWidth > c.clientWidth + 1) {
    problems.push(`${name(c)} has words wider than itself (${c.scrollWidth} px in ${c.clientWidth})`);
  }
}
for (let i = 0; i < controls.length; i++) {
  for (let j = i + 1; j < controls.length; j++) {
    const a = controls[i], b = controls[j];
    if (a.contains(b) || b.contains(a) || inNav(a) !== inNav(b)) continue;
    const p = shown(a), q = shown(b);
    const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (w > 1 && h > 1) problems.push(`${name(a)} and ${name(b)} overlap`);
  }
}
return problems;
"#;

/// Whether the tab bar (or rail) is on screen after the page scrolled to its end.
const NAV_IN_VIEW: &str = r#"
window.scrollTo(0, document.documentElement.scrollHeight);
const nav = document.querySelector('.main-nav');
if (!nav) return 'no navigation';
const r = nav.getBoundingClientRect();
const inView = r.top >= -1 && r.bottom <= window.innerHeight + 1 && r.height > 0;
window.scrollTo(0, 0);
return inView ? '' : `the navigation left the screen (top ${Math.round(r.top)}, bottom ${Math.round(r.bottom)})`;
"#;

impl RunningApp {
    /// Sets the window's size (its page then lays out for it).
    pub async fn set_size(&self, (width, height): (u32, u32)) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("the window could not be set to {width}x{height}: {e}"));
        // Wait for the layout to follow.
        for _ in 0..50 {
            let inner = self
                .client
                .execute("return window.innerWidth;", vec![])
                .await
                .ok()
                .and_then(|v| v.as_u64());
            if inner == Some(u64::from(width)) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the page never became {width} px wide");
    }

    /// The patient app's layout problems on the screen as shown now, each in words; empty
    /// when it is sound. The boxes' checks, and the navigation kept in view.
    pub async fn layout_problems(&self) -> Vec<String> {
        let mut problems = self.box_problems().await;
        let nav = self
            .client
            .execute(NAV_IN_VIEW, vec![])
            .await
            .expect("scroll the page");
        if let Some(problem) = nav.as_str().filter(|p| !p.is_empty()) {
            problems.push(problem.to_owned());
        }
        problems
    }

    /// Overlap, clipping, sideways scrolling and small targets, for a screen with no
    /// navigation (the kiosk).
    pub async fn box_problems(&self) -> Vec<String> {
        self.client
            .execute(CHECK, vec![])
            .await
            .expect("measure the page")
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}
