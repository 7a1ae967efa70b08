package main

import (
	"archive/zip"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // the formats the service accepts, so their headers can be checked here
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"childmatch"
)

// columns are the CSV's columns (README: Import and export); the first three are required.
var columns = []string{"source", "reference", "kind", "name", "age", "gender", "languages", "description",
	"identifying_marks", "place", "station", "district", "state", "time", "reporter_name",
	"reporter_organisation", "reporter_phone", "fir", "photos"}

// columnOf names the CSV column of a field the service's validation names (childmatch.CaseDetails.Validate).
var columnOf = map[string]string{
	"origin.source": "source", "origin.reference": "reference", "kind": "kind", "child.name": "name",
	"child.age": "age", "child.gender": "gender", "child.languages": "languages",
	"child.description": "description", "child.identifying_marks": "identifying_marks",
	"sighting.place": "place", "sighting.station": "station", "sighting.district": "district",
	"sighting.state": "state", "sighting.time": "time", "reporter": "reporter_name",
	"reporter.name": "reporter_name", "reporter.organisation": "reporter_organisation",
	"reporter.phone": "reporter_phone", "references.fir": "fir",
}

// item is one case to import: a CSV row or a case of an export.
type item struct {
	where   string // "line 3" or "case <id>": how the summary names it, never by the child's details
	details childmatch.CaseDetails
	photos  []photoFile
}

// photoFile is one photo of an item, read when it is uploaded.
type photoFile struct {
	name string // as the CSV or the export names it
	read func() ([]byte, error)
}

// problem is one thing wrong with the input, found before anything is imported.
type problem struct {
	Line   int    `json:"line,omitempty"`
	Case   string `json:"case,omitempty"`
	Column string `json:"column,omitempty"`
	File   string `json:"file,omitempty"`
	Reason string `json:"reason"`
}

func (p problem) String() string {
	var where []string
	if p.Line > 0 {
		where = append(where, "line "+strconv.Itoa(p.Line))
	}
	if p.Case != "" {
		where = append(where, "case "+p.Case)
	}
	if p.Column != "" {
		where = append(where, "column "+p.Column)
	}
	if p.File != "" {
		where = append(where, "file "+p.File)
	}
	return strings.Join(where, ", ") + ": " + p.Reason
}

// photoCheck says what is wrong with a photo the service would refuse by its size or header, "" if
// nothing is: the header is decoded, no pixel.
func photoCheck(size int64, open func() (io.ReadCloser, error), d *deploymentInfo) string {
	switch {
	case size == 0:
		return "is empty"
	case size > d.MaxUploadBytes:
		return fmt.Sprintf("is %.1f MiB, over the service's limit of %d MiB", float64(size)/(1<<20), d.MaxUploadBytes>>20)
	}
	r, err := open()
	if err != nil {
		return "cannot be read: " + pathless(err)
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return "is not an image the service accepts (JPEG, PNG, GIF, BMP, TIFF or WebP)"
	}
	if cfg.Width*cfg.Height > d.MaxPixels {
		return fmt.Sprintf("has %d×%d pixels, over the service's limit of %d", cfg.Width, cfg.Height, d.MaxPixels)
	}
	return ""
}

// pathless is an error's text without the path an *fs.PathError repeats.
func pathless(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readCSV reads and checks every row of a CSV of cases and its photos under dir, returning the items and
// every problem found; a problem with the header stops there.
func readCSV(path, dir string, d *deploymentInfo, now time.Time) ([]item, []problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, []problem{{Line: 1, Reason: "the header cannot be read: " + err.Error()}}, nil
	}
	var problems []problem
	col := map[string]int{}
	for i, name := range header {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		switch {
		case !slices.Contains(columns, name):
			problems = append(problems, problem{Line: 1, Column: name, Reason: "is not a column of the import; the columns are " + strings.Join(columns, ",")})
		case col[name] > 0:
			problems = append(problems, problem{Line: 1, Column: name, Reason: "appears twice"})
		}
		col[name] = i + 1 // 0 = absent
	}
	for _, name := range columns[:3] {
		if col[name] == 0 {
			problems = append(problems, problem{Line: 1, Column: name, Reason: "is required"})
		}
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	var items []item
	seen := map[childmatch.Origin]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			problems = append(problems, problem{Line: line, Reason: "the row cannot be read: " + err.Error()})
			if !errors.As(err, &pe) {
				break
			}
			continue
		}
		if len(rec) != len(header) {
			problems = append(problems, problem{Line: line, Reason: fmt.Sprintf("has %d fields, the header %d", len(rec), len(header))})
			continue
		}
		cell := func(name string) string {
			if col[name] == 0 {
				return ""
			}
			return rec[col[name]-1]
		}
		it, rowProblems := csvItem(line, cell, dir, d, now)
		if prev, ok := seen[*it.details.Origin]; ok && len(rowProblems) == 0 {
			rowProblems = append(rowProblems, problem{Line: line, Column: "reference", Reason: fmt.Sprintf("the same source and reference as line %d", prev)})
		}
		seen[*it.details.Origin] = line
		problems = append(problems, rowProblems...)
		items = append(items, it)
	}
	if len(items) == 0 && len(problems) == 0 {
		problems = append(problems, problem{Line: 2, Reason: "the file has no rows"})
	}
	return items, problems, nil
}

// csvItem turns one row into an item, with every problem of its cells, its photos and (when the cells
// parse) the service's own validation of the case.
func csvItem(line int, cell func(string) string, dir string, d *deploymentInfo, now time.Time) (item, []problem) {
	var problems []problem
	bad := func(column, format string, args ...any) {
		problems = append(problems, problem{Line: line, Column: column, Reason: fmt.Sprintf(format, args...)})
	}
	det := childmatch.CaseDetails{Kind: childmatch.Kind(strings.TrimSpace(cell("kind"))),
		Origin: &childmatch.Origin{Source: cell("source"), Reference: cell("reference")},
		Child: childmatch.Child{Name: cell("name"), Gender: childmatch.Gender(strings.TrimSpace(cell("gender"))),
			Description: cell("description"), IdentifyingMarks: cell("identifying_marks")},
		Sighting:   childmatch.Sighting{Place: cell("place"), Station: cell("station"), District: cell("district"), State: cell("state")},
		References: childmatch.References{FIR: cell("fir")},
		Reporter: childmatch.Contact{Name: cell("reporter_name"), Organisation: cell("reporter_organisation"),
			Phone: cell("reporter_phone")}}
	if v := strings.TrimSpace(cell("age")); v != "" {
		age, err := strconv.Atoi(v)
		if err != nil {
			bad("age", "must be a whole number of years, or empty when not known")
		}
		det.Child.Age = age
	}
	for l := range strings.SplitSeq(cell("languages"), ";") {
		if l = strings.TrimSpace(l); l != "" {
			det.Child.Languages = append(det.Child.Languages, l)
		}
	}
	if v := strings.TrimSpace(cell("time")); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.Parse(time.DateOnly, v)
		}
		if err != nil {
			bad("time", "must be a date (2026-03-31) or a time with its zone (2026-03-31T18:30:00+05:30)")
		}
		det.Sighting.Time = t
	}
	if len(problems) == 0 {
		if err := det.Validate(now); err != nil {
			field := childmatch.ErrorField(err)
			bad(cmp.Or(columnOf[field], field), "%s", strings.TrimPrefix(childmatch.ErrorMessage(err), field+": "))
		}
	}
	it := item{where: "line " + strconv.Itoa(line), details: det}
	for name := range strings.SplitSeq(cell("photos"), ";") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if !filepath.IsLocal(name) {
			bad("photos", "%q is not a file name under --photos", name)
			continue
		}
		path := filepath.Join(dir, name)
		var size int64
		st, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems = append(problems, problem{Line: line, Column: "photos", File: name, Reason: "does not exist"})
			continue
		case err != nil:
			problems = append(problems, problem{Line: line, Column: "photos", File: name, Reason: "cannot be read: " + pathless(err)})
			continue
		case st.IsDir():
			problems = append(problems, problem{Line: line, Column: "photos", File: name, Reason: "is a folder"})
			continue
		default:
			size = st.Size()
		}
		if reason := photoCheck(size, func() (io.ReadCloser, error) { return os.Open(path) }, d); reason != "" {
			problems = append(problems, problem{Line: line, Column: "photos", File: name, Reason: reason})
			continue
		}
		it.photos = append(it.photos, photoFile{name: name, read: func() ([]byte, error) { return os.ReadFile(path) }})
	}
	if len(it.photos) > d.MaxPhotosPerCase {
		bad("photos", "lists %d photos; a case holds at most %d", len(it.photos), d.MaxPhotosPerCase)
	}
	return it, problems
}

// readExport opens an export of another deployment (childmatch.ExportManifest), verifies every file
// against the manifest's SHA-256 sums, and returns its cases as items whose origin is the exporting
// deployment and the case's id there.
func readExport(path string, d *deploymentInfo, now time.Time) ([]item, []problem, io.Closer, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, nil, err
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	fail := func(reason string) ([]item, []problem, io.Closer, error) {
		return nil, []problem{{File: "manifest.json", Reason: reason}}, zr, nil
	}
	mf, ok := files["manifest.json"]
	if !ok {
		return fail("is missing: this is not a childmatch export, or it was cut short")
	}
	b, err := readZipFile(mf)
	if err != nil {
		return fail("cannot be read: " + err.Error())
	}
	var m childmatch.ExportManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fail("is not valid JSON: " + err.Error())
	}
	if m.Format != childmatch.ExportFormat {
		return fail(fmt.Sprintf("has the format %q; this childmatch reads %q", m.Format, childmatch.ExportFormat))
	}
	var problems []problem
	for _, f := range zr.File {
		if f.Name == "manifest.json" {
			continue
		}
		want, listed := m.Files[f.Name]
		if !listed {
			problems = append(problems, problem{File: f.Name, Reason: "is not listed in the manifest"})
			continue
		}
		b, err := readZipFile(f)
		if err != nil {
			problems = append(problems, problem{File: f.Name, Reason: "cannot be read: " + err.Error()})
			continue
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
			problems = append(problems, problem{File: f.Name, Reason: "does not match its SHA-256 in the manifest"})
		}
	}
	for name := range m.Files {
		if files[name] == nil {
			problems = append(problems, problem{File: name, Reason: "is listed in the manifest but missing"})
		}
	}
	if len(problems) > 0 {
		return nil, problems, zr, nil
	}
	var items []item
	for _, id := range m.Cases {
		it, caseProblems := exportItem(files, m.Source, id, d, now)
		problems = append(problems, caseProblems...)
		items = append(items, it)
	}
	return items, problems, zr, nil
}

// exportItem is one case of an export.
func exportItem(files map[string]*zip.File, source string, id childmatch.ID, d *deploymentInfo, now time.Time) (item, []problem) {
	dir := "cases/" + id.String() + "/"
	it := item{where: "case " + id.String()}
	bad := func(file, column, reason string) []problem {
		return []problem{{Case: id.String(), File: file, Column: column, Reason: reason}}
	}
	f := files[dir+"case.json"]
	if f == nil {
		return it, bad(dir+"case.json", "", "is missing")
	}
	b, err := readZipFile(f)
	if err != nil {
		return it, bad(f.Name, "", "cannot be read: "+err.Error())
	}
	var c childmatch.Case
	if err := json.Unmarshal(b, &c); err != nil {
		return it, bad(f.Name, "", "is not a case record: "+err.Error())
	}
	it.details = c.CaseDetails
	it.details.Origin = &childmatch.Origin{Source: source, Reference: id.String()}
	if err := it.details.Validate(now); err != nil {
		return it, bad(f.Name, childmatch.ErrorField(err), childmatch.ErrorMessage(err))
	}
	var problems []problem
	for _, p := range c.Photos {
		name := dir + "photos/" + p.ID.String() + "." + strings.TrimPrefix(p.ContentType, "image/")
		pf := files[name]
		if pf == nil {
			problems = append(problems, bad(name, "", "is missing")...)
			continue
		}
		if reason := photoCheck(int64(pf.UncompressedSize64), pf.Open, d); reason != "" {
			problems = append(problems, bad(name, "", reason)...)
			continue
		}
		it.photos = append(it.photos, photoFile{name: name, read: func() ([]byte, error) { return readZipFile(pf) }})
	}
	return it, problems
}

// readZipFile reads one file of a ZIP whole, refusing one whose size is not what its header says.
func readZipFile(f *zip.File) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, int64(f.UncompressedSize64)+1)); err != nil {
		return nil, err
	}
	if uint64(buf.Len()) != f.UncompressedSize64 {
		return nil, fmt.Errorf("its size is not what the ZIP says")
	}
	return buf.Bytes(), nil
}
