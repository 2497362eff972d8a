//! State built after the window opens. The patient window is created first, so the webview
//! starts loading while the store opens, the embedded hospital starts and the background tasks
//! spawn, side by side; a command that arrives before then waits here for what it needs.

use std::sync::OnceLock;

use tokio::sync::Notify;

/// A value set once, after start, that commands wait for. Managed empty in `setup` (so every
/// command's state resolves from the first moment) and filled when start-up finishes.
#[derive(Debug)]
pub struct Ready<T> {
    value: OnceLock<T>,
    set: Notify,
}

impl<T> Default for Ready<T> {
    fn default() -> Self {
        Self {
            value: OnceLock::new(),
            set: Notify::new(),
        }
    }
}

impl<T> Ready<T> {
    /// Sets the value and wakes everything waiting for it. A second value is refused: state is
    /// built once per start.
    pub fn set(&self, value: T) -> Result<(), T> {
        let result = self.value.set(value);
        self.set.notify_waiters();
        result
    }

    /// The value, if start-up has set it.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, once start-up has set it.
    pub async fn wait(&self) -> &T {
        // Every command after start-up: no waiter to register.
        if let Some(value) = self.value.get() {
            return value;
        }
        loop {
            // Registered before the value is read again, so a `set` in between is not missed.
            let notified = self.set.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(value) = self.value.get() {
                return value;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::Ready;

    #[tokio::test]
    async fn a_command_that_comes_early_waits_for_the_state_and_then_gets_it() {
        let ready = Arc::new(Ready::<u32>::default());
        let waiting = tokio::spawn({
            let ready = Arc::clone(&ready);
            async move { *ready.wait().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "nothing to get yet");
        assert_eq!(ready.get(), None);
        ready.set(7).unwrap();
        assert_eq!(waiting.await.unwrap(), 7);
        assert_eq!(*ready.wait().await, 7, "later commands get it at once");
    }

    #[test]
    fn the_state_is_set_once() {
        let ready = Ready::default();
        ready.set(1).unwrap();
        assert_eq!(ready.set(2), Err(2));
        assert_eq!(ready.get(), Some(&1));
    }
}
