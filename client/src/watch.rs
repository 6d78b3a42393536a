//! A watch of the event log that outlives its connections
//! ([`Client::follow_events`]): after a dropped connection or a server
//! restart it reconnects and goes on after the last event it saw.

use std::time::Duration;

use futures_util::{Stream, StreamExt as _};

use crate::error::ClientError;
use crate::rest::Client;
use crate::sse::Frame;
use crate::wire::Json;

/// Reconnections tried in a row before the watch gives up.
const RECONNECTS: u32 = 8;

/// Where a watch goes on from.
#[derive(Debug, Clone)]
enum Position {
    /// After this revision (`after=…`), or `now`.
    After(String),
    /// After the event with this id (`Last-Event-ID`).
    Event(String),
}

/// One connection's frames.
type Frames = std::pin::Pin<Box<dyn Stream<Item = Result<Frame, ClientError>> + Send>>;

/// A watch's state between the items it yields.
struct Follow {
    client: Client,
    query: Vec<(String, String)>,
    position: Position,
    frames: Option<Frames>,
    failures: u32,
}

impl Client {
    /// Follows the event log live from `after` (a revision or `now`),
    /// like [`Client::watch_events`], across connections: when one drops
    /// (the server restarted, a proxy timed out) it reconnects with
    /// `Last-Event-ID` — or after the last bookmark's revision — so no
    /// event is missed or repeated. It ends with an error when the server
    /// refuses the position (`410 OUT_OF_RANGE`: the log no longer holds
    /// it; start again from a fresh read) or after 8 failed reconnections
    /// in a row.
    pub fn follow_events(
        &self,
        after: &str,
        query: &[(&str, &str)],
    ) -> impl Stream<Item = Result<(String, Json), ClientError>> + Send + use<> {
        let state = Follow {
            client: self.clone(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            position: Position::After(after.to_string()),
            frames: None,
            failures: 0,
        };
        futures_util::stream::unfold(Some(state), |state| async move {
            let mut state = state?;
            let item = state.next().await;
            let ended = item.is_err();
            Some((item, (!ended).then_some(state)))
        })
    }
}

impl Follow {
    /// The next event, reconnecting as needed; an error ends the watch.
    async fn next(&mut self) -> Result<(String, Json), ClientError> {
        loop {
            let Some(frames) = self.frames.as_mut() else {
                self.connect().await?;
                continue;
            };
            match frames.next().await {
                Some(Ok(Frame::Event(id, json))) => {
                    self.failures = 0;
                    self.position = Position::Event(id.clone());
                    return Ok((id, json));
                }
                Some(Ok(Frame::Bookmark(revision))) => {
                    self.position = Position::After(revision.to_string());
                }
                // The server said no (410 and the like): final.
                Some(Err(err @ ClientError::Api { .. })) => return Err(err),
                // The connection dropped or the stream ended: again, after
                // a wait if no event came since the last try (a server
                // that ends every stream at once is not asked in a loop).
                Some(Err(err)) => {
                    self.frames = None;
                    self.pause(err).await?;
                }
                None => {
                    self.frames = None;
                    let ended = ClientError::Unexpected("the server ended the watch".into());
                    self.pause(ended).await?;
                }
            }
        }
    }

    /// Counts a failed try and waits before the next (250 ms doubling, at
    /// most 5 s); `err` once [`RECONNECTS`] tries in a row have failed.
    async fn pause(&mut self, err: ClientError) -> Result<(), ClientError> {
        if self.failures >= RECONNECTS {
            return Err(err);
        }
        self.failures += 1;
        let wait = Duration::from_millis(250) * (1 << self.failures.min(5));
        tokio::time::sleep(wait.min(Duration::from_secs(5))).await;
        Ok(())
    }

    /// Opens a connection at the current position (or waits, after a
    /// failed attempt).
    async fn connect(&mut self) -> Result<(), ClientError> {
        let pairs: Vec<(&str, &str)> = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (after, last_event_id) = match &self.position {
            Position::After(after) => (after.as_str(), None),
            Position::Event(id) => ("now", Some(id.as_str())),
        };
        match self.client.watch_frames(after, last_event_id, &pairs).await {
            Ok(frames) => {
                self.frames = Some(Box::pin(frames));
                Ok(())
            }
            Err(err @ ClientError::Api { .. }) => Err(err),
            Err(err) => self.pause(err).await,
        }
    }
}
