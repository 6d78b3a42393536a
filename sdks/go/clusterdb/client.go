// Package clusterdb is ClusterDB's Go SDK: a client of the REST API (/v1)
// using the standard library only.
//
//	db := clusterdb.New("http://127.0.0.1:7070", clusterdb.WithAPIKey(os.Getenv("CLUSTERDB_API_KEY")))
//	fleet, err := db.Fleets.Create(ctx, clusterdb.FleetInput{Name: "web", Capacity: 3, InstanceType: "t3.medium"})
//
// Every call retries connection errors, 429 and 503 (honouring
// Retry-After), each POST with an automatic Idempotency-Key so a retry is
// safe; errors are *APIError (match kinds with errors.Is and ErrNotFound,
// ErrConflict, ...) or *ConnectionError. The types (types_gen.go) are
// generated from the server's OpenAPI document.
package clusterdb

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math"
	mathrand "math/rand"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Version is the SDK's version (sent in its User-Agent).
const Version = "0.1.0"

// UserAgent names the SDK in every request.
const UserAgent = "clusterdb-go/" + Version

// Client is a ClusterDB server's REST API. It is safe for concurrent use.
type Client struct {
	baseURL     string
	http        *http.Client
	credentials Credentials
	timeout     time.Duration
	maxRetries  int
	maxWait     time.Duration
	sleep       func(context.Context, time.Duration) error

	Fleets           *Resource[FleetInput, FleetOutput]
	Instances        *Instances
	Functions        *Functions
	VirtualServices  *MeshResource[VirtualServiceInput, VirtualServiceOutput]
	SecurityPolicies *MeshResource[SecurityPolicyInput, SecurityPolicyOutput]
	Users            *Resource[UserInput, UserOutput]
	APIKeys          *APIKeys
	Groups           *Groups
	OAuthClients     *OAuthClients
	Webhooks         *Webhooks
	Events           *Events
	AlertRules       *Resource[AlertRuleInput, AlertRuleOutput]
	Silences         *Silences
	Monitoring       *Monitoring
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey authenticates with a user's API key.
func WithAPIKey(key string) Option { return func(c *Client) { c.credentials = APIKey(key) } }

// WithClientCredentials authenticates as an OAuth client; the access token
// is fetched, cached and renewed before it expires.
func WithClientCredentials(id, secret, scope string) Option {
	return func(c *Client) { c.credentials = &ClientCredentials{ID: id, Secret: secret, Scope: scope} }
}

// WithCredentials authenticates with any Credentials.
func WithCredentials(credentials Credentials) Option {
	return func(c *Client) { c.credentials = credentials }
}

// WithTimeout bounds each attempt (default 30 s; 0: no bound).
func WithTimeout(timeout time.Duration) Option { return func(c *Client) { c.timeout = timeout } }

// WithMaxRetries sets the attempts after the first (default 3).
func WithMaxRetries(n int) Option { return func(c *Client) { c.maxRetries = n } }

// WithMaxRetryWait bounds a single wait between attempts (default 30 s).
func WithMaxRetryWait(wait time.Duration) Option { return func(c *Client) { c.maxWait = wait } }

// WithHTTPClient sends with this client (its Transport, TLS settings).
func WithHTTPClient(client *http.Client) Option { return func(c *Client) { c.http = client } }

// WithSleep replaces how the client waits between attempts (for tests).
func WithSleep(sleep func(context.Context, time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// New makes a client of the server at baseURL.
func New(baseURL string, options ...Option) *Client {
	c := &Client{
		baseURL:    strings.TrimRight(baseURL, "/"),
		http:       &http.Client{},
		timeout:    30 * time.Second,
		maxRetries: 3,
		maxWait:    30 * time.Second,
		sleep:      sleepContext,
	}
	for _, option := range options {
		option(c)
	}
	c.Fleets = &Resource[FleetInput, FleetOutput]{c, "/v1/fleets", "fleets"}
	c.Instances = &Instances{Resource[InstanceInput, InstanceOutput]{c, "/v1/instances", "instances"}}
	c.Functions = &Functions{Resource[FunctionInput, FunctionOutput]{c, "/v1/functions", "functions"}}
	c.VirtualServices = &MeshResource[VirtualServiceInput, VirtualServiceOutput]{Resource[VirtualServiceInput, VirtualServiceOutput]{c, "/v1/mesh/virtual-services", "virtual_services"}}
	c.SecurityPolicies = &MeshResource[SecurityPolicyInput, SecurityPolicyOutput]{Resource[SecurityPolicyInput, SecurityPolicyOutput]{c, "/v1/mesh/security-policies", "security_policies"}}
	c.Users = &Resource[UserInput, UserOutput]{c, "/v1/users", "users"}
	c.APIKeys = &APIKeys{c}
	c.Groups = &Groups{Resource[GroupInput, GroupOutput]{c, "/v1/groups", "groups"}}
	c.OAuthClients = &OAuthClients{Resource[OAuthClientInput, OAuthClientOutput]{c, "/v1/oauth-clients", "oauth_clients"}}
	c.Webhooks = &Webhooks{Resource[WebhookInput, WebhookOutput]{c, "/v1/webhooks", "webhooks"}}
	c.Events = &Events{c}
	c.AlertRules = &Resource[AlertRuleInput, AlertRuleOutput]{c, "/v1/monitoring/alert-rules", "alert_rules"}
	c.Silences = &Silences{Resource[SilenceInput, SilenceOutput]{c, "/v1/monitoring/silences", "silences"}}
	c.Monitoring = &Monitoring{c}
	return c
}

// BaseURL is the server's URL.
func (c *Client) BaseURL() string { return c.baseURL }

// call is one API call: `in` (if not nil) as the JSON body, the answer's
// JSON into `out` (if not nil).
type call struct {
	method  string
	path    string
	query   url.Values
	header  http.Header
	in      any
	raw     []byte // sent as it is (with header's Content-Type) instead of in
	out     any
	noLimit bool // no timeout (a stream)
}

// Do sends an API call: method, path (e.g. "/v1/fleets"), query, a JSON
// body (nil: none) and where the answer's JSON goes (nil: dropped).
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return c.do(ctx, call{method: method, path: path, query: query, in: in, out: out})
}

func (c *Client) do(ctx context.Context, req call) error {
	response, cancel, err := c.send(ctx, req)
	if err != nil {
		return err
	}
	defer cancel()
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return &ConnectionError{Method: req.method, URL: req.path, Err: err}
	}
	if response.StatusCode >= 400 {
		return apiError(response.StatusCode, response.Header, body)
	}
	if req.out != nil && len(body) > 0 {
		if err := json.Unmarshal(body, req.out); err != nil {
			return fmt.Errorf("clusterdb: decoding the answer to %s %s: %w", req.method, req.path, err)
		}
	}
	return nil
}

// send sends with retries and answers the response (status unchecked) and
// the function that releases its timeout.
func (c *Client) send(ctx context.Context, req call) (*http.Response, context.CancelFunc, error) {
	target := c.baseURL + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	body := req.raw
	header := req.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if req.in != nil && body == nil {
		encoded, err := json.Marshal(req.in)
		if err != nil {
			return nil, nil, fmt.Errorf("clusterdb: encoding the body of %s %s: %w", req.method, req.path, err)
		}
		body = encoded
		header.Set("Content-Type", "application/json")
	}
	header.Set("User-Agent", UserAgent)
	if req.method == http.MethodPost && header.Get("Idempotency-Key") == "" {
		key, err := newUUID()
		if err != nil {
			return nil, nil, err
		}
		header.Set("Idempotency-Key", key)
	}
	renewed := false
	for attempt := 0; ; {
		attemptCtx, cancel := ctx, context.CancelFunc(func() {})
		if c.timeout > 0 && !req.noLimit {
			attemptCtx, cancel = context.WithTimeout(ctx, c.timeout)
		}
		request, err := http.NewRequestWithContext(attemptCtx, req.method, target, bytes.NewReader(body))
		if err != nil {
			cancel()
			return nil, nil, err
		}
		request.Header = header.Clone()
		if c.credentials != nil {
			token, err := c.credentials.Bearer(ctx, c)
			if err != nil {
				cancel()
				return nil, nil, err
			}
			request.Header.Set("Authorization", "Bearer "+token)
		}
		response, err := c.http.Do(request)
		if err != nil {
			cancel()
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if attempt >= c.maxRetries {
				return nil, nil, &ConnectionError{Method: req.method, URL: target, Err: err}
			}
			if err := c.wait(ctx, attempt, -1); err != nil {
				return nil, nil, err
			}
			attempt++
			continue
		}
		if response.StatusCode == http.StatusUnauthorized && !renewed && c.credentials != nil && c.credentials.Invalidate() {
			// A cached access token the server no longer takes: once more with a new one.
			drain(response)
			cancel()
			renewed = true
			continue
		}
		if attempt < c.maxRetries && retryable(response) {
			retryAfter := parseRetryAfter(response.Header.Get("Retry-After"))
			drain(response)
			cancel()
			if err := c.wait(ctx, attempt, retryAfter); err != nil {
				return nil, nil, err
			}
			attempt++
			continue
		}
		return response, cancel, nil
	}
}

// retryable: 429 and 503, and a 409 saying the first attempt still runs.
func retryable(response *http.Response) bool {
	switch response.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusConflict:
		body, _ := io.ReadAll(response.Body)
		response.Body = io.NopCloser(bytes.NewReader(body))
		return apiError(response.StatusCode, response.Header, body).Code == "IDEMPOTENCY_KEY_IN_USE"
	}
	return false
}

func (c *Client) wait(ctx context.Context, attempt int, retryAfter float64) error {
	wait := time.Duration(retryAfter * float64(time.Second))
	if retryAfter < 0 {
		backoff := math.Min(8, 0.25*math.Pow(2, float64(attempt)))
		wait = time.Duration(backoff * (0.5 + mathrand.Float64()/2) * float64(time.Second))
	}
	if wait > c.maxWait {
		wait = c.maxWait
	}
	return c.sleep(ctx, wait)
}

func sleepContext(ctx context.Context, wait time.Duration) error {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func drain(response *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(response.Body, 1<<20))
	response.Body.Close()
}

// newUUID is a random (version 4) UUID.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("clusterdb: making an idempotency key: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}
