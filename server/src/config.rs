//! Settings from the environment (and the matching flags). A bad value stops start-up with one
//! line that names the variable.

use app::backend::config::{Config, MailTransport};
use std::net::SocketAddr;

#[derive(clap::Args, Debug, Clone)]
pub struct Settings {
    /// Where the data lives: sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = "sqlite://./data/usher.db",
        global = true
    )]
    pub database_url: String,
    /// The address to listen on.
    #[arg(
        long = "addr",
        env = "LEPTOS_SITE_ADDR",
        hide_env_values = true,
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub site_addr: String,
    /// The URL people use to reach Usher; emailed links start with it. Defaults to http://ADDR.
    #[arg(long, env = "USHER_PUBLIC_URL", hide_env_values = true, global = true)]
    pub public_url: Option<String>,
    /// Outgoing mail server, smtp://user:pass@host:port or smtps://…; without it mail is
    /// written as .eml files under ./data/mail.
    #[arg(long, env = "SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,
    /// Where .eml files go when there is no SMTP_URL.
    #[arg(
        long,
        env = "USHER_MAIL_DIR",
        hide_env_values = true,
        default_value = "./data/mail",
        global = true
    )]
    pub mail_dir: String,
    /// The From address of Usher's mail.
    #[arg(
        long,
        env = "USHER_MAIL_FROM",
        hide_env_values = true,
        default_value = "Usher <no-reply@usher.localhost>",
        global = true
    )]
    pub mail_from: String,
    /// Told (POST, JSON) when a user is permanently deleted, e.g. an identity provider's hook.
    #[arg(
        long,
        env = "USHER_EXTERNAL_DIRECTORY_URL",
        hide_env_values = true,
        global = true
    )]
    pub external_directory_url: Option<String>,
    /// Bearer token for the external directory.
    #[arg(
        long,
        env = "USHER_EXTERNAL_DIRECTORY_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub external_directory_token: Option<String>,
    /// Sign-in attempts allowed per IP address per minute.
    #[arg(
        long,
        env = "USHER_SIGN_IN_PER_IP_PER_MINUTE",
        hide_env_values = true,
        default_value = "60",
        global = true
    )]
    pub sign_in_per_ip_per_minute: String,
    /// Minutes without activity after which a session ends.
    #[arg(
        long,
        env = "USHER_SESSION_IDLE_MINUTES",
        hide_env_values = true,
        default_value = "120",
        global = true
    )]
    pub session_idle_minutes: String,
    /// Hours after sign-in at which a session ends, however active.
    #[arg(
        long,
        env = "USHER_SESSION_MAX_HOURS",
        hide_env_values = true,
        default_value = "12",
        global = true
    )]
    pub session_max_hours: String,
}

fn positive(variable: &str, value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "{variable}: `{value}` is not a whole number above zero"
        )),
    }
}

impl Settings {
    pub fn database_url(&self) -> Result<String, String> {
        let url = self.database_url.trim();
        if url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://")
        {
            Ok(url.to_string())
        } else {
            Err(format!(
                "DATABASE_URL: `{url}` is neither sqlite://PATH nor postgres://USER@HOST/DATABASE"
            ))
        }
    }

    pub fn addr(&self) -> Result<SocketAddr, String> {
        self.site_addr.trim().parse().map_err(|_| {
            format!(
                "LEPTOS_SITE_ADDR: `{}` is not an address like 127.0.0.1:3000",
                self.site_addr
            )
        })
    }

    pub fn config(&self) -> Result<Config, String> {
        let addr = self.addr()?;
        let public_url = match &self.public_url {
            Some(url) => {
                let url = url.trim();
                let valid = (url.starts_with("http://") || url.starts_with("https://"))
                    && url
                        .split("://")
                        .nth(1)
                        .is_some_and(|rest| !rest.is_empty() && !rest.contains(' '));
                if !valid {
                    return Err(format!(
                        "USHER_PUBLIC_URL: `{url}` is not an http:// or https:// address"
                    ));
                }
                url.to_string()
            }
            None => format!("http://{addr}"),
        };
        if let Some(smtp) = &self.smtp_url {
            if !(smtp.starts_with("smtp://") || smtp.starts_with("smtps://")) {
                return Err("SMTP_URL: must start with smtp:// or smtps://".to_string());
            }
        }
        let mut config = Config::for_public_url(&public_url);
        config.mail.transport = match &self.smtp_url {
            Some(url) => MailTransport::Smtp(url.trim().to_string()),
            None => MailTransport::Files(self.mail_dir.trim().into()),
        };
        if !app::backend::mail::is_valid_from(&self.mail_from) {
            return Err(format!(
                "USHER_MAIL_FROM: `{}` is not an address like Usher <no-reply@example.com>",
                self.mail_from
            ));
        }
        config.mail.from = self.mail_from.trim().to_string();
        if let Some(url) = &self.external_directory_url {
            let url = url.trim();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(
                    "USHER_EXTERNAL_DIRECTORY_URL: must start with http:// or https://".into(),
                );
            }
            config.external_directory_url = Some(url.to_string());
        }
        config.external_directory_token = self
            .external_directory_token
            .as_ref()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        config.sign_in_per_ip_per_minute = positive(
            "USHER_SIGN_IN_PER_IP_PER_MINUTE",
            &self.sign_in_per_ip_per_minute,
        )?;
        config.session_idle = chrono::TimeDelta::minutes(
            positive("USHER_SESSION_IDLE_MINUTES", &self.session_idle_minutes)?.into(),
        );
        config.session_max = chrono::TimeDelta::hours(
            positive("USHER_SESSION_MAX_HOURS", &self.session_max_hours)?.into(),
        );
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::Settings;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        settings: Settings,
    }

    fn settings(args: &[&str]) -> Settings {
        let mut argv = vec!["server"];
        argv.extend_from_slice(args);
        Args::try_parse_from(argv)
            .expect("arguments parse")
            .settings
    }

    #[test]
    fn defaults_give_a_local_sqlite_server() {
        let s = settings(&[]);
        assert_eq!(s.database_url().unwrap(), "sqlite://./data/usher.db");
        assert_eq!(s.addr().unwrap().to_string(), "127.0.0.1:3000");
        let config = s.config().unwrap();
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
        assert!(!config.secure_cookies);
    }

    #[test]
    fn an_https_public_url_turns_on_secure_cookies() {
        let config = settings(&["--public-url", "https://usher.example.com/"])
            .config()
            .unwrap();
        assert_eq!(config.public_url, "https://usher.example.com");
        assert!(config.secure_cookies);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: [(&[&str], &str); 6] = [
            (&["--database-url", "mysql://x"], "DATABASE_URL"),
            (&["--addr", "localhost"], "LEPTOS_SITE_ADDR"),
            (&["--public-url", "usher.example.com"], "USHER_PUBLIC_URL"),
            (&["--smtp-url", "mail.example.com"], "SMTP_URL"),
            (
                &["--sign-in-per-ip-per-minute", "0"],
                "USHER_SIGN_IN_PER_IP_PER_MINUTE",
            ),
            (
                &["--session-idle-minutes", "ten"],
                "USHER_SESSION_IDLE_MINUTES",
            ),
        ];
        for (args, variable) in cases {
            let s = settings(args);
            let error = s.database_url().and_then(|_| s.config()).unwrap_err();
            assert!(error.starts_with(variable), "{args:?}: {error}");
        }
    }
}
