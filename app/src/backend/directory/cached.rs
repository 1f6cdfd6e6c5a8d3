//! Directory pages remembered for the cache epoch they were read in (see `backend::cache`).

use super::query::scope;
use super::{list, Filter, Page};
use crate::backend::Caller;
use crate::backend::{Db, ServiceError};
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// What a remembered page answers: the entities its viewer may see, and what they asked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    scope: Option<Uuid>,
    filter: Filter,
}

/// How long a remembered page may be shown. Writes end it at once (the cache epoch); this
/// bounds what time alone changes: a pending invitation passing its expiry.
const PAGE_FRESH: TimeDelta = TimeDelta::seconds(1);

/// `list` for a request: a page already built in this cache epoch for the same scope and filter
/// in the last second is used again instead of being read again. `me.epoch` is the epoch this
/// request read before any other read, so a page built from it is never newer than it claims.
pub async fn list_cached(
    db: &Db,
    me: &Caller,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Arc<Page>, ServiceError> {
    super::check_search(&filter.search)?;
    let scope = scope(me, filter)?;
    let key = PageKey {
        scope: *scope,
        filter: filter.clone(),
    };
    if let Some((built, page)) = db.caches().pages.get(me.epoch, &key) {
        if now >= built && now - built < PAGE_FRESH {
            return Ok(page);
        }
    }
    let page = Arc::new(list(db.read(), &scope, filter, now).await?);
    db.caches().pages.put(me.epoch, key, (now, page.clone()));
    Ok(page)
}
