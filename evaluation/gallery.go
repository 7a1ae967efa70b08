package evaluation

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"childmatch"
)

// GalleryReport is identification as the gallery grows: the registered people alone, then with every face
// of the distractor photos, then with synthetic faces up to each gallery size. Every distractor face is a
// case of its own; the queries are the same at every size.
type GalleryReport struct {
	Distractors      string         `json:"distractors,omitempty"` // the folder
	DistractorPhotos int            `json:"distractor_photos"`
	Seed             uint64         `json:"seed"` // of the synthetic faces (Config.Seed)
	Points           []GalleryPoint `json:"points"`
}

// GalleryPoint is the queries' CMC against one gallery.
type GalleryPoint struct {
	Cases       int `json:"cases"`       // registered people + distractor faces + synthetic faces
	Distractors int `json:"distractors"` // faces of the distractor photos
	Synthetic   int `json:"synthetic"`
	CMC         CMC `json:"cmc"`
	// NearestOther is the distribution over the queries of the distance to the nearest case of someone
	// else; its UnderThreshold is the share of queries that put another case before a reviewer.
	NearestOther Summary `json:"nearest_other"`
}

// SyntheticDescriptor draws a face shaped like dlib's descriptors (the root shape.go): each component
// from a normal distribution with the mean and spread the model gives real faces. Two of them lie about
// 0.87 apart, as two photos of different people do.
func SyntheticDescriptor(r *rand.Rand) childmatch.Descriptor {
	var d childmatch.Descriptor
	for i := range d {
		d[i] = childmatch.DescriptorMean[i] + childmatch.DescriptorSpread[i]*float32(r.NormFloat64())
	}
	return d
}

// checkGallery refuses a distractor folder that is not one and gallery sizes that are not positive, before
// any photo is analysed, and sorts the sizes.
func checkGallery(cfg *Config) error {
	if cfg.Distractors != "" {
		if st, err := os.Stat(cfg.Distractors); err != nil || !st.IsDir() {
			return childmatch.FieldError("distractors", "%s is not a folder", cfg.Distractors)
		}
	}
	for _, n := range cfg.Gallery {
		if n < 1 {
			return childmatch.FieldError("gallery", "a gallery size is a number of cases, at least 1, not %d", n)
		}
	}
	cfg.Gallery = slices.Compact(slices.Sorted(slices.Values(cfg.Gallery)))
	return nil
}

// grow adds the distractors and then the synthetic faces to the index, which holds the registered people,
// and measures the queries at each gallery size. The synthetic faces are drawn one at a time straight into
// the index, so memory is the index's own (about 700 bytes a face).
func grow(ctx context.Context, faces childmatch.FaceAnalyzer, ix childmatch.FaceIndex, cfg Config,
	persons map[string]childmatch.ID, queries []*Sample) (*GalleryReport, error) {
	g := &GalleryReport{Distractors: cfg.Distractors, Seed: cfg.Seed}
	attrs := childmatch.FaceAttrs{Kind: childmatch.KindMissing, Status: childmatch.StatusOpen}
	add := func(d *childmatch.Descriptor) {
		id := childmatch.NewID()
		ix.Add(childmatch.FaceRef{FaceID: id, CaseID: id}, d, attrs)
	}
	distractors, synthetic := 0, 0
	measure := func() {
		_, cmc, others := ranks(ix, queries, persons, cfg.MaxRank)
		g.Points = append(g.Points, GalleryPoint{Cases: len(persons) + distractors + synthetic,
			Distractors: distractors, Synthetic: synthetic, CMC: cmc, NearestOther: summarise(others, float64(cfg.Threshold))})
	}
	measure()
	if cfg.Distractors != "" {
		err := filepath.WalkDir(cfg.Distractors, func(path string, e fs.DirEntry, err error) error {
			if err != nil || !isPhoto(filepath.Dir(path), e) {
				return err
			}
			a, _, err := analyse(ctx, faces, path)
			if err != nil {
				return err
			}
			g.DistractorPhotos++
			for _, f := range a.Faces {
				add(&f.Descriptor)
				distractors++
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if distractors == 0 {
			return nil, childmatch.FieldError("distractors", "no face in the %d photos under %s", g.DistractorPhotos, cfg.Distractors)
		}
		measure()
	}
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed))
	for _, size := range cfg.Gallery {
		want := size - len(persons) - distractors
		if want < synthetic {
			return nil, childmatch.FieldError("gallery", "gallery size %d is below the %d cases already registered (people and distractor faces)",
				size, len(persons)+distractors)
		}
		if grower, ok := ix.(interface{ Grow(n int) }); ok {
			grower.Grow(want - synthetic)
		}
		for ; synthetic < want; synthetic++ {
			d := SyntheticDescriptor(r)
			add(&d)
		}
		measure()
	}
	return g, nil
}
