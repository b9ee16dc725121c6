package survey_test

// Benchmarks of a campaign's results against the targets
// (docs/performance.md): with 100,000 answers, every question, one EPCI
// under 300 ms and one commune under 50 ms.
//
//	go test ./internal/survey -run '^$' -bench Results -benchtime 10x
//
// The campaign covers the EPCI that hold the communes of the
// Alpes-de-Haute-Provence (04); its answers come from survey.Generator,
// seeded, living in each commune in proportion to its active population,
// stored in one transaction into a SQLite file (synchronous=FULL, as in
// production). Each territory is measured three ways:
//   - cold: a fresh Service, which loads every answer from the database
//     (the first request after a restart);
//   - warm: one new answer since the last request, read from the database
//     and counted in with all the others (the case during a campaign; the
//     storing of the answer is not timed);
//   - cached: nothing changed since the last request.
//
// The benchmarks never run without -bench: `make test` does not pay for
// them.

import (
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

// benchAnswers is the size of the target.
const benchAnswers = 100_000

// benchDepartment is the département whose EPCI make the territory.
const benchDepartment = "04"

// benchSurvey is a campaign with its answers, on SQLite.
type benchSurvey struct {
	d     *db.DB
	ix    *territory.Index
	clock coop.Clock
	sv    survey.Survey
	gen   *survey.Generator
	rng   *rand.Rand
	// epci and commune are the largest of each in answers, measured.
	epci, commune string
}

// departmentEPCIs returns the EPCI holding communes of the département.
func departmentEPCIs(ix *territory.Index, dep string) []string {
	var out []string
	for e := range ix.EPCIs() {
		if slices.ContainsFunc(ix.Members(e.SIREN), func(c territory.Commune) bool { return c.Department == dep }) {
			out = append(out, e.SIREN)
		}
	}
	return out
}

func newBenchSurvey(b *testing.B) *benchSurvey {
	b.Helper()
	start := time.Now()
	clock := coop.NewFixedClock(time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)) // the campaign's last day
	d := testkit.NewDB(b, db.SQLite, clock)
	ix := communes(b)
	s := &survey.Service{DB: d, Territory: ix, Clock: clock}
	coord := accounts.User{Email: "coord@example.fr", Role: accounts.Coordinator}
	err := d.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
			VALUES ($1, $1, $1, $2, 'x', $3, $3) RETURNING id`, coord.Email, string(coord.Role), tx.Now).Scan(&coord.ID)
	})
	if err != nil {
		b.Fatal(err)
	}
	epcis := departmentEPCIs(ix, benchDepartment)
	sv, err := s.Create(ctx, coord, survey.Input{Title: "Besoins des Alpes-de-Haute-Provence", Privacy: survey.DefaultPrivacy,
		OpensOn: "2026-04-20", ClosesOn: "2026-06-30", Areas: strings.Join(epcis, ", ")})
	if err != nil {
		b.Fatal(err)
	}
	codes := make([]string, len(sv.Communes))
	for i, c := range sv.Communes {
		codes[i] = c.Code
	}
	gen, err := survey.NewGenerator(ix, codes, nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(100_000, 4))
	rs, err := gen.Responses(rng, ix, sv, benchAnswers)
	if err != nil {
		b.Fatal(err)
	}
	generated := time.Since(start)
	if err := s.Seed(ctx, sv, rs); err != nil {
		b.Fatal(err)
	}
	vs, counts, err := s.Versions(ctx, sv.ID)
	if err != nil || len(vs) != 1 || counts[vs[0].ID] != benchAnswers {
		b.Fatalf("%v answers stored (%v)", counts, err)
	}
	stored := time.Since(start) - generated
	e := &benchSurvey{d: d, ix: ix, clock: clock, sv: sv, gen: gen, rng: rng}
	// The largest EPCI and commune, in answers.
	perCommune, perEPCI := map[string]int{}, map[string]int{}
	for _, r := range rs {
		c, _ := ix.Commune(r.Answers["home_commune"].Text)
		perCommune[c.Code]++
		perEPCI[c.EPCI]++
	}
	largest := func(counts map[string]int) string {
		var best string
		for code, n := range counts {
			if n > counts[best] || (n == counts[best] && code < best) {
				best = code
			}
		}
		return best
	}
	e.epci, e.commune = largest(perEPCI), largest(perCommune)
	b.Logf("%d answers over %d EPCI, %d communes: generated in %v, stored in %v; largest EPCI %s (%d answers), commune %s (%d)",
		benchAnswers, len(epcis), len(sv.Communes), generated.Round(time.Millisecond), stored.Round(time.Millisecond),
		e.epci, perEPCI[e.epci], e.commune, perCommune[e.commune])
	return e
}

// service is a fresh Service over the benchmark's database: nothing
// cached.
func (e *benchSurvey) service() *survey.Service {
	return &survey.Service{DB: e.d, Territory: e.ix, Clock: e.clock}
}

// results computes the results of code and checks them.
func (e *benchSurvey) results(b *testing.B, s *survey.Service, code string) survey.Results {
	r, err := s.Results(ctx, e.sv, code)
	if err != nil {
		b.Fatal(err)
	}
	// Every question, but the residence: the territories themselves.
	if r.Hidden || len(r.Questions) < len(e.sv.Version.Questionnaire.Questions)-1 || r.Responses < 1000 {
		b.Fatalf("results of %s: %d answers, %d questions, hidden %v", code, r.Responses, len(r.Questions), r.Hidden)
	}
	return r
}

// add stores one more answer, as during a campaign.
func (e *benchSurvey) add(b *testing.B, s *survey.Service) {
	rs, err := e.gen.Responses(e.rng, e.ix, e.sv, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Seed(ctx, e.sv, rs); err != nil {
		b.Fatal(err)
	}
}

// timed runs one measurement of Results per iteration, prepare (untimed)
// before each; it reports the answers of the territory and the CPU time
// of the whole process (garbage collector included) per iteration, which
// a busy machine inflates less than the elapsed time.
func (e *benchSurvey) timed(b *testing.B, s func() *survey.Service, prepare func(*survey.Service), code string) {
	var svc *survey.Service
	b.ReportAllocs()
	var r survey.Results
	var cpu time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		svc = s()
		if prepare != nil {
			prepare(svc)
		}
		start := processCPU()
		b.StartTimer()
		r = e.results(b, svc, code)
		cpu += processCPU() - start
		n++
	}
	b.ReportMetric(float64(r.Responses), "answers")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
}

func BenchmarkResults(b *testing.B) {
	e := newBenchSurvey(b)
	for _, scope := range []struct{ name, code string }{{"epci", e.epci}, {"commune", e.commune}} {
		b.Run(scope.name, func(b *testing.B) {
			b.Run("cold", func(b *testing.B) {
				e.timed(b, e.service, nil, scope.code)
			})
			b.Run("warm", func(b *testing.B) {
				s := e.service()
				e.results(b, s, scope.code)
				e.timed(b, func() *survey.Service { return s }, func(s *survey.Service) { e.add(b, s) }, scope.code)
			})
			b.Run("cached", func(b *testing.B) {
				s := e.service()
				e.results(b, s, scope.code)
				e.timed(b, func() *survey.Service { return s }, nil, scope.code)
			})
		})
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
