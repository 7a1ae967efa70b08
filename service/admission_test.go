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

// TestAdmission: with two workers a user runs on one at most, so another user is let in at once while the
// first user's second analysis waits; a freed worker goes to the user running fewest; a user over its
// queue hears 429 with Retry-After; one that gives up leaves the queue.
func TestAdmission(t *testing.T) {
	ctx := context.Background()
	a := newAdmission(2)
	leaveA1 := waitFor(t, first(tryEnter(a, ctx, "flood")), "the first analysis of a user is admitted")
	a2, _ := tryEnter(a, ctx, "flood")
	notYet(t, a2, "a user's second analysis runs on the other worker")
	leaveB := waitFor(t, first(tryEnter(a, ctx, "officer")), "another user is admitted at once")
	// Both workers busy; the flood user waits with one running, a third user arrives after it.
	c1, _ := tryEnter(a, ctx, "third")
	time.Sleep(10 * time.Millisecond)
	leaveB()
	leaveC := waitFor(t, c1, "the freed worker goes to the user running none, not to the earlier waiter running one")
	notYet(t, a2, "the flood user's second analysis")
	leaveA1()
	leaveA2 := waitFor(t, a2, "the flood user's second analysis once its first is done")

	// The queue of one user is bounded.
	for range childmatch.AdmissionQueuePerUser - 1 {
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
	leaveC()
	leaveA2()
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.held["patient"]; ok {
		t.Error("the user who gave up is still held")
	}
}

func first(ok chan func(), _ chan error) chan func() { return ok }
