package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

var candidateLink = regexp.MustCompile(`/candidature/([A-Za-z0-9_-]{32})`)

// candidateEnv is a server on 10 March 2026 with an open call and a past
// one, published by a coordinator.
type candidateEnv struct {
	*env
	coord      accounts.User
	call, past ami.Call
}

func newCandidateEnv(t *testing.T) *candidateEnv {
	t.Helper()
	clock := coop.NewFixedClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	e := &candidateEnv{env: newEnv(t, db.SQLite, clock)}
	e.coord = e.user("coord@example.fr", accounts.Coordinator)
	var err error
	e.call, err = e.srv.Calls.CreateCall(context.Background(), e.coord, ami.CallInput{Title: "Tiers-lieux ruraux 2026",
		Body: "Pour les espaces publics numériques.\n\nDeuxième paragraphe.", Areas: "04 240400440", Kinds: "commune association", OpensOn: "2026-03-01", ClosesOn: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	e.past, err = e.srv.Calls.CreateCall(context.Background(), e.coord, ami.CallInput{Title: "Appel de l’an dernier", OpensOn: "2025-03-01", ClosesOn: "2025-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// outbox lists the emails, the latest first.
func (e *candidateEnv) outbox() []string {
	e.t.Helper()
	msgs, _, err := e.srv.Mailer.List(context.Background(), 100, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.To+"\n"+m.Subject+"\n"+m.Text)
	}
	return out
}

func (e *candidateEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.SQL.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

var startForm = url.Values{"structure": {"Mairie de Lurs"}, "carrier_kind": {"commune"}, "commune": {"Lurs"},
	"contact_name": {"Jeanne Roux"}, "contact_email": {"mairie@lurs.example.fr"}, "contact_phone": {"04 92 00 00 00"}}

// start opens a file through the pages and returns its secret, read in
// the email.
func (e *candidateEnv) start(t *testing.T) string {
	t.Helper()
	rec := e.do(request{method: "POST", path: "/appels/" + e.call.PublicID + "/candidature", form: startForm})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/appels/"+e.call.PublicID+"/envoye" {
		t.Fatalf("start: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	m := candidateLink.FindStringSubmatch(e.outbox()[0])
	if m == nil {
		t.Fatalf("no link in %q", e.outbox()[0])
	}
	return m[1]
}

// upload sends the file's form as a browser does when a document's
// button is pressed: the answers typed (form), then the document chosen.
func (e *candidateEnv) upload(path string, form url.Values, code, filename string, data []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("doc."+code, filename)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.WriteField("upload", code)
	_ = mw.Close()
	req := httptest.NewRequest("POST", "http://localhost:8080"+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func smallPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPublicCalls_ListAndEmptyState(t *testing.T) {
	empty := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)))
	rec := empty.do(request{method: "GET", path: "/appels"})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Aucun appel n’est ouvert en ce moment.") {
		t.Errorf("empty list: %d", rec.Code)
	}
	e := newCandidateEnv(t)
	body := e.do(request{method: "GET", path: "/appels"}).Body.String()
	open, past := strings.Index(body, "Tiers-lieux ruraux 2026"), strings.Index(body, "Appel de l’an dernier")
	if open < 0 || past < 0 || open > past || !strings.Contains(body, "Appels passés") {
		t.Errorf("open call at %d, past one at %d", open, past)
	}
	for _, want := range []string{"Du dimanche 1er mars 2026 au", "Alpes-de-Haute-Provence (04)", "CC Pays Forcalquier", "Commune, Association loi 1901", `href="/appels"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
}

func TestPublicCall_StartWithBadInputThenTheLinkByEmail(t *testing.T) {
	e := newCandidateEnv(t)
	path := "/appels/" + e.call.PublicID
	body := e.do(request{method: "GET", path: path}).Body.String()
	for _, want := range []string{"Pour les espaces publics numériques.", "Le local", "Statuts ou délibération de la structure porteuse",
		"formats acceptés\u00a0: PDF\u00a0; 10\u00a0Mo au plus", "PDF, JPEG, PNG", `<option value="association">Association loi 1901</option>`,
		`action="/appels/lien-perdu"`, `name="call" value="` + e.call.PublicID + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the call page lacks %q", want)
		}
	}
	// Bad input: the form again, with the messages, and nothing stored.
	bad := url.Values{"structure": {""}, "carrier_kind": {"club"}, "commune": {"Nulle-Part-sur-Mer"}, "contact_email": {"pas-une-adresse"}}
	rec := e.do(request{method: "POST", path: path + "/candidature", form: bad})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad start: %d", rec.Code)
	}
	for _, want := range []string{`id="f-structure-error"`, `id="f-carrier_kind-error"`, `id="f-commune-error"`, `id="f-contact_email-error"`, `value="Nulle-Part-sur-Mer"`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	if n := e.count(`SELECT count(*) FROM applications`); n != 0 || len(e.outbox()) != 0 {
		t.Errorf("a refused start stored %d files, sent %d emails", n, len(e.outbox()))
	}
	// The start: the link goes by email, never into a page.
	secret := e.start(t)
	if mail := e.outbox()[0]; !strings.HasPrefix(mail, "mairie@lurs.example.fr\n") || !strings.Contains(mail, "http://localhost:8080/candidature/"+secret) {
		t.Errorf("email %q", mail)
	}
	sent := e.do(request{method: "GET", path: path + "/envoye"})
	if sent.Code != 200 || strings.Contains(sent.Body.String(), secret) || !strings.Contains(sent.Body.String(), "Consultez votre messagerie") {
		t.Errorf("the page after the start: %d", sent.Code)
	}
	// The link opens the draft.
	rec = e.do(request{method: "GET", path: "/candidature/" + secret})
	if rec.Code != 200 || rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("the file: %d, referrer policy %q", rec.Code, rec.Header().Get("Referrer-Policy"))
	}
	for _, want := range []string{"Mairie de Lurs", "Brouillon", "Enregistrer le brouillon", "Envoyer le dossier", `form="dossier"`, "Dossier ouvert", `name="q.carrier"`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the file lacks %q", want)
		}
	}
	// A closed call takes no file.
	if rec := e.do(request{method: "POST", path: "/appels/" + e.past.PublicID + "/candidature", form: startForm}); rec.Code != http.StatusConflict {
		t.Errorf("start on a closed call: %d", rec.Code)
	}
}

func TestCandidateFile_DraftDocumentsAndSubmission(t *testing.T) {
	e := newCandidateEnv(t)
	secret := e.start(t)
	base := "/candidature/" + secret
	state := func() string {
		var s string
		if err := e.db.SQL.QueryRow(`SELECT state FROM applications`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Two visits, each saving a part of the draft.
	if rec := e.do(request{method: "POST", path: base, form: url.Values{"answers": {"1"}, "action": {"save"}, "q.carrier": {"La commune et Lure Numérique"}}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("first save: %d %s", rec.Code, rec.Body)
	}
	if body := e.do(request{method: "GET", path: base}).Body.String(); !strings.Contains(body, "La commune et Lure Numérique</textarea>") {
		t.Errorf("the first visit's answer is not shown again")
	}
	second := url.Values{"answers": {"1"}, "action": {"save"}, "q.carrier": {"La commune et Lure Numérique"}, "q.premises": {"L’ancienne école."}, "q.surface": {"80"}}
	if rec := e.do(request{method: "POST", path: base, form: second}); rec.Code != http.StatusSeeOther {
		t.Fatalf("second save: %d", rec.Code)
	}
	body := e.do(request{method: "GET", path: base}).Body.String()
	if !strings.Contains(body, "L’ancienne école.</textarea>") || !strings.Contains(body, `value="80"`) || !strings.Contains(body, "La commune et Lure Numérique") {
		t.Errorf("the second visit's answers are not kept")
	}
	// A draft refuses a malformed answer too, with its message.
	if rec := e.do(request{method: "POST", path: base, form: url.Values{"answers": {"1"}, "action": {"save"}, "q.surface": {"beaucoup"}}}); rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="f-q.surface-error"`) {
		t.Errorf("a malformed draft: %d", rec.Code)
	}

	// Documents: a PDF is taken; a PNG renamed .pdf where only PDF goes,
	// and a file over the size, are refused next to their field.
	docs := base + "/documents"
	if rec := e.upload(base, second, "statutes", "statuts.pdf", testPDF); rec.Code != http.StatusSeeOther {
		t.Fatalf("a PDF: %d %s", rec.Code, rec.Body)
	}
	rec := e.upload(base, second, "statutes", "statuts.pdf", smallPNG(t))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="f-doc.statutes-error"`) || !strings.Contains(rec.Body.String(), "formats acceptés, PDF") {
		t.Errorf("a PNG renamed .pdf: %d", rec.Code)
	}
	big := append(bytes.Clone(testPDF), make([]byte, 10<<20)...)
	rec = e.upload(base, second, "statutes", "gros.pdf", big)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="f-doc.statutes-error"`) || !strings.Contains(rec.Body.String(), "10\u00a0Mo au plus") {
		t.Errorf("a file too big: %d", rec.Code)
	}
	if rec := e.upload(base, second, "statutes", "", nil); rec.Code != 422 || !strings.Contains(rec.Body.String(), "Choisissez un fichier") {
		t.Errorf("no file: %d", rec.Code)
	}
	if n := e.count(`SELECT count(*) FROM application_documents`); n != 1 {
		t.Errorf("%d documents stored, want the PDF only", n)
	}
	body = e.do(request{method: "GET", path: base}).Body.String()
	if !strings.Contains(body, "statuts.pdf</a>") || !strings.Contains(body, "Document ajouté\u00a0: statuts.pdf") {
		t.Errorf("the uploaded document is not listed")
	}
	// Download: an attachment, never sniffed.
	var docID string
	if err := e.db.SQL.QueryRow(`SELECT public_id FROM application_documents`).Scan(&docID); err != nil {
		t.Fatal(err)
	}
	rec = e.do(request{method: "GET", path: docs + "/" + docID})
	h := rec.Header()
	if rec.Code != 200 || h.Get("Content-Type") != "application/pdf" || h.Get("Content-Disposition") != `attachment; filename=statuts.pdf` ||
		h.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(rec.Body.Bytes(), testPDF) {
		t.Errorf("download: %d %v", rec.Code, h)
	}

	// Submission incomplete: the messages next to the question and the
	// missing document, and the state unchanged.
	incomplete := url.Values{"answers": {"1"}, "action": {"submit"}, "q.carrier": {"La commune"}, "q.premises": {"L’école"}, "q.connection": {"fibre"}, "q.animator": {"no"}, "q.officials": {"oral"}}
	rec = e.do(request{method: "POST", path: base, form: incomplete})
	if rec.Code != 422 {
		t.Fatalf("incomplete submission: %d", rec.Code)
	}
	for _, want := range []string{`id="f-q.motivations-error"`, `id="f-doc.premises-error"`, "Ce document est demandé", `href="#f-q.motivations"`, `href="#f-doc.premises"`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the refused submission lacks %q", want)
		}
	}
	if strings.Contains(rec.Body.String(), `id="f-doc.statutes-error"`) {
		t.Errorf("the uploaded document is said missing")
	}
	if state() != "draft" || len(e.outbox()) != 1 {
		t.Errorf("after a refused submission: %s, %d emails", state(), len(e.outbox()))
	}
	// A document replaced, another added and removed, then the file goes.
	if rec := e.upload(base, nil, "premises", "plan.png", smallPNG(t)); rec.Code != http.StatusSeeOther {
		t.Fatalf("a PNG for the premises: %d", rec.Code)
	}
	if rec := e.upload(base, nil, "support", "soutien.pdf", testPDF); rec.Code != http.StatusSeeOther {
		t.Fatalf("support: %d", rec.Code)
	}
	var supportID string
	if err := e.db.SQL.QueryRow(`SELECT public_id FROM application_documents WHERE code = 'support'`).Scan(&supportID); err != nil {
		t.Fatal(err)
	}
	if rec := e.do(request{method: "POST", path: base, form: url.Values{"delete": {supportID}}}); rec.Code != http.StatusSeeOther {
		t.Errorf("delete: %d", rec.Code)
	}
	if rec := e.do(request{method: "POST", path: base, form: url.Values{"delete": {supportID}}}); rec.Code != http.StatusNotFound {
		t.Errorf("delete again: %d", rec.Code)
	}
	complete := url.Values{"answers": {"1"}, "action": {"submit"}, "q.carrier": {"La commune"}, "q.premises": {"L’école"}, "q.connection": {"fibre"}, "q.animator": {"no"},
		"q.officials": {"oral"}, "q.motivations": {"Garder les actifs au village."}}
	if rec := e.do(request{method: "POST", path: base, form: complete}); rec.Code != http.StatusSeeOther {
		t.Fatalf("complete submission: %d %s", rec.Code, rec.Body)
	}
	if state() != "submitted" || !strings.Contains(e.outbox()[0], "Candidature envoyée") {
		t.Errorf("after submission: %s, last email %q", state(), e.outbox()[0])
	}
	// Read-only with its status; the documents are frozen.
	body = e.do(request{method: "GET", path: base}).Body.String()
	if !strings.Contains(body, "Déposé") || strings.Contains(body, `id="dossier"`) || strings.Contains(body, `enctype="multipart/form-data"`) ||
		!strings.Contains(body, "Garder les actifs au village.") || !strings.Contains(body, "Fibre optique") {
		t.Errorf("the submitted file is not read-only with its answers")
	}
	if rec := e.upload(base, nil, "support", "soutien.pdf", testPDF); rec.Code != http.StatusConflict {
		t.Errorf("an upload after submission: %d", rec.Code)
	}
	// The team sends it back to complete: the candidate reads why, and
	// the form is there again.
	var appID string
	if err := e.db.SQL.QueryRow(`SELECT public_id FROM applications`).Scan(&appID); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Calls.Move(context.Background(), e.coord, appID, ami.Draft, "Ajoutez la lettre des élus."); err != nil {
		t.Fatal(err)
	}
	body = e.do(request{method: "GET", path: base}).Body.String()
	if !strings.Contains(body, "Ajoutez la lettre des élus.") || !strings.Contains(body, `id="dossier"`) || !strings.Contains(body, "État\u00a0: Brouillon") {
		t.Errorf("the file sent back does not say why, or cannot be completed")
	}
}

func TestCandidateFile_WrongOrExpiredLinkRevealsNothing(t *testing.T) {
	e := newCandidateEnv(t)
	var logs bytes.Buffer
	e.srv.Log = slog.New(slog.NewTextHandler(&logs, nil))
	secret := e.start(t)
	forged := "A" + secret[1:]
	if forged == secret {
		forged = "B" + secret[1:]
	}
	for _, path := range []string{"/candidature/inconnu", "/candidature/" + forged, "/candidature/" + forged + "/documents/x"} {
		rec := e.do(request{method: "GET", path: path})
		body := rec.Body.String()
		if rec.Code != http.StatusGone || !strings.Contains(body, "Ce lien n’est pas valable ou a expiré") || !strings.Contains(body, `action="/appels/lien-perdu"`) ||
			strings.Contains(body, "Mairie de Lurs") || strings.Contains(body, "mairie@lurs") {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
	}
	for _, path := range []string{"/candidature/" + forged, "/candidature/" + forged + "/reponses/1"} {
		if rec := e.do(request{method: "POST", path: path, form: url.Values{"action": {"submit"}}}); rec.Code != http.StatusGone {
			t.Errorf("POST %s: %d", path, rec.Code)
		}
	}
	// Expired: the same page.
	if _, err := e.db.SQL.Exec(`UPDATE applications SET link_expires_at = $1`, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if rec := e.do(request{method: "GET", path: "/candidature/" + secret}); rec.Code != http.StatusGone || strings.Contains(rec.Body.String(), "Mairie de Lurs") {
		t.Errorf("an expired link: %d", rec.Code)
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), forged) || !strings.Contains(logs.String(), "status=410") ||
		!strings.Contains(logs.String(), `route="GET /candidature/{secret}"`) {
		t.Errorf("the logs hold a secret, or nothing: %s", logs.String())
	}
}

func TestCandidateFile_LostLinkSameAnswer(t *testing.T) {
	e := newCandidateEnv(t)
	old := e.start(t)
	sent := len(e.outbox())
	renew := func(call, email string) *httptest.ResponseRecorder {
		return e.do(request{method: "POST", path: "/appels/lien-perdu", form: url.Values{"call": {call}, "email": {email}}})
	}
	unknown, known := renew(e.call.PublicID, "personne@example.fr"), renew(e.call.PublicID, "Mairie@Lurs.example.fr")
	if unknown.Code != http.StatusSeeOther || known.Code != http.StatusSeeOther || unknown.Header().Get("Location") != known.Header().Get("Location") {
		t.Errorf("renewals: %d %q, %d %q", unknown.Code, unknown.Header().Get("Location"), known.Code, known.Header().Get("Location"))
	}
	if len(e.outbox()) != sent+1 {
		t.Fatalf("%d emails after the renewals, want %d", len(e.outbox()), sent+1)
	}
	m := candidateLink.FindStringSubmatch(e.outbox()[0])
	if m == nil || m[1] == old {
		t.Fatalf("no fresh link in %q", e.outbox()[0])
	}
	if rec := e.do(request{method: "GET", path: "/candidature/" + old}); rec.Code != http.StatusGone {
		t.Errorf("the old link: %d", rec.Code)
	}
	if rec := e.do(request{method: "GET", path: "/candidature/" + m[1]}); rec.Code != 200 {
		t.Errorf("the new link: %d", rec.Code)
	}
	if rec := renew("", "x"); rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="f-call-error"`) {
		t.Errorf("no call: %d", rec.Code)
	}
	if rec := renew(e.call.PublicID, "x"); rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="f-email-error"`) {
		t.Errorf("a wrong address: %d", rec.Code)
	}
	if rec := e.do(request{method: "GET", path: "/appels/lien-perdu?appel=" + e.call.PublicID}); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), `<option value="`+e.call.PublicID+`" selected>`) {
		t.Errorf("the lost-link page: %d", rec.Code)
	}
}

func TestCandidateFile_AnswerAQuestion(t *testing.T) {
	e := newCandidateEnv(t)
	secret := e.start(t)
	var question int64
	err := e.db.Write(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), `INSERT INTO application_events (application_id, at, by_user, by_name, kind, body)
			SELECT id, $1, $2, $3, 'question', 'Le local est-il accessible ?' FROM applications RETURNING id`, tx.Now, e.coord.ID, e.coord.Name).Scan(&question)
	})
	if err != nil {
		t.Fatal(err)
	}
	base := "/candidature/" + secret
	field := "answer-" + itoa(question)
	body := e.do(request{method: "GET", path: base}).Body.String()
	// A draft's page has one form: the answer is sent with the file's.
	if !strings.Contains(body, "Le local est-il accessible ?") || !strings.Contains(body, `name="`+field+`" form="dossier"`) ||
		!strings.Contains(body, `form="dossier" name="reply" value="`+itoa(question)+`"`) {
		t.Fatalf("the question and its answer's field are not shown")
	}
	typed := url.Values{"answers": {"1"}, "q.premises": {"Une grange"}, "reply": {itoa(question)}, field: {"  "}}
	rec := e.do(request{method: "POST", path: base, form: typed})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="f-answer-`+itoa(question)+`-error"`) || !strings.Contains(rec.Body.String(), "Une grange</textarea>") {
		t.Errorf("an empty answer: %d, or the answers typed lost", rec.Code)
	}
	unknown := url.Values{"reply": {"999999"}, "answer-999999": {"Oui"}}
	if rec := e.do(request{method: "POST", path: base, form: unknown}); rec.Code != http.StatusNotFound {
		t.Errorf("an unknown question: %d", rec.Code)
	}
	typed.Set(field, "Oui, de plain-pied par la cour.")
	if rec := e.do(request{method: "POST", path: base, form: typed}); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != base+"#questions" {
		t.Fatalf("answer: %d %s", rec.Code, rec.Body)
	}
	if mail := e.outbox()[0]; !strings.HasPrefix(mail, "coord@example.fr\n") || !strings.Contains(mail, "de plain-pied par la cour") {
		t.Errorf("the email to the coordinator: %q", mail)
	}
	body = e.do(request{method: "GET", path: base}).Body.String()
	if !strings.Contains(body, "Oui, de plain-pied par la cour.") || strings.Contains(body, `name="reply"`) || !strings.Contains(body, "Une grange</textarea>") {
		t.Errorf("the answer is not shown, the field still is, or the answers typed beside it were lost")
	}
	// A file sent has no form of its own any more: a question's answer
	// then has its own.
	var second int64
	if err := e.db.Write(context.Background(), func(tx *db.Tx) error {
		if _, err := tx.ExecContext(context.Background(), `UPDATE applications SET state = 'submitted', submitted_at = $1`, tx.Now); err != nil {
			return err
		}
		return tx.QueryRowContext(context.Background(), `INSERT INTO application_events (application_id, at, by_user, by_name, kind, body)
			SELECT id, $1, $2, $3, 'question', 'Combien de places ?' FROM applications RETURNING id`, tx.Now, e.coord.ID, e.coord.Name).Scan(&second)
	}); err != nil {
		t.Fatal(err)
	}
	action := base + "/reponses/" + itoa(second)
	if body := e.do(request{method: "GET", path: base}).Body.String(); !strings.Contains(body, `action="`+action+`"`) || strings.Contains(body, `form="dossier"`) {
		t.Fatalf("the sent file's question has no form of its own")
	}
	rec = e.do(request{method: "POST", path: action, form: url.Values{"answer-" + itoa(second): {""}}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="f-answer-`+itoa(second)+`-error"`) {
		t.Errorf("an empty answer to the sent file: %d", rec.Code)
	}
	if rec := e.do(request{method: "POST", path: action, form: url.Values{"answer-" + itoa(second): {"Six."}}}); rec.Code != http.StatusSeeOther {
		t.Errorf("an answer to the sent file: %d", rec.Code)
	}
}

// A document's button sends the whole file's form: what the candidate
// typed and did not save yet is kept with the document, or shown again
// when the document is refused, nothing changed.
func TestCandidateFile_DocumentsKeepTheAnswersTyped(t *testing.T) {
	e := newCandidateEnv(t)
	secret := e.start(t)
	base := "/candidature/" + secret
	saved := func() string {
		t.Helper()
		a, err := e.srv.Calls.BySecret(context.Background(), secret)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(a.Answers.Form()["q.premises"], "")
	}
	typed := url.Values{"answers": {"1"}, "q.premises": {"Une grange"}}
	if rec := e.upload(base, typed, "statutes", "statuts.pdf", testPDF); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != base+"#documents" {
		t.Fatalf("upload: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if got := saved(); got != "Une grange" {
		t.Errorf("the answer typed beside the upload: %q saved", got)
	}
	typed.Set("q.premises", "Une grange rénovée")
	rec := e.upload(base, typed, "statutes", "statuts.pdf", smallPNG(t))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Une grange rénovée</textarea>") || !strings.Contains(rec.Body.String(), `id="f-doc.statutes-error"`) {
		t.Errorf("a refused document: %d, the typed answer or the message missing", rec.Code)
	}
	if got := saved(); got != "Une grange" {
		t.Errorf("a refused document changed the answers: %q", got)
	}
	var docID string
	if err := e.db.SQL.QueryRow(`SELECT public_id FROM application_documents`).Scan(&docID); err != nil {
		t.Fatal(err)
	}
	typed.Set("delete", docID)
	if rec := e.do(request{method: "POST", path: base, form: typed}); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", rec.Code)
	}
	if got, n := saved(), e.count(`SELECT count(*) FROM application_documents`); got != "Une grange rénovée" || n != 0 {
		t.Errorf("after the deletion: answer %q, %d documents", got, n)
	}
	// A document's button pressed with no file chosen: said next to it.
	if rec := e.upload(base, typed, "premises", "", nil); rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="f-doc.premises-error"`) {
		t.Errorf("no file: %d", rec.Code)
	}
}

// TestCandidatePages_BothLanguagesShowNoKey renders every page of the
// candidates in French and in English: no message key shown as is, no
// formatting error, each in its own language.
func TestCandidatePages_BothLanguagesShowNoKey(t *testing.T) {
	e := newCandidateEnv(t)
	draft := e.start(t)
	submitted := e.start(t)
	for _, code := range []string{"statutes", "premises"} {
		if _, err := e.srv.Calls.UploadDocument(context.Background(), submitted, code, "f.pdf", testPDF); err != nil {
			t.Fatal(err)
		}
	}
	form := url.Values{"q.carrier": {"La commune"}, "q.premises": {"L’école"}, "q.connection": {"fibre"}, "q.animator": {"no"},
		"q.officials": {"oral"}, "q.motivations": {"Garder les actifs."}, "q.surface": {"80"}, "q.down_mbps": {"12.5"}}
	if _, err := e.srv.Calls.Submit(context.Background(), submitted, form, "2026-03-10"); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Write(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO application_events (application_id, at, by_user, kind, body)
			SELECT id, $1, $2, 'question', 'Une question ?' FROM applications WHERE state = 'submitted'`, tx.Now, e.coord.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`\b(ami|carrier|survey|error|form|nav)\.[a-z_]+(\.[a-z_]+)*\b`)
	pages := map[string]int{"/appels": 200, "/appels/" + e.call.PublicID: 200, "/appels/" + e.past.PublicID: 200, "/appels/" + e.call.PublicID + "/envoye": 200,
		"/appels/lien-perdu": 200, "/candidature/" + draft: 200, "/candidature/" + submitted: 200, "/candidature/inconnu": 410}
	words := map[string]string{"fr": "Appels", "en": "Calls"}
	for path, status := range pages {
		for lang, word := range words {
			rec := e.do(request{method: "GET", path: path, header: map[string]string{"Accept-Language": lang}})
			body := rec.Body.String()
			main := body[strings.Index(body, "<main"):]
			if rec.Code != status {
				t.Errorf("%s in %s: %d, want %d", path, lang, rec.Code, status)
			}
			if m := key.FindString(strings.ReplaceAll(main, "q.", "")); m != "" {
				t.Errorf("%s in %s shows the key %q", path, lang, m)
			}
			if strings.Contains(body, "%!") || !strings.Contains(body, ">"+word+"</span>") {
				t.Errorf("%s in %s: a formatting error, or not in its language", path, lang)
			}
		}
	}
	en := e.do(request{method: "GET", path: "/candidature/" + submitted, header: map[string]string{"Accept-Language": "en"}}).Body.String()
	for _, want := range []string{"Your answers", "Send my answer", "12.5\u00a0Mbit/s", "Submitted"} {
		if !strings.Contains(en, want) {
			t.Errorf("the submitted file in English lacks %q", want)
		}
	}
}
