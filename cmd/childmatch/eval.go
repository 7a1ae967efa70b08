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
	strategy := fs.String("strategy", string(evaluation.BestPair), "several enrolled photos: best, mean or both")
	limits := childmatch.DefaultLimits(runtime.NumCPU())
	detector := fs.String("detector", string(matcher.HOGThenCNN), "hog+cnn, hog or cnn")
	jitter := fs.Int("jitter", 0, "jittered copies averaged per descriptor")
	quality := fs.Int("jpeg-quality", childmatch.DefaultJPEGQuality, "quality of the working JPEG handed to dlib")
	fs.IntVar(&limits.WorkingMaxSide, "working-side", limits.WorkingMaxSide, "longest side before detection")
	fs.IntVar(&limits.UpsampleBelowSide, "upsample-below", limits.UpsampleBelowSide, "double photos whose longest side is under this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	faces, err := matcher.New(matcher.Config{ModelsDir: *models, Limits: limits, Detector: matcher.Detector(*detector),
		Jitter: *jitter, JPEGQuality: *quality})
	if err != nil {
		return err
	}
	defer faces.Close()
	rep, err := evaluation.Run(context.Background(), faces, index.New(), evaluation.Config{Data: *data, Enrol: *enrol,
		MaxRank: 10, Threshold: limits.ReviewThreshold, Strategy: evaluation.Strategy(*strategy)})
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
