package web

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

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
	"coopconnect/internal/testkit"
)

// env is a web server over a fresh database, for handler tests.
type env struct {
	t   testing.TB
	srv *Server
	acc *accounts.Service
	db  *db.DB
}

func newEnv(t testing.TB, engine db.Engine, clock coop.Clock) *env {
	t.Helper()
	d := testkit.NewDB(t, engine, clock)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q := jobs.New(d, log)
	m := mail.NewMailer(d, q, mail.SMTPConfig{}, log)
	acc := &accounts.Service{DB: d, Hasher: accounts.NewHasher(2), Mailer: m, Catalogs: cat, BaseURL: "http://localhost:8080"}
	communes, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	pl := &places.Service{DB: d, Communes: communes}
	srv, err := New(Deps{DB: d, Accounts: acc, Mailer: m, Jobs: q, Places: pl, Booking: &booking.Service{DB: d}, Surveys: &survey.Service{DB: d, Territory: communes, Clock: clock}, Calls: &ami.Service{DB: d, Territory: communes, Mailer: m, Catalogs: cat, Places: pl, BaseURL: "http://localhost:8080"}, Imports: &opendata.Importer{DB: d, Places: pl, Communes: communes}, Territory: communes, Catalogs: cat, Log: log, Clock: clock,
		BaseURL: "http://localhost:8080", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, acc: acc, db: d}
}

// user creates a verified account and returns it.
func (e *env) user(email string, role accounts.Role) accounts.User {
	e.t.Helper()
	u, err := e.acc.CreateUser(context.Background(), accounts.NewUser{Email: email, Name: string(role) + " " + email, Role: role, Password: "mot-de-passe-solide", Verified: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// session opens a session for u and returns its cookie.
func (e *env) session(u accounts.User) *http.Cookie {
	e.t.Helper()
	token, err := e.acc.OpenSession(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Cookie{Name: e.srv.cookies.session, Value: token}
}

// request sends a request through the whole handler (middleware included).
type request struct {
	method, path string
	form         url.Values
	cookie       *http.Cookie
	bearer       string
	header       map[string]string
	json         string // a JSON body
	ip           string // the client's address; 192.0.2.1 by default
}

func (e *env) do(r request) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	if r.json != "" {
		body = strings.NewReader(r.json)
	}
	req := httptest.NewRequest(r.method, "http://localhost:8080"+r.path, body)
	if r.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.json != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.ip != "" {
		req.RemoteAddr = r.ip + ":4242"
	}
	if r.cookie != nil {
		req.AddCookie(r.cookie)
	}
	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

var errSecret = errors.New("connexion refusée : mot de passe de la base = hunter2")

func httptestRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// newRequest builds a request carrying the state the middleware would set.
func newRequest(method, path, lang string) *http.Request {
	req := httptest.NewRequest(method, "http://localhost:8080"+path, nil)
	cat, _ := i18n.Load()
	st := &state{lang: lang, loc: cat.For(lang)}
	return req.WithContext(withState(req.Context(), st))
}

// testPNG is a small image that passes the photo checks.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for x := range 400 {
		img.Set(x, x*3/4, color.RGBA{90, 75, 138, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustCommune(t *testing.T, e *env, code string) territory.Commune {
	t.Helper()
	c, ok := e.srv.Territory.Commune(code)
	if !ok {
		t.Fatalf("commune %s not found", code)
	}
	return c
}

func territoryEPCI(t *testing.T, e *env, commune string) territory.EPCI {
	t.Helper()
	ep, ok := e.srv.Territory.EPCI(mustCommune(t, e, commune).EPCI)
	if !ok {
		t.Fatalf("no EPCI for %s", commune)
	}
	return ep
}
