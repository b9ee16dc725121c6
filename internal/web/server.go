// Package web is the HTTP surface of Coop-connect: the route table with its
// access rules, middleware, pages, the JSON API, templates and assets.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/jobs"
	"coopconnect/internal/mail"
	"coopconnect/internal/opendata"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
)

// Deps is what the web surface needs, built once in cmd/.
type Deps struct {
	DB       *db.DB
	Accounts *accounts.Service
	Mailer   *mail.Mailer
	Jobs     *jobs.Queue
	Places   *places.Service
	Booking  *booking.Service
	Surveys  *survey.Service
	Calls    *ami.Service
	Imports  *opendata.Importer
	// Territory is every commune and EPCI.
	Territory *territory.Index
	Catalogs  i18n.Catalogs
	Log       *slog.Logger
	Clock     coop.Clock
	// BaseURL is the public address, e.g. https://coop-connect.example.
	BaseURL string
	// TrustProxy takes the client address from X-Forwarded-For's last hop.
	TrustProxy bool
	Version    string
	// MapTiles and MapAttribution configure the map (see config).
	MapTiles       string
	MapAttribution string
}

// Server answers every HTTP request.
type Server struct {
	Deps
	routes  []Route
	handler http.Handler
	pages   *templates
	assets  *assets
	limits  *limits
	cookies cookiePolicy
	csp     string
}

// New builds the server: templates parsed, assets hashed, routes registered.
func New(d Deps) (*Server, error) {
	if d.Clock == nil {
		d.Clock = coop.SystemClock{}
	}
	s := &Server{Deps: d}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = parseTemplates(s.assets, d.Catalogs); err != nil {
		return nil, err
	}
	s.limits = newLimits(d.Clock)
	s.cookies = newCookiePolicy(d.BaseURL)
	s.csp = contentSecurityPolicy(d.MapTiles)
	if !s.cookies.secure {
		d.Log.Warn("base URL is plain HTTP on a public host: cookies are sent without the Secure flag; serve over HTTPS", "base_url", d.BaseURL)
	}
	mux := http.NewServeMux()
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		mux.Handle(rt.Pattern, s.guard(rt))
	}
	s.handler = s.middleware(mux)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes returns the route table, for the authorization test and the
// OpenAPI check.
func (s *Server) Routes() []Route { return s.routes }

// cookiePolicy decides how cookies are named and flagged. Browsers accept
// Secure cookies (and so the __Host- prefix) over HTTPS and on localhost.
type cookiePolicy struct {
	secure  bool
	session string
	https   bool
}

func newCookiePolicy(baseURL string) cookiePolicy {
	u, err := url.Parse(baseURL)
	https := err == nil && u.Scheme == "https"
	local := err == nil && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")
	if https || local {
		return cookiePolicy{secure: true, session: "__Host-coop_session", https: https}
	}
	return cookiePolicy{session: "coop_session"}
}

func (c cookiePolicy) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode}
}

type ctxKey int

const stateKey ctxKey = 0

// state is what the middleware learnt about a request.
type state struct {
	lang    string
	loc     *i18n.Localizer
	user    *accounts.User
	session *accounts.Session
	token   string // the session cookie's secret
	flash   *flash
	ip      string
	api     bool
	// badToken: the API request carried a token that is unknown or revoked.
	badToken bool
}

func stateOf(r *http.Request) *state {
	if st, ok := r.Context().Value(stateKey).(*state); ok {
		return st
	}
	return &state{lang: i18n.Default}
}

func withState(ctx context.Context, st *state) context.Context {
	return context.WithValue(ctx, stateKey, st)
}
