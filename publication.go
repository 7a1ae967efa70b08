package childmatch

import (
	"context"
	"time"
)

// The Juvenile Justice Act 2015, s.74, forbids publishing anything that identifies a child in need of
// care and protection, unless the Child Welfare Committee permits it in the child's interest. A missing
// child's poster on a station's notice board is such a publication: it is made only for a case whose
// record says who on the Committee permitted it, and when.

// Publication is the Child Welfare Committee's permission to publish a child's identity.
type Publication struct {
	// By is who permitted it: the Committee and the member who signed ("CWC Bhopal, Chairperson").
	By string `json:"by"`
	// At is when the Committee permitted it.
	At time.Time `json:"at"`
	// Order is the Committee's order or reference number, when it gave one.
	Order string `json:"order,omitempty"`
}

// Validate normalises p and checks it; a nil permission is no permission, and valid.
func (p *Publication) Validate(now time.Time) error {
	if p == nil {
		return nil
	}
	if err := CleanText("publication.by", &p.By, MaxShortText); err != nil {
		return err
	}
	if p.By == "" {
		return FieldError("publication.by", "is required: who on the Child Welfare Committee permitted publication")
	}
	if err := CleanText("publication.order", &p.Order, MaxShortText); err != nil {
		return err
	}
	if p.At.IsZero() {
		return FieldError("publication.at", "is required: when the Child Welfare Committee permitted publication")
	}
	if p.At.After(now.Add(MaxClockSkew)) {
		return FieldError("publication.at", "is in the future")
	}
	return nil
}

// PublicationService records the Committee's permission on a case the actor may see (service.Service).
type PublicationService interface {
	PermitPublication(ctx context.Context, actor Actor, id ID, p Publication) (*Case, error)
}
