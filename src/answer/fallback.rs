//! A service's fallback (`fallbackServiceID`): when the service fails in a way another service
//! can fix — unavailable, rate limited, a timeout, an unknown model — before the answer has
//! shown anything, the same request goes once to the fallback service with its default model.
//! Once anything has been shown, the answer keeps it and ends with the error as usual: a second
//! model continuing someone else's half answer would read as one voice and be wrong.
//!
//! Only one hop is taken, whatever the fallback's own `fallbackServiceID` says, so no
//! configuration can make a request go round in circles. The switch is announced by
//! [`Event::AnsweredBy`], which the stream writer turns into a note and the usage report into
//! the provider and model that really answered.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::llm::{Answerer, ErrorClass, Event, EventStream, LanguageModel, LlmError, Request};

/// Whether another service may succeed where this one failed. Authentication, permission,
/// bad requests and too long a context are the admin's or the request's to fix (another
/// service would fail the same way or should not be used to route around a revoked key);
/// the plugin's own refusals (busy, quota) are not the service's at all.
pub fn can_fall_back(e: &LlmError) -> bool {
    matches!(
        e.class,
        ErrorClass::Unavailable | ErrorClass::RateLimited | ErrorClass::Timeout | ErrorClass::ModelNotFound
    )
}

/// A primary model with one fallback; both already behind the quotas (`Metered`).
pub struct Fallback {
    pub primary: Arc<dyn LanguageModel>,
    pub fallback: Arc<dyn LanguageModel>,
    /// Who answers when the fallback is used; its `model` replaces the request's.
    pub answerer: Answerer,
    /// For the admin's log: the primary service's name.
    pub primary_name: String,
}

#[async_trait]
impl LanguageModel for Fallback {
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError> {
        let first = match self.primary.stream(request).await {
            Ok(events) => events,
            Err(e) if can_fall_back(&e) => {
                self.log(&e);
                return Ok(self.switch(request).await);
            }
            Err(e) => return Err(e),
        };
        // The first event decides: an error another service can fix switches, anything else
        // (text, reasoning, tool calls, the end) means the primary answers, to the end.
        let (tx, rx) = mpsc::channel(64);
        let fallback = Fallback {
            primary: self.primary.clone(),
            fallback: self.fallback.clone(),
            answerer: self.answerer.clone(),
            primary_name: self.primary_name.clone(),
        };
        let request = request.clone();
        tokio::spawn(async move { fallback.forward(first, request, tx).await });
        Ok(rx)
    }
}

impl Fallback {
    fn log(&self, e: &LlmError) {
        tracing::warn!(
            service = %self.primary_name,
            fallback = %self.answerer.service_name,
            class = ?e.class,
            detail = %e.detail,
            "the AI service failed before answering; its fallback answers"
        );
    }

    /// The fallback's events, announced by [`Event::AnsweredBy`]; its failure to start is the
    /// stream's last event, so the answer ends visibly and still names who was tried.
    async fn switch(&self, request: &Request) -> EventStream {
        let mut request = request.clone();
        request.model = self.answerer.model.clone();
        let (tx, rx) = mpsc::channel(64);
        let _ = tx.try_send(Event::AnsweredBy(self.answerer.clone()));
        match self.fallback.stream(&request).await {
            Ok(events) => {
                tokio::spawn(pass(events, tx));
            }
            Err(e) => {
                let _ = tx.try_send(Event::Error(e));
            }
        }
        rx
    }

    async fn forward(self, mut first: EventStream, request: Request, tx: mpsc::Sender<Event>) {
        // Usage may come before an error; it is held until the first event that decides.
        let mut held = Vec::new();
        let decided = loop {
            let ev = tokio::select! {
                // The reader went away (Stop): dropping `first` closes the upstream request.
                _ = tx.closed() => return,
                ev = first.recv() => ev,
            };
            match ev {
                Some(Event::Usage(u)) => held.push(Event::Usage(u)),
                Some(Event::Error(e)) if can_fall_back(&e) => {
                    self.log(&e);
                    drop(first);
                    // Stop while the fallback is still connecting abandons that request too.
                    let events = tokio::select! {
                        _ = tx.closed() => return,
                        events = self.switch(&request) => events,
                    };
                    pass(events, tx).await;
                    return;
                }
                other => break other,
            }
        };
        for ev in held.into_iter().chain(decided) {
            if tx.send(ev).await.is_err() {
                return;
            }
        }
        pass(first, tx).await;
    }
}

/// Copies `events` to `tx` until either side ends.
async fn pass(mut events: EventStream, tx: mpsc::Sender<Event>) {
    loop {
        let ev = tokio::select! {
            _ = tx.closed() => return,
            ev = events.recv() => ev,
        };
        let Some(ev) = ev else { return };
        if tx.send(ev).await.is_err() {
            return;
        }
    }
}
