package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"childmatch"
	"childmatch/evaluation"
	"childmatch/index"
	"childmatch/matcher"
)

// runEval is `childmatch eval`: match quality on a folder of photos, one sub-folder per person, through
// the same face pipeline and index the service uses. It prints a Markdown table and writes report.md,
// report.json, distances.png and cmc.png to --out; --age-gap adds the figures per age-gap bucket and per
// age at the first photo (cmc-gap.png, cmc-age.png), --distractors and --gallery those against gallery
// size (gallery.png).
func runEval(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	data := fs.String("data", "../shared/testdata/faces", "folder with one sub-folder of photos per person")
	out := fs.String("out", "bench/out/eval", "folder for the report and plots")
	enrol := fs.Int("enrol", 1, "photos per person enrolled; the others are the queries")
	models := fs.String("models", env("CHILDMATCH_MODELS_DIR", "./models"), "folder with the dlib models")
	strategy := fs.String("strategy", string(evaluation.BestPair), "several enrolled photos: best, mean or both")
	limits := childmatch.DefaultLimits(runtime.NumCPU())
	detector := fs.String("detector", "", "mtcnn+hog+cnn, hog+cnn, hog or cnn (default: the service's, CHILDMATCH_DETECTOR)")
	jitter := fs.Int("jitter", 0, "jittered copies averaged per descriptor")
	quality := fs.Int("jpeg-quality", childmatch.DefaultJPEGQuality, "quality of the working JPEG handed to dlib")
	fs.BoolVar(&limits.Mirror, "mirror", limits.Mirror, "describe each face as the mean of its crop's and its mirror image's descriptors")
	fs.IntVar(&limits.DescribeMaxSide, "describe-side", limits.DescribeMaxSide, "widest a face is described at, pixels")
	fs.IntVar(&limits.WorkingMaxSide, "working-side", limits.WorkingMaxSide, "longest side before detection")
	ageGap := fs.Bool("age-gap", false, "date the photos (photos.csv or <yyyy-mm-dd>_ / <age>_ name prefixes), enrol each person's earliest and report per age gap and age")
	distractors := fs.String("distractors", "", "folder of photos of other people: every face is added as another case")
	gallery := fs.String("gallery", "", "gallery sizes to grow to with synthetic dlib-shaped faces, e.g. 10000,100000,1000000")
	seed := fs.Uint64("seed", 1, "seed of the synthetic faces")
	fs.IntVar(&limits.UpsampleBelowSide, "upsample-below", limits.UpsampleBelowSide, "double photos whose longest side is under this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sizes, err := gallerySizes(*gallery)
	if err != nil {
		return err
	}
	// A second face model from CHILDMATCH_ONNX_MODEL (and _LIB, _NAME, _METRIC), as the service reads it:
	// the report then shows each model and their fusion side by side.
	onnx, err := onnxConfig()
	if err != nil {
		return err
	}
	embedders, closeEmbedders, err := loadEmbedders(onnx, nil)
	if err != nil {
		return err
	}
	defer closeEmbedders()
	if *detector == "" {
		d, err := detectorConfig(onnx.Library)
		if err != nil {
			return err
		}
		*detector = string(d)
	}
	faces, err := matcher.New(matcher.Config{ModelsDir: *models, Limits: limits, Detector: matcher.Detector(*detector),
		ONNXLibrary: onnx.Library, Jitter: *jitter, JPEGQuality: *quality, Embedders: embedders})
	if err != nil {
		return err
	}
	defer faces.Close()
	rep, err := evaluation.Run(context.Background(), faces, index.New(), evaluation.Config{Data: *data, Enrol: *enrol,
		MaxRank: 10, Threshold: limits.ReviewThreshold, Strategy: evaluation.Strategy(*strategy), AgeGap: *ageGap,
		Distractors: *distractors, Gallery: sizes, Seed: *seed})
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

// gallerySizes parses --gallery: comma-separated numbers of cases.
func gallerySizes(list string) ([]int, error) {
	var sizes []int
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' }) {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, childmatch.FieldError("gallery", "%q is not a number of cases (write sizes as 10000,100000,1000000)", f)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}
