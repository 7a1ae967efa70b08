package childmatch

import (
	"context"
	"io"
	"time"
)

// An export is one ZIP that hands cases to another agency (childmatch export; another deployment takes it
// in with childmatch import --zip):
//
//	manifest.json                    ExportManifest: the source deployment, the cases, every file's SHA-256
//	cases/<id>/case.json             the case record, without its faces' descriptors (biometric templates
//	                                 stay here: the receiving side computes its own from the photos)
//	cases/<id>/photos/<photo id>.<ext>  the original photos, byte for byte
//	cases/<id>/reviews.json          the review items of the case, with their decisions
//	cases/<id>/audit.json            ExportAudit: what the trail holds of the case, counted
//
// The manifest is written last and lists every other file, so a ZIP cut short has none and is refused.

// ExportFormat names the layout above; an importer refuses any other.
const ExportFormat = "childmatch-export/1"

// ExportQuery selects the cases of an export: the listed ids, or else every case the case list's filters
// select (Kind, Status; "" = any).
type ExportQuery struct {
	Cases  []ID
	Kind   Kind
	Status Status
}

// ExportManifest is manifest.json.
type ExportManifest struct {
	Format     string    `json:"format"`
	Source     string    `json:"source"` // the exporting deployment: the source of the cases' origins where they are imported
	ExportedAt time.Time `json:"exported_at"`
	ExportedBy string    `json:"exported_by"`
	Cases      []ID      `json:"cases"`
	// Files maps every other file's path in the ZIP to its SHA-256, hex.
	Files map[string]string `json:"files"`
}

// ExportAudit is a case's audit.json: the trail's events about it, counted by action.
type ExportAudit struct {
	Events   int            `json:"events"`
	ByAction map[string]int `json:"by_action"`
	First    time.Time      `json:"first,omitzero"`
	Last     time.Time      `json:"last,omitzero"`
	// Truncated: the case has more events than MaxAuditPage; the counts are of the first ones.
	Truncated bool `json:"truncated,omitempty"`
}

// ExportService writes exports (service.Service). Admins only; the export is recorded in the audit trail
// with every case it holds. It answers a refusal (permission, query, a case not found) before writing
// anything to w.
type ExportService interface {
	Export(ctx context.Context, actor Actor, q ExportQuery, w io.Writer) error
}
