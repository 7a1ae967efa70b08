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
	// AlertAck is how long a post may leave an alert unanswered before it is sent it again on its next
	// channel and its state's control room is told (CHILDMATCH_ALERT_ACK_MINUTES). 15 minutes, the issue's
	// default: an express train covers 15–25 km in that time, less than the distance between most of its
	// stops, so a silent post is chased before the child's train reaches the next one.
	AlertAck time.Duration
	// DetectThreads is how many threads one photo's HOG detection spreads over (matcher/hog.go): the cores.
	// dlib's own call runs on one; on 2 cores the threads find the same boxes in BenchmarkHOG's 945×1680
	// working image in 77–105 ms against dlib's 180–224 ms (about 0.45 of its time; README: speed). Two
	// photos at once share the cores as before.
	DetectThreads int
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
		AlertAck:          15 * time.Minute,
		DetectThreads:     cpus,
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
	// DedupeWorkers is how many cases of a batch propose at once. A case's proposals wait for MinIO (its
	// candidates' records, its review items): a pass over 2,000 faces in a real MinIO ran at 108 faces/s
	// one case at a time and 128 eight at a time (BenchmarkDedupeMinIO, before the pass kept the records it
	// read); more would only queue at MinIO, which then has both cores' work.
	DedupeWorkers = 8
	// DedupeMemoCases is how many case records a dedupe pass keeps while their cases keep being asked for
	// as candidates (service/casememo.go), about 1.7 KB each with one face: 170 MB, beside the index's 693 MB
	// at 1M faces. In 10,000 faces the pass asked 220,022 times for 6,603 cases outside its batches; at
	// 100,000 faces (BenchmarkDedupeMinIO) the whole command ran at 82 faces/s keeping 20,000 (reading most
	// candidates again from MinIO, which is then the pass's bound) and at 118 keeping 100,000.
	DedupeMemoCases = 100_000

	// DefaultSearchLimit and MaxSearchLimit bound the candidates returned per face: ten fit a phone
	// screen; a hundred is the most a reviewer can compare, and bounds the case records read per query.
	DefaultSearchLimit = 10
	MaxSearchLimit     = 100
	// DefaultPageSize and MaxPageSize bound a page of the case list, the alert list and the delivery lists.
	DefaultPageSize = 50
	MaxPageSize     = 200
	// ListReaders is how many case records a list page reads at once: the catalog picks the page in
	// memory, then its records are read from MinIO, a round trip each; eight in flight bring a page of 50
	// to about the time of seven reads without crowding the store's connections (measured in README: Lists).
	ListReaders = 8
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
	// MaxSourceName bounds an imported case's source system name (Origin.Source), a storage key prefix:
	// "trackchild-up", a deployment's id (36 characters) fit with room to spare.
	MaxSourceName = 64
	// MaxExportCases bounds one export (childmatch export): each case brings up to MaxPhotosPerCase
	// originals, so a thousand cases is already gigabytes in one ZIP; a larger set is exported in parts.
	MaxExportCases = 1000
	// ImportAttempts and ImportRetryWait: childmatch import sends a request again while the service says
	// to wait (429, after its Retry-After) or is unavailable (503, no answer), ten times at least a second
	// apart, so a replica restarting under the import costs no row; past that the row fails and the
	// import run again resumes it.
	ImportAttempts  = 10
	ImportRetryWait = time.Second
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
	// AuditScanDays is how many days of the trail one page reads at most: a past day is one object
	// (minio/audit.go), so a search that matches little answers a month's page in about 31 reads and
	// says where to go on, rather than reading years in one request.
	AuditScanDays = 31
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
	// MTCNNMinFace: MTCNN (matcher/mtcnn.go) looks for faces from this many pixels across in the working
	// image. dlib's HOG finds them from 80 (its 80 px window), and its box of a face is 0.64–0.97 of the side
	// of MTCNN's window on the same face (median 0.77; the 110 faces of the shared photos), so a face HOG can
	// find has a window of at least 82 px: 72 leaves a margin under that. Its pyramid starts at 12/72 of the
	// working image; at 60 it found the same 110 faces at 1.4× P-Net's work.
	MTCNNMinFace = 72
	// MTCNNPyramidStep: each level of MTCNN's pyramid is this much of the one before, the step its networks
	// were trained and published with (0.709, about 1/√2: two levels halve the area).
	MTCNNPyramidStep = 0.709
	// MTCNNMaxWindows bounds the windows P-Net may hand to R-Net, best first (a photo of a crowd or of
	// texture could otherwise hand thousands, each a 24 px crop and a network run).
	MTCNNMaxWindows = 1000
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
	// DefaultSweepInterval: each sweep lists every blob, the review items and the alerts with deliveries,
	// and reads the record of every case with photos, a review item or an alert once, so it runs hourly,
	// matching the grace period; a blob left behind is gone within about two hours.
	DefaultSweepInterval = time.Hour
	// DefaultCatchUp is how often a replica lists the change feed for the other replicas' writes that bucket
	// notifications missed: a missed change reaches every replica within about half a second, and a
	// listing of the last 10 minutes' entries is one small request (README: several replicas).
	DefaultCatchUp = 500 * time.Millisecond
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
	// MaxAlertsListed bounds the active alerts the Atom feed answers at once (newest first).
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
	// AlertEscalateEvery is how often each replica looks for silent posts and for held messages whose
	// quiet hours ended: a post is chased at most this long after its AlertAck is up, and a pass over
	// the active alerts is one list of the alerts' records.
	AlertEscalateEvery = 30 * time.Second
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

// The messaging channels (packages telegram, whatsapp, sms, email): each provider's documented pace, so
// that a fan-out is paced here rather than refused there, and the bounds of what one message carries.
const (
	// TelegramPerSecond: the Bot API's FAQ asks bots broadcasting to many chats to stay under about 30
	// messages a second in all, or get 429s.
	TelegramPerSecond = 30
	// TelegramChatInterval: the same FAQ asks for no more than one message a second to one chat.
	TelegramChatInterval = time.Second
	// TelegramGroupInterval: and no more than 20 messages a minute to one group or channel (a chat id
	// that begins with "-").
	TelegramGroupInterval = 3 * time.Second
	// TelegramCaptionMax: sendPhoto's caption is at most 1,024 characters (the Bot API's limit).
	TelegramCaptionMax = 1024
	// WhatsAppPerSecond: the Cloud API's default throughput of a business phone number, 80 messages a
	// second (error 130429 beyond it).
	WhatsAppPerSecond = 80
	// WhatsAppPairInterval: the Cloud API's pair rate, about one message every 6 seconds from one business
	// number to one user (error 131056 beyond it).
	WhatsAppPairInterval = 6 * time.Second
	// WhatsAppMediaReuse: an uploaded card is kept by Meta 30 days; the same card (one post's copy, sent
	// to each of its numbers) is uploaded once and its media id reused for a day.
	WhatsAppMediaReuse = 24 * time.Hour
	// WhatsAppMediaKept bounds the media ids remembered: a card's id is 60 bytes, one per post and message.
	WhatsAppMediaKept = 10_000
	// WhatsAppParamMax: the runes of one template parameter; a template's body is at most 1,024
	// characters in all, and six facts of 150 fit with the template's own words.
	WhatsAppParamMax = 150
	// SMSPerSecond: Exotel's API answers 429 past 200 requests a minute (3.3 a second).
	SMSPerSecond = 3
	// SMSMaxGSM, SMSMaxUnicode: one SMS holds 160 characters of the GSM 7-bit alphabet, or 70 of UCS-2
	// (Hindi); a longer text is split and may arrive in pieces or out of order on a cheap phone.
	SMSMaxGSM     = 160
	SMSMaxUnicode = 70
	// SMSVarMax: TRAI's DLT rules allow at most 30 characters in one {#var#} of a registered template.
	SMSVarMax = 30
	// ShortLinkBytes: the random bytes of a short link's token, 8 chars of base64: 2^48 tokens, far more
	// than a deployment's links in their 72 h, and short enough for a Hindi SMS of 70 characters.
	ShortLinkBytes = 6
	// EmailPerSecond: an SMTP relay's pace; Amazon SES's default production rate is 14 a second.
	EmailPerSecond = 10
	// ChannelMaxPace is the longest a send waits for its turn under these paces; a longer wait is handed
	// back to the outbox as the delivery's retry-after, so a worker is never held.
	ChannelMaxPace = 10 * time.Second
	// ChannelCallTimeout bounds one call to a provider, a 300 KB card's upload included.
	ChannelCallTimeout = 30 * time.Second
	// ChannelMaxAnswer bounds the provider's answer read: their JSON answers are under a few KB.
	ChannelMaxAnswer = 64 << 10
)

// The outbox (outbox.go, package delivery): retries, claims and attempts. delivery.DefaultConfig gathers
// them; tests shorten them through its fields.
var (
	// DeliveryBackoff is the wait after each failed attempt, as the alerts issue asks: 5 s rides out a
	// restart of the receiver, 5 min a deployment, 30 min and 2 h an outage. After the last one
	// DeliveryRetryEvery applies until DeliveryGiveUp.
	DeliveryBackoff = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}
)

const (
	// DeliveryRetryEvery is the wait between attempts after DeliveryBackoff: every few hours.
	DeliveryRetryEvery = 4 * time.Hour
	// DeliveryGiveUp is how long a delivery is tried from its first attempt before it is marked failed and
	// shown to admins: a day, by which a child is far from where it was sought.
	DeliveryGiveUp = 24 * time.Hour
	// DeliveryJitter spreads each wait by up to this share either way, so a receiver back from an outage
	// is not hit by every post's retry in the same second.
	DeliveryJitter = 0.2
	// DeliveryMaxRetryAfter bounds a target's own Retry-After: a longer one is cut to it, so a wrong
	// header cannot push a delivery past the day.
	DeliveryMaxRetryAfter = 2 * time.Hour
	// DeliveryAttemptTimeout bounds one attempt on any channel, so a slow target holds one worker for
	// this long at most.
	DeliveryAttemptTimeout = 15 * time.Second
	// WebhookTimeout bounds one webhook request, connecting and reading the answer included: a partner's
	// endpoint should answer 2xx at once and work afterwards, as the Standard Webhooks specification asks.
	WebhookTimeout = 10 * time.Second
	// DeliveryLease is how long a claim holds unless renewed (every third of it, while the round lasts):
	// well over a renewal's write, so a live worker never loses its claim; a worker that died releases its
	// claims after it (or at once when the same node starts again).
	DeliveryLease = 2 * time.Minute
	// DeliveryPoll is how often an idle worker looks for due deliveries; a new message wakes the workers
	// of its own process at once, those of other replicas find it within this.
	DeliveryPoll = time.Second
	// DeliveryWorkers is how many attempts a process makes at once: attempts wait on the network, not on
	// the CPU, and a dead target ties one up for WebhookTimeout.
	DeliveryWorkers = 32
	// FanoutGrace is how old a fan-out in progress must be before another worker finishes it: a live
	// fan-out of 10,000 posts writes its deliveries in a few seconds.
	FanoutGrace = 30 * time.Second
	// MetricsAlerts is how many recent alerts the delivery metrics cover: each costs a read of each of
	// its batches (one per DeliveryBatch posts), so 100 alerts of a state's 500 posts are 300 reads.
	MetricsAlerts = 100
	// MaxDeliveriesListed bounds the failed deliveries the delivery metrics count (the lists are paged).
	MaxDeliveriesListed = 1000
	// ComposeCacheTTL is how long the outbox keeps an alert, its case and the posts read for composing
	// deliveries: a fan-out to 10,000 posts reads each once (the targeting walk alone takes a minute on a
	// loaded machine, BenchmarkFanout), and another replica's change of a post (a rotated secret, which
	// still signs as the previous one) is seen within it.
	ComposeCacheTTL = 2 * time.Minute
)

// FanoutWriters is how many reads or writes of one fan-out (its posts, its batches) or one walk of the
// posts go to the store at once: MinIO answers a small request in about a millisecond on loopback, and
// 16 at once keep it busy without starving the rest.
const FanoutWriters = 16

// DeliveryBatch is how many deliveries of one message are written, claimed and recorded as one object:
// a MinIO write costs about 5 ms on a loaded machine (fsync), so one per delivery would take 5 s for
// 1,000 posts; 200 keep a batch's JSON near 100 KB and let two replicas share a 1,000-post fan-out.
const DeliveryBatch = 200

// DeliveryBatchesInFlight bounds the batches one process works on at once, which it holds from the other
// replicas meanwhile: 4 × DeliveryBatch is 800 deliveries for DeliveryWorkers, and a round of dead targets
// (200 × 10 s / 32 ≈ 63 s) renews its claim every third of DeliveryLease.
const DeliveryBatchesInFlight = 4

// Metrics (metrics/).
const (
	// ReviewQueueEvery is how old the review queue's length on /metrics may be. Counting it reads every
	// review record (WalkReviews, a MinIO listing and a read per review), so it is counted in the
	// background at most once a minute, never during a scrape (Prometheus scrapes every 15 s and gives up
	// after 10 s); a queue a reviewer works through in hours does not need it fresher.
	ReviewQueueEvery = time.Minute
	// ReviewQueueTimeout bounds one count of the review queue, so a stalled MinIO leaves the last count
	// in place instead of piling up counts.
	ReviewQueueTimeout = 30 * time.Second
)

// Alerts in the web app: the live stream and Web Push (live/, push/).
const (
	// AlertPollEvery is how often each replica lists the alerts' versions to find what changed, on any
	// replica (the pinned MinIO announces no changes): an alert reaches an open page within it. Measured
	// (BenchmarkAlertVersions): one listing of 1,000 alerts takes 0.31 s here, so 2 s keeps it a small load.
	AlertPollEvery = 2 * time.Second
	// AlertPollLoad is the most of its time a replica spends looking: a look that took longer than this
	// share of AlertPollEvery spaces the next ones out (10,000 alerts, about 3 s a look: one every 12 s)
	// rather than keep MinIO listing without pause.
	AlertPollLoad = 0.25
	// PostRefreshEvery is how often the live hub looks at the posts (one listing, the changed ones read):
	// a user put on or taken off a post hears its alerts, or stops, within it (sooner when a page opens:
	// GET /v1/me/posts always looks). Posts change seldom.
	PostRefreshEvery = 30 * time.Second
	// StreamHeartbeat is the pause after which an idle stream gets a comment line, below the 60 s idle
	// timeout of common proxies and mobile carriers' NATs, so the connection stays open.
	StreamHeartbeat = 25 * time.Second
	// StreamMaxAge ends a stream after this long; the browser reconnects by itself and authenticates
	// again, so no stream holds a connection for good.
	StreamMaxAge = 10 * time.Minute
	// StreamRecheck is how often a stream checks its credential again (the token, the session, the user):
	// a token revoked or expired, or a session signed out, revoked or expired, ends the stream within it.
	// Events carry ids and states only, never a child's details, so a minute is short enough. A check is 2
	// reads (a token) or 3 and, once a minute, the session's last use written (a session, as any request
	// of it does), so at MaxStreams on one replica they are about 500 reads and 170 writes a second, and
	// far fewer at any real count.
	StreamRecheck = time.Minute
	// StreamRecheckTimeout bounds one such check: the stream's events wait for it, and a store that does
	// not answer is not the credential ending, so the stream goes on and is checked next time.
	StreamRecheckTimeout = 5 * time.Second
	// StreamWriteTimeout bounds one write to a stream: a phone that stopped reading is let go.
	StreamWriteTimeout = 30 * time.Second
	// MaxStreamsPerUser bounds one user's open streams: a phone and a desk's browser with a few tabs each.
	// Beyond it the answer is 429: a script opening streams cannot hold the server's connections.
	MaxStreamsPerUser = 6
	// MaxStreams bounds the open streams of one replica: each holds a connection and a goroutine (a few KB);
	// 10,000 covers every post's duty officer in a large state on one replica.
	MaxStreams = 10_000
	// StreamBuffer is the events one stream holds while its client is slow; a stream that falls further
	// behind is closed, and the page reconnects and reads the list again.
	StreamBuffer = 64
	// MaxPushSubscriptionsPerUser bounds one user's browsers and phones: a new one beyond it replaces the
	// oldest.
	MaxPushSubscriptionsPerUser = 10
	// MaxPushEndpointBytes bounds a push service's endpoint URL (FCM's are about 200 bytes, Apple's and
	// Mozilla's under 400).
	MaxPushEndpointBytes = 1024
	// PushAuthBytes is the size of a subscription's authentication secret (RFC 8291).
	PushAuthBytes = 16
	// PushTTL is how long a push service keeps a message for a phone that is off or out of coverage: a day,
	// as long as the outbox retries a delivery (issue 16: 24 h); the alert page has the rest.
	PushTTL = 24 * time.Hour
	// PushTimeout bounds one request to a push service; they answer in well under a second.
	PushTimeout = 10 * time.Second
	// PushParallel is how many of a post's users one push delivery sends to at once: a post's 200 users'
	// phones in a few rounds, while one slow push service holds up only its own.
	PushParallel = 8
	// MaxPushText bounds the words of a notification: a phone shows four lines or so, and the payload of a
	// push message is at most about 4 KB (RFC 8291's record less its overhead).
	MaxPushText = 600
)

// MTCNNThresholds are the scores (0–1) each of MTCNN's three networks needs to keep a window: below the
// published 0.6 / 0.7 / 0.7, as its windows are only where dlib's HOG then looks (matcher/propose.go), so
// a window kept for nothing costs a small HOG pass (about 10 ms on the 945×1680 benchmark photo), and a face
// dropped is a face HOG might have found. With these, 112 windows on the shared photos' 110 faces.
var MTCNNThresholds = [3]float64{0.5, 0.6, 0.6}
