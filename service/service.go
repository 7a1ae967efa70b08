package service

import (
	"log/slog"
	"time"

	"childmatch"
)

// Deps are what a Service is built from. The MinIO store is Store, ReviewStore and AuditLog at once; they
// are separate interfaces because each part of the service needs only its own.
type Deps struct {
	Store childmatch.Store
	// Refs keeps the origins of imported cases (origin.go); nil: a case with an origin is refused.
	Refs    childmatch.RefStore
	Reviews childmatch.ReviewStore
	Audit   childmatch.AuditLog
	Faces   childmatch.FaceAnalyzer
	Index   childmatch.CaseIndex
	// Catalog is the lists' table in memory (follow.Follower, like Index); nil only in a process that
	// serves no lists (the sweeper).
	Catalog childmatch.Catalog
	Limits  childmatch.Limits
	// Calibrations keeps the deployment's fitted calibration (nil: the measured default always).
	Calibrations childmatch.CalibrationStore
	Sweep        SweepConfig
	// Cards draws alert cards (card.Renderer); nil: none.
	Cards childmatch.CardRenderer
	// Posters draws posters (card.Renderer); nil: none.
	Posters childmatch.PosterRenderer
	// AlertViews says which alerts an actor may see, for their messages' cards (alert.Service); nil: none.
	AlertViews childmatch.AlertViewer
	// Alerts raises a missing child's alert and stands it down when the child is found (alert.Service);
	// nil: no alerts.
	Alerts childmatch.Alerter
	// Deliveries is the outbox's store, whose erased alerts' deliveries the sweeper removes; nil: it
	// leaves them.
	Deliveries childmatch.DeliveryStore
	Log        *slog.Logger
	// Deployment names this deployment to others: the source of the cases it exports (export.go).
	Deployment string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Service is the path of a photo through childmatch: analysed by the face pipeline, stored (the commit
// point), then indexed, matched and proposed for review.
type Service struct {
	store       childmatch.Store
	refs        childmatch.RefStore
	deployment  string
	reviews     childmatch.ReviewStore
	audit       childmatch.Auditor
	faces       childmatch.FaceAnalyzer
	index       childmatch.CaseIndex
	catalog     childmatch.Catalog
	limits      childmatch.Limits
	calibration *calibration
	admission   *admission
	cards       childmatch.CardRenderer
	posters     childmatch.PosterRenderer
	alertViews  childmatch.AlertViewer
	alerts      childmatch.Alerter
	deliveries  childmatch.DeliveryStore
	sweep       SweepConfig
	log         *slog.Logger
	now         func() time.Time
}

var (
	_ childmatch.CaseService        = (*Service)(nil)
	_ childmatch.PhotoService       = (*Service)(nil)
	_ childmatch.ReviewService      = (*Service)(nil)
	_ childmatch.StatsService       = (*Service)(nil)
	_ childmatch.AuditService       = (*Service)(nil)
	_ childmatch.CalibrationService = (*Service)(nil)
	_ childmatch.CardService        = (*Service)(nil)
	_ childmatch.PublicationService = (*Service)(nil)
	_ childmatch.ExportService      = (*Service)(nil)
)

// New wires a Service. The index must be open (follow.Follower.Open) before it serves.
func New(d Deps) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Service{store: d.Store, refs: d.Refs, deployment: d.Deployment, reviews: d.Reviews, audit: childmatch.Auditor{Log: d.Audit, Now: now},
		faces: d.Faces, index: d.Index, catalog: d.Catalog, limits: d.Limits, calibration: &calibration{store: d.Calibrations},
		admission: newAdmission(d.Limits.Workers), cards: d.Cards, alerts: d.Alerts, deliveries: d.Deliveries,
		posters: d.Posters, alertViews: d.AlertViews,
		sweep: d.Sweep, log: d.Log, now: now}
}
