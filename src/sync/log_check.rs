//! The device keeps the last checkpoint of the endpoint's log it opened, and at each sync
//! checks that the new one extends it (an RFC 6962 consistency proof). A server whose history
//! was rewritten since — even re-signed with its own key — cannot prove that: the sync stops
//! with an error and the kept checkpoint stays as it was, the evidence for an auditor.

use super::{offline, refusal, Signer, SyncError, SyncState};
use daicho_core::checkpoint::{self, Checkpoint, Verifier};
use daicho_core::merkle::{self, Hash};
use gloo::net::http::Request;
use serde::{Deserialize, Serialize};

pub const CONSISTENCY_PATH: &str = "/api/log/consistency";

/// A checkpoint as the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptCheckpoint {
    pub size: u64,
    /// The root, hex.
    pub root: String,
}

#[derive(Deserialize)]
struct LogKey {
    vkey: String,
}

#[derive(Deserialize)]
struct Proof {
    proof: Vec<String>,
}

/// Opens `note` and checks it extends the kept checkpoint; keeps it in `state` if so.
pub async fn check(signer: &Signer, state: &mut SyncState, note: &str) -> Result<(), SyncError> {
    let verifier = verifier(state).await?;
    let new = checkpoint::open(note, &verifier).map_err(|e| {
        SyncError(format!(
            "サーバの記録の証明（チェックポイント）を確認できません：{}",
            e.message_ja()
        ))
    })?;
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
        let response = Request::get("/api/log/key").send().await.map_err(offline)?;
        if !response.ok() {
            return Err(refusal(response).await);
        }
        let key: LogKey = response.json().await.map_err(offline)?;
        state.log_key = Some(key.vkey);
    }
    let vkey = state.log_key.as_deref().unwrap_or_default();
    Verifier::from_vkey(vkey).map_err(|e| SyncError(e.message_ja()))
}

async fn extends(signer: &Signer, old: &KeptCheckpoint, new: &Checkpoint) -> Result<(), SyncError> {
    let old_root: Hash = hex::decode(&old.root)
        .ok()
        .and_then(|r| r.try_into().ok())
        .ok_or_else(|| rewritten(old, new))?;
    if new.size < old.size || (new.size == old.size && new.root != old_root) {
        return Err(rewritten(old, new));
    }
    if new.size == old.size || old.size == 0 {
        return Ok(());
    }
    let proof = consistency_proof(signer, old.size, new.size).await?;
    merkle::verify_consistency(old.size, &old_root, new.size, &new.root, &proof)
        .map_err(|_| rewritten(old, new))
}

async fn consistency_proof(signer: &Signer, from: u64, to: u64) -> Result<Vec<Hash>, SyncError> {
    let url = format!("{CONSISTENCY_PATH}?from={from}&to={to}");
    let request = signer
        .sign(Request::get(&url), "GET", CONSISTENCY_PATH, "")
        .await?;
    let response = request.send().await.map_err(offline)?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let proof: Proof = response.json().await.map_err(offline)?;
    proof
        .proof
        .iter()
        .map(|h| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(h)
                .ok()
                .and_then(|b| Hash::try_from(b).ok())
                .ok_or_else(|| SyncError("サーバの証明が読み取れません。".into()))
        })
        .collect()
}

fn rewritten(old: &KeptCheckpoint, new: &Checkpoint) -> SyncError {
    SyncError(format!(
        "サーバの記録が、この端末が前回確認した内容（{}件）と一致しません（{}件）。記録が書き換えられた可能性があります。同期を止め、システム管理者に連絡してください。",
        old.size, new.size
    ))
}
