//! The key the endpoint signs its checkpoints with: Ed25519, made on first start and kept in
//! the data directory (`log-key`, in the `PRIVATE+KEY+<name>+<id>+<base64>` form of Go's
//! `note` package), never in the database: whoever can write the database cannot also sign a
//! history rewritten there. Its public half is recorded in `log_keys` and published at
//! `GET /api/log/key`.

use anyhow::Context;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use daicho_core::checkpoint::{self, Checkpoint, Verifier};
use daicho_core::merkle::Hash;
use ed25519_dalek::SigningKey;
use sqlx::AnyPool;
use std::path::Path;

/// The file in the data directory that holds the key.
pub const KEY_FILE: &str = "log-key";

pub struct LogKey {
    key: SigningKey,
    /// The key name, which is also every checkpoint's origin line.
    name: String,
}

impl LogKey {
    /// The key in `dir`, or a new one named `origin` (else `daicho.<host>/log`) written there.
    pub fn load_or_create(dir: &Path, origin: Option<&str>) -> anyhow::Result<LogKey> {
        let path = dir.join(KEY_FILE);
        if let Ok(text) = std::fs::read_to_string(&path) {
            return LogKey::parse(text.trim())
                .with_context(|| format!("cannot read the log key {}", path.display()));
        }
        let name = origin.map_or_else(default_origin, str::to_string);
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let key = LogKey::new(&name, SigningKey::from_bytes(&seed))?;
        std::fs::create_dir_all(dir)?;
        write_private(&path, &key.private_text())
            .with_context(|| format!("cannot write the log key {}", path.display()))?;
        tracing::info!("made the log key {} in {}", key.vkey(), path.display());
        Ok(key)
    }

    pub fn new(name: &str, key: SigningKey) -> anyhow::Result<LogKey> {
        Verifier::new(name, key.verifying_key().as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(LogKey {
            key,
            name: name.to_string(),
        })
    }

    fn parse(text: &str) -> anyhow::Result<LogKey> {
        let mut parts = text.splitn(5, '+');
        let (Some("PRIVATE"), Some("KEY"), Some(name), Some(_id), Some(seed)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            anyhow::bail!("not PRIVATE+KEY+<name>+<id>+<key>");
        };
        let seed = BASE64.decode(seed)?;
        anyhow::ensure!(seed.len() == 33 && seed[0] == 0x01, "not an Ed25519 key");
        let key = LogKey::new(name, SigningKey::from_bytes(&seed[1..].try_into()?))?;
        anyhow::ensure!(text == key.private_text(), "the key id does not match");
        Ok(key)
    }

    fn private_text(&self) -> String {
        let mut seed = vec![0x01];
        seed.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            hex::encode(self.verifier().key_id()),
            BASE64.encode(seed)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> Verifier {
        Verifier::new(&self.name, self.key.verifying_key().as_bytes())
            .expect("checked when the key was made")
    }

    /// The public key as Go's `note` package writes verifier keys.
    pub fn vkey(&self) -> String {
        self.verifier().vkey()
    }

    /// The signed checkpoint of the tree of `size` leaves with `root`.
    pub fn sign(&self, size: u64, root: Hash) -> String {
        let head = Checkpoint {
            origin: self.name.clone(),
            size,
            root,
        };
        checkpoint::sign(&head, &self.key)
    }

    /// Records the public key among the log's keys (once), for `verify` and the archives.
    pub async fn record(&self, pool: &AnyPool) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO log_keys (vkey, added_at) VALUES ($1, $2) ON CONFLICT (vkey) DO NOTHING",
        )
        .bind(self.vkey())
        .bind(crate::now_ms())
        .execute(pool)
        .await?;
        Ok(())
    }
}

/// Every key the log has signed with, oldest first.
pub async fn recorded(pool: &AnyPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT vkey FROM log_keys ORDER BY added_at, vkey")
        .fetch_all(pool)
        .await
}

/// `daicho.<host name>/log`: a key name unlikely to be another town's.
fn default_origin() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && !h.contains(|c: char| c.is_whitespace() || c == '+'))
        .unwrap_or_else(|| "localhost".into());
    format!("daicho.{host}/log")
}

/// Writes a file only its owner can read (on Unix).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)?
        .write_all(format!("{text}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let made = LogKey::load_or_create(dir.path(), Some("daicho.test/log")).unwrap();
        let again = LogKey::load_or_create(dir.path(), Some("ignored/log")).unwrap();
        assert_eq!((again.name(), again.vkey()), (made.name(), made.vkey()));
        assert!(made.vkey().starts_with("daicho.test/log+"));
        let note = made.sign(0, daicho_core::merkle::empty_root());
        let opened = checkpoint::open(&note, &again.verifier()).unwrap();
        assert_eq!(opened.size, 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
