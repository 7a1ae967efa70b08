package minio

import (
	"bytes"
	"context"
	"strings"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

// A review item is stored under its pair key, the two cases' ids in order (reviews/<first><second>.json),
// so the items of a case are a listing by prefix when it is the first. For the second, an empty marker
//
//	review-of/<second>/<pair key>
//
// names the item, so the follower finds every item of a case it re-reads (follow.Cases.ReviewsOf)
// with two listings, never a walk of every item.
const reviewOfPrefix = "review-of/"

func reviewOfKey(id string) string { return reviewOfPrefix + id[32:] + "/" + id }

func (s *Store) markReview(ctx context.Context, id string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.cl.PutObject(ctx, s.bucket, reviewOfKey(id), bytes.NewReader(nil), 0, miniogo.PutObjectOptions{})
	return s.fail(err, "the marker of review "+id)
}

func (s *Store) unmarkReview(ctx context.Context, id string) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.fail(s.cl.RemoveObject(ctx, s.bucket, reviewOfKey(id), miniogo.RemoveObjectOptions{}), "the marker of review "+id)
}

// ReviewsOf reads the review items of a case.
func (s *Store) ReviewsOf(ctx context.Context, caseID childmatch.ID) ([]*childmatch.Review, error) {
	hex := caseID.Hex()
	var ids []string
	for _, prefix := range []string{"reviews/" + hex, reviewOfPrefix + hex + "/"} {
		p := s.stream(ctx)
		for obj := range s.cl.ListObjects(p.ctx, s.bucket, miniogo.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if obj.Err != nil {
				p.done()
				return nil, s.fail(p.err(obj.Err), "the review items of a case")
			}
			p.kick()
			key := obj.Key[strings.LastIndexByte(obj.Key, '/')+1:]
			ids = append(ids, strings.TrimSuffix(key, ".json"))
		}
		p.done()
	}
	out := make([]*childmatch.Review, 0, len(ids))
	for _, id := range ids {
		r, err := s.Review(ctx, id)
		if childmatch.ErrorCodeOf(err) == childmatch.ENotFound {
			continue // a marker written before its item, or left by a removal cut short
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
