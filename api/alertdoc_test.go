package api_test

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"childmatch/alertdoc/capcheck"
)

// grpPost registers a post through the API and answers its id.
func (e *env) grpPost(name string, area map[string]any, users ...string) string {
	e.t.Helper()
	r := e.postJSON("/v1/posts", map[string]any{"name": name, "kind": "grp", "area": area, "users": users})
	if r.status != http.StatusCreated {
		e.t.Fatalf("post: %d %s", r.status, r.body)
	}
	var p struct {
		ID string `json:"id"`
	}
	r.decode(e.t, &p)
	return p.ID
}

// TestCaseChangeAPI: PATCH /v1/cases/{id} changes only the fields it names, keeps the earlier values in
// the case's history and in the audit trail, and sends an update of the open alert, which a radius
// widened from 50 to 90 km around Itarsi carries to Bhopal's post (80.8 km away); bad changes are refused
// naming the field; a shelter cannot see the report, a reviewer cannot change it.
func TestCaseChangeAPI(t *testing.T) {
	e := newEnv(t)
	uid, constable, _ := e.user("GRP constable", "GRP Itarsi", "officer")
	itarsi := e.grpPost("GRP Itarsi", map[string]any{"states": []string{"Madhya Pradesh"}, "stations": []string{"ET"}}, uid)
	bhopal := e.grpPost("RPF Bhopal", map[string]any{"stations": []string{"BPL"}})
	id := e.newCase(constable, map[string]any{"kind": "missing", "child": map[string]any{"age": 9, "name": "Asha"},
		"sighting": map[string]any{"state": "Madhya Pradesh", "station": "ET"}, "reporter": map[string]any{"name": "parent"},
		"alert": map[string]any{"radius_km": 50}})
	var a alertResp
	e.as(constable, "GET", "/v1/alerts/"+id, nil).decode(t, &a)
	if len(a.Recipients) != 1 || a.Recipients[0].Post != itarsi {
		t.Fatalf("50 km of Itarsi reached %+v", a.Recipients)
	}

	r := e.as(constable, "PATCH", "/v1/cases/"+id, map[string]any{"alert": map[string]any{"radius_km": 90}, "child": map[string]any{"age": 10}})
	var changed struct {
		Child struct {
			Age  int    `json:"age"`
			Name string `json:"name"`
		} `json:"child"`
		History []struct {
			Fields  []string       `json:"fields"`
			Earlier map[string]any `json:"earlier"`
			By      string         `json:"by"`
		} `json:"history"`
	}
	r.decode(t, &changed)
	if r.status != http.StatusOK || changed.Child.Age != 10 || changed.Child.Name != "Asha" || len(changed.History) != 1 ||
		!slices.Equal(changed.History[0].Fields, []string{"alert.radius_km", "child.age"}) || changed.History[0].Earlier["child.age"] != 9.0 ||
		changed.History[0].By != uid {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	e.as(constable, "GET", "/v1/alerts/"+id, nil).decode(t, &a)
	if len(a.Recipients) != 2 || a.Recipients[1].Post != bhopal || len(a.Messages) != 2 || a.Messages[1].Type != "update" ||
		a.Messages[1].Reason != "area_widened" {
		t.Fatalf("after widening: %+v", a)
	}
	var audit struct {
		Events []struct {
			Action string `json:"action"`
			Object string `json:"object"`
		} `json:"events"`
	}
	e.as("Bearer "+token, "GET", "/v1/audit?case="+id, nil).decode(t, &audit)
	if !slices.ContainsFunc(audit.Events, func(ev struct {
		Action string `json:"action"`
		Object string `json:"object"`
	}) bool {
		return ev.Action == "case.change" && ev.Object == "alert.radius_km,child.age"
	}) {
		t.Errorf("the change is not in the audit trail: %+v", audit.Events)
	}

	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"child": map[string]any{"age": "ten"}}, "child.age"},
		{map[string]any{"kind": "found"}, "kind"},
		{map[string]any{"childe": map[string]any{}}, "childe"},
		{map[string]any{"alert": map[string]any{"stations": []string{"ITARSI1"}}}, "alert.stations"},
		{map[string]any{"sighting": map[string]any{"station": "XYZ"}}, "alert.radius_km"},
	} {
		var er errorResponse
		r := e.as(constable, "PATCH", "/v1/cases/"+id, tc.body)
		r.decode(t, &er)
		if r.status != http.StatusBadRequest || er.Error.Field != tc.field {
			t.Errorf("%v: %d %s, want field %s", tc.body, r.status, r.body, tc.field)
		}
	}
	_, shelter, _ := e.user("shelter", "Shelter Indore", "shelter")
	_, reviewer, _ := e.user("reviewer", "CWC", "reviewer")
	if r := e.as(shelter, "PATCH", "/v1/cases/"+id, map[string]any{"child": map[string]any{"age": 11}}); r.status != http.StatusNotFound {
		t.Errorf("a shelter changes another organisation's report: %d", r.status)
	}
	if r := e.as(reviewer, "PATCH", "/v1/cases/"+id, map[string]any{"child": map[string]any{"age": 11}}); r.status != http.StatusForbidden {
		t.Errorf("a reviewer changes a report: %d", r.status)
	}
}

type atomFeed struct {
	Entries []struct {
		ID    string `xml:"id"`
		Title string `xml:"title"`
		Link  struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

type capFields struct {
	Status     string `xml:"status"`
	MsgType    string `xml:"msgType"`
	References string `xml:"references"`
	Info       []struct {
		Resource []struct {
			URI string `xml:"uri"`
		} `xml:"resource"`
	} `xml:"info"`
}

// TestCAPAPI: the alert's latest message is a valid CAP 1.2 document for a user of a post it reached,
// and for the signed link its feed entry carries, and nobody else; the face chip opens by the signed link
// in the document; a tampered link is refused; every opening is audited; an exercise says so.
func TestCAPAPI(t *testing.T) {
	e := newEnv(t)
	uid, constable, _ := e.user("GRP constable", "GRP Itarsi", "officer")
	_, stranger, _ := e.user("UP constable", "GRP Lucknow", "officer")
	e.grpPost("GRP Itarsi", map[string]any{"states": []string{"Madhya Pradesh"}}, uid)
	id := e.newCase("Bearer "+token, map[string]any{"kind": "missing", "child": map[string]any{"age": 9, "gender": "female"},
		"sighting": map[string]any{"state": "Madhya Pradesh", "station": "ET"}, "reporter": map[string]any{"name": "parent", "phone": "+91 98260 00000"},
		"alert": map[string]any{"states": []string{"Madhya Pradesh"}, "radius_km": 60}})
	e.addPhoto(id, "obama/obama1.jpg")

	r := e.as(constable, "GET", "/v1/alerts/"+id+"/cap", nil)
	if r.status != http.StatusOK {
		t.Fatalf("cap: %d %s", r.status, r.body)
	}
	if err := capcheck.Check(r.body); err != nil {
		t.Fatalf("%v\n%s", err, r.body)
	}
	var doc capFields
	if err := xml.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.MsgType != "Update" || doc.Status != "Actual" || len(strings.Fields(doc.References)) != 1 || len(doc.Info) != 2 ||
		len(doc.Info[0].Resource) != 1 || !strings.Contains(string(r.body), "<circle>") {
		t.Fatalf("the latest message (the photo's update): %+v\n%s", doc, r.body)
	}
	face, err := url.Parse(doc.Info[0].Resource[0].URI)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", face.RequestURI(), "", nil, ""); r.status != http.StatusOK || !strings.HasPrefix(string(r.body[:3]), "\xff\xd8\xff") {
		t.Fatalf("the face by its signed link: %d", r.status)
	}
	if r := e.do("GET", strings.Replace(face.RequestURI(), "sig=", "sig=x", 1), "", nil, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("the face by a tampered link: %d", r.status)
	}
	if r := e.do("GET", "/v1/alerts/"+id+"/cap", "", nil, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("the CAP document without a credential: %d", r.status)
	}
	if r := e.as(stranger, "GET", "/v1/alerts/"+id+"/cap", nil); r.status != http.StatusNotFound {
		t.Fatalf("the CAP document for another state's constable: %d", r.status)
	}

	r = e.as(constable, "GET", "/v1/alerts/feed.atom", nil)
	var feed atomFeed
	if err := xml.Unmarshal(r.body, &feed); err != nil || r.status != http.StatusOK || len(feed.Entries) != 1 || !strings.Contains(feed.Entries[0].ID, id) {
		t.Fatalf("feed: %d %v %s", r.status, err, r.body)
	}
	link, err := url.Parse(feed.Entries[0].Link.Href)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", link.RequestURI(), "", nil, ""); r.status != http.StatusOK || capcheck.Check(r.body) != nil {
		t.Fatalf("the feed entry's signed CAP link: %d %v", r.status, capcheck.Check(r.body))
	}
	if r := e.do("GET", strings.Replace(link.RequestURI(), "seq=2", "seq=1", 1), "", nil, ""); r.status != http.StatusUnauthorized {
		t.Fatalf("a signed link moved to another message: %d", r.status)
	}
	if r := e.as(stranger, "GET", "/v1/alerts/feed.atom", nil); !strings.Contains(string(r.body), "<feed") || strings.Contains(string(r.body), "<entry>") {
		t.Fatalf("another state's feed: %d %s", r.status, r.body)
	}
	var audit struct {
		Events []struct {
			Action string `json:"action"`
			Actor  string `json:"actor"`
		} `json:"events"`
	}
	e.as("Bearer "+token, "GET", "/v1/audit?case="+id, nil).decode(t, &audit)
	opened := map[string]int{}
	for _, ev := range audit.Events {
		opened[ev.Action+" by "+ev.Actor]++
	}
	if opened["alert.cap by "+uid] != 1 || opened["alert.cap by signed-link"] != 1 || opened["alert.face by signed-link"] != 1 || opened["alert.feed by "+uid] != 1 {
		t.Errorf("openings in the audit trail: %v", opened)
	}

	if r := e.as(constable, "POST", "/v1/alerts/exercise", map[string]any{"reporter": map[string]any{"name": "drill"}}); r.status != http.StatusForbidden {
		t.Fatalf("an officer raises an exercise: %d", r.status)
	}
	r = e.postJSON("/v1/alerts/exercise", map[string]any{"child": map[string]any{"name": "Drill"}, "sighting": map[string]any{"state": "Madhya Pradesh"},
		"reporter": map[string]any{"name": "drill"}})
	var drill struct {
		ID       string `json:"id"`
		Exercise bool   `json:"exercise"`
	}
	r.decode(t, &drill)
	if r.status != http.StatusCreated || !drill.Exercise {
		t.Fatalf("exercise: %d %s", r.status, r.body)
	}
	r = e.as(constable, "GET", "/v1/alerts/"+drill.ID+"/cap", nil)
	if err := xml.Unmarshal(r.body, &doc); err != nil || doc.Status != "Exercise" || doc.MsgType != "Alert" || capcheck.Check(r.body) != nil {
		t.Fatalf("the exercise's CAP document: %d %+v %s", r.status, doc, r.body)
	}
}
