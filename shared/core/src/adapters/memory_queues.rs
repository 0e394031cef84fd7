//! In-process queues for local mode: a delay queue for timers and an outbound queue with
//! redelivery after a visibility delay, both ordered by due time.

use crate::ports::{OutboundMsg, OutboundQueue, QueueError, TimerMsg, TimerQueue};
use async_trait::async_trait;
use jiff::Timestamp;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;

struct Entry<T> {
    due: Timestamp,
    seq: u64,
    attempts: u32,
    msg: T,
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
}

impl<T> DelayQueue<T> {
    pub fn push(&self, msg: T, due: Timestamp, attempts: u32) {
        let mut g = self.heap.lock().unwrap_or_else(|e| e.into_inner());
        g.1 += 1;
        let seq = g.1;
        g.0.push(Reverse(Entry { due, seq, attempts, msg }));
    }

    /// Takes the earliest message due at or before `now`.
    pub fn pop_due(&self, now: Timestamp) -> Option<Delivery<T>> {
        let mut g = self.heap.lock().unwrap_or_else(|e| e.into_inner());
        if g.0.peek().is_some_and(|Reverse(e)| e.due <= now) {
            g.0.pop().map(|Reverse(e)| Delivery { msg: e.msg, attempts: e.attempts, due: e.due })
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
    async fn schedule(&self, msg: &TimerMsg, due: Timestamp, _now: Timestamp) -> Result<(), QueueError> {
        self.0.push(msg.clone(), due, 0);
        Ok(())
    }
}

#[derive(Default)]
pub struct MemoryOutboundQueue(pub DelayQueue<OutboundMsg>);

#[async_trait]
impl OutboundQueue for MemoryOutboundQueue {
    async fn enqueue(&self, msg: &OutboundMsg) -> Result<(), QueueError> {
        // Visible at once: `Timestamp::MIN` sorts before any clock reading.
        self.0.push(msg.clone(), Timestamp::MIN, 0);
        Ok(())
    }
}
