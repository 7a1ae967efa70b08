package api_test

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"childmatch"
	"childmatch/fixtures"
)

type noteResp struct {
	Kind    string `json:"kind"`
	Warning bool   `json:"warning"`
	Message string `json:"message"`
}

type reviewResp struct {
	ID       string  `json:"id"`
	Type     string  `json:"type"`
	State    string  `json:"state"`
	CaseA    string  `json:"case_a"`
	CaseB    string  `json:"case_b"`
	Distance float32 `json:"distance"`
	Rank     float32 `json:"rank"`
	Evidence struct {
		Score float64 `json:"score"`
		Level string  `json:"level"`
	} `json:"evidence"`
	ProposedRank int        `json:"proposed_rank"`
	Reason       string     `json:"reason"`
	Support      int        `json:"support"`
	ChipA        string     `json:"chip_a_url"`
	ChipB        string     `json:"chip_b_url"`
	Notes        []noteResp `json:"notes"`
	History      []struct {
		State string `json:"state"`
		By    string `json:"by"`
		Note  string `json:"note"`
	} `json:"history"`
}

func (e *env) reviews(auth, query string) []reviewResp {
	e.t.Helper()
	r := e.as(auth, "GET", "/v1/reviews?"+query, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("reviews: %d %s", r.status, r.body)
	}
	var q struct {
		Reviews []reviewResp `json:"reviews"`
	}
	r.decode(e.t, &q)
	return q.Reviews
}

func (e *env) caseAs(auth, id string) map[string]any {
	e.t.Helper()
	r := e.as(auth, "GET", "/v1/cases/"+id, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("case: %d %s", r.status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) newCase(auth string, details map[string]any) string {
	e.t.Helper()
	r := e.as(auth, "POST", "/v1/cases", details)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", r.status, r.body)
	}
	var c caseResp
	r.decode(e.t, &c)
	return c.ID
}

// TestReviewFlow: candidate -> review item -> confirmation -> matched -> closure, through HTTP with a real
// MinIO, with a restart in the middle; a consistency warning ranks an item lower without hiding it; a
// rejected pair stays rejected unless a much closer photo comes; "same child" items for the same kind.
func TestReviewFlow(t *testing.T) {
	e := newEnv(t)
	_, officer, _ := e.user("officer", "GRP Bhopal", "officer")
	_, shelter, _ := e.user("shelter", "Aarambh shelter", "shelter")
	reviewerID, reviewer, _ := e.user("reviewer", "CWC Bhopal", "reviewer")
	_, reviewer2, _ := e.user("reviewer 2", "CWC Indore", "reviewer")

	where := map[string]any{"state": "Madhya Pradesh", "district": "Bhopal", "time": "2026-10-01T10:00:00Z"}
	foundWhere := map[string]any{"state": "Madhya Pradesh", "district": "Itarsi", "time": "2026-11-01T10:00:00Z"}
	boy := e.newCase(officer, map[string]any{"kind": "missing", "child": map[string]any{"gender": "male", "age": 9},
		"sighting": where, "reporter": map[string]any{"name": "parent"}})
	e.addPhotoAs(officer, boy, "obama/obama1.jpg")
	girl := e.newCase(officer, map[string]any{"kind": "missing", "child": map[string]any{"gender": "female", "age": 9},
		"sighting": where, "reporter": map[string]any{"name": "parent"}})
	e.addPhotoAs(officer, girl, "rose_leslie/rose1.jpg")
	found := e.newCase(shelter, map[string]any{"kind": "found", "child": map[string]any{"gender": "male", "age": 9, "age_estimated": true},
		"sighting": foundWhere})
	e.addPhotoAs(shelter, found, "obama/obama2.jpg")
	// The same boy reported missing a second time: a match with the found child and a same-child item.
	boyAgain := e.newCase(officer, map[string]any{"kind": "missing", "child": map[string]any{"gender": "male", "age": 9},
		"sighting": where, "reporter": map[string]any{"name": "parent"}})
	e.addPhotoAs(officer, boyAgain, "obama/obama4.jpg")
	// A found child recorded as a boy whose only near candidate is the girl's report.
	found2 := e.newCase(shelter, map[string]any{"kind": "found", "child": map[string]any{"gender": "male", "age": 9, "age_estimated": true},
		"sighting": foundWhere})
	e.addPhotoAs(shelter, found2, "rose_leslie/rose2.jpg")

	pending := e.reviews(reviewer, "state=pending")
	var toBoy, toGirl, sameChild *reviewResp
	for i := range pending {
		r := &pending[i]
		switch {
		case r.Type == "match" && r.CaseA == boy && r.CaseB == found:
			toBoy = r
		case r.Type == "match" && r.CaseA == girl && r.CaseB == found2:
			toGirl = r
		case r.Type == "same_child" && r.CaseA == boy && r.CaseB == boyAgain:
			sameChild = r
		case r.CaseA == girl || r.CaseB == girl || r.CaseB == found2:
			t.Fatalf("a stranger was proposed: %+v", *r)
		}
	}
	if toBoy == nil || toGirl == nil || sameChild == nil {
		t.Fatalf("want match items found~boy, found2~girl and a same_child item boy~boyAgain, got %+v", pending)
	}
	if toBoy.Support < 1 || toBoy.ChipA == "" || toBoy.ChipB == "" || toBoy.Rank != float32(-toBoy.Evidence.Score) ||
		toBoy.Evidence.Level != "strong" || toBoy.ProposedRank != 1 || toBoy.Reason != "best" {
		t.Fatalf("found~boy item: %+v", *toBoy)
	}
	if len(toGirl.Notes) == 0 || toGirl.Notes[0].Kind != "gender" || !toGirl.Notes[0].Warning {
		t.Fatalf("found2~girl item has no gender warning: %+v", toGirl.Notes)
	}
	if d := float64(toGirl.Rank) + toGirl.Evidence.Score; math.Abs(d+math.Log10(childmatch.ConsistencyFactor)) > 1e-4 {
		t.Fatalf("a gender warning should rank log10(1/ConsistencyFactor) lower: score %.3f rank %.3f", toGirl.Evidence.Score, toGirl.Rank)
	}
	for i := 1; i < len(pending); i++ {
		if pending[i].Rank < pending[i-1].Rank {
			t.Fatalf("queue not ordered by rank: %+v", pending)
		}
	}
	// A second upload of the same person does not create a second item for the pair.
	e.addPhotoAs(shelter, found, "obama/obama3.jpg")
	again := e.reviews(reviewer, "state=pending&type=match&case="+found)
	if len(again) != 2 {
		t.Fatalf("want still 2 match items for the found case, got %d", len(again))
	}
	for _, r := range again {
		if r.ID == toBoy.ID && r.Support <= toBoy.Support {
			t.Fatalf("the second photo did not add support: %d then %d", toBoy.Support, r.Support)
		}
	}

	e.start() // restart in the middle of the flow: items, cases and index come back from MinIO

	decide := func(auth, id, state, note string) reviewResp {
		t.Helper()
		r := e.as(auth, "POST", "/v1/reviews/"+id+"/decision", map[string]any{"state": state, "note": note})
		if r.status != http.StatusOK {
			t.Fatalf("decide %s: %d %s", state, r.status, r.body)
		}
		var rr reviewResp
		r.decode(t, &rr)
		return rr
	}
	decide(reviewer, toGirl.ID, "rejected", "different child")
	// Rejected stays rejected for a photo no closer than before (the girl's own photo again gives the same
	// distances); the found child's photo being the girl's very photo (distance ~0) is much closer, so the
	// pair comes back with a note saying why.
	e.addPhotoAs(officer, girl, "rose_leslie/rose1.jpg")
	var reopened *reviewResp
	for _, r := range e.reviews(reviewer, "state=pending&case="+girl) {
		if r.ID == toGirl.ID {
			reopened = &r
		}
	}
	if reopened != nil {
		t.Fatalf("the rejected pair came back without a closer photo: %+v", reopened)
	}
	e.addPhotoAs(shelter, found2, "rose_leslie/rose1.jpg")
	for _, r := range e.reviews(reviewer, "state=pending&case="+girl) {
		if r.ID == toGirl.ID {
			reopened = &r
		}
	}
	if reopened == nil || !slices.ContainsFunc(reopened.Notes, func(n noteResp) bool { return n.Kind == "reopened" }) {
		t.Fatalf("a much closer photo did not reopen the rejected pair with a note: %+v", reopened)
	}

	confirmed := decide(reviewer, toBoy.ID, "confirmed", "same mole, same face")
	if confirmed.State != "confirmed" || confirmed.History[0].By != reviewerID {
		t.Fatalf("confirmation: %+v", confirmed)
	}
	for _, id := range []string{boy, found} {
		c := e.caseAs(officer, id)
		if c["status"] != "matched" || len(c["links"].([]any)) != 1 {
			t.Fatalf("case %s after confirmation: status %v links %v", id, c["status"], c["links"])
		}
	}
	// Matched cases leave default searches but stay searchable on request.
	if m := e.searchAs(officer, "obama/obama5-small.jpg", nil); slices.Contains(caseIDs(m), boy) {
		t.Fatal("a matched case is still in the default search")
	}
	if m := e.searchAs(officer, "obama/obama5-small.jpg", map[string]string{"status": "any"}); !slices.Contains(caseIDs(m), boy) {
		t.Fatal("a matched case is not found with status=any")
	}

	// Two reviewers deciding the same item at the same moment: both decisions are kept.
	var wg sync.WaitGroup
	for _, auth := range []string{reviewer, reviewer2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.as(auth, "POST", "/v1/reviews/"+sameChild.ID+"/decision", map[string]any{"state": "unsure", "note": "needs a better photo"})
		}()
	}
	wg.Wait()
	var both []reviewResp
	for _, r := range e.reviews(reviewer, "case="+boy+"&type=same_child") {
		both = append(both, r)
	}
	if len(both) != 1 || len(both[0].History) != 2 || both[0].History[0].By == both[0].History[1].By {
		t.Fatalf("concurrent decisions: %+v", both)
	}

	// Closing one case closes its confirmed match with it.
	r := e.as(officer, "POST", "/v1/cases/"+found+"/close", map[string]any{"outcome": "reunited", "note": "handed to parents"})
	if r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	for _, id := range []string{boy, found} {
		if c := e.caseAs(officer, id); c["status"] != "closed" {
			t.Fatalf("case %s after closing: %v", id, c["status"])
		}
	}

	// A case linked by a confirmed review cannot be deleted until the review is revised.
	if r := e.as("Bearer "+token, "DELETE", "/v1/cases/"+boy, map[string]any{"reason": "duplicate"}); r.status != http.StatusConflict {
		t.Fatalf("deleting a linked case: %d %s, want 409", r.status, r.body)
	}

	// The numbers add up, and the trail names who did what.
	var st struct {
		Stats []struct {
			State     string  `json:"state"`
			District  string  `json:"district"`
			Missing   int     `json:"missing"`
			Found     int     `json:"found"`
			Proposed  int     `json:"candidates_proposed"`
			Confirmed int     `json:"confirmed"`
			Rejected  int     `json:"rejected"`
			Reunited  int     `json:"reunited"`
			Median    float64 `json:"median_hours_to_match"`
		} `json:"stats"`
	}
	e.as("Bearer "+token, "GET", "/v1/stats?state=Madhya%20Pradesh", nil).decode(t, &st)
	got := map[string]int{}
	for _, s := range st.Stats {
		got[s.District+".missing"] += s.Missing
		got[s.District+".found"] += s.Found
		got[s.District+".confirmed"] += s.Confirmed
		got[s.District+".reunited"] += s.Reunited
	}
	want := map[string]int{"Bhopal.missing": 3, "Bhopal.found": 0, "Bhopal.confirmed": 1, "Bhopal.reunited": 1,
		"Itarsi.missing": 0, "Itarsi.found": 2, "Itarsi.confirmed": 0, "Itarsi.reunited": 1}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("stats %s = %d, want %d (all: %+v)", k, got[k], v, st.Stats)
		}
	}
	var trail struct {
		Events []struct {
			Actor  string   `json:"actor"`
			Action string   `json:"action"`
			Cases  []string `json:"cases"`
		} `json:"events"`
	}
	e.as("Bearer "+token, "GET", "/v1/audit?case="+found+"&user="+reviewerID, nil).decode(t, &trail)
	var actions []string
	for _, ev := range trail.Events {
		if ev.Actor != reviewerID || !slices.Contains(ev.Cases, found) {
			t.Fatalf("audit filter leaked %+v", ev)
		}
		actions = append(actions, ev.Action)
	}
	if !slices.Contains(actions, "review.decide") || !slices.Contains(actions, "review.list") {
		t.Fatalf("the reviewer's actions on the found case are not all in the trail: %v", actions)
	}
	for key, body := range e.objects("audit/") {
		for _, detail := range []string{"parent", "Aarambh", "mole"} {
			if strings.Contains(string(body), detail) {
				t.Fatalf("audit event %s holds case details: %s", key, body)
			}
		}
	}
}

func (e *env) searchAs(auth, rel string, fields map[string]string) matchesResp {
	e.t.Helper()
	ct, body := multipartBody(e.t, fixtures.Photo(e.t, rel), fields)
	r := e.do("POST", "/v1/search", ct, body, auth)
	if r.status != http.StatusOK {
		e.t.Fatalf("search: %d %s", r.status, r.body)
	}
	var m matchesResp
	r.decode(e.t, &m)
	return m
}

func caseIDs(m matchesResp) []string {
	var ids []string
	for _, f := range m.Faces {
		for _, c := range f.Candidates {
			ids = append(ids, c.Case.ID)
		}
	}
	return ids
}
