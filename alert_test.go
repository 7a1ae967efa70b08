package childmatch_test

import (
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/gazetteer"
)

// TestMeets: an alert reaches exactly the posts whose area meets its own, by name, by the gazetteer's
// places of stations, and by circles (distances from fixtures.TestStations' comment).
func TestMeets(t *testing.T) {
	g, err := gazetteer.Load(fixtures.StationsCSV(t))
	if err != nil {
		t.Fatal(err)
	}
	at := func(code string) *childmatch.Place { s, _ := g.Station(code); p := s.Place(); return &p }
	mp := []string{"Madhya Pradesh"}
	posts := map[string]childmatch.Area{
		"state MP":         {States: mp},
		"Narmadapuram":     {States: mp, Districts: []string{"Narmadapuram"}},
		"Bhopal":           {States: mp, Districts: []string{"Bhopal"}},
		"station ET":       {States: mp, Stations: []string{"ET"}},
		"station BPL only": {Stations: []string{"BPL"}},
		"station JBP":      {States: mp, Stations: []string{"JBP"}},
		"state UP":         {States: []string{"Uttar Pradesh"}},
		"Lucknow (UP)":     {States: []string{"Uttar Pradesh"}, Districts: []string{"Lucknow"}},
		"10 km of PPI":     {Point: at("PPI"), RadiusKm: 10},
		"20 km of HBJ":     {Point: at("HBJ"), RadiusKm: 20},
		"Bhopal, two ways": {States: []string{" madhya pradesh "}, Districts: []string{"BHOPAL"}},
	}
	around := func(code string, km float64) childmatch.Area {
		return childmatch.Area{Stations: []string{code}, Point: at(code), RadiusKm: km}
	}
	window := []childmatch.StationWindow{{Code: "ET", From: time.Date(2026, 11, 1, 14, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC)}}
	for _, tc := range []struct {
		name  string
		alert childmatch.Area
		want  []string
	}{
		{"the whole state", childmatch.Area{States: mp},
			[]string{"state MP", "Narmadapuram", "Bhopal", "station ET", "station BPL only", "station JBP", "Bhopal, two ways"}},
		{"one district", childmatch.Area{States: mp, Districts: []string{"Bhopal"}},
			[]string{"state MP", "Bhopal", "Bhopal, two ways", "station BPL only"}},
		{"a route of stations", childmatch.Area{Stations: []string{"BPL", "ET"}},
			[]string{"station ET", "station BPL only", "Narmadapuram", "Bhopal", "Bhopal, two ways", "state MP", "20 km of HBJ"}},
		{"a route with a window", childmatch.Area{Stations: []string{"BPL", "ET"}, Windows: window},
			[]string{"station ET", "station BPL only", "Narmadapuram", "Bhopal", "Bhopal, two ways", "state MP", "20 km of HBJ"}},
		{"50 km of ET", around("ET", 50), []string{"station ET", "Narmadapuram", "state MP"}},
		{"55 km of ET: reaches the circle of PPI (62.5 km away, 10 km wide)", around("ET", 55),
			[]string{"station ET", "Narmadapuram", "state MP", "10 km of PPI"}},
		{"85 km of ET: BPL lies within, HBJ's circle overlaps", around("ET", 85),
			[]string{"station ET", "Narmadapuram", "state MP", "10 km of PPI", "station BPL only", "20 km of HBJ"}},
		{"a circle without a station, around HBJ", childmatch.Area{Point: at("HBJ"), RadiusKm: 6},
			[]string{"station BPL only", "20 km of HBJ"}},
		{"every state", childmatch.Area{All: true}, []string{"state MP", "Narmadapuram", "Bhopal", "station ET", "station BPL only",
			"station JBP", "state UP", "Lucknow (UP)", "10 km of PPI", "20 km of HBJ", "Bhopal, two ways"}},
		{"a district of another state", childmatch.Area{States: []string{"Uttar Pradesh"}, Districts: []string{"Bhopal"}},
			[]string{"state UP"}},
	} {
		var got []string
		for name, p := range posts {
			if tc.alert.Meets(p, g) {
				got = append(got, name)
			}
		}
		if !sameSet(got, tc.want) {
			t.Errorf("%s reaches %v, want %v", tc.name, got, tc.want)
		}
	}
	// Without a gazetteer stations are only codes: the route meets the posts naming them.
	if !(childmatch.Area{Stations: []string{"ET"}}).Meets(posts["station ET"], nil) ||
		(childmatch.Area{Stations: []string{"ET"}}).Meets(posts["Narmadapuram"], nil) {
		t.Error("without a gazetteer a station meets the posts naming it, and no other")
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[string]bool{}
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}

// BenchmarkMeets: an alert's area against 10,000 posts, as raising it does: a route of the test stations
// with a 100 km circle, against posts each naming a district and two stations, or a circle.
func BenchmarkMeets(b *testing.B) {
	g, err := gazetteer.Load(fixtures.StationsCSV(b))
	if err != nil {
		b.Fatal(err)
	}
	var codes []string
	for _, s := range fixtures.TestStations {
		codes = append(codes, s.Code)
	}
	posts := make([]childmatch.Area, 10_000)
	for i := range posts {
		s := fixtures.TestStations[i%len(codes)]
		if i%3 == 0 {
			p := s.Place()
			posts[i] = childmatch.Area{Point: &p, RadiusKm: 20}
			continue
		}
		posts[i] = childmatch.Area{States: []string{"Uttar Pradesh"}, Districts: []string{"Lucknow"}, Stations: []string{codes[(i+1)%len(codes)], codes[(i+2)%len(codes)]}}
	}
	et := fixtures.TestStations[0].Place()
	alert := childmatch.Area{Stations: codes[1:4], Point: &et, RadiusKm: 100}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, p := range posts {
			if alert.Meets(p, g) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no post met")
		}
	}
}
