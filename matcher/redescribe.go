package matcher

import (
	"context"
	"image"

	"childmatch"
)

var _ childmatch.FaceRedescriber = (*Matcher)(nil)

// Redescribe computes the vectors of a stored photo's faces again, where the record says they are: dlib's
// descriptor on a crop around each box at the photo's own resolution (describe: dlib finds the face
// again in the crop, as Analyze does after detection), and the configured models' vectors from the
// stored landmarks. It runs no detection on the whole photo, which is most of an upload's time.
func (m *Matcher) Redescribe(ctx context.Context, data []byte, faces []childmatch.Face) ([]childmatch.Redescribed, error) {
	img, size, ct, err := decode(data, m.limits)
	if err != nil {
		return nil, err
	}
	if decodedBytes(img) > childmatch.ReleaseAboveBytes {
		img = working(img, m.limits) // as Analyze: a huge decoded image is not held while faces are described
		release()
	}
	if err := stopped(ctx); err != nil {
		return nil, err
	}
	var w *worker
	select {
	case w = <-m.pool:
	case <-ctx.Done():
		return nil, stopped(ctx)
	}
	defer func() { m.pool <- w }()
	boxes := make([]childmatch.Box, len(faces))
	for i := range faces {
		boxes[i] = faces[i].Box
	}
	fine := m.finer(data, ct, img, size, boxes)
	out := make([]childmatch.Redescribed, len(faces))
	described := make([]childmatch.DetectedFace, len(faces))
	aligned := make([][]childmatch.Point, len(faces))
	for i, f := range faces {
		if err := stopped(ctx); err != nil {
			return nil, err
		}
		out[i].Descriptor = f.Descriptor
		d, _, ok, err := m.describe(w, fine, rescaleBox(f.Box, size, fine.Bounds().Size()))
		if err != nil {
			return nil, err
		}
		if ok {
			out[i].Descriptor, out[i].Found = d, true
		}
		described[i].Descriptor = out[i].Descriptor
		aligned[i] = rescalePoints(f.Landmarks, size, img.Bounds().Size())
	}
	if err := m.embed(ctx, img, described, aligned); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Embeddings = described[i].Embeddings
	}
	return out, nil
}

// rescalePoints maps points from a frame of size from to a frame of size to of the same picture.
func rescalePoints(ps []childmatch.Point, from, to image.Point) []childmatch.Point {
	out := make([]childmatch.Point, len(ps))
	for i, p := range ps {
		out[i] = childmatch.Point{X: int(float64(p.X)*float64(to.X)/float64(from.X) + 0.5), Y: int(float64(p.Y)*float64(to.Y)/float64(from.Y) + 0.5)}
	}
	return out
}

func rescaleBox(b childmatch.Box, from, to image.Point) childmatch.Box {
	ps := rescalePoints([]childmatch.Point{b.Min, b.Max}, from, to)
	return childmatch.Box{Min: ps[0], Max: ps[1]}
}
