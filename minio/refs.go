package minio

import (
	"context"

	miniogo "github.com/minio/minio-go/v7"

	"childmatch"
)

var _ childmatch.RefStore = (*Store)(nil)

// refKey is where an origin's case is recorded: by its source, then the SHA-256 of its reference, so the
// key holds none of the reference's text.
func refKey(o childmatch.Origin) string { return "refs/" + o.Source + "/" + o.RefHash() + ".json" }

type refRecord struct {
	Case childmatch.ID `json:"case"`
}

// CreateRef writes the origin's record only if it is absent (If-None-Match: *): MinIO applies the
// condition atomically, so of two writers of one origin, on any replicas, exactly one succeeds.
func (s *Store) CreateRef(ctx context.Context, o childmatch.Origin, caseID childmatch.ID) error {
	return s.putJSON(ctx, refKey(o), "the reference "+o.Source+" "+o.RefHash()[:12], refRecord{caseID}, "*")
}

// Ref reads the case recorded for an origin.
func (s *Store) Ref(ctx context.Context, o childmatch.Origin) (childmatch.ID, error) {
	var r refRecord
	_, err := s.getJSON(ctx, refKey(o), "the reference", &r)
	return r.Case, err
}

// DeleteRef removes an origin's record; removing a missing one is not an error.
func (s *Store) DeleteRef(ctx context.Context, o childmatch.Origin) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	return s.fail(s.cl.RemoveObject(ctx, s.bucket, refKey(o), miniogo.RemoveObjectOptions{}), "the reference")
}

const deploymentKey = "deployment.json"

type deploymentRecord struct {
	ID childmatch.ID `json:"id"`
}

// DeploymentID returns the id of the deployment the bucket belongs to, made by the first replica that
// asks (create-only, so every replica reads the same one): exports name their source by it.
func (s *Store) DeploymentID(ctx context.Context) (childmatch.ID, error) {
	var d deploymentRecord
	_, err := s.getJSON(ctx, deploymentKey, "the deployment record", &d)
	if childmatch.ErrorCodeOf(err) != childmatch.ENotFound {
		return d.ID, err
	}
	err = s.putJSON(ctx, deploymentKey, "the deployment record", deploymentRecord{childmatch.NewID()}, "*")
	if err != nil && childmatch.ErrorCodeOf(err) != childmatch.EConflict {
		return childmatch.ID{}, err
	}
	_, err = s.getJSON(ctx, deploymentKey, "the deployment record", &d)
	return d.ID, err
}
