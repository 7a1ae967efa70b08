package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// The outbox's routes: an alert's deliveries, the failed ones, a replay, the timing.
func (s *Server) registerDeliveries(v1 *gin.RouterGroup) {
	v1.GET("/alerts/:id/deliveries", s.withDeliveries(s.alertDeliveries))
	v1.GET("/alerts/metrics", s.withDeliveries(s.deliveryMetrics))
	v1.GET("/deliveries", s.withDeliveries(s.listDeliveries))
	v1.POST("/deliveries/:id/replay", s.withDeliveries(s.replayDelivery))
}

// withDeliveries answers 503 on a service built without an outbox.
func (s *Server) withDeliveries(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.Deliveries == nil {
			s.fail(c, childmatch.Errorf(childmatch.EUnavailable, "this service delivers no alerts"))
			return
		}
		h(c)
	}
}

// alertDeliveries: GET /v1/alerts/:id/deliveries, every delivery of the alert with its attempts.
func (s *Server) alertDeliveries(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ds, err := s.Deliveries.AlertDeliveries(c.Request.Context(), actorOf(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"deliveries": ds})
}

// listDeliveries: GET /v1/deliveries?status=failed|disabled (admins; failed when not given).
func (s *Server) listDeliveries(c *gin.Context) {
	status := childmatch.DeliveryStatus(c.DefaultQuery("status", string(childmatch.DeliveryFailed)))
	ds, err := s.Deliveries.Deliveries(c.Request.Context(), actorOf(c), status)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"deliveries": ds})
}

// replayDelivery: POST /v1/deliveries/:id/replay (admins): a failed or disabled delivery is sent again.
func (s *Server) replayDelivery(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.Deliveries.Replay(c.Request.Context(), actorOf(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

// deliveryMetrics: GET /v1/alerts/metrics (admins): how fast recent alerts reached their posts.
func (s *Server) deliveryMetrics(c *gin.Context) {
	m, err := s.Deliveries.DeliveryMetrics(c.Request.Context(), actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}
