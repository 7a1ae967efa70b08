package childmatch

import (
	"context"
	"encoding/base64"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A post is a place that acts on alerts: an RPF or GRP post, a Childline desk, a shelter, a district
// police control room, a Juvenile Aid Bureau. It covers an area, has users, and is reached on its
// channels (README: alerts).

// PostKind says what kind of place a post is.
type PostKind string

const (
	PostRPF         PostKind = "rpf"          // Railway Protection Force post
	PostGRP         PostKind = "grp"          // Government Railway Police post
	PostChildline   PostKind = "childline"    // a Childline (1098) desk
	PostShelter     PostKind = "shelter"      // a child care institution
	PostPolice      PostKind = "police"       // a police station
	PostJAB         PostKind = "jab"          // a Juvenile Aid Bureau
	PostNGO         PostKind = "ngo"          // a child-protection NGO
	PostControlRoom PostKind = "control_room" // a district or state control room: told which posts are silent
)

// PostKinds lists every kind, in the order they are shown.
var PostKinds = []PostKind{PostRPF, PostGRP, PostChildline, PostShelter, PostPolice, PostJAB, PostNGO, PostControlRoom}

// Place is a point on the map, in degrees (WGS 84).
type Place struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Area is where a post acts, or where an alert is to be looked for. States, districts and railway
// station codes name places; Point with RadiusKm is a circle. A post whose area names only states covers
// those whole states; one that names districts, stations or a circle covers those (the states then say
// which state each district is in). An alert's area may instead cover every state (All), or a radius
// around its last-seen station (RadiusKm without Point).
type Area struct {
	States    []string `json:"states,omitempty"`
	Districts []string `json:"districts,omitempty"`
	Stations  []string `json:"stations,omitempty"`
	Point     *Place   `json:"point,omitempty"`
	RadiusKm  float64  `json:"radius_km,omitempty"`
	All       bool     `json:"all,omitempty"`
	// Windows say when the child may pass some of an alert's stations (the train's times), each station
	// one of Stations.
	Windows []StationWindow `json:"windows,omitempty"`
}

// StationWindow is when to look at one station of an alert's route.
type StationWindow struct {
	Code string    `json:"code"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// IST is India Standard Time: UTC+5:30 all year (India has no daylight saving), so a fixed zone is exact
// and needs no time zone database in the image.
var IST = time.FixedZone("IST", 5*3600+30*60)

// QuietHours are a post's hours (IST, "22:00" to "06:00") in which exercises and low-urgency updates are
// held back until they end (Alert.Urgent). A new missing child is never held back.
type QuietHours struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// minutesOf parses "HH:MM" as minutes after midnight.
func minutesOf(field, hhmm string) (int, error) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return 0, FieldError(field, "must be a time of day as HH:MM (IST), as 22:00")
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (q *QuietHours) validate() error {
	from, err := minutesOf("quiet.from", q.From)
	if err != nil {
		return err
	}
	to, err := minutesOf("quiet.to", q.To)
	if err != nil {
		return err
	}
	if from == to {
		return FieldError("quiet.to", "must differ from quiet.from")
	}
	return nil
}

// Until answers when the quiet hours around t end, and false when t is not in them. The hours may run
// past midnight.
func (q *QuietHours) Until(t time.Time) (time.Time, bool) {
	if q == nil {
		return time.Time{}, false
	}
	from, err1 := minutesOf("", q.From)
	to, err2 := minutesOf("", q.To)
	if err1 != nil || err2 != nil {
		return time.Time{}, false
	}
	local := t.In(IST)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, IST)
	now := local.Hour()*60 + local.Minute()
	var end time.Time
	switch {
	case from < to && now >= from && now < to:
		end = midnight.Add(time.Duration(to) * time.Minute)
	case from > to && now >= from:
		end = midnight.AddDate(0, 0, 1).Add(time.Duration(to) * time.Minute)
	case from > to && now < to:
		end = midnight.Add(time.Duration(to) * time.Minute)
	default:
		return time.Time{}, false
	}
	return end.UTC(), true
}

// Webhook is a partner system's endpoint of a post, following the Standard Webhooks specification. Its
// secret (whsec_ and base64) is stored sealed and never answered; Previous is the secret being rotated
// out, still used to sign until it is dropped.
type Webhook struct {
	URL      string `json:"url"`
	Secret   string `json:"secret,omitempty"`
	Previous string `json:"previous_secret,omitempty"`
}

// Post is a place that acts on alerts.
type Post struct {
	ID       ID        `json:"id"`
	Name     string    `json:"name"`
	Kind     PostKind  `json:"kind"`
	Area     Area      `json:"area"`
	Users    []ID      `json:"users,omitempty"` // who see the post's alerts
	Webhooks []Webhook `json:"webhooks,omitempty"`
	// Endpoints are the post's addresses on the messaging channels, in the order they are tried.
	Endpoints []Endpoint `json:"endpoints,omitempty"`
	// Quiet are the post's quiet hours; nil: none.
	Quiet     *QuietHours `json:"quiet,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	CreatedBy string      `json:"created_by"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// PostStore keeps posts.
type PostStore interface {
	CreatePost(ctx context.Context, p *Post) error
	Post(ctx context.Context, id ID) (*Post, error)
	// UpdatePost is an atomic read-modify-write, like UpdateCase.
	UpdatePost(ctx context.Context, id ID, fn func(*Post) error) (*Post, error)
	DeletePost(ctx context.Context, id ID) error
	// WalkPosts calls fn for every post in creation order until fn returns false or an error.
	WalkPosts(ctx context.Context, fn func(*Post) (bool, error)) error
}

// PostDetails is what an admin provides to register or change a post.
type PostDetails struct {
	Name      string      `json:"name"`
	Kind      PostKind    `json:"kind"`
	Area      Area        `json:"area"`
	Users     []ID        `json:"users,omitempty"`
	Webhooks  []Webhook   `json:"webhooks,omitempty"`
	Endpoints []Endpoint  `json:"endpoints,omitempty"`
	Quiet     *QuietHours `json:"quiet,omitempty"`
}

// PostChange is a partial change of a post (PATCH): only the fields given change.
type PostChange struct {
	Name      *string     `json:"name"`
	Kind      *PostKind   `json:"kind"`
	Area      *Area       `json:"area"`
	Users     *[]ID       `json:"users"`
	Webhooks  *[]Webhook  `json:"webhooks"`
	Endpoints *[]Endpoint `json:"endpoints"`
	// Quiet sets the quiet hours, NoQuiet removes them.
	Quiet   *QuietHours `json:"quiet"`
	NoQuiet bool        `json:"no_quiet,omitempty"`
}

// PostService manages posts (service.Service). Admins only.
type PostService interface {
	CreatePost(ctx context.Context, actor Actor, d PostDetails) (*Post, error)
	Posts(ctx context.Context, actor Actor) ([]*Post, error)
	Post(ctx context.Context, actor Actor, id ID) (*Post, error)
	UpdatePost(ctx context.Context, actor Actor, id ID, ch PostChange) (*Post, error)
	DeletePost(ctx context.Context, actor Actor, id ID) error
}

// Valid reports whether k is a kind of post.
func (k PostKind) Valid() bool { return slices.Contains(PostKinds, k) }

// stationCode is an Indian Railways station code: one to five capital letters.
var stationCode = regexp.MustCompile(`^[A-Z]{1,5}$`)

// Validate normalises d (trims text, upper-cases station codes) and checks every field, naming the first
// bad one. A post must cover somewhere.
func (d *PostDetails) Validate() error {
	if err := CleanText("name", &d.Name, MaxShortText); err != nil {
		return err
	}
	if d.Name == "" {
		return FieldError("name", "is required")
	}
	if !d.Kind.Valid() {
		return FieldError("kind", `must be one of "rpf", "grp", "childline", "shelter", "police", "jab", "ngo", "control_room"`)
	}
	if err := d.Area.validate("area", false); err != nil {
		return err
	}
	if len(d.Users) > MaxPostUsers {
		return FieldError("users", "lists more than %d users", MaxPostUsers)
	}
	slices.SortFunc(d.Users, func(a, b ID) int { return strings.Compare(string(a[:]), string(b[:])) })
	d.Users = slices.Compact(d.Users)
	if len(d.Webhooks) > MaxPostWebhooks {
		return FieldError("webhooks", "lists more than %d endpoints", MaxPostWebhooks)
	}
	for i := range d.Webhooks {
		if err := d.Webhooks[i].validate(); err != nil {
			return err
		}
	}
	if len(d.Endpoints) > MaxPostEndpoints {
		return FieldError("endpoints", "lists more than %d addresses", MaxPostEndpoints)
	}
	for i := range d.Endpoints {
		if err := d.Endpoints[i].validate(); err != nil {
			return err
		}
	}
	if d.Quiet != nil {
		return d.Quiet.validate()
	}
	return nil
}

// validate checks a messaging address: a channel that has addresses, and an address of its form.
func (e *Endpoint) validate() error {
	switch e.Channel {
	case ChanTelegram, ChanWhatsApp, ChanSMS, ChanEmail:
	default:
		return FieldError("endpoints.channel", `must be one of "telegram", "whatsapp", "sms", "email" (webhooks have their own field)`)
	}
	e.Address = strings.TrimSpace(e.Address)
	if e.Address == "" || len(e.Address) > MaxShortText {
		return FieldError("endpoints.address", "must be given, at most %d bytes", MaxShortText)
	}
	return nil
}

// Apply makes the change to a post's details and checks the result.
func (ch PostChange) Apply(d *PostDetails) error {
	if ch.Name != nil {
		d.Name = *ch.Name
	}
	if ch.Kind != nil {
		d.Kind = *ch.Kind
	}
	if ch.Area != nil {
		d.Area = *ch.Area
	}
	if ch.Users != nil {
		d.Users = *ch.Users
	}
	if ch.Webhooks != nil {
		d.Webhooks = *ch.Webhooks
	}
	if ch.Endpoints != nil {
		d.Endpoints = *ch.Endpoints
	}
	if ch.Quiet != nil || ch.NoQuiet {
		d.Quiet = ch.Quiet
	}
	return d.Validate()
}

// Details returns what an admin may change of the post.
func (p *Post) Details() PostDetails {
	return PostDetails{Name: p.Name, Kind: p.Kind, Area: p.Area, Users: p.Users, Webhooks: p.Webhooks, Endpoints: p.Endpoints, Quiet: p.Quiet}
}

// validate checks an area; forAlert admits the alert-only forms (All, a radius around the last-seen
// station).
func (a *Area) validate(field string, forAlert bool) error {
	if a.All && !forAlert {
		return FieldError(field+".all", "is for alerts only: a post covers named places")
	}
	if len(a.States)+len(a.Districts)+len(a.Stations) > MaxAreaPlaces {
		return FieldError(field, "names more than %d places", MaxAreaPlaces)
	}
	for _, list := range []struct {
		name string
		v    []string
	}{{"states", a.States}, {"districts", a.Districts}} {
		for i := range list.v {
			if err := CleanText(field+"."+list.name, &list.v[i], MaxShortText); err != nil {
				return err
			}
			if list.v[i] == "" {
				return FieldError(field+"."+list.name, "has an empty entry")
			}
		}
	}
	if len(a.Districts) > 0 && len(a.States) != 1 {
		return FieldError(field+".states", "must name the one state of the districts: district names repeat across states")
	}
	for i, s := range a.Stations {
		a.Stations[i] = strings.ToUpper(strings.TrimSpace(s))
		if !stationCode.MatchString(a.Stations[i]) {
			return FieldError(field+".stations", "%q is not a station code (one to five letters, as ET for Itarsi Junction)", s)
		}
	}
	if a.Point != nil && (a.Point.Lat < -90 || a.Point.Lat > 90 || a.Point.Lon < -180 || a.Point.Lon > 180) {
		return FieldError(field+".point", "must be a latitude from -90 to 90 and a longitude from -180 to 180")
	}
	if a.RadiusKm < 0 || a.RadiusKm > MaxRadiusKm {
		return FieldError(field+".radius_km", "must be between 0 and %d km", MaxRadiusKm)
	}
	if len(a.Windows) > 0 && !forAlert {
		return FieldError(field+".windows", "are for alerts only: when the child may pass a station")
	}
	if len(a.Windows) > MaxAreaPlaces {
		return FieldError(field+".windows", "lists more than %d stations", MaxAreaPlaces)
	}
	for i := range a.Windows {
		w := &a.Windows[i]
		w.Code = strings.ToUpper(strings.TrimSpace(w.Code))
		if !slices.Contains(a.Stations, w.Code) {
			return FieldError(field+".windows", "%q is not one of the alert's stations", w.Code)
		}
		if w.From.IsZero() || w.To.IsZero() || !w.From.Before(w.To) {
			return FieldError(field+".windows", "the window of %s must have a from (RFC 3339) before its to", w.Code)
		}
	}
	if (a.Point != nil) != (a.RadiusKm > 0) && !forAlert {
		return FieldError(field+".radius_km", "and point go together: a circle needs both")
	}
	if !a.All && len(a.States)+len(a.Districts)+len(a.Stations) == 0 && a.Point == nil && a.RadiusKm == 0 {
		return FieldError(field, "covers nowhere: name states, districts, stations or a point with a radius")
	}
	return nil
}

// validate checks an endpoint: https (http only to this machine, for tests and a local relay), and a
// secret of the Standard Webhooks form.
func (w *Webhook) validate() error {
	w.URL = strings.TrimSpace(w.URL)
	u, err := url.Parse(w.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) ||
		len(w.URL) > MaxShortText || u.User != nil {
		return FieldError("webhooks.url", "must be an https address (http only to this machine), without credentials")
	}
	for _, s := range []struct {
		name string
		v    string
	}{{"webhooks.secret", w.Secret}, {"webhooks.previous_secret", w.Previous}} {
		if s.v == "" && s.name == "webhooks.previous_secret" {
			continue
		}
		key, ok := strings.CutPrefix(s.v, "whsec_")
		raw, err := base64.StdEncoding.DecodeString(key)
		if !ok || err != nil || len(raw) < MinWebhookSecretBytes || len(raw) > MaxWebhookSecretBytes {
			return FieldError(s.name, "must be whsec_ and the base64 of %d to %d random bytes", MinWebhookSecretBytes, MaxWebhookSecretBytes)
		}
	}
	return nil
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
