package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
	"coopconnect/internal/testkit"
)

// TestJourney_ResidentAnswersOnAPhoneThenTheOfficialReadsTheResults: on
// Tuesday 10 March 2026, a resident of Forcalquier scans the QR code of
// the bulletin municipal, sends the form empty, reads what is missing
// next to each question, answers, and asks to be told when a place opens.
// The elected official of the EPCI then reads the results, and the
// coordinator keys a paper sheet. Every page passes axe.
func TestJourney_ResidentAnswersOnAPhoneThenTheOfficialReadsTheResults(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	j := &journey{t: t, s: startServerOn(t, testkit.NewDBLocation(t, db.SQLite), nil, coop.NewFixedClock(time.Date(2026, 3, 10, 18, 30, 0, 0, i18n.Paris))), cat: cat}
	ctx := context.Background()
	coordinator := j.user(accounts.Coordinator, "coord@example.org", "Camille Roux")
	elu := j.user(accounts.Official, "elu@example.org", "Hélène Martin")
	sv, err := j.s.Surveys.Create(ctx, coordinator, survey.Input{Title: "Travailler au pays de Forcalquier", Intro: "Un lieu pour travailler près de chez vous ?",
		Privacy: survey.DefaultPrivacy, OpensOn: "2026-03-01", ClosesOn: "2026-03-31", Areas: "240400440"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.s.Surveys.SetOfficialAreas(ctx, coordinator, elu.ID, "240400440"); err != nil {
		t.Fatal(err)
	}
	// Forty neighbours answered before, so that the results have figures.
	qn := sv.Version.Questionnaire
	for i := range 40 {
		a, err := qn.Parse(j.s.Surveys.Territory, url.Values{
			"q.home_commune": {[]string{"04088", "04088", "04178", "04106"}[i%4]},
			"q.status":       {[]string{"employee", "self_employed", "civil_servant", "retired", "employee"}[i%5]},
			"q.use_place":    {[]string{"regular", "occasional", "no", "regular"}[i%4]},
			"q.commute_km":   {fmt.Sprint(5 + i%30)}, "q.services": {"desk", "fast_connection"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := j.s.Surveys.Submit(ctx, sv, "", a); err != nil {
			t.Fatal(err)
		}
	}
	var link string
	for _, c := range sv.Communes {
		if c.Code == "04088" {
			link = c.Link
		}
	}

	// The resident, on a phone, from the bulletin's QR code.
	b := testkit.NewBrowser(t)
	b.Mobile()
	b.Visit(j.url("/"))
	j.switchLanguage(b, "fr")
	b.Visit(j.url("/e/" + link))
	j.wantStatus(b, 200)
	j.wantText(b, "main h1", sv.Title)
	if got := pathOf(t, b); !strings.HasPrefix(got, "/enquetes/"+sv.PublicID) {
		t.Fatalf("the short link leads to %s", got)
	}
	// Sent empty: the form comes back with a message next to each
	// required question, and nothing is stored.
	b.Submit("form.survey-form")
	j.wantStatus(b, 422)
	for _, q := range []string{"home_commune", "status", "use_place"} {
		j.wantText(b, `[id="f-q.`+q+`-error"]`, j.tr("fr", "survey.required"))
	}
	if n := j.responses(sv); n != 40 {
		t.Fatalf("%d answers stored after a refused form, want 40", n)
	}
	b.Fill(`[id="f-q.home_commune"]`, "Forcalquier")
	b.Click(`[id="f-q.status.o-self_employed"]`)
	b.Fill(`[id="f-q.commute_km"]`, "18")
	b.Click(`[id="f-q.use_place"]`) // the first option: at least a day a week
	b.Click(`[id="f-q.services.o-fast_connection"]`)
	b.Submit("form.survey-form")
	j.wantPath(b, "/enquetes/"+sv.PublicID+"/merci")
	if n := j.responses(sv); n != 41 {
		t.Fatalf("%d answers stored, want 41", n)
	}
	// Told when a place opens: the consent must be given.
	b.Fill("#f-email", "voisine@example.org")
	b.Submit(`form[action="/enquetes/` + sv.PublicID + `/contact"]`)
	j.wantStatus(b, 422)
	b.Click("#f-consent")
	b.Submit(`form[action="/enquetes/` + sv.PublicID + `/contact"]`)
	j.wantFlash(b, j.tr("fr", "survey.contact.saved"))

	// The elected official reads the results of the EPCI.
	o := testkit.NewBrowser(t)
	j.signIn(o, elu.Email, journeyPassword)
	j.switchLanguage(o, "fr")
	o.Visit(j.url("/enquetes"))
	o.ClickAndWait(`a[href="/enquetes/` + sv.PublicID + `/resultats"]`)
	j.wantStatus(o, 200)
	body := elem(o, "main").Text
	for _, want := range []string{"Forcalquier", "Lurs", j.tr("fr", "results.less_than_min")} {
		if !strings.Contains(body, want) {
			t.Errorf("the results page lacks %q", want)
		}
	}

	// The coordinator keys a paper sheet.
	c := testkit.NewBrowser(t)
	j.signIn(c, coordinator.Email, journeyPassword)
	j.switchLanguage(c, "fr")
	c.Visit(j.url("/gestion/enquetes/" + sv.PublicID))
	j.wantStatus(c, 200)
	c.ClickAndWait(`main a[href="/gestion/enquetes/` + sv.PublicID + `/saisie"]`)
	c.Fill("#f-sheet", "12")
	c.Fill(`[id="f-q.home_commune"]`, "Lurs")
	c.Click(`[id="f-q.status"]`)
	c.Click(`[id="f-q.use_place.o-occasional"]`)
	c.Submit("main form")
	j.wantStatus(c, 200)
	if n := j.responses(sv); n != 42 {
		t.Fatalf("%d answers stored after the paper sheet, want 42", n)
	}
	c.Visit(j.url("/gestion/enquetes/" + sv.PublicID + "/diffusion"))
	j.wantStatus(c, 200)
	c.Visit(j.url("/gestion/enquetes/" + sv.PublicID + "/questionnaire"))
	j.wantStatus(c, 200)
	// Another coordinator changes the last question while this page is
	// open: this page's change to it is refused, its text kept, then
	// sent again on purpose.
	cur, err := j.s.Surveys.Get(ctx, sv.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	theirs := cur.Version.Questionnaire
	theirs.Questions = slices.Clone(theirs.Questions)
	last := &theirs.Questions[len(theirs.Questions)-1]
	id := last.ID
	last.Label.FR = "Un dernier mot pour l’équipe ?"
	if _, err := j.s.Surveys.SaveQuestionnaire(ctx, coordinator, sv.PublicID, coop.Fingerprint(cur.Version.Questionnaire), theirs); err != nil {
		t.Fatal(err)
	}
	c.Click(`#q-` + id + ` details.q-edit summary`)
	c.Fill(`[id="f-q.`+id+`"]`, "Autre chose à nous dire ?")
	c.ClickAndWait(`#q-` + id + ` details.q-edit button[value="save"]`)
	j.wantStatus(c, 409)
	if got := elem(c, `[id="f-q.`+id+`"]`).Value; got != "Autre chose à nous dire ?" || !elem(c, `[id="q-`+id+`-error"]`).Found {
		t.Errorf("the refused change: label %q, message shown %v", got, elem(c, `[id="q-`+id+`-error"]`).Found)
	}
	c.ClickAndWait(`#q-` + id + ` details.q-edit button[value="save"]`)
	j.wantStatus(c, 200)
	if cur, _ := j.s.Surveys.Get(ctx, sv.PublicID); cur.Version.Questionnaire.Questions[len(qn.Questions)-1].Label.FR != "Autre chose à nous dire ?" {
		t.Error("the change sent again was not saved")
	}
}

// responses counts the stored answers of a campaign.
func (j *journey) responses(sv survey.Survey) int {
	j.t.Helper()
	var n int
	if err := j.s.DB.SQL.QueryRow(`SELECT count(*) FROM survey_responses WHERE survey_id = $1`, sv.ID).Scan(&n); err != nil {
		j.t.Fatal(err)
	}
	return n
}
