package childmatch_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"childmatch"
)

// TestMergePatch: the examples of RFC 7396's Appendix A whose patch is an object (a change of a case is
// one); a patch that is not an object is refused.
func TestMergePatch(t *testing.T) {
	for _, tc := range []struct{ doc, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	} {
		got, err := childmatch.MergePatch([]byte(tc.doc), []byte(tc.patch))
		if err != nil {
			t.Fatalf("%s + %s: %v", tc.doc, tc.patch, err)
		}
		var g, w any
		if json.Unmarshal(got, &g) != nil || json.Unmarshal([]byte(tc.want), &w) != nil || !reflect.DeepEqual(g, w) {
			t.Errorf("%s + %s = %s, want %s", tc.doc, tc.patch, got, tc.want)
		}
	}
	for _, patch := range []string{`["c"]`, `null`, `"bar"`, `{"a":`} {
		if _, err := childmatch.MergePatch([]byte(`{"a":"b"}`), []byte(patch)); childmatch.ErrorCodeOf(err) != childmatch.EInvalid {
			t.Errorf("the patch %s: %v", patch, err)
		}
	}
}

// TestRevise: a revision names exactly the fields that changed, new or emptied, with their earlier values.
func TestRevise(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	before := childmatch.CaseDetails{Kind: childmatch.KindMissing, Child: childmatch.Child{Age: 9, Gender: childmatch.GenderFemale, Name: "Asha"},
		Sighting: childmatch.Sighting{Station: "ET"}}
	after := before
	after.Child.Age, after.Child.Name, after.Sighting.Place = 10, "", "platform 4"
	after.Alert = &childmatch.Area{RadiusKm: 50}
	r, err := childmatch.Revise(before, after, "officer", at)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alert.radius_km", "child.age", "child.name", "sighting.place"}
	if !slices.Equal(r.Fields, want) || string(r.Earlier["child.age"]) != "9" || string(r.Earlier["child.name"]) != `"Asha"` ||
		len(r.Earlier) != 2 || r.By != "officer" || !r.At.Equal(at) {
		t.Errorf("revision %+v, want fields %v and the earlier age and name", r, want)
	}
	if !r.Changed("child") || !r.Changed("alert") || r.Changed("sighting.station") || r.Changed("chil") {
		t.Errorf("Changed answers wrongly for %v", r.Fields)
	}
	if same, _ := childmatch.Revise(before, before, "officer", at); len(same.Fields) != 0 {
		t.Errorf("no change revised %v", same.Fields)
	}
}

// TestQuietHours: the hours end where they say, across midnight or within a day, in IST whatever the
// clock's zone; outside them nothing is held.
func TestQuietHours(t *testing.T) {
	ist := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, childmatch.IST) }
	night := &childmatch.QuietHours{From: "22:00", To: "06:00"}
	lunch := &childmatch.QuietHours{From: "13:00", To: "14:30"}
	for _, tc := range []struct {
		q     *childmatch.QuietHours
		at    time.Time
		until time.Time // zero: not quiet
	}{
		{night, ist(1, 23, 0), ist(2, 6, 0)},
		{night, ist(2, 5, 59), ist(2, 6, 0)},
		{night, ist(2, 6, 0), time.Time{}},
		{night, ist(1, 21, 59), time.Time{}},
		{night, ist(1, 22, 0).UTC(), ist(2, 6, 0)},
		{lunch, ist(1, 13, 30), ist(1, 14, 30)},
		{lunch, ist(1, 14, 30), time.Time{}},
		{nil, ist(1, 23, 0), time.Time{}},
	} {
		until, quiet := tc.q.Until(tc.at)
		if quiet != !tc.until.IsZero() || !until.Equal(tc.until) {
			t.Errorf("%+v at %s: %v %s, want %s", tc.q, tc.at, quiet, until, tc.until)
		}
	}
}
