package minio

import (
	"context"
	"fmt"
	"strings"
	"time"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// The audit trail is kept one object per event under its day, audit/<yyyy>/<mm>/<dd>/<event-id>.json,
// written create-only. A past day never changes again, so the first search that reads it writes the whole
// day as one object,
//
//	audit-days/<yyyy-mm-dd>.json   every event of the day, in key order
//
// and later searches read a past day in one call; only today (and a day not yet settled) is listed and
// read event by event. A day is past once FeedOverlap has gone by after its end: an event lands within
// its request's deadline, and the replicas' clocks differ by less.
const auditDaysPrefix = "audit-days/"

func auditDayPrefix(day time.Time) string {
	return fmt.Sprintf("audit/%04d/%02d/%02d/", day.Year(), day.Month(), day.Day())
}

// Events reads a page of the trail, oldest first, a day at a time from the cursor's day (or q.Since's, or
// the first day there is), at most AuditScanDays days.
func (s *Store) Events(ctx context.Context, q childmatch.AuditQuery) (*childmatch.AuditPage, error) {
	now := time.Now().UTC()
	page := &childmatch.AuditPage{Events: []childmatch.Event{}}
	day := childmatch.AuditDay(q.Since)
	if q.Since.IsZero() {
		first, ok, err := s.firstAuditDay(ctx)
		if err != nil || !ok {
			return page, err
		}
		day = first
	}
	if q.After.Day.After(day) {
		day = q.After.Day
	}
	end := childmatch.AuditDay(now)
	if !q.Until.IsZero() && childmatch.AuditDay(q.Until).Before(end) {
		end = childmatch.AuditDay(q.Until)
	}
	for scanned := 0; !day.After(end); day, scanned = day.AddDate(0, 0, 1), scanned+1 {
		if scanned == childmatch.AuditScanDays {
			page.Next = childmatch.AuditCursor{Day: day}
			return page, nil
		}
		events, err := s.dayEvents(ctx, day, now)
		if err != nil {
			return nil, err
		}
		for i := range events {
			if !page.Add(&q, &events[i]) {
				return page, nil
			}
		}
	}
	return page, nil
}

// firstAuditDay is the day of the oldest event; false when the trail is empty.
func (s *Store) firstAuditDay(ctx context.Context) (time.Time, bool, error) {
	p := s.stream(ctx)
	defer p.done()
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: "audit/", Recursive: true, MaxKeys: 1}) {
		if obj.Err != nil {
			return time.Time{}, false, s.fail(p.err(obj.Err), "the audit trail")
		}
		parts := strings.Split(strings.TrimPrefix(obj.Key, "audit/"), "/")
		if len(parts) == 4 {
			if day, err := time.Parse("2006/01/02", strings.Join(parts[:3], "/")); err == nil {
				return day, true, nil
			}
		}
	}
	return time.Time{}, false, nil
}

// dayEvents reads the events of one day: a past day from its day object, written from the events the
// first time; today event by event.
func (s *Store) dayEvents(ctx context.Context, day, now time.Time) ([]childmatch.Event, error) {
	past := !now.Before(day.AddDate(0, 0, 1).Add(childmatch.FeedOverlap))
	key := auditDaysPrefix + day.Format("2006-01-02") + ".json"
	var events []childmatch.Event
	if past {
		_, err := s.getJSON(ctx, key, "the audit trail of a day", &events)
		if err == nil {
			return events, nil
		}
		if childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
			return nil, err
		}
	}
	events = []childmatch.Event{}
	err := walk(ctx, s, auditDayPrefix(day), "", func(e *childmatch.Event) (bool, error) {
		events = append(events, *e)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if past {
		// Another search may write it at the same moment, from the same events: either one stands.
		if err := s.putJSON(ctx, key, "the audit trail of a day", events, "*"); err != nil && childmatch.ErrorCodeOf(err) != childmatch.EConflict {
			return nil, err
		}
	}
	return events, nil
}
