package web

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// surveyImportEnv is a campaign of a carrier on the demo EPCI, its
// manager, and a manager of another carrier.
type surveyImportEnv struct {
	*env
	sv                    survey.Survey
	manager, otherManager accounts.User
	cookie                *http.Cookie
}

func newSurveyImportEnv(t *testing.T) *surveyImportEnv {
	t.Helper()
	// After every answer of the samples.
	e := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2025, 6, 20, 9, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	coord := e.user("coord@example.fr", accounts.Coordinator)
	se := &surveyImportEnv{env: e, manager: e.user("gestion@example.fr", accounts.Manager), otherManager: e.user("autre@example.fr", accounts.Manager)}
	carrier, err := e.srv.Places.CreateCarrier(ctx, coord, places.CarrierInput{Name: "CC Pays de Forcalquier", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Places.AddManager(ctx, coord, carrier.ID, se.manager.Email); err != nil {
		t.Fatal(err)
	}
	se.sv, err = e.srv.Surveys.Create(ctx, coord, survey.Input{Title: "Besoins 2025", Privacy: survey.DefaultPrivacy, OpensOn: "2025-05-01", ClosesOn: "2025-07-31",
		Areas: "240400440, 04111", CarrierID: carrier.ID})
	if err != nil {
		t.Fatal(err)
	}
	se.cookie = e.session(se.manager)
	return se
}

func (se *surveyImportEnv) path() string { return "/gestion/enquetes/" + se.sv.PublicID + "/import" }

// uploadExport posts a file to the import form as a browser would.
func (se *surveyImportEnv) uploadExport(t *testing.T, cookie *http.Cookie, name string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest("POST", "http://localhost:8080"+se.path(), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	se.srv.ServeHTTP(rec, req)
	return rec
}

func (se *surveyImportEnv) sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "survey", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (se *surveyImportEnv) responses(t *testing.T) int {
	t.Helper()
	var n int
	if err := se.db.SQL.QueryRow(`SELECT count(*) FROM survey_responses WHERE survey_id = $1`, se.sv.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var surveyImportCheck = regexp.MustCompile(`name="check" value="([0-9a-f]+)"`)

// surveyImportText is a page's text, entities decoded and spaces plain.
func surveyImportText(body string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(html.UnescapeString(body))
}

func TestSurveyImport_UploadPreviewConfirm(t *testing.T) {
	se := newSurveyImportEnv(t)
	rec := se.uploadExport(t, se.cookie, "export-surveymonkey.csv", se.sample(t, "surveymonkey_bom.csv"))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), se.path()+"/") {
		t.Fatalf("upload: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	preview := rec.Header().Get("Location")

	rec = se.do(request{method: "GET", path: preview, cookie: se.cookie})
	body := surveyImportText(rec.Body.String())
	if rec.Code != http.StatusOK {
		t.Fatalf("preview: %d", rec.Code)
	}
	for _, want := range []string{"SurveyMonkey (CSV)", "avec BOM", "Les 6 lignes sont prêtes", "Importer les 6 réponses",
		"ignorée (donnée personnelle)", "date de réponse : seul le jour est gardé", "Respondent ID", "Case « Un poste de travail »",
		// The sample: Forcalquier from its name, the answer "other" with its text.
		"Forcalquier (04088)", "réponse du lundi 2 juin 2025", "Autre (« Agricultrice »)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	for _, p := range []string{"92.184.105.23", "claire.martin@orange.fr", "Jean-Pierre", "114627883201"} {
		if strings.Contains(body, p) {
			t.Errorf("the preview shows %q", p)
		}
	}
	// Someone else's campaign is not found.
	if rec := se.do(request{method: "GET", path: preview, cookie: se.session(se.otherManager)}); rec.Code != http.StatusNotFound {
		t.Errorf("another manager's preview: %d", rec.Code)
	}
	m := surveyImportCheck.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no check in the confirm form")
	}
	rec = se.do(request{method: "POST", path: preview, form: url.Values{"action": {"import"}, "check": {m[1]}}, cookie: se.cookie})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != se.path() {
		t.Fatalf("confirm: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if n := se.responses(t); n != 6 {
		t.Errorf("%d answers, want 6", n)
	}
	list := surveyImportText(se.do(request{method: "GET", path: se.path(), cookie: se.cookie}).Body.String())
	if !strings.Contains(list, "export-surveymonkey.csv") || !strings.Contains(list, ": 6 réponses") {
		t.Errorf("the list of imports lacks the import")
	}
	if done := surveyImportText(se.do(request{method: "GET", path: preview, cookie: se.cookie}).Body.String()); !strings.Contains(done, "6 réponses enregistrées") {
		t.Errorf("the import's page does not say it is done")
	}

	// The same file again: refused next to the field, with the day.
	rec = se.uploadExport(t, se.cookie, "encore.csv", se.sample(t, "surveymonkey_bom.csv"))
	body = surveyImportText(rec.Body.String())
	today := se.srv.Catalogs.For("fr").Date(se.srv.Clock.Now())
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-file-error"`) || !strings.Contains(body, "déjà été importé dans cette enquête le "+today) {
		t.Errorf("the same file again: %d %q", rec.Code, body[strings.Index(body, "<main"):min(len(body), strings.Index(body, "<main")+3000)])
	}
	if n := se.responses(t); n != 6 {
		t.Errorf("%d answers after the refusal, want 6", n)
	}
}

func TestSurveyImport_BrokenFileListsEveryRowThenAMappingFixesOne(t *testing.T) {
	se := newSurveyImportEnv(t)
	// Not UTF-8: refused at once.
	latin1 := []byte("id,submitdate,lastpage,homecommune\n1,2025-05-12 09:41:27,3,Saint-\xC9tienne-les-Orgues\n")
	rec := se.uploadExport(t, se.cookie, "latin1.csv", latin1)
	if body := surveyImportText(rec.Body.String()); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "pas encodé en UTF-8 (ligne 2") {
		t.Errorf("a Windows-1252 file: %d", rec.Code)
	}

	rec = se.uploadExport(t, se.cookie, "casse.csv", se.sample(t, "limesurvey_casse.csv"))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d", rec.Code)
	}
	preview := rec.Header().Get("Location")
	body := surveyImportText(se.do(request{method: "GET", path: preview, cookie: se.cookie}).Body.String())
	for _, want := range []string{"9 lignes sont à corriger", "Lignes à corriger (9)",
		"« Dans quelle commune habitez-vous ? » (« Forcalqier » dans le fichier) : Cette commune est introuvable",
		"Saisissez un nombre entre 0 et 300", "« A9 » n’est associée à aucune réponse", "un guillemet est mal placé", "10 colonnes au lieu de 15",
		"réponse incomplète", "date de réponse illisible", "Saisissez un nombre entier", "Proposée d’après le rang de la sous-question"} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	for line := 4; line <= 12; line++ {
		if !strings.Contains(body, `<th scope="row">`+strconv.Itoa(line)+`</th>`) {
			t.Errorf("line %d is not listed", line)
		}
	}
	if strings.Contains(body, `value="import"`) {
		t.Error("the import is offered while rows are bad")
	}
	// Forcing the import anyway: back to the preview, nothing imported.
	rec = se.do(request{method: "POST", path: preview, form: url.Values{"action": {"import"}}, cookie: se.cookie})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != preview {
		t.Errorf("import of a broken file: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if n := se.responses(t); n != 0 {
		t.Errorf("%d answers after a refused import", n)
	}

	// The mapping form as sent by a browser, with A9 now the retired.
	_, imp, err := se.srv.Surveys.Import(context.Background(), se.manager, se.sv.PublicID, strings.TrimPrefix(preview, se.path()+"/"))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"action": {"save"}}
	for i, cm := range imp.Mapping.Columns {
		form.Set("col."+strconv.Itoa(i), importEncodeColumn(cm.Question, cm.Part))
		vals, _ := imp.Table.Values(i)
		for j, v := range vals {
			target := cm.Values[v.Value]
			if cm.Question == "status" && v.Value == "A9" {
				target = "retired"
			}
			form.Set("val."+strconv.Itoa(i)+"."+strconv.Itoa(j), target)
		}
	}
	rec = se.do(request{method: "POST", path: preview, form: form, cookie: se.cookie})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), preview) {
		t.Fatalf("save: %d %s", rec.Code, rec.Body.String())
	}
	body = surveyImportText(se.do(request{method: "GET", path: preview, cookie: se.cookie}).Body.String())
	if !strings.Contains(body, "8 lignes sont à corriger") || strings.Contains(body, `<th scope="row">6</th>`) {
		t.Errorf("after associating A9, line 6 is still bad")
	}

	// Two columns for the same answer: 422, the message next to both.
	status := form.Get("col.7")
	if status != "status" {
		t.Fatalf("column 7 is %q, want status", status)
	}
	form.Set("col.11", "status")
	rec = se.do(request{method: "POST", path: preview, form: form, cookie: se.cookie})
	body = surveyImportText(rec.Body.String())
	if rec.Code != http.StatusUnprocessableEntity || strings.Count(body, "Deux colonnes donnent la même réponse") < 2 || !strings.Contains(body, `id="f-col.11-error"`) {
		t.Errorf("two columns for one answer: %d", rec.Code)
	}
}

func TestSurveyImport_PagesInBothLanguagesShowNoKey(t *testing.T) {
	se := newSurveyImportEnv(t)
	ctx := context.Background()
	var imps []survey.Import
	for _, name := range []string{"limesurvey_casse.csv", "limesurvey_textes_pointvirgule.csv"} {
		imp, err := se.srv.Surveys.Upload(ctx, se.manager, se.sv.PublicID, name, se.sample(t, name))
		if err != nil {
			t.Fatal(err)
		}
		imps = append(imps, imp)
	}
	for _, lang := range []string{"fr", "en"} {
		var views map[string]viewer = map[string]viewer{}
		req := newRequest("GET", se.path(), lang)
		stateOf(req).user = &se.manager
		list, err := se.srv.surveyImportsView(req, se.sv.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		views["survey_import"] = list
		for i, imp := range imps {
			sv, imp, err := se.srv.Surveys.Import(ctx, se.manager, se.sv.PublicID, imp.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			views["survey_import_preview#"+strconv.Itoa(i)] = se.srv.surveyImportView(req, sv, imp, nil)
		}
		for name, v := range views {
			rec := httptestRecorder()
			if err := se.srv.render(rec, req, 200, strings.Split(name, "#")[0], v); err != nil {
				t.Fatalf("%s in %s: %v", name, lang, err)
			}
			body := rec.Body.String()
			if i := strings.Index(body, "survey.import."); i >= 0 {
				t.Errorf("%s in %s shows a key: %q", name, lang, body[i:min(len(body), i+60)])
			}
			if lang == "en" && (strings.Contains(body, "Réponse retenue") || strings.Contains(body, "à corriger")) {
				t.Errorf("%s in English shows French", name)
			}
		}
	}
}
