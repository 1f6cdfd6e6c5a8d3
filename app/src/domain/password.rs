//! The rule for a new password: long rather than complicated (NIST SP 800-63B).

/// A password that passed the policy. Deliberately not `Serialize`: it never crosses the wire back.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least 12 characters; a few unrelated words make a good password.")]
    TooShort,
    #[error("Use at most 1,024 characters.")]
    TooLong,
    #[error("This password is too common; choose something others would not guess.")]
    Common,
    #[error("Do not use your email address or name as the password.")]
    Personal,
}

const COMMON: &str = include_str!("common_passwords.txt");

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 1024;

    /// `personal` holds what must not be the password (the email, the name).
    pub fn parse(input: &str, personal: &[&str]) -> Result<Self, PasswordError> {
        if input.len() > 4 * Self::MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let count = input.chars().count();
        if count < Self::MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if count > Self::MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let lowered = input.to_lowercase();
        let first = input.chars().next();
        let one_repeated_char = input.chars().all(|c| Some(c) == first);
        if one_repeated_char || COMMON.lines().any(|common| common == lowered) {
            return Err(PasswordError::Common);
        }
        let is_personal = personal.iter().map(|p| p.trim().to_lowercase()).any(|p| {
            !p.is_empty() && (lowered == p || p.split('@').next() == Some(lowered.as_str()))
        });
        if is_personal {
            return Err(PasswordError::Personal);
        }
        Ok(Self(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_table() {
        let cases: &[(&str, Result<(), PasswordError>)] = &[
            ("short", Err(PasswordError::TooShort)),
            ("elevenchars", Err(PasswordError::TooShort)),
            ("twelve chars", Ok(())),
            ("Password1234", Err(PasswordError::Common)),
            ("aaaaaaaaaaaaaaaa", Err(PasswordError::Common)),
            ("ada@example.com", Err(PasswordError::Personal)),
            ("Ada Lovelace", Err(PasswordError::Personal)),
            ("paper lantern river oak", Ok(())),
            ("пароль-длинный-очень", Ok(())),
            ("🦀🦀🦀 crab rave 🦀🦀🦀", Ok(())),
        ];
        for (input, expected) in cases {
            let got = NewPassword::parse(input, &["ada@example.com", "Ada Lovelace"]).map(|_| ());
            assert_eq!(&got, expected, "input {input:?}");
        }
        assert_eq!(
            NewPassword::parse(&"x1".repeat(513), &[]).unwrap_err(),
            PasswordError::TooLong
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let p = NewPassword::parse("a very secret phrase", &[]).unwrap();
        assert!(!format!("{p:?}").contains("secret"));
    }
}
