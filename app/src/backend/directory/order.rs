//! Keyset order: each source read after its own mark, and the merge order of the two.

use super::*;

/// The column one source is read in, for a sort.
pub(super) fn user_column(sort: Sort) -> user::Column {
    use user::Column as C;
    match sort {
        Sort::Name => C::SortName,
        Sort::Email => C::EmailNormalized,
        Sort::LastSignIn => C::LastLoginAt,
        Sort::Created => C::CreatedAt,
    }
}

pub(super) fn user_key(sort: Sort, u: &user::Model) -> Key {
    match sort {
        Sort::Name => Key::Text(u.sort_name.clone()),
        Sort::Email => Key::Text(u.email_normalized.clone()),
        Sort::LastSignIn => Key::Time(u.last_login_at),
        Sort::Created => Key::Time(Some(u.created_at)),
    }
}

pub(super) fn key_value(key: &Key) -> sea_orm::Value {
    match key {
        Key::Text(text) => text.clone().into(),
        Key::Time(time) => (*time).into(),
    }
}

/// Rows of `query` after `mark` in the order `(column, id)`, ascending or descending.
pub(super) fn after<E: EntityTrait>(
    query: Select<E>,
    column: E::Column,
    id: E::Column,
    descending: bool,
    mark: Option<&Mark>,
) -> Select<E> {
    let query = match mark {
        None => query,
        Some(mark) => {
            let here = Expr::tuple([Expr::col(column).into(), Expr::col(id).into()]);
            let there = Expr::tuple([
                Expr::val(key_value(&mark.key)).into(),
                Expr::val(mark.id).into(),
            ]);
            query.filter(if descending {
                here.lt(there)
            } else {
                here.gt(there)
            })
        }
    };
    if descending {
        query.order_by_desc(column).order_by_desc(id)
    } else {
        query.order_by_asc(column).order_by_asc(id)
    }
}

pub(super) async fn fetch_users<C: ConnectionTrait>(
    conn: &C,
    base: Select<user::Entity>,
    order: Order,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    use user::Column as C;
    let column = user_column(order.by);
    let descending = order.descending();
    if order.by != Sort::LastSignIn {
        return after(base, column, C::Id, descending, mark)
            .limit(limit)
            .all(conn)
            .await;
    }
    // Those who signed in, most recent first, then those who never did (newest id first);
    // reversed, those who never did (oldest id first), then the longest ago first.
    let signed_in = || {
        after(
            base.clone().filter(C::LastLoginAt.is_not_null()),
            column,
            C::Id,
            descending,
            mark.filter(|m| m.key != Key::Time(None)),
        )
    };
    let never = || {
        let mut nulls = base.clone().filter(C::LastLoginAt.is_null());
        if let Some(mark) = mark.filter(|m| m.key == Key::Time(None)) {
            nulls = nulls.filter(if descending {
                C::Id.lt(mark.id)
            } else {
                C::Id.gt(mark.id)
            });
        }
        if descending {
            nulls.order_by_desc(C::Id)
        } else {
            nulls.order_by_asc(C::Id)
        }
    };
    let in_null_phase = mark.is_some_and(|m| m.key == Key::Time(None));
    let mut rows = Vec::new();
    // The phase the mark is in, then (while the page is short) the one after it, if any.
    let phases: &[bool] = match (descending, in_null_phase) {
        (true, false) => &[false, true],
        (true, true) => &[true],
        (false, true) => &[true, false],
        (false, false) if mark.is_some() => &[false],
        (false, false) => &[true, false],
    };
    for &nulls in phases {
        if rows.len() as u64 >= limit {
            break;
        }
        let query = if nulls { never() } else { signed_in() };
        rows.extend(query.limit(limit - rows.len() as u64).all(conn).await?);
    }
    Ok(rows)
}

/// Pending invitations (not expired) as directory rows.
pub(super) fn invitations_query(
    scope: Option<Uuid>,
    search: &Search,
    now: DateTime<Utc>,
) -> Select<invitation::Entity> {
    use invitation::Column as C;
    let mut query = invitation::Entity::find()
        .filter(C::Status.eq("pending"))
        .filter(C::ExpiresAt.gt(now));
    if let Some(entity) = scope {
        query = query.filter(C::EntityId.eq(entity));
    }
    let pattern = match search {
        Search::None => None,
        Search::Impossible => return query.filter(Expr::val(1).eq(0)),
        Search::Prefix(term) => Some(prefix_pattern(term)),
        Search::Contains(term) => Some(contains_pattern(term)),
    };
    if let Some(pattern) = pattern {
        query =
            query.filter(Expr::col(C::EmailNormalized).like(LikeExpr::new(pattern).escape('\\')));
    }
    query
}

pub(super) fn invitation_key(sort: Sort, i: &invitation::Model) -> Key {
    match sort {
        Sort::Name | Sort::Email => Key::Text(i.email_normalized.clone()),
        Sort::LastSignIn => Key::Time(None),
        Sort::Created => Key::Time(Some(i.created_at)),
    }
}

pub(super) async fn fetch_invitations<C: ConnectionTrait>(
    conn: &C,
    base: Select<invitation::Entity>,
    order: Order,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<invitation::Model>, DbErr> {
    use invitation::Column as C;
    let descending = order.descending();
    let query = match order.by {
        Sort::Name | Sort::Email => after(base, C::EmailNormalized, C::Id, descending, mark),
        Sort::Created => after(base, C::CreatedAt, C::Id, descending, mark),
        // Nobody invited has signed in: all of them sort with the never-signed-in, by id.
        Sort::LastSignIn => {
            let base = match mark {
                Some(mark) if descending => base.filter(C::Id.lt(mark.id)),
                Some(mark) => base.filter(C::Id.gt(mark.id)),
                None => base,
            };
            if descending {
                base.order_by_desc(C::Id)
            } else {
                base.order_by_asc(C::Id)
            }
        }
    };
    query.limit(limit).all(conn).await
}

/// The order of the merged list: the same as each source's.
pub(super) fn compare(order: Order, a: &(Key, Uuid), b: &(Key, Uuid)) -> Ordering {
    let by_key = match (&a.0, &b.0) {
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        // Later first; never (None) last.
        (Key::Time(x), Key::Time(y)) => match (x, y) {
            (Some(x), Some(y)) => y.cmp(x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        (Key::Text(_), Key::Time(_)) => Ordering::Less,
        (Key::Time(_), Key::Text(_)) => Ordering::Greater,
    };
    let by_id = match order.by {
        Sort::Name | Sort::Email => a.1.cmp(&b.1),
        Sort::LastSignIn | Sort::Created => b.1.cmp(&a.1),
    };
    let natural = by_key.then(by_id);
    if order.reversed {
        natural.reverse()
    } else {
        natural
    }
}

/// The users of `keys` after `mark` in the sort order, at most `limit`, read by id.
pub(super) async fn fetch_by_keys<C: ConnectionTrait>(
    conn: &C,
    mut keys: Vec<(Key, Uuid)>,
    order: Order,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    keys.sort_by(|a, b| compare(order, a, b));
    let mark = mark.map(|m| (m.key.clone(), m.id));
    let ids: Vec<Uuid> = keys
        .into_iter()
        .filter(|k| {
            mark.as_ref()
                .is_none_or(|m| compare(order, k, m) == Ordering::Greater)
        })
        .take(limit as usize)
        .map(|(_, id)| id)
        .collect();
    fetch_in_order(conn, ids).await
}

/// The users of `ids`, in that order.
pub(super) async fn fetch_in_order<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<Uuid>,
) -> Result<Vec<user::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let place: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut rows = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    rows.sort_by_key(|u| place.get(&u.id).copied());
    Ok(rows)
}
