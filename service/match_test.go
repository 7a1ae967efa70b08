package service_test

import (
	"math"
	"testing"
	"time"

	"childmatch"
	"childmatch/index"
	"childmatch/inmem"
)

const arc = "arc" // a face model beside dlib, 8-d in these tests

// modelWorld is a world whose index holds an 8-d model's vectors beside dlib's.
func modelWorld(t *testing.T) *world {
	return buildWith(t, inmem.New(), time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), inmem.Faces{},
		map[string]childmatch.ModelIndex{arc: index.NewFlat(8)})
}

// vec is an 8-d vector at distance dist from v (along the first axis).
func vec(v []float32, dist float32) []float32 {
	out := append([]float32(nil), v...)
	out[0] += dist
	return out
}

func (w *world) uploadFaces(actor childmatch.Actor, c *childmatch.Case, faces ...inmem.Face) {
	w.t.Helper()
	if _, err := w.svc.AddPhoto(w.ctx, actor, c.ID, inmem.PhotoOf(faces...), 0); err != nil {
		w.t.Fatal(err)
	}
}

// TestSecondModel: the second model's index finds a child dlib's nearest do not hold; uncalibrated, its
// distance is shown but the order stays dlib's; once the deployment's calibration has the model's band,
// the evidence is fused and the child dlib ranked last comes first.
func TestSecondModel(t *testing.T) {
	w := modelWorld(t)
	q := w.person()
	qv := []float32{0, 0, 0, 0, 0, 0, 0, 0}
	// Five strangers dlib puts close to the child (0.45 to 0.49), whom the second model puts far (1.2).
	var strangers []childmatch.ID
	for i := range 5 {
		c := w.newCase(w.officer, childmatch.KindMissing)
		w.uploadFaces(w.officer, c, inmem.Face{Descriptor: w.near(q, 0.45+0.01*float64(i)), Embeddings: map[string][]float32{arc: vec(qv, 1.2)}})
		strangers = append(strangers, c.ID)
	}
	// The child, years earlier: dlib puts the photos 0.62 apart, the second model 0.1.
	child := w.newCase(w.officer, childmatch.KindMissing)
	w.uploadFaces(w.officer, child, inmem.Face{Descriptor: w.near(q, 0.62), Embeddings: map[string][]float32{arc: vec(qv, 0.1)}})

	search := func() []childmatch.Candidate {
		t.Helper()
		res, err := w.svc.Search(w.ctx, w.officer, inmem.PhotoOf(inmem.Face{Descriptor: q, Embeddings: map[string][]float32{arc: qv}}),
			childmatch.SearchQuery{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		return res.Faces[0].Candidates
	}
	cands := search()
	if len(cands) != 5 || cands[0].Case.ID != strangers[0] {
		t.Fatalf("uncalibrated, the order is not dlib's: %v", ids(cands))
	}
	for _, c := range cands {
		if len(c.Models) != 1 || c.Models[0].Model != arc || c.Models[0].Score != nil || math.Abs(float64(c.Models[0].Distance)-1.2) > 1e-4 {
			t.Fatalf("uncalibrated, a candidate's models: %+v", c.Models)
		}
	}
	// Dlib's index alone holds the child at rank 6 of 5: the second model's index found it, the limit cut it.
	cal := childmatch.DefaultCalibration()
	cal.Source = "test"
	cal.Models = map[string]childmatch.ModelBand{arc: {Genuine: childmatch.Spread{Mean: 0.3, SD: 0.15}, Impostor: childmatch.Spread{Mean: 1.2, SD: 0.15}}}
	if err := w.store.PutCalibration(w.ctx, cal); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(childmatch.CalibrationRefresh + time.Second)
	cands = search()
	if cands[0].Case.ID != child.ID {
		t.Fatalf("calibrated, the child is not first: %v (want %s first)", ids(cands), child.ID)
	}
	top := cands[0]
	dlibOnly := cal.Evidence(top.Distance, childmatch.PairOf(w.read(child.ID), &childmatch.Case{CreatedAt: w.now}))
	if top.Models[0].Score == nil || math.Abs(top.Evidence.Score-(dlibOnly.Score+*top.Models[0].Score)/2) > 1e-9 {
		t.Fatalf("the fused score %v is not the mean of dlib's %v and the model's %v", top.Evidence.Score, dlibOnly.Score, top.Models[0].Score)
	}
	if math.Abs(float64(top.Distance)-0.62) > 1e-3 {
		t.Fatalf("the child's dlib distance %v, want 0.62 computed from the records", top.Distance)
	}
}

// TestSecondModelProposals: a found child's proposals take the second model's candidates, weighed by the
// fused evidence.
func TestSecondModelProposals(t *testing.T) {
	w := modelWorld(t)
	cal := childmatch.DefaultCalibration()
	cal.Source = "test"
	cal.Models = map[string]childmatch.ModelBand{arc: {Genuine: childmatch.Spread{Mean: 0.3, SD: 0.15}, Impostor: childmatch.Spread{Mean: 1.2, SD: 0.15}}}
	if err := w.store.PutCalibration(w.ctx, cal); err != nil {
		t.Fatal(err)
	}
	q, qv := w.person(), []float32{1, 0, 0, 0, 0, 0, 0, 0}
	for range childmatch.DefaultLimits(1).ProposalsMax + 2 {
		c := w.newCase(w.officer, childmatch.KindMissing)
		w.uploadFaces(w.officer, c, inmem.Face{Descriptor: w.near(q, 0.5), Embeddings: map[string][]float32{arc: vec(qv, 1.3)}})
	}
	child := w.newCase(w.officer, childmatch.KindMissing)
	w.uploadFaces(w.officer, child, inmem.Face{Descriptor: w.near(q, 0.7), Embeddings: map[string][]float32{arc: vec(qv, 0.05)}})
	found := w.newCase(w.shelter, childmatch.KindFound)
	w.uploadFaces(w.shelter, found, inmem.Face{Descriptor: q, Embeddings: map[string][]float32{arc: qv}})
	var proposed []childmatch.ID
	for _, item := range w.queue() {
		if item.Type == childmatch.ReviewMatch {
			proposed = append(proposed, item.CaseA)
		}
	}
	if len(proposed) != 1 || proposed[0] != child.ID {
		t.Fatalf("proposed %v, want only the child %s, whom the fused evidence makes far the heaviest", proposed, child.ID)
	}
}

// TestCalibrateModels: calibrating fits the second model's band from the confirmed pairs and random pairs.
func TestCalibrateModels(t *testing.T) {
	w := modelWorld(t)
	for i := range childmatch.MinCalibrationPairs {
		face, v := w.person(), make([]float32, 8)
		v[i%8] = 3 * float32(i)
		missing := w.newCase(w.officer, childmatch.KindMissing, age(8))
		w.uploadFaces(w.officer, missing, inmem.Face{Descriptor: face, Embeddings: map[string][]float32{arc: v}})
		found := w.newCase(w.shelter, childmatch.KindFound, age(9))
		w.uploadFaces(w.shelter, found, inmem.Face{Descriptor: w.near(face, 0.3), Embeddings: map[string][]float32{arc: vec(v, 0.2)}})
	}
	for _, item := range w.queue() {
		if item.Type == childmatch.ReviewMatch {
			w.decide(item.ID, childmatch.ReviewConfirmed)
		}
	}
	cal, err := w.svc.Calibrate(w.ctx, w.admin, false)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := cal.Models[arc]
	if !ok || b.N != childmatch.MinCalibrationPairs || math.Abs(b.Genuine.Mean-0.2) > 1e-4 || b.Impostor.Mean < 5 || b.NImp < 1000 {
		t.Fatalf("the model's band: %+v (fitted: %v)", b, ok)
	}
}

func ids(cands []childmatch.Candidate) []childmatch.ID {
	var out []childmatch.ID
	for _, c := range cands {
		out = append(out, c.Case.ID)
	}
	return out
}
