// Package jsonbody reads request bodies strictly: what encoding/json would accept silently (invalid UTF-8,
// lone surrogates, repeated keys, unknown fields) is refused with the field named and the reason in words.
// It depends on nothing but the root's error type, so its fuzz test builds quickly.
package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"childmatch"
)

// Decode reads a JSON body into v, naming the offending field on error. A body that is not valid UTF-8,
// escapes half a surrogate pair, or names a key twice in one object is refused (encoding/json would
// replace the first two with U+FFFD and keep the last of the keys, silently); so is a field v does not
// have, and more than one value. Every refusal is EInvalid, in words, never Go's type names.
func Decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return childmatch.Errorf(childmatch.EInvalid, "the request body is empty; send it as JSON")
	}
	if err := checkText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		var idErr *childmatch.Error
		var timeErr *time.ParseError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field == "":
			return childmatch.Errorf(childmatch.EInvalid, "the body must be %s", inWords(typeErr.Type))
		case errors.As(err, &typeErr):
			return childmatch.FieldError(typeErr.Field, "must be %s", inWords(typeErr.Type))
		case errors.As(err, &syntaxErr):
			return childmatch.Errorf(childmatch.EInvalid, "the body is not valid JSON (at byte %d)", syntaxErr.Offset)
		case errors.As(err, &idErr):
			return idErr
		case errors.As(err, &timeErr):
			return childmatch.Errorf(childmatch.EInvalid, "a time is not in RFC 3339 form (2026-01-31T14:05:00+05:30)")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return childmatch.Errorf(childmatch.EInvalid, "the body is not valid JSON: it ends too early")
		default:
			// DisallowUnknownFields names the field. Neither it nor anything else here carries data.
			if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
				return childmatch.FieldError(strings.Trim(name, `"`), "is not a field of this request")
			}
			return childmatch.Errorf(childmatch.EInvalid, "the body does not fit this request's schema: %s", err.Error())
		}
	}
	if dec.More() {
		return childmatch.Errorf(childmatch.EInvalid, "the body holds more than one JSON value")
	}
	return duplicateKeys(body)
}

// checkText refuses a body that is not valid UTF-8, or whose strings escape a lone UTF-16 surrogate
// ("\ud800"): both would reach the fields as U+FFFD, changing what the client sent without a word.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		return childmatch.Errorf(childmatch.EInvalid, "the body is not valid UTF-8 (at byte %d)", invalidAt(body))
	}
	inString, pendingHigh := false, false
	for i := 0; i < len(body); i++ {
		b := body[i]
		switch {
		case !inString:
			inString = b == '"'
			continue
		case b == '"':
			inString = false
		case b == '\\' && i+1 < len(body) && body[i+1] == 'u' && i+6 <= len(body):
			r, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 16)
			if err != nil {
				return nil // not a valid escape: the decoder's syntax error says where
			}
			switch low := r >= 0xdc00 && r <= 0xdfff; {
			case low && pendingHigh:
				pendingHigh = false
			case low, pendingHigh:
				return childmatch.Errorf(childmatch.EInvalid, "the body escapes half a UTF-16 surrogate pair (at byte %d)", i)
			default:
				pendingHigh = r >= 0xd800 && r <= 0xdbff
			}
			i += 5
			continue
		case b == '\\':
			i++ // an escaped quote or backslash
		}
		if pendingHigh {
			return childmatch.Errorf(childmatch.EInvalid, "the body escapes half a UTF-16 surrogate pair (at byte %d)", i)
		}
	}
	return nil
}

// invalidAt is the offset of the first byte of b that is not valid UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// duplicateKeys walks the tokens of a body the decoder accepted and refuses a key named twice in one
// object, naming it by its path ("child.name").
func duplicateKeys(body []byte) error {
	type container struct {
		object    bool
		path      string
		keys      map[string]bool
		key       string // the key whose value comes next
		expectKey bool
	}
	var stack []*container
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if !top.object {
			return top.path
		}
		if top.path == "" {
			return top.key
		}
		return top.path + "." + top.key
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return childmatch.Errorf(childmatch.EInvalid, "the body is not valid JSON")
		}
		if n := len(stack); n > 0 && stack[n-1].expectKey && tok != json.Delim('}') {
			top := stack[n-1]
			top.key, top.expectKey = tok.(string), false // where a key is due, the decoder gives only keys
			if top.keys[top.key] {
				return childmatch.FieldError(valuePath(), "appears twice in the body")
			}
			top.keys[top.key] = true
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &container{object: true, path: valuePath(), keys: map[string]bool{}, expectKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &container{path: valuePath()})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: its object, if it is in one, waits for the next key.
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
}

// inWords names the JSON a Go type takes, for a person: "a whole number", "a list of roles".
func inWords(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[time.Time]():
		return "a time in RFC 3339 form (2026-01-31T14:05:00+05:30)"
	case reflect.TypeFor[childmatch.ID]():
		return "an id"
	}
	switch t.Kind() {
	case reflect.String:
		if t.PkgPath() == "" {
			return "text"
		}
		return article(typeNoun(t))
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		e := t.Elem()
		if e.Kind() == reflect.String && e.PkgPath() != "" {
			return "a list of " + typeNoun(e) + "s"
		}
		if e.Kind() == reflect.String {
			return "a list of texts"
		}
		return "a list"
	case reflect.Pointer:
		return inWords(t.Elem())
	}
	return "an object"
}

// typeNoun turns a type's name into words: OutcomeKind is "outcome kind".
func typeNoun(t reflect.Type) string {
	var b strings.Builder
	for i, r := range t.Name() {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func article(noun string) string {
	if strings.ContainsAny(noun[:1], "aeiou") {
		return "an " + noun
	}
	return "a " + noun
}
