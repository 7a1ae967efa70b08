package api

import (
	"strings"
	"testing"

	"childmatch"
	"childmatch/api/jsonbody"
)

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
		err := jsonbody.Decode([]byte(tc.body), new(newCaseRequest))
		msg := childmatch.ErrorMessage(err)
		if childmatch.ErrorCodeOf(err) != childmatch.EInvalid || childmatch.ErrorField(err) != tc.field || !strings.Contains(msg, tc.message) {
			t.Errorf("%s: got %v (field %q), want field %q and %q", tc.name, err, childmatch.ErrorField(err), tc.field, tc.message)
		}
		if strings.Contains(msg, "childmatch.") || strings.Contains(msg, "[]") || strings.Contains(msg, "int") {
			t.Errorf("%s: the message names a Go type: %s", tc.name, msg)
		}
	}
	err := jsonbody.Decode([]byte(`{"name":"a","organisation":"b","roles":"admin"}`), new(childmatch.NewUser))
	if msg := childmatch.ErrorMessage(err); childmatch.ErrorField(err) != "roles" || !strings.Contains(msg, "must be a list of roles") {
		t.Errorf("roles as text: %v", err)
	}
	// What is fine stays fine: a surrogate pair (an emoji), escaped quotes and backslashes, one key per
	// object even where objects in a list repeat each other's keys, the same key in different objects.
	var d newCaseRequest
	ok := `{"kind":"found","child":{"name":"\ud83d\ude00 \"A\\\\\" \u0906","languages":["a","b"]},"sighting":{"place":"name"}}`
	if err := jsonbody.Decode([]byte(ok), &d); err != nil || d.Child == nil || d.Child.Name != "😀 \"A\\\\\" आ" {
		t.Errorf("a good body: %v, %+v", err, d.Child)
	}
	var users struct{ List []map[string]int }
	if err := jsonbody.Decode([]byte(`{"List":[{"a":1},{"a":2}]}`), &users); err != nil || len(users.List) != 2 {
		t.Errorf("repeated keys in sibling objects: %v", err)
	}
}
