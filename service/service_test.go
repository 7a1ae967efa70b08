package service_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/inmem"
	"childmatch/service"
)

// TestUploadProposes: a found child's photo near a missing child's proposes the pair as a match (the
// missing case first) and answers it as a candidate under the threshold; a second found child near the
// first is also proposed as the same child; a stranger proposes nothing. Every upload stores its original
// and one chip per face.
func TestUploadProposes(t *testing.T) {
	w := newWorld(t)
	asha := w.person()
	missing := w.newCase(w.officer, childmatch.KindMissing)
	w.upload(w.officer, missing, asha)
	stranger := w.newCase(w.officer, childmatch.KindMissing)
	w.upload(w.officer, stranger, w.person())

	found := w.newCase(w.shelter, childmatch.KindFound)
	res := w.upload(w.shelter, found, w.near(asha, 0.35))
	cands := res.Faces[0].Candidates
	if len(cands) != 2 || cands[0].Case.ID != missing.ID || !cands[0].UnderThreshold || cands[1].UnderThreshold {
		t.Fatalf("candidates %+v: want the missing case first under the threshold, the stranger over it", cands)
	}
	q := w.queue()
	if len(q) != 1 || q[0].Type != childmatch.ReviewMatch || q[0].CaseA != missing.ID || q[0].CaseB != found.ID ||
		q[0].State != childmatch.ReviewPending || q[0].Support != 1 {
		t.Fatalf("queue %+v: want one pending match, missing case first", q)
	}

	again := w.newCase(w.shelter, childmatch.KindFound)
	w.upload(w.shelter, again, w.near(asha, 0.3))
	types := map[childmatch.ReviewType]int{}
	for _, item := range w.queue() {
		types[item.Type]++
		if item.Type == childmatch.ReviewSameChild && (item.CaseA != found.ID || item.CaseB != again.ID) {
			t.Errorf("same-child item %s-%s: want the older case first", item.CaseA, item.CaseB)
		}
	}
	if types[childmatch.ReviewMatch] != 2 || types[childmatch.ReviewSameChild] != 1 {
		t.Fatalf("queue holds %v: want 2 matches and 1 same-child item", types)
	}
	if n, m := w.store.Blobs(childmatch.BlobPhoto), w.store.Blobs(childmatch.BlobChip); n != 4 || m != 4 {
		t.Fatalf("%d originals and %d chips stored, want 4 and 4", n, m)
	}
}

// TestRefusedPhotoStoresNothing: a photo with no face, or no photo at all, is refused and leaves no blob
// and no change to the case.
func TestRefusedPhotoStoresNothing(t *testing.T) {
	w := newWorld(t)
	c := w.newCase(w.officer, childmatch.KindMissing)
	for _, tc := range []struct {
		data []byte
		code childmatch.ErrorCode
	}{{inmem.Photo(), childmatch.ENoFace}, {[]byte("GIF89a..."), childmatch.EUnsupportedMedia}} {
		_, err := w.svc.AddPhoto(w.ctx, w.officer, c.ID, tc.data, 0)
		if childmatch.ErrorCodeOf(err) != tc.code {
			t.Errorf("want %s, got %v", tc.code, err)
		}
	}
	if n := w.store.Blobs(childmatch.BlobPhoto) + w.store.Blobs(childmatch.BlobChip); n != 0 {
		t.Errorf("%d blobs left behind", n)
	}
	if p := w.read(c.ID).Photos; len(p) != 0 {
		t.Errorf("the case holds %d photos", len(p))
	}
}

// TestChipsBeforeRecord: an upload's chips are stored while its case record is read, and the record is
// written only once every chip is: a chip that takes its time is never referenced before it exists, and a
// chip that cannot be stored leaves no blob and no change to the case.
func TestChipsBeforeRecord(t *testing.T) {
	w := newWorld(t)
	c := w.newCase(w.officer, childmatch.KindMissing)
	early := 0
	w.store.BeforePut = func(kind childmatch.BlobKind) error {
		if kind == childmatch.BlobChip {
			time.Sleep(20 * time.Millisecond)
			if len(w.read(c.ID).Photos) > 0 {
				early++
			}
		}
		return nil
	}
	w.upload(w.officer, c, w.person(), w.person())
	if p := w.read(c.ID).Photos; len(p) != 1 || len(p[0].Faces) != 2 || early != 0 {
		t.Fatalf("the case holds %d photos; the record referred to the photo before %d of its chips were stored", len(p), early)
	}

	other := w.newCase(w.officer, childmatch.KindMissing)
	before := w.store.Blobs(childmatch.BlobPhoto) + w.store.Blobs(childmatch.BlobChip)
	w.store.BeforePut = func(kind childmatch.BlobKind) error {
		if kind == childmatch.BlobChip {
			return childmatch.Unavailable("the store", errors.New("disk full"))
		}
		return nil
	}
	_, err := w.svc.AddPhoto(w.ctx, w.officer, other.ID, inmem.Photo(w.person(), w.person()), 0)
	if childmatch.ErrorCodeOf(err) != childmatch.EUnavailable {
		t.Fatalf("want %s, got %v", childmatch.EUnavailable, err)
	}
	if n := w.store.Blobs(childmatch.BlobPhoto) + w.store.Blobs(childmatch.BlobChip); n != before {
		t.Errorf("%d blobs stored, want the %d of the first upload", n, before)
	}
	if p := w.read(other.ID).Photos; len(p) != 0 {
		t.Errorf("the case holds %d photos", len(p))
	}
}

// TestRejectedPairComesBack: a rejected pair stays rejected when a new photo is only a little closer,
// and is proposed again, with a note saying why, when one is ReopenMargin closer than when it was rejected.
func TestRejectedPairComesBack(t *testing.T) {
	w := newWorld(t)
	_, found, asha := w.pair(0.5)
	id := w.queue()[0].ID
	w.decide(id, childmatch.ReviewRejected)

	w.upload(w.shelter, found, w.near(asha, 0.5-childmatch.ReopenMargin/2))
	if q := w.queue(); len(q) != 1 || q[0].State != childmatch.ReviewRejected {
		t.Fatalf("a little closer: %+v, want still rejected", q)
	}
	w.upload(w.shelter, found, w.near(asha, 0.5-childmatch.ReopenMargin*1.5))
	q := w.queue()
	if len(q) != 1 || q[0].State != childmatch.ReviewPending {
		t.Fatalf("much closer: %+v, want pending again", q)
	}
	if !slices.ContainsFunc(q[0].Notes, func(n childmatch.Note) bool { return n.Kind == "reopened" }) {
		t.Errorf("notes %+v: want one saying why it came back", q[0].Notes)
	}
	if q[0].Support != 3 {
		t.Errorf("support %d, want 3 (three pairs under the threshold)", q[0].Support)
	}
}

// TestConfirmLinksAndUndo: confirming a match links both cases and moves them to matched, out of default
// searches and proposals; revising the decision unlinks them and brings them back; closing a case closes
// its confirmed match with it.
func TestConfirmLinksAndUndo(t *testing.T) {
	w := newWorld(t)
	missing, found, asha := w.pair(0.3)
	id := w.queue()[0].ID

	w.decide(id, childmatch.ReviewConfirmed)
	for _, c := range []*childmatch.Case{w.read(missing.ID), w.read(found.ID)} {
		if c.Status != childmatch.StatusMatched || len(c.Links) != 1 || c.Links[0].Review != id {
			t.Fatalf("case %s after confirmation: status %s, links %+v", c.ID, c.Status, c.Links)
		}
	}
	if ids := w.searchIDs(childmatch.SearchQuery{}, asha); len(ids) != 0 {
		t.Errorf("a default search still finds matched cases: %v", ids)
	}
	if ids := w.searchIDs(childmatch.SearchQuery{AnyStatus: true}, asha); !slices.Equal(ids, []childmatch.ID{missing.ID}) {
		t.Errorf("a search of any status finds %v, want the missing case", ids)
	}

	w.decide(id, childmatch.ReviewUnsure)
	for _, c := range []*childmatch.Case{w.read(missing.ID), w.read(found.ID)} {
		if c.Status != childmatch.StatusOpen || len(c.Links) != 0 {
			t.Fatalf("case %s after revision: status %s, links %+v", c.ID, c.Status, c.Links)
		}
	}
	if ids := w.searchIDs(childmatch.SearchQuery{}, asha); !slices.Equal(ids, []childmatch.ID{missing.ID}) {
		t.Errorf("after revision a default search finds %v, want the missing case", ids)
	}

	w.decide(id, childmatch.ReviewConfirmed)
	if _, err := w.svc.CloseCase(w.ctx, w.officer, missing.ID, childmatch.OutcomeReunited, "with family"); err != nil {
		t.Fatal(err)
	}
	if c := w.read(found.ID); c.Status != childmatch.StatusClosed || c.Outcome == nil || c.Outcome.Kind != childmatch.OutcomeReunited {
		t.Errorf("the confirmed match is %s (%+v), want closed as reunited", c.Status, c.Outcome)
	}
	if err := w.svc.DeleteCase(w.ctx, w.admin, found.ID, childmatch.DeletedDuplicate); childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		t.Errorf("deleting a linked case: %v, want a conflict", err)
	}
}

// TestAgeWarning: a found child whose age does not fit the missing child's age plus the years since is
// still proposed, with a warning, and ranked behind an item of the same distance without one.
func TestAgeWarning(t *testing.T) {
	w := newWorld(t)
	then := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	asha, ravi := w.person(), w.person()
	m1 := w.newCase(w.officer, childmatch.KindMissing, age(8), seen(then))
	w.upload(w.officer, m1, asha)
	m2 := w.newCase(w.officer, childmatch.KindMissing, age(8), seen(then))
	w.upload(w.officer, m2, ravi)
	fits := w.newCase(w.shelter, childmatch.KindFound, age(14))
	w.upload(w.shelter, fits, w.near(asha, 0.4))
	young := w.newCase(w.shelter, childmatch.KindFound, age(8))
	w.upload(w.shelter, young, w.near(ravi, 0.4))

	q := w.queue()
	if len(q) != 2 || q[0].CaseB != fits.ID || q[1].CaseB != young.ID {
		t.Fatalf("queue order %+v: want the consistent pair first", q)
	}
	if len(q[0].Notes) != 0 || len(q[1].Notes) != 1 || q[1].Notes[0].Kind != "age" || !strings.Contains(q[1].Notes[0].Message, "about 14") {
		t.Fatalf("notes %+v / %+v: want only an age warning on the second", q[0].Notes, q[1].Notes)
	}
}

// TestStats: counts per state and district of the cases created, the items proposed, confirmed and
// rejected (where their missing case was seen), the reunions and the median time to a confirmed match.
func TestStats(t *testing.T) {
	w := newWorld(t)
	mp, up := where("Madhya Pradesh", "Bhopal"), where("Uttar Pradesh", "Lucknow")
	a, b := w.person(), w.person()
	ma := w.newCase(w.officer, childmatch.KindMissing, mp)
	w.upload(w.officer, ma, a)
	mb := w.newCase(w.officer, childmatch.KindMissing, mp)
	w.upload(w.officer, mb, b)
	w.newCase(w.officer, childmatch.KindMissing, up)
	fa := w.newCase(w.shelter, childmatch.KindFound, up)
	w.upload(w.shelter, fa, w.near(a, 0.3))
	fb := w.newCase(w.shelter, childmatch.KindFound, up)
	w.upload(w.shelter, fb, w.near(b, 0.3))
	items := w.queue()
	w.now = w.now.Add(30 * time.Hour)
	for _, item := range items {
		state := childmatch.ReviewRejected
		if item.CaseA == ma.ID {
			state = childmatch.ReviewConfirmed
		}
		w.decide(item.ID, state)
	}
	if _, err := w.svc.CloseCase(w.ctx, w.reviewer, ma.ID, childmatch.OutcomeReunited, ""); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.AddDate(0, 1, 0) // a report the month after
	w.newCase(w.officer, childmatch.KindMissing, mp)
	stats, err := w.svc.Stats(w.ctx, w.admin, childmatch.StatsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := []childmatch.Stats{
		{State: "Madhya Pradesh", District: "Bhopal", Missing: 3, Proposed: 2, Confirmed: 1, Rejected: 1, Reunited: 1,
			MedianHoursToMatch: 30, Matched: 1, MedianDaysToMatch: 1.25, Months: []childmatch.MonthStats{
				{Month: "2026-11", Missing: 2, Matched: 1, Reunited: 1, MedianDaysToMatch: 1.25}, {Month: "2026-12", Missing: 1}}},
		{State: "Uttar Pradesh", District: "Lucknow", Missing: 1, Found: 2, Reunited: 1, MedianHoursToMatch: 30,
			Matched: 1, MedianDaysToMatch: 1.25, Months: []childmatch.MonthStats{
				{Month: "2026-11", Missing: 1, Found: 2, Matched: 1, Reunited: 1, MedianDaysToMatch: 1.25}}},
	}
	if !reflect.DeepEqual(stats, want) {
		t.Fatalf("stats\n%+v\nwant\n%+v", stats, want)
	}
	only, err := w.svc.Stats(w.ctx, w.admin, childmatch.StatsQuery{State: "uttar pradesh"})
	if err != nil || len(only) != 1 || only[0].State != "Uttar Pradesh" {
		t.Fatalf("stats of one state: %+v %v", only, err)
	}
	all, err := w.svc.Stats(w.ctx, w.admin, childmatch.StatsQuery{By: "all"})
	if err != nil || len(all) != 1 || all[0].Missing != 4 || all[0].Found != 2 || all[0].Matched != 2 || all[0].Reunited != 2 ||
		all[0].MedianDaysToMatch != 1.25 || len(all[0].Months) != 2 {
		t.Fatalf("national figures: %+v %v", all, err)
	}
	if _, err := w.svc.Stats(w.ctx, w.admin, childmatch.StatsQuery{By: "city"}); childmatch.ErrorField(err) != "by" {
		t.Errorf("grouped by city: %v", err)
	}
	if _, err := w.svc.Stats(w.ctx, w.reviewer, childmatch.StatsQuery{}); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("a reviewer reads statistics: %v", err)
	}
}

// TestSearchChecks: a search's fields are checked once, in the service, naming the field.
func TestSearchChecks(t *testing.T) {
	w := newWorld(t)
	photo := inmem.Photo(w.person())
	for field, q := range map[string]childmatch.SearchQuery{
		"kind":     {Kind: "lost"},
		"limit":    {Limit: -1},
		"gender":   {Gender: "boy"},
		"min_age":  {MinAge: 9, MaxAge: 3},
		"state":    {District: "Bhopal"},
		"until":    {From: w.now, Until: w.now.Add(-48 * time.Hour)},
		"district": {State: "MP", District: strings.Repeat("x", childmatch.MaxShortText+1)},
	} {
		if _, err := w.svc.Search(w.ctx, w.officer, photo, q); childmatch.ErrorField(err) != field {
			t.Errorf("want field %s refused, got %v", field, err)
		}
	}
	if _, err := w.svc.Search(w.ctx, w.shelter, photo, childmatch.SearchQuery{}); childmatch.ErrorCodeOf(err) != childmatch.EForbidden {
		t.Errorf("a shelter searches: %v", err)
	}
	if _, err := w.svc.ListCases(w.ctx, w.officer, childmatch.CaseQuery{Limit: -1}); childmatch.ErrorField(err) != "limit" {
		t.Errorf("a negative page size: %v", err)
	}
}

// TestVisibility: a shelter sees its own organisation's cases only; to it another's case does not exist,
// for reading and for uploading alike; every read is in the audit trail.
func TestVisibility(t *testing.T) {
	w := newWorld(t)
	mine := w.newCase(w.shelter, childmatch.KindFound)
	theirs := w.newCase(w.officer, childmatch.KindMissing)
	if _, _, err := w.svc.Case(w.ctx, w.shelter, mine.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.svc.Case(w.ctx, w.shelter, theirs.ID); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Errorf("another organisation's case: %v, want not found", err)
	}
	if _, err := w.svc.AddPhoto(w.ctx, w.shelter, theirs.ID, inmem.Photo(w.person()), 0); childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		t.Errorf("uploading to another organisation's case: %v, want not found", err)
	}
	page, err := w.svc.ListCases(w.ctx, w.shelter, childmatch.CaseQuery{})
	if err != nil || len(page.Cases) != 1 || page.Cases[0].ID != mine.ID {
		t.Fatalf("the shelter lists %+v (%v), want its own case only", page, err)
	}
	trail, err := w.svc.AuditEvents(w.ctx, w.admin, childmatch.AuditQuery{Case: mine.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range trail.Events {
		actions = append(actions, e.Action)
	}
	if want := []string{"case.create", "case.read", "case.list"}; !slices.Equal(actions, want) {
		t.Errorf("audit of the case: %v, want %v", actions, want)
	}
}

// panicky is a face pipeline with a bug: it panics on every photo.
type panicky struct{ inmem.Faces }

func (panicky) Analyze(context.Context, []byte) (*childmatch.Analysis, error) { panic("a decoder bug") }

// TestPipelinePanic: a panic in the face pipeline, which runs on a goroutine of its own, answers an
// internal error and leaves nothing stored, instead of ending the process.
func TestPipelinePanic(t *testing.T) {
	w := newWorld(t)
	svc := service.New(service.Deps{Store: w.store, Reviews: w.store, Audit: w.store, Faces: panicky{},
		Index: w.follower, Catalog: w.follower, Limits: childmatch.DefaultLimits(1), Log: quiet})
	c := w.newCase(w.officer, childmatch.KindMissing)
	if _, err := svc.AddPhoto(w.ctx, w.officer, c.ID, inmem.Photo(w.person()), 0); childmatch.ErrorCodeOf(err) != childmatch.EInternal {
		t.Fatalf("a panicking pipeline: %v, want an internal error", err)
	}
	if n := w.store.Blobs(childmatch.BlobPhoto); n != 0 {
		t.Fatalf("%d photos left behind", n)
	}
}

// secondModel is the fake analyzer with a second face model: each face also carries a vector of model
// "second", here its descriptor's first components doubled.
type secondModel struct{ inmem.Faces }

func (f secondModel) Analyze(ctx context.Context, data []byte) (*childmatch.Analysis, error) {
	a, err := f.Faces.Analyze(ctx, data)
	if err != nil {
		return nil, err
	}
	for i := range a.Faces {
		v := make([]float32, 8)
		for j := range v {
			v[j] = 2 * a.Faces[i].Descriptor[j]
		}
		a.Faces[i].Embeddings = map[string][]float32{"second": v}
	}
	return a, nil
}

// TestOtherModelsStored: the vectors of the models beside dlib are kept in the case record, face by face.
func TestOtherModelsStored(t *testing.T) {
	w := newWorldWith(t, secondModel{})
	c := w.newCase(w.officer, childmatch.KindMissing)
	a, b := w.person(), w.person()
	w.upload(w.officer, c, a, b)
	faces := w.read(c.ID).Faces()
	if len(faces) != 2 {
		t.Fatalf("%d faces stored", len(faces))
	}
	for _, f := range faces {
		v := f.Embeddings["second"]
		if len(f.Embeddings) != 1 || len(v) != 8 || v[0] != 2*f.Descriptor[0] || v[7] != 2*f.Descriptor[7] {
			t.Errorf("face %s: embeddings %v for descriptor %v", f.ID, f.Embeddings, f.Descriptor[:8])
		}
	}
}
