//! The badge that says how long a customer's trial has left, or that it has expired.

use canopy_shared::{trial, CustomerState};
use leptos::prelude::*;

/// Where a customer stands in its trial, as the badge says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrialStatus {
    /// In trial, with whole days left when the end is known.
    Running(Option<i64>),
    Expired,
}

impl TrialStatus {
    /// The status at `now_ms`; `None` for customers in production. The server's state decides
    /// whether a trial runs; the clock only counts its days (and catches one that ended since).
    pub fn at(state: CustomerState, expires_ms: Option<i64>, now_ms: i64) -> Option<Self> {
        match state {
            CustomerState::InProduction => None,
            CustomerState::TrialExpired => Some(Self::Expired),
            CustomerState::InTrial => match expires_ms.map(|e| trial::days_left(e, now_ms)) {
                Some(0) => Some(Self::Expired),
                days => Some(Self::Running(days)),
            },
        }
    }

    /// The badge's text.
    pub fn text(self) -> String {
        match self {
            Self::Running(Some(1)) => "Trial: 1 day left".into(),
            Self::Running(Some(days)) => format!("Trial: {days} days left"),
            Self::Running(None) => "Trial".into(),
            Self::Expired => "Trial expired".into(),
        }
    }
}

/// Parses an RFC 3339 instant with the browser's clock library, in Unix milliseconds.
fn parse_instant_ms(rfc3339: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(rfc3339);
    // Whole milliseconds since 1970 fit an i64 exactly.
    (!ms.is_nan()).then_some(ms as i64)
}

/// The trial badge of one customer; renders nothing for customers in production.
#[component]
pub fn TrialBadge(state: CustomerState, expires_at: Option<String>) -> impl IntoView {
    let expires_ms = expires_at.as_deref().and_then(parse_instant_ms);
    let status = TrialStatus::at(state, expires_ms, js_sys::Date::now() as i64);
    // The date part of RFC 3339 is the day the trial ends (UTC).
    let title = expires_at.map(|at| format!("Trial ends {}", at.get(..10).unwrap_or(&at)));
    status.map(|status| {
        let class = match status {
            TrialStatus::Running(_) => "badge trial",
            TrialStatus::Expired => "badge trial expired",
        };
        view! {
            <span class=class title=title data-testid="trial-badge">
                {status.text()}
            </span>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 60 * 60 * 1000;

    #[test]
    fn production_customers_have_no_badge() {
        assert_eq!(TrialStatus::at(CustomerState::InProduction, None, 0), None);
    }

    #[test]
    fn a_running_trial_counts_whole_days_up() {
        let status = TrialStatus::at(CustomerState::InTrial, Some(30 * DAY), 1).unwrap();
        assert_eq!(status.text(), "Trial: 30 days left");
        let status = TrialStatus::at(CustomerState::InTrial, Some(DAY), 1).unwrap();
        assert_eq!(status.text(), "Trial: 1 day left");
        let status = TrialStatus::at(CustomerState::InTrial, None, 1).unwrap();
        assert_eq!(status.text(), "Trial");
    }

    #[test]
    fn an_expired_trial_says_so_whoever_noticed_first() {
        let by_server = TrialStatus::at(CustomerState::TrialExpired, Some(DAY), 0);
        assert_eq!(by_server, Some(TrialStatus::Expired));
        let by_clock = TrialStatus::at(CustomerState::InTrial, Some(DAY), 2 * DAY);
        assert_eq!(by_clock.unwrap().text(), "Trial expired");
    }
}
