//! Stable sorts that share one copy of the standard library's sort.
//!
//! `slice::sort_by` is generic over its comparison, so each call site (each closure) gets its
//! own copy of the whole sort in the WebAssembly, some 3.5 KB each. These sort the items'
//! positions instead, always through the same comparison type (`&mut dyn FnMut`), so the
//! wasm holds the sort once; then they move the items into that order. The order is the one
//! `sort_by` gives: stable, equal items keep theirs.

use std::cmp::Ordering;

/// As `slice::sort_by`.
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_positions(&mut order, &mut |a, b| compare(&items[*a], &items[*b]));
    put_in_order(items, order);
}

/// As `slice::sort_by_key` (which also computes the key twice per comparison).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// As `slice::sort`.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// The one instance of the standard library's stable sort.
fn sort_positions(order: &mut [usize], compare: &mut dyn FnMut(&usize, &usize) -> Ordering) {
    order.sort_by(compare);
}

/// Moves `items[order[i]]` to position `i`, for every `i`, one cycle of the permutation at a
/// time (`order[i] = i` marks a position done).
fn put_in_order<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        while order[at] != at {
            let from = order[at];
            order[at] = at;
            if from == start {
                // The cycle is closed: `items[start]` was moved along it to here.
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_the_standard_library_does_and_keeps_equal_items_in_order() {
        let mut seed = 7u64;
        for len in 0..200 {
            let items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 59) as u8, i)
                })
                .collect();
            let mut ours = items.clone();
            let mut std = items.clone();
            sort_by_key(&mut ours, |p| p.0);
            std.sort_by_key(|p| p.0);
            assert_eq!(ours, std);
            let mut ours = items.clone();
            let mut std = items;
            sort_by(&mut ours, |a, b| b.cmp(a));
            std.sort_by(|a, b| b.cmp(a));
            assert_eq!(ours, std);
        }
    }
}
