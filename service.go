package childmatch

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Deps are what a Service is built from. The MinIO store is Store, ReviewStore, UserStore and AuditLog at
// once; they are separate interfaces because each part of the service needs only its own.
type Deps struct {
	Store   Store
	Reviews ReviewStore
	Users   UserStore
	Audit   AuditLog
	Faces   FaceAnalyzer
	Index   FaceIndex
	// Changes and Snapshots let the index start from a snapshot and follow other processes (follow.go);
	// without them it is rebuilt from every record at start and follows only this process's changes.
	Changes   ChangeFeed
	Snapshots SnapshotStore
	Limits    Limits
	Log       *slog.Logger
	// AdminToken is the bootstrap token from the environment: it acts as an admin with no stored user.
	AdminToken string
}

// Service is the path of a photo through childmatch: analysed by the face pipeline, stored (the commit
// point), then indexed, matched and proposed for review. Every method takes the acting user, checks their
// roles here, in one place, and records the action in the audit trail before answering.
type Service struct {
	store     Store
	reviews   ReviewStore
	users     UserStore
	audit     AuditLog
	faces     FaceAnalyzer
	index     FaceIndex
	changes   ChangeFeed
	snapshots SnapshotStore
	follow    followState
	limits    Limits
	log       *slog.Logger
	adminHash [sha256.Size]byte
	now       func() time.Time
}

// NewService wires a Service. The index starts empty: call OpenIndex (or Rebuild) before serving.
func NewService(d Deps) *Service {
	return &Service{store: d.Store, reviews: d.Reviews, users: d.Users, audit: d.Audit, faces: d.Faces,
		index: d.Index, changes: d.Changes, snapshots: d.Snapshots, limits: d.Limits, log: d.Log, adminHash: sha256.Sum256([]byte(d.AdminToken)), now: time.Now}
}

// Limits returns the deployment's limits.
func (s *Service) Limits() Limits { return s.limits }

// IndexedFaces returns the number of faces in the index.
func (s *Service) IndexedFaces() int { return s.index.Len() }

// Ping checks the store.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// Rebuild replaces the index's contents with every stored case's faces and returns how many there are.
func (s *Service) Rebuild(ctx context.Context) (int, error) {
	s.index.Clear()
	n := 0
	err := s.store.WalkCases(ctx, ID{}, func(c *Case) (bool, error) {
		n += s.indexCase(c)
		return true, nil
	})
	return n, err
}

func (s *Service) indexCase(c *Case) int {
	attrs := attrsOf(c)
	n := 0
	for _, p := range c.Photos {
		for i := range p.Faces {
			f := &p.Faces[i]
			s.index.Add(FaceRef{FaceID: f.ID, CaseID: c.ID}, &f.Descriptor, attrs)
			n++
		}
	}
	return n
}

func attrsOf(c *Case) FaceAttrs {
	date := c.Sighting.Time
	if date.IsZero() {
		date = c.CreatedAt
	}
	return FaceAttrs{Kind: c.Kind, Status: c.Status, Gender: c.Child.Gender, Age: c.Child.Age,
		State: c.Sighting.State, District: c.Sighting.District, Date: date}
}

// CreateCase validates details and stores a new open case. Officers file missing reports; shelters and
// officers record found children.
func (s *Service) CreateCase(ctx context.Context, actor Actor, d CaseDetails) (*Case, error) {
	if err := s.requireCreate(actor, d.Kind); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if err := d.Validate(now); err != nil {
		return nil, err
	}
	c := &Case{ID: NewID(), CaseDetails: d, Status: StatusOpen, Photos: []Photo{}, Organisation: actor.Organisation,
		CreatedAt: now, CreatedBy: actor.ID, UpdatedAt: now}
	if err := s.store.CreateCase(ctx, c); err != nil {
		return nil, err
	}
	if err := s.record(ctx, actor, "case.create", []ID{c.ID}, ""); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) requireCreate(actor Actor, kind Kind) error {
	if kind == KindMissing {
		return actor.Require("filing a missing report", RoleOfficer)
	}
	return actor.Require("recording a found child", RoleShelter, RoleOfficer)
}

// Case returns a stored case the actor may see, with its current candidates: for each open case of the
// opposite kind, its best pair of faces with this case's faces, nearest first. The audit event names the
// case and every candidate shown.
func (s *Service) Case(ctx context.Context, actor Actor, id ID) (*Case, []Candidate, error) {
	c, err := s.readableCase(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	cands, err := s.caseCandidates(ctx, c, DefaultSearchLimit)
	if err != nil {
		return nil, nil, err
	}
	ids := []ID{id}
	for _, cd := range cands {
		ids = append(ids, cd.Case.ID)
	}
	if err := s.record(ctx, actor, "case.read", ids, ""); err != nil {
		return nil, nil, err
	}
	return c, cands, nil
}

// readableCase reads a case and checks the actor may see it. A shelter sees its own organisation's cases
// only; to anyone else it answers as if the case did not exist, so ids cannot be probed.
func (s *Service) readableCase(ctx context.Context, actor Actor, id ID) (*Case, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSee(actor, c) {
		return nil, Errorf(ENotFound, "no case with id %s", id)
	}
	return c, nil
}

// canSee: officers, reviewers and admins see every case; a shelter its own organisation's.
func canSee(actor Actor, c *Case) bool {
	return actor.Has(RoleOfficer, RoleReviewer) ||
		(actor.Has(RoleShelter) && actor.Organisation != "" && c.Organisation == actor.Organisation)
}

// CaseQuery selects a page of cases.
type CaseQuery struct {
	Kind   Kind   // "" = any
	Status Status // "" = any
	Limit  int
	After  ID // the cursor: the last id of the previous page; zero = from the start
}

// CasePage is a page of cases in creation order; Next is the cursor of the next page, zero at the end.
type CasePage struct {
	Cases []*Case
	Next  ID
}

// ListCases returns a page of the cases the actor may see that match q.
func (s *Service) ListCases(ctx context.Context, actor Actor, q CaseQuery) (*CasePage, error) {
	if err := actor.Require("listing cases", RoleShelter, RoleOfficer, RoleReviewer); err != nil {
		return nil, err
	}
	if q.Kind != "" && !q.Kind.Valid() {
		return nil, FieldError("kind", `must be "missing" or "found"`)
	}
	if q.Status != "" && !q.Status.Valid() {
		return nil, FieldError("status", `must be "open", "matched" or "closed"`)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultPageSize
	}
	if q.Limit > MaxPageSize {
		return nil, FieldError("limit", "must be at most %d", MaxPageSize)
	}
	page := &CasePage{Cases: []*Case{}}
	err := s.store.WalkCases(ctx, q.After, func(c *Case) (bool, error) {
		if (q.Kind != "" && c.Kind != q.Kind) || (q.Status != "" && c.Status != q.Status) || !canSee(actor, c) {
			return true, nil
		}
		if len(page.Cases) == q.Limit {
			page.Next = page.Cases[len(page.Cases)-1].ID
			return false, nil
		}
		page.Cases = append(page.Cases, c)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]ID, len(page.Cases))
	for i, c := range page.Cases {
		ids[i] = c.ID
	}
	if err := s.record(ctx, actor, "case.list", ids, ""); err != nil {
		return nil, err
	}
	return page, nil
}

// Candidate is a case whose face lies near a query face. The machine never decides: a candidate under the
// review threshold is put before a reviewer, nothing more.
type Candidate struct {
	Case     Summary `json:"case"`
	PhotoID  ID      `json:"photo_id"`
	FaceID   ID      `json:"face_id"`
	Distance float32 `json:"distance"`
	// UnderThreshold: the distance is under the deployment's review threshold.
	UnderThreshold bool `json:"under_threshold"`
}

// FaceMatches is one face of a photo and the cases nearest to it.
type FaceMatches struct {
	Face       Face        `json:"face"`
	Candidates []Candidate `json:"candidates"`
}

// PhotoResult is the answer to an upload: the stored photo and, per face, its candidates.
type PhotoResult struct {
	CaseID ID            `json:"case_id"`
	Photo  Photo         `json:"photo"`
	Faces  []FaceMatches `json:"faces"`
}

// AddPhoto analyses a photo of a case, stores it with its face chips, commits it to the case record, then
// indexes its faces and matches each against the cases of the opposite kind. A photo with no face is
// refused and nothing is stored. If anything fails before the record is written, the blobs written so far
// are deleted; the record never references a blob that does not exist, and the index never holds a face
// whose record is not stored.
func (s *Service) AddPhoto(ctx context.Context, actor Actor, caseID ID, data []byte, limit int) (*PhotoResult, error) {
	if err := actor.Require("adding a photo", RoleShelter, RoleOfficer); err != nil {
		return nil, err
	}
	c, err := s.readableCase(ctx, actor, caseID)
	if err != nil {
		return nil, err
	}
	if c.Kind == KindMissing && !actor.Has(RoleOfficer) {
		return nil, Errorf(EForbidden, "adding a photo to a missing report needs the role officer")
	}
	if len(c.Photos) >= MaxPhotosPerCase {
		return nil, Errorf(EInvalid, "the case already has %d photos, the most it may hold", MaxPhotosPerCase)
	}
	if limit, err = checkLimit(limit); err != nil {
		return nil, err
	}
	ct, err := s.faces.Sniff(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	photo := Photo{ID: NewID(), ContentType: ct, Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		UploadedAt: s.now().UTC(), UploadedBy: actor.ID}
	// The original is stored while its faces are analysed. Until the record is written (the commit point),
	// any failure or panic removes what was written, the original included even when its put failed (a put
	// can fail after storing); removing a blob never written is harmless, and the id is fresh.
	id := photo.ID
	stored := make(chan error, 1)
	go func() { stored <- s.store.PutBlob(ctx, BlobPhoto, id, caseID, ct, data) }()
	putErr, putDone := error(nil), false
	waitPut := func() error {
		if !putDone {
			putErr, putDone = <-stored, true
		}
		return putErr
	}
	written, committed := []blobRef{{BlobPhoto, id}}, false
	defer func() {
		if !committed {
			waitPut()
			s.deleteBlobs(written)
		}
	}()
	a, err := s.analyze(ctx, data)
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
		photo.Faces = append(photo.Faces, Face{ID: NewID(), PhotoID: photo.ID, Box: df.Box, Landmarks: df.Landmarks,
			Detector: df.Detector, Quality: df.Quality, Descriptor: df.Descriptor})
	}

	chips, err := s.putChips(ctx, caseID, &photo, a)
	written = append(written, chips...)
	if err == nil {
		c, err = s.store.UpdateCase(ctx, caseID, func(c *Case) error {
			if len(c.Photos) >= MaxPhotosPerCase {
				return Errorf(EInvalid, "the case already has %d photos, the most it may hold", MaxPhotosPerCase)
			}
			c.Photos = append(c.Photos, photo)
			c.UpdatedAt = photo.UploadedAt
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	// Committed: from here on the photo exists, and the index may refer to it.
	committed = true
	attrs := attrsOf(c)
	for i := range photo.Faces {
		f := &photo.Faces[i]
		s.index.Add(FaceRef{FaceID: f.ID, CaseID: c.ID}, &f.Descriptor, attrs)
	}
	// The candidates answered need neither the audit record nor the review proposals, so they are found
	// meanwhile; the proposals follow the photo's audit record, as every change follows its own.
	var recorded, proposed error
	var wg sync.WaitGroup
	wg.Go(func() {
		recorded = s.record(ctx, actor, "photo.add", []ID{c.ID}, photo.ID.String())
		if recorded == nil && c.Status == StatusOpen { // matched and closed cases drop out of auto-matching
			proposed = s.propose(ctx, c, photo.Faces)
		}
	})
	res := &PhotoResult{CaseID: c.ID, Photo: photo}
	filter := SearchFilter{Kinds: []Kind{c.Kind.Opposite()}, Statuses: []Status{StatusOpen}, Exclude: c.ID}
	for _, f := range photo.Faces {
		cands, err := s.candidates(ctx, &f.Descriptor, limit, filter)
		if err != nil {
			wg.Wait()
			return nil, err
		}
		res.Faces = append(res.Faces, FaceMatches{Face: f, Candidates: cands})
	}
	wg.Wait()
	if err := cmp.Or(recorded, proposed); err != nil {
		return nil, err
	}
	return res, nil
}

type blobRef struct {
	kind BlobKind
	id   ID
}

// putChips stores the face chips, returning what it may have written so a failure can undo it: a chip whose
// put failed too, since a put can fail after storing.
func (s *Service) putChips(ctx context.Context, caseID ID, p *Photo, a *Analysis) ([]blobRef, error) {
	var written []blobRef
	for i, df := range a.Faces {
		id := p.Faces[i].ID
		written = append(written, blobRef{BlobChip, id})
		if err := s.store.PutBlob(ctx, BlobChip, id, caseID, "image/jpeg", df.Chip); err != nil {
			return written, err
		}
	}
	return written, nil
}

func (s *Service) deleteBlobs(refs []blobRef) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, r := range refs {
		if err := s.store.DeleteBlob(ctx, r.kind, r.id); err != nil {
			s.log.Warn("unreferenced blob left behind", "kind", r.kind, "id", r.id, "err", err)
		}
	}
}

// SearchQuery is a search by photo that creates nothing.
type SearchQuery struct {
	Kind      Kind // "" = both kinds
	Limit     int
	AnyStatus bool // include matched and closed cases
	Gender    Gender
	MinAge    int
	MaxAge    int
	State     string    // where the case was seen; "" = anywhere
	District  string    // needs State
	From      time.Time // the case's date (sighting, else report) on or after this day; zero = any
	Until     time.Time // on or before this day; zero = any
}

// SearchResult holds, per face found in the photo, the ranked candidates.
type SearchResult struct {
	Faces []FaceMatches `json:"faces"`
}

// Search finds the cases nearest to every face of a photo, without storing anything.
func (s *Service) Search(ctx context.Context, actor Actor, data []byte, q SearchQuery) (*SearchResult, error) {
	if err := actor.Require("searching by photo", RoleOfficer); err != nil {
		return nil, err
	}
	if q.Kind != "" && !q.Kind.Valid() {
		return nil, FieldError("kind", `must be "missing", "found" or "any"`)
	}
	if q.Gender != "" && !q.Gender.Valid() {
		return nil, FieldError("gender", `must be one of "female", "male", "other", "unknown"`)
	}
	if q.MinAge < 0 || q.MaxAge < 0 || (q.MaxAge > 0 && q.MinAge > q.MaxAge) {
		return nil, FieldError("min_age", "and max_age must be a non-negative range")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"state", &q.State}, {"district", &q.District}} {
		if err := cleanText(f.name, f.v, MaxShortText); err != nil {
			return nil, err
		}
	}
	if q.District != "" && q.State == "" {
		return nil, FieldError("state", "is needed with district: district names repeat across states")
	}
	if !q.From.IsZero() && !q.Until.IsZero() && q.Until.Before(q.From) {
		return nil, FieldError("until", "is before from")
	}
	limit, err := checkLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	a, err := s.analyze(ctx, data)
	if err != nil {
		return nil, err
	}
	var filter SearchFilter
	if q.Kind != "" {
		filter.Kinds = []Kind{q.Kind}
	}
	if !q.AnyStatus {
		filter.Statuses = []Status{StatusOpen}
	}
	if q.Gender != "" {
		// Unknown genders always stay in: a filter must not hide a child whose gender nobody recorded.
		filter.Genders = []Gender{q.Gender, GenderUnknown}
	}
	filter.MinAge, filter.MaxAge = q.MinAge, q.MaxAge
	filter.State, filter.District, filter.From, filter.Until = q.State, q.District, q.From, q.Until
	res := &SearchResult{}
	for _, df := range a.Faces {
		cands, err := s.candidates(ctx, &df.Descriptor, limit, filter)
		if err != nil {
			return nil, err
		}
		res.Faces = append(res.Faces, FaceMatches{Face: Face{Box: df.Box, Landmarks: df.Landmarks,
			Detector: df.Detector, Quality: df.Quality, Descriptor: df.Descriptor}, Candidates: cands})
	}
	var seen []ID
	for _, fm := range res.Faces {
		for _, c := range fm.Candidates {
			seen = append(seen, c.Case.ID)
		}
	}
	if err := s.record(ctx, actor, "search", seen, ""); err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) caseCandidates(ctx context.Context, c *Case, limit int) ([]Candidate, error) {
	filter := SearchFilter{Kinds: []Kind{c.Kind.Opposite()}, Statuses: []Status{StatusOpen}, Exclude: c.ID}
	best := map[ID]Hit{}
	for _, hits := range s.index.SearchBatch(descriptors(c.Faces()), limit, filter) {
		for _, h := range hits {
			if b, ok := best[h.CaseID]; !ok || h.Distance < b.Distance {
				best[h.CaseID] = h
			}
		}
	}
	hits := make([]Hit, 0, len(best))
	for _, h := range best {
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Distance != hits[j].Distance {
			return hits[i].Distance < hits[j].Distance
		}
		return string(hits[i].FaceID[:]) < string(hits[j].FaceID[:])
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return s.resolve(ctx, hits)
}

func (s *Service) candidates(ctx context.Context, d *Descriptor, limit int, f SearchFilter) ([]Candidate, error) {
	return s.resolve(ctx, s.index.Search(d, limit, f))
}

// resolve reads the summaries of the hits' cases, in parallel. A case removed since it was indexed is
// dropped from the answer rather than failing it.
func (s *Service) resolve(ctx context.Context, hits []Hit) ([]Candidate, error) {
	out := make([]Candidate, len(hits))
	errs := make([]error, len(hits))
	var wg sync.WaitGroup
	for i, h := range hits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.store.Case(ctx, h.CaseID)
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = Candidate{Case: c.Summary(), PhotoID: photoOf(c, h.FaceID), FaceID: h.FaceID, Distance: h.Distance,
				UnderThreshold: h.Distance < s.limits.ReviewThreshold}
		}()
	}
	wg.Wait()
	kept := out[:0]
	for i := range out {
		switch {
		case errs[i] == nil:
			kept = append(kept, out[i])
		case ErrorCodeOf(errs[i]) == ENotFound:
		default:
			return nil, errs[i]
		}
	}
	return kept, nil
}

// analyze runs the face pipeline and refuses a photo without a face.
func (s *Service) analyze(ctx context.Context, data []byte) (*Analysis, error) {
	a, err := s.faces.Analyze(ctx, data)
	if err != nil {
		return nil, err
	}
	if len(a.Faces) == 0 {
		return nil, Errorf(ENoFace, "no face was found in the photo; use a photo where the child's face is clearly visible")
	}
	return a, nil
}

func checkLimit(limit int) (int, error) {
	if limit == 0 {
		return DefaultSearchLimit, nil
	}
	if limit < 1 || limit > MaxSearchLimit {
		return 0, FieldError("limit", "must be between 1 and %d", MaxSearchLimit)
	}
	return limit, nil
}

// Blob opens a stored photo or face chip. A shelter may open the originals of its own cases, and the face
// chips of any case, since those are what its candidates show.
func (s *Service) Blob(ctx context.Context, actor Actor, kind BlobKind, id ID) (*Blob, error) {
	if err := actor.Require("viewing photos", RoleShelter, RoleOfficer, RoleReviewer); err != nil {
		return nil, err
	}
	b, err := s.store.Blob(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	if kind == BlobPhoto && !actor.Has(RoleOfficer, RoleReviewer) {
		c, err := s.store.Case(ctx, b.CaseID)
		if err != nil || !canSee(actor, c) {
			b.Close()
			return nil, Errorf(ENotFound, "no photo with id %s", id)
		}
	}
	action := "photo.read"
	if kind == BlobChip {
		action = "face.read"
	}
	if err := s.record(ctx, actor, action, []ID{b.CaseID}, id.String()); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}
