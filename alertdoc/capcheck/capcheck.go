// Package capcheck checks a document against OASIS CAP 1.2 (Common Alerting Protocol Version 1.2, OASIS
// Standard, 1 July 2010): every element in the order and number its schema's sequences allow, every
// required element, every enumeration, and the rules of its data dictionary (§3.2) a schema cannot say:
// identifiers and senders without spaces, commas or restricted characters; times with an offset and never
// "Z"; a restriction when the scope is Restricted, addresses when it is Private; references as
// sender,identifier,sent triples; circles as "lat,lon radius"; resources with a MIME type and an absolute
// URI. Tests run it on the documents the service writes (alertdoc, GET /v1/alerts/{id}/cap).
package capcheck

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Namespace is CAP 1.2's.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

type node struct {
	name     string
	space    string
	text     string
	children []*node
}

// field is one element of a sequence: its name and how many times it may occur.
type field struct {
	name     string
	min, max int // max -1: unbounded
}

const many = -1

// sequences are the schema's complex types, in order.
var sequences = map[string][]field{
	"alert": {{"identifier", 1, 1}, {"sender", 1, 1}, {"sent", 1, 1}, {"status", 1, 1}, {"msgType", 1, 1},
		{"source", 0, 1}, {"scope", 1, 1}, {"restriction", 0, 1}, {"addresses", 0, 1}, {"code", 0, many},
		{"note", 0, 1}, {"references", 0, 1}, {"incidents", 0, 1}, {"info", 0, many}},
	"info": {{"language", 0, 1}, {"category", 1, many}, {"event", 1, 1}, {"responseType", 0, many},
		{"urgency", 1, 1}, {"severity", 1, 1}, {"certainty", 1, 1}, {"audience", 0, 1}, {"eventCode", 0, many},
		{"effective", 0, 1}, {"onset", 0, 1}, {"expires", 0, 1}, {"senderName", 0, 1}, {"headline", 0, 1},
		{"description", 0, 1}, {"instruction", 0, 1}, {"web", 0, 1}, {"contact", 0, 1}, {"parameter", 0, many},
		{"resource", 0, many}, {"area", 0, many}},
	"eventCode": {{"valueName", 1, 1}, {"value", 1, 1}},
	"parameter": {{"valueName", 1, 1}, {"value", 1, 1}},
	"geocode":   {{"valueName", 1, 1}, {"value", 1, 1}},
	"resource": {{"resourceDesc", 1, 1}, {"mimeType", 1, 1}, {"size", 0, 1}, {"uri", 0, 1}, {"derefUri", 0, 1},
		{"digest", 0, 1}},
	"area": {{"areaDesc", 1, 1}, {"polygon", 0, many}, {"circle", 0, many}, {"geocode", 0, many}, {"altitude", 0, 1},
		{"ceiling", 0, 1}},
}

// enumerations are the schema's restricted values.
var enumerations = map[string][]string{
	"status":       {"Actual", "Exercise", "System", "Test", "Draft"},
	"msgType":      {"Alert", "Update", "Cancel", "Ack", "Error"},
	"scope":        {"Public", "Restricted", "Private"},
	"category":     {"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"},
	"responseType": {"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"},
	"urgency":      {"Immediate", "Expected", "Future", "Past", "Unknown"},
	"severity":     {"Extreme", "Severe", "Moderate", "Minor", "Unknown"},
	"certainty":    {"Observed", "Likely", "Possible", "Unlikely", "Unknown"},
}

var (
	// dateTime is the schema's pattern for every time: an offset, never "Z".
	dateTime = regexp.MustCompile(`^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$`)
	language = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)
	mimeType = regexp.MustCompile(`^[a-z]+/[a-zA-Z0-9.+-]+$`)
	circle   = regexp.MustCompile(`^(-?\d+(\.\d+)?),(-?\d+(\.\d+)?) (\d+(\.\d+)?)$`)
)

// Check answers nil when doc is a valid CAP 1.2 alert, else the first fault found.
func Check(doc []byte) error {
	root, err := parse(doc)
	if err != nil {
		return err
	}
	if root.name != "alert" || root.space != Namespace {
		return fmt.Errorf("the root is {%s}%s, want {%s}alert", root.space, root.name, Namespace)
	}
	if err := structure(root, "alert"); err != nil {
		return err
	}
	return rules(root)
}

func parse(doc []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local, space: t.Name.Space}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// structure checks n's children against its sequence, their values against the enumerations, and
// recurses.
func structure(n *node, path string) error {
	seq, complex := sequences[n.name]
	if !complex {
		if len(n.children) > 0 {
			return fmt.Errorf("%s: a simple element holds elements", path)
		}
		if allowed, ok := enumerations[n.name]; ok && !slices.Contains(allowed, n.text) {
			return fmt.Errorf("%s: %q is not one of %v", path, n.text, allowed)
		}
		if strings.TrimSpace(n.text) == "" {
			return fmt.Errorf("%s: empty", path)
		}
		return nil
	}
	i := 0
	for _, f := range seq {
		count := 0
		for i < len(n.children) && n.children[i].name == f.name {
			c := n.children[i]
			if c.space != Namespace {
				return fmt.Errorf("%s/%s: in namespace %q", path, c.name, c.space)
			}
			if err := structure(c, path+"/"+c.name); err != nil {
				return err
			}
			count, i = count+1, i+1
		}
		if count < f.min {
			return fmt.Errorf("%s: %s is required", path, f.name)
		}
		if f.max != many && count > f.max {
			return fmt.Errorf("%s: %s occurs %d times, at most %d", path, f.name, count, f.max)
		}
	}
	if i < len(n.children) {
		return fmt.Errorf("%s: %s is out of order or not an element of %s", path, n.children[i].name, n.name)
	}
	return nil
}

func child(n *node, name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func all(n *node, name string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// rules checks the data dictionary's rules on values.
func rules(a *node) error {
	for _, name := range []string{"identifier", "sender"} {
		if v := child(a, name).text; strings.ContainsAny(v, " ,<&") {
			return fmt.Errorf("alert/%s %q holds a space, comma or restricted character", name, v)
		}
	}
	if v := child(a, "sent").text; !dateTime.MatchString(v) {
		return fmt.Errorf("alert/sent %q is not a CAP dateTime (with an offset, never Z)", v)
	}
	scope := child(a, "scope").text
	if scope == "Restricted" && child(a, "restriction") == nil {
		return fmt.Errorf("alert: scope Restricted needs a restriction")
	}
	if scope == "Private" && child(a, "addresses") == nil {
		return fmt.Errorf("alert: scope Private needs addresses")
	}
	if refs := child(a, "references"); refs != nil {
		for _, ref := range strings.Fields(refs.text) {
			parts := strings.Split(ref, ",")
			if len(parts) != 3 || parts[0] == "" || parts[1] == "" || !dateTime.MatchString(parts[2]) {
				return fmt.Errorf("alert/references: %q is not sender,identifier,sent", ref)
			}
		}
	}
	if t := child(a, "msgType").text; (t == "Update" || t == "Cancel") && child(a, "references") == nil {
		return fmt.Errorf("alert: an %s names the messages it follows in references", t)
	}
	for _, in := range all(a, "info") {
		if l := child(in, "language"); l != nil && !language.MatchString(l.text) {
			return fmt.Errorf("info/language %q is not an RFC 3066 code", l.text)
		}
		for _, name := range []string{"effective", "onset", "expires"} {
			if t := child(in, name); t != nil && !dateTime.MatchString(t.text) {
				return fmt.Errorf("info/%s %q is not a CAP dateTime", name, t.text)
			}
		}
		for _, r := range all(in, "resource") {
			if !mimeType.MatchString(child(r, "mimeType").text) {
				return fmt.Errorf("info/resource/mimeType %q is not a MIME type", child(r, "mimeType").text)
			}
			if u := child(r, "uri"); u != nil {
				if p, err := url.Parse(u.text); err != nil || !p.IsAbs() {
					return fmt.Errorf("info/resource/uri %q is not an absolute URI", u.text)
				}
			}
		}
		for _, ar := range all(in, "area") {
			for _, c := range all(ar, "circle") {
				m := circle.FindStringSubmatch(c.text)
				if m == nil {
					return fmt.Errorf("info/area/circle %q is not \"lat,lon radius\"", c.text)
				}
				lat, _ := strconv.ParseFloat(m[1], 64)
				lon, _ := strconv.ParseFloat(m[3], 64)
				if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
					return fmt.Errorf("info/area/circle %q is not a WGS 84 point", c.text)
				}
			}
		}
	}
	return nil
}
