package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"childmatch"
)

// tryEnter enters in the background: the release arrives on the first channel, a refusal on the second.
func tryEnter(a *admission, ctx context.Context, user string) (chan func(), chan error) {
	ok, failed := make(chan func(), 1), make(chan error, 1)
	go func() {
		leave, err := a.enter(ctx, user)
		if err != nil {
			failed <- err
			return
		}
		ok <- leave
	}()
	return ok, failed
}

func waitFor[T any](t *testing.T, c chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(2 * time.Second):
		t.Fatalf("never: %s", what)
		panic("unreachable")
	}
}

func notYet[T any](t *testing.T, c chan T, what string) {
	t.Helper()
	select {
	case <-c:
		t.Fatalf("too early: %s", what)
	case <-time.After(20 * time.Millisecond):
	}
}

// TestAdmission: a user runs on its share of the workers at most, so another user is let in while the
// first user's next analysis waits; a freed worker goes to the eligible waiter whose user runs fewest, even
// one that arrived later; a user over its queue hears 429 with Retry-After; one that gives up leaves.
func TestAdmission(t *testing.T) {
	ctx := context.Background()
	a := newAdmission(4) // a share of 2 workers each
	flood := []func(){waitFor(t, first(tryEnter(a, ctx, "flood")), "the flood's first"),
		waitFor(t, first(tryEnter(a, ctx, "flood")), "the flood's second")}
	flood3, _ := tryEnter(a, ctx, "flood")
	notYet(t, flood3, "a user's analysis beyond its share, with workers free")
	officer := []func(){waitFor(t, first(tryEnter(a, ctx, "officer")), "another user, at once"),
		waitFor(t, first(tryEnter(a, ctx, "officer")), "another user's second, at once")}
	officer3, _ := tryEnter(a, ctx, "officer") // waits: the workers are busy, and it is at its share
	time.Sleep(10 * time.Millisecond)
	third, _ := tryEnter(a, ctx, "third") // arrives after the officer's third
	time.Sleep(10 * time.Millisecond)
	officer[0]()
	leaveThird := waitFor(t, third, "the freed worker goes to the user running none, before an earlier waiter running one")
	notYet(t, officer3, "the officer's third, while the third user runs")
	officer[1]()
	leaveOfficer3 := waitFor(t, officer3, "the officer's third, once it runs none")
	notYet(t, flood3, "the flood's third, at its share")
	flood[0]()
	leaveFlood3 := waitFor(t, flood3, "the flood's third once one of its own is done")

	// The queue of one user is bounded.
	for range childmatch.AdmissionQueuePerUser - 2 {
		tryEnter(a, ctx, "flood")
	}
	time.Sleep(10 * time.Millisecond)
	_, over := tryEnter(a, ctx, "flood")
	err := waitFor(t, over, "a user over its queue is refused")
	var e *childmatch.Error
	if childmatch.ErrorCodeOf(err) != childmatch.ETooManyRequests || !errors.As(err, &e) || e.RetryAfter <= 0 {
		t.Fatalf("over the queue: %v", err)
	}
	// One that gives up leaves the queue.
	gone, cancel := context.WithCancel(ctx)
	_, quit := tryEnter(a, gone, "patient")
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := waitFor(t, quit, "a cancelled wait ends"); childmatch.ErrorCodeOf(err) != childmatch.ECanceled {
		t.Fatalf("a cancelled wait: %v", err)
	}
	leaveThird()
	leaveOfficer3()
	leaveFlood3()
	flood[1]()
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.held["patient"]; ok {
		t.Error("the user who gave up is still held")
	}
}

func first(ok chan func(), _ chan error) chan func() { return ok }
