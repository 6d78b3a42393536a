package clusterdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// APIError is an answer of 400 or above in the API's error format: the
// status, `code`, `message`, `details` (with `field` and `reason` when
// the server names them) and the request id. Match kinds with errors.Is
// against the Err* values (ErrNotFound, ErrConflict, ...).
type APIError struct {
	Status    int
	Code      string
	Message   string
	Details   map[string]any
	RequestID string
	Header    http.Header
}

func (e *APIError) Error() string {
	text := fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
	if e.Field() != "" && e.Reason() != "" {
		text += fmt.Sprintf(" (%s: %s)", e.Field(), e.Reason())
	}
	return text
}

// Field is the request field the server names (`details.field`).
func (e *APIError) Field() string { return e.detail("field") }

// Reason is why that field was refused (`details.reason`).
func (e *APIError) Reason() string { return e.detail("reason") }

// RetryAfter is the wait in seconds the server asked for, or -1.
func (e *APIError) RetryAfter() float64 { return parseRetryAfter(e.Header.Get("Retry-After")) }

func (e *APIError) detail(name string) string {
	if value, ok := e.Details[name].(string); ok {
		return value
	}
	return ""
}

// Is matches the Err* kinds: by code where one is given, else by status.
func (e *APIError) Is(target error) bool {
	kind, ok := target.(*errorKind)
	if !ok {
		return false
	}
	if kind.code != "" {
		return e.Code == kind.code
	}
	if kind.status == 500 {
		return e.Status >= 500
	}
	return e.Status == kind.status
}

type errorKind struct {
	status int
	code   string
	name   string
}

func (k *errorKind) Error() string { return k.name }

// The kinds of API errors, for errors.Is.
var (
	ErrInvalidRequest        error = &errorKind{status: 400, name: "invalid request"}
	ErrUnauthenticated       error = &errorKind{status: 401, name: "unauthenticated"}
	ErrPermissionDenied      error = &errorKind{status: 403, name: "permission denied"}
	ErrNotFound              error = &errorKind{status: 404, name: "not found"}
	ErrConflict              error = &errorKind{status: 409, name: "conflict"}
	ErrAlreadyExists         error = &errorKind{code: "ALREADY_EXISTS", name: "already exists"}
	ErrOutOfRange            error = &errorKind{status: 410, name: "out of range"}
	ErrPreconditionFailed    error = &errorKind{status: 412, name: "precondition failed"}
	ErrIdempotencyKeyReused  error = &errorKind{code: "IDEMPOTENCY_KEY_REUSED", name: "idempotency key reused"}
	ErrRateLimited           error = &errorKind{status: 429, name: "rate limited"}
	ErrServer                error = &errorKind{status: 500, name: "server error"}
	ErrUnavailable           error = &errorKind{status: 503, name: "unavailable"}
	ErrWebhookNotVerified          = errors.New("clusterdb: webhook delivery not verified")
	errConnectionRetriesDone       = errors.New("clusterdb: the request did not complete")
)

// ConnectionError is a request that did not complete (connection,
// timeout) after the retries; Unwrap gives the last transport error.
type ConnectionError struct {
	Method, URL string
	Err         error
}

func (e *ConnectionError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
}

// Unwrap is the transport's error.
func (e *ConnectionError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrConnection) true.
func (e *ConnectionError) Is(target error) bool { return target == errConnectionRetriesDone }

// ErrConnection matches a ConnectionError.
var ErrConnection = errConnectionRetriesDone

// apiError is the error an answer stands for (any body: a proxy's HTML too).
func apiError(status int, header http.Header, body []byte) *APIError {
	err := &APIError{Status: status, Code: "UNKNOWN", Message: http.StatusText(status), Header: header}
	err.RequestID = header.Get("X-Request-Id")
	var parsed struct {
		Error struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	// The token endpoint answers as RFC 6749 says.
	var oauth struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &parsed) == nil && parsed.Error.Code != "" {
		err.Code, err.Message, err.Details = parsed.Error.Code, parsed.Error.Message, parsed.Error.Details
	} else if json.Unmarshal(body, &oauth) == nil && oauth.Error != "" {
		err.Code, err.Message = oauth.Error, oauth.Description
	} else if text := strings.TrimSpace(string(body)); text != "" {
		if len(text) > 200 {
			text = text[:200]
		}
		err.Message += ": " + text
	}
	if err.Details == nil {
		err.Details = map[string]any{}
	}
	return err
}

func parseRetryAfter(value string) float64 {
	seconds, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || seconds < 0 {
		return -1
	}
	return seconds
}
