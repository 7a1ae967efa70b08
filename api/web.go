package api

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// The web app: one page of plain HTML, CSS and JavaScript, embedded in the binary and served by the
// service itself, no build step and nothing fetched from elsewhere. It talks to the same /v1 API.
//
// Sign-in exchanges the user's API token for a session (auth.Service): the session's secret goes in an
// HttpOnly cookie (scripts cannot read it), SameSite=Strict, Secure when the request came over TLS, and only
// its hash is stored. Sign-out ends the session on the server, so the cookie's value is worthless after
// it, as after the idle and absolute limits. A request authenticated by the cookie that changes something
// must carry the session's own CSRF token in X-CSRF-Token; the page reads it from a second, readable cookie,
// but the server checks it against the session, never against that cookie, so a pair of values another
// site chose is refused. A request with an Authorization header needs neither.

//go:embed web
var webFiles embed.FS

const (
	sessionCookie = "cm_session"
	csrfCookie    = "cm_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// securityHeaders: children's data never stays in a cache; the page runs only its own scripts and cannot
// be framed.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

func (s *Server) registerWeb(e *gin.Engine) {
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded folder exists at build time
	}
	page, err := fs.ReadFile(static, "index.html")
	if err != nil {
		panic(err)
	}
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/app/") })
	e.GET("/app/*path", securityHeaders, func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusOK, "text/html; charset=utf-8", page)
	})
	assets := http.FileServer(http.FS(static))
	e.GET("/static/*file", securityHeaders, func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Request.URL.Path = c.Param("file")
		assets.ServeHTTP(c.Writer, c.Request)
	})
	s.registerApp(e, static)
	e.POST("/web/signin", securityHeaders, s.signIn)
	e.POST("/web/signout", securityHeaders, s.signOut)
	e.GET("/web/me", securityHeaders, s.authenticate, s.me)
}

type signInRequest struct {
	Token string `json:"token"`
}

// signIn exchanges a token for a session and sets the session and CSRF cookies. A client address that
// has failed too often is refused before the token is looked at.
func (s *Server) signIn(c *gin.Context) {
	if s.guessing(c) {
		return
	}
	var req signInRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	token := strings.TrimSpace(req.Token)
	if token == "" {
		s.fail(c, childmatch.FieldError("token", "is required"))
		return
	}
	in, err := s.Users.SignIn(c.Request.Context(), token, c.ClientIP())
	if err != nil {
		s.failedAuth(c, err)
		return
	}
	secure := c.Request.TLS != nil
	maxAge := int(time.Until(in.ExpiresAt) / time.Second)
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: in.Secret, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: in.CSRF, Path: "/",
		Secure: secure, SameSite: http.SameSiteStrictMode, MaxAge: maxAge})
	c.JSON(http.StatusOK, meJSON(in.Actor))
}

// signOut ends the session on the server and clears both cookies.
func (s *Server) signOut(c *gin.Context) {
	for _, name := range []string{sessionCookie, csrfCookie} {
		http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: name == sessionCookie,
			SameSite: http.SameSiteStrictMode})
	}
	if cookie, _ := c.Cookie(sessionCookie); cookie != "" {
		if err := s.Users.SignOut(c.Request.Context(), cookie, c.ClientIP()); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, meJSON(actorOf(c))) }

func meJSON(a childmatch.Actor) gin.H {
	return gin.H{"id": a.ID, "name": a.Name, "organisation": a.Organisation, "roles": a.Roles}
}
