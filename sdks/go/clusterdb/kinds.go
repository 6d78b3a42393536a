package clusterdb

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Instances adds Start and Stop to the CRUD.
type Instances struct {
	Resource[InstanceInput, InstanceOutput]
}

// Start starts an instance.
func (r *Instances) Start(ctx context.Context, id string) (*InstanceOutput, error) {
	return r.call(ctx, http.MethodPost, r.path(id, "start"), nil, nil)
}

// Stop stops a running instance.
func (r *Instances) Stop(ctx context.Context, id string) (*InstanceOutput, error) {
	return r.call(ctx, http.MethodPost, r.path(id, "stop"), nil, nil)
}

// Functions adds Invoke to the CRUD.
type Functions struct {
	Resource[FunctionInput, FunctionOutput]
}

// Invoke runs the function with payload (its stdin, sent as it is) and
// answers its output, logs, fuel and duration.
func (r *Functions) Invoke(ctx context.Context, id string, payload []byte) (*InvocationOutput, error) {
	out := new(InvocationOutput)
	header := http.Header{"Content-Type": {"application/octet-stream"}}
	err := r.client.do(ctx, call{method: http.MethodPost, path: r.path(id, "invoke"), header: header, raw: payload, out: out})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MeshResource adds access by namespace and name (Apply) to the CRUD.
type MeshResource[In, Out any] struct{ Resource[In, Out] }

// Apply creates or updates one by namespace and name (DryRun: validate only).
func (r *MeshResource[In, Out]) Apply(ctx context.Context, namespace, name string, in In, options ...CallOption) (*Out, error) {
	return r.call(ctx, http.MethodPut, r.path(namespace, name), in, options)
}

// GetByName reads one by namespace and name.
func (r *MeshResource[In, Out]) GetByName(ctx context.Context, namespace, name string) (*Out, error) {
	return r.call(ctx, http.MethodGet, r.path(namespace, name), nil, nil)
}

// DeleteByName deletes one by namespace and name.
func (r *MeshResource[In, Out]) DeleteByName(ctx context.Context, namespace, name string, options ...CallOption) error {
	_, err := r.call(ctx, http.MethodDelete, r.path(namespace, name), nil, options)
	return err
}

// ResolveRoute says where the virtual services route a request.
func (c *Client) ResolveRoute(ctx context.Context, request RouteRequestJSON) (*ResolutionJSON, error) {
	out := new(ResolutionJSON)
	return out, c.do(ctx, call{method: http.MethodPost, path: "/v1/mesh/routes:resolve", in: request, out: out})
}

// CheckSecurityPolicies says whether the policies allow a request, and
// which one decides.
func (c *Client) CheckSecurityPolicies(ctx context.Context, request CheckRequestJSON) (*DecisionJSON, error) {
	out := new(DecisionJSON)
	return out, c.do(ctx, call{method: http.MethodPost, path: "/v1/mesh/security-policies:check", in: request, out: out})
}

// APIKeys are a user's API keys; the secret is in Create's answer only.
type APIKeys struct{ client *Client }

func userPath(userID string, rest ...string) string {
	return "/v1/users/" + url.PathEscape(userID) + "/api-keys" + strings.Join(rest, "")
}

// Create makes a key.
func (k *APIKeys) Create(ctx context.Context, userID string, in APIKeyInput) (*NewAPIKeyOutput, error) {
	out := new(NewAPIKeyOutput)
	return out, k.client.do(ctx, call{method: http.MethodPost, path: userPath(userID), in: in, out: out})
}

// List is the user's keys (without secrets).
func (k *APIKeys) List(ctx context.Context, userID string) ([]APIKeyOutput, error) {
	var page APIKeyPage
	if err := k.client.do(ctx, call{method: http.MethodGet, path: userPath(userID), out: &page}); err != nil {
		return nil, err
	}
	return page.APIKeys, nil
}

// Revoke revokes a key: it stops working on every server at once.
func (k *APIKeys) Revoke(ctx context.Context, userID, keyID string) error {
	return k.client.do(ctx, call{method: http.MethodDelete, path: userPath(userID, "/", url.PathEscape(keyID))})
}

// Groups adds membership to the CRUD.
type Groups struct {
	Resource[GroupInput, GroupOutput]
}

// AddMember adds a user to the group.
func (r *Groups) AddMember(ctx context.Context, id, userID string) (*GroupOutput, error) {
	return r.call(ctx, http.MethodPost, r.path(id, "members"), MemberInput{UserID: userID}, nil)
}

// RemoveMember removes a user from the group.
func (r *Groups) RemoveMember(ctx context.Context, id, userID string) error {
	_, err := r.call(ctx, http.MethodDelete, r.path(id, "members", userID), nil, nil)
	return err
}

// OAuthClients adds ResetSecret to the CRUD; the secret is in the answers
// to Create and ResetSecret only.
type OAuthClients struct {
	Resource[OAuthClientInput, OAuthClientOutput]
}

// ResetSecret gives the client a new secret (the old one stops working).
func (r *OAuthClients) ResetSecret(ctx context.Context, id string) (*OAuthClientOutput, error) {
	return r.call(ctx, http.MethodPost, r.path(id, "secret"), nil, nil)
}

// Webhooks adds deliveries, redeliveries, tests and secrets to the CRUD.
type Webhooks struct {
	Resource[WebhookInput, WebhookOutput]
}

// Deliveries iterates over the endpoint's deliveries with their attempts.
func (r *Webhooks) Deliveries(ctx context.Context, id string) *Iterator[DeliveryOutput] {
	return &Iterator[DeliveryOutput]{fetch: func(token string) ([]DeliveryOutput, string, error) {
		query := url.Values{}
		if token != "" {
			query.Set("page_token", token)
		}
		var page DeliveryPage
		err := r.client.do(ctx, call{method: http.MethodGet, path: r.path(id, "deliveries"), query: query, out: &page})
		next := ""
		if page.NextPageToken != nil {
			next = *page.NextPageToken
		}
		return page.Deliveries, next, err
	}}
}

// GetDelivery is one delivery with its attempts.
func (r *Webhooks) GetDelivery(ctx context.Context, id, deliveryID string) (*DeliveryOutput, error) {
	out := new(DeliveryOutput)
	return out, r.client.do(ctx, call{method: http.MethodGet, path: r.path(id, "deliveries", deliveryID), out: out})
}

// Redeliver sends a delivery's event again.
func (r *Webhooks) Redeliver(ctx context.Context, id, deliveryID string) error {
	return r.client.do(ctx, call{method: http.MethodPost, path: r.path(id, "deliveries", deliveryID, "redeliver")})
}

// RotateSecret gives the endpoint a new signing secret (generated when
// secret is ""); the old one still signs for 24 hours. The answer's Secret
// is the only copy.
func (r *Webhooks) RotateSecret(ctx context.Context, id, secret string) (*WebhookOutput, error) {
	var in any
	if secret != "" {
		in = SecretInput{Secret: secret}
	}
	return r.call(ctx, http.MethodPost, r.path(id, "secret"), in, nil)
}

// Test sends a webhook.test event to the endpoint.
func (r *Webhooks) Test(ctx context.Context, id string) (*TestOutput, error) {
	out := new(TestOutput)
	return out, r.client.do(ctx, call{method: http.MethodPost, path: r.path(id, "test"), out: out})
}

// Silences adds Expire to the CRUD.
type Silences struct {
	Resource[SilenceInput, SilenceOutput]
}

// Expire ends the silence now.
func (r *Silences) Expire(ctx context.Context, id string) (*SilenceOutput, error) {
	return r.call(ctx, http.MethodPost, r.path(id, "expire"), nil, nil)
}

// Monitoring is samples, the metrics history and alerts.
type Monitoring struct{ client *Client }

// Push pushes samples (service: the default of samples without one).
func (m *Monitoring) Push(ctx context.Context, samples []SampleJSON, service string) (*PushOutput, error) {
	query := url.Values{}
	if service != "" {
		query.Set("service", service)
	}
	out := new(PushOutput)
	return out, m.client.do(ctx, call{method: http.MethodPost, path: "/v1/monitoring/samples", query: query, in: samples, out: out})
}

// MetricsQuery asks for a service's series.
type MetricsQuery struct {
	Service, Window, Step, Metric string
	Labels                        map[string]string
}

// Metrics is a service's series over a window, with each one's summary.
func (m *Monitoring) Metrics(ctx context.Context, q MetricsQuery) (*MetricsOutput, error) {
	query := url.Values{"service": {q.Service}}
	for key, value := range map[string]string{"window": q.Window, "step": q.Step, "metric": q.Metric} {
		if value != "" {
			query.Set(key, value)
		}
	}
	for name, value := range q.Labels {
		query.Add("label", name+":"+value)
	}
	out := new(MetricsOutput)
	return out, m.client.do(ctx, call{method: http.MethodGet, path: "/v1/monitoring/metrics", query: query, out: out})
}

// Alerts are the pending, firing and recently resolved alerts (state: one
// of those, or "" for all).
func (m *Monitoring) Alerts(ctx context.Context, state string) ([]AlertOutput, error) {
	query := url.Values{}
	if state != "" {
		query.Set("state", state)
	}
	var list AlertList
	if err := m.client.do(ctx, call{method: http.MethodGet, path: "/v1/monitoring/alerts", query: query, out: &list}); err != nil {
		return nil, err
	}
	return list.Alerts, nil
}

// Events is the event log: List (paginating) and Watch (live).
type Events struct{ client *Client }

// Event is one event of the log.
type Event struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Data      map[string]any `json:"data"`
	Timestamp string         `json:"timestamp"`
	Revision  int64          `json:"revision"`
}

// EventFilter picks events by type and kind.
type EventFilter struct {
	Types, Kinds []string
}

func (f EventFilter) query(query url.Values) url.Values {
	if len(f.Types) > 0 {
		query.Set("types", strings.Join(f.Types, ","))
	}
	if len(f.Kinds) > 0 {
		query.Set("kinds", strings.Join(f.Kinds, ","))
	}
	return query
}

// List iterates over every event after revision `after`, oldest first, up to now.
func (e *Events) List(ctx context.Context, after int64, filter EventFilter) *Iterator[Event] {
	return &Iterator[Event]{fetch: func(token string) ([]Event, string, error) {
		from := after
		if token != "" {
			from, _ = strconv.ParseInt(token, 10, 64)
		}
		query := filter.query(url.Values{"after": {strconv.FormatInt(from, 10)}})
		var page struct {
			Events    []Event `json:"events"`
			NextAfter int64   `json:"next_after"`
		}
		if err := e.client.do(ctx, call{method: http.MethodGet, path: "/v1/events", query: query, out: &page}); err != nil {
			return nil, "", err
		}
		next := ""
		if page.NextAfter > from {
			next = strconv.FormatInt(page.NextAfter, 10)
		}
		return page.Events, next, nil
	}}
}
