package service

import (
	"cmp"
	"context"
	"math"
	"time"

	"childmatch"
)

// The sweeper deletes the blobs no case refers to: the photos and chips of an upload that failed after
// storing them and whose own cleanup could not finish (MinIO or the process died, or stalled), and those
// of an erased case whose removal failed after its record was gone. It also deletes the review items one of
// whose cases is erased, and the deliveries of an erased case's alert that its erasure left.
//
// Why it never deletes a blob a case refers to, or will:
//
//   - A blob is written by exactly one upload, for one case, under a fresh id; PutBlob stores that case's id
//     with it. Only that upload's commit (the case record's write, service/photo.go) can make a record refer
//     to it, and a record refers to a photo from then on until the case is erased: photos are only ever
//     added to a record, never taken out of it.
//   - An upload writes its first blob after its body has been read, and its commit comes within the request
//     deadline of that (SweepConfig.UploadBound; the api's deadline middleware cuts it there), so an upload
//     still running has only blobs younger than the bound.
//   - So a blob older than Grace plus the bound that its case's record does not refer to belongs to an upload
//     that ended without committing, or to a case whose record is gone: nothing will ever refer to it.
//   - The record is read right before the blob is deleted, never earlier in the sweep, so a record rewritten
//     meanwhile (a photo added, a review linked) is judged as it is now.
//   - Two sweepers (replicas) judging the same blob reach the same verdict; deleting a blob twice is harmless.
//   - A blob whose case cannot be told (no metadata) is kept: the sweeper deletes only what it can judge.
//
// The argument assumes MinIO applies a write within Grace of when it was sent. A MinIO stalled for longer
// than Grace with an upload's commit still in its socket buffer could apply it after the sweeper removed the
// blobs (README: The sweeper).

// SweepConfig says which blobs the sweeper may judge.
type SweepConfig struct {
	// Grace is how old beyond UploadBound an unreferenced blob must be; zero is
	// childmatch.DefaultSweepGrace.
	Grace time.Duration
	// UploadBound is the longest an upload runs from its first blob write to its commit: the request
	// deadline. Zero is childmatch.DefaultRequestTimeout.
	UploadBound time.Duration
}

// SweepReport is what one sweep found and did.
type SweepReport struct {
	Photos  int `json:"photos_deleted"`
	Chips   int `json:"chips_deleted"`
	Reviews int `json:"reviews_deleted"`
	// Alerts counts the alerts removed, and Deliveries the alerts whose deliveries were removed: their
	// cases are erased.
	Alerts     int `json:"alerts_deleted"`
	Deliveries int `json:"alert_deliveries_deleted"`
	// Kept counts the blobs old enough to judge that a case refers to; Young those too young to judge;
	// Unknown those whose case cannot be told, which are never deleted.
	Kept    int `json:"kept"`
	Young   int `json:"young"`
	Unknown int `json:"unknown"`
}

// sweeper is the actor the sweeper's audit events name.
var sweeper = childmatch.Actor{ID: "sweeper", Roles: []childmatch.Role{}}

// Sweep deletes every blob no case refers to that is old enough to judge, and every review item of an
// erased case, recording an audit event for each. It is safe to run in several replicas at once and
// while uploads run (see above).
func (s *Service) Sweep(ctx context.Context) (*SweepReport, error) {
	cutoff := s.now().Add(-(cmp.Or(s.sweep.Grace, childmatch.DefaultSweepGrace) + cmp.Or(s.sweep.UploadBound, childmatch.DefaultRequestTimeout)))
	rep := &SweepReport{}
	old := map[childmatch.ID][]blobRef{} // by case
	for _, kind := range []childmatch.BlobKind{childmatch.BlobPhoto, childmatch.BlobChip} {
		err := s.store.WalkBlobs(ctx, kind, func(b childmatch.BlobInfo) error {
			switch {
			case !b.Written.Before(cutoff):
				rep.Young++
			case b.CaseID.IsZero():
				rep.Unknown++
				s.log.Warn("sweep: a blob with no case id is kept", "kind", b.Kind, "id", b.ID)
			default:
				old[b.CaseID] = append(old[b.CaseID], blobRef{b.Kind, b.ID})
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	// Whether each case read in this sweep exists: its review items and alert's deliveries are judged by
	// it (a case id is never reused, so one found gone stays gone, and one found there is judged again by
	// the next sweep).
	exists := map[childmatch.ID]bool{}
	for caseID, blobs := range old {
		if err := s.sweepCase(ctx, caseID, blobs, exists, rep); err != nil {
			return rep, err
		}
	}
	if err := s.sweepReviews(ctx, exists, rep); err != nil {
		return rep, err
	}
	if err := s.sweepAlerts(ctx, exists, rep); err != nil {
		return rep, err
	}
	return rep, s.sweepDeliveries(ctx, exists, rep)
}

// caseExists answers whether a case exists, reading it unless this sweep already did.
func (s *Service) caseExists(ctx context.Context, id childmatch.ID, exists map[childmatch.ID]bool) (bool, error) {
	if ok, seen := exists[id]; seen {
		return ok, nil
	}
	_, err := s.store.Case(ctx, id)
	if err != nil && childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		return false, err
	}
	exists[id] = err == nil
	return err == nil, nil
}

// sweepAlerts removes the alert of a case that is gone, and has the outbox erase its deliveries: left by an
// erasure whose alert's removal failed after the record was gone. It holds where the child was sought, and
// who was told.
func (s *Service) sweepAlerts(ctx context.Context, exists map[childmatch.ID]bool, rep *SweepReport) (err error) {
	if s.alerts != nil {
		rep.Alerts, err = s.sweepGone(ctx, exists, "alert.sweep", s.alerts.AlertCases, s.alerts.Erase)
	}
	return err
}

// sweepDeliveries removes the deliveries of an alert whose case is gone: left by an erasure that stopped
// part way (DeleteCase erases the case's record first, its alert's deliveries last). An alert's id is its
// case's, and a case id is never reused, so they are never needed again.
func (s *Service) sweepDeliveries(ctx context.Context, exists map[childmatch.ID]bool, rep *SweepReport) (err error) {
	if s.deliveries != nil {
		rep.Deliveries, err = s.sweepGone(ctx, exists, "deliveries.sweep", s.deliveries.WalkDeliveryAlerts, s.deliveries.EraseDeliveries)
	}
	return err
}

// sweepGone removes what list names by its case's id whose case is gone, each after an audit event of
// action, and answers how many it removed. The ids are listed first, then judged: the listing does not
// wait for the reads.
func (s *Service) sweepGone(ctx context.Context, exists map[childmatch.ID]bool, action string,
	list func(context.Context, func(childmatch.ID) error) error, remove func(context.Context, childmatch.ID) error) (int, error) {
	var ids []childmatch.ID
	if err := list(ctx, func(id childmatch.ID) error { ids = append(ids, id); return nil }); err != nil {
		return 0, err
	}
	removed := 0
	for _, id := range ids {
		ok, err := s.caseExists(ctx, id, exists)
		if err != nil {
			return removed, err
		}
		if ok {
			continue
		}
		if err := s.audit.Record(ctx, sweeper, action, []childmatch.ID{id}, id.String()); err != nil {
			return removed, err
		}
		if err := remove(ctx, id); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}

// sweepCase deletes the blobs of a case that its record, read now, does not refer to.
func (s *Service) sweepCase(ctx context.Context, caseID childmatch.ID, blobs []blobRef, exists map[childmatch.ID]bool, rep *SweepReport) error {
	c, err := s.store.Case(ctx, caseID)
	if err != nil && childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		return err
	}
	exists[caseID] = c != nil
	referenced := map[childmatch.ID]bool{}
	if c != nil {
		for _, p := range c.Photos {
			referenced[p.ID] = true
			for _, f := range p.Faces {
				referenced[f.ID] = true
			}
		}
	}
	for _, b := range blobs {
		if referenced[b.id] {
			rep.Kept++
			continue
		}
		action := "photo.sweep"
		if b.kind == childmatch.BlobChip {
			action = "face.sweep"
		}
		// The event first: a deletion must leave a trace, and one recorded for a blob a failed deletion
		// left behind is recorded again when the next sweep deletes it.
		if err := s.audit.Record(ctx, sweeper, action, []childmatch.ID{caseID}, b.id.String()); err != nil {
			return err
		}
		if err := s.store.DeleteBlob(ctx, b.kind, b.id); err != nil {
			return err
		}
		if b.kind == childmatch.BlobPhoto {
			rep.Photos++
		} else {
			rep.Chips++
		}
	}
	return nil
}

// sweepReviews deletes the review items one of whose cases is gone: erased while its proposal was being
// written, or by a DeleteCase that stopped before removing them. A case id is never reused, so such an
// item is never needed again.
func (s *Service) sweepReviews(ctx context.Context, exists map[childmatch.ID]bool, rep *SweepReport) error {
	var orphans []*childmatch.Review
	err := s.reviews.WalkReviews(ctx, func(r *childmatch.Review) (bool, error) {
		for _, id := range []childmatch.ID{r.CaseA, r.CaseB} {
			ok, err := s.caseExists(ctx, id, exists)
			if err != nil {
				return false, err
			}
			if !ok {
				orphans = append(orphans, r)
				return true, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, r := range orphans {
		if err := s.deleteReview(ctx, sweeper, r); err != nil {
			return err
		}
		rep.Reviews++
	}
	return nil
}

// deleteReview removes a review item of an erased case, after the audit event that names both cases.
func (s *Service) deleteReview(ctx context.Context, actor childmatch.Actor, r *childmatch.Review) error {
	if err := s.audit.Record(ctx, actor, "review.delete", []childmatch.ID{r.CaseA, r.CaseB}, r.ID); err != nil {
		return err
	}
	_, err := s.writeReview(r.ID, func() (*childmatch.Review, error) { return nil, s.reviews.DeleteReview(ctx, r.ID) })
	return err
}

// deleteReviewsOf removes the review items of an erased case, which the catalog knows.
func (s *Service) deleteReviewsOf(ctx context.Context, actor childmatch.Actor, id childmatch.ID) error {
	rs, _ := s.catalog.Queue(childmatch.ReviewQuery{Case: id, Limit: math.MaxInt32}, childmatch.QueuePosition{})
	for _, r := range rs {
		if err := s.deleteReview(ctx, actor, r); err != nil {
			return err
		}
	}
	return nil
}
