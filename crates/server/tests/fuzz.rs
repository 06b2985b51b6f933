//! Fuzz targets for what reads untrusted bytes: a push body (JSON → `PushRequest` → the checks
//! the endpoint makes before storing), the chain check (`check_continuation`, `ChainWalk`) and
//! the request-signature headers (`devices::check_headers`, `signature_verifies`).
//!
//! Inputs are generated and shrunk by proptest (structured mutations of valid requests and
//! chains, and raw bytes), so the engine runs under plain `cargo test` on the stable toolchain.
//! Each target asserts invariants, not only "no panic": an accepted batch is one whose every
//! new event is seq ≥ 1, contiguous from the stored head, linked and hashed; an accepted
//! signature covers exactly what the device signed.
//!
//! - `cargo test --test fuzz` replays the corpus (tests/fuzz_corpus/<target>/, seeds and crash
//!   reproducers) and runs a short deterministic round of each target.
//! - `FUZZ_SECONDS=600 cargo test --test fuzz -- --ignored --nocapture` (tools/fuzz.sh) fuzzes
//!   for that long in total, prints executions and crashes per target, and saves each crash's
//!   shrunk input to the corpus as `crash-<hash>`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use daicho_core::api::PushRequest;
use daicho_core::chain::{check_continuation, test_chain, ChainWalk, Continuation, StoredChain};
use daicho_core::event::GENESIS_HASH;
use daicho_core::sync_limits::MAX_BATCH_EVENTS;
use daicho_core::{DeviceId, Event};
use daicho_server::devices::{
    check_headers, content_digest, signature_base, signature_verifies, SignedRequest,
    CLOCK_WINDOW_MS,
};
use ed25519_dalek::{Signer, SigningKey};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRng, TestRunner};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// The targets: each reads bytes, as an attacker sends them.

/// A push body: decoded as the endpoint decodes it, then checked as the endpoint checks it.
fn push_body(data: &[u8]) {
    let Ok(request) = serde_json::from_slice::<PushRequest>(data) else {
        return;
    };
    for event in &request.events {
        // What is stored is the event written again; read back, it must be the same event
        // with the same verdict on its hash, or the stored log would verify differently.
        let valid = event.hash_is_valid();
        let written = serde_json::to_string(event).expect("a decoded event serialises");
        let back: Event = serde_json::from_str(&written).expect("a written event reads back");
        assert_eq!(&back, event, "an event changes when stored: {written}");
        assert_eq!(
            back.hash_is_valid(),
            valid,
            "the hash verdict changes when stored"
        );
    }
    let events = &request.events;
    let one_device = events.iter().all(|e| e.device == events[0].device);
    if events.len() <= MAX_BATCH_EVENTS && one_device {
        let nothing: &[Event] = &[];
        if let Ok(continuation) = check_continuation(nothing, events) {
            assert_accepted(nothing, events, &continuation);
        }
    }
}

/// A stored chain and a batch pushed over it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChainCase {
    stored: Vec<Event>,
    batch: Vec<Event>,
}

fn chain(data: &[u8]) {
    let Ok(case) = serde_json::from_slice::<ChainCase>(data) else {
        return;
    };
    if let Ok(continuation) = check_continuation(case.stored.as_slice(), &case.batch) {
        assert_accepted(&case.stored, &case.batch, &continuation);
    }
    // The walk, over everything in any order (must not panic) and in the order of a store's
    // keys, (device, seq), where what it accepts must be whole chains.
    let mut all: Vec<Event> = case.stored.iter().chain(&case.batch).cloned().collect();
    walk(&all);
    all.sort_by(|a, b| (&a.device, a.seq).cmp(&(&b.device, b.seq)));
    if walk(&all) {
        assert_whole_chains(&all);
    }
}

/// Whether a `ChainWalk` accepts every event of `events`, its counts checked when it does.
fn walk(events: &[Event]) -> bool {
    let mut walk = ChainWalk::default();
    if events.iter().any(|e| walk.next(e).is_err()) {
        return false;
    }
    let mut devices: Vec<&DeviceId> = events.iter().map(|e| &e.device).collect();
    devices.dedup();
    assert_eq!(walk.events, events.len() as u64);
    assert_eq!(walk.devices, devices.len() as u64);
    true
}

/// A request's headers and body, and the server's clock when it arrives.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SignatureCase {
    device: Option<String>,
    timestamp: Option<String>,
    digest: Option<String>,
    signature: Option<String>,
    method: String,
    path: String,
    body: Vec<u8>,
    now_ms: i64,
}

fn signature(data: &[u8]) {
    let Ok(case) = serde_json::from_slice::<SignatureCase>(data) else {
        return;
    };
    let request = SignedRequest {
        device: case.device.as_deref(),
        timestamp: case.timestamp.as_deref(),
        digest: case.digest.as_deref(),
        signature: case.signature.as_deref(),
        method: &case.method,
        path: &case.path,
        body: &case.body,
    };
    let Ok(headers) = check_headers(&request, case.now_ms) else {
        return;
    };
    let at: i64 = headers
        .timestamp
        .parse()
        .expect("an accepted timestamp parses");
    assert!((i128::from(at) - i128::from(case.now_ms)).abs() <= i128::from(CLOCK_WINDOW_MS));
    assert_eq!(headers.digest, content_digest(&case.body));
    if signature_verifies(&signing_key().verifying_key(), &request, &headers) {
        // Only what the device signed verifies: every covered part as it was signed.
        let signed = signed_case();
        assert_eq!(headers.device, signed.device.as_deref().unwrap_or_default());
        assert_eq!(Some(headers.timestamp), signed.timestamp.as_deref());
        assert_eq!((&case.method, &case.path), (&signed.method, &signed.path));
        assert_eq!(case.body, signed.body);
    }
}

// ---------------------------------------------------------------------------------------------
// What an accepted batch must be.

/// `batch` was accepted over `stored`: every event is the batch's device's and hashed; the
/// leading `already_stored` are the stored ones; the rest are seq ≥ 1, contiguous, linked to
/// the stored event before them (or genesis), and continue a whole stored chain into one.
fn assert_accepted(stored: &[Event], batch: &[Event], continuation: &Continuation) {
    assert!(continuation.already_stored <= batch.len());
    for event in batch {
        assert_eq!(event.device, batch[0].device, "one device");
        assert!(event.hash_is_valid(), "{} hashed", event.id());
    }
    for event in &batch[..continuation.already_stored] {
        assert_eq!(
            stored.at(event.seq),
            Some(event),
            "{} is the stored one",
            event.id()
        );
    }
    let new = continuation.new_events(batch);
    let Some(first) = new.first() else {
        return;
    };
    let mut prev = match first.seq {
        1 => GENESIS_HASH.to_string(),
        seq => stored
            .at(seq.saturating_sub(1))
            .map(|e| e.hash.clone())
            .unwrap_or_default(),
    };
    let mut seq = first.seq;
    for event in new {
        assert!(event.seq >= 1, "{}: seq starts at 1", event.id());
        assert_eq!(event.seq, seq, "contiguous");
        assert_eq!(event.prev_hash, prev, "{} linked", event.id());
        prev = event.hash.clone();
        seq = seq.saturating_add(1);
    }
    let mut whole = stored.to_vec();
    if whole.iter().all(|e| e.device == first.device) && walk(&whole) {
        assert_eq!(first.seq, stored.head_seq() + 1, "continues the head");
        whole.extend_from_slice(new);
        assert!(walk(&whole), "the stored chain and the batch are one chain");
    }
}

/// Each device's events of `sorted` (by device, then seq) are its chain from 1: seq 1, 2, …,
/// each linked to the one before (the first to genesis), each hashed.
fn assert_whole_chains(sorted: &[Event]) {
    for (i, event) in sorted.iter().enumerate() {
        let before = i
            .checked_sub(1)
            .map(|j| &sorted[j])
            .filter(|b| b.device == event.device);
        let (seq, prev) = before.map_or((1, GENESIS_HASH), |b| (b.seq + 1, b.hash.as_str()));
        assert_eq!(event.seq, seq, "{} in its place", event.id());
        assert_eq!(event.prev_hash, prev, "{} linked", event.id());
        assert!(event.hash_is_valid(), "{} hashed", event.id());
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs: mutations of valid requests and chains, and raw bytes.

/// A JSON value an attacker might put anywhere.
fn odd_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(1.0)),
        Just(json!(1e300)),
        Just(json!(null)),
        Just(json!("")),
        Just(json!("\u{0}")),
        Just(json!("é\n\u{202e}")),
        Just(json!([])),
        Just(json!({})),
        Just(json!(GENESIS_HASH)),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(|s| json!(s)),
    ]
}

/// Replaces the value at a path chosen by `pick` (a walk down objects and arrays).
fn replace_somewhere(value: &mut serde_json::Value, mut pick: u64, new: serde_json::Value) {
    let mut here = value;
    loop {
        let children = match &*here {
            serde_json::Value::Object(map) => map.len(),
            serde_json::Value::Array(items) => items.len(),
            _ => 0,
        };
        if children == 0 || pick.is_multiple_of(4) {
            *here = new;
            return;
        }
        let child = ((pick / 4) % children as u64) as usize;
        pick /= 4 * children as u64;
        here = match here {
            serde_json::Value::Object(map) => map.values_mut().nth(child).expect("in range"),
            serde_json::Value::Array(items) => &mut items[child],
            _ => unreachable!("has children"),
        };
    }
}

/// Bytes of `seed` with values replaced, then a few bytes changed.
fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let values = prop::collection::vec((any::<u64>(), odd_value()), 0..3);
    let bytes = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3);
    (values, bytes).prop_map(move |(values, bytes)| {
        let mut data = seed.clone();
        if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&data) {
            for (pick, value) in values {
                replace_somewhere(&mut json, pick, value);
            }
            data = serde_json::to_vec(&json).expect("json serialises");
        }
        for (at, byte) in bytes {
            if !data.is_empty() {
                let i = at.index(data.len());
                data[i] = byte;
            }
        }
        data
    })
}

/// One of the corpus's inputs (or `fallback` when it has none), mutated; or raw bytes.
fn from_corpus(target: &str) -> BoxedStrategy<Vec<u8>> {
    let seeds: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, data)| data).collect();
    let seeded = prop::sample::select(seeds).prop_flat_map(mutated);
    prop_oneof![1 => prop::collection::vec(any::<u8>(), 0..64), 6 => seeded].boxed()
}

/// A change to a chain's events, as a hostile device might make it.
#[derive(Debug, Clone)]
enum Change {
    /// Set an event's seq (0, 1, u64::MAX, a neighbour's …), sealed again or not.
    Seq(prop::sample::Index, u64, bool),
    /// Link an event to genesis or to another event, sealed again.
    Relink(prop::sample::Index, prop::sample::Index, bool),
    /// Another device's name, sealed again or not.
    Device(prop::sample::Index, bool),
    Drop(prop::sample::Index),
    Duplicate(prop::sample::Index),
    Swap(prop::sample::Index, prop::sample::Index),
    /// Seal the whole list again as one linked chain from its first event's seq and link.
    Reseal,
}

fn change() -> impl Strategy<Value = Change> {
    let index = any::<prop::sample::Index>;
    let seq = prop_oneof![
        Just(0u64),
        Just(1),
        Just(2),
        Just(u64::MAX),
        Just(i64::MAX as u64 + 1),
        0u64..8
    ];
    prop_oneof![
        (index(), seq, any::<bool>()).prop_map(|(i, s, seal)| Change::Seq(i, s, seal)),
        (index(), index(), any::<bool>()).prop_map(|(i, j, g)| Change::Relink(i, j, g)),
        (index(), any::<bool>()).prop_map(|(i, seal)| Change::Device(i, seal)),
        index().prop_map(Change::Drop),
        index().prop_map(Change::Duplicate),
        (index(), index()).prop_map(|(i, j)| Change::Swap(i, j)),
        Just(Change::Reseal),
    ]
}

fn sealed_again(e: &Event, prev: &str) -> Event {
    let (device, op, kind) = (e.device.clone(), e.operator.clone(), e.kind.clone());
    Event::seal(device, e.seq, e.hlc, op, kind, prev)
}

fn apply(events: &mut Vec<Event>, change: &Change) {
    if events.is_empty() {
        return;
    }
    let n = events.len();
    match change {
        Change::Seq(i, seq, seal) => {
            let e = &mut events[i.index(n)];
            e.seq = *seq;
            if *seal {
                *e = sealed_again(e, &e.prev_hash.clone());
            }
        }
        Change::Relink(i, j, genesis) => {
            let prev = if *genesis {
                GENESIS_HASH.to_string()
            } else {
                events[j.index(n)].hash.clone()
            };
            let e = &mut events[i.index(n)];
            *e = sealed_again(e, &prev);
        }
        Change::Device(i, seal) => {
            let e = &mut events[i.index(n)];
            e.device = DeviceId("b".into());
            if *seal {
                *e = sealed_again(e, &e.prev_hash.clone());
            }
        }
        Change::Drop(i) => {
            events.remove(i.index(n));
        }
        Change::Duplicate(i) => events.insert(i.index(n), events[i.index(n)].clone()),
        Change::Swap(i, j) => events.swap(i.index(n), j.index(n)),
        Change::Reseal => {
            let (first_seq, mut prev) = (events[0].seq, events[0].prev_hash.clone());
            for (k, e) in events.iter_mut().enumerate() {
                e.seq = first_seq.wrapping_add(k as u64);
                *e = sealed_again(e, &prev);
                prev = e.hash.clone();
            }
        }
    }
}

/// A device's chain of 8 events, and a fork of it (built once).
fn chains() -> &'static (Vec<Event>, Vec<Event>) {
    static CHAINS: OnceLock<(Vec<Event>, Vec<Event>)> = OnceLock::new();
    CHAINS.get_or_init(|| {
        (
            test_chain("a", 8, "室", "op"),
            test_chain("a", 8, "別室", "op"),
        )
    })
}

/// A stored prefix of a device's chain and a batch cut from it (or from a fork of it), each
/// changed a few times.
fn chain_case() -> impl Strategy<Value = Vec<u8>> {
    let changes = || prop::collection::vec(change(), 0..4);
    (
        0u64..5,
        0u64..6,
        0u64..6,
        any::<bool>(),
        changes(),
        changes(),
    )
        .prop_map(
            |(stored_len, from, len, fork, stored_changes, batch_changes)| {
                let (all, forked) = chains();
                let other = if fork { forked } else { all };
                let mut stored = all[..stored_len as usize].to_vec();
                let from = from.min(7) as usize;
                let mut batch = other[from..(from + len as usize).min(8)].to_vec();
                stored_changes.iter().for_each(|c| apply(&mut stored, c));
                batch_changes.iter().for_each(|c| apply(&mut batch, c));
                serde_json::to_vec(&ChainCase { stored, batch }).expect("cases serialise")
            },
        )
}

const NOW_MS: i64 = 1_790_000_000_000;

fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// A push as a device signs it (signed once).
fn signed_case() -> SignatureCase {
    static SIGNED: OnceLock<SignatureCase> = OnceLock::new();
    SIGNED.get_or_init(sign_case).clone()
}

fn sign_case() -> SignatureCase {
    let body = br#"{"events":[]}"#.to_vec();
    let (device, timestamp) = ("tablet-a", NOW_MS.to_string());
    let digest = content_digest(&body);
    let base = signature_base(device, &timestamp, "POST", "/api/events", &digest);
    let signature = BASE64.encode(signing_key().sign(base.as_bytes()).to_bytes());
    SignatureCase {
        device: Some(device.into()),
        timestamp: Some(timestamp),
        digest: Some(digest),
        signature: Some(signature),
        method: "POST".into(),
        path: "/api/events".into(),
        body,
        now_ms: NOW_MS,
    }
}

/// The signed request with a header or the clock changed (extreme timestamps among them).
fn signature_case() -> impl Strategy<Value = Vec<u8>> {
    let timestamp = prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(NOW_MS + CLOCK_WINDOW_MS),
        Just(NOW_MS - CLOCK_WINDOW_MS - 1),
        any::<i64>()
    ]
    .prop_map(|t| t.to_string());
    let text = || prop::option::of(".{0,16}");
    let edits = (
        prop::option::of(prop_oneof![timestamp, ".{0,8}"]),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(any::<i64>()),
        prop::option::of(".{0,4}"),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..16)),
    );
    edits.prop_map(|(timestamp, device, signature, now, method, body)| {
        let mut case = signed_case();
        case.timestamp = timestamp.map_or(case.timestamp, Some);
        case.device = device.unwrap_or(case.device);
        case.signature = signature.unwrap_or(case.signature);
        case.now_ms = now.unwrap_or(case.now_ms);
        case.method = method.unwrap_or(case.method);
        if let Some(body) = body {
            case.digest = Some(content_digest(&body));
            case.body = body;
        }
        serde_json::to_vec(&case).expect("cases serialise")
    })
}

// ---------------------------------------------------------------------------------------------
// The engine: the corpus, a bounded run, shrinking, crash files.

struct Target {
    name: &'static str,
    run: fn(&[u8]),
    inputs: fn() -> BoxedStrategy<Vec<u8>>,
}

const TARGETS: [Target; 3] = [
    Target {
        name: "push_body",
        run: push_body,
        inputs: || from_corpus("push_body"),
    },
    Target {
        name: "chain",
        run: chain,
        inputs: || prop_oneof![4 => chain_case(), 1 => from_corpus("chain")].boxed(),
    },
    Target {
        name: "signature",
        run: signature,
        inputs: || prop_oneof![4 => signature_case(), 1 => from_corpus("signature")].boxed(),
    },
];

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fuzz_corpus/{target}"))
}

/// The corpus's inputs of `target`, by file name.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir(target))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|f| (f.file_name().to_string_lossy().into(), f.path()))
                .filter_map(|(name, path)| Some((name, std::fs::read(path).ok()?)))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

thread_local! {
    /// Panics expected while fuzzing (each is counted and its input kept) are not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// Where the last quiet panic happened: one crash per place in the code.
    static PLACE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Where in the code `target` panics on `data`, if it does, its panic message unprinted.
fn crashes(target: &Target, data: &[u8]) -> Option<String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                let place = info.location().map(ToString::to_string);
                PLACE.with(|p| *p.borrow_mut() = place.unwrap_or_default());
            } else {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let crashed = catch_unwind(AssertUnwindSafe(|| (target.run)(data))).is_err();
    QUIET.with(|q| q.set(false));
    crashed.then(|| PLACE.with(|p| p.borrow().clone()))
}

/// The smallest input the tree shrinks to that still crashes at `place`.
fn shrink(target: &Target, tree: &mut impl ValueTree<Value = Vec<u8>>, place: &str) -> Vec<u8> {
    let mut smallest = tree.current();
    for _ in 0..2000 {
        if !tree.simplify() {
            break;
        }
        while crashes(target, &tree.current()).as_deref() == Some(place) {
            smallest = tree.current();
            if !tree.simplify() {
                return smallest;
            }
        }
        if !tree.complicate() {
            break;
        }
    }
    smallest
}

/// What a run of one target did.
struct Run {
    executions: u64,
    /// Each place in the code that panicked, and the file its shrunk input was saved to.
    crashes: Vec<(String, PathBuf)>,
}

/// Runs `target` on generated inputs until `deadline` or `max` executions; each crash is
/// shrunk and saved to the corpus (with `save`) or kept in memory.
fn fuzz(target: &Target, rng: TestRng, deadline: Instant, max: u64, save: bool) -> Run {
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = (target.inputs)();
    let mut run = Run {
        executions: 0,
        crashes: Vec::new(),
    };
    while run.executions < max && Instant::now() < deadline {
        let mut tree = strategy.new_tree(&mut runner).expect("inputs generate");
        run.executions += 1;
        let Some(place) = crashes(target, &tree.current()) else {
            continue;
        };
        if run.crashes.iter().any(|(seen, _)| *seen == place) {
            continue;
        }
        let input = shrink(target, &mut tree, &place);
        let name = format!("crash-{}", &hex::encode(Sha256::digest(&input))[..16]);
        let path = corpus_dir(target.name).join(name);
        if save {
            std::fs::create_dir_all(corpus_dir(target.name)).expect("corpus dir");
            std::fs::write(&path, &input).expect("crash saved");
        } else {
            eprintln!(
                "{}: crash on {}",
                target.name,
                String::from_utf8_lossy(&input)
            );
        }
        run.crashes.push((place, path));
    }
    run
}

/// Every seed and crash reproducer in the corpus passes every invariant.
#[test]
fn the_corpus_replays_without_a_failure() {
    for target in &TARGETS {
        let inputs = corpus(target.name);
        assert!(!inputs.is_empty(), "{} has seeds", target.name);
        for (name, data) in inputs {
            let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(&data)));
            assert!(outcome.is_ok(), "{}/{name} fails", target.name);
        }
    }
}

/// A short, deterministic round of each target on every `cargo test`.
#[test]
fn each_target_holds_on_a_short_deterministic_round() {
    let deadline = Instant::now() + Duration::from_secs(60);
    for target in &TARGETS {
        let rng = TestRunner::deterministic().new_rng();
        let run = fuzz(target, rng, deadline, 300, false);
        assert!(run.crashes.is_empty(), "{} crashed", target.name);
    }
}

/// The bounded run of tools/fuzz.sh: FUZZ_SECONDS (default 600) shared by the targets.
#[test]
#[ignore = "long: run by tools/fuzz.sh"]
fn fuzz_for_a_while() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let share = Duration::from_secs(seconds) / TARGETS.len() as u32;
    let mut crashed = 0;
    for target in &TARGETS {
        let rng = TestRunner::new(Config::default()).new_rng();
        let run = fuzz(target, rng, Instant::now() + share, u64::MAX, true);
        println!(
            "fuzz {:<10} {:>9} executions in {:>4} s, {} crashes",
            target.name,
            run.executions,
            share.as_secs(),
            run.crashes.len(),
        );
        for (place, path) in &run.crashes {
            println!("  panicked at {place}; input saved to {}", path.display());
        }
        crashed += run.crashes.len();
    }
    assert_eq!(crashed, 0, "crashes saved to the corpus");
}
