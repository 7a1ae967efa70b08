package service_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"

	"childmatch"
)

func from(source, ref string) details {
	return func(d *childmatch.CaseDetails) { d.Origin = &childmatch.Origin{Source: source, Reference: ref} }
}

// TestOriginUnique: of many imports of one source reference at once, over two processes, exactly one
// creates the case; every other hears 409 naming it (to whoever may see it). A reference left by a process
// that stopped before writing its case is finished under that id; an erased case takes its reference
// with it.
func TestOriginUnique(t *testing.T) {
	w := newWorld(t)
	other := newWorldOver(t, w)
	d := childmatch.CaseDetails{Kind: childmatch.KindFound, Origin: &childmatch.Origin{Source: "trackchild-mp", Reference: " MP/2026/0042 "}}
	var mu sync.Mutex
	var created []childmatch.ID
	var taken []*childmatch.Error
	var wg sync.WaitGroup
	for i := range 16 {
		svc := w.svc
		if i%2 == 1 {
			svc = other.svc
		}
		wg.Go(func() {
			d := d // each request its own body, as each HTTP request decodes its own
			o := *d.Origin
			d.Origin = &o
			c, err := svc.CreateCase(w.ctx, w.officer, d)
			mu.Lock()
			defer mu.Unlock()
			var e *childmatch.Error
			switch {
			case err == nil:
				created = append(created, c.ID)
			case childmatch.ErrorCodeOf(err) == childmatch.EConflict && errors.As(err, &e):
				taken = append(taken, e)
			default:
				t.Errorf("an import: %v", err)
			}
		})
	}
	wg.Wait()
	if len(created) != 1 || len(taken) != 15 {
		t.Fatalf("%d created, %d told it is taken; want 1 and 15", len(created), len(taken))
	}
	for _, e := range taken {
		if e.Field != "origin" || e.CaseID != created[0] {
			t.Fatalf("a conflict names field %q and case %s, want origin and %s", e.Field, e.CaseID, created[0])
		}
	}
	if got := w.read(created[0]).Origin; got == nil || got.Reference != "MP/2026/0042" {
		t.Fatalf("the stored origin: %+v", got)
	}
	// A shelter of another organisation may not see the case: it hears the conflict, not the id.
	_, err := w.svc.CreateCase(w.ctx, w.shelter, d)
	var e *childmatch.Error
	if !errors.As(err, &e) || e.Code != childmatch.EConflict || !e.CaseID.IsZero() {
		t.Fatalf("a shelter importing the same reference: %v (case %v), want a conflict without the id", err, e)
	}

	// The reference written, the case not: the next import finishes it under the reference's id.
	stopped := childmatch.NewID()
	if err := w.store.CreateRef(w.ctx, childmatch.Origin{Source: "trackchild-mp", Reference: "MP/2026/0043"}, stopped); err != nil {
		t.Fatal(err)
	}
	c := w.newCase(w.officer, childmatch.KindFound, from("trackchild-mp", "MP/2026/0043"))
	if c.ID != stopped {
		t.Fatalf("the finished case has id %s, want the reference's %s", c.ID, stopped)
	}

	// Erased, its reference goes, and the same reference makes a new case.
	if err := w.svc.DeleteCase(w.ctx, w.admin, c.ID, childmatch.DeletedInError); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Ref(w.ctx, *c.Origin); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("the erased case's reference: %v, want not found", err)
	}
	if again := w.newCase(w.officer, childmatch.KindFound, from("trackchild-mp", "MP/2026/0043")); again.ID == c.ID {
		t.Fatal("the reference of an erased case still names it")
	}

	for _, bad := range []childmatch.Origin{{Source: "", Reference: "1"}, {Source: "a/b", Reference: "1"}, {Source: "x", Reference: " "}} {
		d := childmatch.CaseDetails{Kind: childmatch.KindFound, Origin: &bad}
		if _, err := w.svc.CreateCase(w.ctx, w.officer, d); childmatch.ErrorCodeOf(err) != childmatch.EInvalid {
			t.Errorf("origin %+v: %v, want invalid", bad, err)
		}
	}
}

// TestExport: an export holds each case's record without descriptors, its photos byte for byte, its review
// items and its audit counts, with a manifest whose sums match every file; it is audited with its cases,
// and refused to a non-admin before a byte is written.
func TestExport(t *testing.T) {
	w := newWorld(t)
	missing, found, _ := w.pair(0.3)
	var buf bytes.Buffer
	if err := w.svc.Export(w.ctx, w.officer, childmatch.ExportQuery{Cases: []childmatch.ID{missing.ID}}, &buf); childmatch.ErrorCodeOf(err) != childmatch.EForbidden || buf.Len() > 0 {
		t.Fatalf("an officer's export: %v, %d bytes written", err, buf.Len())
	}
	if err := w.svc.Export(w.ctx, w.admin, childmatch.ExportQuery{Kind: childmatch.KindMissing}, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, _ := f.Open()
		files[f.Name], _ = io.ReadAll(r)
	}
	var m childmatch.ExportManifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Cases, []childmatch.ID{missing.ID}) || m.Format != childmatch.ExportFormat || len(m.Files) != len(files)-1 {
		t.Fatalf("manifest: %+v over %d files", m, len(files))
	}
	for name, want := range m.Files {
		if sum := sha256.Sum256(files[name]); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s does not match its sum", name)
		}
	}
	dir := "cases/" + missing.ID.String() + "/"
	var rec childmatch.Case
	json.Unmarshal(files[dir+"case.json"], &rec)
	p := w.read(missing.ID).Photos[0]
	if rec.ID != missing.ID || len(rec.Photos) != 1 || rec.Photos[0].Faces[0].Descriptor != (childmatch.Descriptor{}) {
		t.Fatalf("the exported record: %d photos, descriptor kept: %v", len(rec.Photos), rec.Photos[0].Faces[0].Descriptor != (childmatch.Descriptor{}))
	}
	if sum := sha256.Sum256(files[dir+"photos/"+p.ID.String()+"."+p.ContentType[len("image/"):]]); hex.EncodeToString(sum[:]) != p.SHA256 {
		t.Fatal("the exported photo is not the stored one")
	}
	var reviews []childmatch.Review
	json.Unmarshal(files[dir+"reviews.json"], &reviews)
	if len(reviews) != 1 || reviews[0].CaseB != found.ID {
		t.Fatalf("exported reviews: %+v, want the pair with the found child", reviews)
	}
	var audit childmatch.ExportAudit
	json.Unmarshal(files[dir+"audit.json"], &audit)
	if audit.ByAction["case.create"] != 1 || audit.ByAction["photo.add"] != 1 {
		t.Fatalf("audit summary: %+v", audit)
	}
	events, err := w.store.Events(w.ctx, childmatch.AuditQuery{Case: missing.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(events.Events, func(e childmatch.Event) bool { return e.Action == "case.export" && e.Actor == w.admin.ID }) {
		t.Fatal("the export is not in the audit trail")
	}
}
