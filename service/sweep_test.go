package service_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"childmatch"
	"childmatch/index"
	"childmatch/inmem"
	"childmatch/service"
)

// judgeable is how long a blob must wait before the sweeper may judge it: the default grace period plus the
// default request deadline, which the world's service uses.
const judgeable = childmatch.DefaultSweepGrace + childmatch.DefaultRequestTimeout

// over returns a service like the world's over another view of its store (a wrapper that fails or
// interferes) and another face analyzer.
func (w *world) over(store childmatch.Store, faces childmatch.FaceAnalyzer) *service.Service {
	return service.New(service.Deps{Store: store, Reviews: w.store, Audit: w.store, Faces: faces, Index: w.follower,
		Catalog: w.follower, Limits: childmatch.DefaultLimits(1), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return w.now }})
}

func (w *world) sweep() *service.SweepReport {
	w.t.Helper()
	rep, err := w.svc.Sweep(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

// blobIDs lists the stored blobs of a kind.
func (w *world) blobIDs(kind childmatch.BlobKind) []childmatch.ID {
	w.t.Helper()
	var ids []childmatch.ID
	if err := w.store.WalkBlobs(w.ctx, kind, func(b childmatch.BlobInfo) error { ids = append(ids, b.ID); return nil }); err != nil {
		w.t.Fatal(err)
	}
	return ids
}

// events returns the audit actions recorded with the given object.
func (w *world) events(object string) []string {
	w.t.Helper()
	evs, err := w.store.Events(w.ctx, childmatch.AuditQuery{Limit: 1000})
	if err != nil {
		w.t.Fatal(err)
	}
	var actions []string
	for _, e := range evs.Events {
		if e.Object == object {
			actions = append(actions, e.Action)
		}
	}
	return actions
}

// lostCommit is a store whose case record writes fail as a stalled MinIO's do: the blobs land, the
// commit's outcome is unknown to the writer.
type lostCommit struct{ *inmem.Store }

func (s lostCommit) UpdateCase(context.Context, childmatch.ID, func(*childmatch.Case) error) (*childmatch.Case, error) {
	return nil, childmatch.Unavailable("storage", context.DeadlineExceeded)
}

// TestSweepDeletesWhatNoCaseRefersTo: an upload whose commit was lost leaves its original and chip, which
// its own cleanup must not remove (the record might refer to them); the sweeper keeps them while they are
// younger than the grace period plus the request deadline, then deletes them with an audit event each. It
// deletes the blobs of a case whose record is gone, keeps every blob a record refers to, and keeps a blob
// whose case it cannot tell.
func TestSweepDeletesWhatNoCaseRefersTo(t *testing.T) {
	w := newWorld(t)
	c := w.newCase(w.officer, childmatch.KindMissing)
	kept := w.upload(w.officer, c, w.person()).Photo

	_, err := w.over(lostCommit{w.store}, inmem.Faces{}).AddPhoto(w.ctx, w.officer, c.ID, inmem.Photo(w.person()), 0)
	if childmatch.ErrorCodeOf(err) != childmatch.EUnavailable {
		t.Fatalf("upload with a lost commit: %v, want unavailable", err)
	}
	if n := len(w.blobIDs(childmatch.BlobPhoto)); n != 2 {
		t.Fatalf("%d originals after the lost commit, want 2: its own and the committed one", n)
	}
	// The original and chip of a case whose record is gone, and an original that names no case.
	gone, orphan, noCase := childmatch.NewID(), childmatch.NewID(), childmatch.NewID()
	for _, b := range []struct {
		kind       childmatch.BlobKind
		id, caseID childmatch.ID
	}{{childmatch.BlobPhoto, orphan, gone}, {childmatch.BlobChip, childmatch.NewID(), gone}, {childmatch.BlobPhoto, noCase, childmatch.ID{}}} {
		if err := w.store.PutBlob(w.ctx, b.kind, b.id, b.caseID, "image/jpeg", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}

	w.now = w.now.Add(judgeable - time.Second)
	if rep := w.sweep(); rep.Photos+rep.Chips != 0 || rep.Young != 7 {
		t.Fatalf("sweeping blobs younger than grace and deadline: %+v, want none deleted, 7 young", rep)
	}
	w.now = w.now.Add(2 * time.Second)
	rep := w.sweep()
	if rep.Photos != 2 || rep.Chips != 2 || rep.Kept != 2 || rep.Unknown != 1 || rep.Young != 0 {
		t.Fatalf("sweep: %+v, want 2 photos and 2 chips deleted, 2 kept, 1 unknown", rep)
	}
	photos := w.blobIDs(childmatch.BlobPhoto)
	if len(photos) != 2 || !slices.Contains(photos, kept.ID) || !slices.Contains(photos, noCase) {
		t.Fatalf("originals left %v, want the committed %s and the one of no case %s", photos, kept.ID, noCase)
	}
	if chips := w.blobIDs(childmatch.BlobChip); len(chips) != 1 || chips[0] != kept.Faces[0].ID {
		t.Fatalf("chips left %v, want the committed one %s", chips, kept.Faces[0].ID)
	}
	if got := w.events(orphan.String()); !slices.Equal(got, []string{"photo.sweep"}) {
		t.Fatalf("audit events of a swept photo: %v", got)
	}
	if rep := w.sweep(); rep.Photos+rep.Chips != 0 || rep.Kept != 2 {
		t.Fatalf("a second sweep: %+v, want nothing more deleted", rep)
	}
}

// commitDuringSweep is a store whose blob listing, once done, lets an upload's commit land: the record is
// rewritten between the sweeper's listing and its deletions.
type commitDuringSweep struct {
	*inmem.Store
	commit func()
}

func (s commitDuringSweep) WalkBlobs(ctx context.Context, kind childmatch.BlobKind, fn func(childmatch.BlobInfo) error) error {
	err := s.Store.WalkBlobs(ctx, kind, fn)
	if kind == childmatch.BlobChip {
		s.commit()
	}
	return err
}

// TestSweepReadsTheRecordLast: a record that comes to refer to a blob after the sweeper listed it (here,
// absurdly late, to prove the order) keeps the blob: the sweeper judges by the record as it is right before
// the deletion.
func TestSweepReadsTheRecordLast(t *testing.T) {
	w := newWorld(t)
	c := w.newCase(w.shelter, childmatch.KindFound)
	photo := childmatch.Photo{ID: childmatch.NewID(), Faces: []childmatch.Face{{ID: childmatch.NewID()}}}
	photo.Faces[0].PhotoID = photo.ID
	for _, b := range []struct {
		kind childmatch.BlobKind
		id   childmatch.ID
	}{{childmatch.BlobPhoto, photo.ID}, {childmatch.BlobChip, photo.Faces[0].ID}} {
		if err := w.store.PutBlob(w.ctx, b.kind, b.id, c.ID, "image/jpeg", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	w.now = w.now.Add(2 * judgeable)
	store := commitDuringSweep{Store: w.store, commit: func() {
		if _, err := w.store.UpdateCase(w.ctx, c.ID, func(c *childmatch.Case) error {
			c.Photos = append(c.Photos, photo)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}}
	rep, err := w.over(store, inmem.Faces{}).Sweep(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Photos+rep.Chips != 0 || rep.Kept != 2 || len(w.blobIDs(childmatch.BlobPhoto)) != 1 || len(w.blobIDs(childmatch.BlobChip)) != 1 {
		t.Fatalf("sweep while the record was rewritten: %+v; want both blobs kept", rep)
	}
}

// TestErasureIsComplete: erasing a case removes its record, original, chip, review items and its alert's
// deliveries, and the next index snapshot holds none of its faces (the one before did); a review item of a
// case erased behind the service's back (its proposal landing after the erasure) is removed by the
// sweeper, and so are the deliveries an erasure left.
func TestErasureIsComplete(t *testing.T) {
	w := newWorld(t)
	missing, found, asha := w.pair(0.3)
	other := w.newCase(w.shelter, childmatch.KindFound)
	w.upload(w.shelter, other, w.near(asha, 0.35))
	if n := w.store.Reviews(); n != 3 {
		t.Fatalf("%d review items, want 3 (two matches, one same child)", n)
	}
	facesIn := func(id childmatch.ID) int {
		t.Helper()
		if err := w.follower.Save(w.ctx); err != nil {
			t.Fatal(err)
		}
		r, err := w.store.OpenSnapshot(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ix := index.New()
		if _, err := ix.ReadSnapshot(r); err != nil {
			t.Fatal(err)
		}
		return ix.RemoveCase(id)
	}
	if n := facesIn(missing.ID); n != 1 {
		t.Fatalf("the snapshot before erasure holds %d faces of the case, want 1", n)
	}

	if err := w.svc.DeleteCase(w.ctx, w.admin, missing.ID, childmatch.DeletedErasure); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Case(w.ctx, missing.ID); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Fatalf("the erased record: %v", err)
	}
	if !slices.Equal(w.sent.erased, []childmatch.ID{missing.ID}) {
		t.Fatalf("the outbox was told to erase the deliveries of %v, want the erased case's alert", w.sent.erased)
	}
	if p, f := w.store.Blobs(childmatch.BlobPhoto), w.store.Blobs(childmatch.BlobChip); p != 2 || f != 2 {
		t.Fatalf("%d originals and %d chips left, want the other cases' 2 and 2", p, f)
	}
	if n := w.store.Reviews(); n != 1 {
		t.Fatalf("%d review items left, want only the one between the other two cases", n)
	}
	if n := facesIn(missing.ID); n != 0 {
		t.Fatalf("the snapshot after erasure holds %d faces of the erased case", n)
	}
	if n := facesIn(found.ID); n != 1 {
		t.Fatalf("the snapshot after erasure holds %d faces of a kept case, want 1", n)
	}

	if err := w.store.DeleteCase(w.ctx, other.ID); err != nil { // gone without the service removing its items
		t.Fatal(err)
	}
	// Deliveries an erasure left (this world's outbox only notes the erasure): the erased case's go, the
	// kept case's stay.
	for _, c := range []*childmatch.Case{missing, found} {
		m := childmatch.Message{Seq: 1, At: w.now}
		if err := w.store.CreateBatches(w.ctx, []*childmatch.Batch{{Key: childmatch.BatchKey(c.ID, m, 0), Alert: c.ID, Seq: 1,
			Deliveries: []*childmatch.Delivery{{ID: childmatch.NewID(), Alert: c.ID, Case: c.ID, Seq: 1, Status: childmatch.DeliverySent}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if rep := w.sweep(); rep.Reviews != 1 || w.store.Reviews() != 0 || rep.Deliveries != 1 {
		t.Fatalf("sweep: %+v, %d review items left; want the orphaned one and the erased case's deliveries removed", rep, w.store.Reviews())
	}
	if ds, _ := w.store.AlertDeliveries(w.ctx, missing.ID); len(ds) != 0 {
		t.Errorf("the erased case's deliveries are still kept: %d", len(ds))
	}
	if ds, _ := w.store.AlertDeliveries(w.ctx, found.ID); len(ds) != 1 {
		t.Errorf("the kept case's deliveries: %d, want 1", len(ds))
	}
}

// slowFaces is a face analyzer that finishes only when released.
type slowFaces struct {
	inmem.Faces
	release chan struct{}
}

func (f slowFaces) Analyze(ctx context.Context, data []byte) (*childmatch.Analysis, error) {
	<-f.release
	return f.Faces.Analyze(ctx, data)
}

// TestUploadStopsAtTheDeadline: an upload whose analysis outlasts the request's deadline answers
// unavailable at the deadline, not when the analysis ends, and leaves no blob behind and the case as it was.
func TestUploadStopsAtTheDeadline(t *testing.T) {
	w := newWorld(t)
	c := w.newCase(w.officer, childmatch.KindMissing)
	faces := slowFaces{release: make(chan struct{})}
	defer close(faces.release)
	ctx, cancel := context.WithTimeout(w.ctx, 50*time.Millisecond)
	defer cancel()
	_, err := w.over(w.store, faces).AddPhoto(ctx, w.officer, c.ID, inmem.Photo(w.person()), 0)
	if childmatch.ErrorCodeOf(err) != childmatch.EUnavailable {
		t.Fatalf("an upload past its deadline: %v, want unavailable", err)
	}
	if n := w.store.Blobs(childmatch.BlobPhoto) + w.store.Blobs(childmatch.BlobChip); n != 0 {
		t.Fatalf("%d blobs left behind", n)
	}
	if p := w.read(c.ID).Photos; len(p) != 0 {
		t.Fatalf("the case holds %d photos", len(p))
	}
}

// TestErasedCasesAlert: an erasure that stopped after the case's record, before its alert, leaves the
// alert behind. No post is chased for it meanwhile, and the sweeper removes it, with an audit event,
// and has the outbox erase its deliveries; the alert of a case that is kept stays and is chased.
func TestErasedCasesAlert(t *testing.T) {
	w := newWorld(t)
	w.post("GRP Bhopal", childmatch.PostGRP, childmatch.Area{States: []string{"Madhya Pradesh"}}, func(d *childmatch.PostDetails) {
		d.Webhooks = []childmatch.Webhook{{URL: "https://partner.example/hook", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}
	})
	kept := w.newCase(w.officer, childmatch.KindMissing, where("Madhya Pradesh", "Bhopal"))
	gone := w.newCase(w.officer, childmatch.KindMissing, where("Madhya Pradesh", "Bhopal"))
	if got := w.sent.take(); len(got) != 2 {
		t.Fatalf("raising two alerts dispatched %+v", got)
	}
	if err := w.store.DeleteCase(w.ctx, gone.ID); err != nil { // the erasure stopped here
		t.Fatal(err)
	}

	w.now = w.now.Add(childmatch.DefaultLimits(1).AlertAck)
	if err := w.alerts.Escalate(w.ctx); err != nil {
		t.Fatal(err)
	}
	chased := map[childmatch.ID]int{}
	for _, s := range w.sent.take() {
		chased[s.alert]++
	}
	if chased[gone.ID] != 0 || chased[kept.ID] == 0 {
		t.Fatalf("escalation chased %v; want the kept case's silent post only, none for the erased case", chased)
	}

	rep := w.sweep()
	if rep.Alerts != 1 {
		t.Fatalf("sweep: %+v, want the erased case's alert removed", rep)
	}
	if _, err := w.store.Alert(w.ctx, gone.ID); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Errorf("the erased case's alert: %v, want it gone", err)
	}
	if _, err := w.store.Alert(w.ctx, kept.ID); err != nil {
		t.Errorf("the kept case's alert: %v", err)
	}
	if !slices.Equal(w.sent.erased, []childmatch.ID{gone.ID}) {
		t.Errorf("the outbox was told to erase the deliveries of %v, want the erased case's alert", w.sent.erased)
	}
	if got := w.events(gone.ID.String()); !slices.Equal(got, []string{"alert.sweep"}) {
		t.Errorf("audit events of the swept alert: %v", got)
	}
	if rep := w.sweep(); rep.Alerts != 0 {
		t.Errorf("a second sweep: %+v, want nothing more removed", rep)
	}
}
