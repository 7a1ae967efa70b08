package service_test

import (
	"errors"
	"fmt"
	"testing"

	"childmatch"
	"childmatch/service"
)

// imported registers a case of a kind with one photo of the given faces straight into the store and the
// index, as a bulk import does: no upload, so nothing is proposed.
func (w *world) imported(kind childmatch.Kind, faces ...childmatch.Descriptor) *childmatch.Case {
	w.t.Helper()
	actor := w.officer
	if kind == childmatch.KindFound {
		actor = w.shelter
	}
	c := w.newCase(actor, kind)
	photo := childmatch.Photo{ID: childmatch.NewID()}
	for _, d := range faces {
		photo.Faces = append(photo.Faces, childmatch.Face{ID: childmatch.NewID(), PhotoID: photo.ID, Descriptor: d})
	}
	c, err := w.follower.Write(c.ID, func() (*childmatch.Case, error) {
		return w.store.UpdateCase(w.ctx, c.ID, func(c *childmatch.Case) error {
			c.Photos = append(c.Photos, photo)
			return nil
		})
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// reviewsByPair is every review item in the store, keyed by its pair, with what a pass decides of it.
func (w *world) reviewsByPair() map[string]string {
	w.t.Helper()
	out := map[string]string{}
	err := w.store.WalkReviews(w.ctx, func(r *childmatch.Review) (bool, error) {
		out[r.ID] = fmt.Sprintf("%s %s %s %.6f support %d rank %d %s", r.Type, r.CaseA, r.CaseB, r.Distance, r.Support, r.ProposedRank, r.Reason)
		return true, nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *world) clearReviews() {
	w.t.Helper()
	for id := range w.reviewsByPair() {
		if err := w.store.DeleteReview(w.ctx, id); err != nil {
			w.t.Fatal(err)
		}
	}
}

var errStop = errors.New("stopped")

// TestDedupeResumes: over imported synthetic faces (children registered twice, found children of missing
// ones, strangers, several faces a case), a dedupe pass proposes the twice-registered pairs and the
// matches; a pass stopped after each of its batches and resumed from its last kept position ends with
// exactly the review items of one uninterrupted pass; and a second whole pass creates nothing and
// changes nothing.
func TestDedupeResumes(t *testing.T) {
	w := newWorld(t)
	var twice, matches [][2]childmatch.ID
	for i := range 150 {
		d := w.person()
		m := w.imported(childmatch.KindMissing, d, w.near(d, 0.2))
		switch i % 3 {
		case 0:
			twice = append(twice, [2]childmatch.ID{m.ID, w.imported(childmatch.KindMissing, w.near(d, 0.15)).ID})
		case 1:
			matches = append(matches, [2]childmatch.ID{m.ID, w.imported(childmatch.KindFound, w.near(d, 0.25)).ID})
		}
		w.imported(childmatch.KindFound, w.person())
	}
	if got := w.reviewsByPair(); len(got) != 0 {
		t.Fatalf("the import proposed %d review items", len(got))
	}
	whole, err := w.svc.Dedupe(w.ctx, service.DedupeProgress{}, func(service.DedupeProgress) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := w.reviewsByPair()
	if whole.Cases != 150+50+50+150 || whole.Compared != 150*2+50+50+150 || whole.Proposals < len(want) {
		t.Fatalf("progress at the end: %+v (%d review items)", whole, len(want))
	}
	for _, pairs := range [][][2]childmatch.ID{twice, matches} {
		for _, p := range pairs {
			if _, ok := want[childmatch.PairKey(p[0], p[1])]; !ok {
				t.Errorf("the pair %s was not proposed", childmatch.PairKey(p[0], p[1]))
			}
		}
	}

	w.clearReviews()
	var p service.DedupeProgress
	stops := 0
	for {
		stopped := false
		p, err = w.svc.Dedupe(w.ctx, p, func(at service.DedupeProgress) error {
			if stopped {
				return errStop
			}
			stopped = true
			return nil
		})
		if !errors.Is(err, errStop) || stops > 100 {
			break
		}
		stops++
	}
	if err != nil || stops < 3 || p.Cases != whole.Cases || p.Compared != whole.Compared {
		t.Fatalf("resumed %d times to %+v, %v; the whole pass: %+v", stops, p, err, whole)
	}
	sameReviews(t, "after resuming", w.reviewsByPair(), want)

	if _, err := w.svc.Dedupe(w.ctx, service.DedupeProgress{}, func(service.DedupeProgress) error { return nil }); err != nil {
		t.Fatal(err)
	}
	sameReviews(t, "after a second pass", w.reviewsByPair(), want)
}

func sameReviews(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for id, r := range want {
		if got[id] != r {
			t.Errorf("%s: %s is %q, want %q", what, id, got[id], r)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d review items, want %d", what, len(got), len(want))
	}
}

// BenchmarkDedupe: a whole dedupe pass over 10,000 imported faces (one a case; a tenth of them a child
// registered twice), proposals and review items included, over the in-memory stores: faces/s is what the
// pass costs beyond the index's search (index.BenchmarkScale's all-pairs figure, beside faiss-cpu), mostly
// reading the candidates' case records.
func BenchmarkDedupe(b *testing.B) {
	w := newWorld(b)
	const n = 10_000
	for i := 0; i < n; {
		d := w.person()
		w.imported(childmatch.KindMissing, d)
		i++
		if i%10 == 0 {
			w.imported(childmatch.KindFound, w.near(d, 0.3))
			i++
		}
	}
	var p service.DedupeProgress
	for b.Loop() {
		var err error
		if p, err = w.svc.Dedupe(w.ctx, service.DedupeProgress{}, func(service.DedupeProgress) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*p.Compared)/b.Elapsed().Seconds(), "faces/s")
	b.ReportMetric(float64(p.Proposals), "proposals")
}
