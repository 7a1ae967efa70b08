package api

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"childmatch"
)

// The web app: one page of plain HTML, CSS and JavaScript, embedded in the binary and served by the
// service itself, no build step and nothing fetched from elsewhere. It talks to the same /v1 API.
//
// Sign-in keeps the user's API token in an HttpOnly cookie (scripts cannot read it), SameSite=Strict,
// Secure when the request came over TLS. Requests authenticated by that cookie must also carry the
// double-submit CSRF token: a second, readable cookie whose value the page sends back in X-CSRF-Token on
// every request that changes something. A request with an Authorization header needs neither.

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
	e.POST("/web/signin", securityHeaders, s.signIn)
	e.POST("/web/signout", securityHeaders, s.signOut)
	e.GET("/web/me", securityHeaders, s.authenticate, s.me)
}

type signInRequest struct {
	Token string `json:"token"`
}

// signIn checks a token and, if it is good, sets the session and CSRF cookies.
func (s *Server) signIn(c *gin.Context) {
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
	actor, err := s.Users.Authenticate(c.Request.Context(), token, c.ClientIP())
	if err != nil {
		s.fail(c, err)
		return
	}
	csrf := make([]byte, 24)
	if _, err := rand.Read(csrf); err != nil {
		s.fail(c, err)
		return
	}
	secure := c.Request.TLS != nil
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: 12 * 3600})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(csrf), Path: "/",
		Secure: secure, SameSite: http.SameSiteStrictMode, MaxAge: 12 * 3600})
	c.JSON(http.StatusOK, meJSON(actor))
}

// signOut clears both cookies.
func (s *Server) signOut(c *gin.Context) {
	for _, name := range []string{sessionCookie, csrfCookie} {
		http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: name == sessionCookie,
			SameSite: http.SameSiteStrictMode})
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, meJSON(actorOf(c))) }

func meJSON(a childmatch.Actor) gin.H {
	return gin.H{"id": a.ID, "name": a.Name, "organisation": a.Organisation, "roles": a.Roles}
}

// sessionToken returns the token of a cookie session, checking the CSRF token on requests that change
// something. ok is false when there is no session cookie.
func sessionToken(c *gin.Context) (token string, ok bool, err error) {
	cookie, cerr := c.Cookie(sessionCookie)
	if cerr != nil || cookie == "" {
		return "", false, nil
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		want, _ := c.Cookie(csrfCookie)
		got := c.GetHeader(csrfHeader)
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			return "", true, childmatch.Errorf(childmatch.EForbidden, "the request lacks its CSRF token; reload the page")
		}
	}
	return cookie, true, nil
}
