//! The device keeps the last checkpoint of the endpoint's log it opened, and at each sync
//! checks that the new one extends it (an RFC 6962 consistency proof). A server whose history
//! was rewritten since — even re-signed with its own key — cannot prove that: the sync stops
//! with an error and the kept checkpoint stays as it was, the evidence for an auditor.

use super::{answer, Signer, SyncError, SyncState};
use daicho_core::api::{paths, ConsistencyProof, ConsistencyQuery, LogKey};
use daicho_core::checkpoint::{self, Checkpoint, NoteError, Verifier};
use daicho_core::merkle::{self, Hash};
use daicho_core::tr;
use gloo::net::http::Request;
use serde::{Deserialize, Serialize};

/// A checkpoint as the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptCheckpoint {
    pub size: u64,
    /// The root, hex.
    pub root: String,
}

/// Why the endpoint's log does not check out.
#[derive(Debug, Clone, PartialEq)]
pub enum LogCheckError {
    /// The log key kept from enrollment is not a verifier key.
    BadLogKey(NoteError),
    /// The page's checkpoint does not open with the log's key.
    BadCheckpoint(NoteError),
    /// The endpoint's consistency proof is not a list of hashes.
    UnreadableProof,
    /// The new checkpoint does not extend the kept one: the history was rewritten.
    Rewritten { kept: u64, new: u64 },
}

impl std::fmt::Display for LogCheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            LogCheckError::BadLogKey(e) => return f.write_str(&e.message()),
            LogCheckError::BadCheckpoint(e) => tr!("サーバの記録の証明（チェックポイント）を確認できません：%{why}", why = e.message()),
            LogCheckError::UnreadableProof => tr!("サーバの証明が読み取れません。"),
            LogCheckError::Rewritten { kept, new } => tr!("サーバの記録が、この端末が前回確認した内容（%{kept}件）と一致しません（%{new}件）。記録が書き換えられた可能性があります。同期を止め、システム管理者に連絡してください。", kept = kept, new = new),
        };
        f.write_str(&text)
    }
}

/// Opens `note` and checks it extends the kept checkpoint; keeps it in `state` if so.
pub async fn check(signer: &Signer, state: &mut SyncState, note: &str) -> Result<(), SyncError> {
    let verifier = verifier(state).await?;
    let new = checkpoint::open(note, &verifier).map_err(LogCheckError::BadCheckpoint)?;
    if let Some(old) = &state.checkpoint {
        extends(signer, old, &new).await?;
    }
    state.checkpoint = Some(KeptCheckpoint {
        size: new.size,
        root: hex::encode(new.root),
    });
    Ok(())
}

/// The log's key: given at enrollment; a device enrolled before the log asks for it once.
async fn verifier(state: &mut SyncState) -> Result<Verifier, SyncError> {
    if state.log_key.is_none() {
        let key: LogKey = answer(Request::get(paths::LOG_KEY).build()).await?;
        state.log_key = Some(key.vkey);
    }
    let vkey = state.log_key.as_deref().unwrap_or_default();
    Ok(Verifier::from_vkey(vkey).map_err(LogCheckError::BadLogKey)?)
}

async fn extends(signer: &Signer, old: &KeptCheckpoint, new: &Checkpoint) -> Result<(), SyncError> {
    let rewritten = LogCheckError::Rewritten {
        kept: old.size,
        new: new.size,
    };
    let old_root: Hash = hex::decode(&old.root)
        .ok()
        .and_then(|r| r.try_into().ok())
        .ok_or_else(|| rewritten.clone())?;
    if new.size < old.size || (new.size == old.size && new.root != old_root) {
        return Err(rewritten.into());
    }
    if new.size == old.size || old.size == 0 {
        return Ok(());
    }
    let proof = consistency_proof(signer, old.size, new.size).await?;
    merkle::verify_consistency(old.size, &old_root, new.size, &new.root, &proof)
        .map_err(|_| rewritten.into())
}

async fn consistency_proof(signer: &Signer, from: u64, to: u64) -> Result<Vec<Hash>, SyncError> {
    let url = ConsistencyQuery { from, to }.url();
    let request = signer.sign(Request::get(&url), "GET", &url, "").await?;
    let proof: ConsistencyProof = answer(request.build()).await?;
    Ok(proof.hashes().ok_or(LogCheckError::UnreadableProof)?)
}
