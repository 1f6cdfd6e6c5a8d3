use crate::config::Settings;
use crate::router;
use app::backend::seed::{self, DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR, DEMO_PASSWORD};
use app::backend::{audit::AuditContext, bootstrap, users, Db, ServiceError};
use app::domain::{Email, UserStatus};
use clap::{Parser, Subcommand};
use std::io::Read;

#[derive(Parser, Debug)]
#[command(
    name = "server",
    version,
    about = "Usher: user directory and invitation manager"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply migrations and serve the web app.
    Serve {
        /// On an empty database, load the demo data first and print demo sign-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create an operator (no --entity) or an entity admin.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The slug of the entity to administer; without it the user is an operator.
        #[arg(long)]
        entity: Option<String>,
        /// Read the password from standard input instead of generating a one-time password.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create a user with one role in an entity (scripted set-ups; people are invited or created
    /// in the User Directory).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The slug of the user's entity.
        #[arg(long)]
        entity: String,
        /// trader, market_maker, credit_officer or admin.
        #[arg(long)]
        role: String,
        /// Read the password from standard input instead of generating a one-time password.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Load demo entities, users in every status and invitations in every state.
    SeedDemo {
        /// How many generated users to add besides the named demo accounts.
        #[arg(long, default_value_t = 48)]
        users: usize,
        /// How many generated audit events to add (over the last year, by and about up to
        /// 5,000 of the users), for an audit log of benchmark size.
        #[arg(long, default_value_t = 0)]
        events: usize,
    },
    /// Change a user's status (active, inactive, deleted); leaving active ends their sessions.
    SetStatus {
        #[arg(long)]
        email: String,
        #[arg(long)]
        status: String,
    },
}

/// What `create-admin` and `create-user` were asked for.
struct NewAccount {
    email: String,
    name: String,
    entity: Option<String>,
    role: Option<String>,
    password_stdin: bool,
}

async fn create_account(settings: &Settings, new: NewAccount, kind: &str) -> Result<(), String> {
    let password = if new.password_stdin {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .map_err(|e| format!("reading the password: {e}"))?;
        Some(input.trim_end_matches(['\n', '\r']).to_string())
    } else {
        None
    };
    let db = connect(settings).await?;
    let (user, generated) = bootstrap::create_account(
        &db,
        &new.email,
        &new.name,
        new.entity.as_deref(),
        new.role.as_deref(),
        password,
        chrono::Utc::now(),
    )
    .await
    .map_err(service)?;
    println!("created {kind} {} ({})", user.email, user.id);
    if let Some(password) = generated {
        println!("one-time password: {password}");
        println!("(it must be changed at first sign-in)");
    }
    Ok(())
}

fn service(error: ServiceError) -> String {
    match error {
        ServiceError::Invalid(fields) => fields.to_string(),
        other => other.to_string(),
    }
}

async fn connect(settings: &Settings) -> Result<Db, String> {
    let url = settings.database_url()?;
    let db = Db::connect(&url)
        .await
        .map_err(|e| format!("DATABASE_URL: cannot connect: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    Ok(db)
}

fn print_demo_sign_ins(url: &str) {
    println!();
    println!("  Usher is running at {url}");
    println!();
    println!("  Demo sign-ins (password for all: {DEMO_PASSWORD}):");
    println!("    operator       {DEMO_OPERATOR}");
    println!("    entity admin   {DEMO_ADMIN}");
    println!("    member         {DEMO_MEMBER}");
    println!();
}

pub async fn run(cli: Cli) -> Result<(), String> {
    let settings = cli.settings;
    match cli.command {
        Command::Serve { demo } => {
            let config = settings.config()?;
            let addr = settings.addr()?;
            let db = connect(&settings).await?;
            if demo {
                if !seed::has_users(&db).await.map_err(service)? {
                    let report = seed::seed_demo(&db, 48, chrono::Utc::now())
                        .await
                        .map_err(service)?;
                    tracing::info!(
                        users = report.users,
                        invitations = report.invitations,
                        "demo data loaded"
                    );
                }
                print_demo_sign_ins(&config.public_url);
            }
            router::serve(db, config, addr).await
        }
        Command::Migrate => {
            connect(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::CreateAdmin {
            email,
            name,
            entity,
            password_stdin,
        } => {
            let kind = if entity.is_some() {
                "entity admin"
            } else {
                "operator"
            };
            let account = NewAccount {
                email,
                name,
                entity,
                role: None,
                password_stdin,
            };
            create_account(&settings, account, kind).await
        }
        Command::CreateUser {
            email,
            name,
            entity,
            role,
            password_stdin,
        } => {
            let kind = format!("{role} user");
            let account = NewAccount {
                email,
                name,
                entity: Some(entity),
                role: Some(role),
                password_stdin,
            };
            create_account(&settings, account, &kind).await
        }
        Command::SeedDemo { users, events } => {
            let db = connect(&settings).await?;
            if seed::has_users(&db).await.map_err(service)? {
                return Err("seed-demo: the database already has users; use an empty one".into());
            }
            let started = std::time::Instant::now();
            let report = seed::seed_demo(&db, users, chrono::Utc::now())
                .await
                .map_err(service)?;
            println!(
                "seeded {} users and {} invitations in {:.2?}",
                report.users,
                report.invitations,
                started.elapsed()
            );
            if events > 0 {
                let started = std::time::Instant::now();
                seed::seed_events(&db, events, chrono::Utc::now())
                    .await
                    .map_err(service)?;
                seed::settle(&db).await.map_err(service)?;
                println!("seeded {events} audit events in {:.2?}", started.elapsed());
            }
            Ok(())
        }
        Command::SetStatus { email, status } => {
            let status = UserStatus::parse(&status)
                .filter(|s| *s != UserStatus::Pending)
                .ok_or("--status must be active, inactive or deleted")?;
            let email = Email::parse(&email).map_err(|e| format!("--email: {e}"))?;
            let db = connect(&settings).await?;
            let user = users::find_by_email(db.read(), &email)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("no user has that email address")?;
            let ctx = AuditContext::system("set-status");
            users::set_status(&db, user.id, status, None, &ctx, chrono::Utc::now())
                .await
                .map_err(service)?;
            println!("{} is now {}", user.email, status.label());
            Ok(())
        }
    }
}
