package childmatch

import (
	"math"
	"strings"
)

// The station gazetteer gives an alert's railway stations their places: code, name, state, district and
// point, from a file the deployment provides (package gazetteer, CHILDMATCH_STATIONS). Targeting uses it to
// place a station in its district, to draw a radius around the last-seen station, and to tell whether a
// station lies in a post's circle.

// Station is one railway station.
type Station struct {
	Code     string  `json:"code"` // Indian Railways' code, as ET for Itarsi Junction
	Name     string  `json:"name"`
	State    string  `json:"state"`
	District string  `json:"district"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
}

// Place is where the station is.
func (s Station) Place() Place { return Place{Lat: s.Lat, Lon: s.Lon} }

// Gazetteer looks stations up by code.
type Gazetteer interface {
	// Station answers the station with the code (any case, surrounding space ignored), false when the
	// gazetteer has none.
	Station(code string) (Station, bool)
}

// lookup asks g, which may be nil (no gazetteer: stations have no places).
func lookup(g Gazetteer, code string) (Station, bool) {
	if g == nil {
		return Station{}, false
	}
	return g.Station(strings.ToUpper(strings.TrimSpace(code)))
}

// earthRadiusKm is the Earth's mean radius (IUGG), which the haversine formula takes the Earth to be: its
// error against the ellipsoid is under 0.5%, 2.5 km on the longest radius an alert may have.
const earthRadiusKm = 6371.0088

// DistanceKm is the great-circle distance between two places (the haversine formula).
func DistanceKm(a, b Place) float64 {
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// ValidStationCode reports whether code is an Indian Railways station code: one to five capital letters.
func ValidStationCode(code string) bool { return stationCode.MatchString(code) }
