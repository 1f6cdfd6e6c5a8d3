//! Where a directory page starts: per source (users, pending invitations), the sort key and id
//! of the last row taken, carried through the URL as text.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A row's place in the sort order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Key {
    Text(String),
    /// `None` sorts after every time (never signed in).
    Time(Option<DateTime<Utc>>),
}

/// Where one source stopped: the key and id of the last row taken from it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mark {
    pub key: Key,
    pub id: Uuid,
}

/// Where the next page starts, per source. A finished source is not read again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Mark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitations: Option<Mark>,
    #[serde(default)]
    pub users_done: bool,
    #[serde(default)]
    pub invitations_done: bool,
    /// How many rows the pages before this one showed, so a page can say "51–100 of …".
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shown: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Cursor {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A cursor from the URL; anything longer than two sort keys of the longest email and two
    /// ids could be is no cursor Usher wrote, and is ignored unread (it would also be a page
    /// cache key).
    pub fn decode(text: &str) -> Option<Self> {
        if text.len() > Self::MAX_LEN {
            return None;
        }
        serde_json::from_str(text).ok()
    }

    pub const MAX_LEN: usize = 2048;
}
