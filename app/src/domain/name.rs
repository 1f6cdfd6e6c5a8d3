use serde::{Deserialize, Serialize};

/// A person's display name: trimmed, 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Enter a name.")]
    Empty,
    #[error("This name is too long (at most 200 characters).")]
    TooLong,
    #[error("The name contains characters that cannot be shown.")]
    ControlCharacters,
}

impl PersonName {
    pub const MAX_LEN: usize = 200;

    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        if trimmed.len() > 4 * Self::MAX_LEN || trimmed.chars().count() > Self::MAX_LEN {
            return Err(NameError::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(NameError::ControlCharacters);
        }
        Ok(Self(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            PersonName::parse("  Zoë O'Brien ").unwrap().as_str(),
            "Zoë O'Brien"
        );
        assert_eq!(PersonName::parse("李小龍").unwrap().as_str(), "李小龍");
        assert_eq!(PersonName::parse(" ").unwrap_err(), NameError::Empty);
        assert_eq!(
            PersonName::parse(&"x".repeat(201)).unwrap_err(),
            NameError::TooLong
        );
        assert!(PersonName::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            PersonName::parse("a\u{0}b").unwrap_err(),
            NameError::ControlCharacters
        );
    }
}
