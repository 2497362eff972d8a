//! How WebKitGTK is set up for Hale's windows, before GTK starts. Measured with the start-up
//! bench (`tests/bench/startup.rs`, BENCHMARKS.md), and kept only where it helped.
//!
//! - **No accelerated compositing.** Hale's screens are flat documents with little motion, and
//!   WebKit's compositor (a GL context and its layers, in software where there is no GPU) costs
//!   more than it gives them: without it the home screen shows about 60 ms sooner and the
//!   window's processes hold about 84 MiB less (PSS). Set as WebKit's own environment variable,
//!   which its web processes inherit and which WebKit reads by its presence alone, so a user
//!   who wants the compositor back says so with Hale's own variable, [`KEEP_COMPOSITING`].

/// Set (to anything) to leave WebKit's compositing as WebKit chooses.
pub const KEEP_COMPOSITING: &str = "HALE_WEBKIT_COMPOSITING";

/// The environment WebKitGTK reads, and the value Hale gives it.
const SETTINGS: &[(&str, &str)] = &[("WEBKIT_DISABLE_COMPOSITING_MODE", "1")];

/// The variables to set, given which the environment already holds.
fn to_set(existing: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    if existing(KEEP_COMPOSITING) {
        return Vec::new();
    }
    SETTINGS
        .iter()
        .copied()
        .filter(|(name, _)| !existing(name))
        .collect()
}

/// Sets them. Called first thing in `run`, while the process has one thread: the environment
/// is not safe to change once others may read it.
pub fn prepare() {
    for (name, value) in to_set(|name| std::env::var_os(name).is_some()) {
        std::env::set_var(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::to_set;

    #[test]
    fn compositing_is_turned_off_unless_the_user_chose_otherwise() {
        assert_eq!(
            to_set(|_| false),
            [("WEBKIT_DISABLE_COMPOSITING_MODE", "1")]
        );
        assert!(to_set(|name| name == "WEBKIT_DISABLE_COMPOSITING_MODE").is_empty());
        assert!(to_set(|name| name == super::KEEP_COMPOSITING).is_empty());
    }
}
