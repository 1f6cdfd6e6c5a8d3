//! Times as people read them.

use chrono::{DateTime, Utc};

/// `21 Nov 2026, 14:05 UTC`
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// `in 6 days`, `3 hours ago`, `in 5 minutes`.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = t - now;
    let secs = delta.num_seconds().abs();
    let (n, unit) = if secs < 3600 {
        ((secs / 60).max(1), "minute")
    } else if secs < 86_400 * 2 {
        (secs / 3600, "hour")
    } else {
        (secs / 86_400, "day")
    };
    let amount = format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if delta.num_seconds() >= 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn reads_like_speech() {
        let now = Utc::now();
        assert_eq!(
            relative(now + TimeDelta::days(6) + TimeDelta::minutes(1), now),
            "in 6 days"
        );
        assert_eq!(relative(now - TimeDelta::hours(3), now), "3 hours ago");
        assert_eq!(relative(now + TimeDelta::seconds(20), now), "in 1 minute");
        assert_eq!(relative(now - TimeDelta::hours(30), now), "30 hours ago");
    }
}
