package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"

	"childmatch"
	"childmatch/evaluation"
	"childmatch/index"
	"childmatch/matcher"
)

// runEval is `childmatch eval`: match quality on a folder of photos, one sub-folder per person, through
// the same face pipeline and index the service uses. It prints a Markdown table and writes report.md,
// report.json, distances.png and cmc.png to --out.
func runEval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	data := fs.String("data", "../shared/testdata/faces", "folder with one sub-folder of photos per person")
	out := fs.String("out", "bench/out/eval", "folder for the report and plots")
	enrol := fs.Int("enrol", 1, "photos per person enrolled; the others are the queries")
	models := fs.String("models", env("CHILDMATCH_MODELS_DIR", "./models"), "folder with the dlib models")
	if err := fs.Parse(args); err != nil {
		return err
	}
	limits := childmatch.DefaultLimits(runtime.NumCPU())
	faces, err := matcher.New(matcher.Config{ModelsDir: *models, Limits: limits})
	if err != nil {
		return err
	}
	defer faces.Close()
	rep, err := evaluation.Run(context.Background(), faces, index.New(), evaluation.Config{Data: *data, Enrol: *enrol,
		MaxRank: 10, Threshold: limits.ReviewThreshold})
	if err != nil {
		return err
	}
	if err := rep.Write(*out); err != nil {
		return err
	}
	fmt.Print(rep.Markdown())
	fmt.Fprintf(os.Stderr, "report and plots in %s\n", *out)
	return nil
}
