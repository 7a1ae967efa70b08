package childmatch_test

import (
	"testing"

	"childmatch"
)

// TestMeets: an alert reaches exactly the posts whose area meets its own.
func TestMeets(t *testing.T) {
	mp := []string{"Madhya Pradesh"}
	posts := map[string]childmatch.Area{
		"state MP":         {States: mp},
		"Narmadapuram":     {States: mp, Districts: []string{"Narmadapuram"}},
		"Bhopal":           {States: mp, Districts: []string{"Bhopal"}},
		"station ET":       {States: mp, Stations: []string{"ET"}},
		"state UP":         {States: []string{"Uttar Pradesh"}},
		"Lucknow (UP)":     {States: []string{"Uttar Pradesh"}, Districts: []string{"Lucknow"}},
		"a circle":         {Point: &childmatch.Place{Lat: 22.6, Lon: 77.7}, RadiusKm: 20},
		"Bhopal, two ways": {States: []string{" madhya pradesh "}, Districts: []string{"BHOPAL"}},
	}
	for _, tc := range []struct {
		name  string
		alert childmatch.Area
		want  []string
	}{
		{"the whole state", childmatch.Area{States: mp},
			[]string{"state MP", "Narmadapuram", "Bhopal", "station ET", "Bhopal, two ways"}},
		{"one district", childmatch.Area{States: mp, Districts: []string{"Bhopal"}},
			[]string{"state MP", "Bhopal", "Bhopal, two ways"}},
		{"a route of stations", childmatch.Area{Stations: []string{"BPL", "ET"}}, []string{"station ET"}},
		{"every state", childmatch.Area{All: true}, []string{"state MP", "Narmadapuram", "Bhopal", "station ET",
			"state UP", "Lucknow (UP)", "a circle", "Bhopal, two ways"}},
		{"a district of another state", childmatch.Area{States: []string{"Uttar Pradesh"}, Districts: []string{"Bhopal"}},
			[]string{"state UP"}},
	} {
		var got []string
		for name, p := range posts {
			if tc.alert.Meets(p) {
				got = append(got, name)
			}
		}
		if !sameSet(got, tc.want) {
			t.Errorf("%s reaches %v, want %v", tc.name, got, tc.want)
		}
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
