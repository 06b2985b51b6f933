//! Signing in: choose your name, then 照合情報認証 (the tablet's fingerprint or face check) or,
//! where that fails or is not registered, your PIN. On the very first run, register the first
//! staff member (the administrator) instead.

use crate::auth::session::{Operator, Session};
use crate::directory::Directory;
use crate::store::{new_id, SignInOutcome, Store, StoreError};
use chrono::Utc;
use daicho_core::people::{PersonDefined, PersonKind};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// Recorded as the operator of the first-run registration, before anyone can sign in.
const FIRST_SETUP: &str = "初期設定";

#[component]
pub fn SignInPage() -> impl IntoView {
    let _store = crate::state::use_store_value();
    let directory = expect_context::<Directory>();
    let has_staff = move || !directory.staff().is_empty();
    view! {
        <section class="sign-in" data-screen=move || if has_staff() { "sign-in" } else { "setup" }>
            <Show when=has_staff fallback=move || view! { <FirstSetup/><JoinTown/> }>
                <PinSignIn/>
            </Show>
        </section>
    }
}

#[component]
fn PinSignIn() -> impl IntoView {
    let store = crate::state::use_store_value();
    let directory = expect_context::<Directory>();
    let session = expect_context::<Session>();
    let chosen = RwSignal::new(None::<PersonDefined>);
    let has_passkey = RwSignal::new(false);
    let pin = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let choose = move |person: PersonDefined| {
        let (store, id) = (store.get_value(), person.id.clone());
        chosen.set(Some(person));
        message.set(None);
        has_passkey.set(false);
        spawn_local(async move {
            let registered = store.passkeys_of(&id).await.is_ok_and(|p| !p.is_empty());
            if chosen.with_untracked(|c| c.as_ref().map(|c| c.id == id)) == Some(true) {
                has_passkey.set(registered);
            }
        });
    };
    let signed_in = move |p: PersonDefined| {
        session.sign_in(Operator {
            person_id: p.id,
            name: p.name,
        })
    };
    let with_passkey = move |_| {
        let Some(person) = chosen.get_untracked() else {
            return;
        };
        busy.set(true);
        let store = store.get_value();
        spawn_local(async move {
            let outcome = store.passkey_sign_in(&person.id, Utc::now()).await;
            busy.set(false);
            match outcome {
                Ok(p) => signed_in(p),
                Err(e) => message.set(Some(format!("{e} 暗証番号でもサインインできます。"))),
            }
        });
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(person) = chosen.get_untracked() else {
            return message.set(Some("名前を選んでください。".into()));
        };
        busy.set(true);
        let (store, entered) = (store.get_value(), pin.get_untracked());
        spawn_local(async move {
            let outcome = store.sign_in(&person.id, &entered, Utc::now()).await;
            busy.set(false);
            pin.set(String::new());
            match outcome {
                Ok(SignInOutcome::SignedIn(p)) => signed_in(p),
                Ok(SignInOutcome::WrongPin { attempts_left: 0 }) => message.set(Some(
                    "暗証番号が違います。ロックされました。システム管理者に解除を依頼してください。"
                        .into(),
                )),
                Ok(SignInOutcome::WrongPin { attempts_left }) => message.set(Some(format!(
                    "暗証番号が違います。あと{attempts_left}回間違えるとロックされます。"
                ))),
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <h2>"サインイン"</h2>
        <p class="hint">"名前を選び、生体認証（照合情報を登録した方）または暗証番号でサインインしてください。"</p>
        <div class="person-picker" role="group" aria-label="名前">
            <For each=move || directory.staff() key=|p| p.id.clone() children=move |person| {
                let label = person.name.clone();
                let id = person.id.clone();
                let affiliation = person.affiliation.clone();
                view! {
                    <button type="button" class="person"
                        aria-pressed=move || (chosen.with(|c| c.as_ref().map(|c| c.id.clone())) == Some(id.clone())).to_string()
                        on:click=move |_| choose(person.clone())>
                        <strong>{label}</strong> <small>{affiliation}</small>
                    </button>
                }
            }/>
        </div>
        <Show when=move || has_passkey.get()>
            <div class="passkey-sign-in">
                <button type="button" id="sign-in-passkey" class="button primary big"
                    disabled=move || busy.get() on:click=with_passkey>
                    "生体認証でサインイン"
                </button>
            </div>
        </Show>
        <form class="pin-form" on:submit=submit>
            <label for="pin">
                {move || if has_passkey.get() { "暗証番号（生体認証が使えないとき）" } else { "暗証番号" }}
            </label>
            <input id="pin" type="password" inputmode="numeric" autocomplete="off" bind:value=pin/>
            <button type="submit" id="sign-in" class="button big"
                class:primary=move || !has_passkey.get() disabled=move || busy.get()>
                "サインイン"
            </button>
            <Show when=move || message.get().is_some()>
                <p class="form-error" role="alert">{move || message.get()}</p>
            </Show>
        </form>
    }
}

#[component]
fn FirstSetup() -> impl IntoView {
    let store = crate::state::use_store_value();
    let directory = expect_context::<Directory>();
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let affiliation = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pin.get_untracked() != again.get_untracked() {
            return message.set(Some("確認の暗証番号が一致しません。".into()));
        }
        let person = PersonDefined {
            id: new_id(),
            name: name.get_untracked().trim().to_string(),
            affiliation: affiliation.get_untracked().trim().to_string(),
            kind: PersonKind::Staff,
        };
        busy.set(true);
        let (store, pin) = (store.get_value(), pin.get_untracked());
        spawn_local(async move {
            let result = register_first(&store, person, &pin).await;
            busy.set(false);
            match result {
                Ok(person) => {
                    let operator = Operator {
                        person_id: person.id.clone(),
                        name: person.name.clone(),
                    };
                    directory.put(person);
                    session.sign_in(operator);
                }
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <h2>"初期設定"</h2>
        <p class="hint">
            "この端末にはまだ職員が登録されていません。最初の職員（システム管理者）を登録してください。"
        </p>
        <form class="setup-form" on:submit=submit>
            <div class="field">
                <label for="setup-name">"氏名"</label>
                <input id="setup-name" autocomplete="off" bind:value=name/>
            </div>
            <div class="field">
                <label for="setup-affiliation">"所属"</label>
                <input id="setup-affiliation" autocomplete="off" bind:value=affiliation/>
            </div>
            <div class="field">
                <label for="setup-pin">"暗証番号（4〜8桁の数字）"</label>
                <input id="setup-pin" type="password" inputmode="numeric" autocomplete="off" bind:value=pin/>
            </div>
            <div class="field">
                <label for="setup-pin-again">"暗証番号（確認）"</label>
                <input id="setup-pin-again" type="password" inputmode="numeric" autocomplete="off" bind:value=again/>
            </div>
            <button type="submit" id="setup" class="button primary big" disabled=move || busy.get()>
                "登録してサインイン"
            </button>
            <Show when=move || message.get().is_some()>
                <p class="form-error" role="alert">{move || message.get()}</p>
            </Show>
        </form>
    }
}

/// A second tablet joins the town's registers rather than starting its own: enrolled with a
/// one-time code, it pulls everything recorded so far, and its staff sign in as usual.
#[component]
fn JoinTown() -> impl IntoView {
    let store = crate::state::use_store_value();
    let directory = expect_context::<Directory>();
    let code = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let (store, code) = (store.get_value(), code.get_untracked());
        spawn_local(async move {
            let joined = join(store, &code).await;
            busy.set(false);
            match joined {
                Ok(people) => directory.replace(people),
                Err(e) => message.set(Some(e)),
            }
        });
    };
    view! {
        <form class="join-form" on:submit=submit>
            <h2>"既存の台帳に参加する"</h2>
            <p class="hint">"出張所のタブレットなど、すでに使っている台帳を引き継ぐ端末は、システム管理者が発行した登録コードを入力します。登録後、これまでの記録を受信します。"</p>
            <div class="field">
                <label for="join-code">"登録コード"</label>
                <input id="join-code" autocomplete="off" bind:value=code/>
            </div>
            <button type="submit" id="join" class="button big" disabled=move || busy.get()>
                "登録して記録を受信"
            </button>
            <Show when=move || message.get().is_some()>
                <p class="form-error" role="alert">{move || message.get()}</p>
            </Show>
        </form>
    }
}

/// Enrolls this device and pulls the town's records; the people register it now holds. The
/// pull holds the tabs' sync lock: enrolling is a write, and the runner's sync it prompts
/// would otherwise pull every page beside this one.
async fn join(store: Rc<Store>, code: &str) -> Result<Vec<PersonDefined>, String> {
    crate::sync::enroll(&store, code)
        .await
        .map_err(|e| e.to_string())?;
    crate::sync::runner::sync_in_turn(store.clone())
        .await
        .map_err(|e| e.to_string())?;
    store.people().await.map_err(|e| e.to_string())
}

/// Registers the first person with their PIN and signs them in.
async fn register_first(
    store: &Store,
    person: PersonDefined,
    pin: &str,
) -> Result<PersonDefined, StoreError> {
    let now = Utc::now();
    if !daicho_core::sign_in::pin_is_well_formed(pin) {
        let code = daicho_core::RefusalCode::PinMalformed;
        let refusal = daicho_core::Refusal::new(code, daicho_core::Field::Pin, None);
        return Err(StoreError::Refused(daicho_core::Refusals(vec![refusal])));
    }
    let person = store.define_person(person, FIRST_SETUP, now).await?;
    store.set_pin(&person.id, pin, FIRST_SETUP, now).await?;
    match store.sign_in(&person.id, pin, Utc::now()).await? {
        SignInOutcome::SignedIn(p) => Ok(p),
        SignInOutcome::WrongPin { .. } => Err(StoreError::Storage("PIN mismatch".into())),
    }
}
