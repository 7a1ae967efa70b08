package childmatch

import "time"

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

// Quality holds simple figures about a face that tell a reviewer how far to trust a match.
type Quality struct {
	FaceSize  int      `json:"face_size"` // width of the face box in the original photo, pixels
	Sharpness float64  `json:"sharpness"` // variance of the Laplacian of the grey face chip; low = blurred
	Low       bool     `json:"low"`       // one of the figures is under its threshold (limits.go)
	Notes     []string `json:"notes,omitempty"`
}

// Face is one face found in a photo.
type Face struct {
	ID         ID         `json:"id"`
	PhotoID    ID         `json:"photo_id"`
	Box        Box        `json:"box"`
	Landmarks  []Point    `json:"landmarks"` // dlib's 5 points: two per eye, one under the nose
	Detector   string     `json:"detector"`  // "hog" or "cnn"
	Quality    Quality    `json:"quality"`
	Descriptor Descriptor `json:"descriptor"`
}

// DetectedFace is what the face pipeline returns for one face: everything of a Face but its ids, and the
// aligned face chip as JPEG bytes.
type DetectedFace struct {
	Box        Box
	Landmarks  []Point
	Detector   string
	Quality    Quality
	Descriptor Descriptor
	Chip       []byte
}

// Analysis is what the face pipeline makes of one uploaded image.
type Analysis struct {
	ContentType string // sniffed: image/jpeg, image/png, image/gif, image/bmp, image/tiff, image/webp
	Width       int    // after EXIF orientation
	Height      int
	Faces       []DetectedFace // sorted left to right; empty when no face was found
}
