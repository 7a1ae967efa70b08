package minio

import (
	"context"
	"strings"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// WalkBlobs lists the blobs of a kind with their age and case, for the sweeper. The case comes from the
// metadata PutBlob stores with every blob, which MinIO returns in the listing itself (WithMetadata), so a
// sweep costs a listing, not a request per blob. A blob whose listing carries no case id is read for it
// (Stat); one that has none at all is reported with a zero CaseID, which the sweeper never deletes.
func (s *Store) WalkBlobs(ctx context.Context, kind childmatch.BlobKind, fn func(childmatch.BlobInfo) error) error {
	p := s.stream(ctx)
	defer p.done()
	prefix := string(kind) + "/"
	for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: prefix, Recursive: true, WithMetadata: true}) {
		if obj.Err != nil {
			return s.fail(p.err(obj.Err), "the listing of "+prefix)
		}
		p.kick()
		id, err := childmatch.ParseID(string(kind), strings.TrimSuffix(strings.TrimPrefix(obj.Key, prefix), ".jpg"))
		if err != nil {
			continue // not ours: nothing else writes under photos/ and faces/, and a stray key is no blob to judge
		}
		b := childmatch.BlobInfo{Kind: kind, ID: id, CaseID: caseOf(obj.UserMetadataStripped), Written: obj.LastModified}
		if b.CaseID.IsZero() {
			if b.CaseID, err = s.blobCase(ctx, obj.Key); err != nil {
				return err
			}
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

// blobCase reads the case id from a blob's metadata; zero when the blob is gone or carries none.
func (s *Store) blobCase(ctx context.Context, key string) (childmatch.ID, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	info, err := s.cl.StatObject(ctx, s.bucket, key, miniogo.StatObjectOptions{})
	if err != nil {
		if err = s.fail(err, key); childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			return childmatch.ID{}, nil
		}
		return childmatch.ID{}, err
	}
	return caseOf(info.UserMetadata), nil
}

// caseOf finds the case id among a blob's user metadata, with or without the "X-Amz-Meta-" prefix and in
// whatever case the server spells the key.
func caseOf(meta map[string]string) childmatch.ID {
	for k, v := range meta {
		if strings.EqualFold(strings.TrimPrefix(strings.ToLower(k), "x-amz-meta-"), caseMeta) {
			id, _ := childmatch.ParseID("case", v)
			return id
		}
	}
	return childmatch.ID{}
}
