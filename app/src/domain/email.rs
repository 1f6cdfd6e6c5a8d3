use serde::{Deserialize, Serialize};

/// An email address as typed (trimmed), compared and stored case-insensitively.
/// Parse, don't validate: the only way to get one is `Email::parse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Email {
    display: String,
    normalized: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("This email address is too long (at most 254 characters).")]
    TooLong,
    #[error("Enter an email address like name@example.com.")]
    Malformed,
}

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        // By bytes first (at most four a character), so a long input costs nothing to refuse.
        if trimmed.len() > 4 * Self::MAX_LEN || trimmed.chars().count() > Self::MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_ok = !local.is_empty()
            && local.chars().count() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        let chars_ok = trimmed
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\\\"".contains(c))
            && !local.contains('@');
        if !(local_ok && domain_ok && chars_ok) {
            return Err(EmailError::Malformed);
        }
        Ok(Self {
            display: trimmed.to_string(),
            normalized: trimmed.to_lowercase(),
        })
    }

    /// The address as the person typed it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The form used for uniqueness and look-ups.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.normalized == other.normalized
    }
}

impl Eq for Email {}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_compares_case_insensitively() {
        let a = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
        let b = Email::parse("ada.lovelace@example.com").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "Ada.Lovelace@Example.COM");
        assert_eq!(a.normalized(), "ada.lovelace@example.com");
    }

    #[test]
    fn accepts_plus_addressing_and_unicode_domains() {
        for ok in [
            "a+tag@example.com",
            "x@sub.example.co.uk",
            "jörg@exämple.de",
            "o'neil@example.ie",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok} should parse");
        }
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("plainaddress", EmailError::Malformed),
            ("@example.com", EmailError::Malformed),
            ("a@", EmailError::Malformed),
            ("a@localhost", EmailError::Malformed),
            ("a b@example.com", EmailError::Malformed),
            ("a@@example.com", EmailError::Malformed),
            (".a@example.com", EmailError::Malformed),
            ("a..b@example.com", EmailError::Malformed),
            ("a@example..com", EmailError::Malformed),
            ("a@-example.com", EmailError::Malformed),
            ("<a@example.com>", EmailError::Malformed),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Email::parse(input).unwrap_err(),
                expected,
                "input {input:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err(), EmailError::TooLong);
    }
}
