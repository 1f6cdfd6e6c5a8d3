//! The last step of a directory page: the users and the pending invitations, each read in
//! the sort order after its own cursor, merged into one page and the cursor that resumes it.

use super::cursor::{Cursor, Mark};
use super::order::{compare, invitation_key, user_key};
use super::{invitation, user};
use super::{Item, Order};
use std::cmp::Ordering;

/// Takes at most `limit` rows from the two ordered lists (each fetched with one row more than
/// `limit`, which tells whether it has more), and the cursor after them (`None` on the last
/// page).
pub(super) fn merge(
    order: Order,
    users: Vec<user::Model>,
    invitations: Vec<invitation::Model>,
    cursor: &Cursor,
    limit: u64,
) -> (Vec<Item>, Option<Cursor>) {
    let users_fetched = users.len() as u64;
    let invitations_fetched = invitations.len() as u64;
    let mut users = users.into_iter().peekable();
    let mut invitations = invitations.into_iter().peekable();
    let mut taken = Vec::with_capacity(limit as usize);
    let mut next = cursor.clone();
    while (taken.len() as u64) < limit {
        let user_head = users.peek().map(|u| (user_key(order.by, u), u.id));
        let invitation_head = invitations
            .peek()
            .map(|i| (invitation_key(order.by, i), i.id));
        let take_user = match (&user_head, &invitation_head) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(u), Some(i)) => compare(order, u, i) != Ordering::Greater,
        };
        if take_user {
            let (key, id) = user_head.expect("peeked");
            next.users = Some(Mark { key, id });
            taken.push(Item::User(users.next().expect("peeked")));
        } else {
            let (key, id) = invitation_head.expect("peeked");
            next.invitations = Some(Mark { key, id });
            taken.push(Item::Invitation(invitations.next().expect("peeked")));
        }
    }
    next.users_done = cursor.users_done || (users.peek().is_none() && users_fetched <= limit);
    next.invitations_done =
        cursor.invitations_done || (invitations.peek().is_none() && invitations_fetched <= limit);
    let more = !(next.users_done && next.invitations_done);
    next.shown = cursor.shown + taken.len() as u64;
    (taken, more.then_some(next))
}
