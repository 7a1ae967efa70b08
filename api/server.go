package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// Services are what the routes call: cmd/childmatch passes service.Service, auth.Service and
// follow.Follower.
type Services struct {
	Cases        childmatch.CaseService
	Photos       childmatch.PhotoService
	Reviews      childmatch.ReviewService
	Stats        childmatch.StatsService
	Audit        childmatch.AuditService
	Calibrations childmatch.CalibrationService
	Cards        childmatch.CardService
	Publications childmatch.PublicationService
	Export       childmatch.ExportService
	Posts        childmatch.PostService
	Alerts       childmatch.AlertService
	Deliveries   childmatch.DeliveryService // nil: no outbox (its routes answer 503)
	Users        childmatch.UserService
	Index        childmatch.IndexStatus
	Store        childmatch.Pinger
	// Links checks signed links and ShortLinks opens short ones (auth.Links, auth.ShortLinks): the
	// cards an SMS links to. Nil: those routes answer 404.
	Links      childmatch.Linker
	ShortLinks childmatch.Shortener

	// Stream and Push are the web app's live alerts and Web Push (live.Hub, push.Service); nil: their
	// routes are not there.
	Stream childmatch.AlertStream
	Push   childmatch.PushService
}

// Config is what the HTTP layer needs beyond the services.
type Config struct {
	// TrustedProxies are the addresses whose X-Forwarded-For is believed; empty trusts none, so the
	// client address in logs and audit is the connection's.
	TrustedProxies []string
	// MaxUploadBytes bounds the photo of an upload, read before anything else (Limits.MaxUploadBytes).
	MaxUploadBytes int64
	// PublicURL is the service's address as its users reach it (https://childmatch.example.in), which the
	// alert card's QR code opens; empty: the request's own host, for a service on a private address.
	PublicURL string
	// RequestTimeout bounds a request's work (deadline.go); zero is childmatch.DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Deployment, Workers and MaxPixels are what GET /v1/deployment tells an importer (deployment.go).
	Deployment string
	Workers    int
	MaxPixels  int
	// StreamHeartbeat is the pause after which an idle alert stream gets a comment (stream.go); zero is
	// childmatch.StreamHeartbeat.
	StreamHeartbeat time.Duration
	// StreamRecheck is how often an alert stream checks its credential again (stream.go); zero is
	// childmatch.StreamRecheck.
	StreamRecheck time.Duration
}

// Server holds the routes and their dependencies.
type Server struct {
	Services
	cfg    Config
	log    *slog.Logger
	engine *gin.Engine
	limits limits
}

// New builds the gin engine: gin.New (no default logger or recovery), our recovery and request log,
// trusted proxies as configured, JSON 404 and 405.
func New(svc Services, cfg Config, log *slog.Logger) (*Server, error) {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{Services: svc, cfg: cfg, log: slog.New(withRequestID{log.Handler()}), engine: gin.New(), limits: newLimits()}
	e := s.engine
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, childmatch.Errorf(childmatch.EInvalid, "trusted proxies: %v", err)
	}
	e.HandleMethodNotAllowed = true
	e.Use(s.observe, s.recovery, s.deadline)
	e.NoRoute(func(c *gin.Context) { s.fail(c, childmatch.Errorf(childmatch.ENotFound, "no such route")) })
	e.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: "method_not_allowed",
			Message: "method not allowed on this route"}})
	})

	e.GET("/healthz", s.health)
	e.GET("/v1/alerts/:id/cap", s.alertCAP)       // a signed link, or signed in (alertdoc.go)
	e.GET("/v1/alerts/:id/face.jpg", s.alertFace) // a signed link
	e.GET("/openapi.json", s.openAPI)
	e.GET("/metrics", s.authenticate, s.serveMetrics)
	s.registerWeb(e)
	e.GET("/l/:token", s.addressLimit, s.shortLink)
	e.GET("/c/:alert/:seq/:post/card.png", s.addressLimit, s.linkedCard)
	v1 := e.Group("/v1", s.authenticate)
	v1.POST("/cases", s.createCase)
	v1.GET("/cases", s.listCases)
	v1.GET("/cases/:id", s.getCase)
	v1.PATCH("/cases/:id", s.patchCase)
	v1.GET("/cases/:id/card.png", s.photoLimit, s.caseCard)
	v1.POST("/cases/:id/photos", s.photoLimit, s.addPhoto)
	v1.POST("/search", s.photoLimit, s.search)
	v1.GET("/photos/:id", s.blob(childmatch.BlobPhoto))
	v1.GET("/faces/:id", s.blob(childmatch.BlobChip))
	v1.POST("/cases/:id/close", s.closeCase)
	v1.DELETE("/cases/:id", s.deleteCase)
	v1.GET("/reviews", s.listReviews)
	v1.POST("/reviews/:id/decision", s.decide)
	v1.GET("/users", s.listUsers)
	v1.POST("/users", s.createUser)
	v1.POST("/users/:id/tokens", s.issueToken)
	v1.DELETE("/tokens/:id", s.revokeToken)
	v1.GET("/sessions", s.listSessions)
	v1.DELETE("/sessions/:id", s.revokeSession)
	v1.GET("/audit", s.auditTrail)
	v1.GET("/stats", s.stats)
	v1.POST("/posts", s.createPost)
	v1.GET("/posts", s.listPosts)
	v1.GET("/posts/:id", s.getPost)
	v1.PATCH("/posts/:id", s.patchPost)
	v1.DELETE("/posts/:id", s.deletePost)
	v1.GET("/alerts", s.listAlerts)
	v1.GET("/alerts/feed.atom", s.alertFeed)
	v1.POST("/alerts/exercise", s.raiseExercise)
	v1.GET("/alerts/:id", s.getAlert)
	v1.POST("/alerts/:id/ack", s.ackAlert)
	v1.GET("/alerts/:id/messages/:seq/card.png", s.photoLimit, s.messageCard)
	v1.GET("/cases/:id/poster.pdf", s.photoLimit, s.poster)
	v1.PUT("/cases/:id/publication", s.permitPublication)
	s.registerDeliveries(v1)
	s.registerLive(v1)
	v1.GET("/calibration", s.getCalibration)
	v1.POST("/calibration", s.calibrate)
	v1.GET("/deployment", s.deploymentInfo)
	v1.GET("/export", s.export)
	return s, nil
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

const (
	actorKey      = "childmatch.actor"
	credentialKey = "childmatch.credential" // the request's credential, to check again (checker)
)

// checker checks a request's credential again and answers who it is now.
type checker func(ctx context.Context) (childmatch.Actor, error)

// authenticate admits requests bearing a known token in the Authorization header, or the web app's
// session cookie (with the session's CSRF token on a change), and records who is acting and how to check
// the credential again (a stream does, as it lasts). A client address that has failed too often is
// refused before its credential is looked at.
func (s *Server) authenticate(c *gin.Context) {
	if s.guessing(c) {
		return
	}
	check := s.credential(c)
	if check == nil {
		c.Header("WWW-Authenticate", `Bearer realm="childmatch"`)
		s.fail(c, childmatch.Errorf(childmatch.EUnauthorized, "an Authorization: Bearer <token> header is required"))
		return
	}
	actor, err := check(c.Request.Context())
	if err != nil {
		s.failedAuth(c, err)
		return
	}
	c.Set(actorKey, actor)
	c.Set(credentialKey, check)
	c.Next()
}

// credential answers how the request's credential is checked: its bearer token, or its session cookie
// (with the CSRF token of a request that changes something); nil when it carries neither.
func (s *Server) credential(c *gin.Context) checker {
	remote := c.ClientIP()
	header := c.GetHeader("Authorization")
	token, bearer := strings.CutPrefix(header, "Bearer ")
	cookie, _ := c.Cookie(sessionCookie)
	switch {
	case bearer && token != "":
		return func(ctx context.Context) (childmatch.Actor, error) { return s.Users.Authenticate(ctx, token, remote) }
	case header == "" && cookie != "":
		changes := c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead
		csrf := c.GetHeader(csrfHeader)
		return func(ctx context.Context) (childmatch.Actor, error) {
			return s.Users.AuthenticateSession(ctx, cookie, remote, changes, csrf)
		}
	}
	return nil
}

func actorOf(c *gin.Context) childmatch.Actor {
	if a, ok := c.Get(actorKey); ok {
		return a.(childmatch.Actor)
	}
	return childmatch.Actor{}
}
