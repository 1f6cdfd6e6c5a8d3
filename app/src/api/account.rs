use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One of my sessions, described for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: uuid::Uuid,
    pub browser: String,
    pub ip: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use super::context;
    use crate::backend::users::{self, PasswordChange};
    let (state, me) = context::require_session_for_password_change().await?;
    let form = PasswordChange {
        current: current_password,
        new: new_password,
        confirm: confirm_password,
    };
    users::change_own_password(
        &state.db,
        &state.passwords,
        &state.limiter,
        &me,
        form,
        context::meta(),
        context::now(),
    )
    .await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    use super::context;
    use crate::backend::sessions;
    let (state, me) = context::require_session().await?;
    let list =
        sessions::list_for_user(state.db.read(), me.user.id, &state.config, context::now()).await?;
    Ok(list
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            browser: describe_user_agent(s.user_agent.as_deref().unwrap_or("")),
            ip: s.ip.unwrap_or_else(|| "unknown".into()),
            created: s.created_at.format("%-d %b %Y, %H:%M UTC").to_string(),
            last_seen: s.last_seen_at.format("%-d %b %Y, %H:%M UTC").to_string(),
            current: s.id == me.session_id,
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "end_my_session")]
pub async fn end_my_session(id: uuid::Uuid) -> Result<(), AppError> {
    use super::context;
    use crate::backend::sessions;
    let (state, me) = context::require_session().await?;
    let ended = sessions::end_own(&state.db, &me, id, context::meta(), context::now()).await?;
    state.events.publish([ended]);
    Ok(())
}

/// "Firefox on Linux" from a user-agent header; good enough to recognise one's own devices.
pub fn describe_user_agent(ua: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => "Unknown device".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_user_agent;

    #[test]
    fn user_agents_read_as_devices() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(describe_user_agent(chrome), "Chrome on Linux");
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0";
        assert_eq!(describe_user_agent(firefox), "Firefox on Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(safari), "Safari on iOS");
        assert_eq!(describe_user_agent(""), "Unknown device");
    }
}
