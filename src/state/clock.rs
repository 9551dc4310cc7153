//! The time understudy stamps on stored objects: frozen for snapshot tests, or the system's.

use chrono::{DateTime, SecondsFormat, Utc};

#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    Frozen(DateTime<Utc>),
    #[default]
    System,
}

impl Clock {
    /// `system`, or an RFC 3339 instant to freeze at.
    pub fn parse(text: &str) -> Result<Clock, String> {
        if text == "system" {
            return Ok(Clock::System);
        }
        DateTime::parse_from_rfc3339(text)
            .map(|t| Clock::Frozen(t.with_timezone(&Utc)))
            .map_err(|e| {
                format!("expected `system` or an RFC 3339 time such as 2024-01-01T00:00:00Z: {e}")
            })
    }

    /// Now, as an RFC 3339 string in UTC (`2024-01-01T00:00:00Z`).
    pub fn now(&self) -> String {
        let now = match self {
            Clock::Frozen(t) => *t,
            Clock::System => Utc::now(),
        };
        // Written once per second and thread: every answer and journal entry asks.
        thread_local! {
            static WRITTEN: std::cell::RefCell<(i64, String)> =
                const { std::cell::RefCell::new((i64::MIN, String::new())) };
        }
        WRITTEN.with_borrow_mut(|(second, text)| {
            if *second != now.timestamp() {
                *second = now.timestamp();
                *text = now.to_rfc3339_opts(SecondsFormat::Secs, true);
            }
            text.clone()
        })
    }
}
