package inmem

import (
	"bytes"
	"context"
	"encoding/json"

	"childmatch"
)

// photoMagic starts a fake photo: the faces it holds, as JSON, follow it.
var photoMagic = []byte("childmatch-test-photo\n")

// Photo makes the bytes of a fake photo holding faces with the given descriptors, left to right.
func Photo(faces ...childmatch.Descriptor) []byte {
	return append(bytes.Clone(photoMagic), encode(faces)...)
}

// Faces is a fake face analyzer: it finds in a photo made by Photo the faces Photo put there, and refuses
// anything else as an unsupported format.
type Faces struct{}

var _ childmatch.FaceAnalyzer = Faces{}

// ContentType is what Faces sniffs a fake photo as.
const ContentType = "image/x-childmatch-test"

func (Faces) Sniff(data []byte) (string, error) {
	if !bytes.HasPrefix(data, photoMagic) {
		return "", childmatch.Errorf(childmatch.EUnsupportedMedia, "not a test photo")
	}
	return ContentType, nil
}

func (f Faces) Analyze(ctx context.Context, data []byte) (*childmatch.Analysis, error) {
	ct, err := f.Sniff(data)
	if err != nil {
		return nil, err
	}
	var descs []childmatch.Descriptor
	if err := json.Unmarshal(data[len(photoMagic):], &descs); err != nil {
		return nil, childmatch.Errorf(childmatch.EInvalid, "the test photo is damaged")
	}
	a := &childmatch.Analysis{ContentType: ct, Width: 200 * max(1, len(descs)), Height: 200}
	for i, d := range descs {
		box := childmatch.Box{Min: childmatch.Point{X: 200*i + 50, Y: 50}, Max: childmatch.Point{X: 200*i + 150, Y: 150}}
		a.Faces = append(a.Faces, childmatch.DetectedFace{Box: box, Detector: "test", Descriptor: d,
			Quality: childmatch.Quality{FaceSize: box.Width()}, Chip: []byte("chip")})
	}
	return a, nil
}
