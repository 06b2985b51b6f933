//! What every page shares, provided once through context (as in the leptos examples): the
//! device's store, and the versions of what was written and synced that the pages' reads
//! follow, so a write or a sync refreshes the rows it changed, never the page.

use crate::store::{Store, LINE_WRITTEN, WRITTEN};
use crate::sync::runner::{ARRIVED, STATE_CHANGED};
use futures::future::LocalBoxFuture;
use leptos::prelude::*;
use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::rc::Rc;

/// The device's store, shared by every page. (A `StoredValue` in local storage: the store
/// lives on this thread, and the handle is `Copy`.)
#[derive(Clone, Copy)]
pub struct AppStore(StoredValue<Rc<Store>, LocalStorage>);

/// The store provided by the shell.
pub fn use_store() -> Rc<Store> {
    use_store_value().get_value()
}

/// The store's handle (`Copy`), for closures that outlive the component's first run.
pub fn use_store_value() -> StoredValue<Rc<Store>, LocalStorage> {
    expect_context::<AppStore>().0
}

/// A read of the store for a page: read again after each write or sync (`Versions`), and
/// whenever a signal `read` reads before its future changes. A newer read's answer replaces
/// an older one's, however they finish.
pub fn follow_store<T, Fut>(read: impl Fn(Rc<Store>) -> Fut + 'static) -> StoreRead<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    follow_with(read, Follows::Everything)
}

/// `follow_store`, for a read of registers that no logbook line changes (people, permits,
/// measures): read again after every other write and sync, not after each entry and exit.
pub fn follow_registers<T, Fut>(read: impl Fn(Rc<Store>) -> Fut + 'static) -> StoreRead<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    follow_with(read, Follows::Registers)
}

fn follow_with<T, Fut>(read: impl Fn(Rc<Store>) -> Fut + 'static, follows: Follows) -> StoreRead<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let read = move |store| -> LocalBoxFuture<'static, Answer> {
        let answer = read(store);
        Box::pin(async move { Rc::new(answer.await) as Answer })
    };
    StoreRead {
        answer: follow_erased(Box::new(read), follows),
        _type: PhantomData,
    }
}

/// Which writes a read follows.
#[derive(Clone, Copy)]
enum Follows {
    Everything,
    /// Every write but a logbook line's.
    Registers,
}

/// What a read answered, its type known to its `StoreRead`.
type Answer = Rc<dyn Any>;

/// A read's work, its future boxed.
type Read = Box<dyn Fn(Rc<Store>) -> LocalBoxFuture<'static, Answer>>;

/// The one resource behind every `StoreRead`. Leptos compiles its async machinery (the
/// derived future, its polls, its effects) once per resource type and future: read through
/// a boxed future into an `Rc<dyn Any>`, the pages' reads share one copy of it.
fn follow_erased(read: Read, follows: Follows) -> LocalResource<Answer> {
    let (store, versions) = (use_store(), use_versions());
    LocalResource::new(move || {
        match follows {
            Follows::Everything => versions.track(),
            Follows::Registers => versions.track_registers(),
        }
        read(store.clone())
    })
}

/// A page's read of the store (`follow_store`): `None` until its first answer, then the
/// latest answer. Reading it in a reactive closure follows it, as a `LocalResource` would.
pub struct StoreRead<T> {
    answer: LocalResource<Answer>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for StoreRead<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for StoreRead<T> {}

impl<T: 'static> StoreRead<T> {
    /// Applies `f` to the latest answer (`None` until the first).
    pub fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        self.answer
            .with(|answer| f(answer.as_ref().and_then(|a| a.downcast_ref::<T>())))
    }

    /// As `with`, without following the read.
    pub fn with_untracked<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        self.answer
            .with_untracked(|answer| f(answer.as_ref().and_then(|a| a.downcast_ref::<T>())))
    }

    /// Changes the latest answer in place (nothing before the first), notifying its readers.
    pub fn update(&self, change: impl FnOnce(&mut T))
    where
        T: Clone,
    {
        self.answer.try_update(|answer| {
            if let Some(latest) = answer.as_ref().and_then(|a| a.downcast_ref::<T>()) {
                let mut changed = latest.clone();
                change(&mut changed);
                *answer = Some(Rc::new(changed));
            }
        });
    }

    /// Reads again.
    pub fn refetch(&self) {
        self.answer.refetch();
    }

    /// Has the first read answered?
    pub fn is_read(&self) -> bool {
        self.with(|answer| answer.is_some())
    }

    /// The latest answer (`None` until the first).
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.with(|answer| answer.cloned())
    }
}

/// A page's action: `act` runs for each input dispatched. Leptos compiles an action's
/// machinery once per closure and future type; through a boxed future it is compiled once
/// per input and output type, which most forms share (`()` in, `Outcome` out).
pub fn local_action<I, O, Fut>(act: impl Fn(&I) -> Fut + 'static) -> Action<I, O>
where
    I: 'static,
    O: 'static,
    Fut: Future<Output = O> + 'static,
{
    erased_action(Box::new(move |input: &I| -> LocalBoxFuture<'static, O> {
        Box::pin(act(input))
    }))
}

/// An action's work, its future boxed.
type Act<I, O> = Box<dyn Fn(&I) -> LocalBoxFuture<'static, O>>;

fn erased_action<I: 'static, O: 'static>(act: Act<I, O>) -> Action<I, O> {
    Action::new_local(move |input: &I| act(input))
}

/// The versions the pages' reads follow: bumped after each write this tab commits (a logbook
/// line's apart from the others') and after each sync (here or in another tab) that brought
/// records.
#[derive(Clone, Copy)]
pub struct Versions {
    written: RwSignal<u64>,
    lines: RwSignal<u64>,
    synced: RwSignal<u64>,
}

impl Versions {
    /// Makes the calling read run again after any write or sync.
    pub fn track(&self) {
        self.lines.track();
        self.track_registers();
    }

    /// Makes the calling read run again after any write but a logbook line's, or a sync.
    pub fn track_registers(&self) {
        self.written.track();
        self.synced.track();
    }

    /// Records from elsewhere arrived.
    pub fn synced(&self) {
        self.synced.update(|n| *n += 1);
    }

    /// The number of syncs that brought records, read reactively.
    pub fn syncs(&self) -> u64 {
        self.synced.get()
    }
}

pub fn use_versions() -> Versions {
    expect_context::<Versions>()
}

/// Provides the store and the versions to everything below; the written version follows the
/// store's own announcement, fired once a write has committed.
pub fn provide_app_state(store: Rc<Store>) -> Versions {
    provide_context(AppStore(StoredValue::new_local(store)));
    let versions = Versions {
        written: RwSignal::new(0),
        lines: RwSignal::new(0),
        synced: RwSignal::new(0),
    };
    provide_context(versions);
    follow_after_paint(WRITTEN, versions.written);
    follow_after_paint(LINE_WRITTEN, versions.lines);
    versions
}

/// What the sync pages watch: bumped when records from elsewhere arrived and when the sync
/// state changed, following the events the sync runner fires.
#[derive(Clone, Copy)]
pub struct SyncSignals {
    pub arrived: RwSignal<u64>,
    pub state_changed: RwSignal<u64>,
}

impl SyncSignals {
    /// Provides the signals to everything below, for the life of the calling component.
    pub fn provide() -> SyncSignals {
        let signals = SyncSignals {
            arrived: RwSignal::new(0),
            state_changed: RwSignal::new(0),
        };
        provide_context(signals);
        follow(ARRIVED, signals.arrived);
        follow(STATE_CHANGED, signals.state_changed);
        signals
    }
}

/// Counts each `event` fired on `window` in `count`, while the calling component lives.
fn follow(event: &'static str, count: RwSignal<u64>) {
    if let Some(window) = web_sys::window() {
        let listener = gloo::events::EventListener::new(&window, event, move |_| {
            count.try_update(|n| *n += 1);
        });
        let listener = send_wrapper::SendWrapper::new(listener);
        on_cleanup(move || drop(listener));
    }
}

/// Runs `f` once the next frame is painted: the frame's callback runs before the paint, the task
/// it queues after it. A tab that paints no frame (hidden) does not run it until it does.
pub fn after_paint(f: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(f, std::time::Duration::ZERO));
}

/// Resolves once the next frame is painted, or after `UNPAINTED` in a tab that paints none:
/// what a write shows first (the row a tap added) is drawn in a frame before what follows it.
pub async fn painted() {
    let (done, wait) = futures::channel::oneshot::channel::<()>();
    let done = std::rc::Rc::new(std::cell::Cell::new(Some(done)));
    let fire = move || {
        if let Some(done) = done.take() {
            let _ = done.send(());
        }
    };
    after_paint(fire.clone());
    set_timeout(fire, UNPAINTED);
    let _ = wait.await;
}

/// Counts each `event` fired on `window` in `count`, as `follow`, once the next frame is
/// painted: the write's own result (the row a tap added) is drawn first, and the reads that
/// follow every write start after it (several writes before that frame, one count). A tab that
/// paints no frame (hidden) counts after `UNPAINTED`.
fn follow_after_paint(event: &'static str, count: RwSignal<u64>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let waiting = std::rc::Rc::new(std::cell::Cell::new(false));
    let listener = gloo::events::EventListener::new(&window, event, move |_| {
        if waiting.replace(true) {
            return;
        }
        let bump = {
            let waiting = waiting.clone();
            move || {
                if waiting.replace(false) {
                    count.try_update(|n| *n += 1);
                }
            }
        };
        after_paint(bump.clone());
        set_timeout(bump, UNPAINTED);
    });
    let listener = send_wrapper::SendWrapper::new(listener);
    on_cleanup(move || drop(listener));
}

/// How long a write's count waits for a frame that a hidden tab does not paint.
const UNPAINTED: std::time::Duration = std::time::Duration::from_millis(100);

/// The forms that hold what a clerk typed, or show how their submit went: a sync that brings
/// records while one does says so (the rows refresh in place either way).
#[derive(Clone, Copy)]
pub struct Editing(RwSignal<u32>);

impl Editing {
    pub fn provide() -> Editing {
        let editing = Editing(RwSignal::new(0));
        provide_context(editing);
        editing
    }

    /// Is any form being filled in, or showing its outcome?
    pub fn any(&self) -> bool {
        self.0.get_untracked() > 0
    }

    /// A form became dirty (`true`) or clean again.
    pub fn mark(&self, dirty: bool) {
        self.0.try_update(|n| {
            *n = if dirty { *n + 1 } else { n.saturating_sub(1) };
        });
    }
}
