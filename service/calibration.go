package service

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"childmatch"
)

// calibration is the evidence's calibration in use: the deployment's fitted one from the store, read
// again every CalibrationRefresh, else the measured default.
type calibration struct {
	store childmatch.CalibrationStore // nil: the default always
	mu    sync.Mutex
	cur   childmatch.Calibration
	read  time.Time
}

// get returns the calibration in use, reading the store's again when it is due. The read runs outside the
// lock, so answers go on being weighed meanwhile, and on its own context, so one request's end does not
// cut it. A store that cannot be read keeps the one in use (the evidence of an answer does not fail it).
func (c *calibration) get(ctx context.Context, now time.Time, log func(error)) childmatch.Calibration {
	c.mu.Lock()
	if c.cur.Genuine == nil {
		c.cur = childmatch.DefaultCalibration()
	}
	cur, due := c.cur, c.store != nil && now.Sub(c.read) >= childmatch.CalibrationRefresh
	if due {
		c.read = now // one reader at a time
	}
	c.mu.Unlock()
	if !due {
		return cur
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), childmatch.DefaultStoreCallTimeout)
	defer cancel()
	fitted, err := c.store.Calibration(ctx)
	switch {
	case childmatch.ErrorCodeOf(err) == childmatch.ENotFound:
		fitted = childmatch.DefaultCalibration()
	case err != nil:
		log(err)
		return cur
	case fitted.Valid() != nil:
		log(fitted.Valid())
		return cur
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur = fitted
	return fitted
}

func (c *calibration) set(cal childmatch.Calibration, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur, c.read = cal, now
}

// cal is the calibration to weigh candidates with now.
func (s *Service) cal(ctx context.Context) childmatch.Calibration {
	return s.calibration.get(ctx, s.now(), func(err error) { s.log.Warn("reading the calibration", "err", err) })
}

// Calibration returns the calibration in use. Admins only.
func (s *Service) Calibration(ctx context.Context, actor childmatch.Actor) (childmatch.Calibration, error) {
	if err := actor.Require(childmatch.ActCalibrate); err != nil {
		return childmatch.Calibration{}, err
	}
	return s.cal(ctx), s.audit.Record(ctx, actor, "calibration.read", nil, "")
}

// Calibrate refits the calibration from the deployment's own pairs and, if save, stores it for every
// process: genuine pairs are the confirmed review items (matches and same-child), impostor pairs faces of
// two different cases not linked to each other, drawn at random (CalibrationSamples). Confirmed pairs
// are those the matching proposed and a person confirmed, so they lean to the closer; the impostor pairs
// are random, so their spread is the gallery's own. Admins only; it reads descriptors and decisions, and
// answers only figures.
func (s *Service) Calibrate(ctx context.Context, actor childmatch.Actor, save bool) (childmatch.Calibration, error) {
	if err := actor.Require(childmatch.ActCalibrate); err != nil {
		return childmatch.Calibration{}, err
	}
	if save && s.calibration.store == nil {
		return childmatch.Calibration{}, childmatch.Errorf(childmatch.EUnavailable, "this service keeps no calibration")
	}
	cases := map[childmatch.ID]*childmatch.Case{}
	var faces []childmatch.FaceRef // every face, with its case
	err := s.store.WalkCases(ctx, childmatch.ID{}, func(c *childmatch.Case) (bool, error) {
		cases[c.ID] = c
		for _, f := range c.Faces() {
			faces = append(faces, childmatch.FaceRef{FaceID: f.ID, CaseID: c.ID})
		}
		return true, nil
	})
	if err != nil {
		return childmatch.Calibration{}, err
	}
	face := map[childmatch.ID]*childmatch.Face{}
	for _, c := range cases {
		for _, p := range c.Photos {
			for i := range p.Faces {
				face[p.Faces[i].ID] = &p.Faces[i]
			}
		}
	}
	var genuine []childmatch.Measured
	models := newModelPairs()
	linked := map[[2]childmatch.ID]bool{}
	err = s.reviews.WalkReviews(ctx, func(r *childmatch.Review) (bool, error) {
		a, b := cases[r.CaseA], cases[r.CaseB]
		if r.State == childmatch.ReviewConfirmed && a != nil && b != nil {
			genuine = append(genuine, childmatch.Measured{Distance: r.Distance, Pair: childmatch.PairOf(a, b)})
			models.genuinePair(a, b)
			linked[[2]childmatch.ID{a.ID, b.ID}], linked[[2]childmatch.ID{b.ID, a.ID}] = true, true
		}
		return true, nil
	})
	if err != nil {
		return childmatch.Calibration{}, err
	}
	var impostor []childmatch.Measured
	pair := func(x, y childmatch.FaceRef) {
		if x.CaseID != y.CaseID && !linked[[2]childmatch.ID{x.CaseID, y.CaseID}] {
			fx, fy := face[x.FaceID], face[y.FaceID]
			impostor = append(impostor, childmatch.Measured{Distance: fx.Descriptor.Distance(&fy.Descriptor),
				Pair: childmatch.PairOf(cases[x.CaseID], cases[y.CaseID])})
			models.impostorPair(fx, fy)
		}
	}
	if n := len(faces); n*(n-1)/2 <= childmatch.CalibrationSamples {
		// Few enough for every pair, each once: drawing with replacement from a handful of faces would count
		// the same few pairs thousands of times as if they were a gallery.
		for i := range faces {
			for j := i + 1; j < n; j++ {
				pair(faces[i], faces[j])
			}
		}
	} else {
		r := rand.New(rand.NewPCG(uint64(s.now().UnixNano()), uint64(n)))
		for tries := 0; len(impostor) < childmatch.CalibrationSamples && tries < 4*childmatch.CalibrationSamples; tries++ {
			pair(faces[r.IntN(n)], faces[r.IntN(n)])
		}
	}
	now := s.now().UTC()
	cal := childmatch.Fit(childmatch.DefaultCalibration(), genuine, impostor, fmt.Sprintf(
		"fitted %s from %d confirmed pairs and %d pairs of faces of different cases", now.Format(time.DateOnly), len(genuine), len(impostor)))
	cal.Models = models.fit()
	if err := cal.Valid(); err != nil {
		return childmatch.Calibration{}, err
	}
	if save {
		if err := s.calibration.store.PutCalibration(ctx, cal); err != nil {
			return childmatch.Calibration{}, err
		}
		s.calibration.set(cal, s.now())
	}
	action := "calibration.fit"
	if save {
		action = "calibration.save"
	}
	return cal, s.audit.Record(ctx, actor, action, nil, "")
}

// modelPairs gathers the distances of the face models beside dlib between the pairs a calibration is
// fitted from, by model.
type modelPairs struct{ genuine, impostor map[string][]float64 }

func newModelPairs() *modelPairs {
	return &modelPairs{genuine: map[string][]float64{}, impostor: map[string][]float64{}}
}

// genuinePair adds the nearest distance of each model between two cases confirmed as one child.
func (m *modelPairs) genuinePair(a, b *childmatch.Case) {
	for _, mm := range modelDistances(a.Faces(), b.Faces()) {
		m.genuine[mm.Model] = append(m.genuine[mm.Model], float64(mm.Distance))
	}
}

// impostorPair adds each model's distance between two faces of different children.
func (m *modelPairs) impostorPair(x, y *childmatch.Face) {
	for _, mm := range modelDistances([]childmatch.Face{*x}, []childmatch.Face{*y}) {
		m.impostor[mm.Model] = append(m.impostor[mm.Model], float64(mm.Distance))
	}
}

// fit returns the bands of the models with enough pairs of both kinds; nil when none has.
func (m *modelPairs) fit() map[string]childmatch.ModelBand {
	var out map[string]childmatch.ModelBand
	for name, g := range m.genuine {
		if b, ok := childmatch.FitModel(g, m.impostor[name]); ok {
			if out == nil {
				out = map[string]childmatch.ModelBand{}
			}
			out[name] = b
		}
	}
	return out
}
