package minio_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"childmatch"
)

// concurrently runs fn(0) to fn(n-1) at once and fails the test with the first error.
func concurrently(t testing.TB, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- fn(i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestPushSubscriptions: a user without subscriptions has none; eight first subscriptions at once all
// land (the record is created once, the others fold into it).
func TestPushSubscriptions(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	user := childmatch.NewID()
	p, err := s.PushSubscriptions(ctx, user)
	if err != nil || len(p.Subs) != 0 {
		t.Fatalf("a new user's subscriptions: %v %v", p, err)
	}
	concurrently(t, 8, func(i int) error {
		_, err := s.UpdatePushSubscriptions(ctx, user, func(p *childmatch.PushSubscriptions) error {
			p.Subs = append(p.Subs, childmatch.PushSubscription{Endpoint: fmt.Sprintf("https://push.example/%d", i)})
			return nil
		})
		return err
	})
	if p, _ := s.PushSubscriptions(ctx, user); len(p.Subs) != 8 || p.User != user {
		t.Fatalf("after 8 concurrent first subscriptions the user has %d", len(p.Subs))
	}
}

// TestAlertVersions: every alert is listed with its version, and a change changes it.
func TestAlertVersions(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	a := &childmatch.Alert{ID: childmatch.NewID(), Status: childmatch.AlertActive}
	if err := s.CreateAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	versions := func() map[childmatch.ID]string {
		v := map[childmatch.ID]string{}
		if err := s.WalkAlertVersions(ctx, func(id childmatch.ID, version string) error { v[id] = version; return nil }); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := versions()
	if _, err := s.UpdateAlert(ctx, a.ID, func(a *childmatch.Alert) error { a.Status = childmatch.AlertCancelled; return nil }); err != nil {
		t.Fatal(err)
	}
	after := versions()
	if len(before) != 1 || before[a.ID] == "" || after[a.ID] == before[a.ID] {
		t.Fatalf("versions before %v, after %v: want one alert whose version changed", before, after)
	}
}

// BenchmarkAlertVersions is the cost of one look of the live hub at 1,000 alerts: one listing, nothing read.
func BenchmarkAlertVersions(b *testing.B) {
	s, _ := open(b)
	ctx := context.Background()
	for range 1000 {
		if err := s.CreateAlert(ctx, &childmatch.Alert{ID: childmatch.NewID(), Status: childmatch.AlertActive}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if err := s.WalkAlertVersions(ctx, func(childmatch.ID, string) error { n++; return nil }); err != nil || n != 1000 {
			b.Fatalf("listed %d: %v", n, err)
		}
	}
}
