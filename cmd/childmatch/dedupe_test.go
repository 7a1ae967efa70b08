package main

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// BenchmarkDedupeMinIO: `childmatch dedupe`, the real command, over faces written straight into a real
// MinIO as a bulk import would (one a case; a tenth of them a found child 0.3 from a missing one, which
// the pass must propose), from the command's start (the index loaded from the bucket) to its end, every
// candidate's case record read from MinIO. $CHILDMATCH_DEDUPE_BENCH_FACES sets the faces (default 20,000;
// the README's figure is at 100,000). Reports faces/s over the whole command (which, the bucket holding no
// index snapshot, loads the index by reading every case record first), the pass's own rate, and the
// proposals made.
func BenchmarkDedupeMinIO(b *testing.B) {
	n := 20_000
	if v := os.Getenv("CHILDMATCH_DEDUPE_BENCH_FACES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10 {
			b.Fatalf("CHILDMATCH_DEDUPE_BENCH_FACES=%q: a number of faces, at least 10, is needed", v)
		}
	}
	m := miniotest.Start(b)
	ctx := context.Background()
	store, err := minio.Open(ctx, minio.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: m.Bucket})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(21, 22))
	cases := make([]*childmatch.Case, n)
	now := time.Now().UTC()
	for i := range cases {
		kind, d := childmatch.KindMissing, fixtures.RandomDescriptor(r)
		if i%10 == 9 {
			kind, d = childmatch.KindFound, fixtures.Near(r, cases[i-1].Photos[0].Faces[0].Descriptor, 0.3)
		}
		photo := childmatch.Photo{ID: childmatch.NewID(), ContentType: "image/jpeg", UploadedAt: now, UploadedBy: "import"}
		photo.Faces = []childmatch.Face{{ID: childmatch.NewID(), PhotoID: photo.ID, Descriptor: d}}
		cases[i] = &childmatch.Case{ID: childmatch.NewID(), CaseDetails: childmatch.CaseDetails{Kind: kind}, Status: childmatch.StatusOpen,
			Photos: []childmatch.Photo{photo}, Organisation: "import", CreatedAt: now, CreatedBy: "import", UpdatedAt: now}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				if err := store.CreateCase(ctx, cases[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	final := regexp.MustCompile(`100\.0%  (\d+) of \d+ faces, \d+ cases, (\d+) proposals, (\d+) faces/s`)
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(os.Args[0], "dedupe", "--restart", "--every", "10")
		cmd.Env = mainEnv(b, m, newToken(), b.TempDir())
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		if err != nil {
			b.Fatalf("childmatch dedupe: %v\n%s", err, out)
		}
		got := final.FindStringSubmatch(string(out))
		if got == nil {
			b.Fatalf("no final progress line:\n%s", out)
		}
		faces, _ := strconv.Atoi(got[1])
		proposals, _ := strconv.Atoi(got[2])
		if faces != n || proposals < n/10 {
			b.Fatalf("%d faces compared and %d proposals, want %d faces and at least the %d children registered twice:\n%s", faces, proposals, n, n/10, out)
		}
		pass, _ := strconv.Atoi(got[3])
		b.ReportMetric(float64(faces)/took.Seconds(), "faces/s")
		b.ReportMetric(float64(pass), "pass-faces/s")
		b.ReportMetric(float64(proposals), "proposals")
	}
}
