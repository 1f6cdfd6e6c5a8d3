//! The User Directory's orders: a column and which way it reads, as the URL carries them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Sort {
    /// Name, A to Z.
    #[default]
    Name,
    /// Account email, A to Z.
    Email,
    /// Last sign-in, most recent first; never signed in last.
    LastSignIn,
    /// Created, newest first.
    Created,
}

impl Sort {
    pub fn parse(text: &str) -> Self {
        match text {
            "email" => Self::Email,
            "last_sign_in" => Self::LastSignIn,
            "created" => Self::Created,
            _ => Self::Name,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::LastSignIn => "last_sign_in",
            Self::Created => "created",
        }
    }

    /// The way a column reads first: names and emails A to Z, times newest first.
    pub fn natural(self) -> Direction {
        match self {
            Self::Name | Self::Email => Direction::Ascending,
            Self::LastSignIn | Self::Created => Direction::Descending,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ascending => "asc",
            Self::Descending => "desc",
        }
    }

    pub fn flipped(self) -> Self {
        match self {
            Self::Ascending => Self::Descending,
            Self::Descending => Self::Ascending,
        }
    }
}

/// A column and which way it reads. `reversed` is the exact mirror of the column's natural
/// order, ties (broken by id) included: Last sign-in reversed starts with those who never
/// signed in, then the longest ago — the stalest accounts first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Order {
    pub by: Sort,
    pub reversed: bool,
}

impl From<Sort> for Order {
    fn from(by: Sort) -> Self {
        Self {
            by,
            reversed: false,
        }
    }
}

impl Order {
    /// An order from the URL: a column (`email`) and, for the other way, `_asc` or `_desc`
    /// after it (`email_desc`, `created_asc`); the column's natural way needs no suffix but
    /// takes it. Anything else is by name, A to Z.
    pub fn parse(text: &str) -> Self {
        let (column, way) = match text.rsplit_once('_') {
            Some((column, "asc")) => (column, Some(Direction::Ascending)),
            Some((column, "desc")) => (column, Some(Direction::Descending)),
            _ => (text, None),
        };
        let by = Sort::parse(column);
        if by == Sort::Name && !matches!(column, "" | "name") {
            return Self::default();
        }
        Self {
            by,
            reversed: way.is_some_and(|way| way != by.natural()),
        }
    }

    /// The URL's value for this order (`""` for the default, by name A to Z).
    pub fn as_param(self) -> String {
        match (self.by, self.reversed) {
            (Sort::Name, false) => String::new(),
            (by, false) => by.as_str().to_string(),
            (by, true) => format!("{}_{}", by.as_str(), by.natural().flipped().as_str()),
        }
    }

    /// Every order a person can choose, as the Sort menu lists them.
    pub const CHOICES: [Order; 8] = [
        Order::way(Sort::Name, false),
        Order::way(Sort::Name, true),
        Order::way(Sort::Email, false),
        Order::way(Sort::Email, true),
        Order::way(Sort::LastSignIn, false),
        Order::way(Sort::LastSignIn, true),
        Order::way(Sort::Created, false),
        Order::way(Sort::Created, true),
    ];

    const fn way(by: Sort, reversed: bool) -> Self {
        Self { by, reversed }
    }

    /// How the Sort menu names this order.
    pub fn label(self) -> &'static str {
        match (self.by, self.reversed) {
            (Sort::Name, false) => "Name, A to Z",
            (Sort::Name, true) => "Name, Z to A",
            (Sort::Email, false) => "Email, A to Z",
            (Sort::Email, true) => "Email, Z to A",
            (Sort::LastSignIn, false) => "Last sign-in, newest first",
            (Sort::LastSignIn, true) => "Last sign-in, oldest first",
            (Sort::Created, false) => "Created, newest first",
            (Sort::Created, true) => "Created, oldest first",
        }
    }

    pub fn direction(self) -> Direction {
        if self.reversed {
            self.by.natural().flipped()
        } else {
            self.by.natural()
        }
    }

    /// True when the rows go from the largest key (and id) down.
    pub fn descending(self) -> bool {
        self.direction() == Direction::Descending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_read_from_the_url_both_ways() {
        let order = |by, reversed| Order { by, reversed };
        for (text, expected) in [
            ("", order(Sort::Name, false)),
            ("name", order(Sort::Name, false)),
            ("name_asc", order(Sort::Name, false)),
            ("name_desc", order(Sort::Name, true)),
            ("email_desc", order(Sort::Email, true)),
            ("last_sign_in", order(Sort::LastSignIn, false)),
            ("last_sign_in_desc", order(Sort::LastSignIn, false)),
            ("last_sign_in_asc", order(Sort::LastSignIn, true)),
            ("created_asc", order(Sort::Created, true)),
            ("bogus_desc", order(Sort::Name, false)),
            ("created_sideways", order(Sort::Name, false)),
        ] {
            assert_eq!(Order::parse(text), expected, "{text}");
            assert_eq!(Order::parse(&expected.as_param()), expected, "{text}");
        }
        assert_eq!(order(Sort::Created, true).as_param(), "created_asc");
        // Each choice of the Sort menu comes back from its own URL value, and none twice.
        let params: std::collections::BTreeSet<String> =
            Order::CHOICES.iter().map(|o| o.as_param()).collect();
        assert_eq!(params.len(), Order::CHOICES.len());
        for choice in Order::CHOICES {
            assert_eq!(Order::parse(&choice.as_param()), choice);
        }
        assert_eq!(order(Sort::Name, true).direction(), Direction::Descending);
    }
}
