package ami_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/ami"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/testkit"
)

// reportFixture is the demo's shape on the CC Pays Forcalquier et
// Montagne de Lure (240400440): a finished survey of 300 generated
// answers, an open place in Forcalquier with six bookings over the last
// weeks, and an application from Saint-Étienne-les-Orgues with an
// adjusted diagnostic and an action plan.
type reportFixture struct {
	*fixture
	surveys *survey.Service
	place   places.Place
	app     ami.Application
}

const lureEPCI = "240400440"

func newReportFixture(t *testing.T, d *db.DB) *reportFixture {
	t.Helper()
	f := &reportFixture{fixture: newFixture(t, d)}
	ix := f.svc.Territory
	f.surveys = &survey.Service{DB: d, Territory: ix, Clock: d.Clock}
	now := d.Clock.Now()
	sv, err := f.surveys.Create(ctx, f.coord, survey.Input{Title: "Travailler près de chez soi", Privacy: survey.DefaultPrivacy,
		OpensOn: survey.Paris(now.AddDate(0, 0, -40)), ClosesOn: survey.Paris(now.AddDate(0, 0, -5)), Areas: lureEPCI})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, c := range sv.Communes {
		codes = append(codes, c.Code)
	}
	gen, err := survey.NewGenerator(ix, codes, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := gen.Responses(rand.New(rand.NewPCG(6, 1)), ix, sv, 300)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.surveys.Seed(ctx, sv, rs); err != nil {
		t.Fatal(err)
	}
	pl := f.svc.Places
	carrier, err := pl.CreateCarrier(ctx, f.coord, places.CarrierInput{Name: "La Filature", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	f.place, err = pl.CreatePlace(ctx, f.coord, places.PlaceInput{CarrierID: strconv.FormatInt(carrier.ID, 10), Name: "La Filature",
		Kind: "tiers_lieu", Status: "open", Address: "12 boulevard de la République", Commune: "04088", Audience: "both",
		OpeningHours: "Mo-Fr 09:00-17:00"})
	if err != nil {
		t.Fatal(err)
	}
	space, err := pl.AddSpace(ctx, f.coord, f.place.Slug, places.SpaceInput{Name: "Le grand atelier", Kind: "open_space", Capacity: "10", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	// Six bookings of 4 hours in the last 90 days, one cancelled, one
	// long ago: they do not count.
	for i, days := range []int{3, 10, 17, 24, 31, 38, 45, 200} {
		start := now.UTC().Truncate(time.Hour).AddDate(0, 0, -days)
		status, cancelled := "confirmed", any(nil)
		if i == 6 {
			status, cancelled = "cancelled", start
		}
		if _, err := d.SQL.ExecContext(ctx, `INSERT INTO bookings (public_id, space_id, guest_name, audience, start_at, end_at, seats, exclusive, status, created_at, cancelled_at, updated_at)
			VALUES ($1, $2, 'Paul Personne', 'professionals', $3, $4, 2, FALSE, $5, $3, $6, $3)`, fmt.Sprintf("b%d", i), space.ID, start, start.Add(4*time.Hour), status, cancelled); err != nil {
			t.Fatal(err)
		}
	}
	var secret string
	f.app, secret, err = f.svc.Start(ctx, f.call.PublicID, ami.StartInput{Structure: "Mairie de Saint-Étienne-les-Orgues", CarrierKind: "commune",
		Commune: "04178", ContactName: "Jeanne Roux", ContactEmail: "jeanne.roux@example.fr"}, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{"statutes", "premises"} {
		if _, err := d.SQL.ExecContext(ctx, `INSERT INTO application_documents (public_id, application_id, code, filename, content_type, size, data, uploaded_at)
			VALUES ($1, $2, $3, 'f.pdf', 'application/pdf', 4, $4, $5)`, doc, f.app.ID, doc, []byte("%PDF"), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	if f.app, err = f.svc.Submit(ctx, secret, completeForm(), today); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Move(ctx, f.coord, f.app.PublicID, ami.Instruction, ""); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO diagnostic_adjustments (subject_kind, subject_id, component, score, reason, by_user, at) VALUES ('application', $1, 'supply', 40, 'Pas de fibre avant 2027.', NULL, $2)`,
		`INSERT INTO diagnostic_adjustments (subject_kind, subject_id, component, score, reason, by_user, at) VALUES ('application', $1, 'governance', 80, 'Délibération votée.', NULL, $2)`,
		`INSERT INTO plan_actions (public_id, subject_kind, subject_id, code, title, owner, due_on, status, created_at, updated_at)
			VALUES ('act1', 'application', $1, 'brief_officials', 'Présenter le projet au conseil communautaire', 'Secrétariat de la CC', '2026-06-30', 'todo', $2, $2)`,
	} {
		if _, err := d.SQL.ExecContext(ctx, q, f.app.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestReport_TheTerritoryItsSurveyPlacesAndApplications(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newReportFixture(t, d)
		r, err := f.svc.BuildReport(ctx, f.surveys, lureEPCI, d.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind != "epci" || !strings.Contains(r.Name, "Forcalquier") || len(r.Communes) < 10 || r.Population == 0 {
			t.Errorf("territory %s %q, %d communes, %d inhabitants", r.Kind, r.Name, len(r.Communes), r.Population)
		}
		if r.Survey == nil || r.Survey.Results.Hidden || r.Survey.Results.Responses < 250 || r.Survey.Covered != len(r.Communes) {
			t.Fatalf("survey %+v", r.Survey)
		}
		if dm := r.Survey.Results.Demand; dm == nil || dm.Hidden || dm.EstimateLow >= dm.EstimateHigh {
			t.Errorf("demand %+v", dm)
		}
		findings := ami.Findings(r.Survey.Results, 8)
		if len(findings) < 3 || !strings.Contains(strings.Join(findings, "\n"), "(entre ") {
			t.Errorf("findings without margins: %q", findings)
		}
		if len(r.Places) != 1 || r.Places[0].Name != "La Filature" || r.Places[0].Activity == nil {
			t.Fatalf("places %+v", r.Places)
		}
		a := r.Places[0].Activity
		// 6 bookings × 2 seats × 4 h out of 10 seats × 8 h a weekday.
		if a.Hidden || a.Bookings != 6 || a.SeatHours != 48 || !a.Known || a.Occupancy <= 0 || a.Occupancy > 0.02 {
			t.Errorf("activity %+v", a)
		}
		if len(r.Applications) != 1 {
			t.Fatalf("applications %+v", r.Applications)
		}
		app := r.Applications[0]
		if app.Structure != "Mairie de Saint-Étienne-les-Orgues" || app.State != ami.Instruction || app.Urban || app.CommuneName != "Saint-Étienne-les-Orgues" {
			t.Errorf("application %+v", app)
		}
		if dg := app.Diagnostic; dg == nil || len(dg.Components) != 4 || dg.Score <= 0 {
			t.Errorf("diagnostic %+v", dg)
		} else {
			adjusted := map[string]int{}
			for _, c := range dg.Components {
				if c.Adjusted {
					adjusted[c.Code] = c.Score
				}
			}
			if len(adjusted) != 2 || adjusted["supply"] != 40 || adjusted["governance"] != 80 {
				t.Errorf("adjusted components %v", adjusted)
			}
		}
		if len(app.Actions) != 1 || app.Actions[0].Owner != "Secrétariat de la CC" || app.Actions[0].DueOn != "2026-06-30" {
			t.Errorf("actions %+v", app.Actions)
		}

		// A commune's report: Saint-Étienne-les-Orgues has its
		// application, not Forcalquier's place.
		c, err := f.svc.BuildReport(ctx, f.surveys, "04178", d.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if c.Kind != "commune" || c.EPCI != lureEPCI || len(c.Places) != 0 || len(c.Applications) != 1 {
			t.Errorf("commune report %+v", c)
		}
		if _, err := f.svc.BuildReport(ctx, f.surveys, "99999", d.Clock.Now()); err == nil {
			t.Error("a report for an unknown code")
		}

		// The PDF: A4, the territory's name on every page, margins in
		// words, nobody named, no figure under 5.
		var b bytes.Buffer
		if err := ami.WriteReportPDF(&b, r); err != nil {
			t.Fatal(err)
		}
		pages := readReportPDF(t, b.Bytes())
		if len(pages) < 2 {
			t.Fatalf("%d pages", len(pages))
		}
		all := strings.Join(pages, "\n")
		for i, p := range pages {
			if !strings.Contains(p, r.Name) || !strings.Contains(p, fmt.Sprintf("page %d/%d", i+1, len(pages))) {
				t.Errorf("page %d lacks the territory's name or its number:\n%s", i+1, p)
			}
		}
		for _, want := range []string{"Rapport pour les élus", "La Filature", "Mairie de Saint-Étienne-les-Orgues", "Présenter le projet au conseil communautaire",
			"Secrétariat de la CC", "30 juin 2026", "usagers réguliers probables", "6 réservations", "(entre ", "Diagnostic\u00a0: " + strconv.Itoa(app.Diagnostic.Score) + "/100", "Offre 40 (ajusté)"} {
			if !strings.Contains(all, want) {
				t.Errorf("the PDF lacks %q", want)
			}
		}
		checkNobody(t, "PDF", all)
	})
}

// checkNobody fails when a text names a person of the fixture, or shows a
// count under survey.MinCell.
func checkNobody(t *testing.T, what, text string) {
	t.Helper()
	for _, person := range []string{"Jeanne Roux", "jeanne.roux", "Paul Personne"} {
		if strings.Contains(text, person) {
			t.Errorf("the %s names %q", what, person)
		}
	}
	if m := smallCount.FindString(text); m != "" {
		t.Errorf("the %s shows a count under 5: %q", what, m)
	}
	for _, bad := range []string{"Ã", "\ufffd"} {
		if strings.Contains(text, bad) {
			t.Errorf("the %s has mangled text (%q)", what, bad)
		}
	}
}

var smallCount = regexp.MustCompile(`(^|[^\d,])[1-4][\s\x{a0}](réponse|répondant|réservation|personne)`)

func TestReport_SmallTerritoriesHideTheirFigures(t *testing.T) {
	d := testkit.NewDB(t, db.SQLite, nil)
	f := newReportFixture(t, d)
	// A commune of the EPCI with under 5 answers: nothing of the survey
	// is published, and the place's few bookings are not counted either.
	var small string
	res, err := f.surveys.Breakdown(ctx, f.reportSurvey(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range res {
		if b.Kind == "commune" && b.Hidden {
			small = b.Code
			break
		}
	}
	if small == "" {
		t.Fatal("no commune under 5 answers in the fixture")
	}
	r, err := f.svc.BuildReport(ctx, f.surveys, small, d.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.Survey == nil || !r.Survey.Results.Hidden || r.Survey.Results.Responses != 0 {
		t.Fatalf("survey of a small commune %+v", r.Survey)
	}
	var b bytes.Buffer
	if err := ami.WriteReportPDF(&b, r); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(readReportPDF(t, b.Bytes()), "\n")
	if !strings.Contains(text, "Moins de 5 réponses dans ce territoire") {
		t.Errorf("the hidden survey is not said:\n%s", text)
	}
	checkNobody(t, "PDF", text)

	a := ami.ActivityText(ami.Activity{Hidden: true})
	if !strings.Contains(a, "moins de 5 réservations") {
		t.Errorf("hidden activity: %q", a)
	}
	if got := ami.Between(0.3149, 0.4151); got != "entre 31\u00a0% et 42\u00a0%" {
		t.Errorf("Between: %q", got)
	}
}

func (f *reportFixture) reportSurvey(t *testing.T) survey.Survey {
	t.Helper()
	list, err := f.surveys.Visible(ctx, f.coord)
	if err != nil || len(list) != 1 {
		t.Fatalf("%d campaigns, %v", len(list), err)
	}
	sv, err := f.surveys.Get(ctx, list[0].PublicID)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

func TestReport_WhoReadsWhat(t *testing.T) {
	d := testkit.NewDB(t, db.SQLite, nil)
	f := newReportFixture(t, d)
	mk := func(email, role string) int64 {
		var id int64
		if err := d.SQL.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
			VALUES ($1, $1, 'x', $2, 'x', $3, $3) RETURNING id`, email, role, time.Now().UTC()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	official := mk("elu@example.fr", "official")
	if err := f.surveys.SetOfficialAreas(ctx, f.coord, official, lureEPCI); err != nil {
		t.Fatal(err)
	}
	u := f.member
	u.ID, u.Role = official, "official"
	for code, want := range map[string]bool{lureEPCI: true, "04088": true, "04178": true, "200067320": false, "05061": false} {
		if ok, err := f.svc.MayReadReport(ctx, f.surveys, u, code); err != nil || ok != want {
			t.Errorf("official reads %s: %v (%v), want %v", code, ok, err, want)
		}
	}
	if ok, _ := f.svc.MayReadReport(ctx, f.surveys, f.member, lureEPCI); ok {
		t.Error("a member reads a report")
	}
	if ok, _ := f.svc.MayReadReport(ctx, f.surveys, f.coord, "05061"); !ok {
		t.Error("the coordinator does not read every report")
	}
	index, err := f.svc.ReportIndex(ctx)
	if err != nil || len(index) != 1 || index[0] != lureEPCI {
		t.Errorf("coordinator's index %v (%v)", index, err)
	}
}

// readReportPDF checks the PDF's frame (header, cross-reference table,
// end marker) and returns the text of each page, decoded from cp1252.
func readReportPDF(t *testing.T, data []byte) []string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")) {
		t.Fatalf("not a PDF: %q", data[:min(20, len(data))])
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF`).FindSubmatch(data)
	if m == nil {
		t.Fatal("no startxref")
	}
	at, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(data[at:], []byte("xref\n")) {
		t.Fatalf("startxref %d does not point to the cross-reference table", at)
	}
	if !bytes.Contains(data, []byte("/MediaBox [0 0 595.28 841.89]")) {
		t.Error("not A4")
	}
	// Page contents are the streams following each /Type /Page, in order.
	var pages []string
	show := regexp.MustCompile(`\(((?:[^\\)]|\\.)*)\) ?Tj`)
	streams := regexp.MustCompile(`(?s)/Filter /FlateDecode /Length (\d+)>>\nstream\n`)
	for _, loc := range streams.FindAllSubmatchIndex(data, -1) {
		n, _ := strconv.Atoi(string(data[loc[2]:loc[3]]))
		raw := data[loc[1] : loc[1]+n]
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		content, err := io.ReadAll(zr)
		if err != nil || !bytes.Contains(content, []byte("Tj")) {
			continue
		}
		var parts []string
		for _, s := range show.FindAllSubmatch(content, -1) {
			parts = append(parts, cp1252(unescapePDF(string(s[1]))))
		}
		pages = append(pages, strings.Join(parts, " "))
	}
	if n := bytes.Count(data, []byte("/Type /Page\n")); n != len(pages) {
		t.Fatalf("%d pages, %d text streams", n, len(pages))
	}
	return pages
}

func unescapePDF(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func cp1252(s string) string {
	high := []rune("€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 && c < 0xa0 {
			b.WriteRune(high[c-0x80])
		} else {
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}
