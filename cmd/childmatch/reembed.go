package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"childmatch"
	"childmatch/service"
)

// runReembed is `childmatch reembed [--workers N] [--restart]`: with the service's own configuration (its
// MinIO, its face models), it describes every stored face again from the stored photos while the service
// keeps serving, one case at a time (service.Reembed). It prints a line of progress every few seconds and
// keeps its position in the data folder (reembed.checkpoint), so a run stopped by Ctrl-C or a crash goes
// on where it stopped; the position belongs to the models it was made with, and a run with other models
// starts from the beginning. It exits 1 when any case failed, listing them.
func runReembed(args []string, log *slog.Logger, out io.Writer) error {
	fs := flag.NewFlagSet("reembed", flag.ContinueOnError)
	workers := fs.Int("workers", 0, "cases described at once (default: the configured workers, one per core)")
	restart := fs.Bool("restart", false, "start from the first case, not from the saved position")
	every := fs.Duration("progress", 5*time.Second, "how often a line of progress is printed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, store, ctx, stop, err := begin(log)
	defer stop()
	if err != nil {
		return err
	}
	if *workers > 0 {
		cfg.limits.Workers = *workers
	}
	faces, embedders, closeFaces, err := openFaces(cfg, log)
	if err != nil {
		return err
	}
	defer closeFaces()
	models, err := modelsSignature(cfg, embedders)
	if err != nil {
		return err
	}
	path := filepath.Join(cfg.dataDir, "reembed.checkpoint")
	var from reembedPosition
	if !*restart {
		if err = readCheckpoint(path, &from); err != nil {
			return err
		}
		if from.Models != models {
			from = reembedPosition{} // made with other models: every face needs the new ones
		}
	}
	if !from.Position.IsZero() {
		fmt.Fprintf(out, "reembed: resuming after case %s\n", from.Position)
	}
	last := time.Now()
	var saveErr error
	p, err := service.Reembed(ctx, store, faces, service.ReembedConfig{Workers: cfg.limits.Workers, After: from.Position,
		MaxBytes: cfg.limits.MaxUploadBytes, Log: log, Progress: func(p service.ReembedProgress) {
			if time.Since(last) < *every {
				return
			}
			last = time.Now()
			printProgress(out, p)
			if err := writeCheckpoint(path, reembedPosition{Models: models, Position: p.Position}); err != nil && saveErr == nil {
				saveErr = err
			}
		}})
	if saveErr == nil && !p.Position.IsZero() {
		saveErr = writeCheckpoint(path, reembedPosition{Models: models, Position: p.Position})
	}
	printProgress(out, p)
	if err := errors.Join(err, saveErr); err != nil {
		return err
	}
	if ctx.Err() != nil {
		fmt.Fprintf(out, "reembed: stopped; run it again to go on after case %s\n", p.Position)
		return nil
	}
	if len(p.Failed) > 0 {
		slices.SortFunc(p.Failed, func(a, b childmatch.ID) int { return strings.Compare(a.String(), b.String()) })
		for _, id := range p.Failed {
			fmt.Fprintf(out, "reembed: case %s failed (see the log); run with --restart to try it again\n", id)
		}
		return fmt.Errorf("%d cases failed", len(p.Failed))
	}
	fmt.Fprintln(out, "reembed: done")
	return nil
}

func printProgress(out io.Writer, p service.ReembedProgress) {
	rate := float64(p.Photos) / max(p.Took.Seconds(), 1e-9)
	fmt.Fprintf(out, "reembed: %d cases (%d written, %d failed), %d photos, %d faces (%d not found again), %.1f photos/s, position %s\n",
		p.Cases, p.Written, len(p.Failed), p.Photos, p.Faces, p.NotFound, rate, p.Position)
}

// reembedPosition is a run's position and the models it was made with.
type reembedPosition struct {
	Models   string        `json:"models"`
	Position childmatch.ID `json:"position"`
}

// modelsSignature names the face models a run computes vectors with: the SHA-256 of dlib's recognition
// weights and of each other model's file, with its name and dimension.
func modelsSignature(cfg config, embedders []childmatch.Embedder) (string, error) {
	h := sha256.New()
	files := []string{filepath.Join(cfg.modelsDir, "dlib_face_recognition_resnet_model_v1.dat")}
	if cfg.onnx.Model != "" {
		files = append(files, cfg.onnx.Model)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	for _, e := range embedders {
		fmt.Fprintf(h, "%s:%d;", e.Name(), e.Dim())
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
