package childmatch

import "time"

// Every threshold and limit of the service lives in this file, with the reason for its value, whichever
// package applies it. Those a deployment may need to change are fields of Limits, filled from the
// environment by cmd/childmatch; the rest are constants. What only describes how one package does its
// work, not how far it may go (the index's code scale and block size, the snapshot format, the chip's
// pixel size), stays beside that code.

// Limits are the per-deployment settings of the face pipeline and of matching.
type Limits struct {
	// MaxUploadBytes refuses an upload before it is read further. 20 MiB holds any phone photo (a 50 MP
	// JPEG is 10–15 MB) while keeping a request's memory bounded.
	MaxUploadBytes int64
	// MaxPixels refuses an image whose header declares more pixels, before any pixel is decoded, so a
	// decompression bomb (a tiny PNG declaring 100000×100000) is never expanded. 40 MP is above every
	// phone camera's default mode; decoded RGBA at 40 MP is 160 MB, the most one request may hold.
	MaxPixels int
	// WorkingMaxSide is the longest side the photo is scaled down to before detection. dlib's HOG detector
	// finds faces from about 80 px wide; at 1600 px a face a twentieth of the photo's width is still found,
	// and detection time grows with the pixel count, so larger working sizes cost time without finding
	// faces in ordinary photos. Box coordinates are mapped back to the original frame.
	WorkingMaxSide int
	// UpsampleBelowSide: photos whose longest side is under this are doubled before detection, because a
	// face in a small photo is usually under HOG's 80 px minimum (the effect of dlib's upsample=1).
	UpsampleBelowSide int
	// ReviewThreshold is the distance under which a candidate is put in front of a reviewer. 0.6 is dlib's
	// operating point for adults (99.38% on LFW). It is a review threshold, never a verdict, and it is weaker
	// for children and across years: a deployment should measure its own trade-off (`make eval`) and set it.
	ReviewThreshold float32
	// Workers is the number of face recognizers in the pool. go-face serialises all work inside one
	// recognizer, so parallel requests need one each; each holds the models (about 130 MB).
	Workers int
}

// DefaultLimits returns the defaults explained on each field of Limits.
func DefaultLimits(cpus int) Limits {
	if cpus < 1 {
		cpus = 1
	}
	return Limits{
		MaxUploadBytes:    20 << 20,
		MaxPixels:         40_000_000,
		WorkingMaxSide:    1600,
		UpsampleBelowSide: 800,
		ReviewThreshold:   0.6,
		Workers:           cpus,
	}
}

const (
	// DefaultJPEGQuality is the quality of the working JPEG handed to go-face, which reads nothing else
	// (libjpeg-turbo encodes it, six times faster than image/jpeg). At 95 the re-encoding changes
	// descriptors by far less than the distance between two photos of one face (README: levers).
	DefaultJPEGQuality = 95
	// MaxYaw: the nose's offset from the eyes' midpoint, over the distance between the eyes, beyond which
	// the face is turned far enough to weaken matching (flagged low quality).
	MaxYaw = 0.35
	// WorkingSlack: a photo whose longer side is at most this fraction above WorkingMaxSide is detected as it
	// is, not scaled down. A 1920 px JPEG is decoded at 7/8 (1680 px, see matcher.decodeJPEG): HOG on its
	// 10% more pixels costs less than resizing it (README: speed).
	WorkingSlack = 1.0 / 16

	// DefaultSearchLimit and MaxSearchLimit bound the candidates returned per face: ten fit a phone
	// screen; a hundred is the most a reviewer can compare, and bounds the case records read per query.
	DefaultSearchLimit = 10
	MaxSearchLimit     = 100
	// DefaultPageSize and MaxPageSize bound a page of the case list.
	DefaultPageSize = 50
	MaxPageSize     = 200
	// MaxFacesPerPhoto bounds the faces kept from one photo: a group photo of a shelter's intake rarely has
	// more than a dozen, and every face costs a descriptor, a chip and an index entry.
	MaxFacesPerPhoto = 20
	// MaxPhotosPerCase bounds the record size: each photo adds its faces' descriptors (about 2.5 KB each
	// in JSON) to the case record, which is rewritten on every change.
	MaxPhotosPerCase = 50

	// MinDetectSide: a working image narrower or shorter than this is given to no detector. dlib's CNN
	// detector finds faces from about 40 px, HOG from 80, so no face is lost; and on an image under 10 px
	// across the CNN fails an internal check, and the second time aborts the whole process (measured with
	// dlib 19.24: a 9×1600 image).
	MinDetectSide = 40
	// MinFaceSize: faces narrower than this (pixels, in the original photo) carry too little detail for
	// dlib's 150 px chip; they are kept, flagged low quality, and the uploader is asked for a closer photo.
	MinFaceSize = 80
	// MinSharpness: the Laplacian variance of a 150 px chip under which the face is visibly blurred
	// (in-focus chips measure in the hundreds; motion-blurred ones under 30).
	MinSharpness = 30.0

	// MaxChildAge: cases are about children (under 18), but reports of young adults trafficked as children
	// exist and an estimated age can be off; 25 refuses only obvious typing errors.
	MaxChildAge = 25
	// MaxClockSkew tolerates a phone whose clock is a little ahead when it stamps a sighting time.
	MaxClockSkew = 10 * time.Minute
	// MinSightingYear: a child last seen before 1990 is over 36 today, no longer a case for this service;
	// an earlier year is a typing error (0026 for 2026) or a client's zero date, which would put the case
	// at the far end of every date filter.
	MinSightingYear = 1990
	// Text field limits: names and places are short; descriptions get a paragraph.
	MaxShortText = 200
	MaxLongText  = 2000
	MaxLanguages = 10
	// MaxCaseJSONBytes bounds the body of a case create or update request.
	MaxCaseJSONBytes = 64 << 10
)

const (
	// WarningRankPenalty moves a candidate with a consistency warning (gender, age) down the review queue
	// by this much distance per warning: behind clean candidates of similar distance, never out of sight.
	WarningRankPenalty = 0.1
	// AgeToleranceYears: the ages of found children are estimated, usually within two or three years; a
	// difference beyond this is worth a warning.
	AgeToleranceYears = 3.0
	// ReopenMargin: a rejected pair is proposed again only if a new photo brings its distance at least
	// this much closer than when it was rejected; smaller changes are noise between photos.
	ReopenMargin = 0.1
)

const (
	// DefaultAuditPage and MaxAuditPage bound an audit trail answer; older events are reached with since.
	DefaultAuditPage = 200
	MaxAuditPage     = 1000
	// DefaultReviewPage and MaxReviewPage bound a page of the review queue.
	DefaultReviewPage = 50
	MaxReviewPage     = 200
)

const (
	// TokenBytes is the entropy of an API token: 256 bits, so tokens cannot be guessed or enumerated.
	TokenBytes = 32
	// MinAdminTokenLen keeps a guessable bootstrap token out of production.
	MinAdminTokenLen = 16
	// MultipartSlack is what a multipart body may hold beyond the photo: boundaries, part headers and the
	// small form fields.
	MultipartSlack = 64 << 10
	// MaxFormFieldBytes bounds a form field other than the photo: every other field is a word or a number.
	MaxFormFieldBytes = 1 << 10
)

// The store (MinIO) and the change feed.
const (
	// StoreDialTimeout: MinIO runs beside the service; a connection that takes longer is a server that is
	// down.
	StoreDialTimeout = 2 * time.Second
	// StoreOpenTimeout bounds connecting and creating the bucket at start.
	StoreOpenTimeout = 10 * time.Second
	// StoreRetries bounds minio-go's own retries of a failed request. Its default (10, with backoff) would
	// hold a request for many seconds while MinIO is down; 2 rides over a blip and answers 503 promptly.
	StoreRetries = 2
	// UpdateAttempts bounds read-modify-write retries on 412 (a concurrent writer won). Each round lets at
	// least one writer through, so n simultaneous writers need up to n rounds; 32 covers every photo of a
	// case arriving at once (MaxPhotosPerCase is larger, but uploads of one case are never all concurrent),
	// and beyond it the writer hears a conflict instead of waiting forever.
	UpdateAttempts = 32
	// ReviewAttempts bounds the rounds of creating a review item or folding into the one a concurrent
	// upload created meanwhile: each round loses only to a writer that got through.
	ReviewAttempts = 3
	// RewatchDelay is the pause before listening again after MinIO closed the notification stream.
	RewatchDelay = time.Second
	// FeedOverlap is how far back each listing of the change feed reaches behind the last one. It covers
	// clock differences between replicas and a change entry whose record is written later (the entry
	// precedes the record; a write finishes within the HTTP write timeout).
	FeedOverlap = 10 * time.Minute
	// FeedSettle is how old an entry must be before a listing counts it as applied: its record is written
	// right after it, so a listing that saw a younger entry might have read the record before the change,
	// and the next listing reads it again.
	FeedSettle = 2 * time.Second
	// FutureSkew is how far in the future a snapshot's position may lie before the snapshot is refused:
	// one from the future was written against another store, or by a clock gone wrong.
	FutureSkew = time.Minute
)

// PageLimit checks the limit a client asked of a list: 0 asks for the default, anything else must lie
// within 1..most.
func PageLimit(limit, def, most int) (int, error) {
	if limit == 0 {
		return def, nil
	}
	if limit < 1 || limit > most {
		return 0, FieldError("limit", "must be between 1 and %d", most)
	}
	return limit, nil
}

// The alert card.
const (
	// CardMaxBytes: an alert card must reach a post on a 2G (EDGE) connection, often 50–100 kbit/s in
	// practice: 300 KB then takes 25–50 s, about the longest an officer waits for a picture in a chat.
	CardMaxBytes = 300 << 10
	// CardMaxChipPixels bounds the face chip a card decodes: chips are 200 px squares (matcher's chipSide);
	// 4 MP admits a whole phone photo scaled to 2000 px, and bounds the memory and time of a render.
	CardMaxChipPixels = 4_000_000
	// CardMinQRModule is the smallest QR module, in card pixels, a URL may need: at 4 px a module stays
	// several JPEG blocks' worth of edge when a messenger recompresses the card, and the code is read back
	// from the PNG by a test (card.TestQRCodeOpensTheCase). In the card's 210 px square it admits URLs up
	// to about 106 bytes. Not yet measured with phone cameras.
	CardMinQRModule = 4
)
