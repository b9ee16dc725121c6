package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
)

// diagApplication starts an application at Lurs on a call open on the
// clock's day, as the coordinator would find it.
func diagApplication(t *testing.T, e *env, coord accounts.User) ami.Application {
	t.Helper()
	ctx := context.Background()
	call, err := e.srv.Calls.CreateCall(ctx, coord, ami.CallInput{Title: "Tiers-lieux 2026", Areas: "04", OpensOn: "2026-03-01", ClosesOn: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	a, secret, err := e.srv.Calls.Start(ctx, call.PublicID, ami.StartInput{Structure: "Mairie de Lurs", CarrierKind: "commune", Commune: "04106",
		ContactName: "Jeanne Roux", ContactEmail: "mairie@lurs.example.fr"}, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Calls.SaveDraft(ctx, secret, map[string][]string{"q.connection": {"adsl"}, "q.down_mbps": {"4"}, "q.officials": {"not_yet"},
		"q.publics": {"professionals", "seniors"}}); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestVisitAndDiagnosticPages(t *testing.T) {
	e := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)))
	coord := e.user("coord@example.fr", accounts.Coordinator)
	cookie := e.session(coord)
	a := diagApplication(t, e, coord)
	base := "/gestion/candidatures/" + a.PublicID

	// The checklist starts from the file's answers.
	res := e.do(request{method: "GET", path: base + "/visite", cookie: cookie})
	body := res.Body.String()
	if res.Code != http.StatusOK || !strings.Contains(body, `name="down_mbps"`) || !strings.Contains(body, `value="4"`) ||
		!strings.Contains(body, `value="2026-03-10"`) || !strings.Contains(body, `id="f-audiences-seniors" name="audiences" value="seniors" checked`) {
		t.Fatalf("visit page %d:\n%s", res.Code, body)
	}
	// Refused: messages next to the fields, values kept, nothing stored.
	res = e.do(request{method: "POST", path: base + "/visite", cookie: cookie, form: url.Values{"day": {"2026-03-12"}, "down_mbps": {"rapide"},
		"audiences": {"professionals", "seniors"}, "room": {"La salle du conseil"}, "accessible": {"yes"}}})
	body = res.Body.String()
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "Saisissez un nombre") || !strings.Contains(body, "dites comment les séparer") ||
		!strings.Contains(body, `value="rapide"`) || !strings.Contains(body, "La salle du conseil") || !strings.Contains(body, `href="#f-down_mbps"`) {
		t.Fatalf("bad visit %d:\n%s", res.Code, body)
	}
	if c, _, _ := e.srv.Calls.LastVisit(context.Background(), a.ID); c != nil {
		t.Fatal("a refused visit was stored")
	}
	// Saved, then off to the diagnostic.
	visit := url.Values{"day": {"2026-03-12"}, "down_mbps": {"4,2"}, "up_mbps": {"0,8"}, "reception_orange": {"good"}, "room": {"La salle du conseil"},
		"accessible": {"partly"}, "audiences": {"professionals", "seniors"}, "separation": {"Les seniors le mardi matin."}, "skills": {"welcome"}}
	res = e.do(request{method: "POST", path: base + "/visite", cookie: cookie, form: visit})
	if res.Code != http.StatusSeeOther || res.Header().Get("Location") != base+"/diagnostic" {
		t.Fatalf("visit saved: %d %s", res.Code, res.Header().Get("Location"))
	}
	res = e.do(request{method: "GET", path: base + "/diagnostic", cookie: cookie})
	body = res.Body.String()
	for _, want := range []string{"Demande", "Offre", "Gouvernance", "Voisinage", "4,2\u00a0Mbit/s", "Améliorer la connexion", "Présenter le projet aux élus",
		"Lancer l'enquête de besoins via le bulletin municipal", "Méthode", `action="` + base + `/diagnostic/ajustement"`} {
		if !strings.Contains(body, want) && !strings.Contains(body, strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("the diagnostic lacks %q", want)
		}
	}
	if strings.Contains(body, `style="`) || strings.Contains(body, "<script>") {
		t.Error("the diagnostic has inline style or script, which the CSP blocks")
	}
	mainOf := func(page string) string { return page[strings.Index(page, "<main"):] }
	if strings.Contains(mainOf(body), ` lang="`) {
		t.Error("the French diagnostic marks a part of itself in another language")
	}
	// In English, the details are in English too: nothing in French, so
	// nothing marked French (RGAA 8.7); the visit's texts stay as typed.
	en := e.do(request{method: "GET", path: base + "/diagnostic", header: map[string]string{"Cookie": cookie.Name + "=" + cookie.Value + "; lang=en"}}).Body.String()
	for _, want := range []string{`<html lang="en"`, "Demand", "Supply", "Governance", "Neighbourhood", "Download speed", "4.2\u00a0Mbit/s",
		"answers in the file, visit on Thursday 12 March 2026", "good with orange", "La salle du conseil", "Needs survey", "no survey covers the commune",
		"Connection 3/30 (download", "Carrier 40/40", "Present the project to the elected officials", "The elected officials do not support the project yet.",
		"Measured download speed: 4.2\u00a0Mbit/s, under the 30 Mbit/s of superfast broadband (ADSL)."} {
		if !strings.Contains(en, want) && !strings.Contains(en, strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("the English diagnostic lacks %q", want)
		}
	}
	for _, french := range []string{` lang="fr"`, "Débit", "Enquête de besoins", "réponses au dossier", "non renseigné", "Porteur", "élus", "\u00a0:"} {
		if strings.Contains(mainOf(en), french) {
			t.Errorf("the English diagnostic shows %q", french)
		}
	}
	if res.Code != http.StatusOK || t.Failed() {
		t.Fatalf("diagnostic %d:\n%s", res.Code, body)
	}

	// An adjustment without its reason is refused; with it, it counts.
	res = e.do(request{method: "POST", path: base + "/diagnostic/ajustement", cookie: cookie, form: url.Values{"component": {"demand"}, "score": {"70"}}})
	if body = res.Body.String(); res.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "Écrivez la raison") || !strings.Contains(body, `id="f-reason"`) {
		t.Fatalf("adjustment without reason %d:\n%s", res.Code, body)
	}
	res = e.do(request{method: "POST", path: base + "/diagnostic/ajustement", cookie: cookie, form: url.Values{"component": {"demand"}, "score": {"beaucoup"}, "reason": {"x"}}})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body.String(), "nombre entier") && !strings.Contains(res.Body.String(), "entier") {
		t.Errorf("a score that is not a number: %d", res.Code)
	}
	res = e.do(request{method: "POST", path: base + "/diagnostic/ajustement", cookie: cookie, form: url.Values{"component": {"demand"}, "score": {"70"},
		"reason": {"Vingt personnes à la réunion publique."}}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("adjustment: %d %s", res.Code, res.Body.String())
	}
	body = e.do(request{method: "GET", path: base + "/diagnostic", cookie: cookie}).Body.String()
	if !strings.Contains(body, "Vingt personnes à la réunion publique.") || !strings.Contains(body, "calculée\u00a0: 10 sur 100") {
		t.Errorf("the adjustment is not shown:\n%s", body)
	}

	// A suggestion becomes an action in one click; the action is tracked.
	res = e.do(request{method: "POST", path: base + "/actions", cookie: cookie, form: url.Values{"code": {"brief_officials"}, "owner": {coord.Name}, "due_on": {"2026-04-09"}}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("one-click action: %d %s", res.Code, res.Body.String())
	}
	res = e.do(request{method: "POST", path: base + "/actions", cookie: cookie, form: url.Values{"title": {"Réunion avec la CCI"}}})
	if body = res.Body.String(); res.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-owner"`) || !strings.Contains(body, "Réunion avec la CCI") {
		t.Fatalf("an action without owner %d:\n%s", res.Code, body)
	}
	actions, err := e.srv.Calls.Actions(context.Background(), ami.SubjectApplication, a.ID)
	if err != nil || len(actions) != 1 || actions[0].Title != "Présenter le projet aux élus" {
		t.Fatalf("actions %+v %v", actions, err)
	}
	path := base + "/actions/" + actions[0].PublicID
	res = e.do(request{method: "POST", path: path, cookie: cookie, form: url.Values{"status": {"fini"}, "owner": {"Lucie"}, "due_on": {"2026-04-09"}}})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body.String(), `id="f-status"`) {
		t.Errorf("a bad status: %d", res.Code)
	}
	res = e.do(request{method: "POST", path: path, cookie: cookie, form: url.Values{"status": {"done"}, "owner": {"Lucie"}, "due_on": {"2026-04-09"}}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("update: %d", res.Code)
	}
	body = e.do(request{method: "GET", path: base + "/diagnostic", cookie: cookie}).Body.String()
	if !strings.Contains(body, "Terminée") || !strings.Contains(body, "Lucie") || strings.Contains(body, `name="code" value="brief_officials"`) {
		t.Errorf("the plan after the update:\n%s", body)
	}
	if res := e.do(request{method: "POST", path: base + "/actions/inconnue", cookie: cookie, form: url.Values{"status": {"done"}, "owner": {"x"}, "due_on": {"2026-04-09"}}}); res.Code != http.StatusNotFound {
		t.Errorf("an unknown action: %d", res.Code)
	}

	// A place has its diagnostic too; an unknown one is not found.
	carrier, err := e.srv.Places.CreateCarrier(context.Background(), coord, places.CarrierInput{Name: "Commune de Gap", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := e.srv.Places.CreatePlace(context.Background(), coord, places.PlaceInput{CarrierID: strconv.FormatInt(carrier.ID, 10), Name: "La Fabrique",
		Kind: "tiers_lieu", Status: "open", Address: "1 rue", Commune: "05061", Audience: "both", ConnectionKind: "fibre", DownMbps: "300", UpMbps: "300"})
	if err != nil {
		t.Fatal(err)
	}
	res = e.do(request{method: "GET", path: "/gestion/lieux/" + pl.Slug + "/diagnostic", cookie: cookie})
	if body = res.Body.String(); res.Code != http.StatusOK || !strings.Contains(body, "300\u00a0Mbit/s") || !strings.Contains(body, "Séparer les publics dans le temps") {
		t.Errorf("place diagnostic %d:\n%s", res.Code, body)
	}
	// The place's page leads there.
	if body := e.do(request{method: "GET", path: "/gestion/lieux/" + pl.Slug, cookie: cookie}).Body.String(); !strings.Contains(body, `href="/gestion/lieux/`+pl.Slug+`/diagnostic"`) {
		t.Error("no link from the place's page to its diagnostic")
	}
	if res := e.do(request{method: "GET", path: "/gestion/lieux/nulle-part/diagnostic", cookie: cookie}); res.Code != http.StatusNotFound {
		t.Errorf("unknown place: %d", res.Code)
	}
	// English: the interface and the diagnostic's texts are English; what
	// people wrote (the adjustment's reason) stays as written.
	english := map[string]string{"Cookie": "lang=en; " + cookie.Name + "=" + cookie.Value}
	res = e.do(request{method: "GET", path: base + "/diagnostic", header: english})
	if body = res.Body.String(); res.Code != http.StatusOK || strings.Contains(body, "written in French") || !strings.Contains(body, "Vingt personnes à la réunion publique.") ||
		!strings.Contains(body, "Neighbourhood") || !strings.Contains(body, "Action plan") || !strings.Contains(body, "Without a survey, the demand is not known") {
		t.Errorf("English diagnostic %d:\n%s", res.Code, body)
	}
	res = e.do(request{method: "GET", path: "/gestion/lieux/" + pl.Slug + "/diagnostic", header: english})
	if body = res.Body.String(); res.Code != http.StatusOK || !strings.Contains(body, "place&#39;s record") || !strings.Contains(body, "Separate the audiences in time") ||
		!strings.Contains(body, "Professionals and digital-inclusion audiences are expected, with no separation planned.") {
		t.Errorf("English place diagnostic %d:\n%s", res.Code, body)
	}

	// Only coordinators: a manager is refused.
	manager := e.user("gestion@example.fr", accounts.Manager)
	if res := e.do(request{method: "GET", path: base + "/diagnostic", cookie: e.session(manager)}); res.Code != http.StatusForbidden {
		t.Errorf("a manager reads a diagnostic: %d", res.Code)
	}
}
