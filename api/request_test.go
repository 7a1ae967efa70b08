package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"childmatch"
)

// bodies are the request types decodeJSON reads, one fresh value each.
var bodies = map[string]func() any{
	"case":     func() any { return new(newCaseRequest) },
	"close":    func() any { return new(closeRequest) },
	"delete":   func() any { return new(deleteRequest) },
	"user":     func() any { return new(childmatch.NewUser) },
	"decision": func() any { return new(decisionRequest) },
	"signin":   func() any { return new(signInRequest) },
}

// TestDecodeBody: what encoding/json would accept silently is refused with the key or field named, and type
// errors are told in words, never Go's type names.
func TestDecodeBody(t *testing.T) {
	for _, tc := range []struct {
		name, body, field, message string
	}{
		{"duplicate key", `{"kind":"found","kind":"missing"}`, "kind", "appears twice"},
		{"duplicate nested key", `{"kind":"found","child":{"name":"a","age":3,"name":"b"}}`, "child.name", "appears twice"},
		{"invalid UTF-8", "{\"kind\":\"found\",\"child\":{\"name\":\"A\xffsha\"}}", "", "not valid UTF-8 (at byte 34)"},
		{"lone high surrogate", `{"kind":"found","child":{"name":"A\ud800sha"}}`, "", "half a UTF-16 surrogate pair"},
		{"lone low surrogate", `{"kind":"found","child":{"name":"\udc00"}}`, "", "half a UTF-16 surrogate pair"},
		{"high surrogate at the end", `{"kind":"found","child":{"name":"A\ud83d"}}`, "", "half a UTF-16 surrogate pair"},
		{"age as text", `{"kind":"found","child":{"age":"nine"}}`, "child.age", "must be a whole number"},
		{"languages as text", `{"kind":"found","child":{"languages":"Hindi"}}`, "child.languages", "must be a list of texts"},
		{"gender as a number", `{"kind":"found","child":{"gender":1}}`, "child.gender", "must be a gender"},
		{"child as a list", `{"kind":"found","child":[]}`, "child", "must be an object"},
		{"flag as text", `{"kind":"found","child":{"age_estimated":"yes"}}`, "child.age_estimated", "must be true or false"},
		{"body as a list", `[1]`, "", "the body must be an object"},
		{"cut off", `{"kind":"found"`, "", "ends too early"},
	} {
		err := decodeBody([]byte(tc.body), new(newCaseRequest))
		msg := childmatch.ErrorMessage(err)
		if childmatch.ErrorCodeOf(err) != childmatch.EInvalid || childmatch.ErrorField(err) != tc.field || !strings.Contains(msg, tc.message) {
			t.Errorf("%s: got %v (field %q), want field %q and %q", tc.name, err, childmatch.ErrorField(err), tc.field, tc.message)
		}
		if strings.Contains(msg, "childmatch.") || strings.Contains(msg, "[]") || strings.Contains(msg, "int") {
			t.Errorf("%s: the message names a Go type: %s", tc.name, msg)
		}
	}
	err := decodeBody([]byte(`{"name":"a","organisation":"b","roles":"admin"}`), new(childmatch.NewUser))
	if msg := childmatch.ErrorMessage(err); childmatch.ErrorField(err) != "roles" || !strings.Contains(msg, "must be a list of roles") {
		t.Errorf("roles as text: %v", err)
	}
	// What is fine stays fine: a surrogate pair (an emoji), escaped quotes and backslashes, one key per
	// object even where objects in a list repeat each other's keys, the same key in different objects.
	var d newCaseRequest
	ok := `{"kind":"found","child":{"name":"\ud83d\ude00 \"A\\\\\" \u0906","languages":["a","b"]},"sighting":{"place":"name"}}`
	if err := decodeBody([]byte(ok), &d); err != nil || d.Child == nil || d.Child.Name != "😀 \"A\\\\\" आ" {
		t.Errorf("a good body: %v, %+v", err, d.Child)
	}
	var users struct{ List []map[string]int }
	if err := decodeBody([]byte(`{"List":[{"a":1},{"a":2}]}`), &users); err != nil || len(users.List) != 2 {
		t.Errorf("repeated keys in sibling objects: %v", err)
	}
}

// FuzzDecodeJSON feeds every request type hostile bodies: decodeBody must never panic, and whatever it
// accepts, encoding/json alone reads the same way (decodeBody only refuses more), from valid UTF-8.
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
			if err := decodeBody(body, v); err != nil {
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
