package inmem

import (
	"bytes"
	"context"
	"encoding/json"

	"childmatch"
)

// photoMagic starts a fake photo: the faces it holds, as JSON, follow it (their descriptors, or with
// modelsMark first, each face's descriptor and its other models' vectors).
var (
	photoMagic = []byte("childmatch-test-photo\n")
	modelsMark = []byte("models\n")
)

// Photo makes the bytes of a fake photo holding faces with the given descriptors, left to right.
func Photo(faces ...childmatch.Descriptor) []byte {
	return append(bytes.Clone(photoMagic), encode(faces)...)
}

// Face is a face of a fake photo with the vectors of face models beside dlib's, by Embedder.Name.
type Face struct {
	Descriptor childmatch.Descriptor `json:"d"`
	Embeddings map[string][]float32  `json:"e"`
}

// PhotoOf makes the bytes of a fake photo holding faces with their models' vectors, left to right.
func PhotoOf(faces ...Face) []byte {
	return append(append(bytes.Clone(photoMagic), modelsMark...), encode(faces)...)
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
	var faces []Face
	if body, ok := bytes.CutPrefix(data[len(photoMagic):], modelsMark); ok {
		err = json.Unmarshal(body, &faces)
	} else {
		var descs []childmatch.Descriptor
		err = json.Unmarshal(body, &descs)
		for _, d := range descs {
			faces = append(faces, Face{Descriptor: d})
		}
	}
	if err != nil {
		return nil, childmatch.Errorf(childmatch.EInvalid, "the test photo is damaged")
	}
	a := &childmatch.Analysis{ContentType: ct, Width: 200 * max(1, len(faces)), Height: 200}
	for i, f := range faces {
		box := childmatch.Box{Min: childmatch.Point{X: 200*i + 50, Y: 50}, Max: childmatch.Point{X: 200*i + 150, Y: 150}}
		a.Faces = append(a.Faces, childmatch.DetectedFace{Box: box, Detector: "test", Descriptor: f.Descriptor,
			Embeddings: f.Embeddings, Quality: childmatch.Quality{FaceSize: box.Width()}, Chip: []byte("chip")})
	}
	return a, nil
}
