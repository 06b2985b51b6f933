//! The authenticator, through the browser's WebAuthn (`webauthn.js`): registering 照合情報
//! makes a credential whose public key goes into the 照合ID ledger; signing in asks for an
//! assertion over a challenge bound to the sign-in (daicho-core `webauthn::challenge`).
//! The biometric itself never leaves the authenticator (第8条第2項).

use daicho_core::tr;
use daicho_core::webauthn::PasskeyCredential;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/auth/webauthn.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = createPasskey)]
    async fn create_passkey(
        rp_id: &str,
        user_id: &str,
        user_name: &str,
        display_name: &str,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = getAssertion)]
    async fn get_assertion(
        rp_id: &str,
        credential_ids: Vec<String>,
        challenge: &[u8],
    ) -> Result<JsValue, JsValue>;
}

/// The parts of an assertion the authenticator gives (the rest is the app's).
#[derive(Debug, Clone, Deserialize)]
pub struct AuthenticatorAnswer {
    pub credential_id: String,
    pub authenticator_data: String,
    pub client_data_json: String,
    pub signature: String,
}

/// The relying party: the host the app is served from (WebAuthn needs a domain name).
pub fn rp_id() -> String {
    web_sys::window()
        .and_then(|w| w.location().hostname().ok())
        .unwrap_or_default()
}

pub fn is_available() -> bool {
    web_sys::window()
        .map(|w| js_sys::Reflect::has(&w, &"PublicKeyCredential".into()).unwrap_or(false))
        .unwrap_or(false)
}

/// Registers a new credential for the person on this tablet's authenticator.
pub async fn register(person_id: &str, name: &str) -> Result<PasskeyCredential, String> {
    let value = create_passkey(&rp_id(), person_id, person_id, name)
        .await
        .map_err(|e| refusal_text(&e))?;
    from_answer(value)
}

/// Asks the authenticator to sign `challenge` with one of `credential_ids`.
pub async fn assert(
    credential_ids: Vec<String>,
    challenge: &[u8],
) -> Result<AuthenticatorAnswer, String> {
    let value = get_assertion(&rp_id(), credential_ids, challenge)
        .await
        .map_err(|e| refusal_text(&e))?;
    from_answer(value)
}

/// What `webauthn.js` answered (a plain object), read through its JSON as the store reads its
/// records (`store::codec`).
fn from_answer<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    let text = js_sys::JSON::stringify(&value).map_err(|e| format!("{e:?}"))?;
    serde_json::from_str(&String::from(text)).map_err(|e| e.to_string())
}

/// The browser's refusal in words for the person at the tablet.
fn refusal_text(error: &JsValue) -> String {
    let name = js_sys::Reflect::get(error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" => {
            tr!("生体認証が確認できませんでした（取り消し、時間切れ、または本人確認の失敗）。")
        }
        "SecurityError" => {
            tr!("この接続では生体認証を使えません（HTTPSのホスト名で開いてください）。")
        }
        "InvalidStateError" => tr!("この認証器はすでに登録されています。"),
        "NotSupportedError" => tr!("この端末の認証器は対応する方式を持っていません。"),
        _ => tr!("生体認証でエラーが発生しました（%{name}）。", name = name),
    }
    .into_owned()
}
