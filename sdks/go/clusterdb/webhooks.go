package clusterdb

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WebhookTolerance is how far a delivery's timestamp may be from now.
const WebhookTolerance = 5 * time.Minute

// VerifyWebhook checks a delivery (Standard Webhooks) and decodes its
// event: secret is the endpoint's `whsec_…` secret, header the request's,
// body its raw bytes as received. It fails with ErrWebhookNotVerified
// unless one of webhook-signature's `v1,` signatures is the HMAC-SHA256 of
// `id.timestamp.body` and the timestamp is within WebhookTolerance of now.
// Deduplicate on webhook-id: delivery is at least once.
func VerifyWebhook(secret string, header http.Header, body []byte, now time.Time) (*Event, error) {
	id, timestamp, signatures := header.Get("webhook-id"), header.Get("webhook-timestamp"), header.Get("webhook-signature")
	if id == "" || timestamp == "" || signatures == "" {
		return nil, fmt.Errorf("%w: missing webhook-id, webhook-timestamp or webhook-signature", ErrWebhookNotVerified)
	}
	sent, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: webhook-timestamp is not a number", ErrWebhookNotVerified)
	}
	if math.Abs(float64(now.Unix()-sent)) > WebhookTolerance.Seconds() {
		return nil, fmt.Errorf("%w: webhook-timestamp is too far from now", ErrWebhookNotVerified)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return nil, fmt.Errorf("clusterdb: the secret is not whsec_ and base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	expected := mac.Sum(nil)
	for _, signature := range strings.Fields(signatures) {
		version, value, _ := strings.Cut(signature, ",")
		offered, err := base64.StdEncoding.DecodeString(value)
		if version != "v1" || err != nil {
			continue
		}
		if hmac.Equal(offered, expected) {
			event := new(Event)
			if err := json.Unmarshal(body, event); err != nil {
				return nil, err
			}
			return event, nil
		}
	}
	return nil, fmt.Errorf("%w: no signature matches", ErrWebhookNotVerified)
}
