package web

// Benchmark of answering a needs survey against the target
// (docs/performance.md): submitting an answer in under 5 ms of server time.
//
//	go test ./internal/web -run '^$' -bench Submit -benchtime 2000x
//
// POST /enquetes/{id} goes through Server.ServeHTTP (middleware, rate
// limit, the form's parsing and checks, the short link, the write and its
// commit, the redirect) over a SQLite file with synchronous=FULL, as in
// production: each answer is durable when the response leaves. The
// campaign covers the EPCI of the Alpes-de-Haute-Provence (04) and already
// holds 100,000 answers; the forms come from survey.Generator, the
// communes typed by their names as residents do, a third of them through
// the short link of a bulletin. Every request comes from another address,
// so that the rate limit lets them all through. The benchmarks never run
// without -bench.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
)

// surveyBenchAnswers are the answers the campaign holds before the
// benchmark.
const surveyBenchAnswers = 100_000

type submitBench struct {
	srv   *Server
	sv    survey.Survey
	forms []string // encoded bodies
	sent  atomic.Int64
}

func newSubmitBench(b *testing.B, answers int) *submitBench {
	b.Helper()
	start := time.Now()
	// The campaign's last day.
	env := newEnv(b, db.SQLite, coop.NewFixedClock(time.Date(2026, 6, 30, 18, 0, 0, 0, i18n.Paris)))
	ctx := context.Background()
	ix := env.srv.Territory
	coord := env.user("coordination@example.fr", accounts.Coordinator)
	var epcis []string
	for e := range ix.EPCIs() {
		if slices.ContainsFunc(ix.Members(e.SIREN), func(c territory.Commune) bool { return c.Department == "04" }) {
			epcis = append(epcis, e.SIREN)
		}
	}
	s := env.srv.Surveys
	sv, err := s.Create(ctx, coord, survey.Input{Title: "Besoins des Alpes-de-Haute-Provence", Privacy: survey.DefaultPrivacy,
		OpensOn: "2026-04-20", ClosesOn: "2026-06-30", Areas: strings.Join(epcis, ", ")})
	if err != nil {
		b.Fatal(err)
	}
	codes := make([]string, len(sv.Communes))
	links := map[string]string{}
	for i, c := range sv.Communes {
		codes[i] = c.Code
		links[c.Code] = c.Link
	}
	gen, err := survey.NewGenerator(ix, codes, nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 2026))
	if answers > 0 {
		rs, err := gen.Responses(rng, ix, sv, answers)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Seed(ctx, sv, rs); err != nil {
			b.Fatal(err)
		}
	}
	e := &submitBench{srv: env.srv, sv: sv}
	// The forms, as a browser without JavaScript sends them.
	for range 4000 {
		f := url.Values(gen.Form(rng, false))
		home := f.Get(survey.Field("home_commune"))
		for _, id := range []string{"home_commune", "work_commune"} {
			field := survey.Field(id)
			if code := f.Get(field); code != "" {
				if c, ok := ix.Commune(code); ok {
					if resolved, _ := ix.ResolveCommune(c.Name, ""); resolved == code {
						f.Set(field, c.Name)
					}
				}
			}
		}
		if link := links[home]; link != "" && rng.IntN(3) == 0 {
			f.Set("depuis", link)
		}
		e.forms = append(e.forms, f.Encode())
	}
	b.Logf("%d communes, %d answers stored, %d forms ready in %v", len(sv.Communes), answers, len(e.forms), time.Since(start).Round(time.Millisecond))
	return e
}

// post sends the next form from its own address and checks the redirect
// to the thanks page.
func (e *submitBench) post() error {
	n := e.sent.Add(1)
	req := httptest.NewRequest(http.MethodPost, "http://localhost:8080/enquetes/"+e.sv.PublicID, strings.NewReader(e.forms[int(n)%len(e.forms)]))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:4242", n>>16&255, n>>8&255, n&255)
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "/merci") {
		return fmt.Errorf("answer %d: status %d %s: %.600s", n, rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	return nil
}

func (e *submitBench) stored(b *testing.B) int {
	vs, counts, err := e.srv.Surveys.Versions(context.Background(), e.sv.ID)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, v := range vs {
		n += counts[v.ID]
	}
	return n
}

// BenchmarkSubmit answers the campaign holding 100,000 answers, one
// resident at a time and sixteen at once; empty/ is the same campaign
// without any answer yet, to see what the stored answers cost.
func BenchmarkSubmit(b *testing.B) {
	full := newSubmitBench(b, surveyBenchAnswers)
	b.Run("100k", func(b *testing.B) {
		b.Run("1client", full.sequential)
		b.Run("16clients", full.parallel)
	})
	b.Run("empty", func(b *testing.B) {
		b.Run("1client", newSubmitBench(b, 0).sequential)
	})
}

// sequential posts one answer after the other; it reports the server
// time's percentiles, and the CPU time of the whole process (server,
// garbage collector) per answer.
func (e *submitBench) sequential(b *testing.B) {
	before := e.stored(b)
	lat := make([]time.Duration, 0, 1024)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		start := time.Now()
		if err := e.post(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.ReportMetric(ms(processCPU()-cpu)/float64(len(lat)), "cpu-ms/op")
	if n := e.stored(b) - before; n != len(lat) {
		b.Fatalf("%d answers stored for %d sent", n, len(lat))
	}
	slices.Sort(lat)
	b.ReportMetric(ms(percentile(lat, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 0.95)), "p95-ms")
	b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
}

// parallel posts from sixteen residents at once (on two cores): their
// commits are grouped.
func (e *submitBench) parallel(b *testing.B) {
	before := e.stored(b)
	b.SetParallelism(8)
	b.ReportAllocs()
	var sent atomic.Int64
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := e.post(); err != nil {
				b.Error(err)
				return
			}
			sent.Add(1)
		}
	})
	b.ReportMetric(ms(processCPU()-cpu)/float64(max(sent.Load(), 1)), "cpu-ms/op")
	if n := e.stored(b) - before; n != int(sent.Load()) {
		b.Fatalf("%d answers stored for %d sent", n, sent.Load())
	}
}

// processCPU is the CPU time the process used so far, user and system.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
