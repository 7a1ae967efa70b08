package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/gin-gonic/gin"
	"github.com/invopop/jsonschema"

	"childmatch"
)

// The API description: an OpenAPI 3.1 document of every route, served at /openapi.json without a token.
//
// Each noun's routes are described beside their handlers, in openapi_<noun>.go, by an init() that calls
// describe with one route a handler: its method and path as registered in server.go (gin's form,
// /v1/cases/:id), what it takes (query parameters, a JSON body given as the Go type the handler decodes,
// or a multipart photo) and what it answers (the Go type it writes, or fields() for a gin.H), and the
// error statuses it can answer beyond those every route shares. Schemas are reflected from those Go types
// (invopop/jsonschema, JSON Schema 2020-12, the dialect of OpenAPI 3.1), so they cannot drift from what
// the handlers encode. TestOpenAPIRoutes fails, naming the route, when a registered route is not described
// or a described route is not registered.

// route describes one route.
type route struct {
	Method, Path string // as registered: "GET", "/v1/cases/:id"
	Tag          string // the noun, grouping routes in the document
	Summary      string // one line
	Description  string
	// Public routes need no credential; every other takes a bearer token or the web session's cookie (with
	// X-CSRF-Token on a change).
	Public bool
	// Signed routes open with a signed link (its exp and sig query parameters) without a credential: alone
	// when Public, else instead of one.
	Signed bool
	Query  []param
	// Body is what the route reads: a Go value whose type is the JSON body, multipart for a photo, or nil.
	Body any
	// OptionalBody: the route accepts no body at all as well.
	OptionalBody bool
	// TextID: the path's :id is an opaque text (a review's, a token's, a session's), not a UUID.
	TextID bool
	// PathSchemas are the schemas of the path's parameters that are neither an id nor a text (a message's
	// :seq), by name.
	PathSchemas map[string]*jsonschema.Schema
	// Answers maps each success status to what it carries: a Go value (its type is the JSON), a schema
	// (fields), media (bytes of a type), or nil for no body.
	Answers map[int]any
	// Errors are the route's own error statuses (400 for a bad id or field, 403, 404, 409, 413, ...);
	// 401, 429, 500 and 503 are added to every route that takes a credential, 500 to every route.
	Errors []int
}

// param is a query parameter; every one is optional and a string on the wire.
type param struct {
	Name, Description string
	Schema            *jsonschema.Schema // nil: a string
}

// multipart is a body of multipart/form-data: a "photo" part (the image's bytes) and text fields.
type multipart struct {
	Fields []param
}

// media is an answer of raw bytes of the given content type ("image/png", "image/*").
type media string

var (
	describedMu sync.Mutex
	described   []route
)

// describe adds routes to the document; openapi_<noun>.go call it from init.
func describe(rs ...route) {
	describedMu.Lock()
	defer describedMu.Unlock()
	described = append(described, rs...)
}

// undescribed are the routes the document leaves out on purpose: the web app's pages and files, which are
// for a browser, not for a client of the API.
var undescribed = map[string]bool{
	"GET /":             true,
	"GET /app/*path":    true,
	"GET /static/*file": true,
	// The installable app's worker and manifest are the web app's files like /static/*file, for a browser;
	// they are at the root only so that the worker's scope covers /app/ (webapp.go).
	"GET /sw.js":                true,
	"GET /manifest.webmanifest": true,
}

// Helpers for descriptions.

// fields is the schema of a JSON object written as a gin.H: pairs of a field name and a Go value (or a
// schema) for its type. Every field is present.
func fields(pairs ...any) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "object", Extras: map[string]any{fieldsKey: pairs}}
}

// fieldsKey marks a fields() schema whose properties are reflected when the document is built.
const fieldsKey = "x-childmatch-fields"

func str(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Description: desc}
}

func oneOf[T ~string](values ...T) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "string"}
	for _, v := range values {
		s.Enum = append(s.Enum, string(v))
	}
	return s
}

func integer(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "integer", Description: desc}
}

func boolean(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "boolean", Description: desc}
}

// signedParams are a signed link's (link.go): it holds for its path until exp.
var signedParams = []param{
	{Name: "exp", Description: "A signed link's expiry, in seconds since 1970.", Schema: integer("")},
	{Name: "sig", Description: "A signed link's signature of its path and exp."},
}

// seqParam is a message's number in a path.
var seqParam = map[string]*jsonschema.Schema{"seq": {Type: "integer", Minimum: "1", Description: "The message's number, from 1."}}

// dateOrTime is a query parameter that takes a date (2026-11-01) or an RFC 3339 time.
func dateOrTime(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Description: desc + " A date (2026-11-01) or an RFC 3339 time."}
}

// idSchema is an id as the API writes it.
func idSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Format: "uuid"}
}

// The document.

type document struct {
	OpenAPI    string                `json:"openapi"`
	Info       info                  `json:"info"`
	Paths      map[string]pathItem   `json:"paths"`
	Components components            `json:"components"`
	Security   []map[string][]string `json:"security"`
	Tags       []tag                 `json:"tags"`
}

type info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type tag struct {
	Name string `json:"name"`
}

type pathItem map[string]*operation // lower-case method -> operation

type operation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags"`
	Parameters  []parameter           `json:"parameters,omitempty"`
	RequestBody *requestBody          `json:"requestBody,omitempty"`
	Responses   map[string]response   `json:"responses"`
	Security    []map[string][]string `json:"security"`
}

type parameter struct {
	Name        string             `json:"name"`
	In          string             `json:"in"`
	Description string             `json:"description,omitempty"`
	Required    bool               `json:"required"`
	Schema      *jsonschema.Schema `json:"schema"`
}

type requestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]mediaType `json:"content"`
}

type mediaType struct {
	Schema   *jsonschema.Schema  `json:"schema"`
	Encoding map[string]encoding `json:"encoding,omitempty"`
}

type encoding struct {
	ContentType string `json:"contentType"`
}

type response struct {
	Ref         string               `json:"$ref,omitempty"`
	Description string               `json:"description,omitempty"`
	Content     map[string]mediaType `json:"content,omitempty"`
	Headers     map[string]header    `json:"headers,omitempty"`
}

type header struct {
	Description string             `json:"description"`
	Schema      *jsonschema.Schema `json:"schema"`
}

type components struct {
	Schemas         map[string]*jsonschema.Schema `json:"schemas"`
	Responses       map[string]response           `json:"responses"`
	SecuritySchemes map[string]securityScheme     `json:"securitySchemes"`
}

type securityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme,omitempty"`
	In          string `json:"in,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description"`
}

// errorResponses name the shared error answers by status.
var errorResponses = map[int]string{
	http.StatusBadRequest:            "Invalid",
	http.StatusUnauthorized:          "Unauthorized",
	http.StatusForbidden:             "Forbidden",
	http.StatusNotFound:              "NotFound",
	http.StatusConflict:              "Conflict",
	http.StatusRequestEntityTooLarge: "TooLarge",
	http.StatusUnsupportedMediaType:  "UnsupportedMedia",
	http.StatusUnprocessableEntity:   "NoFace",
	http.StatusTooManyRequests:       "TooManyRequests",
	http.StatusInternalServerError:   "Internal",
	http.StatusServiceUnavailable:    "Unavailable",
}

var (
	openAPIOnce sync.Once
	openAPIJSON []byte
	openAPIErr  error
)

// OpenAPI is the document as served, built once from every description.
func OpenAPI() ([]byte, error) {
	openAPIOnce.Do(func() {
		describedMu.Lock()
		defer describedMu.Unlock()
		openAPIJSON, openAPIErr = buildOpenAPI(described)
	})
	return openAPIJSON, openAPIErr
}

// openAPI: GET /openapi.json, without a token.
func (s *Server) openAPI(c *gin.Context) {
	doc, err := OpenAPI()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json", doc)
}

// builder reflects Go types into the document's components.
type builder struct {
	reflector *jsonschema.Reflector
	schemas   map[string]*jsonschema.Schema
	names     map[string]reflect.Type
	err       error
}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// openAPIPath turns gin's /v1/cases/:id into OpenAPI's /v1/cases/{id}.
func openAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

func buildOpenAPI(routes []route) ([]byte, error) {
	b := &builder{schemas: map[string]*jsonschema.Schema{}, names: map[string]reflect.Type{}}
	b.reflector = &jsonschema.Reflector{RequiredFromJSONSchemaTags: true, Namer: b.name, Mapper: mapType, Anonymous: true}
	doc := document{OpenAPI: "3.1.0", Paths: map[string]pathItem{},
		Info: info{Title: "childmatch", Version: "1",
			Description: "Matches photos of found children against missing-child reports. Every error answers " +
				`{"error": {"code", "message", "field"}}; the code is one of the codes of the Error schema.`},
		Security: []map[string][]string{{"bearer": {}}, {"session": {}}},
		Components: components{Schemas: b.schemas, Responses: map[string]response{},
			SecuritySchemes: map[string]securityScheme{
				"bearer": {Type: "http", Scheme: "bearer",
					Description: "A user's API token (cm_...), issued by POST /v1/users/{id}/tokens, or the bootstrap admin token."},
				"session": {Type: "apiKey", In: "cookie", Name: sessionCookie,
					Description: "The web app's session, from POST /web/signin; a request that changes something also sends the session's CSRF token in " + csrfHeader + "."},
			}}}
	errSchema := b.schema(errorBody{})
	codes := make([]any, 0, len(statusOf))
	for code := range statusOf {
		codes = append(codes, string(code))
	}
	codes = append(codes, "method_not_allowed")
	sort.Slice(codes, func(i, j int) bool { return codes[i].(string) < codes[j].(string) })
	b.schemas["ErrorDetail"].Properties.Value("code").Enum = codes
	for status, name := range errorResponses {
		r := response{Description: http.StatusText(status), Content: map[string]mediaType{"application/json": {Schema: errSchema}}}
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			r.Headers = map[string]header{"Retry-After": {Description: "Seconds to wait before trying again.", Schema: integer("")}}
		}
		doc.Components.Responses[name] = r
	}
	tags := map[string]bool{}
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if seen[key] {
			return nil, fmt.Errorf("%s is described twice", key)
		}
		seen[key] = true
		op, err := b.operation(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		path := openAPIPath(r.Path)
		if doc.Paths[path] == nil {
			doc.Paths[path] = pathItem{}
		}
		doc.Paths[path][strings.ToLower(r.Method)] = op
		if !tags[r.Tag] {
			tags[r.Tag] = true
			doc.Tags = append(doc.Tags, tag{Name: r.Tag})
		}
	}
	sort.Slice(doc.Tags, func(i, j int) bool { return doc.Tags[i].Name < doc.Tags[j].Name })
	if b.err != nil {
		return nil, b.err
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(out, []byte(`"#/$defs/`), []byte(`"#/components/schemas/`)), nil
}

func (b *builder) operation(r route) (*operation, error) {
	if r.Summary == "" || r.Tag == "" {
		return nil, fmt.Errorf("a summary and a tag are required")
	}
	op := &operation{OperationID: operationID(r), Summary: r.Summary, Description: r.Description, Tags: []string{r.Tag},
		Responses: map[string]response{}, Security: []map[string][]string{{"bearer": {}}, {"session": {}}}}
	switch {
	case r.Public:
		op.Security = []map[string][]string{}
	case r.Signed:
		op.Security = append(op.Security, map[string][]string{}) // the empty requirement: a signed link's
	}
	for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
		s := idSchema()
		if r.TextID {
			s = str("")
		}
		if ps, ok := r.PathSchemas[m[1]]; ok {
			s = ps
		}
		op.Parameters = append(op.Parameters, parameter{Name: m[1], In: "path", Required: true, Schema: s})
	}
	query := r.Query
	if r.Signed {
		query = append(slices.Clone(query), signedParams...)
	}
	for _, p := range query {
		s := p.Schema
		if s == nil {
			s = str("")
		}
		op.Parameters = append(op.Parameters, parameter{Name: p.Name, In: "query", Description: p.Description, Schema: s})
	}
	switch body := r.Body.(type) {
	case nil:
	case multipart:
		// contentMediaType is how OpenAPI 3.1 says bytes; format binary, how 3.0 did, for generators of 3.0.
		props := []any{"photo", &jsonschema.Schema{Type: "string", ContentMediaType: "application/octet-stream", Format: "binary",
			Description: "The image (JPEG, PNG, WebP, HEIC...): its bytes are sniffed, never its name or declared type."}}
		for _, f := range body.Fields {
			s := f.Schema
			if s == nil {
				s = str(f.Description)
			}
			props = append(props, f.Name, s)
		}
		s := b.schema(fields(props...))
		s.Required = []string{"photo"}
		op.RequestBody = &requestBody{Required: true, Content: map[string]mediaType{"multipart/form-data": {Schema: s,
			Encoding: map[string]encoding{"photo": {ContentType: "application/octet-stream"}}}}}
	default:
		op.RequestBody = &requestBody{Required: !r.OptionalBody,
			Content: map[string]mediaType{"application/json": {Schema: b.schema(body)}}}
	}
	if len(r.Answers) == 0 {
		return nil, fmt.Errorf("no answer is described")
	}
	for status, a := range r.Answers {
		op.Responses[strconv.Itoa(status)] = b.answer(status, a)
	}
	errs := slices.Clone(r.Errors)
	errs = append(errs, http.StatusInternalServerError)
	if !r.Public {
		errs = append(errs, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable)
	}
	for _, status := range errs {
		name, ok := errorResponses[status]
		if !ok {
			return nil, fmt.Errorf("no error answer is described for status %d", status)
		}
		op.Responses[strconv.Itoa(status)] = response{Ref: "#/components/responses/" + name}
	}
	return op, nil
}

func (b *builder) answer(status int, a any) response {
	r := response{Description: http.StatusText(status)}
	switch a := a.(type) {
	case nil:
	case media:
		r.Content = map[string]mediaType{string(a): {Schema: &jsonschema.Schema{Type: "string", ContentMediaType: string(a)}}}
	default:
		r.Content = map[string]mediaType{"application/json": {Schema: b.schema(a)}}
	}
	return r
}

// schema is the schema of a Go value's type (a reference to a component for a named struct), or of a
// fields() object with its fields' types reflected.
func (b *builder) schema(v any) *jsonschema.Schema {
	if s, ok := v.(*jsonschema.Schema); ok {
		pairs, isFields := s.Extras[fieldsKey].([]any)
		if !isFields {
			return s
		}
		out := &jsonschema.Schema{Type: "object", Properties: jsonschema.NewProperties(), Description: s.Description}
		for i := 0; i+1 < len(pairs); i += 2 {
			name := pairs[i].(string)
			out.Properties.Set(name, b.schema(pairs[i+1]))
			out.Required = append(out.Required, name)
		}
		return out
	}
	s := b.reflector.Reflect(v)
	for name, def := range s.Definitions {
		b.schemas[name] = def
	}
	s.Definitions, s.Version, s.ID = nil, "", ""
	return s
}

// componentNames name the components whose Go type's name another type has.
var componentNames = map[reflect.Type]string{
	reflect.TypeFor[webhookJSON](): "WebhookAnswer", // childmatch.Webhook is what a post is created with
}

// name names a component after its Go type: caseJSON is Case, errorBody ErrorBody, childmatch.Child
// Child. Two types of one name are an error of the descriptions: name one in componentNames.
func (b *builder) name(t reflect.Type) string {
	if n, ok := componentNames[t]; ok {
		return n
	}
	n := strings.TrimSuffix(t.Name(), "JSON")
	if n == "" {
		return ""
	}
	r := []rune(n)
	r[0] = unicode.ToUpper(r[0])
	n = string(r)
	if prev, ok := b.names[n]; ok && prev != t && b.err == nil {
		b.err = fmt.Errorf("two types are named %s in the document: %s and %s; name one in componentNames", n, prev, t)
	}
	b.names[n] = t
	return n
}

// mapType gives the schemas of types whose JSON is not their Go shape.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[childmatch.ID]():
		return idSchema()
	case reflect.TypeFor[childmatch.ErrorCode]():
		return &jsonschema.Schema{Type: "string"}
	case reflect.TypeFor[childmatch.Role]():
		return oneOf(childmatch.Roles...)
	case reflect.TypeFor[childmatch.Channel]():
		return oneOf(childmatch.Channels...)
	}
	return nil
}

// operationID names an operation for generated clients: the handler's own name would do, but the
// description does not see it, so it is made from the method and path: GET /v1/cases/:id is getCasesId.
func operationID(r route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, part := range strings.FieldsFunc(r.Path, func(c rune) bool { return c == '/' || c == '.' || c == '_' || c == '-' }) {
		part = strings.TrimPrefix(part, ":")
		if part == "v1" || part == "" {
			continue
		}
		rs := []rune(part)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	return b.String()
}

// timeSchema is a time as the API writes it.
var timeSchema = jsonschema.Schema{Type: "string", Format: "date-time"}
