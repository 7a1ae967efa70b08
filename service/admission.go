package service

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"childmatch"
	"childmatch/metrics"
)

// admission shares the face pipeline's workers between users, so that one user's photos (a script, or a
// flood of photos without a face, each of which runs the slower CNN detector) cannot starve the others.
// A user may run at most its share of the workers at once (AdmissionUserShare of them, at least one), and
// may have at most AdmissionQueuePerUser analyses running or waiting; beyond that it hears 429 with a
// Retry-After. A freed worker goes to the waiting analysis whose user runs the fewest, the earliest of
// those first.
type admission struct {
	mu      sync.Mutex
	free    int
	share   int
	queue   int
	running map[string]int // per user: analyses running
	held    map[string]int // per user: running or waiting
	waiting []*waiter
}

type waiter struct {
	user  string
	ready chan struct{} // closed when admitted
}

func newAdmission(workers int) *admission {
	workers = max(1, workers)
	return &admission{free: workers, share: max(1, int(math.Floor(float64(workers)*childmatch.AdmissionUserShare))),
		queue: childmatch.AdmissionQueuePerUser, running: map[string]int{}, held: map[string]int{}}
}

// enter waits for a worker for the user's analysis and returns the function that gives it back, or an
// error when the user holds too many or ctx ends first.
func (a *admission) enter(ctx context.Context, user string) (func(), error) {
	a.mu.Lock()
	if a.held[user] >= a.queue {
		a.mu.Unlock()
		return nil, &childmatch.Error{Code: childmatch.ETooManyRequests, RetryAfter: childmatch.AdmissionRetryAfter,
			Message: "too many photos are being analysed for you at once; try again in a moment"}
	}
	a.held[user]++
	w := &waiter{user: user, ready: make(chan struct{})}
	waited := time.Now()
	a.waiting = append(a.waiting, w)
	a.dispatch()
	a.mu.Unlock()
	leave := func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.running[user]--
		a.held[user]--
		a.forget(user)
		a.free++
		a.dispatch()
	}
	select {
	case <-w.ready:
		metrics.Wait(metrics.QueueAdmission, time.Since(waited))
		return leave, nil
	case <-ctx.Done():
	}
	a.mu.Lock()
	for i, o := range a.waiting {
		if o == w { // still waiting: leave the queue
			a.waiting = append(a.waiting[:i], a.waiting[i+1:]...)
			a.held[user]--
			a.forget(user)
			a.mu.Unlock()
			return nil, stoppedWaiting(ctx)
		}
	}
	a.mu.Unlock()
	leave() // admitted just as ctx ended
	return nil, stoppedWaiting(ctx)
}

// dispatch gives free workers to waiting analyses, the user running fewest first, within each user's
// share. Call it locked.
func (a *admission) dispatch() {
	for a.free > 0 {
		best := -1
		for i, w := range a.waiting {
			if a.running[w.user] < a.share && (best < 0 || a.running[w.user] < a.running[a.waiting[best].user]) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		w := a.waiting[best]
		a.waiting = append(a.waiting[:best], a.waiting[best+1:]...)
		a.free--
		a.running[w.user]++
		close(w.ready)
	}
}

// forget drops a user who holds nothing, so the maps stay as small as the users at work. Call it locked.
func (a *admission) forget(user string) {
	if a.held[user] == 0 {
		delete(a.held, user)
		delete(a.running, user)
	}
}

func stoppedWaiting(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return childmatch.Canceled(ctx.Err())
	}
	return childmatch.Unavailable("the face pipeline", ctx.Err())
}
