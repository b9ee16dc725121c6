package web

import (
	"bytes"
	"html"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// reportsEnv is a finished survey of 200 generated answers on the CC Pays
// Forcalquier et Montagne de Lure (240400440), a place in Forcalquier and
// an application from Saint-Étienne-les-Orgues; an official reads that
// EPCI, another one Gap's.
type reportsEnv struct {
	*env
	coord, official, stranger, member accounts.User
}

func newReportsEnv(t *testing.T) *reportsEnv {
	t.Helper()
	e := newEnv(t, db.SQLite, nil)
	ctx := t.Context()
	re := &reportsEnv{env: e, coord: e.user("coord@example.fr", accounts.Coordinator), official: e.user("elu@example.fr", accounts.Official),
		stranger: e.user("elu-gap@example.fr", accounts.Official), member: e.user("membre@example.fr", accounts.Member)}
	now := time.Now()
	sv, err := e.srv.Surveys.Create(ctx, re.coord, survey.Input{Title: "Travailler près de chez soi", Privacy: survey.DefaultPrivacy,
		OpensOn: survey.Paris(now.AddDate(0, 0, -40)), ClosesOn: survey.Paris(now.AddDate(0, 0, -5)), Areas: "240400440"})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, c := range sv.Communes {
		codes = append(codes, c.Code)
	}
	gen, err := survey.NewGenerator(e.srv.Territory, codes, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := gen.Responses(rand.New(rand.NewPCG(6, 2)), e.srv.Territory, sv, 200)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Surveys.Seed(ctx, sv, rs); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Surveys.SetOfficialAreas(ctx, re.coord, re.official.ID, "240400440"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Surveys.SetOfficialAreas(ctx, re.coord, re.stranger.ID, territoryEPCI(t, e, "05061").SIREN); err != nil {
		t.Fatal(err)
	}
	carrier, err := e.srv.Places.CreateCarrier(ctx, re.coord, places.CarrierInput{Name: "La Filature", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Places.CreatePlace(ctx, re.coord, places.PlaceInput{CarrierID: strconv.FormatInt(carrier.ID, 10), Name: "La Filature",
		Kind: "tiers_lieu", Status: "open", Address: "12 boulevard de la République", Commune: "04088", Audience: "both"}); err != nil {
		t.Fatal(err)
	}
	call, err := e.srv.Calls.CreateCall(ctx, re.coord, ami.CallInput{Title: "Tiers-lieux 2026", Areas: "04", OpensOn: survey.Paris(now.AddDate(0, 0, -10)),
		ClosesOn: survey.Paris(now.AddDate(0, 0, 30))})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.srv.Calls.Start(ctx, call.PublicID, ami.StartInput{Structure: "Mairie de Saint-Étienne-les-Orgues", CarrierKind: "commune",
		Commune: "04178", ContactName: "Jeanne Roux", ContactEmail: "jeanne.roux@example.fr"}, survey.Paris(now)); err != nil {
		t.Fatal(err)
	}
	// Submitted, so that it counts (drafts stay out of reports).
	if _, err := e.db.SQL.ExecContext(ctx, `UPDATE applications SET state = 'submitted', submitted_at = $1`, now.UTC()); err != nil {
		t.Fatal(err)
	}
	return re
}

func (re *reportsEnv) get(u accounts.User, path string) (int, string, http.Header) {
	rec := re.do(request{method: "GET", path: path, cookie: re.session(u)})
	return rec.Code, rec.Body.String(), rec.Header()
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// pageText is a page's visible text, tags removed, entities decoded.
func pageText(body string) string {
	return html.UnescapeString(strings.Join(strings.Fields(tagRe.ReplaceAllString(body, " ")), " "))
}

// smallFigure is a count under survey.MinCell written next to what it
// counts.
var smallFigure = regexp.MustCompile(`(^|[^\d,])[1-4][\s\x{a0}](réponse|répondant|réservation|personne)`)

func TestReports_AnOfficialReadsTheirTerritoriesOnly(t *testing.T) {
	re := newReportsEnv(t)
	code, body, _ := re.get(re.official, "/rapports/240400440")
	if code != http.StatusOK {
		t.Fatalf("official: status %d", code)
	}
	text := pageText(body)
	for _, want := range []string{"CC Pays Forcalquier et Montagne de Lure", "Ce que disent les habitants", "200 réponses de ce territoire",
		"usagers réguliers probables", "(entre ", "La Filature", "Mairie de Saint-Étienne-les-Orgues", "déposée", "Le plan d’action"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if !strings.Contains(body, `href="/rapports/240400440.pdf"`) || !strings.Contains(body, `<article class="report" lang="fr"`) {
		t.Error("no PDF link, or the article is not marked French")
	}
	for _, person := range []string{"Jeanne Roux", "jeanne.roux"} {
		if strings.Contains(body, person) {
			t.Errorf("the report names %q", person)
		}
	}
	if m := smallFigure.FindString(text); m != "" {
		t.Errorf("a count under 5: %q", m)
	}
	// Its communes, page and PDF.
	if code, body, _ := re.get(re.official, "/rapports/04178"); code != http.StatusOK || !strings.Contains(body, "Saint-Étienne-les-Orgues") {
		t.Errorf("a commune of the official's EPCI: status %d", code)
	}
	code, body, h := re.get(re.official, "/rapports/04088.pdf")
	if code != http.StatusOK || h.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix([]byte(body), []byte("%PDF-1.")) ||
		!strings.HasSuffix(strings.TrimSpace(body), "%%EOF") {
		t.Errorf("PDF: status %d, %s", code, h.Get("Content-Type"))
	}
	// Another EPCI, one of its communes, an unknown code: not found.
	gap := territoryEPCI(t, re.env, "05061").SIREN
	for _, path := range []string{"/rapports/" + gap, "/rapports/" + gap + ".pdf", "/rapports/05061", "/rapports/123", "/rapports/240400440.xlsx"} {
		if code, _, _ := re.get(re.official, path); code != http.StatusNotFound {
			t.Errorf("official, %s: status %d, want 404", path, code)
		}
	}
	if code, _, _ := re.get(re.stranger, "/rapports/240400440"); code != http.StatusNotFound {
		t.Errorf("another territory's official: status %d, want 404", code)
	}
	if code, _, _ := re.get(re.member, "/rapports/240400440"); code != http.StatusForbidden {
		t.Errorf("member: status %d, want 403", code)
	}
	if code, _, _ := re.get(re.member, "/rapports"); code != http.StatusForbidden {
		t.Errorf("member's list: status %d, want 403", code)
	}
}

func TestReports_TheListsOfReports(t *testing.T) {
	re := newReportsEnv(t)
	code, body, _ := re.get(re.official, "/rapports")
	if code != http.StatusOK || !strings.Contains(body, `href="/rapports/240400440"`) || !strings.Contains(body, `href="/rapports/04178"`) {
		t.Errorf("official's list: status %d", code)
	}
	if strings.Contains(body, territoryEPCI(t, re.env, "05061").SIREN) {
		t.Error("the official's list offers another EPCI")
	}
	if !strings.Contains(body, `href="/rapports"`) {
		t.Error("no Rapports entry in the official's navigation")
	}
	code, body, _ = re.get(re.coord, "/rapports")
	if code != http.StatusOK || !strings.Contains(body, `href="/rapports/240400440"`) {
		t.Errorf("coordinator's list: status %d", code)
	}
	if code, body, _ := re.get(re.coord, "/rapports/"+territoryEPCI(t, re.env, "05061").SIREN); code != http.StatusOK || !strings.Contains(body, "Aucune enquête") {
		t.Errorf("coordinator, a territory with nothing yet: status %d", code)
	}
	// In English, the navigation is English and the report says it is
	// written in French.
	rec := re.do(request{method: "GET", path: "/rapports/240400440", header: map[string]string{"Cookie": re.session(re.official).String() + "; lang=en"}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "This report is written in French") {
		t.Errorf("English: status %d", rec.Code)
	}
}
