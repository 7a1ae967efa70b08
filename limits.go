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
	// ProposalsMax, ProposalShare and MinEvidence bound what a new case proposes for review, per kind
	// (proposal.go): at most ProposalsMax candidates; after the heaviest, only those with at least
	// ProposalShare of the candidates' total weight; none whose evidence score (log10 of the likelihood
	// ratio, evidence.go) is under MinEvidence, ten times likelier a stranger. BenchmarkProposals (distances
	// drawn from the children's measured distributions; README: proposals) with 1,000 / 10,000 / 100,000
	// registered children: 2.4 / 2.7 / 3.1 items per found child (at most 7), holding the true case 52% /
	// 30% / 18% of the time against 48% / 26% / 16% for a fixed top 3, where the old rule (every
	// candidate under 0.6) made 93 / 100 / 100 items. A share of 0.08 made 2.9 / 3.4 / 3.9 items for
	// 54% / 32% / 20%.
	ProposalsMax  int
	ProposalShare float64
	MinEvidence   float64
	// DescribeMaxSide: a face's descriptor is computed on a crop of the photo around it at the photo's own
	// resolution (a reduced JPEG decoded finer when a face needs it), not on the working image's lossy JPEG
	// (matcher/describe.go), with the face scaled down to this many pixels across where it is larger.
	// TestDescriptorFidelity, distance to go-face's descriptor on the photo file, median / p90 / max over the
	// 95 faces of the shared person folders: the working image 0.048 / 0.076 / 0.106; crops at 200 px 0.043
	// / 0.075 / 0.099, at 400 px 0.038 / 0.063 / 0.092, which is the floor (go-face on a quality-100 copy of
	// the file: 0.036 / 0.064 / 0.096). The group photos enlarged 3× (shrunk to the working size for
	// detection): 0.049 / 0.124 / 0.168 before, 0.056 / 0.085 / 0.119 at 200 px, 0.032 / 0.082 / 0.148 at
	// 400 px. Genuine and impostor distances are the same at both sizes (`childmatch eval --describe-side`);
	// 400 px costs 1.75× the working image's CPU time per photo with Mirror, 200 px 1.5×, so 200 is the default.
	DescribeMaxSide int
	// Mirror makes a face's descriptor the mean of its crop's and its mirror image's, deterministic where
	// dlib's jitter is random. `childmatch eval` on the shared set (331 genuine, 4134 impostor pairs), genuine
	// median / widest, impostor nearest / median: the working image 0.330 / 0.597, 0.620 / 0.911; the crop
	// alone 0.329 / 0.597, 0.611 / 0.910; the crop with its mirror 0.307 / 0.576, 0.632 / 0.900, the gap
	// between the widest genuine and the nearest impostor pair from 0.023 to 0.056; dlib's jitter 4 on the
	// working image 0.301 / 0.572, 0.621 / 0.899 (a gap of 0.049, and a photo analysed twice lies 0.036 from
	// itself). CPU time of the whole run: 10.3 s the working image, 15.3–15.9 s the crop with its mirror
	// (1.5×; the crop alone 1.25×), 15.6 s jitter 4. On by default; jitter stays off (CHILDMATCH_JITTER).
	Mirror bool
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
		ProposalsMax:      10,
		ProposalShare:     0.1,
		MinEvidence:       -1,
		DescribeMaxSide:   200,
		Mirror:            true,
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

	// DedupeBatch is how many faces a dedupe pass (service/dedupe.go) searches at once: a hundred queries
	// are what the index's batch kernel answers at its best rate (index.BenchmarkSearchBatch), and a batch
	// is the work redone when a pass stopped between two checkpoints.
	DedupeBatch = 100

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
	// EvidenceStrong and EvidenceModerate are the scores (evidence.go) from which a candidate's evidence is
	// called strong (the same child a hundred times likelier than a stranger this close) and moderate (ten
	// times); from 0 it is weak, under 0 very weak.
	EvidenceStrong   = 2.0
	EvidenceModerate = 1.0
	// MinCalibrationPairs: a band of a calibration is refitted from a deployment's own pairs only from this
	// many on: with 30 pairs a band's mean is known within about a third of its spread, and a band with
	// fewer keeps the measured default.
	MinCalibrationPairs = 30
	// MinCalibrationSD keeps a fitted band from being narrower than dlib's distances ever are (the
	// narrowest measured spread is 0.085), so a few near-identical photos cannot make every other distance
	// look impossible.
	MinCalibrationSD = 0.05
	// CalibrationRefresh is how often a process reads the fitted calibration again, so one fitted on
	// another replica reaches it without a restart.
	CalibrationRefresh = 5 * time.Minute
	// CalibrationSamples is how many random pairs of faces of different cases `childmatch calibrate` draws
	// for the impostor bands: 20,000 pairs cost a fraction of a second and know a band's spread within 1%.
	CalibrationSamples = 20_000
	// ConsistencyFactor lowers a candidate's weight for each consistency warning (a gender or an age that
	// does not fit): gender is sometimes recorded wrongly and a found child's age is an estimate, so a
	// warning weakens a candidate, never excludes it. In the simulation that chose it (as
	// BenchmarkProposals, half of the strangers of the other gender, 3% of true cases recorded with the
	// other), at the same number of items, 0.2 raised the true case's share among the proposals from 60% to
	// 64% against 300 children and from 30% to 35% against 10,000; 0.05 added one point more.
	ConsistencyFactor = 0.2
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
	// MinAdminTokenLen keeps a guessable bootstrap token out of production: 32 characters of base64 or hex
	// are 128 bits or more, beyond guessing even without the rate limit below (`make run` generates 64 hex
	// digits).
	MinAdminTokenLen = 32
	// MultipartSlack is what a multipart body may hold beyond the photo: boundaries, part headers and the
	// small form fields.
	MultipartSlack = 64 << 10
	// MaxFormFieldBytes bounds a form field other than the photo: every other field is a word or a number.
	MaxFormFieldBytes = 1 << 10
)

// The HTTP server and the process.
const (
	// HeaderTimeout bounds reading a request's headers: a client that cannot send a few hundred bytes in
	// this time is gone or hostile.
	HeaderTimeout = 10 * time.Second
	// BodyTimeout bounds reading a request and writing its answer: a 20 MiB photo over a slow mobile
	// connection (1 Mbit/s) takes almost three minutes.
	BodyTimeout = 5 * time.Minute
	// IdleTimeout closes a kept-alive connection nobody uses.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes bounds a request's headers; a token and cookies need a few hundred bytes.
	MaxHeaderBytes = 64 << 10
	// ShutdownTimeout is how long requests in flight may finish after the process is told to stop.
	ShutdownTimeout = 30 * time.Second
	// StoreWaitAtStart is how long the process waits for MinIO at start, since both are often started
	// together.
	StoreWaitAtStart = 30 * time.Second
	// HealthTimeout bounds /healthz's check of MinIO, so a load balancer hears "down" within it.
	HealthTimeout = 2 * time.Second
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
	// FeedSettle is how old a change entry must be before a listing counts it as applied: the entry is
	// written before its record, and the write that made it may take as long as its request's deadline
	// (DefaultRequestTimeout), so until then a listing may have read the record before it changed. With
	// a margin for the replicas' clocks: 60 s (cmd/childmatch sets it from the configured deadline).
	FeedSettle = 60 * time.Second
	// FutureSkew is how far in the future a snapshot's position may lie before the snapshot is refused:
	// one from the future was written against another store, or by a clock gone wrong.
	FutureSkew = time.Minute
)

// FeedCheckpoints are the ages of an unsettled change entry at which its case is read again (besides once
// when it is first listed, and at FeedSettle): most records land within milliseconds of their entry, the
// slowest within the deadline; five reads an entry, however often the feed is listed.
var FeedCheckpoints = [...]time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second}

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
	// CardMaxChipBytes bounds the chip a card reads from the store: chips are 200 px JPEGs of 10–20 KB.
	CardMaxChipBytes = 1 << 20
	// CardMinQRModule is the smallest QR module, in card pixels, a URL may need: at 4 px a module stays
	// several JPEG blocks' worth of edge when a messenger recompresses the card, and the code is read back
	// from the PNG by a test (card.TestQRCodeOpensTheCase). In the card's 210 px square it admits URLs up
	// to about 106 bytes. Not yet measured with phone cameras.
	CardMinQRModule = 4
)

// Bounded cost per photo (issue 19): what one analysis may take, whatever the upload.
const (
	// CNNMaxPixels: the CNN fallback (run when HOG finds no face) sees the working image scaled down to at
	// most this many pixels. dlib's CNN cannot be interrupted and its cost grows with the pixels: measured
	// on one recognizer (2 shared cores), about 0.85 GB and 3.2 s per megapixel (2.56 MP, a 1600 px square:
	// +2.2 GB, 8.1 s; 0.35 MP: +0.3 GB, 1.2 s), and its layers keep their largest outputs for the life of
	// the recognizer. At 0.35 MP every face the CNN finds at the full working size in the shared set's
	// person, _partial and _group photos is still found (CNN alone, face by face: 109 of 110), but for one:
	// the 79 px face of obama_and_biden.jpg, which HOG finds, so the fallback loses nothing there; no shared
	// face photo needs the fallback today (HOG finds every face). What it gives up: a face HOG misses must be
	// about 80 px wide at this size to be found (in a 1600×1200 working image, about 190 px).
	CNNMaxPixels = 350_000
	// MaxDecodedBytesPerPixel: a decoded image may take MaxPixels × this many bytes (160 MB at 40 MP, RGBA),
	// so a 16-bit-per-channel PNG or TIFF (8 bytes a pixel, decoded whole by Go) is held to 20 MP. A
	// 6000×6000 16-bit PNG of zeros is 273 KB and would decode to 288 MB.
	MaxDecodedBytesPerPixel = 4
	// ReleaseAboveBytes: a decoded image larger than this (16 MP of RGBA, only a PNG, TIFF, BMP, GIF or WebP:
	// a JPEG is decoded reduced) is dropped once the working image is made, chips are cut from the working
	// image instead, and the freed memory is given back to the system before detection, so that the decoded
	// image and the detectors' memory never add up. A 6000×6000 PNG of zeros decodes to 144 MB.
	ReleaseAboveBytes = 64 << 20
)

// The memory bounds TestHostileInputMemory holds every hostile input to, for a process with one recognizer
// (RSS 51 MiB with the models loaded). Measured (BenchmarkHostileMemory): peaks 411–445 MiB for the
// accepted ones, retained 70–93 MiB over the base, most of it the CNN's layers at CNNMaxPixels. Before
// the bounds, a 6000×6000 PNG of zeros peaked at 2775 MiB and left 768.
const (
	// WorkerPeakRSS: the peak RSS of one worker analysing any input, the goal of issue 19.
	WorkerPeakRSS = 600 << 20
	// WorkerRetainedRSS: what one analysis may leave resident once it has returned.
	WorkerRetainedRSS = 150 << 20
)

// Deadlines and the sweeper (README: Deadlines, The sweeper).
const (
	// DefaultStoreCallTimeout bounds each call to MinIO: a record read or write, a blob put or delete,
	// and, for what streams (listings, a blob's bytes, the snapshot), each stretch without progress.
	// Beside the service MinIO answers a record call in milliseconds and stores a 20 MiB photo in well
	// under a second; a call that takes 5 s is a stalled server, and the request answers 503 instead of
	// waiting as long as MinIO stalls (issue 19: 75 s). A MinIO over a slow link may need more
	// (MINIO_CALL_TIMEOUT).
	DefaultStoreCallTimeout = 5 * time.Second
	// DefaultRequestTimeout bounds a request's work, from when its body has been read to its answer (the
	// transfer of a photo over a slow connection is bounded by the server's read and write timeouts). The
	// slowest ordinary upload is the CNN fallback (about 3 s) behind a full pool of workers; 30 s leaves
	// room for several of those and still answers before a client or proxy gives up (60 s is common).
	DefaultRequestTimeout = 30 * time.Second
	// UndoWait is how long a failed upload waits for the removal of the blobs it wrote before it answers;
	// a store that has not removed them by then is stalled, and the removal goes on in the background for
	// up to UndoTimeout. What it cannot remove the sweeper removes.
	UndoWait    = time.Second
	UndoTimeout = 10 * time.Second
	// DefaultSweepGrace is how old an unreferenced blob must be, beyond the longest an upload can run (the
	// request deadline), before the sweeper deletes it. An hour is far beyond any upload, and beyond the
	// clock differences between a replica and MinIO (minutes at worst), which the blob's age is measured
	// across; a photo left behind by a failed upload is then deleted within grace plus a sweep interval.
	DefaultSweepGrace = time.Hour
	// DefaultSweepInterval: each sweep lists every blob and reads the record of every case with photos, so
	// it runs hourly, matching the grace period; a blob left behind is gone within about two hours.
	DefaultSweepInterval = time.Hour
)

// SessionLimits are the per-deployment limits of a web session, filled from the environment by
// cmd/childmatch.
type SessionLimits struct {
	// Idle ends a session unused this long: 30 minutes, so a browser left signed in on a shared computer
	// at a station or a shelter's desk is closed before the next person sits down for long.
	Idle time.Duration
	// MaxAge ends a session this long after sign-in however much it is used: 12 hours, one shift, so a
	// stolen cookie is worth a day at most; the next shift signs in again with its token.
	MaxAge time.Duration
}

// DefaultSessionLimits returns the defaults explained on each field of SessionLimits.
func DefaultSessionLimits() SessionLimits {
	return SessionLimits{Idle: 30 * time.Minute, MaxAge: 12 * time.Hour}
}

const (
	// SessionTouchShare: a session's last use is rewritten only once this fraction of the idle limit has
	// passed since the last rewrite (a minute of the default 30), so a page's dozens of requests make one
	// write at most, and the idle limit is exact to within that share.
	SessionTouchShare = 1.0 / 30
	// SessionBytes is the entropy of a session's secret, as for an API token.
	SessionBytes = 32
)

// Posts and their areas (post.go).
const (
	// MaxPostUsers bounds the users of one post: a post's staff on every shift, not a state's.
	MaxPostUsers = 200
	// MaxPosts bounds the list of posts answered at once: a state has a few hundred RPF, GRP and
	// Childline posts, India about 10,000.
	MaxPosts = 20_000
	// MaxAlertsListed bounds the alerts a list answers at once (newest first), until lists are paged.
	MaxAlertsListed = 1000
	// MaxPostWebhooks bounds a post's partner endpoints: each alert is delivered to every one.
	MaxPostWebhooks = 5
	// MaxPostEndpoints bounds a post's messaging addresses (chats, numbers, mailboxes): a post's shift
	// leaders and its control room, each reached one-to-one.
	MaxPostEndpoints = 50
	// LinkTTL is how long a signed link in a message (the alert, its card, its CAP document, the face
	// chip) works: 72 h covers a child moved across India by train, and a forwarded message goes stale.
	LinkTTL = 72 * time.Hour
	// MaxAreaPlaces bounds the states, districts and stations an area names: a train's route across India
	// passes about 100 stations, a state has up to 75 districts.
	MaxAreaPlaces = 300
	// MaxRadiusKm bounds a circle: 500 km is a night's train journey from the last-seen station.
	MaxRadiusKm = 500
	// MinWebhookSecretBytes and MaxWebhookSecretBytes are the Standard Webhooks specification's bounds on a
	// secret's random bytes (24 to 64).
	MinWebhookSecretBytes = 24
	MaxWebhookSecretBytes = 64
)

// Sharing the face pipeline's workers between users (service/admission.go).
const (
	// AdmissionUserShare is the share of the workers one user's analyses may run on at once (at least
	// one): with 2 workers, one; so a flood of photos without a face (each runs the CNN fallback, about
	// 1.2 s) from one user leaves the other worker to everyone else.
	AdmissionUserShare = 0.5
	// AdmissionQueuePerUser bounds one user's analyses running or waiting: a shelter's group intake sends
	// a few photos at once, a script hundreds; beyond it the user hears 429.
	AdmissionQueuePerUser = 4
	// AdmissionRetryAfter is what a user over AdmissionQueuePerUser is told to wait: about the time of one
	// analysis with the CNN fallback.
	AdmissionRetryAfter = 2 * time.Second
)

// Rate limits: token buckets (golang.org/x/time/rate) applied by api/, answering 429 with Retry-After.
const (
	// AuthFailureBurst and AuthFailureEvery bound failed authentications (a wrong, revoked or expired token
	// or session, at sign-in or on any route) per client address: 10 at once, then one every 6 s. A person
	// retyping a token stops long before; a guesser gets 600 tries an hour, nothing against 256-bit tokens.
	// While an address is over it, every authentication from it is refused unchecked, right or wrong, so
	// guessing cannot go on between the refusals (colleagues behind the same address wait at most 6 s).
	AuthFailureBurst = 10
	AuthFailureEvery = 6 * time.Second
	// PhotoBurstPerUser and PhotoEveryPerUser bound the expensive routes (POST /v1/search and POST
	// /v1/cases/{id}/photos: up to 3 s of a face worker each) per user: 30 at once (a shelter's group
	// intake, an officer checking a batch), then one a second. Without it one user's script holds every
	// worker.
	PhotoBurstPerUser = 30
	PhotoEveryPerUser = time.Second
	// PhotoBurstPerAddress and PhotoEveryPerAddress bound the same routes per client address, looser than
	// per user because a station's officers often share one address: 120 at once, then four a second.
	PhotoBurstPerAddress = 120
	PhotoEveryPerAddress = 250 * time.Millisecond
	// LimiterKeys bounds the keys (addresses, users) each rate limiter remembers; beyond it the least
	// recently used is forgotten, which then starts again with a full bucket. A key holds 204 bytes beside
	// its text (BenchmarkLimiterKeys), so a limiter holds 2–3 MB at most.
	LimiterKeys = 10_000
)
