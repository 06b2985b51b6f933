//! The server's state, through sqlx's `Any` driver so that one code path and one set of tests
//! serve both engines: an SQLite file in the data directory (WAL) by default, or PostgreSQL when
//! a `postgres://` URL is given. Created (SQLite) and migrated on start.
//!
//! Every query is written once, with `$1, $2, …` placeholders (SQLite reads `$N` as parameter
//! N), and binds only the types `Any` carries: i64, String, bool, f64 and their Options. The
//! one exception is the many-row INSERT (`values_rows`).

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Transaction};
use std::path::Path;

/// The engine behind a pool: the one thing queries may differ on (migrations, locking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> anyhow::Result<Engine> {
        match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("sqlite") => Ok(Engine::Sqlite),
            Some("postgres" | "postgresql") => Ok(Engine::Postgres),
            _ => anyhow::bail!("the database URL must start with sqlite: or postgres://"),
        }
    }

    /// The engine of a pool `open` made (its URL was checked there).
    pub fn of(pool: &AnyPool) -> Engine {
        Engine::of_url(pool.connect_options().database_url.as_str()).unwrap_or(Engine::Sqlite)
    }

    /// The engine behind a connection (or a transaction, through its `Deref`).
    pub fn of_connection(conn: &AnyConnection) -> Engine {
        match conn.backend_name() {
            "PostgreSQL" => Engine::Postgres,
            _ => Engine::Sqlite,
        }
    }

    /// As `/api/health` names it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// `(…), (…), …`: `rows` rows of `columns` placeholders each, for a many-row INSERT, bound in
/// order: `$1, $2, …` on PostgreSQL, bare `?` on SQLite. Not `$N` on SQLite: sqlx resolves each
/// SQLite parameter by its name, a lookup linear in the statement's parameters, so a
/// 1,000-value INSERT spent a third of a push's CPU there (perf, 2026-12-06).
pub fn values_rows(engine: Engine, rows: usize, columns: usize) -> String {
    let mut n = 0;
    let row = |_| {
        let params: Vec<String> = (0..columns)
            .map(|_| {
                n += 1;
                match engine {
                    Engine::Postgres => format!("${n}"),
                    Engine::Sqlite => "?".to_string(),
                }
            })
            .collect();
        format!("({})", params.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// The URL of the SQLite file at `path` (made absolute: a relative path would be read as the
/// URL's host), created if missing.
pub fn sqlite_url(path: &Path) -> anyhow::Result<String> {
    let path = std::path::absolute(path)?;
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    Ok(options.to_url_lossy().to_string())
}

/// Connects to the database at `url` and brings its tables up to date, as the role of `url`:
/// SQLite, or PostgreSQL with one role that owns the tables. A PostgreSQL role that does not
/// own them (runtime_role.rs) cannot migrate: for it the tables must be up to date already
/// (`daicho-server migrate`, as the owner).
pub async fn open(url: &str) -> anyhow::Result<AnyPool> {
    let pool = connect(url).await?;
    if Engine::of(&pool) == Engine::Postgres && !crate::runtime_role::may_migrate(&pool).await? {
        check_up_to_date(&pool).await?;
    } else {
        migrate(&pool).await?;
    }
    Ok(pool)
}

/// PostgreSQL with two roles: brings the tables up to date as their owner (`owner_url`), grants
/// the server's role (`url`) only what it needs (runtime_role.rs), then answers the server's
/// connections. The owner's connection is closed before the server serves.
pub async fn open_as_runtime(url: &str, owner_url: &str) -> anyhow::Result<AnyPool> {
    anyhow::ensure!(
        Engine::of_url(url)? == Engine::Postgres && Engine::of_url(owner_url)? == Engine::Postgres,
        "--migrate-database-url is for PostgreSQL: both URLs must start with postgres://"
    );
    let pool = connect(url).await?;
    let owner = connect(owner_url).await?;
    let granted = migrate_and_grant(&owner, &pool).await;
    owner.close().await;
    granted?;
    Ok(pool)
}

async fn migrate_and_grant(owner: &AnyPool, runtime: &AnyPool) -> anyhow::Result<()> {
    migrate(owner).await?;
    crate::runtime_role::grant(owner, runtime).await
}

/// Connects to the database at `url` as it is (no migration).
pub async fn connect(url: &str) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let engine = Engine::of_url(url)?;
    if engine == Engine::Sqlite {
        create_data_dir(url)?;
    }
    let options: AnyConnectOptions = url.parse().context("cannot read the database URL")?;
    AnyPoolOptions::new()
        // SQLite has one writer at a time anyway; PostgreSQL serves the pulls in parallel.
        .max_connections(if engine == Engine::Sqlite { 4 } else { 16 })
        .after_release(|conn, _| Box::pin(lend_again(conn)))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                // WAL: readers never wait for the writer, nor it for them.
                if engine == Engine::Sqlite {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the {} database", engine.name()))
}

/// Whether a connection back from a request may be lent again: not while it is still inside
/// a transaction, which would keep SQLite's write lock and refuse the next `BEGIN IMMEDIATE`
/// ("non-zero transaction depth"). A dropped `Transaction` queues its rollback; the ping runs
/// after it. A connection still inside one is closed, which ends the transaction.
async fn lend_again(conn: &mut AnyConnection) -> sqlx::Result<bool> {
    if conn.is_in_transaction() {
        conn.ping().await?;
    }
    if conn.is_in_transaction() {
        tracing::warn!("a connection came back inside a transaction: closed");
        return Ok(false);
    }
    Ok(true)
}

fn migrator(engine: Engine) -> sqlx::migrate::Migrator {
    match engine {
        Engine::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Engine::Postgres => sqlx::migrate!("./migrations/postgres"),
    }
}

async fn migrate(pool: &AnyPool) -> anyhow::Result<()> {
    migrator(Engine::of(pool)).run(pool).await.context(
        "cannot migrate the database (on PostgreSQL, only the tables' owner can: \
         give its URL in --migrate-database-url)",
    )
}

/// Every migration this build knows is applied (as a role that may not apply them itself).
async fn check_up_to_date(pool: &AnyPool) -> anyhow::Result<()> {
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
            .context("cannot read which migrations the database has")?;
    let missing: Vec<i64> = migrator(Engine::of(pool))
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "the database lacks migrations {missing:?}, and this role may not apply them: run \
         `daicho-server --migrate-database-url <owner's URL> --database-url <this URL> migrate`"
    );
    Ok(())
}

fn create_data_dir(url: &str) -> anyhow::Result<()> {
    let options: SqliteConnectOptions = url.parse()?;
    if let Some(dir) = options.get_filename().parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    }
    Ok(())
}

/// A transaction that will write. On SQLite it takes the one write lock at once (IMMEDIATE):
/// a deferred transaction that reads first fails outright (SQLITE_BUSY) when it comes to write
/// after another writer committed, where this one waits its turn (the busy timeout).
///
/// It begins on a task of its own: a request dropped mid-way (its client gone) would otherwise
/// drop sqlx's begin between the BEGIN run and the `Transaction` that ends it, and the pool lend
/// the connection on inside a transaction nothing ends (holding SQLite's write lock). The task
/// runs to the end; a `Transaction` nobody awaits is dropped, which rolls it back.
pub async fn begin_write(pool: &AnyPool) -> sqlx::Result<Transaction<'static, Any>> {
    let pool = pool.clone();
    let begun = tokio::spawn(async move {
        match Engine::of(&pool) {
            Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => pool.begin().await,
        }
    });
    match begun.await {
        Ok(begun) => begun,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only when the runtime itself shuts down.
        Err(_) => Err(sqlx::Error::PoolClosed),
    }
}

pub async fn event_count(pool: &AnyPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(pool)
        .await
}

/// Makes an empty PostgreSQL database `name` on the server of `server_url` and answers its URL:
/// the tests and the bench each make their own rather than share one.
pub async fn create_postgres_database(server_url: &str, name: &str) -> anyhow::Result<String> {
    let mut url = maintenance_url(server_url, name)?;
    let mut conn = AnyConnection::connect(url.as_str()).await?;
    // A name cannot be a bound parameter; maintenance_url checked it.
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .with_context(|| format!("cannot create the database {name}"))?;
    conn.close().await?;
    url.set_path(name);
    Ok(url.to_string())
}

/// Drops a database `create_postgres_database` made.
pub async fn drop_postgres_database(server_url: &str, name: &str) -> anyhow::Result<()> {
    let url = maintenance_url(server_url, name)?;
    let mut conn = AnyConnection::connect(url.as_str()).await?;
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// The URL of the server's `postgres` database, from which `name` is made or dropped.
fn maintenance_url(server_url: &str, name: &str) -> anyhow::Result<url::Url> {
    anyhow::ensure!(
        Engine::of_url(server_url)? == Engine::Postgres,
        "not a PostgreSQL URL"
    );
    anyhow::ensure!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "a database name of a-z, 0-9 and _ only: {name}"
    );
    sqlx::any::install_default_drivers();
    let mut url = url::Url::parse(server_url)?;
    url.set_path("postgres");
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use daicho_core::event::GENESIS_HASH;
    use daicho_core::room::default_rooms;
    use daicho_core::{DeviceId, Event, EventKind, Hlc};
    use ed25519_dalek::SigningKey;
    use sqlx::TransactionManager as _;
    use std::time::Duration;

    fn first_event(device: &str) -> Event {
        let kind = EventKind::RoomDefined(default_rooms().remove(0));
        let hlc = Hlc {
            wall_ms: 1_790_000_000_000,
            counter: 0,
        };
        Event::seal(
            DeviceId(device.into()),
            1,
            hlc,
            "kanri".into(),
            kind,
            GENESIS_HASH,
        )
    }

    /// A fresh SQLite file with the tables, in `dir`.
    async fn fresh_sqlite(dir: &Path) -> AnyPool {
        open(&sqlite_url(&dir.join("daicho.sqlite3")).unwrap())
            .await
            .unwrap()
    }

    /// Stores one security exception through `begin_write`: a write as a push makes one.
    async fn write_once(pool: &AnyPool, seq: u64) -> sqlx::Result<()> {
        let mut tx = begin_write(pool).await?;
        crate::event_log::insert_exception(&mut tx, "tablet-a", seq, "fork", "test").await?;
        tx.commit().await
    }

    #[tokio::test]
    async fn a_connection_back_in_a_transaction_is_closed_not_lent_again() {
        let dir = tempfile::tempdir().unwrap();
        let pool = fresh_sqlite(dir.path()).await;
        // As a request cancelled just after its BEGIN ran leaves it: inside a transaction
        // that nothing will end, holding SQLite's one write lock.
        let mut conn = pool.acquire().await.unwrap();
        <Any as sqlx::Database>::TransactionManager::begin(
            &mut conn,
            Some("BEGIN IMMEDIATE".into()),
        )
        .await
        .unwrap();
        drop(conn);
        // Every later writer would wait out the busy timeout ("database is locked"), and the
        // one given that connection be refused ("non-zero transaction depth").
        for seq in 1..=8 {
            write_once(&pool, seq).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_write_cancelled_while_it_begins_leaves_no_transaction_open() {
        let dir = tempfile::tempdir().unwrap();
        let pool = fresh_sqlite(dir.path()).await;
        // A client that closes its request drops the handler wherever it waits: here at each
        // of begin_write's first steps in turn, the BEGIN given time to run between them.
        for polls in 1..=6 {
            for _ in 0..5 {
                let mut begin = Box::pin(begin_write(&pool));
                for _ in 0..polls {
                    // A zero timeout polls the future once.
                    if tokio::time::timeout(Duration::ZERO, begin.as_mut())
                        .await
                        .is_ok()
                    {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                drop(begin);
            }
        }
        for seq in 1..=8 {
            write_once(&pool, seq).await.unwrap();
        }
    }

    #[test]
    fn many_row_values_are_numbered_on_postgres_and_bare_on_sqlite() {
        assert_eq!(
            values_rows(Engine::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(values_rows(Engine::Sqlite, 2, 3), "(?, ?, ?), (?, ?, ?)");
    }

    /// The migrations a file made before `pos` had applied: 0001–0003, as they are.
    async fn old_migrator(dir: &Path) -> sqlx::migrate::Migrator {
        migrator_up_to(dir, "0003").await
    }

    /// The SQLite migrations up to the one numbered `last`, as an older file had applied them.
    async fn migrator_up_to(dir: &Path, last: &str) -> sqlx::migrate::Migrator {
        let old = dir.join("old-migrations");
        std::fs::create_dir(&old).unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        for entry in std::fs::read_dir(&from).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name[..4] <= *last {
                std::fs::copy(from.join(&name), old.join(&name)).unwrap();
            }
        }
        sqlx::migrate::Migrator::new(old).await.unwrap()
    }

    /// A file from before the counts, holding one exception raised three times (three rows):
    /// the rows stay, the exception is counted once with occurrences 3, and raised again it
    /// counts on without a new row.
    #[tokio::test]
    async fn repeated_exceptions_from_before_the_counts_are_counted_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(&dir.path().join("old.sqlite3")).unwrap();
        sqlx::any::install_default_drivers();
        let mut old = AnyConnection::connect(&url).await.unwrap();
        migrator_up_to(dir.path(), "0007")
            .await
            .run(&mut old)
            .await
            .unwrap();
        for (device, seq, at) in [("a", 2, 10), ("a", 2, 30), ("a", 2, 20), ("b", 1, 5)] {
            sqlx::query(
                "INSERT INTO security_exceptions (device, seq, code, detail, raised_at) \
                 VALUES ($1, $2, 'fork', 'x', $3)",
            )
            .bind(device)
            .bind(seq)
            .bind(at)
            .execute(&mut old)
            .await
            .unwrap();
        }
        old.close().await.unwrap();

        let pool = open(&url).await.unwrap();
        let counts = || async {
            let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
                "SELECT device, seq, occurrences, last_seen_at FROM security_exception_counts \
                 ORDER BY device",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            rows
        };
        assert_eq!(
            counts().await,
            vec![("a".into(), 2, 3, 30), ("b".into(), 1, 1, 5)]
        );
        assert_eq!(crate::event_log::exception_count(&pool).await.unwrap(), 2);
        let mut tx = begin_write(&pool).await.unwrap();
        crate::event_log::insert_exception(&mut tx, "a", 2, "fork", "again")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts().await[0].2, 4);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM security_exceptions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 4, "the old rows kept, no new one");
        pool.close().await;
    }

    /// A file made before `pos` (migrations 0001–0003, pulled by rowid) keeps its order, and
    /// each event's rowid becomes its pos, so the cursors devices hold stay valid.
    #[tokio::test]
    async fn an_sqlite_file_from_before_positions_keeps_its_pull_order() {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(&dir.path().join("old.sqlite3")).unwrap();
        sqlx::any::install_default_drivers();
        let mut old = AnyConnection::connect(&url).await.unwrap();
        old_migrator(dir.path()).await.run(&mut old).await.unwrap();
        for (rowid, device) in [(3, "tablet-b"), (7, "tablet-a")] {
            let event = first_event(device);
            let body = serde_json::to_string(&event).unwrap();
            sqlx::query(
                "INSERT INTO events (rowid, device, seq, hlc_wall_ms, hlc_counter, operator, \
                 kind, body, prev_hash, hash, received_at) \
                 VALUES ($1, $2, 1, 1, 0, 'kanri', $3, $4, '', '', 0)",
            )
            .bind(rowid)
            .bind(device)
            .bind(event.kind.tag().as_str())
            .bind(body)
            .execute(&mut old)
            .await
            .unwrap();
        }
        old.close().await.unwrap();

        let pool = open(&url).await.unwrap();
        let (events, cursor) = crate::event_log::pull(&pool, 0, 10).await.unwrap();
        let order: Vec<String> = events.iter().map(|e| e.id().to_string()).collect();
        assert_eq!(
            (order, cursor),
            (vec!["tablet-b:1".into(), "tablet-a:1".into()], 7)
        );
        let (after_b, _) = crate::event_log::pull(&pool, 3, 10).await.unwrap();
        assert_eq!(
            after_b.len(),
            1,
            "a cursor from before still means the same place"
        );
        // A new event goes after every old one.
        let new = first_event("tablet-c");
        let log = crate::log_key::LogKey::new("daicho.test/log", SigningKey::from_bytes(&[9; 32]));
        let rules = crate::rule_check::RuleCache::default();
        crate::event_log::push(&pool, &log.unwrap(), &rules, &[new])
            .await
            .unwrap();
        let (newest, cursor) = crate::event_log::pull(&pool, 7, 10).await.unwrap();
        assert_eq!((newest.len(), cursor > 7), (1, true));
        pool.close().await;
    }
}
