package childmatch

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"
)

// A case's details change after it is filed (PATCH /v1/cases/{id}): a new sighting, a corrected age or
// gender, a wider alert area. The earlier values are kept in the case's history, one revision per change.

// Revision is one change of a case's details: who, when, which fields, and what they held before.
type Revision struct {
	At time.Time `json:"at"`
	By string    `json:"by"`
	// Fields are the fields changed, as "child.age", "sighting.station", "alert.radius_km".
	Fields []string `json:"fields"`
	// Earlier holds each changed field's earlier value as JSON; a field that was empty is absent.
	Earlier map[string]json.RawMessage `json:"earlier,omitempty"`
}

// Changed reports whether the revision changed a field under prefix ("sighting", "alert", "child.age").
func (r Revision) Changed(prefix string) bool {
	for _, f := range r.Fields {
		if f == prefix || len(f) > len(prefix) && f[:len(prefix)] == prefix && f[len(prefix)] == '.' {
			return true
		}
	}
	return false
}

// MergePatch applies a JSON merge patch (RFC 7396) to the JSON object doc: the patch's members replace
// doc's, objects merge member by member, and null removes a member.
func MergePatch(doc, patch []byte) ([]byte, error) {
	var d, p any
	if err := unmarshalNumbers(doc, &d); err != nil {
		return nil, err
	}
	if err := unmarshalNumbers(patch, &p); err != nil {
		return nil, Errorf(EInvalid, "the change is not valid JSON")
	}
	if _, ok := p.(map[string]any); !ok {
		return nil, Errorf(EInvalid, "the change must be a JSON object of the fields to change")
	}
	return json.Marshal(merge(d, p))
}

func merge(doc, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	d, ok := doc.(map[string]any)
	if !ok {
		d = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(d, k)
		} else {
			d[k] = merge(d[k], v)
		}
	}
	return d
}

func unmarshalNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// Revise compares a case's details before and after a change and answers the revision, its Fields empty
// when nothing changed.
func Revise(before, after CaseDetails, by string, at time.Time) (Revision, error) {
	leaves := func(d CaseDetails) (map[string]json.RawMessage, error) {
		b, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		var v any
		if err := unmarshalNumbers(b, &v); err != nil {
			return nil, err
		}
		out := map[string]json.RawMessage{}
		return out, flatten("", v, out)
	}
	was, err := leaves(before)
	if err != nil {
		return Revision{}, err
	}
	now, err := leaves(after)
	if err != nil {
		return Revision{}, err
	}
	r := Revision{At: at, By: by, Fields: []string{}, Earlier: map[string]json.RawMessage{}}
	for k, v := range was {
		if !bytes.Equal(v, now[k]) {
			r.Fields, r.Earlier[k] = append(r.Fields, k), v
		}
	}
	for k := range now {
		if _, ok := was[k]; !ok {
			r.Fields = append(r.Fields, k)
		}
	}
	sort.Strings(r.Fields)
	return r, nil
}

// flatten writes the leaves of a JSON value by their dotted paths; lists are leaves.
func flatten(prefix string, v any, out map[string]json.RawMessage) error {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			if prefix != "" {
				k = prefix + "." + k
			}
			if err := flatten(k, x, out); err != nil {
				return err
			}
		}
		return nil
	}
	b, err := json.Marshal(v)
	out[prefix] = b
	return err
}
