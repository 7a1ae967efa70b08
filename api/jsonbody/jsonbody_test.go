package jsonbody

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"childmatch"
)

// bodies are request types of the service, one fresh value each: nested objects, lists, times, ids,
// numbers and flags, as the API's own request types hold them.
var bodies = map[string]func() any{
	"case":        func() any { return new(childmatch.CaseDetails) },
	"user":        func() any { return new(childmatch.NewUser) },
	"post":        func() any { return new(childmatch.PostDetails) },
	"publication": func() any { return new(childmatch.Publication) },
	"decision": func() any {
		return new(struct {
			State childmatch.ReviewState `json:"state"`
			Note  string                 `json:"note"`
		})
	},
	"close": func() any {
		return new(struct {
			Outcome childmatch.OutcomeKind `json:"outcome"`
			Note    string                 `json:"note"`
		})
	},
}

// FuzzDecodeJSON feeds every request type hostile bodies: Decode must never panic, and whatever it
// accepts, encoding/json alone reads the same way (Decode only refuses more), from valid UTF-8.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"kind":"missing","child":{"name":"Asha","age":9,"gender":"female","languages":["Hindi"]},"reporter":{"organisation":"GRP Bhopal"}}`,
		`{"kind":"found","child":{"name":"Asha\u202egpj.exe"},"sighting":{"time":"0000-01-01T00:00:00Z"}}`,
		`{"kind":"found","kind":"missing"}`,
		`{"outcome":"reunited","note":"\ud800"}`,
		`{"reason":"duplicate"}`,
		`{"name":"\u202eadmin","organisation":"x","roles":["admin","admin"]}`,
		`{"state":"confirmed","note":"\u200b"}`,
		`{"token":"t"}`,
		"{\"name\":\"\xff\"}",
		`[[[[[[[[[[{}]]]]]]]]]]`,
		`{"child":{"age":1e400}}`,
		`{"a":{"b":{"a":1,"a":2}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, fresh := range bodies {
			v := fresh()
			if err := Decode(body, v); err != nil {
				if childmatch.ErrorCodeOf(err) != childmatch.EInvalid {
					t.Fatalf("%s: %q refused as %v, want invalid", name, body, err)
				}
				continue
			}
			if !utf8.Valid(body) {
				t.Fatalf("%s: %q accepted, which is not valid UTF-8", name, body)
			}
			plain := fresh()
			if err := json.Unmarshal(body, plain); err != nil || !reflect.DeepEqual(v, plain) {
				t.Fatalf("%s: %q accepted, but encoding/json reads it as %+v (%v), not %+v", name, body, plain, err, v)
			}
		}
	})
}
