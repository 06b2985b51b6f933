//! Signing in: choose your name, then 照合情報認証 (the tablet's fingerprint or face check) or,
//! where that fails or is not registered, your PIN. On the very first run, register the first
//! staff member (the administrator) instead.

use crate::auth::session::{Operator, Session};
use crate::components::keyed::Keyed;
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::state::{local_action, use_store};
use crate::store::{new_id, SignInOutcome, Store, StoreError};
use chrono::Utc;
use daicho_core::people::{PersonDefined, PersonKind};
use daicho_core::tr;
use leptos::prelude::*;
use std::rc::Rc;

/// Recorded as the operator of the first-run registration, before anyone can sign in.
/// The operator of the first setup's acts: the same name as the rooms seeded with it.
const FIRST_SETUP: &str = crate::store::SYSTEM_OPERATOR;

/// Whether this tablet is joining the town: the join screen stays until every page is
/// pulled, although the people register fills from the first page on.
#[derive(Clone, Copy)]
struct Joining(RwSignal<bool>);

#[component]
pub fn SignInPage() -> impl IntoView {
    let directory = expect_context::<Directory>();
    let joining = Joining(RwSignal::new(false));
    provide_context(joining);
    let has_staff = move || !joining.0.get() && !directory.staff().is_empty();
    view! {
        <section class="sign-in" data-screen=move || if has_staff() { "sign-in" } else { "setup" }>
            <Shown when=has_staff fallback=move || view! { <FirstSetup/><JoinTown/> }>
                <PinSignIn/>
            </Shown>
        </section>
    }
}

/// How an operator proves who they are.
#[derive(Clone)]
enum Proof {
    Pin(String),
    /// 照合情報認証 on this tablet's authenticator.
    Passkey,
}

/// Signs `person` in with `proof`: who signed in, or what to tell them.
async fn sign_in(store: &Store, person: &str, proof: Proof) -> Result<PersonDefined, String> {
    let now = Utc::now();
    match proof {
        Proof::Pin(pin) => match store.sign_in(person, &pin, now).await {
            Ok(SignInOutcome::SignedIn(p)) => Ok(p),
            Ok(SignInOutcome::WrongPin { attempts_left: 0 }) => {
                let said = tr!("暗証番号が違います。ロックされました。システム管理者に解除を依頼してください。");
                Err(said.into())
            }
            Ok(SignInOutcome::WrongPin { attempts_left }) => {
                let said = tr!(
                    "暗証番号が違います。あと%{attempts_left}回間違えるとロックされます。",
                    attempts_left = attempts_left
                );
                Err(said.into())
            }
            Err(e) => Err(e.to_string()),
        },
        Proof::Passkey => store
            .passkey_sign_in(person, now)
            .await
            .map_err(|e| tr!("%{error} 暗証番号でもサインインできます。", error = e).into()),
    }
}

#[component]
fn PinSignIn() -> impl IntoView {
    let store = use_store();
    let directory = expect_context::<Directory>();
    let session = expect_context::<Session>();
    let chosen = RwSignal::new(None::<PersonDefined>);
    let chosen_id = Memo::new(move |_| chosen.with(|c| c.as_ref().map(|c| c.id.clone())));
    // Whether the person chosen registered 照合情報 (a passkey) on a tablet, asked on each
    // choice. An action, not a resource: this screen goes away in the same turn as a sign-in,
    // and a resource read under the shell's Suspense that goes before it has run would hold
    // the Suspense pending for good.
    let lookup = {
        let store = store.clone();
        local_action(move |id: &String| {
            let (store, id) = (store.clone(), id.clone());
            async move {
                let registered = store.passkeys_of(&id).await.is_ok_and(|p| !p.is_empty());
                (id, registered)
            }
        })
    };
    // Only the answer for the person chosen now counts, not one for an earlier choice.
    let has_passkey = move || {
        let answer = lookup.value().get();
        answer.is_some_and(|(id, registered)| registered && chosen_id.get() == Some(id))
    };
    let pin = RwSignal::new(String::new());
    // One attempt at a time, by PIN or passkey: what to tell the operator when it fails.
    let attempt = local_action(move |proof: &Proof| {
        let (store, person, proof) = (store.clone(), chosen.get_untracked(), proof.clone());
        async move {
            let Some(person) = person else {
                return Some(tr!("名前を選んでください。").into_owned());
            };
            let outcome = sign_in(&store, &person.id, proof).await;
            pin.set(String::new());
            match outcome {
                Ok(p) => {
                    session.sign_in(Operator {
                        person_id: p.id,
                        name: p.name,
                    });
                    None
                }
                Err(message) => Some(message),
            }
        }
    });
    let message = move || attempt.value().get().flatten();
    let busy = move || attempt.pending().get();
    let choose = move |person: PersonDefined| {
        lookup.dispatch(person.id.clone());
        chosen.set(Some(person));
        attempt.clear();
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        attempt.dispatch(Proof::Pin(pin.get_untracked()));
    };
    view! {
        <h2>{tr!("サインイン")}</h2>
        <p class="hint">{tr!("名前を選び、生体認証（照合情報を登録した方）または暗証番号でサインインしてください。")}</p>
        <div class="person-picker" role="group" aria-label=tr!("名前")>
            <Keyed each=move || directory.staff() key=|p| p.id.clone() children=move |person| {
                let label = person.name.clone();
                let id = person.id.clone();
                let affiliation = person.affiliation.clone();
                view! {
                    <button type="button" class="person"
                        aria-pressed=move || (chosen_id.get() == Some(id.clone())).to_string()
                        on:click=move |_| choose(person.clone())>
                        <strong>{label}</strong> <small>{affiliation}</small>
                    </button>
                }
            }/>
        </div>
        <Shown when=has_passkey>
            <div class="passkey-sign-in">
                <button type="button" id="sign-in-passkey" class="button primary big"
                    disabled=busy on:click=move |_| { attempt.dispatch(Proof::Passkey); }>
                    {tr!("生体認証でサインイン")}
                </button>
            </div>
        </Shown>
        <form class="pin-form" on:submit=submit>
            <label for="pin">
                {move || if has_passkey() { tr!("暗証番号（生体認証が使えないとき）") } else { tr!("暗証番号") }}
            </label>
            <input id="pin" type="password" inputmode="numeric" autocomplete="off" bind:value=pin/>
            <button type="submit" id="sign-in" class="button big"
                class:primary=move || !has_passkey() disabled=busy>
                {tr!("サインイン")}
            </button>
            {move || message().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        </form>
    }
}

#[component]
fn FirstSetup() -> impl IntoView {
    let store = use_store();
    let directory = expect_context::<Directory>();
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let affiliation = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let register = local_action(move |_: &()| {
        // In the gesture of the setup: the records this tablet will hold should stay.
        crate::device_storage::ask_to_persist_in_background();
        let person = PersonDefined {
            id: new_id(),
            name: name.get_untracked().trim().to_string(),
            affiliation: affiliation.get_untracked().trim().to_string(),
            kind: PersonKind::Staff,
        };
        let (pin, again) = (pin.get_untracked(), again.get_untracked());
        let store = store.clone();
        async move {
            // The form's own check: no rule of the registers, so not a refusal of theirs.
            if pin != again {
                return Outcome::Failed(tr!("確認の暗証番号が一致しません。").into());
            }
            let registered = register_first(&store, person, &pin).await;
            let signed_in = registered.map(|person| {
                let operator = Operator {
                    person_id: person.id.clone(),
                    name: person.name.clone(),
                };
                directory.put(person);
                session.sign_in(operator);
            });
            Outcome::of(signed_in, tr!("登録しました。"))
        }
    });
    view! {
        <h2>{tr!("初期設定")}</h2>
        <p class="hint">
            {tr!("この端末にはまだ職員が登録されていません。最初の職員（システム管理者）を登録してください。")}
        </p>
        <RecordForm class="setup-form" action=register>
            <Field id="setup-name" label=tr!("氏名") refusals=daicho_core::Field::Name>
                <input id="setup-name" autocomplete="off" aria-describedby="setup-name-error" bind:value=name/>
            </Field>
            <Field id="setup-affiliation" label=tr!("所属") refusals=daicho_core::Field::Affiliation>
                <input id="setup-affiliation" autocomplete="off" aria-describedby="setup-affiliation-error"
                    bind:value=affiliation/>
            </Field>
            <Field id="setup-pin" label=tr!("暗証番号（4〜8桁の数字）") refusals=daicho_core::Field::Pin>
                <input id="setup-pin" type="password" inputmode="numeric" autocomplete="off"
                    aria-describedby="setup-pin-error" bind:value=pin/>
            </Field>
            <Field id="setup-pin-again" label=tr!("暗証番号（確認）")>
                <input id="setup-pin-again" type="password" inputmode="numeric" autocomplete="off" bind:value=again/>
            </Field>
            <button type="submit" id="setup" class="button primary big" disabled=move || register.pending().get()>
                {tr!("登録してサインイン")}
            </button>
        </RecordForm>
    }
}

/// A second tablet joins the town's registers rather than starting its own: enrolled with a
/// one-time code, it pulls everything recorded so far, and its staff sign in as usual.
#[component]
fn JoinTown() -> impl IntoView {
    let store = use_store();
    let directory = expect_context::<Directory>();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let joining = expect_context::<Joining>();
    let join_town = local_action(move |_: &()| {
        joining.0.set(true);
        let (store, code, name) = (store.clone(), code.get_untracked(), name.get_untracked());
        async move {
            let joined = join(store, &code, &name).await;
            joining.0.try_set(false);
            match joined {
                Ok(people) => {
                    directory.replace(people);
                    Outcome::Done(tr!("登録し、記録を受信しました。").into())
                }
                Err(e) => Outcome::Failed(e),
            }
        }
    });
    view! {
        <RecordForm class="join-form" action=join_town>
            <h2>{tr!("既存の台帳に参加する")}</h2>
            <p class="hint">{tr!("出張所のタブレットなど、すでに使っている台帳を引き継ぐ端末は、システム管理者が発行した登録コードを入力します。登録後、これまでの記録を受信します。")}</p>
            <Field id="join-name" label=tr!("この端末の名前（例：中湧別出張所 タブレット1）")>
                <input id="join-name" autocomplete="off" bind:value=name/>
            </Field>
            <Field id="join-code" label=tr!("登録コード")>
                <input id="join-code" autocomplete="off" bind:value=code/>
            </Field>
            <button type="submit" id="join" class="button big" disabled=move || join_town.pending().get()>
                {tr!("登録して記録を受信")}
            </button>
        </RecordForm>
    }
}

/// Enrolls this device and pulls the town's records; the people register it now holds. The
/// pull holds the tabs' sync lock: enrolling is a write, and the runner's sync it prompts
/// would otherwise pull every page beside this one.
async fn join(store: Rc<Store>, code: &str, name: &str) -> Result<Vec<PersonDefined>, String> {
    let name = daicho_core::history::device_name(name)?;
    crate::sync::enroll(&store, code, &name)
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
