//! Independent runs on every core. Each run is deterministic on its own, and results come back in the
//! order of the inputs, so the output is byte for byte the same whatever the number of cores.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to every item on up to `available_parallelism` threads; the results in the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    done.lock().expect("a run panicked").push((i, r));
                }
            });
        }
    });
    let mut done = done.into_inner().expect("a run panicked");
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..100).collect();
        // Uneven work, so that threads finish out of order.
        let out = super::map(&items, |&i| (0..(100 - i) * 1000).fold(i, |a, x| a ^ x.rotate_left(7)));
        let expected: Vec<u64> =
            items.iter().map(|&i| (0..(100 - i) * 1000).fold(i, |a, x| a ^ x.rotate_left(7))).collect();
        assert_eq!(out, expected);
    }
}
