package api

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"

	"childmatch"
)

// Rate limits (limits.go gives the figures and their reasons): failed authentications per client
// address, and the expensive photo routes per user and per address. Over a limit the answer is 429 with
// Retry-After, and nothing else of the request is done.

// keyed is a token bucket per key (an address or a user), remembering at most LimiterKeys keys: beyond
// that the least recently used is forgotten, and starts again with a full bucket, so memory stays bounded
// however many addresses a client uses.
type keyed struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	keys  *simplelru.LRU[string, *rate.Limiter]
}

func newKeyed(every time.Duration, burst, size int) *keyed {
	keys, err := simplelru.NewLRU[string, *rate.Limiter](size, nil)
	if err != nil {
		panic(err) // only for a size under 1, which the constants are not
	}
	return &keyed{limit: rate.Every(every), burst: burst, keys: keys}
}

// bucket returns key's bucket, making it if new; peek returns it only if it exists.
func (k *keyed) bucket(key string, peek bool) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l, ok := k.keys.Get(key); ok || peek {
		return l
	}
	l := rate.NewLimiter(k.limit, k.burst)
	k.keys.Add(key, l)
	return l
}

// take spends one of key's tokens and returns 0, or, if it has none, spends nothing and returns how long
// until it has one.
func (k *keyed) take(key string) time.Duration {
	l, now := k.bucket(key, false), time.Now()
	if l.AllowN(now, 1) {
		return 0
	}
	return k.untilToken(l, now)
}

// wait returns how long until key has a token, spending none: 0 if it has one now.
func (k *keyed) wait(key string) time.Duration {
	l := k.bucket(key, true)
	if l == nil {
		return 0
	}
	return k.untilToken(l, time.Now())
}

func (k *keyed) untilToken(l *rate.Limiter, now time.Time) time.Duration {
	tokens := l.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(k.limit) * float64(time.Second))
}

// limits are the server's rate limiters.
type limits struct {
	failures       *keyed // failed authentications, per client address
	photoUsers     *keyed // expensive routes, per user
	photoAddresses *keyed // expensive routes, per client address
}

func newLimits() limits {
	return limits{
		failures:       newKeyed(childmatch.AuthFailureEvery, childmatch.AuthFailureBurst, childmatch.LimiterKeys),
		photoUsers:     newKeyed(childmatch.PhotoEveryPerUser, childmatch.PhotoBurstPerUser, childmatch.LimiterKeys),
		photoAddresses: newKeyed(childmatch.PhotoEveryPerAddress, childmatch.PhotoBurstPerAddress, childmatch.LimiterKeys),
	}
}

// addressKey is the client address a limit counts: an IPv6 address by its /64, which one subscriber
// usually holds whole, so that hopping within it buys nothing.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64) // cannot fail for an IPv6 address
	return p.String()
}

// tooMany answers 429; fail says in Retry-After when to try again.
func (s *Server) tooMany(c *gin.Context, wait time.Duration, what string) {
	s.fail(c, tooManyError(wait, what))
}

func tooManyError(wait time.Duration, what string) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &childmatch.Error{Code: childmatch.ETooManyRequests, RetryAfter: wait,
		Message: fmt.Sprintf("too many %s; try again in %d seconds", what, secs)}
}

// guessed answers the 429 of a client address that has used up its failed authentications, nil for
// another: no credential from it is even checked.
func (s *Server) guessed(c *gin.Context) error {
	if wait := s.limits.failures.wait(addressKey(c.ClientIP())); wait > 0 {
		return tooManyError(wait, "failed sign-ins from this address")
	}
	return nil
}

// guessing answers guessed's 429 and reports true when there is one.
func (s *Server) guessing(c *gin.Context) bool {
	if err := s.guessed(c); err != nil {
		s.fail(c, err)
		return true
	}
	return false
}

// failedAuth answers an authentication's error, counting it against the client's address if the
// credential was refused.
func (s *Server) failedAuth(c *gin.Context, err error) {
	if childmatch.ErrorCodeOf(err) == childmatch.EUnauthorized {
		s.limits.failures.take(addressKey(c.ClientIP()))
		c.Header("WWW-Authenticate", `Bearer realm="childmatch", error="invalid_token"`)
	}
	s.fail(c, err)
}

// photoLimit admits a request to an expensive route within its user's and its address's limits. An
// admin's requests are not counted: a bulk import (childmatch import) is an admin's, and would otherwise
// run at one photo a second; the admission share (service/admission.go) still leaves the other users
// their workers.
func (s *Server) photoLimit(c *gin.Context) {
	if slices.Contains(actorOf(c).Roles, childmatch.RoleAdmin) {
		c.Next()
		return
	}
	if wait := s.limits.photoUsers.take(actorOf(c).ID); wait > 0 {
		s.tooMany(c, wait, "photos from this user")
		return
	}
	if wait := s.limits.photoAddresses.take(addressKey(c.ClientIP())); wait > 0 {
		s.tooMany(c, wait, "photos from this address")
		return
	}
	c.Next()
}
