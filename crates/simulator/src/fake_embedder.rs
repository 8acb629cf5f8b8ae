//! An OpenAI-compatible embeddings server on 127.0.0.1 that answers after a fixed latency (a
//! real provider's), for indexing tests and benchmarks: vectors are the bag-of-words of
//! [`crate::fake_provider::bag_of_words`], and it counts requests, texts and how many
//! requests were in flight at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_provider::bag_of_words;

/// What the server saw. Requests count as they arrive, so one the client gave up on (a
/// cancel) counts too, and leaves the in-flight count when it is dropped.
pub struct Served {
    pub requests: AtomicUsize,
    pub inputs: AtomicUsize,
    pub max_inputs: AtomicUsize,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    since_mark: Mutex<Vec<String>>,
    /// Requests past this many wait until [`Served::release`] (none wait by default): a test
    /// can stop a job at a known point however busy the machine is.
    hold_after: AtomicUsize,
    released: Mutex<Option<tokio::sync::watch::Sender<bool>>>,
}

impl Default for Served {
    fn default() -> Self {
        Served {
            requests: Default::default(),
            inputs: Default::default(),
            max_inputs: Default::default(),
            in_flight: Default::default(),
            max_in_flight: Default::default(),
            since_mark: Default::default(),
            hold_after: AtomicUsize::new(usize::MAX),
            released: Default::default(),
        }
    }
}

impl Served {
    fn get(n: &AtomicUsize) -> usize {
        n.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        Self::get(&self.requests)
    }

    pub fn inputs(&self) -> usize {
        Self::get(&self.inputs)
    }

    pub fn max_inputs(&self) -> usize {
        Self::get(&self.max_inputs)
    }

    pub fn max_in_flight(&self) -> usize {
        Self::get(&self.max_in_flight)
    }

    /// Holds every request after the first `n` until [`Served::release`].
    pub fn hold_after(&self, n: usize) {
        let (tx, _) = tokio::sync::watch::channel(false);
        *lock(&self.released) = Some(tx);
        self.hold_after.store(n, Ordering::SeqCst);
    }

    /// Lets held requests (and every later one) through.
    pub fn release(&self) {
        self.hold_after.store(usize::MAX, Ordering::SeqCst);
        if let Some(tx) = lock(&self.released).as_ref() {
            let _ = tx.send(true);
        }
    }

    /// Waits while request number `n` (from 1) is held.
    async fn gate(&self, n: usize) {
        if n <= self.hold_after.load(Ordering::SeqCst) {
            return;
        }
        let rx = lock(&self.released).as_ref().map(|tx| tx.subscribe());
        if let Some(mut rx) = rx {
            let _ = rx.wait_for(|open| *open).await;
        }
    }

    /// Forgets the texts asked for so far; [`Served::since_mark`] lists the ones after.
    pub fn mark(&self) {
        lock(&self.since_mark).clear();
    }

    pub fn since_mark(&self) -> Vec<String> {
        lock(&self.since_mark).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One request in flight, for as long as it lives.
struct InFlight(Arc<Served>);

impl InFlight {
    fn enter(served: &Arc<Served>) -> Self {
        let now = served.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        served.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(served.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct FakeEmbedder {
    /// The base URL to configure as the provider's `apiURL`.
    pub url: String,
    pub served: Arc<Served>,
}

impl FakeEmbedder {
    pub async fn start(latency: Duration, dimensions: usize) -> std::io::Result<Self> {
        let served = Arc::new(Served::default());
        let state = served.clone();
        let app = axum::Router::new().route(
            "/embeddings",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let s = state.clone();
                async move {
                    let inputs: Vec<String> = body["input"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default();
                    let n = s.requests.fetch_add(1, Ordering::SeqCst) + 1;
                    s.inputs.fetch_add(inputs.len(), Ordering::SeqCst);
                    s.max_inputs.fetch_max(inputs.len(), Ordering::SeqCst);
                    lock(&s.since_mark).extend(inputs.iter().cloned());
                    let _flight = InFlight::enter(&s);
                    s.gate(n).await;
                    tokio::time::sleep(latency).await;
                    let data: Vec<Value> = inputs
                        .iter()
                        .enumerate()
                        .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": bag_of_words(t, dimensions)}))
                        .collect();
                    axum::Json(json!({"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(FakeEmbedder { url, served })
    }
}
