package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"
)

// The mix of operations, in percent (issue 19): searches, uploads (a found child's new case and its
// photo), and reads (half a case, half the list of cases).
const (
	searchShare = 70
	uploadShare = 20
)

// kind is one kind of request the load sends.
type kind int

const (
	kindSearch kind = iota
	kindCreate
	kindUpload
	kindRead
	kindList
	kinds
)

var kindNames = [kinds]string{"search `POST /v1/search`", "new found case `POST /v1/cases`",
	"upload `POST /v1/cases/{id}/photos`", "read `GET /v1/cases/{id}`", "list `GET /v1/cases`"}

// tally is what one kind of request got.
type tally struct {
	ok       []time.Duration // the latencies of the 2xx answers
	statuses map[int]int     // the other answers, by status
	failed   int             // no answer: a connection error or requestTimeout
}

// record is a client's tallies, one per kind.
type record [kinds]tally

func (r *record) add(k kind, a answer, err error, took time.Duration) {
	t := &r[k]
	switch {
	case err != nil:
		t.failed++
	case a.status >= 200 && a.status < 300:
		t.ok = append(t.ok, took)
	default:
		if t.statuses == nil {
			t.statuses = map[int]int{}
		}
		t.statuses[a.status]++
	}
}

func (r *record) merge(o *record) {
	for k := range r {
		t, ot := &r[k], &o[k]
		t.ok = append(t.ok, ot.ok...)
		t.failed += ot.failed
		for s, n := range ot.statuses {
			if t.statuses == nil {
				t.statuses = map[int]int{}
			}
			t.statuses[s] += n
		}
	}
}

// load runs the mix until end or maxOps operations, whichever comes first: each request is sent when the
// previous one has answered (a closed loop, no think time), and after a 429 the client waits its
// Retry-After, as the web app does. Reads pick one of the gallery's cases or of those this client made.
func (c *client) load(ctx context.Context, end time.Time, maxOps int, photos []photo, gallery []string, seed uint64) *record {
	r := rand.New(rand.NewPCG(seed, 0))
	rec := &record{}
	cases := slices.Clone(gallery)
	send := func(k kind, a answer, err error, began time.Time) answer {
		rec.add(k, a, err, time.Since(began))
		if err == nil && a.status == http.StatusTooManyRequests {
			sleep(ctx, min(a.retryAfter, time.Until(end)))
		}
		return a
	}
	for n := 0; n < maxOps && ctx.Err() == nil && time.Now().Before(end); n++ {
		p := photos[r.IntN(len(photos))]
		began := time.Now()
		switch op := r.IntN(100); {
		case op < searchShare:
			a, err := c.postPhoto(ctx, "/v1/search", p)
			send(kindSearch, a, err, began)
		case op < searchShare+uploadShare:
			a, err := c.postJSON(ctx, "/v1/cases", caseDetails("found"))
			var cs created
			if send(kindCreate, a, err, began).status != http.StatusCreated || json.Unmarshal(a.body, &cs) != nil {
				continue
			}
			cases = append(cases, cs.ID)
			began = time.Now()
			a, err = c.postPhoto(ctx, "/v1/cases/"+cs.ID+"/photos", p)
			send(kindUpload, a, err, began)
		case op%2 == 0:
			a, err := c.do(ctx, "GET", "/v1/cases/"+cases[r.IntN(len(cases))], "", nil)
			send(kindRead, a, err, began)
		default:
			a, err := c.do(ctx, "GET", "/v1/cases?limit=50", "", nil)
			send(kindList, a, err, began)
		}
	}
	return rec
}
