//! The bounded hand-off between a camera and inference: pushing never blocks;
//! when inference is behind, the oldest frame is dropped and counted.

use std::{
    collections::VecDeque,
    sync::{Arc, Condvar, Mutex},
    time::Duration,
};

/// A bounded FIFO that drops its oldest item when full.
#[derive(Debug)]
pub struct Handoff<T> {
    inner: Mutex<Inner<T>>,
    ready: Condvar,
    space: Condvar,
    capacity: usize,
}

#[derive(Debug)]
struct Inner<T> {
    queue: VecDeque<T>,
    dropped: u64,
    pushed: u64,
    closed: bool,
}

impl<T> Handoff<T> {
    /// A hand-off holding at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Arc<Handoff<T>> {
        Arc::new(Handoff {
            inner: Mutex::new(Inner {
                queue: VecDeque::new(),
                dropped: 0,
                pushed: 0,
                closed: false,
            }),
            ready: Condvar::new(),
            space: Condvar::new(),
            capacity: capacity.max(1),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds an item, dropping the oldest when full; returns whether one was dropped.
    pub fn push(&self, item: T) -> bool {
        let mut g = self.lock();
        g.pushed += 1;
        let dropped = if g.queue.len() >= self.capacity {
            g.queue.pop_front();
            g.dropped += 1;
            true
        } else {
            false
        };
        g.queue.push_back(item);
        drop(g);
        self.ready.notify_one();
        dropped
    }

    /// Adds an item, waiting while full (offline analysis of a file: nothing
    /// may be dropped); returns false, dropping the item, once closed.
    pub fn push_blocking(&self, item: T) -> bool {
        let g = self.lock();
        let mut g = self
            .space
            .wait_while(g, |i| i.queue.len() >= self.capacity && !i.closed)
            .unwrap_or_else(|p| p.into_inner());
        if g.closed {
            return false;
        }
        g.pushed += 1;
        g.queue.push_back(item);
        drop(g);
        self.ready.notify_one();
        true
    }

    /// Takes the oldest item, waiting up to `timeout`; `None` on timeout or when closed and empty.
    pub fn take(&self, timeout: Duration) -> Option<T> {
        let g = self.lock();
        let (mut g, _) = self
            .ready
            .wait_timeout_while(g, timeout, |i| i.queue.is_empty() && !i.closed)
            .unwrap_or_else(|p| p.into_inner());
        let item = g.queue.pop_front();
        drop(g);
        self.space.notify_one();
        item
    }

    /// Takes the oldest item if there is one.
    pub fn try_take(&self) -> Option<T> {
        let item = self.lock().queue.pop_front();
        self.space.notify_one();
        item
    }

    /// Items dropped so far.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Items pushed so far.
    pub fn pushed(&self) -> u64 {
        self.lock().pushed
    }

    /// Wakes every waiter; later `take`s return at once when empty.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
        self.space.notify_all();
    }

    /// Whether [`Handoff::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_oldest_when_full_and_never_blocks() {
        let h = Handoff::new(2);
        assert!(!h.push(1));
        assert!(!h.push(2));
        assert!(h.push(3));
        assert_eq!((h.pushed(), h.dropped()), (3, 1));
        assert_eq!(h.try_take(), Some(2));
        assert_eq!(h.take(Duration::from_millis(1)), Some(3));
        assert_eq!(h.take(Duration::from_millis(1)), None);
    }

    #[test]
    fn with_one_slot_the_newest_frame_replaces_the_waiting_one() {
        // A live camera's hand-off: inference always gets the freshest frame.
        let h = Handoff::new(1);
        assert!(!h.push(1));
        assert!(h.push(2));
        assert!(h.push(3));
        assert_eq!((h.pushed(), h.dropped()), (3, 2));
        assert_eq!(h.try_take(), Some(3));
        assert_eq!(h.try_take(), None);
    }

    #[test]
    fn blocking_push_waits_for_room_and_loses_nothing() {
        let h = Handoff::new(1);
        let h2 = h.clone();
        let producer = std::thread::spawn(move || (0..50).all(|i| h2.push_blocking(i)));
        let got: Vec<i32> = (0..50)
            .map(|_| h.take(Duration::from_secs(5)).unwrap())
            .collect();
        assert!(producer.join().unwrap());
        assert_eq!(got, (0..50).collect::<Vec<_>>());
        assert_eq!(h.dropped(), 0);
        h.close();
        assert!(!h.push_blocking(99));
    }

    #[test]
    fn a_waiting_consumer_wakes_on_push_and_on_close() {
        let h = Handoff::new(1);
        let h2 = h.clone();
        let t = std::thread::spawn(move || h2.take(Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        h.push(7);
        assert_eq!(t.join().unwrap(), Some(7));
        let h3 = h.clone();
        let t = std::thread::spawn(move || h3.take(Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        h.close();
        assert_eq!(t.join().unwrap(), None);
        assert!(h.is_closed());
    }
}
