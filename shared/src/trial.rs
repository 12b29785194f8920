//! The 30-day trial and the state it gives a customer at a point in time.

use crate::CustomerState;

/// How long a trial lasts.
pub const TRIAL_DAYS: i64 = 30;
/// [`TRIAL_DAYS`] in milliseconds, the unit timestamps are stored in.
pub const TRIAL_MILLIS: i64 = TRIAL_DAYS * 24 * 60 * 60 * 1000;

/// The state at `now_ms` of a customer whose trial (if any) ends at `trial_expires_at_ms` and
/// that was (or was not) converted to production. All times are Unix milliseconds.
pub fn state_at(trial_expires_at_ms: Option<i64>, converted: bool, now_ms: i64) -> CustomerState {
    match trial_expires_at_ms {
        Some(_) if converted => CustomerState::InProduction,
        Some(expires) if now_ms < expires => CustomerState::InTrial,
        Some(_) => CustomerState::TrialExpired,
        None => CustomerState::InProduction,
    }
}

/// Whole days left in a trial at `now_ms` (0 once expired), for the app's trial badge.
pub fn days_left(trial_expires_at_ms: i64, now_ms: i64) -> i64 {
    const DAY: i64 = 24 * 60 * 60 * 1000;
    ((trial_expires_at_ms - now_ms).max(0) + DAY - 1) / DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trial_expires_at_its_instant() {
        let created = 1_000;
        let expires = created + TRIAL_MILLIS;
        assert_eq!(
            state_at(Some(expires), false, created),
            CustomerState::InTrial
        );
        assert_eq!(
            state_at(Some(expires), false, expires - 1),
            CustomerState::InTrial
        );
        assert_eq!(
            state_at(Some(expires), false, expires),
            CustomerState::TrialExpired
        );
        assert_eq!(
            state_at(Some(expires), true, expires + 5),
            CustomerState::InProduction
        );
        assert_eq!(state_at(None, false, expires), CustomerState::InProduction);
    }

    #[test]
    fn days_left_rounds_up() {
        assert_eq!(days_left(TRIAL_MILLIS, 0), 30);
        assert_eq!(days_left(TRIAL_MILLIS, 1), 30);
        assert_eq!(days_left(TRIAL_MILLIS, TRIAL_MILLIS), 0);
        assert_eq!(days_left(0, TRIAL_MILLIS), 0);
    }
}
