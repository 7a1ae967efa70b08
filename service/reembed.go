package service

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"childmatch"
)

// Re-embedding computes every stored face's vectors again with the configured face models, from the
// stored photos, while the service keeps serving with the old ones (`childmatch reembed`, README: face
// models). Each case switches over in one atomic write of its record: the services' indexes follow that
// write as any other (the change feed), so a search sees a case's old vectors or its new ones, never a
// mix. It walks the cases in creation order, so its position (every case up to it is done) is where a
// run that was stopped resumes.

// ReembedProgress is how far a run has come.
type ReembedProgress struct {
	Cases    int `json:"cases"`     // cases done, written or already current
	Written  int `json:"written"`   // cases whose record changed
	Photos   int `json:"photos"`    // photos described again
	Faces    int `json:"faces"`     // faces described again
	NotFound int `json:"not_found"` // faces dlib did not find again where they were: their descriptor is kept
	// Failed lists the cases that could not be done (a photo missing or unreadable, the record
	// unwritable); the position moves past them, so a rerun from the start retries them.
	Failed   []childmatch.ID `json:"failed,omitempty"`
	Position childmatch.ID   `json:"position"` // every case up to it is done: resume after it
	Took     time.Duration   `json:"took_ns"`
}

// ReembedConfig says how a run goes.
type ReembedConfig struct {
	Workers int // cases described at once; at least 1
	// MaxBytes bounds a stored photo read (Limits.MaxUploadBytes: no stored photo is larger).
	MaxBytes int64
	After    childmatch.ID // resume after this case (zero: from the start)
	// Progress is called after every case, from one goroutine at a time; nil: not told.
	Progress func(ReembedProgress)
	// Log takes why a case failed (its id and the error, nothing of the child); nil: not logged.
	Log *slog.Logger
}

// Reembed describes every stored face of the cases after cfg.After again and writes each case whose
// vectors changed. It stops at ctx's end after the cases in hand, and answers how far it came.
func Reembed(ctx context.Context, store childmatch.Store, faces childmatch.FaceRedescriber, cfg ReembedConfig) (ReembedProgress, error) {
	began := time.Now()
	p := ReembedProgress{Position: cfg.After}
	work := make(chan *childmatch.Case)
	var mu sync.Mutex
	// pending holds the cases handed out and not yet done, in walk order: the position is the last case
	// before the first pending one.
	var pending []childmatch.ID
	done := map[childmatch.ID]bool{}
	finish := func(id childmatch.ID, r caseResult) {
		mu.Lock()
		defer mu.Unlock()
		p.Cases++
		p.Photos, p.Faces, p.NotFound = p.Photos+r.photos, p.Faces+r.faces, p.NotFound+r.notFound
		if r.written {
			p.Written++
		}
		if r.err != nil {
			p.Failed = append(p.Failed, id)
			if cfg.Log != nil {
				cfg.Log.Warn("re-embedding a case failed", "case", id, "err", r.err)
			}
		}
		done[id] = true
		for len(pending) > 0 && done[pending[0]] {
			p.Position = pending[0]
			delete(done, pending[0])
			pending = pending[1:]
		}
		p.Took = time.Since(began)
		if cfg.Progress != nil {
			cfg.Progress(p)
		}
	}
	var wg sync.WaitGroup
	for range max(1, cfg.Workers) {
		wg.Go(func() {
			for c := range work {
				finish(c.ID, reembedCase(ctx, store, faces, c, cfg.MaxBytes))
			}
		})
	}
	err := store.WalkCases(ctx, cfg.After, func(c *childmatch.Case) (bool, error) {
		if ctx.Err() != nil {
			return false, nil
		}
		mu.Lock()
		pending = append(pending, c.ID)
		mu.Unlock()
		select {
		case work <- c:
			return true, nil
		case <-ctx.Done():
			mu.Lock()
			pending = pending[:len(pending)-1]
			mu.Unlock()
			return false, nil
		}
	})
	close(work)
	wg.Wait()
	p.Took = time.Since(began)
	return p, err
}

type caseResult struct {
	photos, faces, notFound int
	written                 bool
	err                     error
}

// reembedCase describes the faces of one case's photos again and writes the new vectors in one update,
// which applies them by face id to the record as it is then (a photo added meanwhile keeps its own).
func reembedCase(ctx context.Context, store childmatch.Store, faces childmatch.FaceRedescriber, c *childmatch.Case, maxBytes int64) caseResult {
	var r caseResult
	fresh := map[childmatch.ID]childmatch.Redescribed{}
	for _, ph := range c.Photos {
		if len(ph.Faces) == 0 {
			continue
		}
		data, err := readPhoto(ctx, store, ph.ID, maxBytes)
		if err == nil {
			var again []childmatch.Redescribed
			if again, err = faces.Redescribe(ctx, data, ph.Faces); err == nil {
				for i, f := range ph.Faces {
					fresh[f.ID] = again[i]
					if !again[i].Found {
						r.notFound++
					}
				}
			}
		}
		if err != nil {
			r.err = err
			return r
		}
		r.photos, r.faces = r.photos+1, r.faces+len(ph.Faces)
	}
	changed := func(f *childmatch.Face, n childmatch.Redescribed) bool {
		return f.Descriptor != n.Descriptor || !maps.EqualFunc(f.Embeddings, n.Embeddings, slices.Equal)
	}
	if !slices.ContainsFunc(c.Faces(), func(f childmatch.Face) bool { n, ok := fresh[f.ID]; return ok && changed(&f, n) }) {
		return r // already current: nothing to write
	}
	_, r.err = store.UpdateCase(ctx, c.ID, func(c *childmatch.Case) error {
		for pi := range c.Photos {
			for fi := range c.Photos[pi].Faces {
				f := &c.Photos[pi].Faces[fi]
				if n, ok := fresh[f.ID]; ok {
					f.Descriptor, f.Embeddings = n.Descriptor, n.Embeddings
				}
			}
		}
		return nil
	})
	r.written = r.err == nil
	return r
}

// readPhoto reads a stored photo whole, refusing one over maxBytes.
func readPhoto(ctx context.Context, store childmatch.Store, id childmatch.ID, maxBytes int64) ([]byte, error) {
	b, err := store.Blob(ctx, childmatch.BlobPhoto, id)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	data, err := io.ReadAll(io.LimitReader(b, maxBytes+1))
	if err == nil && int64(len(data)) > maxBytes {
		err = childmatch.Errorf(childmatch.ETooLarge, "stored photo %s is larger than %d bytes", id, maxBytes)
	}
	return data, err
}
