// Package gazetteer loads the deployment's railway stations (CHILDMATCH_STATIONS): a GeoJSON
// FeatureCollection of Points, or a CSV with a header, each station with its code, name, state, district,
// latitude and longitude. A bad file is refused whole, naming the line or feature and what is wrong with
// it, so a deployment never runs on half its stations.
package gazetteer

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"childmatch"
)

// Gazetteer is a set of stations by code.
type Gazetteer struct {
	byCode map[string]childmatch.Station
}

var _ childmatch.Gazetteer = (*Gazetteer)(nil)

// Station answers the station with the code, any case.
func (g *Gazetteer) Station(code string) (childmatch.Station, bool) {
	s, ok := g.byCode[strings.ToUpper(strings.TrimSpace(code))]
	return s, ok
}

// Len is the number of stations.
func (g *Gazetteer) Len() int { return len(g.byCode) }

// New checks the stations and indexes them: each needs a valid code, used once, a name, a state, and a
// point on the Earth. where names each station's place in the file for an error ("line 4", "feature 2").
func New(stations []childmatch.Station, where func(i int) string) (*Gazetteer, error) {
	g := &Gazetteer{byCode: make(map[string]childmatch.Station, len(stations))}
	first := map[string]int{}
	for i, s := range stations {
		bad := func(format string, args ...any) error {
			return childmatch.Errorf(childmatch.EInvalid, "%s: %s", where(i), fmt.Sprintf(format, args...))
		}
		s.Code = strings.ToUpper(strings.TrimSpace(s.Code))
		s.Name, s.State, s.District = strings.TrimSpace(s.Name), strings.TrimSpace(s.State), strings.TrimSpace(s.District)
		switch {
		case !childmatch.ValidStationCode(s.Code):
			return nil, bad("code %q is not a station code (one to five letters, as ET)", s.Code)
		case s.Name == "":
			return nil, bad("station %s has no name", s.Code)
		case s.State == "":
			return nil, bad("station %s has no state", s.Code)
		case s.Lat < -90 || s.Lat > 90 || s.Lon < -180 || s.Lon > 180:
			return nil, bad("station %s is at latitude %v, longitude %v: not a place on the Earth", s.Code, s.Lat, s.Lon)
		}
		if j, dup := first[s.Code]; dup {
			return nil, bad("station %s is listed again (first at %s)", s.Code, where(j))
		}
		first[s.Code] = i
		g.byCode[s.Code] = s
	}
	return g, nil
}

// Load reads a gazetteer file: GeoJSON when its name ends in .geojson or .json, CSV otherwise.
func Load(path string) (*Gazetteer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, childmatch.Errorf(childmatch.EInvalid, "the station list %s cannot be read: %v", path, err)
	}
	var g *Gazetteer
	switch strings.ToLower(filepath.Ext(path)) {
	case ".geojson", ".json":
		g, err = ParseGeoJSON(data)
	default:
		g, err = ParseCSV(data)
	}
	if err != nil {
		return nil, childmatch.Errorf(childmatch.EInvalid, "the station list %s: %s", path, childmatch.ErrorMessage(err))
	}
	return g, nil
}

// ParseGeoJSON reads a FeatureCollection whose features are Points ([longitude, latitude]) with the
// properties code, name, state and district.
func ParseGeoJSON(data []byte) (*Gazetteer, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" {
		return nil, childmatch.Errorf(childmatch.EInvalid, "not a GeoJSON FeatureCollection")
	}
	stations := make([]childmatch.Station, len(fc.Features))
	where := func(i int) string { return fmt.Sprintf("feature %d", i+1) }
	for i, raw := range fc.Features {
		var f struct {
			Type     string `json:"type"`
			Geometry *struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				Code     string `json:"code"`
				Name     string `json:"name"`
				State    string `json:"state"`
				District string `json:"district"`
			} `json:"properties"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&f); err != nil {
			return nil, childmatch.Errorf(childmatch.EInvalid, "%s: %v", where(i), err)
		}
		var lonLat []float64
		if f.Type != "Feature" || f.Geometry == nil || f.Geometry.Type != "Point" ||
			json.Unmarshal(f.Geometry.Coordinates, &lonLat) != nil || len(lonLat) < 2 {
			return nil, childmatch.Errorf(childmatch.EInvalid, "%s: must be a Feature whose geometry is a Point of [longitude, latitude]", where(i))
		}
		p := f.Properties
		stations[i] = childmatch.Station{Code: p.Code, Name: p.Name, State: p.State, District: p.District, Lon: lonLat[0], Lat: lonLat[1]}
	}
	return New(stations, where)
}

// columns are the CSV's columns, by their header's names (any case, any order; others are ignored).
var columns = []string{"code", "name", "state", "district", "lat", "lon"}

// ParseCSV reads a CSV whose header names the columns code, name, state, district, lat and lon.
func ParseCSV(data []byte) (*Gazetteer, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, childmatch.Errorf(childmatch.EInvalid, "line 1: no header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, c := range columns {
		if _, ok := col[c]; !ok {
			return nil, childmatch.Errorf(childmatch.EInvalid, "line 1: the header has no %q column (it needs %s)", c, strings.Join(columns, ", "))
		}
	}
	var stations []childmatch.Station
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			return nil, childmatch.Errorf(childmatch.EInvalid, "line %d: %v", perr.Line, perr.Err)
		}
		if err != nil {
			return nil, childmatch.Errorf(childmatch.EInvalid, "%v", err)
		}
		line, _ := r.FieldPos(0)
		get := func(name string) string {
			if i := col[name]; i < len(rec) {
				return rec[i]
			}
			return ""
		}
		var place [2]float64
		for i, name := range []string{"lat", "lon"} {
			v := strings.TrimSpace(get(name))
			if place[i], err = strconv.ParseFloat(v, 64); err != nil {
				return nil, childmatch.Errorf(childmatch.EInvalid, "line %d: %s %q is not a number", line, name, v)
			}
		}
		stations = append(stations, childmatch.Station{Code: get("code"), Name: get("name"), State: get("state"),
			District: get("district"), Lat: place[0], Lon: place[1]})
		lines = append(lines, line)
	}
	return New(stations, func(i int) string { return fmt.Sprintf("line %d", lines[i]) })
}
