package gazetteer_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/gazetteer"
)

// geoJSON writes the stations as a FeatureCollection.
func geoJSON(t *testing.T, stations []childmatch.Station) string {
	var features []map[string]any
	for _, s := range stations {
		features = append(features, map[string]any{"type": "Feature",
			"geometry":   map[string]any{"type": "Point", "coordinates": []float64{s.Lon, s.Lat}},
			"properties": map[string]any{"code": s.Code, "name": s.Name, "state": s.State, "district": s.District}})
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": features})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "stations.geojson")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoad: both forms give every station back as written, by code in any case.
func TestLoad(t *testing.T) {
	for name, path := range map[string]string{"csv": fixtures.StationsCSV(t), "geojson": geoJSON(t, fixtures.TestStations)} {
		g, err := gazetteer.Load(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g.Len() != len(fixtures.TestStations) {
			t.Errorf("%s: %d stations, want %d", name, g.Len(), len(fixtures.TestStations))
		}
		for _, want := range fixtures.TestStations {
			got, ok := g.Station(" " + strings.ToLower(want.Code))
			if !ok || got != want {
				t.Errorf("%s: %s is %+v, want %+v", name, want.Code, got, want)
			}
		}
		if _, ok := g.Station("XYZ"); ok {
			t.Errorf("%s: a station that is not listed was found", name)
		}
	}
}

// TestBadFiles: each fault is refused, naming its line or feature.
func TestBadFiles(t *testing.T) {
	header := "code,name,state,district,lat,lon\n"
	good := "ET,Itarsi Junction,Madhya Pradesh,Narmadapuram,22.6146,77.7620\n"
	for _, tc := range []struct{ name, csv, want string }{
		{"no lon column", "code,name,state,district,lat\n", `line 1: the header has no "lon" column`},
		{"a latitude in words", header + good + "BPL,Bhopal,Madhya Pradesh,Bhopal,north,77.4\n", `line 3: lat "north" is not a number`},
		{"a bad code", header + good + "BHOPAL1,Bhopal,Madhya Pradesh,Bhopal,23.2,77.4\n", `line 3: code "BHOPAL1" is not a station code`},
		{"a code twice", header + good + "BPL,Bhopal,Madhya Pradesh,Bhopal,23.2,77.4\n" + good, "line 4: station ET is listed again (first at line 2)"},
		{"off the Earth", header + "ET,Itarsi,Madhya Pradesh,Narmadapuram,122.6,77.7\n", "line 2: station ET is at latitude 122.6"},
		{"no state", header + "ET,Itarsi,,Narmadapuram,22.6,77.7\n", "line 2: station ET has no state"},
		{"a broken quote", header + good + `BPL,"Bhopal,Madhya Pradesh,Bhopal,23.2,77.4` + "\n", "line 3"},
	} {
		path := filepath.Join(t.TempDir(), "stations.csv")
		if err := os.WriteFile(path, []byte(tc.csv), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := gazetteer.Load(path)
		if childmatch.ErrorCodeOf(err) != childmatch.EInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	bad := append([]childmatch.Station{}, fixtures.TestStations...)
	bad[2].Name = ""
	if _, err := gazetteer.Load(geoJSON(t, bad)); err == nil || !strings.Contains(err.Error(), "feature 3: station PPI has no name") {
		t.Errorf("a GeoJSON station without a name: %v", err)
	}
	line := filepath.Join(t.TempDir(), "line.geojson")
	os.WriteFile(line, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[77,22],[78,23]]},"properties":{"code":"ET"}}]}`), 0o600)
	if _, err := gazetteer.Load(line); err == nil || !strings.Contains(err.Error(), "feature 1: must be a Feature whose geometry is a Point") {
		t.Errorf("a line for a station: %v", err)
	}
}

// TestDistance: the haversine distance is the great circle's on a sphere of the Earth's mean radius: a
// degree of latitude is 1/360 of a meridian, a quarter of the equator a quarter of it, the antipode half;
// and 0 from a place to itself.
func TestDistance(t *testing.T) {
	circle := 2 * math.Pi * 6371.0088
	itarsi := fixtures.TestStations[0].Place()
	for _, tc := range []struct {
		name string
		a, b childmatch.Place
		km   float64
	}{
		{"a degree of latitude", childmatch.Place{Lat: 22, Lon: 77}, childmatch.Place{Lat: 23, Lon: 77}, circle / 360},
		{"a quarter of the equator", childmatch.Place{Lon: 0}, childmatch.Place{Lon: 90}, circle / 4},
		{"the antipode", itarsi, childmatch.Place{Lat: -itarsi.Lat, Lon: itarsi.Lon - 180}, circle / 2},
		{"no way", itarsi, itarsi, 0},
	} {
		if d := childmatch.DistanceKm(tc.a, tc.b); math.Abs(d-tc.km) > 1e-6 {
			t.Errorf("%s: %.6f km, want %.6f", tc.name, d, tc.km)
		}
	}
}
