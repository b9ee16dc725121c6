package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// instrEnv is a server with a coordinator, a member, a call and three
// submitted files: Lurs (rural), Marseille and Gap (urban).
type instrEnv struct {
	*env
	coord, member   accounts.User
	cc, mc          *http.Cookie
	call            ami.Call
	lurs, marseille ami.Application
	gap             ami.Application
}

const instrToday = "2026-03-10"

func newInstrEnv(t *testing.T) *instrEnv {
	t.Helper()
	e := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)))
	ie := &instrEnv{env: e, coord: e.user("coord@example.fr", accounts.Coordinator), member: e.user("membre@example.fr", accounts.Member)}
	ie.cc, ie.mc = e.session(ie.coord), e.session(ie.member)
	ctx := context.Background()
	var err error
	ie.call, err = e.srv.Calls.CreateCall(ctx, ie.coord, ami.CallInput{Title: "Tiers-lieux 2026", OpensOn: "2026-03-01", ClosesOn: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	submit := func(structure, kind, commune, down string) ami.Application {
		a, secret, err := e.srv.Calls.Start(ctx, ie.call.PublicID, ami.StartInput{Structure: structure, CarrierKind: kind, Commune: commune,
			ContactName: "Jeanne Roux", ContactEmail: "contact@example.fr"}, instrToday)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range []string{"statutes", "premises"} {
			if _, err := e.db.SQL.ExecContext(ctx, `INSERT INTO application_documents (public_id, application_id, code, filename, content_type, size, data, uploaded_at)
				VALUES ($1, $2, $3, $4, 'application/pdf', 8, $5, $6)`, a.PublicID+doc, a.ID, doc, doc+".pdf", []byte("%PDF-1.4"), time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		form := map[string][]string{"q.carrier": {"La commune et " + structure}, "q.premises": {"Deux salles."}, "q.connection": {"fibre"},
			"q.down_mbps": {down}, "q.animator": {"part_time"}, "q.motivations": {"Garder les actifs."}, "q.officials": {"deliberation"}}
		if a, err = e.srv.Calls.Submit(ctx, secret, form, instrToday); err != nil {
			t.Fatal(err)
		}
		return a
	}
	ie.lurs = submit("Mairie de Lurs", "commune", "04106", "95,5")
	ie.marseille = submit("Association Zinc", "association", "13055", "300")
	ie.gap = submit("Bureau partagé de Gap", "company", "05061", "")
	return ie
}

func (ie *instrEnv) get(c *http.Cookie, path string) (int, string) {
	rec := ie.do(request{method: "GET", path: path, cookie: c})
	return rec.Code, rec.Body.String()
}

func (ie *instrEnv) post(path string, form url.Values) *http.Response {
	return ie.do(request{method: "POST", path: path, cookie: ie.cc, form: form}).Result()
}

func TestCallsAdmin_TableFiltersSortsAndCounts(t *testing.T) {
	ie := newInstrEnv(t)
	path := "/gestion/appels/" + ie.call.PublicID
	code, body := ie.get(ie.cc, "/gestion/appels")
	if code != 200 || !strings.Contains(body, "Tiers-lieux 2026") || !strings.Contains(body, "Déposé") {
		t.Fatalf("calls list %d", code)
	}
	code, body = ie.get(ie.cc, path)
	if code != 200 || !strings.Contains(body, "Mairie de Lurs") || !strings.Contains(body, "Association Zinc") || !strings.Contains(body, "3 candidature(s) affichée(s) sur 3") {
		t.Fatalf("table %d", code)
	}
	if !strings.Contains(body, "1 en commune rurale") || !strings.Contains(body, "2 en commune urbaine") {
		t.Errorf("statistics block missing rural/urban counts")
	}
	// Filters by GET query: urban only, then a département.
	_, body = ie.get(ie.cc, path+"?zone=urban")
	if strings.Contains(body, "Mairie de Lurs") || !strings.Contains(body, "Association Zinc") || !strings.Contains(body, "Bureau partagé de Gap") {
		t.Errorf("urban filter")
	}
	_, body = ie.get(ie.cc, path+"?departement=13&type=association")
	if strings.Contains(body, "Bureau partagé de Gap") || !strings.Contains(body, "Association Zinc") {
		t.Errorf("département and kind filters")
	}
	// Sorting by structure, descending.
	_, body = ie.get(ie.cc, path+"?tri=structure&ordre=desc")
	if i, j := strings.Index(body, ">Mairie de Lurs<"), strings.Index(body, ">Association Zinc<"); i < 0 || j < 0 || i > j {
		t.Errorf("sort by structure desc: Lurs at %d, Zinc at %d", i, j)
	}
	if !strings.Contains(body, `aria-sort="descending"`) {
		t.Errorf("the sorted column is not marked")
	}
	// A member is refused.
	if code, _ := ie.get(ie.mc, path); code != http.StatusForbidden {
		t.Errorf("a member sees the table: %d", code)
	}
}

func TestCallsAdmin_CreateAndEditCall(t *testing.T) {
	ie := newInstrEnv(t)
	res := ie.post("/gestion/appels", url.Values{"title": {""}, "opens_on": {"2026-04-01"}, "closes_on": {"2026-03-01"}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "La clôture doit suivre l’ouverture.") || !strings.Contains(body, `id="f-title-error"`) {
		t.Errorf("a bad call: %d", res.StatusCode)
	}
	res = ie.post("/gestion/appels", url.Values{"title": {"Espaces publics numériques"}, "opens_on": {"2026-04-01"}, "closes_on": {"2026-05-01"},
		"areas": {"04"}, "kinds": {"commune", "epci"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/gestion/appels/") {
		t.Fatalf("create: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	id := strings.TrimPrefix(res.Header.Get("Location"), "/gestion/appels/")
	c, err := ie.srv.Calls.Call(context.Background(), id)
	if err != nil || strings.Join(c.Kinds, " ") != "commune epci" || strings.Join(c.Areas, " ") != "04" {
		t.Fatalf("created %+v %v", c, err)
	}
	res = ie.post("/gestion/appels/"+id, url.Values{"title": {"EPN 2026"}, "opens_on": {"2026-04-01"}, "closes_on": {"2026-05-01"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	if c, _ := ie.srv.Calls.Call(context.Background(), id); c.Title != "EPN 2026" || len(c.Kinds) != 0 {
		t.Errorf("edited %+v", c)
	}
}

func TestCallsAdmin_CompareSideBySide(t *testing.T) {
	ie := newInstrEnv(t)
	code, body := ie.get(ie.cc, "/gestion/appels/"+ie.call.PublicID+"/comparaison?ids="+ie.lurs.PublicID+"&ids="+ie.marseille.PublicID)
	if code != 200 {
		t.Fatalf("compare %d", code)
	}
	for _, want := range []string{"Mairie de Lurs", "Association Zinc", "95,5 Mbit/s", "300 Mbit/s", "Fibre optique", "statutes.pdf", "niveau 1", "2 candidature(s) côte à côte"} {
		if !strings.Contains(body, want) {
			t.Errorf("comparison lacks %q", want)
		}
	}
	if strings.Contains(body, "Bureau partagé de Gap") {
		t.Errorf("an unticked file is compared")
	}
}

func TestCallsAdmin_ExportsCSVAndXLSX(t *testing.T) {
	ie := newInstrEnv(t)
	path := "/gestion/appels/" + ie.call.PublicID + "/export?format="
	rec := ie.do(request{method: "GET", path: path + "csv", cookie: ie.cc})
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(body, "\ufeff") || !strings.Contains(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")), "\r\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "Identifiant;État;Structure;") {
		t.Fatalf("csv lines %q", lines)
	}
	if !strings.Contains(lines[1], "Mairie de Lurs;Commune;Lurs;04106;04;") || !strings.Contains(lines[1], ";rural;") || !strings.Contains(lines[1], ";95,5;") {
		t.Errorf("Lurs row %q", lines[1])
	}
	// Filtered like the table.
	rec = ie.do(request{method: "GET", path: path + "csv&zone=rural", cookie: ie.cc})
	if n := strings.Count(strings.TrimSpace(rec.Body.String()), "\r\n"); n != 1 {
		t.Errorf("filtered export has %d rows", n)
	}
	rec = ie.do(request{method: "GET", path: path + "xlsx", cookie: ie.cc})
	if rec.Code != 200 {
		t.Fatalf("xlsx %d", rec.Code)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Candidatures")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][2] != "Structure" || rows[2][2] != "Association Zinc" || rows[2][5] != "13055" || rows[2][7] != "1" {
		t.Errorf("xlsx rows %q", rows)
	}
	if rec := ie.do(request{method: "GET", path: path + "pdf", cookie: ie.cc}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("an unknown format: %d", rec.Code)
	}
}

func TestCallsAdmin_InstructAFile(t *testing.T) {
	ie := newInstrEnv(t)
	path := "/gestion/candidatures/" + ie.lurs.PublicID
	code, body := ie.get(ie.cc, path)
	if code != 200 || !strings.Contains(body, "Mairie de Lurs") || !strings.Contains(body, "statutes.pdf") || !strings.Contains(body, path+"/visite") ||
		!strings.Contains(body, "Garder les actifs.") || !strings.Contains(body, "niveau 5") && !strings.Contains(body, "niveau 6") && !strings.Contains(body, "niveau 7") {
		t.Fatalf("file %d", code)
	}
	// A document downloads.
	docs, _ := ie.srv.Calls.Documents(context.Background(), ie.lurs.ID)
	rec := ie.do(request{method: "GET", path: path + "/documents/" + docs[0].PublicID, cookie: ie.cc})
	if rec.Code != 200 || rec.Body.String() != "%PDF-1.4" || rec.Header().Get("Content-Type") != "application/pdf" {
		t.Errorf("document %d %q", rec.Code, rec.Body.String())
	}
	// A note, a question, an interview: back to the file, in its history.
	for _, c := range []struct {
		to   string
		form url.Values
		want string
	}{
		{"/note", url.Values{"note": {"Salle à voir."}}, "Salle à voir."},
		{"/question", url.Values{"question": {"Quels horaires ?"}}, "Quels horaires ?"},
		{"/entretien", url.Values{"on_day": {"2026-03-09"}, "notes": {"Maire motivé."}}, "Maire motivé."},
	} {
		res := ie.post(path+c.to, c.form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", c.to, res.StatusCode)
		}
		if _, body := ie.get(ie.cc, path); !strings.Contains(body, c.want) {
			t.Errorf("the history lacks %q", c.want)
		}
	}
	res := ie.post(path+"/note", url.Values{"note": {""}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(readBody(t, res), `id="f-note-error"`) {
		t.Errorf("an empty note: %d", res.StatusCode)
	}
	// A refusal needs its reason; then accepting without reopening is refused, with the reason why.
	res = ie.post(path+"/etat", url.Values{"to": {"refused"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(readBody(t, res), "Écrivez la raison") {
		t.Errorf("a refusal without reason: %d", res.StatusCode)
	}
	if res = ie.post(path+"/etat", url.Values{"to": {"refused"}, "reason": {"Local trop petit."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("refuse: %d", res.StatusCode)
	}
	res = ie.post(path+"/etat", url.Values{"to": {"accepted"}, "reason": {"Finalement oui."}})
	if body := readBody(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(body, "Ce dossier est «\u00a0Refusé\u00a0»\u00a0: il ne peut pas passer à «\u00a0Accepté\u00a0».") {
		t.Errorf("a refused transition: %d", res.StatusCode)
	}
	// Reopen, accept, make it a place.
	for _, to := range []url.Values{{"to": {"instruction"}}, {"to": {"accepted"}, "reason": {"Retenu."}}} {
		if res := ie.post(path+"/etat", to); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("move %v: %d", to, res.StatusCode)
		}
	}
	if _, body := ie.get(ie.cc, path); !strings.Contains(body, "Créer le lieu") {
		t.Errorf("no place form on an accepted file")
	}
	res = ie.post(path+"/lieu", url.Values{"status": {"project"}, "address": {"Place de la Mairie"}, "siren": {"210401063"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/gestion/lieux/") {
		t.Fatalf("place: %d %s %s", res.StatusCode, res.Header.Get("Location"), readBody(t, res))
	}
	slug := strings.TrimPrefix(res.Header.Get("Location"), "/gestion/lieux/")
	pl, err := ie.srv.Places.Place(context.Background(), slug)
	if err != nil || pl.CommuneCode != "04106" || pl.Status != "project" || pl.DownMbps == nil || *pl.DownMbps != 95.5 {
		t.Errorf("place %+v %v", pl, err)
	}
	// A member is refused everywhere.
	if code, _ := ie.get(ie.mc, path); code != http.StatusForbidden {
		t.Errorf("a member reads a file: %d", code)
	}
	if rec := ie.do(request{method: "POST", path: path + "/note", cookie: ie.mc, form: url.Values{"note": {"x"}}}); rec.Code != http.StatusForbidden {
		t.Errorf("a member notes: %d", rec.Code)
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := b.ReadFrom(res.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
