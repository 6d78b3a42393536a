package clusterdb_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clusterdb/clusterdb/sdks/go/clusterdb"
)

func TestAuthAndWebhooks(t *testing.T) {
	s := startServer(t, "--access-token-ttl", "3", "--webhook-allow-private")
	db := s.client()
	c := ctx(t)

	t.Run("the access token is renewed before it expires", func(t *testing.T) {
		admins, err := db.Users.All(c, clusterdb.ListOptions{Name: "admin"})
		must(t, err)
		client, err := db.OAuthClients.Create(c, clusterdb.OAuthClientInput{Name: unique("app"), Owner: admins[0].ID, Scopes: []string{"compute:read"}})
		must(t, err)
		credentials := &clusterdb.ClientCredentials{ID: client.ID, Secret: *client.ClientSecret}
		app := clusterdb.New(s.URL, clusterdb.WithCredentials(credentials))
		for i := 0; i < 2; i++ {
			_, err := app.Fleets.ListPage(c, clusterdb.ListOptions{PageSize: 1}, "")
			must(t, err)
		}
		if credentials.Fetches() != 1 {
			t.Fatalf("fetched %d tokens", credentials.Fetches())
		}
		time.Sleep(3 * time.Second) // tokens live 3 s (--access-token-ttl)
		_, err = app.Fleets.ListPage(c, clusterdb.ListOptions{PageSize: 1}, "")
		must(t, err)
		if credentials.Fetches() != 2 {
			t.Fatalf("fetched %d tokens", credentials.Fetches())
		}
		if _, err := app.Fleets.Create(c, clusterdb.FleetInput{Name: unique("no"), Capacity: 1, InstanceType: "t3.nano"}); !errors.Is(err, clusterdb.ErrPermissionDenied) {
			t.Fatal(err)
		}
		bad := clusterdb.New(s.URL, clusterdb.WithClientCredentials(client.ID, "wrong", ""), clusterdb.WithMaxRetries(0))
		_, err = bad.Fleets.ListPage(c, clusterdb.ListOptions{}, "")
		var apiErr *clusterdb.APIError
		if !errors.Is(err, clusterdb.ErrUnauthenticated) || !errors.As(err, &apiErr) || apiErr.Code != "invalid_client" {
			t.Fatal(err)
		}
	})

	t.Run("a real delivery verifies", func(t *testing.T) {
		type delivery struct {
			header http.Header
			body   []byte
		}
		received := make(chan delivery, 4)
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			received <- delivery{r.Header.Clone(), body}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer receiver.Close()
		endpoint, err := db.Webhooks.Create(c, clusterdb.WebhookInput{Name: unique("hook"), URL: receiver.URL + "/hook", Events: []string{"webhook.test"}})
		must(t, err)
		if endpoint.Secret == nil || !strings.HasPrefix(*endpoint.Secret, "whsec_") {
			t.Fatal("no secret")
		}
		secret := *endpoint.Secret
		_, err = db.Webhooks.Test(c, endpoint.ID)
		must(t, err)
		var got delivery
		select {
		case got = <-received:
		case <-time.After(15 * time.Second):
			t.Fatal("no delivery")
		}
		event, err := clusterdb.VerifyWebhook(secret, got.header, got.body, time.Now())
		must(t, err)
		if event.Type != "webhook.test" {
			t.Fatal(event.Type)
		}
		if _, err := clusterdb.VerifyWebhook(secret, got.header, append(append([]byte{}, got.body...), ' '), time.Now()); !errors.Is(err, clusterdb.ErrWebhookNotVerified) {
			t.Fatal("a changed body verified")
		}
		if _, err := clusterdb.VerifyWebhook(secret, got.header, got.body, time.Now().Add(time.Hour)); !errors.Is(err, clusterdb.ErrWebhookNotVerified) {
			t.Fatal("an old delivery verified")
		}
		rotated, err := db.Webhooks.RotateSecret(c, endpoint.ID, "")
		must(t, err)
		if rotated.Secret == nil || *rotated.Secret == secret {
			t.Fatal("the secret did not change")
		}
		deliveries, err := db.Webhooks.Deliveries(c, endpoint.ID).All()
		must(t, err)
		if len(deliveries) == 0 || len(deliveries[0].Attempts) == 0 {
			t.Fatalf("deliveries %+v", deliveries)
		}
		one, err := db.Webhooks.GetDelivery(c, endpoint.ID, deliveries[0].ID)
		must(t, err)
		if one.ID != deliveries[0].ID {
			t.Fatal(one.ID)
		}
		must(t, db.Webhooks.Redeliver(c, endpoint.ID, deliveries[0].ID))
		select {
		case got = <-received:
		case <-time.After(15 * time.Second):
			t.Fatal("no redelivery")
		}
		if _, err := clusterdb.VerifyWebhook(*rotated.Secret, got.header, got.body, time.Now()); err != nil {
			t.Fatal(err)
		}
		must(t, db.Webhooks.Delete(c, endpoint.ID))
	})
}
