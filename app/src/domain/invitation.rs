//! The invitation lifecycle as pure functions; the clock is always an argument.
//!
//! Stored statuses are `pending`, `accepted` and `revoked`; `expired` is derived from the expiry so
//! that a pending invitation past its time is expired everywhere at once, sweeper or not.

use super::status::InvitationStatus;
use chrono::{DateTime, TimeDelta, Utc};

/// How long an invitation link stays valid after it is sent or resent.
pub const VALIDITY: TimeDelta = TimeDelta::days(7);

/// What admins and the invited person can do to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Revoke,
    Resend,
    Delete,
    Accept,
}

/// What the service must write after a command was allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Store this status (and, for Resend, a fresh token and this expiry).
    Store {
        status: InvitationStatus,
        new_expiry: Option<DateTime<Utc>>,
        rotate_token: bool,
    },
    /// Remove the record (an audit event still records it).
    Remove,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Only a pending invitation can be revoked.")]
    NotRevocable,
    #[error("An accepted invitation cannot be resent.")]
    AlreadyAccepted,
    #[error("An accepted invitation cannot be deleted; it is part of the user's history.")]
    NotDeletable,
    #[error("This invitation has expired. Ask an admin to resend it.")]
    Expired,
    #[error("This invitation was revoked. Ask an admin to resend it.")]
    Revoked,
    #[error("This invitation has already been used. Sign in instead.")]
    AlreadyUsed,
}

/// The status an admin sees at `now`.
pub fn effective_status(
    stored: InvitationStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> InvitationStatus {
    match stored {
        InvitationStatus::Pending if now >= expires_at => InvitationStatus::Expired,
        other => other,
    }
}

/// Decides a command against the invitation as it stands at `now`.
pub fn decide(
    stored: InvitationStatus,
    expires_at: DateTime<Utc>,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Outcome, TransitionError> {
    use InvitationStatus::*;
    let status = effective_status(stored, expires_at, now);
    match (command, status) {
        (Command::Revoke, Pending) => Ok(Outcome::Store {
            status: Revoked,
            new_expiry: None,
            rotate_token: false,
        }),
        (Command::Revoke, _) => Err(TransitionError::NotRevocable),
        (Command::Resend, Pending | Revoked | Expired) => Ok(Outcome::Store {
            status: Pending,
            new_expiry: Some(now + VALIDITY),
            rotate_token: true,
        }),
        (Command::Resend, Accepted) => Err(TransitionError::AlreadyAccepted),
        (Command::Delete, Pending | Revoked | Expired) => Ok(Outcome::Remove),
        (Command::Delete, Accepted) => Err(TransitionError::NotDeletable),
        (Command::Accept, Pending) => Ok(Outcome::Store {
            status: Accepted,
            new_expiry: None,
            rotate_token: false,
        }),
        (Command::Accept, Expired) => Err(TransitionError::Expired),
        (Command::Accept, Revoked) => Err(TransitionError::Revoked),
        (Command::Accept, Accepted) => Err(TransitionError::AlreadyUsed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InvitationStatus::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn expiry_is_a_fact_of_time() {
        let expires = t0() + VALIDITY;
        let second = TimeDelta::seconds(1);
        assert_eq!(
            effective_status(Pending, expires, expires - second),
            Pending
        );
        assert_eq!(effective_status(Pending, expires, expires), Expired);
        assert_eq!(
            effective_status(Revoked, expires, expires + second),
            Revoked
        );
        assert_eq!(
            effective_status(Accepted, expires, expires + second),
            Accepted
        );
    }

    #[test]
    fn accept_one_second_before_expiry_works_and_one_after_fails() {
        let expires = t0() + VALIDITY;
        let second = TimeDelta::seconds(1);
        assert!(decide(Pending, expires, Command::Accept, expires - second).is_ok());
        assert_eq!(
            decide(Pending, expires, Command::Accept, expires + second),
            Err(TransitionError::Expired)
        );
    }

    #[test]
    fn every_command_from_every_status() {
        let now = t0();
        let live = now + TimeDelta::days(3);
        let lapsed = now - TimeDelta::seconds(1);
        // (stored, expiry, command, expected)
        let resent = Ok(Outcome::Store {
            status: Pending,
            new_expiry: Some(now + VALIDITY),
            rotate_token: true,
        });
        let store = |status| {
            Ok(Outcome::Store {
                status,
                new_expiry: None,
                rotate_token: false,
            })
        };
        let cases = [
            (Pending, live, Command::Revoke, store(Revoked)),
            (
                Pending,
                lapsed,
                Command::Revoke,
                Err(TransitionError::NotRevocable),
            ),
            (
                Revoked,
                live,
                Command::Revoke,
                Err(TransitionError::NotRevocable),
            ),
            (
                Accepted,
                live,
                Command::Revoke,
                Err(TransitionError::NotRevocable),
            ),
            (Pending, live, Command::Resend, resent),
            (Pending, lapsed, Command::Resend, resent),
            (Revoked, live, Command::Resend, resent),
            (Revoked, lapsed, Command::Resend, resent),
            (
                Accepted,
                live,
                Command::Resend,
                Err(TransitionError::AlreadyAccepted),
            ),
            (Pending, live, Command::Delete, Ok(Outcome::Remove)),
            (Pending, lapsed, Command::Delete, Ok(Outcome::Remove)),
            (Revoked, live, Command::Delete, Ok(Outcome::Remove)),
            (
                Accepted,
                live,
                Command::Delete,
                Err(TransitionError::NotDeletable),
            ),
            (Pending, live, Command::Accept, store(Accepted)),
            (
                Pending,
                lapsed,
                Command::Accept,
                Err(TransitionError::Expired),
            ),
            (
                Revoked,
                live,
                Command::Accept,
                Err(TransitionError::Revoked),
            ),
            (
                Accepted,
                live,
                Command::Accept,
                Err(TransitionError::AlreadyUsed),
            ),
        ];
        for (stored, expiry, command, expected) in cases {
            assert_eq!(
                decide(stored, expiry, command, now),
                expected,
                "{command:?} on {stored:?} expiring {expiry}"
            );
        }
    }
}
