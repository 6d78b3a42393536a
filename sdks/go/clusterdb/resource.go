package clusterdb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Resource is one kind's CRUD: create, get, list (paginating), replace and
// delete, with optimistic concurrency (IfMatch) and idempotency keys.
type Resource[In, Out any] struct {
	client     *Client
	collection string // e.g. /v1/fleets
	items      string // the list answer's field, e.g. fleets
}

// CallOption adds a header or parameter to one call.
type CallOption func(*call)

// IfMatch makes a replace or delete apply only at this version (a
// resource's ResourceVersion), else ErrPreconditionFailed.
func IfMatch(version int64) CallOption {
	return func(c *call) { c.header.Set("If-Match", strconv.Quote(strconv.FormatInt(version, 10))) }
}

// IdempotencyKey sets the POST's key (one is made otherwise): a retry with
// the same key gets the first answer.
func IdempotencyKey(key string) CallOption {
	return func(c *call) { c.header.Set("Idempotency-Key", key) }
}

// MinRevision makes a read answer from a state at least this revision (e.g.
// a write's ResourceVersion), on any server, waiting for it a bounded time.
func MinRevision(revision int64) CallOption {
	return func(c *call) { c.query.Set("min_revision", strconv.FormatInt(revision, 10)) }
}

// Stale makes a read answer from whatever this server has, without waiting.
func Stale() CallOption {
	return func(c *call) { c.query.Set("stale", "true") }
}

// DryRun validates an apply and answers the result without storing it.
func DryRun() CallOption {
	return func(c *call) { c.query.Set("dry_run", "true") }
}

func (r *Resource[In, Out]) path(parts ...string) string {
	escaped := make([]string, len(parts))
	for i, part := range parts {
		escaped[i] = url.PathEscape(part)
	}
	return r.collection + "/" + strings.Join(escaped, "/")
}

func (r *Resource[In, Out]) call(ctx context.Context, method, path string, in any, options []CallOption) (*Out, error) {
	req := call{method: method, path: path, in: in, header: http.Header{}, query: url.Values{}}
	for _, option := range options {
		option(&req)
	}
	out := new(Out)
	req.out = out
	if err := r.client.do(ctx, req); err != nil {
		return nil, err
	}
	return out, nil
}

// Create makes one.
func (r *Resource[In, Out]) Create(ctx context.Context, in In, options ...CallOption) (*Out, error) {
	return r.call(ctx, http.MethodPost, r.collection, in, options)
}

// Get reads one by id (consistent, unless MinRevision or Stale says otherwise).
func (r *Resource[In, Out]) Get(ctx context.Context, id string, options ...CallOption) (*Out, error) {
	return r.call(ctx, http.MethodGet, r.path(id), nil, options)
}

// Replace replaces one (with IfMatch, only at that version).
func (r *Resource[In, Out]) Replace(ctx context.Context, id string, in In, options ...CallOption) (*Out, error) {
	return r.call(ctx, http.MethodPut, r.path(id), in, options)
}

// Delete deletes one (with IfMatch, only at that version).
func (r *Resource[In, Out]) Delete(ctx context.Context, id string, options ...CallOption) error {
	_, err := r.call(ctx, http.MethodDelete, r.path(id), nil, options)
	return err
}

// ListOptions filter and page a list.
type ListOptions struct {
	// PageSize is the items per page (default 100, at most 1,000).
	PageSize int
	// Tags must all match.
	Tags map[string]string
	// Name finds by name.
	Name string
	// Filters are the kind's own (fleet_id, namespace).
	Filters map[string]string
	// MinRevision and Stale are the read options, as for Get.
	MinRevision int64
	Stale       bool
}

// Page is one page of a list.
type Page[T any] struct {
	Items         []T
	NextPageToken string
	Revision      int64
}

// ListPage reads one page (token: the previous page's NextPageToken, or "").
func (r *Resource[In, Out]) ListPage(ctx context.Context, options ListOptions, token string) (*Page[Out], error) {
	query := url.Values{}
	if options.PageSize > 0 {
		query.Set("page_size", strconv.Itoa(options.PageSize))
	}
	if token != "" {
		query.Set("page_token", token)
	}
	for key, value := range options.Tags {
		query.Add("tag", key+":"+value)
	}
	if options.Name != "" {
		query.Set("name", options.Name)
	}
	for key, value := range options.Filters {
		query.Set(key, value)
	}
	if options.MinRevision > 0 {
		query.Set("min_revision", strconv.FormatInt(options.MinRevision, 10))
	}
	if options.Stale {
		query.Set("stale", "true")
	}
	var raw map[string]json.RawMessage
	if err := r.client.do(ctx, call{method: http.MethodGet, path: r.collection, query: query, out: &raw}); err != nil {
		return nil, err
	}
	page := &Page[Out]{}
	if err := json.Unmarshal(raw[r.items], &page.Items); err != nil {
		return nil, fmt.Errorf("clusterdb: decoding %s: %w", r.items, err)
	}
	if next := raw["next_page_token"]; len(next) > 0 && string(next) != "null" {
		if err := json.Unmarshal(next, &page.NextPageToken); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal(raw["revision"], &page.Revision); err != nil {
		return nil, err
	}
	return page, nil
}

// List iterates over every item, fetching pages as the iteration reaches
// them (one store revision across the pages):
//
//	for it := db.Fleets.List(ctx, clusterdb.ListOptions{}); it.Next(); {
//		fleet := it.Item()
//	}
//	if err := it.Err(); err != nil { ... }
func (r *Resource[In, Out]) List(ctx context.Context, options ListOptions) *Iterator[Out] {
	return &Iterator[Out]{fetch: func(token string) ([]Out, string, error) {
		page, err := r.ListPage(ctx, options, token)
		if err != nil {
			return nil, "", err
		}
		return page.Items, page.NextPageToken, nil
	}}
}

// All collects every item of a list.
func (r *Resource[In, Out]) All(ctx context.Context, options ListOptions) ([]Out, error) {
	return r.List(ctx, options).All()
}

// Iterator walks a paginated list.
type Iterator[T any] struct {
	fetch   func(token string) ([]T, string, error)
	items   []T
	token   string
	started bool
	current T
	err     error
}

// Next moves to the next item, fetching a page when needed; false at the
// end or on an error (see Err).
func (it *Iterator[T]) Next() bool {
	for len(it.items) == 0 {
		if it.err != nil || (it.started && it.token == "") {
			return false
		}
		it.started = true
		it.items, it.token, it.err = it.fetch(it.token)
	}
	it.current, it.items = it.items[0], it.items[1:]
	return true
}

// Item is the current item.
func (it *Iterator[T]) Item() T { return it.current }

// Err is the error that ended the iteration, if any.
func (it *Iterator[T]) Err() error { return it.err }

// All collects the remaining items.
func (it *Iterator[T]) All() ([]T, error) {
	var all []T
	for it.Next() {
		all = append(all, it.Item())
	}
	return all, it.Err()
}
