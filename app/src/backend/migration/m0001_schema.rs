use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_schema"
    }
}

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}
fn id(name: &str) -> ColumnDef {
    col(name).uuid().not_null().primary_key().take()
}
fn uuid(name: &str) -> ColumnDef {
    col(name).uuid().not_null().take()
}
fn uuid_null(name: &str) -> ColumnDef {
    col(name).uuid().null().take()
}
fn text(name: &str) -> ColumnDef {
    col(name).string().not_null().take()
}
fn text_null(name: &str) -> ColumnDef {
    col(name).string().null().take()
}
fn long_text(name: &str) -> ColumnDef {
    col(name).text().not_null().take()
}
fn long_text_null(name: &str) -> ColumnDef {
    col(name).text().null().take()
}
fn time(name: &str) -> ColumnDef {
    col(name).timestamp_with_time_zone().not_null().take()
}
fn time_null(name: &str) -> ColumnDef {
    col(name).timestamp_with_time_zone().null().take()
}
fn int(name: &str) -> ColumnDef {
    col(name).integer().not_null().take()
}
fn flag(name: &str) -> ColumnDef {
    col(name).boolean().not_null().take()
}

fn table(name: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(name))
        .if_not_exists()
        .take()
}

fn fk(
    from: &str,
    column: &str,
    to: &str,
    to_column: &str,
    cascade: bool,
) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create()
        .name(format!("fk_{from}_{column}"))
        .from(Alias::new(from), Alias::new(column))
        .to(Alias::new(to), Alias::new(to_column))
        .take();
    if cascade {
        key.on_delete(ForeignKeyAction::Cascade);
    }
    key
}

fn index(name: &str, on: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create()
        .name(name)
        .table(Alias::new(on))
        .if_not_exists()
        .take();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("entities")
                .col(id("id"))
                .col(text("name"))
                .col(text("slug").unique_key())
                .col(flag("is_operator"))
                .col(time("created_at"))
                .take(),
        )
        .await?;

        m.create_table(
            table("users")
                .col(id("id"))
                .col(uuid("entity_id"))
                .col(text("name"))
                .col(text("sort_name"))
                .col(text("email"))
                .col(text("email_normalized"))
                .col(text_null("contact_email"))
                .col(text("status"))
                .col(text_null("password_hash"))
                .col(flag("must_change_password"))
                .col(time_null("last_login_at"))
                .col(time("created_at"))
                .col(uuid_null("created_by"))
                .col(time("updated_at"))
                .col(uuid_null("updated_by"))
                .col(time_null("deleted_at"))
                .col(uuid_null("deleted_by"))
                .col(time_null("purged_at"))
                .col(int("version"))
                .foreign_key(&mut fk("users", "entity_id", "entities", "id", false))
                .take(),
        )
        .await?;
        // Uniqueness is the database's job, not a read-then-write check.
        m.create_index(
            index("ux_users_email", "users", &["email_normalized"])
                .unique()
                .take(),
        )
        .await?;
        // Keyset paging and prefix search of the directory, within an entity and across all.
        for (name, columns) in [
            (
                "ix_users_entity_name",
                &["entity_id", "sort_name", "id"][..],
            ),
            ("ix_users_name", &["sort_name", "id"]),
            (
                "ix_users_entity_status_name",
                &["entity_id", "status", "sort_name", "id"],
            ),
            ("ix_users_created", &["created_at", "id"]),
            ("ix_users_last_login", &["last_login_at", "id"]),
        ] {
            m.create_index(index(name, "users", columns)).await?;
        }

        m.create_table(
            table("roles")
                .col(col("key").string().not_null().primary_key())
                .col(text("name"))
                .col(flag("is_global"))
                .col(int("rank"))
                .col(text("trading"))
                .col(text("credit"))
                .col(text("admin_access"))
                .col(text("excel_add_in"))
                .take(),
        )
        .await?;
        m.create_table(
            table("role_permissions")
                .col(text("role_key"))
                .col(text("permission"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("role_key"))
                        .col(Alias::new("permission")),
                )
                .foreign_key(&mut fk(
                    "role_permissions",
                    "role_key",
                    "roles",
                    "key",
                    true,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            table("user_roles")
                .col(uuid("user_id"))
                .col(text("role_key"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("user_id"))
                        .col(Alias::new("role_key")),
                )
                .foreign_key(&mut fk("user_roles", "user_id", "users", "id", true))
                .foreign_key(&mut fk("user_roles", "role_key", "roles", "key", false))
                .take(),
        )
        .await?;

        m.create_table(
            table("invitations")
                .col(id("id"))
                .col(uuid("entity_id"))
                .col(text("email"))
                .col(text("email_normalized"))
                .col(text("status"))
                .col(text("token_hash").unique_key())
                .col(time("expires_at"))
                .col(int("sent_count"))
                .col(time("last_sent_at"))
                .col(uuid_null("invited_by"))
                .col(uuid_null("accepted_user_id"))
                .col(time("created_at"))
                .col(time("updated_at"))
                .col(int("version"))
                .foreign_key(&mut fk("invitations", "entity_id", "entities", "id", false))
                .take(),
        )
        .await?;
        // At most one pending invitation per entity and email; a partial index reads the same on
        // both databases, which the builder cannot express.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_invitations_pending \
                 ON invitations (entity_id, email_normalized) WHERE status = 'pending'",
            )
            .await?;
        for (name, columns) in [
            (
                "ix_invitations_entity_sent",
                &["entity_id", "last_sent_at", "id"][..],
            ),
            ("ix_invitations_sent", &["last_sent_at", "id"]),
            ("ix_invitations_email", &["email_normalized"]),
        ] {
            m.create_index(index(name, "invitations", columns)).await?;
        }
        m.create_table(
            table("invitation_roles")
                .col(uuid("invitation_id"))
                .col(text("role_key"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("invitation_id"))
                        .col(Alias::new("role_key")),
                )
                .foreign_key(&mut fk(
                    "invitation_roles",
                    "invitation_id",
                    "invitations",
                    "id",
                    true,
                ))
                .foreign_key(&mut fk(
                    "invitation_roles",
                    "role_key",
                    "roles",
                    "key",
                    false,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            table("sessions")
                .col(id("id"))
                .col(text("token_hash").unique_key())
                .col(uuid("user_id"))
                .col(time("created_at"))
                .col(time("last_seen_at"))
                .col(time("expires_at"))
                .col(text_null("ip"))
                .col(text_null("user_agent"))
                .foreign_key(&mut fk("sessions", "user_id", "users", "id", true))
                .take(),
        )
        .await?;
        m.create_index(index("ix_sessions_user", "sessions", &["user_id"]))
            .await?;

        m.create_table(
            table("one_time_tokens")
                .col(id("id"))
                .col(text("token_hash").unique_key())
                .col(text("purpose"))
                .col(uuid("user_id"))
                .col(time("expires_at"))
                .col(time_null("used_at"))
                .col(time("created_at"))
                .foreign_key(&mut fk("one_time_tokens", "user_id", "users", "id", true))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_one_time_tokens_user",
            "one_time_tokens",
            &["user_id"],
        ))
        .await?;

        m.create_table(
            table("audit_events")
                .col(id("id"))
                .col(time("at"))
                .col(text("actor_kind"))
                .col(uuid_null("actor_id"))
                .col(text("actor_label"))
                .col(uuid_null("entity_id"))
                .col(text("action"))
                .col(text("target_kind"))
                .col(uuid_null("target_id"))
                .col(text("target_label"))
                .col(long_text_null("before"))
                .col(long_text_null("after"))
                .col(text_null("ip"))
                .col(text_null("request_id"))
                .take(),
        )
        .await?;
        for (name, columns) in [
            ("ix_audit_at", &["at", "id"][..]),
            ("ix_audit_entity_at", &["entity_id", "at", "id"]),
            ("ix_audit_target", &["target_id", "at"]),
            ("ix_audit_actor", &["actor_id", "at"]),
        ] {
            m.create_index(index(name, "audit_events", columns)).await?;
        }

        m.create_table(
            table("outgoing_mail")
                .col(id("id"))
                .col(text("to_address"))
                .col(text("subject"))
                .col(long_text("body_text"))
                .col(long_text("body_html"))
                .col(text("status"))
                .col(int("attempts"))
                .col(time("next_attempt_at"))
                .col(long_text_null("last_error"))
                .col(time("created_at"))
                .col(time_null("sent_at"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_outgoing_mail_due",
            "outgoing_mail",
            &["status", "next_attempt_at"],
        ))
        .await?;

        m.create_table(
            table("api_tokens")
                .col(id("id"))
                .col(text("name"))
                .col(uuid_null("entity_id"))
                .col(text("permissions"))
                .col(text("token_hash").unique_key())
                .col(uuid_null("created_by"))
                .col(time("created_at"))
                .col(time_null("last_used_at"))
                .col(time_null("expires_at"))
                .col(time_null("revoked_at"))
                .foreign_key(&mut fk("api_tokens", "entity_id", "entities", "id", true))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "api_tokens",
            "outgoing_mail",
            "audit_events",
            "one_time_tokens",
            "sessions",
            "invitation_roles",
            "invitations",
            "user_roles",
            "role_permissions",
            "roles",
            "users",
            "entities",
        ] {
            m.drop_table(Table::drop().table(Alias::new(name)).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
