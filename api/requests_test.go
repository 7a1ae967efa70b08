package api_test

import (
	"testing"
	"time"
)

// TestMinIORequestsPerUpload counts what one upload costs in MinIO requests, and checks that it reads each
// candidate's case record once for its answer and its proposals, and that the process that wrote a case
// record does not read it back while following the change feed: its own entries are already applied. The window after the upload covers the feed's settling time and several catch-ups.
func TestMinIORequestsPerUpload(t *testing.T) {
	e := newEnv(t)
	var others []string
	for _, rel := range []string{"biden/biden1.jpg", "kit_harington/kit1.jpg"} {
		other := e.createCase("missing", "other child")
		e.addPhoto(other, rel)
		others = append(others, other)
	}
	id := e.createCase("found", "found child")
	time.Sleep(3 * time.Second) // let the creation's entry settle
	e.count.Reset()
	e.addPhoto(id, "obama/obama1.jpg")
	during, reads := e.count.Total(), e.count.Calls("GET", "cases/"+id+".json")
	// The other cases are the upload's candidates and what its proposals weigh: each record is read once
	// for both.
	for _, other := range others {
		if n := e.count.Calls("GET", "cases/"+other+".json"); n > 1 {
			t.Errorf("the upload read a candidate's case record %d times", n)
		}
	}
	e.count.Reset()
	time.Sleep(3 * time.Second)
	after, readsAfter := e.count.Total(), e.count.Calls("GET", "cases/"+id+".json")
	t.Logf("one upload: %d MinIO requests while answering (%d reads of its own record), then %d in the next 3 s (%d reads of the record)",
		during, reads, after, readsAfter)
	if readsAfter != 0 {
		t.Errorf("the uploading process read its own case record %d times after the upload", readsAfter)
	}
}
