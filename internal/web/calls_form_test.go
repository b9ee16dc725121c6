package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
)

// formEnv is a server with a coordinator and a call no file was submitted to.
type formEnv struct {
	*env
	cc   *http.Cookie
	call ami.Call
	fr   *i18n.Localizer
}

func newFormEnv(t *testing.T) *formEnv {
	t.Helper()
	e := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)))
	coord := e.user("coord@example.fr", accounts.Coordinator)
	fe := &formEnv{env: e, cc: e.session(coord)}
	var err error
	fe.call, err = e.srv.Calls.CreateCall(context.Background(), coord, ami.CallInput{Title: "Tiers-lieux 2026", OpensOn: "2026-03-01", ClosesOn: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	fe.fr = cat.For("fr")
	return fe
}

func (fe *formEnv) post(path string, form url.Values) (int, string, string) {
	rec := fe.do(request{method: "POST", path: path, cookie: fe.cc, form: form})
	return rec.Code, rec.Header().Get("Location"), rec.Body.String()
}

func (fe *formEnv) get(path string) (int, string) {
	rec := fe.do(request{method: "GET", path: path, cookie: fe.cc})
	return rec.Code, rec.Body.String()
}

func (fe *formEnv) current(t *testing.T) ami.Call {
	t.Helper()
	c, err := fe.srv.Calls.Call(context.Background(), fe.call.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// msg is a message as the page shows it.
func (fe *formEnv) msg(key string, args ...any) string {
	return template.HTMLEscapeString(fe.fr.T(key, args...))
}

// submitFile sends a complete file to the call, which freezes its form.
func (fe *formEnv) submitFile(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	a, secret, err := fe.srv.Calls.Start(ctx, fe.call.PublicID, ami.StartInput{Structure: "Mairie de Lurs", CarrierKind: "commune", Commune: "04106",
		ContactName: "Jeanne Roux", ContactEmail: "mairie@lurs.example.fr"}, "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range fe.current(t).Documents {
		if !d.Required {
			continue
		}
		if _, err := fe.db.SQL.ExecContext(ctx, `INSERT INTO application_documents (public_id, application_id, code, filename, content_type, size, data, uploaded_at)
			VALUES ($1, $2, $3, 'f.pdf', 'application/pdf', 8, $4, $5)`, d.Code, a.ID, d.Code, []byte("%PDF-1.4"), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	form := map[string][]string{"q.carrier": {"La commune"}, "q.premises": {"Deux salles."}, "q.connection": {"fibre"},
		"q.animator": {"part_time"}, "q.motivations": {"Garder les actifs."}, "q.officials": {"deliberation"}}
	if _, err := fe.srv.Calls.Submit(ctx, secret, form, "2026-03-10"); err != nil {
		t.Fatal(err)
	}
}

func TestCallForm_TheSurveyEditorEditsTheCallsQuestions(t *testing.T) {
	fe := newFormEnv(t)
	base := "/gestion/appels/" + fe.call.PublicID + "/formulaire"
	code, body := fe.get(base)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", base, code)
	}
	for _, want := range []string{`action="` + base + `/questions/carrier"`, `action="` + base + `/questions"`, fe.msg("calls.form.note_open"),
		`href="/gestion/appels/` + fe.call.PublicID + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the editor lacks %q", want)
		}
	}
	// Surveys only: no residence question, no demand, no survey addresses.
	if strings.Contains(body, `id="reglages"`) || strings.Contains(body, "/gestion/enquetes/") {
		t.Error("the call's editor shows the survey settings or links")
	}

	// Edit a question.
	carrier, _ := fe.current(t).Questionnaire.Question("carrier")
	form := url.Values{"label_fr": {"Qui porte le lieu, avec qui ?"}, "label_en": {"Who carries the place?"}, "required": {"on"},
		"base": {coop.Fingerprint(carrier)}}
	code, loc, _ := fe.post(base+"/questions/carrier", form)
	if code != http.StatusSeeOther || loc != base+"#q-carrier" {
		t.Fatalf("edit: %d %q", code, loc)
	}
	q, _ := fe.current(t).Questionnaire.Question("carrier")
	if q.Label.FR != "Qui porte le lieu, avec qui ?" || !q.Required {
		t.Errorf("edited question %+v", q)
	}
	// Add one after it.
	form = url.Values{"kind": {"single"}, "after": {"carrier"}, "label_fr": {"Le local est-il loué ?"}, "options": {"oui | Oui\nnon | Non"}}
	if code, _, _ := fe.post(base+"/questions", form); code != http.StatusSeeOther {
		t.Fatalf("add: %d", code)
	}
	qs := fe.current(t).Questionnaire.Questions
	if len(qs) != len(ami.DefaultForm().Questions)+1 || qs[1].Label.FR != "Le local est-il loué ?" || len(qs[1].Options) != 2 {
		t.Errorf("added question: %+v", qs[1])
	}

	// A refused edit: 422, the message next to the question, nothing saved.
	baseOf := func(id string) string {
		q, _ := fe.current(t).Questionnaire.Question(id)
		return coop.Fingerprint(q)
	}
	before := fe.current(t).Questionnaire
	code, _, body = fe.post(base+"/questions/connection", url.Values{"label_fr": {"Connexion"}, "options": {"fibre | Fibre"}, "base": {baseOf("connection")}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, fe.msg("survey.editor.options_required")) || !strings.Contains(body, fe.msg("survey.editor.nothing_saved")) {
		t.Errorf("a choice with one option: %d", code)
	}
	if !edSameQuestionnaire(before, fe.current(t).Questionnaire) {
		t.Error("a refused edit was saved")
	}
	// The settings of surveys do not exist here.
	if code, _, _ := fe.post(base+"/reglages", url.Values{"residence": {"carrier"}}); code == http.StatusSeeOther || code == http.StatusOK {
		t.Errorf("POST settings on a call: %d", code)
	}

	// Once a file is submitted, nothing changes any more.
	fe.submitFile(t)
	_, body = fe.get(base)
	if !strings.Contains(body, fe.msg("calls.form.note_locked")) {
		t.Error("the editor does not say the form is frozen")
	}
	before = fe.current(t).Questionnaire
	code, _, body = fe.post(base+"/questions/carrier", url.Values{"label_fr": {"Autre chose"}, "base": {baseOf("carrier")}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, fe.msg("ami.form_locked")) {
		t.Errorf("an edit after a submission: %d", code)
	}
	code, _, body = fe.post(base+"/questions/carrier", url.Values{"action": {"delete"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, fe.msg("ami.form_locked")) {
		t.Errorf("a deletion after a submission: %d", code)
	}
	if !edSameQuestionnaire(before, fe.current(t).Questionnaire) {
		t.Error("a refused edit was saved after a submission")
	}
}

func TestCallDocuments_EditAddRemoveAndRefusals(t *testing.T) {
	fe := newFormEnv(t)
	path := "/gestion/appels/" + fe.call.PublicID + "/documents"
	code, body := fe.get(path)
	if code != http.StatusOK || !strings.Contains(body, `value="Lettre de soutien des élus"`) || !strings.Contains(body, `name="label.3"`) {
		t.Fatalf("GET %s: %d", path, code)
	}
	if _, call := fe.get("/gestion/appels/" + fe.call.PublicID); !strings.Contains(call, `href="`+path+`"`) {
		t.Error("the call's page does not link to its documents")
	}
	rows := func() url.Values {
		f := url.Values{"rows": {"4"}}
		for i, d := range ami.DefaultDocuments() {
			n := string(rune('0' + i))
			f.Set("code."+n, d.Code)
			f.Set("label."+n, d.Label)
			f.Set("max_mib."+n, "10")
			f["types."+n] = d.Types
			if d.Required {
				f.Set("required."+n, "on")
			}
		}
		f.Set("new.3", "1")
		return f
	}
	// Add a document, remove one, change a size.
	f := rows()
	f.Set("label.3", "Budget prévisionnel")
	f["types.3"] = []string{"application/pdf", "image/png"}
	f.Set("max_mib.3", "5")
	f.Set("remove.2", "on")
	f.Set("max_mib.1", "25")
	code, loc, _ := fe.post(path, f)
	if code != http.StatusSeeOther || loc != path {
		t.Fatalf("save: %d %q", code, loc)
	}
	docs := fe.current(t).Documents
	if len(docs) != 3 || docs[1].MaxMiB != 25 || docs[2].Code != "budget_previsionnel" || docs[2].MaxMiB != 5 || len(docs[2].Types) != 2 || docs[2].Required {
		t.Errorf("saved documents %+v", docs)
	}

	// From a page the save above has overtaken (it showed the four
	// default documents): refused, its rows shown as typed, nothing saved;
	// sent again from the page shown, it replaces the documents.
	stale := rows()
	stale.Set("base", coop.Fingerprint(ami.DefaultDocuments()))
	stale.Set("label.0", "Statuts signés")
	code, _, body = fe.post(path, stale)
	if code != http.StatusConflict || !strings.Contains(body, fe.msg("error.changed_meanwhile")) || !strings.Contains(body, `value="Statuts signés"`) {
		t.Errorf("an overtaken save: %d", code)
	}
	if now := fe.current(t).Documents; len(now) != 3 || now[0].Label == "Statuts signés" {
		t.Errorf("an overtaken save changed the documents: %+v", now)
	}
	m := regexp.MustCompile(`name="base" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil || m[1] != coop.Fingerprint(fe.current(t).Documents) {
		t.Fatalf("the page shown again does not carry the documents as they are now")
	}

	// Refused: a duplicate code, a size out of bounds, no type; messages
	// next to their fields, nothing saved.
	f = rows()
	f.Set("code.1", "statutes")
	f.Set("max_mib.2", "80")
	delete(f, "types.0")
	code, _, body = fe.post(path, f)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad documents: %d", code)
	}
	for _, want := range []string{`id="f-doc1.code-error"`, fe.msg("ami.docs.code_taken"), `id="f-doc2.max_mib-error"`, fe.msg("ami.docs.size_invalid"),
		`id="f-doc0.types-error"`, fe.msg("ami.docs.types_required"), `href="#f-doc1.code"`, `value="80"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused page lacks %q", want)
		}
	}
	if got := fe.current(t).Documents; len(got) != 3 || got[1].Code != "premises" {
		t.Errorf("a refused change was saved: %+v", got)
	}
	// A size that is not a number.
	f = rows()
	f.Set("max_mib.0", "dix")
	if code, _, body = fe.post(path, f); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-doc0.max_mib-error"`) {
		t.Errorf("a size in words: %d", code)
	}

	// Once a file is submitted: read-only, and a change is refused.
	fe.submitFile(t)
	_, body = fe.get(path)
	if !strings.Contains(body, fe.msg("calls.docs.locked")) || strings.Contains(body, `name="label.0"`) {
		t.Error("the page of a frozen call still offers the form")
	}
	code, _, body = fe.post(path, rows())
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, fe.msg("ami.form_locked")) {
		t.Errorf("a change after a submission: %d", code)
	}
	if got := fe.current(t).Documents; len(got) != 3 {
		t.Errorf("documents after a refused change: %+v", got)
	}
}
