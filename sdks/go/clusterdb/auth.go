package clusterdb

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Credentials give the Authorization header's bearer credential.
type Credentials interface {
	// Bearer is the credential to send now.
	Bearer(ctx context.Context, client *Client) (string, error)
	// Invalidate forgets a cached token after a 401; whether a retry may help.
	Invalidate() bool
}

// APIKey is a user's API key (`cdb_<key id>_<secret>`).
type APIKey string

// Bearer is the key.
func (k APIKey) Bearer(context.Context, *Client) (string, error) { return string(k), nil }

// Invalidate: a key cannot be renewed.
func (k APIKey) Invalidate() bool { return false }

// ClientCredentials are an OAuth client's (RFC 6749 §4.4). The access
// token is fetched from /oauth/token on first use, shared by concurrent
// calls, and fetched again when less than a fifth of its lifetime (at
// most a minute) is left, or after the server refused it.
type ClientCredentials struct {
	ID, Secret, Scope string
	// TokenURL is where tokens come from (default: the server's /oauth/token).
	TokenURL string

	mu      sync.Mutex
	token   string
	renewAt time.Time
	fetches int
}

// Fetches is how many tokens were fetched.
func (cc *ClientCredentials) Fetches() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.fetches
}

// Bearer is the cached token, fetched anew when it is close to expiring.
func (cc *ClientCredentials) Bearer(ctx context.Context, client *Client) (string, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.token != "" && time.Now().Before(cc.renewAt) {
		return cc.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cc.ID}, "client_secret": {cc.Secret}}
	if cc.Scope != "" {
		form.Set("scope", cc.Scope)
	}
	target := cc.TokenURL
	if target == "" {
		target = client.baseURL + "/oauth/token"
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	request.Header.Set("User-Agent", UserAgent)
	started := time.Now()
	response, err := client.http.Do(request)
	if err != nil {
		return "", &ConnectionError{Method: http.MethodPost, URL: target, Err: err}
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return "", &ConnectionError{Method: http.MethodPost, URL: target, Err: err}
	}
	if response.StatusCode >= 400 {
		return "", apiError(response.StatusCode, response.Header, body)
	}
	var answer struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return "", err
	}
	lifetime := time.Duration(answer.ExpiresIn * float64(time.Second))
	margin := lifetime / 5
	if margin > time.Minute {
		margin = time.Minute
	}
	cc.token, cc.renewAt = answer.AccessToken, started.Add(lifetime-margin)
	cc.fetches++
	return cc.token, nil
}

// Invalidate forgets the token: the next call fetches a new one.
func (cc *ClientCredentials) Invalidate() bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.token = ""
	return true
}
