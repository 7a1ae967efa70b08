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

type deliveryPageJSON struct {
	Deliveries []*childmatch.Delivery `json:"deliveries"`
	NextCursor string                 `json:"next_cursor,omitempty"`
}

// deliveryQuery reads a delivery list's ?limit= and ?cursor=.
func deliveryQuery(c *gin.Context) (childmatch.DeliveryQuery, error) {
	limit, err := intValue("limit", c.Query("limit"))
	return childmatch.DeliveryQuery{Limit: limit, Cursor: c.Query("cursor")}, err
}

// alertDeliveries: GET /v1/alerts/:id/deliveries?limit=&cursor=, the alert's deliveries with their
// attempts, a page at a time; next_cursor is the next page's cursor, absent at the end.
func (s *Server) alertDeliveries(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	q, err := deliveryQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Deliveries.AlertDeliveries(c.Request.Context(), actorOf(c), id, q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, deliveryPageJSON{Deliveries: page.Deliveries, NextCursor: page.Next})
}

// listDeliveries: GET /v1/deliveries?status=failed|disabled&limit=&cursor= (admins; failed when not
// given), oldest first; next_cursor is the next page's cursor, absent at the end.
func (s *Server) listDeliveries(c *gin.Context) {
	status := childmatch.DeliveryStatus(c.DefaultQuery("status", string(childmatch.DeliveryFailed)))
	q, err := deliveryQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Deliveries.Deliveries(c.Request.Context(), actorOf(c), status, q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, deliveryPageJSON{Deliveries: page.Deliveries, NextCursor: page.Next})
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
