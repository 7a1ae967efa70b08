package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"childmatch"
	"childmatch/fixtures"
	"childmatch/matcher"
	"childmatch/minio"
	"childmatch/minio/miniotest"
)

// TestDedupeRealPhotos: five people of the shared photos, each registered twice as a missing child (their
// first photo in one case, their second in another, analysed by the real matcher and written straight
// into a real MinIO, as a bulk import would, so nothing is proposed), and `childmatch dedupe` proposes
// each person's two cases as the same child. Run again it continues from its kept position and does
// nothing; with --restart it compares everything again and the review items stay as they were.
func TestDedupeRealPhotos(t *testing.T) {
	m := miniotest.Start(t)
	ctx := context.Background()
	store, err := minio.Open(ctx, minio.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: m.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	faces, err := matcher.New(matcher.Config{ModelsDir: fixtures.ModelsDir(t), Limits: childmatch.DefaultLimits(1)})
	if err != nil {
		t.Fatal(err)
	}
	defer faces.Close()
	people := fixtures.People(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range people {
			if len(people[name]) >= 2 && !yield(name) {
				return
			}
		}
	})
	register := func(rel string) childmatch.ID {
		t.Helper()
		a, err := faces.Analyze(ctx, fixtures.Photo(t, rel))
		if err != nil || len(a.Faces) != 1 {
			t.Fatalf("%s: %v, %d faces", rel, err, len(a.Faces))
		}
		now := time.Now().UTC()
		photo := childmatch.Photo{ID: childmatch.NewID(), ContentType: a.ContentType, UploadedAt: now, UploadedBy: "import"}
		photo.Faces = []childmatch.Face{{ID: childmatch.NewID(), PhotoID: photo.ID, Box: a.Faces[0].Box, Descriptor: a.Faces[0].Descriptor}}
		c := &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: childmatch.KindMissing},
			Status: childmatch.StatusOpen, Photos: []childmatch.Photo{photo}, Organisation: "import", CreatedAt: now, CreatedBy: "import", UpdatedAt: now}
		if err := store.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	var twice []string // the pairs' review ids
	for _, name := range names[:5] {
		twice = append(twice, childmatch.PairKey(register(people[name][0]), register(people[name][1])))
	}
	reviews := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		err := store.WalkReviews(ctx, func(r *childmatch.Review) (bool, error) {
			out[r.ID] = fmt.Sprintf("%s %.6f support %d rank %d", r.Type, r.Distance, r.Support, r.ProposedRank)
			return true, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if n := len(reviews()); n != 0 {
		t.Fatalf("%d review items before the pass", n)
	}
	dataDir := t.TempDir()
	dedupe := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(os.Args[0], append([]string{"dedupe"}, args...)...)
		cmd.Env = mainEnv(t, m, newToken(), dataDir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("childmatch dedupe %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out := dedupe("--every", "20")
	first := reviews()
	for i, id := range twice {
		if !strings.HasPrefix(first[id], string(childmatch.ReviewSameChild)) {
			t.Errorf("%s registered twice: review %s is %q, want a same-child proposal\n%s", names[i], id, first[id], out)
		}
	}
	if !strings.Contains(out, "100.0%  10 of 10 faces") {
		t.Errorf("no final progress line:\n%s", out)
	}
	if out := dedupe(); !strings.Contains(out, "10 done before") {
		t.Errorf("the second run did not continue from the kept position:\n%s", out)
	}
	dedupe("--restart")
	if again := reviews(); !maps.Equal(again, first) {
		t.Errorf("after --restart the review items are\n%v\nwant\n%v", again, first)
	}
}
