package service_test

import (
	"context"
	"slices"
	"testing"

	"childmatch"
	"childmatch/inmem"
	"childmatch/service"
)

// upgraded is a face model upgrade for the test: it describes a stored face as its stored descriptor
// moved by 0.01 in its first component, with an 8-d second model's vector of the descriptor's first
// components. It reads the photo as the fake analyzer does, so a photo that is not one fails.
type upgraded struct{}

func (u *upgraded) Redescribe(ctx context.Context, data []byte, faces []childmatch.Face) ([]childmatch.Redescribed, error) {
	if _, err := (inmem.Faces{}).Analyze(ctx, data); err != nil {
		return nil, err
	}
	out := make([]childmatch.Redescribed, len(faces))
	for i, f := range faces {
		d := f.Descriptor
		if d[0] < 1 { // once: a rerun finds the faces current
			d[0] = 1
		}
		out[i] = childmatch.Redescribed{Descriptor: d, Found: true, Embeddings: map[string][]float32{arc: append([]float32(nil), d[:8]...)}}
	}
	return out, nil
}

// TestReembed: every stored face gets the new vectors in one write of its case; a run stopped midway
// resumes after its position and does only the rest; a rerun writes nothing; a case whose photo is gone
// is listed as failed and does not stop the others.
func TestReembed(t *testing.T) {
	w := newWorld(t)
	var cases []*childmatch.Case
	for range 5 {
		c := w.newCase(w.officer, childmatch.KindMissing)
		w.upload(w.officer, c, w.person())
		cases = append(cases, c)
	}
	u := &upgraded{}
	ctx, cancel := context.WithCancel(w.ctx)
	p, err := service.Reembed(ctx, w.store, u, service.ReembedConfig{Workers: 1, MaxBytes: 1 << 20, Progress: func(p service.ReembedProgress) {
		if p.Cases == 2 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Cases != 2 || p.Written != 2 || p.Position != cases[1].ID {
		t.Fatalf("a run stopped after two cases: %+v, want 2 written up to %s", p, cases[1].ID)
	}
	for i, c := range cases {
		f := w.read(c.ID).Faces()[0]
		if got := len(f.Embeddings[arc]) == 8 && f.Descriptor[0] == 1; got != (i < 2) {
			t.Fatalf("case %d after the stopped run: new vectors %v", i, got)
		}
	}
	p, err = service.Reembed(w.ctx, w.store, u, service.ReembedConfig{Workers: 3, After: p.Position, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if p.Cases != 3 || p.Written != 3 || p.Faces != 3 || p.Position != cases[4].ID || len(p.Failed) != 0 {
		t.Fatalf("the resumed run: %+v, want the other 3 written", p)
	}
	for _, c := range cases {
		if f := w.read(c.ID).Faces()[0]; len(f.Embeddings[arc]) != 8 || f.Descriptor[0] != 1 {
			t.Fatalf("case %s: not re-embedded", c.ID)
		}
	}
	p, err = service.Reembed(w.ctx, w.store, u, service.ReembedConfig{Workers: 2, MaxBytes: 1 << 20})
	if err != nil || p.Cases != 5 || p.Written != 0 {
		t.Fatalf("a rerun: %+v %v, want 5 cases current, none written", p, err)
	}
	if err := w.store.DeleteBlob(w.ctx, childmatch.BlobPhoto, w.read(cases[2].ID).Photos[0].ID); err != nil {
		t.Fatal(err)
	}
	p, err = service.Reembed(w.ctx, w.store, u, service.ReembedConfig{Workers: 2, MaxBytes: 1 << 20})
	if err != nil || p.Cases != 5 || !slices.Equal(p.Failed, []childmatch.ID{cases[2].ID}) || p.Position != cases[4].ID {
		t.Fatalf("with a photo gone: %+v %v, want case %s failed and the rest done", p, err, cases[2].ID)
	}
	if p, err := service.Reembed(w.ctx, w.store, u, service.ReembedConfig{Workers: 1, MaxBytes: 10}); err != nil || len(p.Failed) != 5 {
		t.Fatalf("photos over the bound: %+v %v, want every case failed", p, err)
	}
}
