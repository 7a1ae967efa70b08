package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"childmatch/fixtures"
	"childmatch/minio/miniotest"
)

// cli runs `childmatch <args>` from the test binary with the token, returning its output and exit status.
func cli(t *testing.T, token string, args ...string) (string, int) {
	t.Helper()
	out, err := cliCommand(token, args...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func cliCommand(token string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), replicaEnv+"=1", "CHILDMATCH_TOKEN="+token)
	return cmd
}

// importDir is a folder of import input: photos/ (links to the shared photos) and CSV files.
type importDir struct {
	t      *testing.T
	dir    string
	photos string
}

// importEnv is a service with its own MinIO, its admin token, and an empty input folder.
func importEnv(t *testing.T) (*replica, string, *importDir) {
	if testing.Short() {
		t.Skip("starts MinIO and the service")
	}
	token := newToken()
	return startReplica(t, "import", miniotest.Start(t), token, t.TempDir()), token, newImportDir(t)
}

func newImportDir(t *testing.T) *importDir {
	d := &importDir{t: t, dir: t.TempDir()}
	d.photos = filepath.Join(d.dir, "photos")
	if err := os.Mkdir(d.photos, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// link puts a shared photo under photos/ as name.
func (d *importDir) link(rel, name string) string {
	target := filepath.Join(fixtures.FacesDir(d.t), rel)
	if _, err := os.Stat(target); err != nil {
		d.t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(d.photos, name)); err != nil {
		d.t.Fatal(err)
	}
	return name
}

// csv writes rows (the first is the header) as name.csv and returns its path.
func (d *importDir) csv(name string, rows ...[]string) string {
	path := filepath.Join(d.dir, name+".csv")
	f, err := os.Create(path)
	if err != nil {
		d.t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := f.Close(); err != nil || w.Error() != nil {
		d.t.Fatal(err, w.Error())
	}
	return path
}

var header = []string{"source", "reference", "kind", "name", "age", "gender", "languages", "photos", "reporter_organisation", "time", "state"}

// row is a CSV row of the header above.
func row(ref, kind, age, photos string) []string {
	return []string{"trackchild-mp", ref, kind, "", age, "", "hi;bn", photos, "GRP Bhopal", "2026-03-31", "Madhya Pradesh"}
}

func readSummary(t *testing.T, path string) summary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

type listedCase struct {
	ID     string `json:"id"`
	Origin *struct {
		Source    string `json:"source"`
		Reference string `json:"reference"`
	} `json:"origin"`
	Photos []struct {
		SHA256 string `json:"sha256"`
	} `json:"photos"`
}

// cases lists every case of the replica.
func (r *replica) cases(t *testing.T) []listedCase {
	t.Helper()
	var all []listedCase
	cursor := ""
	for {
		var page struct {
			Cases      []listedCase `json:"cases"`
			NextCursor string       `json:"next_cursor"`
		}
		if err := json.Unmarshal(r.json(t, "GET", "/v1/cases?limit=200&cursor="+cursor, nil, http.StatusOK), &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Cases...)
		if cursor = page.NextCursor; cursor == "" {
			return all
		}
	}
}

// TestImportCSV: every bad row and photo is listed with its line and column, and nothing is imported
// (exit 2); a dry run imports nothing (exit 0); an import creates each row's case with its photos and
// names the photo without a face; run again it creates nothing (exit 0); a row the service refuses fails
// the import (exit 1) while the others go in.
func TestImportCSV(t *testing.T) {
	r, token, d := importEnv(t)
	d.link("obama/obama1.jpg", "obama1.jpg")
	d.link("biden/biden1.jpg", "biden1.jpg")
	d.link("kit_harington/kit1.jpg", "kit1.jpeg")
	d.link("_nonface/cat.png", "cat.png")
	big, err := os.Create(filepath.Join(d.photos, "big.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	big.Truncate(21 << 20) // over the service's 20 MiB, never read
	big.Close()
	os.WriteFile(filepath.Join(d.photos, "notes.jpg"), []byte("not a photo at all"), 0o644)
	server := []string{"import", "--server", r.url, "--photos", d.photos}

	t.Run("unknown column", func(t *testing.T) {
		path := d.csv("extra", append(slices.Clone(header), "nickname"), append(row("X1", "found", "", ""), "Chhotu"))
		out, code := cli(t, token, append(server, "--csv", path)...)
		if code != 2 || !strings.Contains(out, "line 1, column nickname: is not a column") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})

	t.Run("validation", func(t *testing.T) {
		path := d.csv("bad", header,
			row("V1", "found", "7", "obama1.jpg"),
			row("V2", "found", "nine", ""),
			row("V3", "lost", "", ""),
			[]string{"trackchild-mp", "V4", "missing", "", "9", "", "", "", "", "", ""},
			row("V5", "found", "", "absent.jpg;big.jpg;notes.jpg"),
			row("V1", "found", "", ""),
			row("V7", "found", "", "../outside.jpg"),
			[]string{"trackchild-mp", "V8", "found", "", "", "", "", "", "", "2090-01-01", ""},
		)
		out, code := cli(t, token, append(server, "--csv", path)...)
		if code != 2 {
			t.Fatalf("exit %d, want 2:\n%s", code, out)
		}
		for _, want := range []string{
			"line 3, column age: must be a whole number",
			"line 4, column kind: must be",
			"line 5, column reporter_name: a missing report needs",
			"line 6, column photos, file absent.jpg: does not exist",
			"line 6, column photos, file big.jpg: is 21.0 MiB, over the service's limit of 20 MiB",
			"line 6, column photos, file notes.jpg: is not an image",
			"line 7, column reference: the same source and reference as line 2",
			"line 8, column photos: \"../outside.jpg\" is not a file name under --photos",
			"line 9, column time: is in the future",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the output does not say %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "line 2,") {
			t.Errorf("the good row is named a problem:\n%s", out)
		}
		if s := readSummary(t, path+".summary.json"); len(s.Problems) != 9 {
			t.Errorf("the summary lists %d problems, want 9", len(s.Problems))
		}
		if n := len(r.cases(t)); n != 0 {
			t.Fatalf("%d cases imported from a CSV with problems", n)
		}
	})

	good := d.csv("good", header,
		row("G1", "found", "7", "obama1.jpg"),
		row("G2", "found", "", "biden1.jpg"),
		row("G3", "missing", "11", "kit1.jpeg"),
		row("G4", "found", "", "cat.png"))
	t.Run("dry run", func(t *testing.T) {
		out, code := cli(t, token, append(server, "--csv", good, "--dry-run")...)
		if code != 0 || !strings.Contains(out, "4 cases with 4 photos checked") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if n := len(r.cases(t)); n != 0 {
			t.Fatalf("a dry run imported %d cases", n)
		}
	})

	t.Run("import, then again", func(t *testing.T) {
		out, code := cli(t, token, append(server, "--csv", good, "--workers", "2")...)
		s := readSummary(t, good+".summary.json")
		if code != 0 || s.Created != 4 || s.PhotosStored != 3 || s.FacesFound != 3 || !slices.Equal(s.NoFace, []string{"cat.png"}) {
			t.Fatalf("exit %d, summary %+v:\n%s", code, s, out)
		}
		if !strings.Contains(out, "no face found in cat.png") {
			t.Errorf("the photo without a face is not named:\n%s", out)
		}
		// The missing child (kit1) and the found ones are of different people: nothing proposed.
		if s.Proposed != 0 {
			t.Errorf("%d candidates proposed among four different people", s.Proposed)
		}
		first := r.cases(t)
		out, code = cli(t, token, append(server, "--csv", good)...)
		s = readSummary(t, good+".summary.json")
		if code != 0 || s.Created != 0 || s.Skipped != 4 || s.PhotosStored != 0 || s.PhotosSkipped != 3 {
			t.Fatalf("run again: exit %d, summary %+v:\n%s", code, s, out)
		}
		if again := r.cases(t); len(again) != len(first) {
			t.Fatalf("run again: %d cases, want %d", len(again), len(first))
		}
		refs := map[string]int{}
		for _, c := range first {
			refs[c.Origin.Reference] = len(c.Photos)
		}
		if want := map[string]int{"G1": 1, "G2": 1, "G3": 1, "G4": 0}; fmt.Sprint(refs) != fmt.Sprint(want) {
			t.Fatalf("photos by reference: %v, want %v", refs, want)
		}
	})

	t.Run("a row the service refuses", func(t *testing.T) {
		var user struct {
			ID string `json:"id"`
		}
		json.Unmarshal(r.json(t, "POST", "/v1/users", map[string]any{"name": "s", "organisation": "Shelter Indore", "roles": []string{"shelter"}}, http.StatusCreated), &user)
		var tok struct {
			Token string `json:"token"`
		}
		json.Unmarshal(r.json(t, "POST", "/v1/users/"+user.ID+"/tokens", nil, http.StatusCreated), &tok)
		path := d.csv("shelter", header, row("S1", "found", "", "biden1.jpg"), row("S2", "missing", "5", ""))
		out, code := cli(t, tok.Token, append(server, "--csv", path)...)
		s := readSummary(t, path+".summary.json")
		if code != 1 || s.Created != 1 || s.Failed != 1 || s.Cases[1].Result != "failed" || !strings.Contains(s.Cases[1].Reason, "officer") {
			t.Fatalf("exit %d, summary %+v:\n%s", code, s, out)
		}
	})
}

// TestImportInterrupted: an import stopped by Ctrl-C finishes its case in flight and says what it left;
// one killed outright leaves what it had; run again, the import finishes with every row once and every
// photo once.
func TestImportInterrupted(t *testing.T) {
	r, token, d := importEnv(t)
	shared := []string{"obama/obama1.jpg", "biden/biden1.jpg", "kit_harington/kit1.jpg", "rose_leslie/rose1.jpg"}
	rows := [][]string{header}
	const n = 16
	for i := range n {
		name := d.link(shared[i%len(shared)], fmt.Sprintf("p%02d.jpg", i))
		rows = append(rows, row(fmt.Sprintf("R%02d", i), "found", "", name))
	}
	path := d.csv("cases", rows...)
	args := []string{"import", "--server", r.url, "--csv", path, "--photos", d.photos, "--workers", "1"}

	// stopAfter starts the import and sends sig once it has reported `after` cases.
	stopAfter := func(after int, sig syscall.Signal) (string, int) {
		cmd := cliCommand(token, args...)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		lines := bufio.NewScanner(stdout)
		for seen := 0; lines.Scan(); {
			out.WriteString(lines.Text() + "\n")
			if strings.HasPrefix(lines.Text(), "[") {
				if seen++; seen == after {
					cmd.Process.Signal(sig)
				}
			}
		}
		io.Copy(io.Discard, stdout)
		err = cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("the import stopped by %v: %v\n%s", sig, err, out.String())
		}
		return out.String(), exit.ExitCode()
	}

	out, code := stopAfter(3, syscall.SIGINT)
	s := readSummary(t, path+".summary.json")
	if code != 1 || !s.Interrupted || s.NotAttempted == 0 || s.Created < 3 || s.Created+s.NotAttempted != n || s.Failed != 0 {
		t.Fatalf("after Ctrl-C: exit %d, summary %+v\n%s", code, s, out)
	}
	t.Logf("after Ctrl-C: %d created, %d not attempted", s.Created, s.NotAttempted)
	if _, code := stopAfter(s.Created+2, syscall.SIGKILL); code != -1 {
		t.Fatalf("the killed import exited %d", code)
	}
	// A case whose import stopped between the case and its photo: the last row's, made here.
	r.json(t, "POST", "/v1/cases", map[string]any{"kind": "found", "origin": map[string]any{"source": "trackchild-mp",
		"reference": fmt.Sprintf("R%02d", n-1)}}, http.StatusCreated)
	out, code = cli(t, token, args...)
	s = readSummary(t, path+".summary.json")
	if code != 0 || s.Created+s.Resumed+s.Skipped != n || s.Skipped < 3 || s.Created == 0 || s.Resumed != 1 {
		t.Fatalf("run again: exit %d, summary %+v\n%s", code, s, out)
	}
	t.Logf("run again after the kill: %d created, %d resumed, %d already there", s.Created, s.Resumed, s.Skipped)
	refs := map[string]int{}
	for _, c := range r.cases(t) {
		refs[c.Origin.Reference]++
		if len(c.Photos) != 1 {
			t.Errorf("case %s (reference %s) holds %d photos, want 1", c.ID, c.Origin.Reference, len(c.Photos))
		}
	}
	if len(refs) != n {
		t.Errorf("%d references imported, want %d", len(refs), n)
	}
	for ref, count := range refs {
		if count != 1 {
			t.Errorf("reference %s has %d cases", ref, count)
		}
	}
}
