package clusterdb

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Watch follows the event log live (server-sent events). When the stream
// ends or the connection drops it reconnects, sending the last event's id
// as Last-Event-ID (before any event, the last bookmark's revision as
// `after`), so no event is lost or repeated. A position older than the
// history kept ends it with ErrOutOfRange (list from
// Details["oldest_after"], then watch again).
//
//	w := db.Events.Watch(ctx, clusterdb.WatchFrom(0), clusterdb.EventFilter{Types: []string{"fleet.created"}})
//	for w.Next() { event := w.Event() }
//	err := w.Err() // nil once ctx is done
type Watch struct {
	client  *Client
	ctx     context.Context
	after   string
	filter  EventFilter
	events  chan Event
	err     error
	current Event

	mu          sync.Mutex
	lastEventID string
	revision    int64
	reconnects  int
}

// LastEventID is the last event's id.
func (w *Watch) LastEventID() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastEventID
}

// Revision is the revision read through so far.
func (w *Watch) Revision() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.revision
}

// Reconnects counts the connections made again.
func (w *Watch) Reconnects() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reconnects
}

// position is where to resume: the last event's id, the revision read through.
func (w *Watch) position() (string, int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastEventID, w.revision
}

// advance records an event's id (if any) and a revision read through.
func (w *Watch) advance(id string, revision int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if id != "" {
		w.lastEventID = id
	}
	if revision > w.revision {
		w.revision = revision
	}
}

// WatchFrom starts a watch after revision `after` ("now": WatchNow).
func WatchFrom(after int64) string { return strconv.FormatInt(after, 10) }

// WatchNow starts a watch at the log's head.
const WatchNow = "now"

// Watch follows the log from `after` (WatchFrom(rev) or WatchNow) until ctx is done.
func (e *Events) Watch(ctx context.Context, after string, filter EventFilter) *Watch {
	w := &Watch{client: e.client, ctx: ctx, after: after, filter: filter, events: make(chan Event)}
	if revision, err := strconv.ParseInt(after, 10, 64); err == nil {
		w.revision = revision
	}
	go w.run()
	return w
}

// Next waits for the next event; false once the watch ended (see Err).
func (w *Watch) Next() bool {
	event, ok := <-w.events
	w.current = event
	return ok
}

// Event is the current event.
func (w *Watch) Event() Event { return w.current }

// Err is why the watch ended: nil when its context was done.
func (w *Watch) Err() error { return w.err }

func (w *Watch) run() {
	defer close(w.events)
	failures := 0
	for w.ctx.Err() == nil {
		err := w.stream()
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			w.err = err
			return
		}
		if w.ctx.Err() != nil {
			return
		}
		if err != nil {
			failures++
		} else {
			failures = 0
		}
		w.mu.Lock()
		w.reconnects++
		w.mu.Unlock()
		wait := time.Duration(failures) * 500 * time.Millisecond
		if wait > 5*time.Second {
			wait = 5 * time.Second
		}
		if sleepContext(w.ctx, wait) != nil {
			return
		}
	}
}

// stream reads one connection's events until it ends.
func (w *Watch) stream() error {
	query := w.filter.query(url.Values{})
	header := http.Header{"Accept": {"text/event-stream"}}
	lastEventID, revision := w.position()
	if lastEventID != "" {
		header.Set("Last-Event-ID", lastEventID)
	} else if revision > 0 {
		query.Set("after", strconv.FormatInt(revision, 10))
	} else {
		query.Set("after", w.after)
	}
	response, cancel, err := w.client.send(w.ctx, call{method: http.MethodGet, path: "/v1/events:watch", query: query, header: header, noLimit: true})
	if err != nil {
		return err
	}
	defer cancel()
	defer response.Body.Close()
	if response.StatusCode >= 400 {
		body, _ := io.ReadAll(io.LimitReader(response.Body, 64<<10))
		return apiError(response.StatusCode, response.Header, body)
	}
	scanner := bufio.NewScanner(response.Body)
	scanner.Buffer(make([]byte, 64<<10), 16<<20)
	kind, id, data := "message", "", []string{}
	for scanner.Scan() {
		line := strings.TrimSuffix(scanner.Text(), "\r")
		if line == "" {
			if len(data) > 0 {
				if err := w.dispatch(kind, id, strings.Join(data, "\n")); err != nil {
					return err
				}
			}
			kind, id, data = "message", "", data[:0]
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			kind = value
		case "data":
			data = append(data, value)
		case "id":
			id = value
		}
	}
	return scanner.Err()
}

func (w *Watch) dispatch(kind, id, data string) error {
	switch kind {
	case "bookmark":
		var bookmark struct {
			Revision int64 `json:"revision"`
		}
		if err := json.Unmarshal([]byte(data), &bookmark); err != nil {
			return err
		}
		w.advance("", bookmark.Revision)
		return nil
	case "error":
		status := 500
		if strings.Contains(data, `"OUT_OF_RANGE"`) {
			status = 410
		}
		return apiError(status, http.Header{}, []byte(data))
	}
	var event Event
	if err := json.Unmarshal([]byte(data), &event); err != nil {
		return err
	}
	w.advance(id, event.Revision)
	select {
	case w.events <- event:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}
