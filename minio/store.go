package minio

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/sse"

	"childmatch"
)

// Config names the MinIO server and bucket.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	UseSSL    bool
	// CallTimeout bounds every call to MinIO (deadline.go); zero is childmatch.DefaultStoreCallTimeout.
	CallTimeout time.Duration
	// Encrypt makes MinIO encrypt every object at rest (SSE-S3 with the server's KMS key, which `make run`
	// generates): Open sets it as the bucket's default encryption, and fails if MinIO has no KMS key.
	Encrypt bool
	// SealKey (32 bytes) seals the posts' webhook secrets in their records (seal.go); nil keeps them as
	// given, under the bucket's encryption only. Every replica needs the same key.
	SealKey []byte
}

// Store is the MinIO-backed store. It is safe for concurrent use.
type Store struct {
	cl      *miniogo.Client
	bucket  string
	timeout time.Duration // of every call (deadline.go)
	// writer names this store in the change entries it writes, so the process can skip its own: a fresh
	// random id per Open, so a restarted process replays what its earlier life wrote.
	writer string
	// posts keeps the posts as last walked, by key, with their ETags (ahead.go).
	posts sync.Map
	seal  *sealer // of webhook secrets (seal.go)
}

var (
	_ childmatch.Store       = (*Store)(nil)
	_ childmatch.ReviewStore = (*Store)(nil)
	_ childmatch.UserStore   = (*Store)(nil)
	_ childmatch.AuditLog    = (*Store)(nil)
)

// Open connects to MinIO and creates the bucket if it does not exist.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, childmatch.Errorf(childmatch.EInvalid, "the MinIO endpoint and bucket must be set")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = (&net.Dialer{Timeout: childmatch.StoreDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	transport.ResponseHeaderTimeout = time.Minute
	transport.MaxIdleConnsPerHost = 64
	cl, err := miniogo.New(cfg.Endpoint, &miniogo.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.UseSSL,
		Transport:  observed{next: transport, bucket: cfg.Bucket},
		MaxRetries: childmatch.StoreRetries,
	})
	if err != nil {
		return nil, childmatch.Errorf(childmatch.EInvalid, "MinIO endpoint %q: %v", cfg.Endpoint, err)
	}
	seal, err := newSealer(cfg.SealKey)
	if err != nil {
		return nil, err
	}
	s := &Store{cl: cl, bucket: cfg.Bucket, seal: seal, timeout: cmp.Or(cfg.CallTimeout, childmatch.DefaultStoreCallTimeout),
		writer: childmatch.NewID().Hex()[16:]}
	ctx, cancel := context.WithTimeout(ctx, childmatch.StoreOpenTimeout)
	defer cancel()
	exists, err := cl.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, s.fail(err, "MinIO at "+cfg.Endpoint)
	}
	if !exists {
		err := cl.MakeBucket(ctx, cfg.Bucket, miniogo.MakeBucketOptions{})
		if code := miniogo.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return nil, s.fail(err, "MinIO at "+cfg.Endpoint)
		}
	}
	if cfg.Encrypt {
		if err := cl.SetBucketEncryption(ctx, cfg.Bucket, sse.NewConfigurationSSES3()); err != nil {
			if miniogo.ToErrorResponse(err).StatusCode == http.StatusNotImplemented {
				return nil, childmatch.Errorf(childmatch.EInvalid, "MinIO at %s has no KMS key to encrypt with: start it with MINIO_KMS_SECRET_KEY (`make run` does), or set MINIO_ENCRYPT=false", cfg.Endpoint)
			}
			return nil, s.fail(err, "the bucket's encryption")
		}
	}
	return s, nil
}

// fail classifies a MinIO error: a missing key is ENotFound, a failed precondition EConflict, an answer
// that never came EUnavailable; anything else is internal and keeps its cause for the log.
func (s *Store) fail(err error, what string) error {
	if err == nil {
		return nil
	}
	var ce *childmatch.Error
	if errors.As(err, &ce) {
		return err
	}
	resp := miniogo.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchKey" || resp.Code == "NoSuchObject":
		return &childmatch.Error{Code: childmatch.ENotFound, Message: what + " does not exist", Err: err}
	case resp.Code == "PreconditionFailed" || resp.StatusCode == http.StatusPreconditionFailed:
		return &childmatch.Error{Code: childmatch.EConflict, Message: what + " was changed by someone else", Err: err}
	case errors.Is(err, context.Canceled):
		return childmatch.Canceled(err)
	case resp.Code == "" || resp.StatusCode >= 500 || errors.Is(err, context.DeadlineExceeded):
		return childmatch.Unavailable("storage", err)
	}
	return &childmatch.Error{Code: childmatch.EInternal, Message: "storage error", Err: err}
}

// Ping checks that MinIO answers and the bucket is there.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	ok, err := s.cl.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.fail(err, "the bucket")
	}
	if !ok {
		return childmatch.Errorf(childmatch.EUnavailable, "the bucket is missing")
	}
	return nil
}

// getJSON reads a JSON record and returns its ETag.
func (s *Store) getJSON(ctx context.Context, key, what string, v any) (string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	obj, err := s.cl.GetObject(ctx, s.bucket, key, miniogo.GetObjectOptions{})
	if err != nil {
		return "", s.fail(err, what)
	}
	defer obj.Close()
	// Read before Stat: the first read makes the one GET and Stat then answers from it. Stat first would
	// make the read a second request conditioned on the ETag, which a concurrent writer turns into a 412.
	b, err := io.ReadAll(obj)
	if err != nil {
		return "", s.fail(err, what)
	}
	info, err := obj.Stat()
	if err != nil {
		return "", s.fail(err, what)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return "", &childmatch.Error{Code: childmatch.EInternal, Message: what + " is unreadable", Err: err}
	}
	return info.ETag, nil
}

// putJSON writes a JSON record. etag "*" creates it only if absent; another etag overwrites only that
// version; "" writes unconditionally.
func (s *Store) putJSON(ctx context.Context, key, what string, v any, etag string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	opts := miniogo.PutObjectOptions{ContentType: "application/json"}
	switch etag {
	case "":
	case "*":
		opts.SetMatchETagExcept("*")
	default:
		opts.SetMatchETag(etag)
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err = s.cl.PutObject(ctx, s.bucket, key, bytes.NewReader(b), int64(len(b)), opts)
	return s.fail(err, what)
}

// update is the read-modify-write loop behind every record change.
func update[T any](ctx context.Context, s *Store, key, what string, fn func(*T) error) (*T, error) {
	for attempt := 0; attempt < childmatch.UpdateAttempts; attempt++ {
		var v T
		etag, err := s.getJSON(ctx, key, what, &v)
		if err != nil {
			return nil, err
		}
		if err := fn(&v); err != nil {
			return nil, err
		}
		err = s.putJSON(ctx, key, what, &v, etag)
		if childmatch.ErrorCodeOf(err) != childmatch.EConflict {
			if err != nil {
				return nil, err
			}
			return &v, nil
		}
		// Somebody else wrote first: wait a little, randomly, so the writers spread out, and redo.
		select {
		case <-ctx.Done():
			return nil, s.fail(ctx.Err(), what)
		case <-time.After(time.Duration(1+rand.IntN(10*(attempt+1))) * time.Millisecond):
		}
	}
	return nil, childmatch.Errorf(childmatch.EConflict, "%s changed too often at once, try again", what)
}

// walk reads every JSON record under prefix after startAfter, in key order, until fn says stop. A record
// deleted between the listing and the read is skipped. The listing's deadline waits while fn works, so a
// caller may take its time over a record (a dedupe pass weighs a batch of cases inside one walk).
func walk[T any](ctx context.Context, s *Store, prefix, startAfter string, fn func(*T) (bool, error)) error {
	p := s.stream(ctx)
	defer p.done() // also stops the listing when fn stops early
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: prefix, StartAfter: startAfter, Recursive: true}) {
		if obj.Err != nil {
			return s.fail(p.err(obj.Err), "the listing of "+prefix)
		}
		p.kick()
		var v T
		if _, err := s.getJSON(ctx, obj.Key, "a record", &v); err != nil {
			if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
				continue
			}
			return err
		}
		p.pause()
		more, err := fn(&v)
		if err != nil || !more {
			return err
		}
		p.kick()
	}
	return nil
}

func caseKey(id childmatch.ID) string { return "cases/" + id.String() + ".json" }

// CreateCase writes a new case record; EConflict if the id is taken.
func (s *Store) CreateCase(ctx context.Context, c *childmatch.Case) error {
	if err := s.markChange(ctx, c.ID); err != nil {
		return err
	}
	return s.putJSON(ctx, caseKey(c.ID), "case "+c.ID.String(), c, "*")
}

// Case reads a case record.
func (s *Store) Case(ctx context.Context, id childmatch.ID) (*childmatch.Case, error) {
	var c childmatch.Case
	if _, err := s.getJSON(ctx, caseKey(id), "case "+id.String(), &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// UpdateCase applies fn to the current record and writes it back only if nobody changed it meanwhile. The
// change entry must land before the record's write, not before its read: the two go to MinIO at once, and
// the write waits for the entry.
func (s *Store) UpdateCase(ctx context.Context, id childmatch.ID, fn func(*childmatch.Case) error) (*childmatch.Case, error) {
	entry := make(chan error, 1)
	go func() { entry <- s.markChange(ctx, id) }()
	marked := sync.OnceValue(func() error { return <-entry })
	defer marked() // a failed read or fn leaves no entry being written behind the answer
	return update(ctx, s, caseKey(id), "case "+id.String(), func(c *childmatch.Case) error {
		if err := fn(c); err != nil {
			return err
		}
		return marked()
	})
}

// DeleteCase removes a case record, after the change entry that tells the replicas.
func (s *Store) DeleteCase(ctx context.Context, id childmatch.ID) error {
	if err := s.markChange(ctx, id); err != nil {
		return err
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	err := s.cl.RemoveObject(ctx, s.bucket, caseKey(id), miniogo.RemoveObjectOptions{})
	return s.fail(err, "case "+id.String())
}

// WalkCases reads the cases after the given id in creation order (UUIDv7 keys sort by time), reading ahead
// of fn (walkAhead): its walks go to the end.
func (s *Store) WalkCases(ctx context.Context, after childmatch.ID, fn func(*childmatch.Case) (bool, error)) error {
	start := ""
	if !after.IsZero() {
		start = caseKey(after)
	}
	return walkAhead(ctx, s, "cases/", start, nil, fn)
}

func blobKey(kind childmatch.BlobKind, id childmatch.ID) string {
	if kind == childmatch.BlobChip {
		return string(kind) + "/" + id.String() + ".jpg"
	}
	return string(kind) + "/" + id.String()
}

// caseMeta is the user metadata that ties a blob to its case.
const caseMeta = "Case"

// PutBlob stores an immutable blob, tagged with its case.
func (s *Store) PutBlob(ctx context.Context, kind childmatch.BlobKind, id, caseID childmatch.ID, contentType string, data []byte) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.cl.PutObject(ctx, s.bucket, blobKey(kind, id), bytes.NewReader(data), int64(len(data)),
		miniogo.PutObjectOptions{ContentType: contentType, UserMetadata: map[string]string{caseMeta: caseID.String()}})
	return s.fail(err, string(kind)+" "+id.String())
}

// Blob opens a stored blob. Its bytes stream under a deadline that moves with every read, so a client
// reading slowly is never cut while MinIO keeps sending, and a MinIO that stops sending ends the read.
func (s *Store) Blob(ctx context.Context, kind childmatch.BlobKind, id childmatch.ID) (*childmatch.Blob, error) {
	what := strings.TrimSuffix(string(kind), "s") + " " + id.String()
	p := s.stream(ctx)
	obj, err := s.cl.GetObject(p.ctx, s.bucket, blobKey(kind, id), miniogo.GetObjectOptions{})
	if err != nil {
		p.done()
		return nil, s.fail(p.err(err), what)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		p.done()
		return nil, s.fail(p.err(err), what)
	}
	p.kick()
	b := &childmatch.Blob{ReadCloser: &progressReader{r: obj, c: obj, p: p}, Size: info.Size, ContentType: info.ContentType}
	b.CaseID = caseOf(info.UserMetadata)
	return b, nil
}

// DeleteBlob removes a blob; removing a missing one is not an error.
func (s *Store) DeleteBlob(ctx context.Context, kind childmatch.BlobKind, id childmatch.ID) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	err := s.cl.RemoveObject(ctx, s.bucket, blobKey(kind, id), miniogo.RemoveObjectOptions{})
	return s.fail(err, string(kind)+" "+id.String())
}
