package web

// Benchmarks of the public directory against the performance
// targets (docs/performance.md): 3,500 places — the size of the national
// tiers-lieux network — over real communes of all France, every commune
// loaded.
//
//	go test ./internal/web -run '^$' -bench 'Directory|APIPlaces' -benchtime 200x -count 3
//
// Each benchmark reports, besides ns/op, the p50 and p95 of its requests
// (p50-ms, p95-ms), the number of places answered and the response size.
// TestDirectoryLatency (COOPCONNECT_PERF=1) prints p50/p95/p99 over 500
// requests of each; it never runs in the normal suite.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/openhours"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
)

// benchPlaces is the size of the national tiers-lieux network.
const benchPlaces = 3500

// benchNow is a Tuesday at 10:30 in Paris: the "open now" filter keeps
// about two thirds of the places.
var benchNow = time.Date(2026, 3, 10, 10, 30, 0, 0, i18n.Paris)

// benchHours are real values from the Auvergne-Rhône-Alpes open data
// (../shared/data/opening-hours-realworld-hinaura.tsv), embedded so that the
// benchmarks need no file. "" is a place that published no hours.
var benchHours = []string{
	"Mo-Fr 09:00-12:00,14:00-17:00; We,Sa 09:00-12:00",
	"Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-12:30",
	"Mo-Fr 08:00-20:00; Sa 08:00-14:00",
	"Mo-Sa 09:00-19:00",
	"Mo-Fr 08:30-12:30,13:30-17:30; We,Th off",
	"Mo 14:00-17:00; Tu 09:00-12:00,14:00-17:30; We 14:00-17:30; Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00",
	"Mo,Tu 09:00-12:00,14:00-18:00; We,Fr 09:00-12:00,14:00-17:30; Th 14:00-18:00; Sa 09:00-12:00",
	"Tu 09:00-12:00,14:00-18:00; Th 13:30-17:30; Sa 10:00-12:00",
	"Mo-Fr 16:30-18:45; Sa 10:00-11:30; Tu,Th off",
	"Mo 08:45-12:00,14:00-18:30; We 14:00-18:00; Th 08:45-12:30,13:30-17:15; Fr 08:45-12:30,14:00-17:15; Sa 09:00-12:00",
	"Th-Sa 14:00-18:00; Tu 14:00-19:00; We 10:00-13:00,14:00-18:00",
	"Mo-Sa 09:00-12:00; Tu-Fr 09:00-12:00,14:00-17:00; We off",
	"Fr 08:30-12:00",
	"",
}

// benchNear are small prefectures, with a unique name: the filtered
// benchmark takes the first with 10 to 40 public places within 30 km in the
// seeded network (Privas: 21, 15 of them open at benchNow).
var benchNear = []string{"Privas", "Gap", "Lons-le-Saunier", "Langres", "Manosque"}

// benchEnv is a server over a fresh SQLite database holding the network.
type benchEnv struct {
	srv *Server
	db  *db.DB
	// near is the commune of the filtered benchmark, nearCount its public
	// places within 30 km.
	near      territory.Commune
	nearCount int
	// seeded is the time the seeding took, database and server included.
	seeded time.Duration
}

// newBenchEnv builds a server like newEnv does (newEnv needs a *testing.T)
// and seeds the network.
func newBenchEnv(tb testing.TB) *benchEnv {
	tb.Helper()
	start := time.Now()
	env := newEnv(tb, db.SQLite, coop.NewFixedClock(benchNow))
	communes := env.srv.Territory
	e := &benchEnv{srv: env.srv, db: env.db}
	e.seed(tb, communes)
	e.seeded = time.Since(start)
	return e
}

type benchPlace struct {
	lat, lon float64
	public   bool
}

// seed inserts the network in one transaction of direct INSERTs: a few
// carriers, then benchPlaces places on every ~10th located commune of
// France, with varied kinds, statuses, audiences, services, equipment,
// connections, receptions and hours. The same seed gives the same network.
func (e *benchEnv) seed(tb testing.TB, communes *territory.Index) {
	tb.Helper()
	for _, v := range benchHours {
		if v == "" {
			continue
		}
		if _, err := openhours.Parse(v); err != nil {
			tb.Fatalf("bench hours %q: %v", v, err)
		}
	}
	var located []territory.Commune
	for c := range communes.Communes() {
		if c.Lat != 0 || c.Lon != 0 {
			located = append(located, c)
		}
	}
	step := float64(len(located)) / benchPlaces
	rng := rand.New(rand.NewPCG(3500, 2026))
	kinds := []places.Kind{places.KindTiersLieu, places.KindTiersLieu, places.KindTiersLieu, places.KindERIC, places.KindERIC, places.KindIncubator, places.KindLibrary, places.KindOther}
	statuses := []places.Status{places.StatusOpen, places.StatusOpen, places.StatusOpen, places.StatusOpen, places.StatusOpen, places.StatusOpen, places.StatusTesting, places.StatusProject, places.StatusClosed}
	connections := []string{"fibre", "fibre", "vdsl", "adsl", "4g_5g", "satellite", ""}
	receptions := []string{"good", "good", "weak", "none", ""}
	subset := func(all []string) string {
		var out []string
		for _, s := range all {
			if rng.IntN(3) == 0 {
				out = append(out, s)
			}
		}
		return strings.Join(out, " ")
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	var seeded []benchPlace
	ctx := context.Background()
	err := e.db.Write(ctx, func(tx *db.Tx) error {
		carriers := []struct{ name, kind string }{
			{"Réseau des tiers-lieux", "association"}, {"Communauté de communes du Pays", "epci"}, {"Commune", "commune"},
			{"Coworking & Cie", "company"}, {"SCIC Numérique pour tous", "ppp"},
		}
		for i, c := range carriers {
			if _, err := tx.ExecContext(ctx, `INSERT INTO carriers (id, name, kind, address, email, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
				i+1, c.name, c.kind, fmt.Sprintf("%d rue de la Coopération", i+1), fmt.Sprintf("contact%d@example.org", i+1), tx.Now); err != nil {
				return err
			}
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO places (slug, carrier_id, name, kind, status, address, postal_code, commune_code, lat, lon,
			identity, description, audience, services, equipment, connection_kind, down_mbps, up_mbps, measured_on,
			reception_orange, reception_sfr, reception_bouygues, reception_free, prices, opening_hours,
			contact_name, contact_email, contact_phone, website, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $30)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range benchPlaces {
			c := located[int(float64(i)*step)]
			kind := kinds[rng.IntN(len(kinds))]
			status := statuses[rng.IntN(len(statuses))]
			// Within about a kilometre of the commune's centre.
			lat, lon := c.Lat+(rng.Float64()-0.5)*0.02, c.Lon+(rng.Float64()-0.5)*0.02
			postal := ""
			if len(c.PostalCodes) > 0 {
				postal = c.PostalCodes[0]
			}
			var down, up, measured any
			conn := pick(connections)
			if conn != "" {
				down, up, measured = float64(8+rng.IntN(900)), float64(1+rng.IntN(300)), "2025-11-18"
			}
			name := fmt.Sprintf("%s %s", map[places.Kind]string{places.KindTiersLieu: "La Fabrique", places.KindERIC: "Espace numérique",
				places.KindIncubator: "Incubateur", places.KindLibrary: "Médiathèque", places.KindOther: "Maison des services"}[kind], c.BareName())
			if _, err := stmt.ExecContext(ctx, fmt.Sprintf("bench-%04d", i), 1+rng.IntN(len(carriers)), name, string(kind), string(status),
				fmt.Sprintf("%d place de la Mairie", 1+rng.IntN(40)), postal, c.Code, lat, lon,
				"Un lieu pour travailler, se former et se retrouver près de chez soi.",
				"Bureaux partagés, salle de réunion, accompagnement au numérique et animations toute l'année.",
				string(places.Audiences[rng.IntN(len(places.Audiences))]), subset(places.Services), subset(places.Equipment),
				conn, down, up, measured, pick(receptions), pick(receptions), pick(receptions), pick(receptions),
				"Journée : 10 €, mois : 120 €", benchHours[rng.IntN(len(benchHours))],
				"Camille Martin", "bonjour@example.org", "04 92 00 00 00", "https://example.org", tx.Now); err != nil {
				return err
			}
			seeded = append(seeded, benchPlace{lat: lat, lon: lon, public: status != places.StatusClosed})
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, name := range benchNear {
		code, _ := communes.ResolveCommune(name, "")
		c, ok := communes.Commune(code)
		if !ok {
			continue
		}
		n := 0
		for _, p := range seeded {
			if p.public && territory.Haversine(c.Lat, c.Lon, p.lat, p.lon) <= 30 {
				n++
			}
		}
		if n >= 10 && n <= 40 {
			e.near, e.nearCount = c, n
			return
		}
	}
	tb.Fatal("no commune of benchNear has 10 to 40 places within 30 km")
}

// get runs a GET through the whole handler, middleware and template
// included, as env.do does.
func (e *benchEnv) get(path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "http://localhost:8080"+path, nil)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// answered counts the places of a response: cards of the page, items of
// the API.
func answered(tb testing.TB, rec *httptest.ResponseRecorder) int {
	tb.Helper()
	if rec.Code != http.StatusOK {
		tb.Fatalf("status %d: %.500s", rec.Code, rec.Body.String())
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			tb.Fatal(err)
		}
		return len(page.Items)
	}
	return strings.Count(rec.Body.String(), `class="place-card"`)
}

// percentile returns the q-quantile (0 < q ≤ 1) of sorted durations, by
// the nearest-rank method.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchGet measures GET path; the places answered and the response size
// are checked once before the clock starts.
func benchGet(b *testing.B, e *benchEnv, path string) {
	rec := e.get(path)
	n := answered(b, rec)
	if n == 0 {
		b.Fatalf("%s answered no place", path)
	}
	size := rec.Body.Len()
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1024)
	for b.Loop() {
		start := time.Now()
		rec := e.get(path)
		lat = append(lat, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(ms(percentile(lat, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 0.95)), "p95-ms")
	b.ReportMetric(float64(n), "places")
	b.ReportMetric(float64(size)/1024, "resp-KiB")
}

// nearPath is the filtered directory: within 30 km of e.near, open now.
func (e *benchEnv) nearPath() string {
	return "/lieux?" + url.Values{"commune": {e.near.Name}, "rayon": {"30"}, "ouvert": {"1"}}.Encode()
}

// framePath is what the map asks for a frame of about 100 km around e.near.
func (e *benchEnv) framePath() string {
	const dLat = 0.45 // 50 km
	dLon := dLat / math.Cos(e.near.Lat*math.Pi/180)
	return fmt.Sprintf("/api/v1/places?bbox=%.4f,%.4f,%.4f,%.4f&per_page=100", e.near.Lon-dLon, e.near.Lat-dLat, e.near.Lon+dLon, e.near.Lat+dLat)
}

const apiPagePath = "/api/v1/places?per_page=20&page=3"

func BenchmarkDirectory_Within30kmOpenNow(b *testing.B) {
	e := newBenchEnv(b)
	b.Logf("seeded %d places in %v; %s has %d public places within 30 km", benchPlaces, e.seeded.Round(time.Millisecond), e.near.Name, e.nearCount)
	benchGet(b, e, e.nearPath())
}

func BenchmarkDirectory_All(b *testing.B) {
	benchGet(b, newBenchEnv(b), "/lieux")
}

func BenchmarkAPIPlaces_Page(b *testing.B) {
	benchGet(b, newBenchEnv(b), apiPagePath)
}

func BenchmarkAPIPlaces_MapFrame(b *testing.B) {
	e := newBenchEnv(b)
	benchGet(b, e, e.framePath())
}

// TestDirectoryLatency prints p50, p95 and p99 over 500 requests of each
// target. It measures, it asserts nothing about time, and runs only with
// COOPCONNECT_PERF=1:
//
//	COOPCONNECT_PERF=1 go test ./internal/web -run TestDirectoryLatency -v
func TestDirectoryLatency(t *testing.T) {
	if os.Getenv("COOPCONNECT_PERF") != "1" {
		t.Skip("set COOPCONNECT_PERF=1 to measure the directory's latencies")
	}
	e := newBenchEnv(t)
	t.Logf("seeded %d places in %v", benchPlaces, e.seeded.Round(time.Millisecond))
	const n = 500
	for _, c := range []struct {
		name, path string
		target     time.Duration
	}{
		{"directory within 30 km of " + e.near.Name + ", open now", e.nearPath(), 10 * time.Millisecond},
		{"API page 3 of 20", apiPagePath, 5 * time.Millisecond},
		{"API map frame of 100 km", e.framePath(), 0},
		{"directory, everything", "/lieux", 0},
	} {
		found := answered(t, e.get(c.path))
		for range 20 { // warm up
			e.get(c.path)
		}
		lat := make([]time.Duration, 0, n)
		for range n {
			start := time.Now()
			rec := e.get(c.path)
			lat = append(lat, time.Since(start))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: status %d", c.path, rec.Code)
			}
		}
		slices.Sort(lat)
		verdict := ""
		if c.target > 0 {
			verdict = fmt.Sprintf(" — target p50 < %v: %v", c.target, percentile(lat, 0.5) < c.target)
		}
		t.Logf("%s (%d places, %d requests): p50 %.2f ms, p95 %.2f ms, p99 %.2f ms%s", c.name, found, n,
			ms(percentile(lat, 0.50)), ms(percentile(lat, 0.95)), ms(percentile(lat, 0.99)), verdict)
	}
}
