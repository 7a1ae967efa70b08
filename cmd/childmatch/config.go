package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"childmatch"
	"childmatch/follow"
	"childmatch/matcher"
	"childmatch/minio"
	"childmatch/service"
)

// config is everything main reads from the environment. Every variable has a default (README:
// Configuration) except the secrets, which make run generates and keeps in 0600 files under the data dir.
type config struct {
	addr           string
	metricsAddr    string // "": /metrics only on addr, for an admin's token
	modelsDir      string
	adminToken     string
	trustedProxies []string
	publicURL      string
	minio          minio.Config
	limits         childmatch.Limits
	sessions       childmatch.SessionLimits
	jitter         int
	onnx           matcher.ONNXConfig // Model "" = no second face model
	detector       matcher.Detector
	dataDir        string
	follow         follow.Config
	requestTimeout time.Duration
	sweep          service.SweepConfig
	sweepEvery     time.Duration
	channels       channelsConfig // Telegram, WhatsApp, SMS, email: cfg.channels.senders builds them
	stations       string         // CHILDMATCH_STATIONS: the station gazetteer's file; "" none
	linkKey        []byte         // signs the links in alert messages, the same on every replica
	// deployment names this deployment in what it exports (CHILDMATCH_DEPLOYMENT, e.g. "mp-police");
	// empty: the deployment's id, kept in its bucket.
	deployment string
}

func loadConfig() (config, error) {
	c := config{
		addr: env("CHILDMATCH_ADDR", ":8080"),
		// CHILDMATCH_METRICS_ADDR serves /metrics without a token: bind it to a private interface.
		metricsAddr: os.Getenv("CHILDMATCH_METRICS_ADDR"),
		modelsDir:   env("CHILDMATCH_MODELS_DIR", "./models"),
		dataDir:     env("CHILDMATCH_DATA_DIR", "./data"),
		limits:      childmatch.DefaultLimits(runtime.NumCPU()),
		sessions:    childmatch.DefaultSessionLimits(),
	}
	var err error
	if c.deployment = os.Getenv("CHILDMATCH_DEPLOYMENT"); c.deployment != "" {
		if err := (&childmatch.Origin{Source: c.deployment, Reference: "-"}).Validate(); err != nil {
			return c, fmt.Errorf("CHILDMATCH_DEPLOYMENT names the source of this deployment's exports: %v", childmatch.ErrorMessage(err))
		}
	}
	if c.adminToken, err = secret("CHILDMATCH_ADMIN_TOKEN"); err != nil {
		return c, err
	}
	if len(c.adminToken) < childmatch.MinAdminTokenLen {
		return c, fmt.Errorf("CHILDMATCH_ADMIN_TOKEN (or CHILDMATCH_ADMIN_TOKEN_FILE) must hold at least %d characters; `make run` generates one", childmatch.MinAdminTokenLen)
	}
	if c.minio, err = storeConfig(); err != nil {
		return c, err
	}
	if err := alertConfig(&c); err != nil {
		return c, err
	}
	if c.publicURL = os.Getenv("CHILDMATCH_PUBLIC_URL"); c.publicURL != "" {
		if u, err := url.Parse(c.publicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return c, fmt.Errorf("CHILDMATCH_PUBLIC_URL must be an http or https address, got %q", c.publicURL)
		}
	}
	if p := os.Getenv("CHILDMATCH_TRUSTED_PROXIES"); p != "" {
		c.trustedProxies = strings.Split(p, ",")
	}
	l := &c.limits
	if l.Workers, err = intEnv("CHILDMATCH_WORKERS", l.Workers); err != nil {
		return c, err
	}
	if l.DetectThreads, err = intEnv("CHILDMATCH_DETECT_THREADS", l.DetectThreads); err != nil {
		return c, err
	}
	mib, err := intEnv("CHILDMATCH_MAX_UPLOAD_MB", int(l.MaxUploadBytes>>20))
	if err != nil {
		return c, err
	}
	l.MaxUploadBytes = int64(mib) << 20
	if c.jitter, err = intEnv("CHILDMATCH_JITTER", 0); err != nil || c.jitter < 0 || c.jitter > 100 {
		return c, fmt.Errorf("CHILDMATCH_JITTER must be a whole number from 0 to 100")
	}
	if c.onnx, err = onnxConfig(); err != nil {
		return c, err
	}
	if c.detector, err = detectorConfig(c.onnx.Library); err != nil {
		return c, err
	}
	if l.Mirror, err = boolEnv("CHILDMATCH_MIRROR", l.Mirror); err != nil {
		return c, err
	}
	if l.DescribeMaxSide, err = intEnv("CHILDMATCH_DESCRIBE_MAX_SIDE", l.DescribeMaxSide); err != nil || l.DescribeMaxSide < childmatch.MinFaceSize {
		return c, fmt.Errorf("CHILDMATCH_DESCRIBE_MAX_SIDE must be a whole number of pixels from %d", childmatch.MinFaceSize)
	}
	if l.MaxPixels, err = intEnv("CHILDMATCH_MAX_PIXELS", l.MaxPixels); err != nil {
		return c, err
	}
	if l.WorkingMaxSide, err = intEnv("CHILDMATCH_WORKING_MAX_SIDE", l.WorkingMaxSide); err != nil {
		return c, err
	}
	if t := os.Getenv("CHILDMATCH_REVIEW_THRESHOLD"); t != "" {
		f, err := strconv.ParseFloat(t, 32)
		if err != nil || f <= 0 || f > 2 {
			return c, fmt.Errorf("CHILDMATCH_REVIEW_THRESHOLD must be a distance between 0 and 2, got %q", t)
		}
		l.ReviewThreshold = float32(f)
	}
	if l.ProposalsMax, err = intEnv("CHILDMATCH_PROPOSALS_MAX", l.ProposalsMax); err != nil || l.ProposalsMax < 1 || l.ProposalsMax > childmatch.MaxSearchLimit {
		return c, fmt.Errorf("CHILDMATCH_PROPOSALS_MAX must be a whole number from 1 to %d", childmatch.MaxSearchLimit)
	}
	if l.ProposalShare, err = floatEnv("CHILDMATCH_PROPOSAL_SHARE", l.ProposalShare); err != nil || l.ProposalShare < 0 || l.ProposalShare > 1 {
		return c, fmt.Errorf("CHILDMATCH_PROPOSAL_SHARE must be a number from 0 to 1")
	}
	if l.MinEvidence, err = floatEnv("CHILDMATCH_MIN_EVIDENCE", l.MinEvidence); err != nil || l.MinEvidence < -10 || l.MinEvidence > 10 {
		return c, fmt.Errorf("CHILDMATCH_MIN_EVIDENCE must be a number from -10 to 10 (log10 of a likelihood ratio)")
	}
	if c.follow.CatchUp, err = durationEnv("CHILDMATCH_CATCHUP_INTERVAL", childmatch.DefaultCatchUp); err != nil {
		return c, err
	}
	if c.follow.SnapshotEvery, err = durationEnv("CHILDMATCH_SNAPSHOT_INTERVAL", 10*time.Minute); err != nil {
		return c, err
	}
	c.follow.LocalSnapshot = localSnapshot(c.dataDir, c.minio)
	if c.minio.CallTimeout, err = durationEnv("MINIO_CALL_TIMEOUT", childmatch.DefaultStoreCallTimeout); err != nil {
		return c, err
	}
	if c.requestTimeout, err = durationEnv("CHILDMATCH_REQUEST_TIMEOUT", childmatch.DefaultRequestTimeout); err != nil {
		return c, err
	}
	if c.sweep.Grace, err = durationEnv("CHILDMATCH_SWEEP_GRACE", childmatch.DefaultSweepGrace); err != nil {
		return c, err
	}
	if c.sweepEvery, err = durationEnv("CHILDMATCH_SWEEP_INTERVAL", childmatch.DefaultSweepInterval); err != nil {
		return c, err
	}
	c.sweep.UploadBound = c.requestTimeout
	// A change entry settles once its write's deadline has passed, with FeedSettle's margin for clocks.
	c.follow.Settle = c.requestTimeout + childmatch.FeedSettle - childmatch.DefaultRequestTimeout
	if c.sessions.Idle, err = durationEnv("CHILDMATCH_SESSION_IDLE", c.sessions.Idle); err != nil {
		return c, err
	}
	if c.sessions.MaxAge, err = durationEnv("CHILDMATCH_SESSION_MAX_AGE", c.sessions.MaxAge); err != nil {
		return c, err
	}
	if c.channels, err = loadChannels(); err != nil {
		return c, err
	}
	if l.Workers < 1 || l.DetectThreads < 1 || l.MaxUploadBytes < 1 || l.MaxPixels < 1 || l.WorkingMaxSide < 160 {
		return c, fmt.Errorf("CHILDMATCH_WORKERS, CHILDMATCH_DETECT_THREADS, CHILDMATCH_MAX_UPLOAD_MB and CHILDMATCH_MAX_PIXELS must be positive and CHILDMATCH_WORKING_MAX_SIDE at least 160")
	}
	return c, nil
}

// storeConfig reads MinIO's settings: the service's, and those of backup and restore.
func storeConfig() (minio.Config, error) {
	m := minio.Config{
		Endpoint:  os.Getenv("MINIO_ENDPOINT"),
		AccessKey: os.Getenv("MINIO_ACCESS_KEY"),
		SecretKey: os.Getenv("MINIO_SECRET_KEY"),
		Bucket:    env("MINIO_BUCKET", "childmatch"),
	}
	var err error
	if m.SecretKey == "" {
		if m.SecretKey, err = secret("MINIO_SECRET_KEY"); err != nil {
			return m, err
		}
	}
	if m.Endpoint == "" || m.AccessKey == "" || m.SecretKey == "" {
		return m, fmt.Errorf("MINIO_ENDPOINT, MINIO_ACCESS_KEY and MINIO_SECRET_KEY must be set; `make run` starts a local MinIO and sets them")
	}
	if m.UseSSL, err = boolEnv("MINIO_USE_SSL", false); err != nil {
		return m, err
	}
	if m.Encrypt, err = boolEnv("MINIO_ENCRYPT", true); err != nil {
		return m, err
	}
	return m, nil
}

// detectorConfig reads CHILDMATCH_DETECTOR: by default MTCNN first (matcher.MTCNNFirst) where ONNX
// Runtime's library is configured (library, from CHILDMATCH_ONNX_LIB, which `make run` sets), dlib's HOG
// then CNN where it is not.
func detectorConfig(library string) (matcher.Detector, error) {
	d := matcher.Detector(os.Getenv("CHILDMATCH_DETECTOR"))
	switch {
	case d == "" && library != "":
		return matcher.MTCNNFirst, nil
	case d == "":
		return matcher.HOGThenCNN, nil
	case d == matcher.MTCNNFirst && library == "":
		return d, fmt.Errorf("CHILDMATCH_DETECTOR=%s needs ONNX Runtime's library in CHILDMATCH_ONNX_LIB (`make onnx` installs one and prints its path)", d)
	}
	return d, nil
}

// onnxConfig reads the optional second face model (README: a stronger face model): off unless
// CHILDMATCH_ONNX_MODEL names a model file, which then needs ONNX Runtime's library in CHILDMATCH_ONNX_LIB.
func onnxConfig() (matcher.ONNXConfig, error) {
	c := matcher.ONNXConfig{Model: os.Getenv("CHILDMATCH_ONNX_MODEL"), Library: os.Getenv("CHILDMATCH_ONNX_LIB"),
		Name: os.Getenv("CHILDMATCH_ONNX_NAME"), Metric: childmatch.Metric(os.Getenv("CHILDMATCH_ONNX_METRIC"))}
	if c.Model != "" && c.Library == "" {
		return c, fmt.Errorf("CHILDMATCH_ONNX_MODEL is set but CHILDMATCH_ONNX_LIB is not: set it to ONNX Runtime's libonnxruntime.so (`make onnx` installs one and prints its path)")
	}
	return c, nil
}

// openFaces loads the face pipeline: dlib's models and the face models configured beside them. close frees
// both, the matcher first.
func openFaces(cfg config, log *slog.Logger) (*matcher.Matcher, []childmatch.Embedder, func(), error) {
	embedders, closeEmbedders, err := loadEmbedders(cfg.onnx, log)
	if err != nil {
		return nil, nil, nil, err
	}
	faces, err := matcher.New(matcher.Config{ModelsDir: cfg.modelsDir, Limits: cfg.limits, Detector: cfg.detector,
		ONNXLibrary: cfg.onnx.Library, Jitter: cfg.jitter, Embedders: embedders})
	if err != nil {
		closeEmbedders()
		return nil, nil, nil, err
	}
	return faces, embedders, func() { faces.Close(); closeEmbedders() }, nil
}

// loadEmbedders loads the face models configured beside dlib (none when c names no model) and returns them
// with the function that frees them, to run after the matcher is closed. log may be nil.
func loadEmbedders(c matcher.ONNXConfig, log *slog.Logger) ([]childmatch.Embedder, func(), error) {
	if c.Model == "" {
		return nil, func() {}, nil
	}
	e, err := matcher.NewONNX(c)
	if err != nil {
		return nil, nil, err
	}
	if log != nil {
		log.Info("second face model loaded", "name", e.Name(), "dim", e.Dim(), "metric", e.Metric())
	}
	return []childmatch.Embedder{e}, e.Close, nil
}

// localSnapshot names the local snapshot cache after the store it mirrors, so a data folder reused against
// another MinIO or bucket never loads a foreign index.
func localSnapshot(dataDir string, m minio.Config) string {
	store := sha256.Sum256([]byte(m.Endpoint + "/" + m.Bucket))
	return filepath.Join(dataDir, "index-"+hex.EncodeToString(store[:6])+".snapshot")
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// secret reads NAME from the environment, or from the file named by NAME_FILE, which must not be
// readable by group or others.
func secret(name string) (string, error) {
	if v := os.Getenv(name); v != "" {
		return v, nil
	}
	path := os.Getenv(name + "_FILE")
	if path == "" {
		return "", nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s_FILE %s must be readable by its owner only (chmod 600)", name, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func intEnv(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s must be a whole number, got %q", name, v)
	}
	return n, nil
}

func floatEnv(name string, def float64) (float64, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%s must be a number, got %q", name, v)
	}
	return f, nil
}

func durationEnv(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration such as 5s or 10m, got %q", name, v)
	}
	return d, nil
}

func boolEnv(name string, def bool) (bool, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false, got %q", name, v)
	}
	return b, nil
}

// alertConfig reads the alerting side's settings: the station gazetteer, the wait before a silent post
// is chased, and the key of signed links (CHILDMATCH_LINK_KEY; by default derived from the admin token,
// which every replica shares, so a link signed by one opens on all).
func alertConfig(c *config) error {
	c.stations = os.Getenv("CHILDMATCH_STATIONS")
	minutes, err := intEnv("CHILDMATCH_ALERT_ACK_MINUTES", int(c.limits.AlertAck/time.Minute))
	if err != nil || minutes < 1 || minutes > 24*60 {
		return fmt.Errorf("CHILDMATCH_ALERT_ACK_MINUTES must be a whole number of minutes from 1 to 1440")
	}
	c.limits.AlertAck = time.Duration(minutes) * time.Minute
	key, err := secret("CHILDMATCH_LINK_KEY")
	if err != nil {
		return err
	}
	if key == "" {
		sum := sha256.Sum256([]byte("childmatch signed links\n" + c.adminToken))
		key = hex.EncodeToString(sum[:])
	}
	c.linkKey = []byte(key)
	return nil
}
