package alertdoc_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/alertdoc"
	"childmatch/alertdoc/capcheck"
	"childmatch/fixtures"
	"childmatch/gazetteer"
)

func example(t *testing.T) (*childmatch.Alert, *childmatch.Case, alertdoc.Meta) {
	g, err := gazetteer.Load(fixtures.StationsCSV(t))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
	et, _ := g.Station("ET")
	p := et.Place()
	c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: childmatch.KindMissing,
		Child:    childmatch.Child{Name: "Asha", Age: 9, Gender: childmatch.GenderFemale, Languages: []string{"Hindi"}, Description: "red frock"},
		Sighting: childmatch.Sighting{Station: "ET", State: "Madhya Pradesh", Time: at.Add(-time.Hour)},
		Reporter: childmatch.Contact{Name: "Ravi", Phone: "+91 98260 00000"}}}
	a := &childmatch.Alert{ID: c.ID, Case: c.ID, Status: childmatch.AlertActive,
		Area: childmatch.Area{Stations: []string{"ET", "BPL"}, Point: &p, RadiusKm: 50,
			Windows: []childmatch.StationWindow{{Code: "BPL", From: at.Add(time.Hour), To: at.Add(2 * time.Hour)}}},
		Messages: []childmatch.Message{{Seq: 1, Type: childmatch.MsgAlert, At: at, Reason: childmatch.ReasonReported},
			{Seq: 2, Type: childmatch.MsgUpdate, At: at.Add(time.Minute), Reason: childmatch.ReasonPhoto},
			{Seq: 3, Type: childmatch.MsgCancel, At: at.Add(time.Hour), Reason: childmatch.ReasonMatched}}}
	return a, c, alertdoc.Meta{Sender: "childmatch@childmatch.example.in", Face: "https://childmatch.example.in/v1/alerts/x/face.jpg?exp=1&sig=s",
		Web: "https://childmatch.example.in/#/alerts/x", Stations: g}
}

// capDoc is what a test reads back of a document.
type capDoc struct {
	XMLName    xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier string   `xml:"identifier"`
	Sent       string   `xml:"sent"`
	Status     string   `xml:"status"`
	MsgType    string   `xml:"msgType"`
	Scope      string   `xml:"scope"`
	References string   `xml:"references"`
	Info       []struct {
		Language    string   `xml:"language"`
		Category    []string `xml:"category"`
		Event       string   `xml:"event"`
		Urgency     string   `xml:"urgency"`
		Description string   `xml:"description"`
		Resource    []struct {
			URI string `xml:"uri"`
		} `xml:"resource"`
		Area []struct {
			AreaDesc string   `xml:"areaDesc"`
			Circle   []string `xml:"circle"`
		} `xml:"area"`
	} `xml:"info"`
}

// TestCAP: every message of an alert is a valid CAP 1.2 document: Alert, then an Update and a Cancel that
// reference every earlier message; Restricted; an English and a Hindi info of category Rescue with the
// child's details, the area in words with its circle, and the face chip by its signed link; an exercise
// says so in its status.
func TestCAP(t *testing.T) {
	a, c, meta := example(t)
	var ids []string
	for seq, want := range map[int]string{1: "Alert", 2: "Update", 3: "Cancel"} {
		doc, err := alertdoc.CAP(a, c, seq, meta)
		if err != nil {
			t.Fatal(err)
		}
		if err := capcheck.Check(doc); err != nil {
			t.Fatalf("message %d: %v\n%s", seq, err, doc)
		}
		var d capDoc
		if err := xml.Unmarshal(doc, &d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.Identifier)
		if d.MsgType != want || d.Status != "Actual" || d.Scope != "Restricted" || len(strings.Fields(d.References)) != seq-1 {
			t.Errorf("message %d: %s %s %s references %q", seq, d.MsgType, d.Status, d.Scope, d.References)
		}
		if d.Sent != alertdoc.Sent(a.Messages[seq-1].At) || !strings.HasSuffix(d.Sent, "+05:30") {
			t.Errorf("message %d sent %s", seq, d.Sent)
		}
		if len(d.Info) != 2 || d.Info[0].Language != "en-US" || d.Info[1].Language != "hi-IN" {
			t.Fatalf("message %d infos %+v", seq, d.Info)
		}
		for _, in := range d.Info {
			if in.Category[0] != "Rescue" || !strings.Contains(in.Description, "Asha") || !strings.Contains(in.Description, c.ID.String()) ||
				len(in.Resource) != 1 || in.Resource[0].URI != meta.Face || len(in.Area) != 1 ||
				len(in.Area[0].Circle) != 1 || !strings.HasSuffix(in.Area[0].Circle[0], " 50") ||
				!strings.Contains(in.Area[0].AreaDesc, "BPL (Bhopal Junction) 01-11 16:00–01-11 17:00 IST") {
				t.Errorf("message %d, %s: %+v", seq, in.Language, in)
			}
		}
		if hi := d.Info[1]; !strings.Contains(hi.Description, "लड़की") || !strings.Contains(hi.Event, "लापता बच्चा") {
			t.Errorf("the Hindi info is not in Hindi: %+v", hi)
		}
		if seq == 3 && d.Info[0].Urgency != "Past" {
			t.Errorf("the cancel's urgency %s", d.Info[0].Urgency)
		}
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Errorf("identifiers repeat: %v", ids)
	}
	a.Exercise = true
	doc, err := alertdoc.CAP(a, c, 1, meta)
	if err != nil {
		t.Fatal(err)
	}
	var d capDoc
	if err := xml.Unmarshal(doc, &d); err != nil || d.Status != "Exercise" || capcheck.Check(doc) != nil {
		t.Errorf("the exercise's status %q: %v %v", d.Status, err, capcheck.Check(doc))
	}
	if _, err := alertdoc.CAP(a, c, 4, meta); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Errorf("a message the alert does not have: %v", err)
	}
}

// TestCheckCatches: the check refuses each fault CAP 1.2 forbids, in a document that passes without it.
func TestCheckCatches(t *testing.T) {
	a, c, meta := example(t)
	good, err := alertdoc.CAP(a, c, 2, meta)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(good)
	sent := alertdoc.Sent(a.Messages[1].At)
	restriction := doc[strings.Index(doc, "<restriction>") : strings.Index(doc, "</restriction>")+len("</restriction>")]
	for _, tc := range []struct{ name, from, to, want string }{
		{"a time in Z", "<sent>" + sent + "</sent>", "<sent>2026-11-01T09:31:00Z</sent>", "alert/sent"},
		{"an unknown status", "<status>Actual</status>", "<status>Real</status>", "alert/status"},
		{"no restriction", restriction, "", "scope Restricted needs a restriction"},
		{"an unknown category", "<category>Rescue</category>", "<category>Child</category>", "info/category"},
		{"the info without an event", "<event>Missing child</event>", "", "event is required"},
		{"no scope", "<scope>Restricted</scope>", "", "scope is required"},
		{"out of order", "<status>Actual</status>\n  <msgType>Update</msgType>", "<msgType>Update</msgType>\n  <status>Actual</status>", "status is required"},
		{"twice", "<msgType>Update</msgType>", "<msgType>Update</msgType><msgType>Update</msgType>", "msgType occurs 2 times"},
		{"a bad circle", " 50</circle>", " fifty</circle>", "circle"},
		{"a relative resource", "<uri>https://", "<uri>//", "absolute URI"},
		{"a space in the identifier", "<identifier>childmatch-", "<identifier>childmatch ", "identifier"},
		{"a broken reference", "<references>childmatch@", "<references>x ", "references"},
		{"another namespace", alertdoc.Namespace, "urn:oasis:names:tc:emergency:cap:1.1", "root"},
	} {
		bad := strings.Replace(doc, tc.from, tc.to, 1)
		if bad == doc {
			t.Fatalf("%s: %q is not in the document", tc.name, tc.from)
		}
		if err := capcheck.Check([]byte(bad)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error about %s", tc.name, err, tc.want)
		}
	}
}
