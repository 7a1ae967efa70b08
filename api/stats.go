package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// stats: GET /v1/stats?state=&district=&since=&until=.
func (s *Server) stats(c *gin.Context) {
	q := childmatch.StatsQuery{State: c.Query("state"), District: c.Query("district")}
	var err error
	if q.Since, err = timeQuery(c, "since"); err == nil {
		q.Until, err = timeQuery(c, "until")
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.Stats.Stats(c.Request.Context(), actorOf(c), q)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"stats": st})
}
