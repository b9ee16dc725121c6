package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/testkit"
)

// TestJourney_TownHallAppliesThenTheCoordinatorInstructs: on 10 March 2026
// the town hall of Lurs answers the network's call on a phone: it opens
// its file, finds its private link in its mailbox, answers, joins its
// documents (first a wrong one) and sends the file. The coordinator takes
// it under instruction, fills the site visit checklist, reads the
// diagnostic and the report of the EPCI. Every page passes axe.
func TestJourney_TownHallAppliesThenTheCoordinatorInstructs(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	j := &journey{t: t, s: startServerOn(t, testkit.NewDBLocation(t, db.SQLite), nil, coop.NewFixedClock(time.Date(2026, 3, 10, 10, 0, 0, 0, i18n.Paris))), cat: cat}
	ctx := context.Background()
	coordinator := j.user(accounts.Coordinator, "coord@example.org", "Camille Roux")
	call, err := j.s.Calls.CreateCall(ctx, coordinator, ami.CallInput{Title: "Tiers-lieux ruraux 2026", Body: "Pour les espaces publics numériques des villages.",
		Areas: "04 05", OpensOn: "2026-03-01", ClosesOn: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "statuts.pdf")
	png := filepath.Join(dir, "plan.pdf") // a picture under a PDF's name
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The town hall, on a phone.
	b := testkit.NewBrowser(t)
	b.Mobile()
	b.Visit(j.url("/"))
	j.switchLanguage(b, "fr")
	b.Visit(j.url("/appels"))
	b.ClickAndWait(`main a[href="/appels/` + call.PublicID + `"]`)
	j.wantText(b, "main h1", call.Title)
	start := `form[action="/appels/` + call.PublicID + `/candidature"]`
	b.Fill("#f-structure", "Mairie de Lurs")
	b.Fill("#f-carrier_kind", "commune")
	b.Fill("#f-commune", "Lurs")
	b.Fill("#f-contact_name", "Jeanne Roux")
	b.Submit(start)
	j.wantStatus(b, 422) // the email is missing
	b.Fill("#f-contact_email", "mairie@lurs.example.fr")
	b.Submit(start)
	j.wantStatus(b, 200)

	// The private link, from the mailbox.
	msgs, _, err := j.s.Mailer.List(ctx, 10, 0)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no email (%v)", err)
	}
	link := regexp.MustCompile(`/candidature/[A-Za-z0-9_-]+`).FindString(msgs[0].Text)
	if link == "" || strings.Contains(elem(b, "main").Text, link) {
		t.Fatalf("the link %q is not in the email, or shown on the page", link)
	}
	b.Visit(j.url(link))
	j.wantStatus(b, 200)
	b.Fill(`[id="f-q.carrier"]`, "La commune, avec l'association Lure Numérique")
	b.Fill(`[id="f-q.premises"]`, "L'ancienne école : deux salles au rez-de-chaussée.")
	b.Click(`[id="f-q.connection"]`)
	b.Click(`[id="f-q.animator"]`)
	b.Fill(`[id="f-q.motivations"]`, "Garder les actifs au village.")
	b.Click(`[id="f-q.officials"]`)
	// A picture where a PDF is asked, sent before saving the answers:
	// refused next to the field, the answers typed still there.
	b.SetFile(`[id="f-doc.statutes"]`, png)
	b.ClickAndWait(`button[name="upload"][value="statutes"]`)
	j.wantStatus(b, 422)
	if !elem(b, `[id="f-doc.statutes-error"]`).Found {
		t.Error("no message next to the wrong document")
	}
	if got := elem(b, `[id="f-q.motivations"]`).Value; got != "Garder les actifs au village." {
		t.Errorf("the answer typed is lost with the refused document: %q", got)
	}
	b.SetFile(`[id="f-doc.statutes"]`, pdf)
	b.ClickAndWait(`button[name="upload"][value="statutes"]`)
	j.wantStatus(b, 200)
	var saved string
	if err := j.s.DB.SQL.QueryRow(`SELECT answers FROM applications`).Scan(&saved); err != nil || !strings.Contains(saved, "Garder les actifs au village.") {
		t.Errorf("the answers typed were not saved with the document: %q (%v)", saved, err)
	}
	b.SetFile(`[id="f-doc.premises"]`, pdf)
	b.ClickAndWait(`button[name="upload"][value="premises"]`)
	b.ClickAndWait(`button[form="dossier"][value="submit"]`)
	j.wantStatus(b, 200)
	var id string
	var state string
	if err := j.s.DB.SQL.QueryRow(`SELECT public_id, state FROM applications`).Scan(&id, &state); err != nil || state != "submitted" {
		t.Fatalf("application %s is %q (%v)", id, state, err)
	}

	// The coordinator instructs.
	c := testkit.NewBrowser(t)
	j.signIn(c, coordinator.Email, journeyPassword)
	j.switchLanguage(c, "fr")
	c.Visit(j.url("/gestion/appels/" + call.PublicID))
	c.ClickAndWait(`main a[href="/gestion/candidatures/` + id + `"]`)
	c.Fill("#f-to", "instruction")
	c.Submit(`form[action="/gestion/candidatures/` + id + `/etat"]`)
	j.wantStatus(c, 200)
	if err := j.s.DB.SQL.QueryRow(`SELECT state FROM applications`).Scan(&state); err != nil || state != "instruction" {
		t.Fatalf("state %q after the move (%v)", state, err)
	}
	c.Visit(j.url("/gestion/candidatures/" + id + "/visite"))
	j.wantStatus(c, 200)
	c.Visit(j.url("/gestion/candidatures/" + id + "/diagnostic"))
	j.wantStatus(c, 200)
	c.Visit(j.url("/rapports/240400440"))
	j.wantStatus(c, 200)
	if !strings.Contains(elem(c, "main").Text, "Lurs") {
		t.Error("the report of the EPCI does not show the application from Lurs")
	}
}
