package clusterdb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterdb/clusterdb/sdks/go/clusterdb"
)

// recording passes requests to the server, keeping them; per request,
// fail says what to do instead: "drop" (send it, lose the answer), a
// status (answer it without sending, with Retry-After: 0), or "" (answer).
type recording struct {
	mu       sync.Mutex
	fail     []string
	requests []*http.Request
}

func (r *recording) RoundTrip(request *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.requests = append(r.requests, request)
	action := ""
	if len(r.fail) > 0 {
		action, r.fail = r.fail[0], r.fail[1:]
	}
	r.mu.Unlock()
	if action != "" && action != "drop" {
		var status int
		fmt.Sscan(action, &status)
		return &http.Response{
			StatusCode: status, Request: request,
			Header: http.Header{"Retry-After": {"0"}, "Content-Type": {"application/json"}},
			Body:   io.NopCloser(strings.NewReader(`{"error":{"code":"UNAVAILABLE","message":"try again"}}`)),
		}, nil
	}
	response, err := http.DefaultTransport.RoundTrip(request)
	if err == nil && action == "drop" {
		io.Copy(io.Discard, response.Body)
		response.Body.Close()
		return nil, errors.New("connection reset")
	}
	return response, err
}

func (r *recording) client() *http.Client { return &http.Client{Transport: r} }

func noWait(context.Context, time.Duration) error { return nil }

func TestBehaviour(t *testing.T) {
	s := startServer(t)
	db := s.client()
	c := ctx(t)

	t.Run("lists page through every item", func(t *testing.T) {
		batch := unique("batch")
		var names []string
		for i := 0; i < 7; i++ {
			name := fmt.Sprintf("%s-%d", batch, i)
			names = append(names, name)
			_, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano", Tags: map[string]string{"batch": batch}})
			must(t, err)
		}
		rec := &recording{}
		listed, err := s.client(clusterdb.WithHTTPClient(rec.client())).Fleets.All(c, clusterdb.ListOptions{Tags: map[string]string{"batch": batch}, PageSize: 3})
		must(t, err)
		var got []string
		for _, fleet := range listed {
			got = append(got, fleet.Name)
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(names, ",") {
			t.Fatalf("listed %v", got)
		}
		if len(rec.requests) != 3 || rec.requests[1].URL.Query().Get("page_token") == "" {
			t.Fatalf("%d pages", len(rec.requests))
		}
	})

	t.Run("a lost answer is retried and runs once", func(t *testing.T) {
		name := unique("lost")
		rec := &recording{fail: []string{"drop"}}
		client := s.client(clusterdb.WithHTTPClient(rec.client()), clusterdb.WithSleep(noWait))
		fleet, err := client.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"})
		must(t, err)
		key := rec.requests[0].Header.Get("Idempotency-Key")
		if key == "" || rec.requests[1].Header.Get("Idempotency-Key") != key {
			t.Fatalf("keys %q %q", key, rec.requests[1].Header.Get("Idempotency-Key"))
		}
		all, err := db.Fleets.All(c, clusterdb.ListOptions{Name: name})
		must(t, err)
		if len(all) != 1 || all[0].ID != fleet.ID {
			t.Fatalf("%+v", all)
		}
	})

	t.Run("429 and 503 are retried honouring Retry-After", func(t *testing.T) {
		rec := &recording{fail: []string{"503", "429"}}
		var waits []time.Duration
		client := s.client(clusterdb.WithHTTPClient(rec.client()), clusterdb.WithSleep(func(_ context.Context, d time.Duration) error {
			waits = append(waits, d)
			return nil
		}))
		admins, err := client.Users.All(c, clusterdb.ListOptions{Name: "admin"})
		must(t, err)
		if len(admins) != 1 || len(waits) != 2 || waits[0] != 0 || len(rec.requests) != 3 {
			t.Fatalf("admins %d waits %v requests %d", len(admins), waits, len(rec.requests))
		}
	})

	t.Run("retries stop after max retries", func(t *testing.T) {
		rec := &recording{fail: []string{"503", "503", "503"}}
		client := s.client(clusterdb.WithHTTPClient(rec.client()), clusterdb.WithMaxRetries(2), clusterdb.WithSleep(noWait))
		_, err := client.Fleets.Get(c, "fleet-x")
		var apiErr *clusterdb.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, clusterdb.ErrUnavailable) || apiErr.RetryAfter() != 0 || len(rec.requests) != 3 {
			t.Fatalf("%v after %d requests", err, len(rec.requests))
		}
	})

	t.Run("a refused connection fails after retries", func(t *testing.T) {
		client := clusterdb.New("http://127.0.0.1:9", clusterdb.WithAPIKey("cdb_x_y"), clusterdb.WithMaxRetries(1), clusterdb.WithSleep(noWait))
		if _, err := client.Fleets.Get(c, "fleet-x"); !errors.Is(err, clusterdb.ErrConnection) {
			t.Fatal(err)
		}
	})

	t.Run("errors are typed with the API's fields", func(t *testing.T) {
		_, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: unique("bad"), Capacity: -1, InstanceType: "t3.nano"})
		var apiErr *clusterdb.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, clusterdb.ErrInvalidRequest) {
			t.Fatal(err)
		}
		if apiErr.Status != 400 || apiErr.Code != "INVALID_REQUEST" || apiErr.Field() != "capacity" || apiErr.Reason() == "" || apiErr.RequestID == "" {
			t.Fatalf("%+v", apiErr)
		}
		if _, err := db.Fleets.Get(c, "fleet-nope"); !errors.Is(err, clusterdb.ErrNotFound) {
			t.Fatal(err)
		}
	})

	t.Run("a taken name is a conflict", func(t *testing.T) {
		name := unique("taken")
		_, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"})
		must(t, err)
		_, err = db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"})
		if !errors.Is(err, clusterdb.ErrAlreadyExists) || !errors.Is(err, clusterdb.ErrConflict) {
			t.Fatal(err)
		}
	})

	t.Run("If-Match from an object read earlier", func(t *testing.T) {
		name := unique("ifmatch")
		fleet, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"})
		must(t, err)
		body := clusterdb.FleetInput{Name: name, Capacity: 2, InstanceType: "t3.nano"}
		_, err = db.Fleets.Replace(c, fleet.ID, body, clusterdb.IfMatch(fleet.ResourceVersion))
		must(t, err)
		_, err = db.Fleets.Replace(c, fleet.ID, body, clusterdb.IfMatch(fleet.ResourceVersion))
		var apiErr *clusterdb.APIError
		if !errors.Is(err, clusterdb.ErrPreconditionFailed) || !errors.As(err, &apiErr) || apiErr.Details["expected_version"] != float64(fleet.ResourceVersion) {
			t.Fatal(err)
		}
	})

	t.Run("an idempotency key reused for another request", func(t *testing.T) {
		name := unique("idem")
		key := clusterdb.IdempotencyKey("key-" + name)
		first, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"}, key)
		must(t, err)
		again, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"}, key)
		must(t, err)
		if again.ID != first.ID {
			t.Fatal("ran twice")
		}
		_, err = db.Fleets.Create(c, clusterdb.FleetInput{Name: name + "-b", Capacity: 1, InstanceType: "t3.nano"}, key)
		if !errors.Is(err, clusterdb.ErrIdempotencyKeyReused) {
			t.Fatal(err)
		}
	})

	t.Run("read options", func(t *testing.T) {
		name := unique("read")
		fleet, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"})
		must(t, err)
		for _, option := range []clusterdb.CallOption{clusterdb.MinRevision(fleet.ResourceVersion), clusterdb.Stale()} {
			got, err := db.Fleets.Get(c, fleet.ID, option)
			must(t, err)
			if got.ID != fleet.ID {
				t.Fatal(got.ID)
			}
		}
		listed, err := db.Fleets.All(c, clusterdb.ListOptions{Name: name, Stale: true})
		must(t, err)
		if len(listed) != 1 {
			t.Fatalf("%+v", listed)
		}
		_, err = db.Fleets.Get(c, fleet.ID, clusterdb.MinRevision(-1))
		var apiErr *clusterdb.APIError
		if !errors.As(err, &apiErr) || apiErr.Field() != "min_revision" {
			t.Fatal(err)
		}
	})

	t.Run("the user agent names the SDK", func(t *testing.T) {
		rec := &recording{}
		_, err := s.client(clusterdb.WithHTTPClient(rec.client())).Users.All(c, clusterdb.ListOptions{})
		must(t, err)
		if got := rec.requests[0].Header.Get("User-Agent"); got != "clusterdb-go/"+clusterdb.Version {
			t.Fatal(got)
		}
	})

	t.Run("a timeout bounds each attempt", func(t *testing.T) {
		silent, err := net.Listen("tcp", "127.0.0.1:0") // takes connections, never answers
		must(t, err)
		defer silent.Close()
		client := clusterdb.New("http://"+silent.Addr().String(), clusterdb.WithAPIKey("cdb_x_y"), clusterdb.WithTimeout(300*time.Millisecond), clusterdb.WithMaxRetries(0))
		started := time.Now()
		if _, err := client.Fleets.Get(c, "fleet-x"); !errors.Is(err, clusterdb.ErrConnection) || time.Since(started) > 5*time.Second {
			t.Fatal(err, time.Since(started))
		}
	})
}
