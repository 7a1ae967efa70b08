package childmatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

// Origin says where an imported case came from: the system that held it first (a state's register, a
// police system, another childmatch deployment) and that system's own reference for it (a TrackChild
// number, an FIR number, the other deployment's case id). A reference is unique per source: importing the
// same row twice finds the case the first import made (RefStore) instead of making another.
type Origin struct {
	Source    string `json:"source"`
	Reference string `json:"reference"`
}

// Validate trims and checks the origin. The source names a storage prefix (RefStore), so it is a short
// name of letters, digits and . _ - only; the reference is any short text, stored only as its hash there.
func (o *Origin) Validate() error {
	if err := CleanText("origin.source", &o.Source, MaxSourceName); err != nil {
		return err
	}
	if o.Source == "" {
		return FieldError("origin.source", "is required with a reference")
	}
	for _, r := range o.Source {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-') {
			return FieldError("origin.source", "may hold only letters, digits, '.', '_' and '-'")
		}
	}
	if err := CleanText("origin.reference", &o.Reference, MaxShortText); err != nil {
		return err
	}
	if o.Reference == "" {
		return FieldError("origin.reference", "is required with a source")
	}
	return nil
}

// RefHash is the reference as the store keys it: its SHA-256, so a key never holds the reference's text
// and any text makes a valid key.
func (o Origin) RefHash() string {
	sum := sha256.Sum256([]byte(o.Reference))
	return hex.EncodeToString(sum[:])
}

// RefStore keeps, per source and reference, the id of the case made for it. CreateRef is a conditional
// write (create only if absent), atomic across every replica over the same storage: of two imports of one
// reference at once, exactly one writes it.
type RefStore interface {
	// CreateRef records that the origin belongs to the case; EConflict if the origin is recorded already.
	CreateRef(ctx context.Context, o Origin, caseID ID) error
	// Ref returns the case recorded for the origin; ENotFound if none is.
	Ref(ctx context.Context, o Origin) (ID, error)
	// DeleteRef removes the origin's record; removing a missing one is not an error.
	DeleteRef(ctx context.Context, o Origin) error
}
