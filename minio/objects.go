package minio

import (
	"context"
	"io"
	"strings"

	miniogo "github.com/minio/minio-go/v7"
)

// Object is one stored object as a backup copies it: its key, size, type and user metadata (a blob's
// case), without its bytes.
type Object struct {
	Key         string            `json:"key"`
	Size        int64             `json:"size"`
	ContentType string            `json:"content_type,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// WalkObjects lists every object of the bucket in key order, with its metadata, until fn returns an error.
func (s *Store) WalkObjects(ctx context.Context, fn func(Object) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for info := range s.cl.ListObjects(ctx, s.bucket, miniogo.ListObjectsOptions{Recursive: true}) {
		if info.Err != nil {
			return s.fail(info.Err, "the listing of the bucket")
		}
		if err := fn(Object{Key: info.Key, Size: info.Size}); err != nil {
			return err
		}
	}
	return nil
}

// ReadObject opens an object by its key, decrypted, and says what it is.
func (s *Store) ReadObject(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	obj, err := s.cl.GetObject(ctx, s.bucket, key, miniogo.GetObjectOptions{})
	if err != nil {
		return nil, Object{}, s.fail(err, key)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Object{}, s.fail(err, key)
	}
	o := Object{Key: key, Size: info.Size, ContentType: info.ContentType}
	for k, v := range info.UserMetadata {
		if o.Metadata == nil {
			o.Metadata = map[string]string{}
		}
		o.Metadata[strings.TrimPrefix(strings.ToLower(k), "x-amz-meta-")] = v
	}
	return obj, o, nil
}

// WriteObject stores an object as it was read (key, type, metadata), only if the key is free: a restore
// never overwrites.
func (s *Store) WriteObject(ctx context.Context, o Object, r io.Reader) error {
	opts := miniogo.PutObjectOptions{ContentType: o.ContentType, UserMetadata: o.Metadata}
	opts.SetMatchETagExcept("*")
	_, err := s.cl.PutObject(ctx, s.bucket, o.Key, r, o.Size, opts)
	return s.fail(err, o.Key)
}
