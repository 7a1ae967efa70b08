package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// pushKey: GET /v1/push/key, the VAPID public key a browser subscribes with.
func (s *Server) pushKey(c *gin.Context) {
	key, err := s.Push.PublicKey(actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"public_key": key})
}

// subscribePush: POST /v1/push/subscriptions, a browser's PushSubscription as its toJSON() gives it.
func (s *Server) subscribePush(c *gin.Context) {
	var sub childmatch.PushSubscription
	if err := decodeJSON(c, &sub); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Push.Subscribe(c.Request.Context(), actorOf(c), sub); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type unsubscribeRequest struct {
	Endpoint string `json:"endpoint"`
}

// unsubscribePush: DELETE /v1/push/subscriptions {"endpoint": ...}.
func (s *Server) unsubscribePush(c *gin.Context) {
	var req unsubscribeRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Push.Unsubscribe(c.Request.Context(), actorOf(c), req.Endpoint); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// registerLive adds the routes of the live alert stream and of Web Push, for the services there are.
func (s *Server) registerLive(v1 *gin.RouterGroup) {
	if s.Stream != nil {
		v1.GET("/alerts/stream", s.alertStream)
		v1.GET("/me/posts", s.myPosts)
	}
	if s.Push != nil {
		v1.GET("/push/key", s.pushKey)
		v1.POST("/push/subscriptions", s.subscribePush)
		v1.DELETE("/push/subscriptions", s.unsubscribePush)
	}
}
