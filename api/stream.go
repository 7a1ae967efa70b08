package api

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// alertStream: GET /v1/alerts/stream, Server-Sent Events of the alerts the user sees (live.Hub): one
// `data:` line of JSON (childmatch.AlertEvent) per change, a comment every StreamHeartbeat so proxies and
// carriers keep the connection. The stream ends when the client goes, when the hub stops (the server's
// shutdown), when a write stalls for StreamWriteTimeout, after StreamMaxAge, or when its credential,
// checked again every StreamRecheck, has ended (a token revoked or expired, a session ended); EventSource then
// reconnects by itself after the retry the stream set (a credential that ended is refused then), and the
// page reads the list again.
//
// The stream has no request deadline (deadline.go) and no read deadline: the server's read and write
// timeouts, meant for a photo's transfer, would cut it every few minutes. Each write has its own deadline.
func (s *Server) alertStream(c *gin.Context) {
	ctx := c.Request.Context()
	check := c.MustGet(credentialKey).(checker)
	events, err := s.Stream.Subscribe(ctx, actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	w := c.Writer
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{}) // the request was read whole; the connection stays open
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	send := func(b []byte) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(childmatch.StreamWriteTimeout)); err != nil {
			return false
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// retry: how long EventSource waits before it reconnects, in milliseconds.
	if !send([]byte(": alerts\nretry: " + strconv.FormatInt(2*childmatch.AlertPollEvery.Milliseconds(), 10) + "\n\n")) {
		return
	}
	beat := time.NewTicker(cmp.Or(s.cfg.StreamHeartbeat, childmatch.StreamHeartbeat))
	defer beat.Stop()
	end := time.NewTimer(childmatch.StreamMaxAge) // the reconnection authenticates again
	defer end.Stop()
	recheck := time.NewTicker(cmp.Or(s.cfg.StreamRecheck, childmatch.StreamRecheck))
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-recheck.C:
			// The store not answering is not the credential ending: the stream goes on, checked next time.
			cctx, cancel := context.WithTimeout(ctx, childmatch.StreamRecheckTimeout)
			_, err := check(cctx)
			cancel()
			if childmatch.ErrorCodeOf(err) == childmatch.EUnauthorized {
				return // ended: the reconnection is refused
			}
		case ev, open := <-events:
			if !open {
				return
			}
			b, err := json.Marshal(ev)
			if err != nil || !send(append(append([]byte("data: "), b...), '\n', '\n')) {
				return
			}
		case <-beat.C:
			if !send([]byte(": heartbeat\n\n")) {
				return
			}
		}
	}
}

// myPosts: GET /v1/me/posts, the posts the user belongs to, for the alert page's answer buttons.
func (s *Server) myPosts(c *gin.Context) {
	posts, err := s.Stream.MyPosts(c.Request.Context(), actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"posts": posts})
}
