//! PostgreSQL: the role the server serves as may read the history and append to it, nothing
//! more. The retention triggers refuse every UPDATE and DELETE of the history, but the tables'
//! owner could drop them; a role that owns nothing cannot (no DROP, ALTER, TRUNCATE, DELETE).
//! The owner migrates (`daicho-server migrate`, or at start with --migrate-database-url); then
//! this grants the server's role exactly `GRANTS`, so tables made by later migrations are
//! covered as soon as they are listed here, and a migration making a table not listed fails
//! rather than leave the server without it.
//!
//! SQLite has no roles: the file belongs to the server's OS user, who can rewrite it at will.
//! There, the triggers stop mistakes, and `verify` (the chain and the signed checkpoints) finds
//! a rewrite after the fact (README: PostgreSQL).

use anyhow::Context;
use sqlx::AnyPool;

/// What the server's role may do, table by table: what the statements in `src/` need, no more.
const GRANTS: &[(&str, &str)] = &[
    ("events", "SELECT, INSERT"),
    ("log_tree", "SELECT, INSERT"),
    ("log_checkpoints", "SELECT, INSERT"),
    ("log_keys", "SELECT, INSERT"),
    ("rule_breaks", "SELECT, INSERT"),
    ("security_exceptions", "SELECT, INSERT"),
    // A repeated exception counts on (its trigger lets nothing else change).
    (
        "security_exception_counts",
        "SELECT, INSERT, UPDATE (occurrences, last_seen_at)",
    ),
    // A code is spent once (devices::enroll).
    (
        "enrollment_codes",
        "SELECT, INSERT, UPDATE (used_at, used_by)",
    ),
    // A device is revoked, never deleted (devices::revoke).
    ("devices", "SELECT, INSERT, UPDATE (revoked_at)"),
    // Read to check the tables are up to date (database::open); written by the owner alone.
    ("_sqlx_migrations", "SELECT"),
];

/// Grants the role of `runtime` exactly `GRANTS` (and the use of the id sequences), through
/// `owner`, after checking that the role owns nothing and that every table is listed.
pub async fn grant(owner: &AnyPool, runtime: &AnyPool) -> anyhow::Result<()> {
    let role: String = sqlx::query_scalar("SELECT quote_ident(current_user)")
        .fetch_one(runtime)
        .await?;
    refuse_owner(runtime, &role).await?;
    refuse_unlisted_tables(owner).await?;
    let mut tx = owner.begin().await?;
    // Revoked first, so a start leaves exactly GRANTS, whatever was granted before.
    let mut statements = vec![
        format!("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"),
        format!("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}"),
        format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"),
    ];
    statements.extend(
        GRANTS
            .iter()
            .map(|(table, what)| format!("GRANT {what} ON {table} TO {role}")),
    );
    for sql in statements {
        sqlx::query(&sql)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("cannot grant the server's role its rights: {sql}"))?;
    }
    tx.commit().await?;
    Ok(())
}

/// The server's role must not be a superuser nor own a table, even through a role it is a
/// member of (SET ROLE): any of these could undo the triggers.
async fn refuse_owner(runtime: &AnyPool, role: &str) -> anyhow::Result<()> {
    let superuser: bool =
        sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(runtime)
            .await?;
    anyhow::ensure!(
        !superuser && !owns_the_tables(runtime).await?,
        "the server's database role {role} {}: it could drop the retention triggers and \
         rewrite history. Serve as a role that owns nothing (--database-url) and migrate as \
         the owner (--migrate-database-url); README: PostgreSQL",
        if superuser {
            "is a superuser"
        } else {
            "owns tables (or is a member of their owner)"
        }
    );
    Ok(())
}

/// A table a migration made but `GRANTS` does not name: the server would fail on it later.
async fn refuse_unlisted_tables(owner: &AnyPool) -> anyhow::Result<()> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
            .fetch_all(owner)
            .await?;
    let unlisted: Vec<&String> = tables
        .iter()
        .filter(|t| !GRANTS.iter().any(|(g, _)| g == t))
        .collect();
    anyhow::ensure!(
        unlisted.is_empty(),
        "no rights listed for the server's role on {unlisted:?}: add them to GRANTS in \
         crates/server/src/runtime_role.rs"
    );
    Ok(())
}

/// Whether the role of `pool` may migrate: it owns sqlx's record of the migrations, or there is
/// none yet (a new database, which it must then be able to create tables in).
pub async fn may_migrate(pool: &AnyPool) -> sqlx::Result<bool> {
    let owns: Option<bool> = sqlx::query_scalar(
        "SELECT tableowner = current_user FROM pg_tables \
         WHERE schemaname = 'public' AND tablename = '_sqlx_migrations'",
    )
    .fetch_optional(pool)
    .await?;
    Ok(owns.unwrap_or(true))
}

/// True when the role of `pool` owns a table, itself or as a member of its owner: then it could
/// drop the retention triggers. For a server with one role, a warning at start, not a refusal,
/// so that a database set up before the two roles keeps working until it is moved to them.
pub async fn owns_the_tables(pool: &AnyPool) -> sqlx::Result<bool> {
    let owned: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_tables \
         WHERE schemaname = 'public' AND pg_has_role(current_user, tableowner, 'MEMBER')",
    )
    .fetch_one(pool)
    .await?;
    Ok(owned > 0)
}
