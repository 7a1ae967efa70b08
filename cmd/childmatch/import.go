package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// `childmatch import` takes cases into a running service over HTTP with a user's token: the rows of a CSV
// and their photos under a folder, or the cases of another deployment's export (--zip). Every row and
// photo is checked before anything is imported; then the cases go in parallel through the API (the
// normal path of a photo, so every face is matched at once). The source and reference of a row are unique
// per source (service/origin.go), so an import run again skips what is there, and adds to a case only the
// photos it does not hold (by SHA-256).
//
// Exit status: 0 when every row was imported or was there already, 1 when a row failed (or the import
// was interrupted before every row), 2 for a usage or validation error, before anything was imported.

// exitError carries the exit status of a command's failure.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// exitStatus is the process's exit status for a command's error: its exitError's, else 1.
func exitStatus(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}

func usageError(format string, args ...any) error {
	return &exitError{2, fmt.Errorf(format, args...)}
}

// summary is what an import did, printed and written as JSON.
type summary struct {
	Input         string      `json:"input"`
	Server        string      `json:"server"`
	DryRun        bool        `json:"dry_run,omitempty"`
	Rows          int         `json:"rows"`
	Problems      []problem   `json:"problems,omitempty"`
	Created       int         `json:"cases_created"`
	Resumed       int         `json:"cases_resumed"` // there already, given the photos it lacked
	Skipped       int         `json:"cases_skipped"` // there already with every photo
	Failed        int         `json:"cases_failed"`
	NotAttempted  int         `json:"cases_not_attempted,omitempty"` // left by an interruption
	PhotosStored  int         `json:"photos_stored"`
	PhotosSkipped int         `json:"photos_skipped"` // stored already
	FacesFound    int         `json:"faces_found"`
	NoFace        []string    `json:"photos_without_face"`
	Proposed      int         `json:"candidates_proposed"`
	Interrupted   bool        `json:"interrupted,omitempty"`
	Seconds       float64     `json:"seconds"`
	Cases         []rowResult `json:"cases"`
}

// rowResult is what became of one item.
type rowResult struct {
	Where  string `json:"row"`
	CaseID string `json:"case_id,omitempty"`
	Result string `json:"result"` // created, resumed, skipped, failed, not attempted
	Reason string `json:"reason,omitempty"`

	photosStored, photosSkipped, faces, proposed int
	noFace                                       []string
}

func runImport(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("import", flag.ContinueOnError)
	fl.SetOutput(os.Stderr)
	server := fl.String("server", "", "the service's address, e.g. https://childmatch.example.in")
	csvPath := fl.String("csv", "", "the CSV of cases (README: Import and export)")
	photos := fl.String("photos", "", "the folder the CSV's photos column names files under")
	zipPath := fl.String("zip", "", "an export of another deployment (childmatch export), instead of --csv")
	dryRun := fl.Bool("dry-run", false, "check every row and photo, import nothing")
	workers := fl.Int("workers", 0, "cases imported at once (default: the service's face workers)")
	tokenFile := fl.String("token-file", "", "a file holding the token (default: $CHILDMATCH_TOKEN)")
	summaryPath := fl.String("summary", "", "where to write the JSON summary (default: beside the input, .summary.json)")
	if err := fl.Parse(args); err != nil {
		return usageError("%v", err)
	}
	input := *csvPath
	switch {
	case fl.NArg() > 0:
		return usageError("unexpected arguments %q", fl.Args())
	case *server == "":
		return usageError("--server is required")
	case (*csvPath == "") == (*zipPath == ""):
		return usageError("give either --csv (with --photos) or --zip")
	case *csvPath != "" && *photos == "":
		return usageError("--csv needs --photos, the folder of its photos")
	case *zipPath != "" && *photos != "":
		return usageError("--zip holds its photos: --photos goes with --csv")
	case *workers < 0:
		return usageError("--workers must be positive")
	case *zipPath != "":
		input = *zipPath
	}
	cl, err := connect(*server, *tokenFile)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := cl.deployment(ctx)
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden) {
		return usageError("the service refused the token: %v", err)
	}
	if err != nil {
		return fmt.Errorf("asking the service for its limits: %v", err)
	}

	start := time.Now()
	var items []item
	var problems []problem
	if *csvPath != "" {
		items, problems, err = readCSV(*csvPath, *photos, d, start)
	} else {
		var closer io.Closer
		items, problems, closer, err = readExport(*zipPath, d, start)
		if closer != nil {
			defer closer.Close()
		}
	}
	if err != nil {
		return usageError("%v", err)
	}
	sum := &summary{Input: input, Server: cl.base, DryRun: *dryRun, Rows: len(items), Problems: problems,
		NoFace: []string{}, Cases: []rowResult{}}
	out := cmp.Or(*summaryPath, input+".summary.json")
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stdout, p)
		}
		if err := writeSummary(out, sum); err != nil {
			return err
		}
		return &exitError{2, fmt.Errorf("%d problems in %s (listed above, and in %s); nothing was imported", len(problems), input, out)}
	}
	photoCount := 0
	for _, it := range items {
		photoCount += len(it.photos)
	}
	if *dryRun {
		fmt.Fprintf(stdout, "%d cases with %d photos checked: no problem found; nothing imported (--dry-run)\n", len(items), photoCount)
		return writeSummary(out, sum)
	}

	n := *workers
	if n == 0 {
		n = max(1, d.Workers)
	}
	prog := newProgress(stdout, len(items), photoCount)
	results := importAll(ctx, stop, cl, items, n, prog)
	prog.finish()
	for _, r := range results {
		sum.add(r)
	}
	sum.Interrupted = ctx.Err() != nil
	sum.Seconds = time.Since(start).Seconds()
	fmt.Fprintf(stdout, "cases: %d created, %d resumed, %d already there, %d failed, %d not attempted; photos: %d stored, %d already there, %d without a face; %d faces found; %d candidates proposed for review; %.1f s\n",
		sum.Created, sum.Resumed, sum.Skipped, sum.Failed, sum.NotAttempted, sum.PhotosStored, sum.PhotosSkipped,
		len(sum.NoFace), sum.FacesFound, sum.Proposed, sum.Seconds)
	for _, r := range sum.Cases {
		if r.Result == "failed" {
			fmt.Fprintf(stdout, "%s failed: %s\n", r.Where, r.Reason)
		}
	}
	for _, f := range sum.NoFace {
		fmt.Fprintf(stdout, "no face found in %s\n", f)
	}
	if err := writeSummary(out, sum); err != nil {
		return err
	}
	if sum.Failed > 0 || sum.NotAttempted > 0 {
		return &exitError{1, fmt.Errorf("%d cases failed and %d were not attempted; run the same import again to finish (summary: %s)", sum.Failed, sum.NotAttempted, out)}
	}
	return nil
}

func (s *summary) add(r rowResult) {
	switch r.Result {
	case "created":
		s.Created++
	case "resumed":
		s.Resumed++
	case "skipped":
		s.Skipped++
	case "failed":
		s.Failed++
	default:
		s.NotAttempted++
	}
	s.PhotosStored += r.photosStored
	s.PhotosSkipped += r.photosSkipped
	s.FacesFound += r.faces
	s.Proposed += r.proposed
	s.NoFace = append(s.NoFace, r.noFace...)
	s.Cases = append(s.Cases, r)
}

func writeSummary(path string, s *summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// importAll imports the items with n workers, in input order of results. When ctx ends (Ctrl-C) the cases
// in flight are finished on a context of their own, and no other is started; stop then hands the next
// signal back to its default, so a second Ctrl-C ends the process at once.
func importAll(ctx context.Context, stop context.CancelFunc, cl *client, items []item, n int, prog *progress) []rowResult {
	results := make([]rowResult, len(items))
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range items {
			select {
			case next <- i:
			case <-ctx.Done():
				stop()
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					continue // handed over as the signal came: not started
				}
				r := importOne(context.WithoutCancel(ctx), cl, items[i])
				results[i] = r
				prog.done(r)
			}
		})
	}
	wg.Wait()
	for i := range results {
		if results[i].Result == "" {
			results[i] = rowResult{Where: items[i].where, Result: "not attempted"}
		}
	}
	return results
}

// importOne creates one case, or finds it there already, and uploads the photos it does not hold.
func importOne(ctx context.Context, cl *client, it item) rowResult {
	r := rowResult{Where: it.where, Result: "created"}
	failed := func(format string, args ...any) rowResult {
		r.Result, r.Reason = "failed", fmt.Sprintf(format, args...)
		return r
	}
	var created struct {
		ID string `json:"id"`
	}
	held := map[string]bool{}
	err := cl.json(ctx, http.MethodPost, "/v1/cases", it.details, &created)
	var ae *apiError
	switch {
	case err == nil:
		r.CaseID = created.ID
	case errors.As(err, &ae) && ae.Status == http.StatusConflict && ae.Field == "origin" && ae.CaseID != "":
		r.CaseID, r.Result = ae.CaseID, "skipped"
		var c struct {
			Photos []struct {
				SHA256 string `json:"sha256"`
			} `json:"photos"`
		}
		if err := cl.json(ctx, http.MethodGet, "/v1/cases/"+ae.CaseID, nil, &c); err != nil {
			return failed("reading the case there already: %v", err)
		}
		for _, p := range c.Photos {
			held[p.SHA256] = true
		}
	default:
		return failed("%v", err)
	}
	for _, p := range it.photos {
		data, err := p.read()
		if err != nil {
			return failed("photo %s: %v", p.name, pathless(err))
		}
		h := sha256.Sum256(data)
		if sum := hex.EncodeToString(h[:]); held[sum] {
			r.photosSkipped++
			continue
		} else {
			held[sum] = true // a row naming one file twice
		}
		var up struct {
			FacesFound int `json:"faces_found"`
			Proposed   int `json:"proposed"`
		}
		err = cl.photo(ctx, r.CaseID, filepath.Base(p.name), data, &up)
		switch {
		case err == nil:
			r.photosStored++
			r.faces += up.FacesFound
			r.proposed += up.Proposed
			if r.Result == "skipped" {
				r.Result = "resumed"
			}
		case errors.As(err, &ae) && ae.Code == "no_face":
			r.noFace = append(r.noFace, p.name)
		default:
			return failed("photo %s: %v", p.name, err)
		}
	}
	return r
}

// progress shows the import's progress: a bar (cases, photos, rate, ETA) drawn by progressbar on a
// terminal, else one plain line per case.
type progress struct {
	mu                   sync.Mutex
	out                  io.Writer
	bar                  *progressbar.ProgressBar // nil: plain lines
	cases, total, photos int
	photoTotal           int
	start                time.Time
}

func newProgress(out io.Writer, total, photoTotal int) *progress {
	p := &progress{out: out, total: total, photoTotal: photoTotal, start: time.Now()}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(out), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("cases"), progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetDescription(p.photosText()), progressbar.OptionFullWidth())
	}
	return p
}

func (p *progress) photosText() string {
	return fmt.Sprintf("photos %d/%d", p.photos, p.photoTotal)
}

// done counts one finished case.
func (p *progress) done(r rowResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cases++
	p.photos += r.photosStored + r.photosSkipped + len(r.noFace)
	if p.bar != nil {
		p.bar.Describe(p.photosText())
		p.bar.Add(1)
		return
	}
	elapsed := time.Since(p.start)
	rate := float64(p.cases) / elapsed.Seconds()
	eta := time.Duration(float64(p.total-p.cases) / rate * float64(time.Second)).Round(time.Second)
	what := r.Result
	if r.CaseID != "" {
		what += " case " + r.CaseID
	}
	if r.Reason != "" {
		what += ": " + r.Reason
	}
	fmt.Fprintf(p.out, "[%d/%d cases, %s, %.2f cases/s, %.2f photos/s, ETA %s] %s %s\n", p.cases, p.total, p.photosText(),
		rate, float64(p.photos)/elapsed.Seconds(), eta, r.Where, what)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.out)
	}
}
