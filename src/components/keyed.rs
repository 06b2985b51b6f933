//! A list kept in place as its items come and go (Leptos's `<For>`), compiled once for every
//! list of the app: the items and their keys are type-erased, and only the few lines that turn
//! a list's own items into them are compiled per item type. (`<For>` is generic over its
//! closures, so each of the app's lists had its own copy of the keyed list's code.)

use leptos::prelude::*;
use std::any::Any;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// `<For each key children/>`, with the same arguments.
#[component]
pub fn Keyed<T, I, K, KF, R, V>(each: I, key: KF, children: R) -> impl IntoView
where
    T: Send + 'static,
    I: Fn() -> Vec<T> + Send + Sync + 'static,
    K: Eq + Hash + Send + Sync + 'static,
    KF: Fn(&T) -> K + Send + Sync + 'static,
    R: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let items: Items = Arc::new(move || {
        let items = each().into_iter();
        items
            .map(|i| (ItemKey(Arc::new(key(&i))), Box::new(i) as Item))
            .collect()
    });
    let draw: Draw = Arc::new(move |item: Item| {
        let item = item.downcast::<T>().ok();
        item.map(|i| children(*i)).into_any()
    });
    keyed(items, draw)
}

/// An item as the list holds it: of the list's own item type.
type Item = Box<dyn Any + Send>;
/// The items, each with its key, read reactively.
type Items = Arc<dyn Fn() -> Vec<(ItemKey, Item)> + Send + Sync>;
/// Draws an item.
type Draw = Arc<dyn Fn(Item) -> AnyView + Send + Sync>;

fn keyed(items: Items, draw: Draw) -> AnyView {
    view! {
        <For each=move || items() key=|(key, _)| key.clone() children=move |(_, item)| draw(item)/>
    }
    .into_any()
}

/// An item's key, its type erased: equal to another of the same type and value.
#[derive(Clone)]
struct ItemKey(Arc<dyn Key + Send + Sync>);

trait Key {
    fn as_any(&self) -> &dyn Any;
    fn equals(&self, other: &dyn Any) -> bool;
    fn hash_into(&self, state: &mut dyn Hasher);
}

impl<K: Eq + Hash + 'static> Key for K {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn equals(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<K>() == Some(self)
    }

    fn hash_into(&self, mut state: &mut dyn Hasher) {
        self.hash(&mut state);
    }
}

impl PartialEq for ItemKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.equals(other.0.as_any())
    }
}

impl Eq for ItemKey {}

impl Hash for ItemKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash_into(state);
    }
}
