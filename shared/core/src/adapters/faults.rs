//! Fault injection for local mode and tests: a channel wrapper that fails the next sends as
//! scripted, the way a provider does (429/5xx → retryable, invalid number → permanent).

use crate::ports::{ChannelError, ChannelSender, OutgoingMessage};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Retryable,
    Permanent,
}

#[derive(Default)]
pub struct FaultQueue(Mutex<VecDeque<Fault>>);

impl FaultQueue {
    pub fn push(&self, f: Fault) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push_back(f);
    }

    fn next(&self) -> Option<Fault> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }
}

pub struct FaultyChannel {
    pub inner: Arc<dyn ChannelSender>,
    pub faults: Arc<FaultQueue>,
}

#[async_trait]
impl ChannelSender for FaultyChannel {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        match self.faults.next() {
            Some(Fault::Retryable) => Err(ChannelError::Retryable("injected: 503 from provider".into())),
            Some(Fault::Permanent) => Err(ChannelError::Permanent("injected: invalid number".into())),
            None => self.inner.send(msg).await,
        }
    }
}
