package channel

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"

	"childmatch"
)

// Pacer paces a channel's sends: a rate in all (a bot's, a business number's, an account's) and one per
// address (a chat, a number), each address's interval given by a function of the address. It remembers at
// most childmatch.LimiterKeys addresses; a forgotten one starts again with a full bucket.
type Pacer struct {
	all   *rate.Limiter
	every func(addr string) time.Duration
	mu    sync.Mutex
	each  *simplelru.LRU[string, *rate.Limiter]
}

// NewPacer paces perSecond sends in all and, when every is not nil, one per every(addr) to each address.
func NewPacer(perSecond float64, every func(addr string) time.Duration) *Pacer {
	each, err := simplelru.NewLRU[string, *rate.Limiter](childmatch.LimiterKeys, nil)
	if err != nil {
		panic(err) // only for a size under 1
	}
	return &Pacer{all: rate.NewLimiter(rate.Limit(perSecond), max(1, int(perSecond))), every: every, each: each}
}

func (p *Pacer) address(addr string) *rate.Limiter {
	if p.every == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.each.Get(addr); ok {
		return l
	}
	l := rate.NewLimiter(rate.Every(p.every(addr)), 1)
	p.each.Add(addr, l)
	return l
}

// Wait waits for the next send's turn to addr. A turn further away than childmatch.ChannelMaxPace is not
// waited for: the answer is a *childmatch.SendError whose RetryAfter says when, so the outbox's worker is
// free meanwhile.
func (p *Pacer) Wait(ctx context.Context, addr string) error {
	now := time.Now()
	rs := []*rate.Reservation{p.all.ReserveN(now, 1)}
	if l := p.address(addr); l != nil {
		rs = append(rs, l.ReserveN(now, 1))
	}
	var delay time.Duration
	for _, r := range rs {
		delay = max(delay, r.DelayFrom(now))
	}
	cancel := func() {
		for _, r := range rs {
			r.CancelAt(now)
		}
	}
	if delay > childmatch.ChannelMaxPace {
		cancel()
		return &childmatch.SendError{Reason: "paced under the provider's rate: try again later", RetryAfter: delay}
	}
	if delay == 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		cancel()
		return &childmatch.SendError{Reason: "stopped while waiting for the provider's pace"}
	}
}
