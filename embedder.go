package childmatch

import (
	"context"
	"image"
)

// Metric is how a face model's vectors are compared.
type Metric string

const (
	// Euclidean compares vectors as they come from the model (dlib's).
	Euclidean Metric = "euclidean"
	// Cosine compares directions: the embedder scales each vector to unit length, so ranking by Euclidean
	// distance d ranks by cosine similarity, which is 1 - d²/2 (ArcFace-class models).
	Cosine Metric = "cosine"
)

// DlibModel is dlib's name among a face's models; its vector is Face.Descriptor, the others are in
// Face.Embeddings under their Embedder's Name.
const DlibModel = "dlib"

// EmbedFace is one detected face as a face model receives it: the photo it was found in and what dlib's
// detection found there. Each model aligns the face to its own template from the landmarks.
type EmbedFace struct {
	Photo     image.Image // the upright decoded photo
	Landmarks []Point     // dlib's 5 points (two corners of each eye, the base of the nose), in Photo's pixels
	// Descriptor is dlib's, computed by the detection pass: go-face detects, aligns and embeds in one call.
	Descriptor *Descriptor
}

// Embedder is a face model: dlib's (matcher.Dlib), or a model a deployment provides (matcher.ONNX).
// Implementations are safe for concurrent use.
type Embedder interface {
	// Name keys the model's vectors in Face.Embeddings: stable for a deployment, since stored vectors are
	// only comparable with vectors of the same model.
	Name() string
	Dim() int
	Metric() Metric
	// Embed returns one vector of Dim components per face, in order, running the faces of a photo together.
	Embed(ctx context.Context, faces []EmbedFace) ([][]float32, error)
}
