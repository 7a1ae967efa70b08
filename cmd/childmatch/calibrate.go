package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"childmatch"
)

// runCalibrate is `childmatch calibrate --server URL [--save]`: it asks a running service (as an admin,
// with the token from CHILDMATCH_TOKEN or --token-file) to refit the evidence's calibration from the
// deployment's own confirmed pairs and random pairs of different cases, prints the bands beside the
// measured defaults, and with --save stores it for every process.
func runCalibrate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	server := fs.String("server", "http://localhost:8080", "the running service")
	save := fs.Bool("save", false, "store the refitted calibration (without: only show it)")
	tokenFile := fs.String("token-file", "", "a file (mode 0600) holding an admin's token; default $CHILDMATCH_TOKEN")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tokenFile != "" {
		os.Setenv("CHILDMATCH_TOKEN_FILE", *tokenFile)
	}
	token, err := secret("CHILDMATCH_TOKEN")
	if err != nil {
		return err
	}
	if token == "" {
		return fmt.Errorf("an admin's token is needed: set CHILDMATCH_TOKEN or --token-file")
	}
	body, _ := json.Marshal(map[string]bool{"save": *save})
	req, err := http.NewRequest("POST", strings.TrimRight(*server, "/")+"/v1/calibration", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		json.Unmarshal(b, &e)
		return fmt.Errorf("the service answered %d: %s", resp.StatusCode, e.Error.Message)
	}
	var cal childmatch.Calibration
	if err := json.Unmarshal(b, &cal); err != nil {
		return fmt.Errorf("the service's answer: %w", err)
	}
	printCalibration(out, cal, *save)
	return nil
}

func printCalibration(out io.Writer, cal childmatch.Calibration, saved bool) {
	def := childmatch.DefaultCalibration()
	fmt.Fprintf(out, "%s\n\n| band | pairs | mean / sd | default mean / sd |\n|---|---|---|---|\n", cal.Source)
	for i, b := range cal.Genuine {
		who, when := "child", "under 1 year"
		if b.Adult {
			who = "adult"
		}
		if b.MaxYears == 0 {
			when = "a year or more"
		}
		fmt.Fprintf(out, "| same person, later photo of a %s, %s apart | %d | %.3f / %.3f | %.3f / %.3f |\n", who, when, b.N,
			b.Genuine.Mean, b.Genuine.SD, def.Genuine[i].Genuine.Mean, def.Genuine[i].Genuine.SD)
	}
	for i, b := range cal.Impostor {
		who := fmt.Sprintf("under %d", b.MaxAge)
		if b.MaxAge == 0 {
			who = "adults"
		}
		fmt.Fprintf(out, "| two different people, %s | %d | %.3f / %.3f | %.3f / %.3f |\n", who, b.N,
			b.Impostor.Mean, b.Impostor.SD, def.Impostor[i].Impostor.Mean, def.Impostor[i].Impostor.SD)
	}
	if saved {
		fmt.Fprintln(out, "\nsaved: every process weighs with it within", childmatch.CalibrationRefresh)
	} else {
		fmt.Fprintln(out, "\nnot saved (run again with --save to use it)")
	}
}
