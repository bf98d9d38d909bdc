//! The future-event list: a min-heap on (time, insertion order).
//!
//! Ties on time are broken by insertion order, which is what makes the
//! simulation deterministic and keeps messages on one link in FIFO order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::Time;

struct Entry<E> {
    time: Time,
    seq: u64,
    /// When the item was scheduled (a message's sending).
    sent: Time,
    item: E,
}

impl<E> Entry<E> {
    fn key(&self) -> (Time, u64) {
        (self.time, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// A queued item, when it was scheduled and when it is due.
#[derive(Debug, PartialEq, Eq)]
pub struct Scheduled<'a, E> {
    pub sent: Time,
    pub due: Time,
    pub item: &'a E,
}

/// Timed items popped in time order, FIFO among equal times.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self { heap: BinaryHeap::new(), next_seq: 0 }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `item` at `time`. Nothing may be scheduled in the past: the
    /// engine asserts it of every item it delivers.
    pub fn push(&mut self, time: Time, item: E) {
        self.push_sent(time, time, item);
    }

    /// As [`EventQueue::push`], for an item scheduled at `sent` (a message
    /// sent then, due at `time`).
    pub fn push_sent(&mut self, sent: Time, time: Time, item: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, sent, item });
    }

    /// When the earliest item is due.
    pub fn next_time(&self) -> Option<Time> {
        self.heap.peek().map(|e| e.time)
    }

    /// The earliest item, the first pushed among equal times.
    pub fn pop(&mut self) -> Option<(Time, E)> {
        self.heap.pop().map(|e| (e.time, e.item))
    }

    /// Every queued item, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &E> {
        self.heap.iter().map(|e| &e.item)
    }

    /// Every queued item with when it was scheduled and when it is due, in
    /// time order.
    pub fn scheduled(&self) -> Vec<Scheduled<'_, E>> {
        let mut all: Vec<&Entry<E>> = self.heap.iter().collect();
        all.sort_by_key(|e| e.key());
        all.into_iter().map(|e| Scheduled { sent: e.sent, due: e.time, item: &e.item }).collect()
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Empties the queue but keeps its allocation for the next run.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_fifo_on_ties() {
        let mut q = EventQueue::default();
        q.push(5, 'a');
        q.push(1, 'b');
        q.push(5, 'c');
        q.push(3, 'd');
        q.push(1, 'e');
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(1, 'b'), (1, 'e'), (3, 'd'), (5, 'a'), (5, 'c')]);
    }

    #[test]
    fn clear_resets_tie_breaking() {
        let mut q = EventQueue::default();
        q.push(1, 1);
        q.clear();
        assert!(q.is_empty());
        q.push(2, 7);
        q.push(2, 8);
        assert_eq!(q.pop(), Some((2, 7)));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn scheduled_items_keep_when_they_were_sent_in_time_order() {
        let mut q = EventQueue::default();
        q.push_sent(2, 9, 'a');
        q.push(4, 'b');
        assert_eq!(q.next_time(), Some(4));
        let due: Vec<_> = q.scheduled().iter().map(|s| (s.sent, s.due, *s.item)).collect();
        assert_eq!(due, vec![(4, 4, 'b'), (2, 9, 'a')]);
    }
}
