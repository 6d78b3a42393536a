package clusterdb_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clusterdb/clusterdb/sdks/go/clusterdb"
)

// TestEveryResource drives each resource of the API against one server.
func TestEveryResource(t *testing.T) {
	s := startServer(t)
	db := s.client()
	c := ctx(t)

	t.Run("fleets and their instances", func(t *testing.T) {
		name := unique("fleet")
		fleet, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 2, InstanceType: "t3.medium", Tags: map[string]string{"environment": "production"}})
		must(t, err)
		if !strings.HasPrefix(fleet.ID, "fleet-") {
			t.Fatalf("id %q", fleet.ID)
		}
		running := func(count int) bool {
			all, err := db.Instances.All(c, clusterdb.ListOptions{Filters: map[string]string{"fleet_id": fleet.ID}})
			must(t, err)
			n := 0
			for _, instance := range all {
				if instance.State == "running" && instance.FleetID != nil && *instance.FleetID == fleet.ID {
					n++
				}
			}
			return n == count
		}
		eventually(t, func() bool { return running(2) })
		tagged, err := db.Fleets.All(c, clusterdb.ListOptions{Tags: map[string]string{"environment": "production"}, Name: name})
		must(t, err)
		if len(tagged) != 1 || tagged[0].ID != fleet.ID {
			t.Fatalf("tagged %+v", tagged)
		}
		scaled, err := db.Fleets.Replace(c, fleet.ID, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.medium"}, clusterdb.IfMatch(fleet.ResourceVersion))
		must(t, err)
		if scaled.Capacity != 1 {
			t.Fatalf("capacity %d", scaled.Capacity)
		}
		eventually(t, func() bool { return running(1) })
		must(t, db.Fleets.Delete(c, fleet.ID))
		eventually(t, func() bool { _, err := db.Fleets.Get(c, fleet.ID); return errors.Is(err, clusterdb.ErrNotFound) })
	})

	t.Run("instances start and stop", func(t *testing.T) {
		instance, err := db.Instances.Create(c, clusterdb.InstanceInput{Name: unique("inst"), InstanceType: "t3.nano"})
		must(t, err)
		for _, step := range []struct {
			do   func(ctx2 interface{}) (*clusterdb.InstanceOutput, error)
			want string
		}{
			{func(interface{}) (*clusterdb.InstanceOutput, error) { return db.Instances.Start(c, instance.ID) }, "running"},
			{func(interface{}) (*clusterdb.InstanceOutput, error) { return db.Instances.Stop(c, instance.ID) }, "stopped"},
			{func(interface{}) (*clusterdb.InstanceOutput, error) { return db.Instances.Start(c, instance.ID) }, "running"},
		} {
			got, err := step.do(nil)
			must(t, err)
			if got.State != step.want {
				t.Fatalf("state %q, want %q", got.State, step.want)
			}
		}
		must(t, db.Instances.Delete(c, instance.ID))
	})

	t.Run("functions invoke", func(t *testing.T) {
		wat, err := os.ReadFile("../../testdata/uppercase.wat")
		must(t, err)
		code := string(wat)
		timeout := int64(2000)
		fn, err := db.Functions.Create(c, clusterdb.FunctionInput{Name: unique("fn"), Runtime: "wasm", Code: &code, TimeoutMS: &timeout})
		must(t, err)
		result, err := db.Functions.Invoke(c, fn.ID, []byte("hello, sdk"))
		must(t, err)
		if result.Status != "succeeded" || string(result.Output) != `"HELLO, SDK"` {
			t.Fatalf("%+v %s", result, result.Output)
		}
		got, err := db.Functions.Get(c, fn.ID)
		must(t, err)
		if got.Stats == nil || got.Stats.Invocations != 1 {
			t.Fatalf("stats %+v", got.Stats)
		}
		must(t, db.Functions.Delete(c, fn.ID))
	})

	t.Run("virtual services apply and resolve", func(t *testing.T) {
		name := unique("vs")
		host := name + ".example.com"
		spec := clusterdb.VirtualServiceInput{Name: name, Hosts: []string{host}, HTTPRoutes: []clusterdb.HTTPRouteJSON{{Route: []clusterdb.RouteDestinationJSON{{Destination: clusterdb.DestinationJSON{Host: "reviews-v2"}}}}}}
		_, err := db.VirtualServices.Apply(c, "default", name, spec, clusterdb.DryRun())
		must(t, err)
		if _, err := db.VirtualServices.GetByName(c, "default", name); !errors.Is(err, clusterdb.ErrNotFound) {
			t.Fatalf("a dry run stored it: %v", err)
		}
		applied, err := db.VirtualServices.Apply(c, "default", name, spec)
		must(t, err)
		resolution, err := db.ResolveRoute(c, clusterdb.RouteRequestJSON{Host: host, Path: "/"})
		must(t, err)
		if resolution.VirtualService == nil || resolution.VirtualService.Name != name {
			t.Fatalf("resolution %+v", resolution)
		}
		must(t, db.VirtualServices.DeleteByName(c, "default", name))
		if _, err := db.VirtualServices.Get(c, applied.ID); !errors.Is(err, clusterdb.ErrNotFound) {
			t.Fatalf("not deleted: %v", err)
		}
	})

	t.Run("security policies apply and check", func(t *testing.T) {
		name := unique("sp")
		deny := clusterdb.PolicyActionNameDeny
		policy, err := db.SecurityPolicies.Apply(c, "default", name, clusterdb.SecurityPolicyInput{
			Name: name, Action: &deny,
			Rules: []clusterdb.RuleJSON{{From: []clusterdb.FromJSON{{Source: clusterdb.SourceJSON{IPBlocks: []string{"10.9.0.0/16"}}}}}},
		})
		must(t, err)
		inside, outside, ns := "10.9.1.2", "192.0.2.1", "default"
		denied, err := db.CheckSecurityPolicies(c, clusterdb.CheckRequestJSON{Namespace: &ns, IP: &inside})
		must(t, err)
		allowed, err := db.CheckSecurityPolicies(c, clusterdb.CheckRequestJSON{Namespace: &ns, IP: &outside})
		must(t, err)
		if denied.Decision != "DENY" || allowed.Decision != "ALLOW" || denied.Policy == nil || denied.Policy.Name != name {
			t.Fatalf("%+v %+v", denied, allowed)
		}
		must(t, db.SecurityPolicies.Delete(c, policy.ID))
	})

	t.Run("identity", func(t *testing.T) {
		name := unique("user")
		user, err := db.Users.Create(c, clusterdb.UserInput{Username: name, Roles: []clusterdb.RoleName{"viewer"}})
		must(t, err)
		key, err := db.APIKeys.Create(c, user.ID, clusterdb.APIKeyInput{Name: "ci"})
		must(t, err)
		keys, err := db.APIKeys.List(c, user.ID)
		must(t, err)
		if len(keys) != 1 || keys[0].ID != key.ID || !strings.HasPrefix(key.Key, "cdb_") {
			t.Fatalf("keys %+v", keys)
		}
		viewer := clusterdb.New(s.URL, clusterdb.WithAPIKey(key.Key))
		if _, err := viewer.Users.Get(c, user.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := viewer.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"}); !errors.Is(err, clusterdb.ErrPermissionDenied) {
			t.Fatalf("a viewer created: %v", err)
		}
		must(t, db.APIKeys.Revoke(c, user.ID, key.ID))
		revoked := clusterdb.New(s.URL, clusterdb.WithAPIKey(key.Key), clusterdb.WithMaxRetries(0))
		if _, err := revoked.Users.Get(c, user.ID); !errors.Is(err, clusterdb.ErrUnauthenticated) {
			t.Fatalf("a revoked key worked: %v", err)
		}

		group, err := db.Groups.Create(c, clusterdb.GroupInput{Name: name, Roles: []clusterdb.RoleName{"editor"}})
		must(t, err)
		withMember, err := db.Groups.AddMember(c, group.ID, user.ID)
		must(t, err)
		if len(withMember.Members) != 1 || withMember.Members[0] != user.ID {
			t.Fatalf("members %v", withMember.Members)
		}
		must(t, db.Groups.RemoveMember(c, group.ID, user.ID))
		must(t, db.Groups.Delete(c, group.ID))

		admins, err := db.Users.All(c, clusterdb.ListOptions{Name: "admin"})
		must(t, err)
		client, err := db.OAuthClients.Create(c, clusterdb.OAuthClientInput{Name: name, Owner: admins[0].ID, Scopes: []string{"compute:read"}})
		must(t, err)
		renewed, err := db.OAuthClients.ResetSecret(c, client.ID)
		must(t, err)
		if client.ClientSecret == nil || renewed.ClientSecret == nil || *client.ClientSecret == *renewed.ClientSecret {
			t.Fatal("the secret did not change")
		}
		must(t, db.OAuthClients.Delete(c, client.ID))
		must(t, db.Users.Delete(c, user.ID))
	})

	t.Run("monitoring", func(t *testing.T) {
		service := unique("svc")
		pushed, err := db.Monitoring.Push(c, []clusterdb.SampleJSON{{Metric: "http_requests_total", Labels: map[string]string{"code": "500"}, Value: 7}}, service)
		must(t, err)
		if pushed.Accepted != 1 {
			t.Fatalf("accepted %d", pushed.Accepted)
		}
		metrics, err := db.Monitoring.Metrics(c, clusterdb.MetricsQuery{Service: service, Window: "1h", Labels: map[string]string{"code": "500"}})
		must(t, err)
		if len(metrics.Series) != 1 || metrics.Series[0].Metric != "http_requests_total" {
			t.Fatalf("series %+v", metrics.Series)
		}
		rule, err := db.AlertRules.Create(c, clusterdb.AlertRuleInput{Name: service, Service: service, Metric: "http_requests_total", Aggregation: "max", Window: "5m", Op: clusterdb.OpNameGt, Threshold: 5})
		must(t, err)
		_, err = db.Monitoring.Alerts(c, "")
		must(t, err)
		silence, err := db.Silences.Create(c, clusterdb.SilenceInput{Matchers: []clusterdb.MatcherJSON{{Name: "alertname", Value: service}}, EndsAt: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		must(t, err)
		expired, err := db.Silences.Expire(c, silence.ID)
		must(t, err)
		if expired.ID != silence.ID {
			t.Fatal(expired.ID)
		}
		must(t, db.Silences.Delete(c, silence.ID))
		must(t, db.AlertRules.Delete(c, rule.ID))
	})

	t.Run("the event log", func(t *testing.T) {
		name := unique("ev")
		fleet, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: name, Capacity: 1, InstanceType: "t3.nano"})
		must(t, err)
		events, err := db.Events.List(c, 0, clusterdb.EventFilter{Types: []string{"fleet.created"}}).All()
		must(t, err)
		found := 0
		for _, event := range events {
			if event.Data["fleet_id"] == fleet.ID && event.Data["name"] == name {
				found++
			}
		}
		if found != 1 {
			t.Fatalf("found %d", found)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
