package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// stats: GET /v1/stats?state=&district=&since=&until=&by=district|state|all&format=json|csv. The CSV has a row per state,
// district and month, and one per state and district with the month "all".
func (s *Server) stats(c *gin.Context) {
	q := childmatch.StatsQuery{State: c.Query("state"), District: c.Query("district"), By: c.Query("by")}
	var err error
	if q.Since, err = timeQuery(c, "since"); err == nil {
		q.Until, err = timeQuery(c, "until")
	}
	format := c.DefaultQuery("format", "json")
	if err == nil && format != "json" && format != "csv" {
		err = childmatch.FieldError("format", `must be "json" or "csv"`)
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
	if format == "json" {
		c.JSON(http.StatusOK, gin.H{"stats": st})
		return
	}
	c.Header("Content-Disposition", `attachment; filename="childmatch-outcomes.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	w.Write([]string{"state", "district", "month", "missing", "found", "matched", "reunited", "median_days_to_match"})
	row := func(g *childmatch.Stats, month string, missing, found, matched, reunited int, days float64) {
		w.Write([]string{csvCell(g.State), csvCell(g.District), month, strconv.Itoa(missing), strconv.Itoa(found),
			strconv.Itoa(matched), strconv.Itoa(reunited), strconv.FormatFloat(days, 'f', 1, 64)})
	}
	for i := range st {
		g := &st[i]
		for _, m := range g.Months {
			row(g, m.Month, m.Missing, m.Found, m.Matched, m.Reunited, m.MedianDaysToMatch)
		}
		row(g, "all", g.Missing, g.Found, g.Matched, g.Reunited, g.MedianDaysToMatch)
	}
	w.Flush()
}

// csvCell keeps a place name a spreadsheet would run as a formula (=, +, -, @ first) as text.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
