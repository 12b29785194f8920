//! Communication activities (calls, e-mails, meetings, notes) and whether they are past or
//! upcoming.

use serde::{Deserialize, Serialize};

/// What kind of communication an activity is.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityKind {
    /// A phone call.
    Call,
    /// An e-mail.
    Email,
    /// A meeting.
    Meeting,
    /// A note.
    Note,
}

impl ActivityKind {
    /// Every kind.
    pub const ALL: [ActivityKind; 4] = [Self::Call, Self::Email, Self::Meeting, Self::Note];

    /// The name as the API and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "CALL",
            Self::Email => "EMAIL",
            Self::Meeting => "MEETING",
            Self::Note => "NOTE",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the app labels the kind.
    pub fn label(self) -> &'static str {
        match self {
            Self::Call => "Call",
            Self::Email => "E-mail",
            Self::Meeting => "Meeting",
            Self::Note => "Note",
        }
    }
}

/// Whether an activity has happened or is planned, relative to now.
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityTiming {
    /// It happened: `occursAt` is now or earlier.
    Past,
    /// It is planned: `occursAt` is later than now.
    Upcoming,
}

impl ActivityTiming {
    /// Both timings, past first.
    pub const ALL: [ActivityTiming; 2] = [Self::Past, Self::Upcoming];

    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Past => "PAST",
            Self::Upcoming => "UPCOMING",
        }
    }

    /// How the app labels the timing.
    pub fn label(self) -> &'static str {
        match self {
            Self::Past => "Past",
            Self::Upcoming => "Upcoming",
        }
    }
}

/// The timing at `now_ms` of an activity that occurs at `occurs_at_ms` (Unix milliseconds):
/// an activity becomes past at its very instant.
pub fn timing_at(occurs_at_ms: i64, now_ms: i64) -> ActivityTiming {
    if occurs_at_ms > now_ms {
        ActivityTiming::Upcoming
    } else {
        ActivityTiming::Past
    }
}

/// The longest subject.
pub const SUBJECT_MAX_CHARS: usize = 200;
/// The longest notes.
pub const NOTES_MAX_CHARS: usize = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_activity_is_past_from_its_instant_on() {
        assert_eq!(timing_at(1_001, 1_000), ActivityTiming::Upcoming);
        assert_eq!(timing_at(1_000, 1_000), ActivityTiming::Past);
        assert_eq!(timing_at(999, 1_000), ActivityTiming::Past);
    }

    #[test]
    fn kinds_round_trip() {
        for kind in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ActivityKind::parse("FAX"), None);
    }
}
