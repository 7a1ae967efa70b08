package service

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"

	"childmatch"
)

// Export selects the cases of q, records the export in the audit trail, then writes the ZIP (export.go
// at the root says its layout) to w. Everything that can refuse the export is checked before the first
// byte is written.
func (s *Service) Export(ctx context.Context, actor childmatch.Actor, q childmatch.ExportQuery, w io.Writer) error {
	if err := actor.Require(childmatch.ActExport); err != nil {
		return err
	}
	cases, err := s.exportCases(ctx, actor, q)
	if err != nil {
		return err
	}
	ids := make([]childmatch.ID, len(cases))
	for i, c := range cases {
		ids[i] = c.ID
	}
	reviews := map[childmatch.ID][]*childmatch.Review{}
	err = s.reviews.WalkReviews(ctx, func(r *childmatch.Review) (bool, error) {
		for _, id := range []childmatch.ID{r.CaseA, r.CaseB} {
			if slices.Contains(ids, id) {
				reviews[id] = append(reviews[id], r)
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if err := s.audit.Record(ctx, actor, "case.export", ids, ""); err != nil {
		return err
	}
	m := &childmatch.ExportManifest{Format: childmatch.ExportFormat, Source: s.deployment, ExportedAt: s.now().UTC(),
		ExportedBy: actor.ID, Cases: ids, Files: map[string]string{}}
	zw := zip.NewWriter(w)
	for _, c := range cases {
		if err := s.exportCase(ctx, zw, m, c, reviews[c.ID]); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(zw, "manifest.json", b, zip.Deflate, nil); err != nil {
		return err
	}
	return zw.Close()
}

// exportCases returns the cases q selects that the actor may see: the listed ones (each must exist), or
// those the filters select, at most MaxExportCases.
func (s *Service) exportCases(ctx context.Context, actor childmatch.Actor, q childmatch.ExportQuery) ([]*childmatch.Case, error) {
	if q.Kind != "" && !q.Kind.Valid() {
		return nil, childmatch.FieldError("kind", `must be "missing" or "found"`)
	}
	if q.Status != "" && !q.Status.Valid() {
		return nil, childmatch.FieldError("status", `must be "open", "matched" or "closed"`)
	}
	tooMany := childmatch.Errorf(childmatch.EInvalid, "an export holds at most %d cases; narrow the query", childmatch.MaxExportCases)
	var cases []*childmatch.Case
	if len(q.Cases) > 0 {
		if len(q.Cases) > childmatch.MaxExportCases {
			return nil, tooMany
		}
		for _, id := range q.Cases {
			c, err := s.visibleCase(ctx, actor, id)
			if err != nil {
				return nil, err
			}
			cases = append(cases, c)
		}
		return cases, nil
	}
	err := s.store.WalkCases(ctx, childmatch.ID{}, func(c *childmatch.Case) (bool, error) {
		if (q.Kind != "" && c.Kind != q.Kind) || (q.Status != "" && c.Status != q.Status) || !actor.CanSee(c) {
			return true, nil
		}
		if len(cases) == childmatch.MaxExportCases {
			return false, tooMany
		}
		cases = append(cases, c)
		return true, nil
	})
	if err == nil && len(cases) == 0 {
		err = childmatch.Errorf(childmatch.ENotFound, "no case matches the query")
	}
	return cases, err
}

// exportCase writes one case's files and lists them in the manifest.
func (s *Service) exportCase(ctx context.Context, zw *zip.Writer, m *childmatch.ExportManifest, c *childmatch.Case, reviews []*childmatch.Review) error {
	dir := "cases/" + c.ID.String() + "/"
	record := *c
	record.Photos = slices.Clone(c.Photos)
	for i := range record.Photos {
		p := &record.Photos[i]
		p.Faces = slices.Clone(p.Faces)
		for j := range p.Faces {
			p.Faces[j].Descriptor, p.Faces[j].Embeddings = childmatch.Descriptor{}, nil
		}
	}
	// The trail is paged by days: read pages until the summary is full or the trail ends.
	var events []childmatch.Event
	q := childmatch.AuditQuery{Case: c.ID, Since: c.CreatedAt, Limit: childmatch.MaxAuditPage + 1}
	for {
		page, err := s.audit.Log.Events(ctx, q)
		if err != nil {
			return err
		}
		events = append(events, page.Events...)
		if page.Next.IsZero() || len(events) > childmatch.MaxAuditPage {
			break
		}
		q.After, q.Limit = page.Next, childmatch.MaxAuditPage+1-len(events)
	}
	summary := childmatch.ExportAudit{ByAction: map[string]int{}}
	if len(events) > childmatch.MaxAuditPage {
		events, summary.Truncated = events[:childmatch.MaxAuditPage], true
	}
	for _, e := range events {
		summary.ByAction[e.Action]++
		if summary.First.IsZero() {
			summary.First = e.At
		}
		summary.Last = e.At
	}
	summary.Events = len(events)
	if reviews == nil {
		reviews = []*childmatch.Review{}
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"case.json", record}, {"reviews.json", reviews}, {"audit.json", summary}} {
		b, err := json.MarshalIndent(f.v, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFile(zw, dir+f.name, b, zip.Deflate, m); err != nil {
			return err
		}
	}
	for _, p := range c.Photos {
		blob, err := s.store.Blob(ctx, childmatch.BlobPhoto, p.ID)
		if err != nil {
			return err
		}
		name := dir + "photos/" + p.ID.String() + "." + strings.TrimPrefix(p.ContentType, "image/")
		err = writeFrom(zw, name, blob, m)
		blob.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes one file of the ZIP and, when m is given, its SHA-256 into the manifest.
func writeFile(zw *zip.Writer, name string, b []byte, method uint16, m *childmatch.ExportManifest) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return err
	}
	if m != nil {
		sum := sha256.Sum256(b)
		m.Files[name] = hex.EncodeToString(sum[:])
	}
	return nil
}

// writeFrom copies a photo into the ZIP as it is (photos are compressed already), summing it on the way.
func writeFrom(zw *zip.Writer, name string, r io.Reader, m *childmatch.ExportManifest) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		return err
	}
	m.Files[name] = hex.EncodeToString(h.Sum(nil))
	return nil
}
