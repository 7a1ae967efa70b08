package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestSpoofingRefused: text that disguises itself, dates no sighting can have, bodies encoding/json would
// read silently otherwise, and limits out of range are each refused with the field named, and nothing is
// stored for them.
func TestSpoofingRefused(t *testing.T) {
	e := newEnv(t)
	before := len(e.objects("cases/")) + len(e.objects("users/"))
	const reporter = `"reporter":{"organisation":"GRP Bhopal"}`
	for _, tc := range []struct {
		name, method, path, body, field, message string
	}{
		{"right-to-left override in a name", "POST", "/v1/cases", `{"kind":"missing","child":{"name":"Asha\u202egpj.exe"},` + reporter + `}`, "child.name", "bidirectional"},
		{"user named with an override", "POST", "/v1/users", `{"name":"\u202eadmin","organisation":"GRP Bhopal","roles":["officer"]}`, "name", "bidirectional"},
		{"name of zero-width characters", "POST", "/v1/cases", `{"kind":"found","child":{"name":"\u200b\u200c\u200d"}}`, "child.name", "invisible"},
		{"sighting in year 0", "POST", "/v1/cases", `{"kind":"found","child":{"age":4},"sighting":{"time":"0000-01-01T00:00:00Z"}}`, "sighting.time", "before 1990"},
		{"invalid UTF-8", "POST", "/v1/cases", "{\"kind\":\"found\",\"child\":{\"name\":\"\xffAsha\"}}", "", "UTF-8"},
		{"duplicate keys", "POST", "/v1/cases", `{"kind":"missing","child":{"name":"Asha"},` + reporter + `,"kind":"found"}`, "kind", "twice"},
		{"missing report without a child", "POST", "/v1/cases", `{"kind":"missing",` + reporter + `}`, "child", "required"},
		{"roles as one word", "POST", "/v1/users", `{"name":"Meena","organisation":"GRP Bhopal","roles":"admin"}`, "roles", "must be a list of roles"},
		{"case list limit -1", "GET", "/v1/cases?limit=-1", "", "limit", "between 1 and"},
		{"audit limit -1", "GET", "/v1/audit?limit=-1", "", "limit", "between 1 and"},
		{"review limit -1", "GET", "/v1/reviews?limit=-1", "", "limit", "between 1 and"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := ""
			if tc.body != "" {
				ct = "application/json"
			}
			r := e.do(tc.method, tc.path, ct, []byte(tc.body), "Bearer "+token)
			var er errorResponse
			r.decode(t, &er)
			if r.status != http.StatusBadRequest || er.Error.Field != tc.field || !strings.Contains(er.Error.Message, tc.message) {
				t.Fatalf("got %d %s, want 400 naming field %q with %q", r.status, r.body, tc.field, tc.message)
			}
		})
	}
	if after := len(e.objects("cases/")) + len(e.objects("users/")); after != before {
		t.Fatalf("refused requests stored records: %d before, %d after", before, after)
	}
}
