package service

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"childmatch"
)

// What an upload writes, and in what order (README: design):
//
//  1. the original, under a fresh photo id, while the face pipeline analyses it (a photo whose header is
//     refused is never stored);
//  2. one face chip per face found, under fresh face ids, while the case record is read;
//  3. the case record, with the photo and its faces, once the chips are stored: the commit point. The
//     store writes the change entry that tells the other replicas while it reads the record, and the
//     record once the entry is written;
//  4. the faces into this process's index (through the follower, in the order of the case's writes);
//  5. the audit event, then the review proposals, while the candidates answered are read.
//
// What 5 reads (the candidates, the nearest cases the proposals weigh, and their case records) is searched
// for and read while 2 and 3 are written: it depends on nothing they write.
//
// Until 3 is attempted, any failure or panic removes what 1 and 2 wrote, whether or not their puts
// reported success (a put can fail after storing); removing a blob never written is harmless, and the ids
// are fresh. The removal runs on its own context, so an expired request deadline cannot cut it short, and
// the answer waits for it only UndoWait. When 3 itself fails in a way that leaves open whether the record
// was written (MinIO unreachable or stalled, the deadline hit), the blobs are left: the record may refer
// to them, and the sweeper (sweep.go) removes them once it can tell it does not. The record never
// references a blob that does not exist, and the index never holds a face whose record is not stored.
//
// Everything up to 3 runs under the request's deadline, which is what bounds an upload in time for the
// sweeper; what follows 3 (the audit event, the proposals) is the committed photo's own and runs to its end
// even when the deadline or the client's leaving ends the request, each store call bounded by its own.

// AddPhoto analyses a photo of a case, stores it with its face chips, commits it to the case record, then
// indexes its faces and matches each against the cases of the opposite kind. A photo with no face is
// refused and nothing is stored.
func (s *Service) AddPhoto(ctx context.Context, actor childmatch.Actor, caseID childmatch.ID, data []byte, limit int) (*childmatch.PhotoResult, error) {
	if err := actor.Require(childmatch.ActAddPhoto); err != nil {
		return nil, err
	}
	c, err := s.visibleCase(ctx, actor, caseID)
	if err != nil {
		return nil, err
	}
	if c.Kind == childmatch.KindMissing {
		if err := actor.Require(childmatch.ActMissingPhoto); err != nil {
			return nil, err
		}
	}
	if len(c.Photos) >= childmatch.MaxPhotosPerCase {
		return nil, tooManyPhotos()
	}
	if limit, err = checkLimit(limit); err != nil {
		return nil, err
	}
	ct, err := s.faces.Sniff(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	photo := childmatch.Photo{ID: childmatch.NewID(), ContentType: ct, Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		UploadedAt: s.now().UTC(), UploadedBy: actor.ID}
	id := photo.ID
	stored := make(chan error, 1)
	go func() { stored <- s.store.PutBlob(ctx, childmatch.BlobPhoto, id, caseID, ct, data) }()
	putErr, putDone := error(nil), false
	waitPut := func() error {
		if !putDone {
			putErr, putDone = <-stored, true
		}
		return putErr
	}
	written, committed, undo := []blobRef{{childmatch.BlobPhoto, id}}, false, true
	defer func() {
		if !committed && undo {
			waitPut()
			s.undo(written)
		}
	}()
	a, err := s.analyze(ctx, actor, data)
	if putErr := waitPut(); putErr != nil {
		if err != nil {
			s.log.Warn("storing a refused photo failed too", "err", putErr)
		}
		err = cmp.Or(err, putErr)
	}
	if err != nil {
		return nil, err
	}
	photo.Width, photo.Height = a.Width, a.Height
	for _, df := range a.Faces {
		photo.Faces = append(photo.Faces, childmatch.Face{ID: childmatch.NewID(), PhotoID: photo.ID, Box: df.Box,
			Landmarks: df.Landmarks, Detector: df.Detector, Quality: df.Quality, Descriptor: df.Descriptor, Embeddings: df.Embeddings})
	}

	// The candidates answered and the nearest cases the proposals weigh depend on nothing the commit writes
	// (the case's own faces are excluded), so they are searched for while the chips and the record are
	// written: the opposite kind once for both (its filter is the same), the case's own kind for the
	// proposals. They are answered only once the photo is committed.
	res := &childmatch.PhotoResult{CaseID: c.ID, Photo: photo}
	var searchErr error
	var hits map[childmatch.Kind][][]childmatch.Hit
	searched := make(chan struct{})
	faces, pair, kind := photo.Faces, pairWith(c), c.Kind
	filter, own := proposalFilter(c, kind.Opposite()), proposalFilter(c, kind)
	searchCtx, cases := context.WithoutCancel(ctx), newCaseMemo(s.store, 0)
	go func() {
		defer close(searched)
		descs, k := childmatch.Descriptors(faces), max(limit, s.limits.ProposalsMax+1)
		opposite := s.index.SearchBatch(descs, k, filter)
		hits = map[childmatch.Kind][][]childmatch.Hit{kind.Opposite(): firstHits(opposite, s.limits.ProposalsMax+1),
			kind: s.index.SearchBatch(descs, s.limits.ProposalsMax+1, own)}
		for i, f := range faces {
			queries := []childmatch.Face{f}
			found := s.withModels(nearOf(firstHits(opposite[i:i+1], limit)), queries, limit, filter)
			cands, err := s.resolve(searchCtx, cases, queries, found, limit, pair)
			if err != nil {
				searchErr = err
				return
			}
			res.Faces = append(res.Faces, childmatch.FaceMatches{Face: f, Candidates: cands})
		}
	}()
	defer func() { <-searched }()

	// The chips are stored while the record is read; the record is written once they are.
	var chips []blobRef
	var chipsErr error
	chipped := make(chan struct{})
	go func() {
		defer close(chipped)
		chips, chipsErr = s.putChips(ctx, caseID, &photo, a)
	}()
	c, err = s.updateCase(ctx, caseID, func(c *childmatch.Case) error {
		if len(c.Photos) >= childmatch.MaxPhotosPerCase {
			return tooManyPhotos()
		}
		if <-chipped; chipsErr != nil {
			return chipsErr
		}
		c.Photos = append(c.Photos, photo)
		c.UpdatedAt = photo.UploadedAt
		return nil
	})
	<-chipped
	written = append(written, chips...)
	if chipsErr == nil && uncertain(err) { // with a chip not stored, the record's write was never attempted
		undo = false
		s.log.Warn("a photo's commit may or may not have landed; its blobs are left to the sweeper", "case", caseID, "photo", id, "err", err)
	}
	if err != nil {
		return nil, err
	}
	// Committed, and indexed: from here on the photo exists, and the index refers to it.
	committed = true
	ctx = context.WithoutCancel(ctx)
	// The alert (the posts see the child's face at once), the audit record and the review proposals
	// (which follow the photo's audit record, as every change follows its own) are written meanwhile.
	var recorded, proposed error
	var wg sync.WaitGroup
	if c.Status == childmatch.StatusOpen {
		wg.Go(func() { s.updateAlert(ctx, c, childmatch.ReasonPhoto) })
	}
	wg.Go(func() {
		recorded = s.audit.Record(ctx, actor, "photo.add", []childmatch.ID{c.ID}, photo.ID.String())
		<-searched
		if recorded == nil && searchErr == nil && c.Status == childmatch.StatusOpen { // matched and closed cases drop out of auto-matching
			res.Proposed, proposed = s.propose(ctx, cases, c, photo.Faces, hits)
		}
	})
	defer wg.Wait()
	<-searched
	if searchErr != nil {
		return nil, searchErr
	}
	// The answer shows other children's cases: that read is in the trail too.
	var shown []childmatch.ID
	for _, fm := range res.Faces {
		for _, cd := range fm.Candidates {
			shown = append(shown, cd.Case.ID)
		}
	}
	if len(shown) > 0 {
		if err := s.audit.Record(ctx, actor, "photo.candidates", shown, photo.ID.String()); err != nil {
			return nil, err
		}
	}
	wg.Wait()
	if err := cmp.Or(recorded, proposed); err != nil {
		return nil, err
	}
	return res, nil
}

func tooManyPhotos() error {
	return childmatch.Errorf(childmatch.EInvalid, "the case already has %d photos, the most it may hold", childmatch.MaxPhotosPerCase)
}

type blobRef struct {
	kind childmatch.BlobKind
	id   childmatch.ID
}

// putChips stores the face chips, returning what it may have written so a failure can undo it: a chip whose
// put failed too, since a put can fail after storing.
func (s *Service) putChips(ctx context.Context, caseID childmatch.ID, p *childmatch.Photo, a *childmatch.Analysis) ([]blobRef, error) {
	var written []blobRef
	for i, df := range a.Faces {
		id := p.Faces[i].ID
		written = append(written, blobRef{childmatch.BlobChip, id})
		if err := s.store.PutBlob(ctx, childmatch.BlobChip, id, caseID, "image/jpeg", df.Chip); err != nil {
			return written, err
		}
	}
	return written, nil
}

// uncertain says whether a failed write may have landed all the same.
func uncertain(err error) bool {
	switch childmatch.ErrorCodeOf(err) {
	case childmatch.EUnavailable, childmatch.EInternal, childmatch.ECanceled:
		return true
	}
	return false
}

// undo removes the blobs of an upload that did not commit, waiting for it at most UndoWait.
func (s *Service) undo(refs []blobRef) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.deleteBlobs(refs)
	}()
	select {
	case <-done:
	case <-time.After(childmatch.UndoWait):
	}
}

// deleteBlobs removes blobs on its own context, bounded by UndoTimeout: the request's may have ended.
func (s *Service) deleteBlobs(refs []blobRef) {
	ctx, cancel := context.WithTimeout(context.Background(), childmatch.UndoTimeout)
	defer cancel()
	for _, r := range refs {
		if err := s.store.DeleteBlob(ctx, r.kind, r.id); err != nil {
			s.log.Warn("unreferenced blob left behind", "kind", r.kind, "id", r.id, "err", err)
		}
	}
}

// analyze runs the face pipeline, once the user is admitted to a worker (admission.go), and refuses a
// photo without a face. It answers at the request's deadline even when the pipeline has not finished:
// dlib cannot be interrupted, so the recognizer finishes its work in the background and goes back to the
// pool, and only then is the worker given to the next analysis; the result is dropped.
func (s *Service) analyze(ctx context.Context, actor childmatch.Actor, data []byte) (*childmatch.Analysis, error) {
	leave, err := s.admission.enter(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	type result struct {
		a   *childmatch.Analysis
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer leave()
		defer func() { // this goroutine is no request's: a panic here would end the process
			if r := recover(); r != nil {
				s.log.Error("panic in the face pipeline", "panic", r)
				done <- result{err: &childmatch.Error{Code: childmatch.EInternal, Message: "the face pipeline failed",
					Err: fmt.Errorf("panic: %v", r)}}
			}
		}()
		a, err := s.faces.Analyze(ctx, data)
		done <- result{a, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		r.err = childmatch.Unavailable("the face pipeline", ctx.Err())
		if errors.Is(ctx.Err(), context.Canceled) {
			r.err = childmatch.Canceled(ctx.Err())
		}
	}
	a, err := r.a, r.err
	if err != nil {
		return nil, err
	}
	if len(a.Faces) == 0 {
		return nil, childmatch.Errorf(childmatch.ENoFace, "no face was found in the photo; use a photo where the child's face is clearly visible")
	}
	return a, nil
}

// Blob opens a stored photo or face chip. A shelter may open the originals of its own cases, and the face
// chips of any case, since those are what its candidates show.
func (s *Service) Blob(ctx context.Context, actor childmatch.Actor, kind childmatch.BlobKind, id childmatch.ID) (*childmatch.Blob, error) {
	if err := actor.Require(childmatch.ActViewPhotos); err != nil {
		return nil, err
	}
	b, err := s.store.Blob(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	if kind == childmatch.BlobPhoto && !actor.May(childmatch.ActSeeAllCases) {
		c, err := s.store.Case(ctx, b.CaseID)
		if err != nil || !actor.CanSee(c) {
			b.Close()
			return nil, childmatch.Errorf(childmatch.ENotFound, "no photo with id %s", id)
		}
	}
	action := "photo.read"
	if kind == childmatch.BlobChip {
		action = "face.read"
	}
	if err := s.audit.Record(ctx, actor, action, []childmatch.ID{b.CaseID}, id.String()); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}
