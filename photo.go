package childmatch

import (
	"context"
	"time"
)

// Photo is one uploaded image of a case, stored byte for byte, with the faces found in it.
type Photo struct {
	ID          ID        `json:"id"`
	ContentType string    `json:"content_type"` // sniffed from the bytes, never taken from the client
	Bytes       int64     `json:"bytes"`
	Width       int       `json:"width"` // after EXIF orientation
	Height      int       `json:"height"`
	SHA256      string    `json:"sha256"`
	Faces       []Face    `json:"faces"`
	UploadedAt  time.Time `json:"uploaded_at"`
	UploadedBy  string    `json:"uploaded_by"`
}

// Point is a pixel position in the oriented photo's frame.
type Point struct {
	X int `json:"x"`
	Y int `json:"y"`
}

// Box is a face's bounding box in the oriented photo's frame, Min inclusive, Max exclusive.
type Box struct {
	Min Point `json:"min"`
	Max Point `json:"max"`
}

func (b Box) Width() int  { return b.Max.X - b.Min.X }
func (b Box) Height() int { return b.Max.Y - b.Min.Y }

// Quality holds simple figures about a face that tell a reviewer how far to trust a match, and the uploader
// whether to take the photo again while the child is still there.
type Quality struct {
	FaceSize  int     `json:"face_size"` // width of the face box in the original photo, pixels
	Sharpness float64 `json:"sharpness"` // variance of the Laplacian of the grey face chip; low = blurred
	Low       bool    `json:"low"`       // one of the figures is under its threshold (limits.go)
	// Retake: the face is too small, blurred or turned for a useful match; a new photo would help, and the
	// reasons say what to change (QualitySmall, QualityBlurred, QualityTurned).
	Retake  bool            `json:"retake"`
	Reasons []QualityReason `json:"reasons,omitempty"`
	Notes   []string        `json:"notes,omitempty"`
}

// QualityReason is why a face is too poor for a useful match, as a code clients translate.
type QualityReason string

const (
	QualitySmall   QualityReason = "small"   // narrower than MinFaceSize: come closer
	QualityBlurred QualityReason = "blurred" // sharpness under MinSharpness: hold still, focus
	QualityTurned  QualityReason = "turned"  // turned beyond MaxYaw: face the camera
)

// Face is one face found in a photo.
type Face struct {
	ID         ID         `json:"id"`
	PhotoID    ID         `json:"photo_id"`
	Box        Box        `json:"box"`
	Landmarks  []Point    `json:"landmarks"` // dlib's 5 points: two per eye, one under the nose
	Detector   string     `json:"detector"`  // "hog" or "cnn"
	Quality    Quality    `json:"quality"`
	Descriptor Descriptor `json:"descriptor"`
	// Embeddings are the face's vectors from the other configured face models, by Embedder.Name; dlib's is
	// Descriptor. A face enrolled before a model was configured has none of it.
	Embeddings map[string][]float32 `json:"embeddings,omitempty"`
}

// DetectedFace is what the face pipeline returns for one face: everything of a Face but its ids, and the
// aligned face chip as JPEG bytes.
type DetectedFace struct {
	Box        Box
	Landmarks  []Point
	Detector   string
	Quality    Quality
	Descriptor Descriptor
	Embeddings map[string][]float32 // by Embedder.Name, one per configured model beside dlib
	Chip       []byte
}

// Redescribed is a stored face's vectors computed again (FaceRedescriber).
type Redescribed struct {
	Descriptor Descriptor
	// Found: dlib found the face again where the record says it is; when not, Descriptor is the stored one.
	Found      bool
	Embeddings map[string][]float32 // the configured models' vectors, by Embedder.Name
}

// FaceRedescriber computes the vectors of a stored photo's faces again from the photo, where the record
// says each face is, without detecting the photo's faces again (matcher.Matcher): `childmatch reembed`,
// after a face model is added or upgraded.
type FaceRedescriber interface {
	Redescribe(ctx context.Context, data []byte, faces []Face) ([]Redescribed, error)
}

// Analysis is what the face pipeline makes of one uploaded image.
type Analysis struct {
	ContentType string // sniffed: image/jpeg, image/png, image/gif, image/bmp, image/tiff, image/webp
	Width       int    // after EXIF orientation
	Height      int
	Faces       []DetectedFace // sorted left to right; empty when no face was found
}

// FaceAnalyzer is the face pipeline: it turns uploaded bytes into faces. It returns EUnsupportedMedia for
// what is not an accepted image, ETooLarge for bytes or pixels over the limits, EInvalid for a corrupt
// image, and an Analysis with no faces when the image holds none.
type FaceAnalyzer interface {
	Analyze(ctx context.Context, data []byte) (*Analysis, error)
	// Sniff returns the content type of an accepted image, or the errors of Analyze that its header tells
	// (EUnsupportedMedia, ETooLarge, EInvalid for a header that does not parse), decoding no pixel: it is
	// cheap, and lets an upload be stored while it is analysed without storing what is plainly refused.
	Sniff(data []byte) (string, error)
}

// PhotoResult is the answer to an upload: the stored photo and, per face, its candidates.
type PhotoResult struct {
	CaseID ID            `json:"case_id"`
	Photo  Photo         `json:"photo"`
	Faces  []FaceMatches `json:"faces"`
	// Proposed counts the pairs the photo put in the review queue (new or brought back).
	Proposed int `json:"proposed"`
}

// PhotoService is the path of a photo (service.Service): uploads to a case, searches by photo, and
// reading what was stored.
type PhotoService interface {
	// AddPhoto analyses, stores, commits, indexes and matches a photo of a case.
	AddPhoto(ctx context.Context, actor Actor, caseID ID, data []byte, limit int) (*PhotoResult, error)
	// Search finds the cases nearest to every face of a photo, storing nothing.
	Search(ctx context.Context, actor Actor, data []byte, q SearchQuery) (*SearchResult, error)
	// Blob opens a stored photo or face chip the actor may see; the caller closes it.
	Blob(ctx context.Context, actor Actor, kind BlobKind, id ID) (*Blob, error)
}
