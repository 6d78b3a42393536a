package clusterdb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/clusterdb/clusterdb/sdks/go/clusterdb"
)

func TestTheWatchResumesAcrossARestart(t *testing.T) {
	s := startServer(t)
	db := s.client()
	c := ctx(t)
	_, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: "before", Capacity: 1, InstanceType: "t3.nano"})
	must(t, err)
	watchCtx, stop := context.WithCancel(c)
	defer stop()
	watch := db.Events.Watch(watchCtx, clusterdb.WatchFrom(0), clusterdb.EventFilter{Types: []string{"fleet.created"}})
	next := func() clusterdb.Event {
		if !watch.Next() {
			t.Fatalf("the watch ended: %v", watch.Err())
		}
		return watch.Event()
	}
	var seen []clusterdb.Event
	seen = append(seen, next())
	_, err = db.Fleets.Create(c, clusterdb.FleetInput{Name: "during", Capacity: 1, InstanceType: "t3.nano"})
	must(t, err)
	seen = append(seen, next())
	s.restart()
	_, err = db.Fleets.Create(c, clusterdb.FleetInput{Name: "after", Capacity: 1, InstanceType: "t3.nano"})
	must(t, err)
	seen = append(seen, next())
	names := fmt.Sprintf("%v %v %v", seen[0].Data["name"], seen[1].Data["name"], seen[2].Data["name"])
	if names != "before during after" || watch.Reconnects() < 1 {
		t.Fatalf("%s after %d reconnects", names, watch.Reconnects())
	}
	if seen[0].ID == seen[1].ID || seen[1].ID == seen[2].ID {
		t.Fatal("an event repeated")
	}
	stop()
	for watch.Next() {
	}
	if watch.Err() != nil {
		t.Fatal(watch.Err())
	}
}

func TestAPositionOlderThanTheHistoryIs410(t *testing.T) {
	s := startServer(t, "--event-retention-revisions", "2")
	db := s.client()
	c := ctx(t)
	for i := 0; i < 5; i++ {
		_, err := db.Fleets.Create(c, clusterdb.FleetInput{Name: fmt.Sprintf("f%d", i), Capacity: 1, InstanceType: "t3.nano"})
		must(t, err)
	}
	s.restart() // retention compacts at start
	watch := db.Events.Watch(c, clusterdb.WatchFrom(1), clusterdb.EventFilter{})
	for watch.Next() {
	}
	var apiErr *clusterdb.APIError
	if !errors.Is(watch.Err(), clusterdb.ErrOutOfRange) || !errors.As(watch.Err(), &apiErr) {
		t.Fatal(watch.Err())
	}
	if oldest, _ := apiErr.Details["oldest_after"].(float64); apiErr.Status != 410 || oldest <= 1 {
		t.Fatalf("%+v", apiErr)
	}
}
