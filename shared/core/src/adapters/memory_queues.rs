//! In-process delay queue for local mode: due timers in due-time order, with redelivery after
//! a visibility delay. Unlike SQS it holds any delay, so local mode needs no sweeper.

use crate::ports::{MAX_QUEUE_DELAY, QueueError, TimerMsg, TimerQueue};
use async_trait::async_trait;
use jiff::Timestamp;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;

struct Entry<T> {
    due: Timestamp,
    seq: u64,
    attempts: u32,
    long: bool,
    /// Boxed: the heap moves entries on every push and pop, so keep them small.
    msg: Box<T>,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, o: &Self) -> bool {
        (self.due, self.seq) == (o.due, o.seq)
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(o.due, o.seq))
    }
}

/// A due-time-ordered queue.
pub struct DelayQueue<T> {
    heap: Mutex<(BinaryHeap<Reverse<Entry<T>>>, u64)>,
}

impl<T> Default for DelayQueue<T> {
    fn default() -> Self {
        DelayQueue { heap: Mutex::new((BinaryHeap::new(), 0)) }
    }
}

/// A message handed out, with how many times it was handed out before.
pub struct Delivery<T> {
    pub msg: T,
    pub attempts: u32,
    pub due: Timestamp,
    /// Queued with a delay longer than SQS can hold: in AWS it would reach the queue through
    /// the sweeper, and only if the cart still carries it when swept.
    pub long: bool,
}

impl<T> DelayQueue<T> {
    pub fn push(&self, msg: T, due: Timestamp, attempts: u32) {
        self.push_entry(msg, due, attempts, false);
    }

    fn push_entry(&self, msg: T, due: Timestamp, attempts: u32, long: bool) {
        let mut g = self.heap.lock().unwrap_or_else(|e| e.into_inner());
        g.1 += 1;
        let seq = g.1;
        g.0.push(Reverse(Entry { due, seq, attempts, long, msg: Box::new(msg) }));
    }

    /// Takes the earliest message due at or before `now`.
    pub fn pop_due(&self, now: Timestamp) -> Option<Delivery<T>> {
        let mut g = self.heap.lock().unwrap_or_else(|e| e.into_inner());
        if g.0.peek().is_some_and(|Reverse(e)| e.due <= now) {
            g.0.pop().map(|Reverse(e)| Delivery { msg: *e.msg, attempts: e.attempts, due: e.due, long: e.long })
        } else {
            None
        }
    }

    pub fn next_due(&self) -> Option<Timestamp> {
        self.heap.lock().unwrap_or_else(|e| e.into_inner()).0.peek().map(|Reverse(e)| e.due)
    }

    pub fn len(&self) -> usize {
        self.heap.lock().unwrap_or_else(|e| e.into_inner()).0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Default)]
pub struct MemoryTimerQueue(pub DelayQueue<TimerMsg>);

#[async_trait]
impl TimerQueue for MemoryTimerQueue {
    async fn schedule(&self, msg: &TimerMsg, due: Timestamp, now: Timestamp) -> Result<(), QueueError> {
        self.0.push_entry(msg.clone(), due, 0, due.duration_since(now) > MAX_QUEUE_DELAY);
        Ok(())
    }
}
