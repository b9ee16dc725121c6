package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// resultsEnv is a campaign on the CC Pays Forcalquier – Montagne de Lure
// (240400440), run by a carrier's manager, with 50 answers: 40 from
// Forcalquier (04088), 8 from Saint-Étienne-les-Orgues (04178) and 2 from
// Fontienne (04087, under 5: hidden). Three job seekers, all in
// Forcalquier, make a hidden cell. An official reads Forcalquier only.
type resultsEnv struct {
	*env
	coord, mgr, otherMgr, official, stranger, member accounts.User
	sv                                               survey.Survey
}

func newResultsEnv(t *testing.T) *resultsEnv {
	t.Helper()
	e := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)))
	ctx := t.Context()
	re := &resultsEnv{env: e,
		coord:    e.user("coord@example.fr", accounts.Coordinator),
		mgr:      e.user("gestion@example.fr", accounts.Manager),
		otherMgr: e.user("autre@example.fr", accounts.Manager),
		official: e.user("elu@example.fr", accounts.Official),
		stranger: e.user("elu-ailleurs@example.fr", accounts.Official),
		member:   e.user("membre@example.fr", accounts.Member),
	}
	pl := e.srv.Places
	carrier, err := pl.CreateCarrier(ctx, re.coord, places.CarrierInput{Name: "CC Pays de Forcalquier", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.AddManager(ctx, re.coord, carrier.ID, re.mgr.Email); err != nil {
		t.Fatal(err)
	}
	other, err := pl.CreateCarrier(ctx, re.coord, places.CarrierInput{Name: "Autre porteur", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.AddManager(ctx, re.coord, other.ID, re.otherMgr.Email); err != nil {
		t.Fatal(err)
	}
	sv, err := e.srv.Surveys.Create(ctx, re.coord, survey.Input{Title: "Besoins du Pays de Forcalquier", Privacy: survey.DefaultPrivacy,
		OpensOn: "2026-03-01", ClosesOn: "2026-03-31", Areas: "240400440", CarrierID: carrier.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Surveys.SetOfficialAreas(ctx, re.coord, re.official.ID, "04088"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Surveys.SetOfficialAreas(ctx, re.coord, re.stranger.ID, "05061"); err != nil {
		t.Fatal(err)
	}
	submit := func(n int, commune, status, use string, km string) {
		for range n {
			form := map[string][]string{"q.home_commune": {commune}, "q.status": {status}, "q.use_place": {use}}
			if km != "" {
				form["q.commute_km"] = []string{km}
			}
			a, err := sv.Version.Questionnaire.Parse(e.srv.Territory, form)
			if err != nil {
				t.Fatalf("%v: %v", form, err)
			}
			if err := e.srv.Surveys.Submit(ctx, sv, commune, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	submit(15, "04088", "employee", "regular", "12")
	submit(10, "04088", "employee", "no", "30")
	submit(12, "04088", "retired", "occasional", "")
	submit(3, "04088", "job_seeker", "no", "")
	submit(8, "04178", "employee", "regular", "8")
	submit(2, "04087", "retired", "no", "")
	if re.sv, err = e.srv.Surveys.Get(ctx, sv.PublicID); err != nil {
		t.Fatal(err)
	}
	return re
}

func (re *resultsEnv) get(u accounts.User, path string) *httptest.ResponseRecorder {
	re.t.Helper()
	return re.do(request{method: "GET", path: path, cookie: re.session(u)})
}

func (re *resultsEnv) api(u accounts.User, path string) *httptest.ResponseRecorder {
	re.t.Helper()
	tok, err := re.acc.CreateAPIToken(re.t.Context(), u.ID, "test")
	if err != nil {
		re.t.Fatal(err)
	}
	return re.do(request{method: "GET", path: path, bearer: tok})
}

func (re *resultsEnv) page() string { return "/enquetes/" + re.sv.PublicID + "/resultats" }

// text is a page's body as a reader sees it.
func text(rec *httptest.ResponseRecorder) string { return html.UnescapeString(rec.Body.String()) }

func TestSurveyResults_PageHidesSmallCellsAndShowsTheRest(t *testing.T) {
	re := newResultsEnv(t)
	rec := re.get(re.coord, re.page())
	if rec.Code != 200 {
		t.Fatalf("status %d\n%s", rec.Code, rec.Body)
	}
	body := text(rec)
	for _, want := range []string{
		"Résultats\u00a0: Tout le territoire de l’enquête",
		"<dd>50</dd>",
		"v1\u00a0: 50 réponses",
		// The three job seekers are a hidden cell: no number for them.
		`En recherche d'emploi</th><td colspan="3" class="results-hidden">moins de 5</td>`,
		// 33 employees of 50: 66 %, Wilson's interval.
		`Salarié·e du privé</th><td>33</td><td>66` + "\u00a0%</td><td>" + wilsonText(33, 50) + "</td>",
		// The number question's summary, in km.
		"Moyenne", "km",
		// The estimated demand, with its method and its honesty.
		"usagers réguliers probables", "population active de 15 à 64 ans", "plafond",
		// The communes: Fontienne's two answers hidden.
		`Fontienne</a></th><td>CC Pays Forcalquier et Montagne de Lure</td><td class="results-hidden">moins de 5</td>`,
		`Forcalquier</a></th><td>CC Pays Forcalquier et Montagne de Lure</td><td>40</td>`,
		`class="map-svg" role="img" aria-labelledby="map-caption"`, `<figcaption id="map-caption">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Every chart is named by its caption.
	for _, m := range regexp.MustCompile(`<svg class="chart-svg" role="img" aria-labelledby="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, `<figcaption id="`+m[1]+`">`) {
			t.Errorf("chart labelled by %q, which is no caption", m[1])
		}
	}
	// The questions answered by 5 or more have a chart; the others say why not.
	for _, id := range []string{"status", "commute_km", "use_place"} {
		if !strings.Contains(body, `aria-labelledby="chart-`+id+`"`) {
			t.Errorf("no chart for %s", id)
		}
	}
	if !strings.Contains(body, "Moins de 5 répondants à cette question : ses résultats ne sont pas publiés.") {
		t.Error("an unanswered question does not say why it shows nothing")
	}
	// No hidden count leaks: Fontienne's 2 and the job seekers' 3.
	if regexp.MustCompile(`Fontienne[^<]*\(2 `).MatchString(body) || strings.Contains(body, "Fontienne\u00a0: 2") {
		t.Error("Fontienne's count leaks")
	}
	if !strings.Contains(body, "Fontienne (moins de 5 réponses)") {
		t.Error("the chooser does not say Fontienne has fewer than 5 answers")
	}
	// The manager of the campaign may download the anonymous answers.
	if !strings.Contains(body, "/gestion/enquetes/"+re.sv.PublicID+"/reponses?format=csv") {
		t.Error("no link to the answers export for the campaign's coordinator")
	}

	// A commune under 5 answers: nothing but the count, hidden.
	body = text(re.get(re.mgr, re.page()+"?territoire=04087"))
	if !strings.Contains(body, "Moins de 5 réponses dans ce territoire") || strings.Contains(body, `class="chart-svg"`) {
		t.Error("a commune under 5 answers shows results")
	}
	// An EPCI of the campaign; a territory outside it is not found.
	if rec := re.get(re.mgr, re.page()+"?territoire=240400440"); rec.Code != 200 || !strings.Contains(text(rec), "Résultats\u00a0: CC Pays Forcalquier et Montagne de Lure") {
		t.Errorf("EPCI: %d", rec.Code)
	}
	if rec := re.get(re.coord, re.page()+"?territoire=05061"); rec.Code != 404 {
		t.Errorf("a commune outside the campaign: %d, want 404", rec.Code)
	}
}

// wilsonText writes the interval of k/n as the page does.
func wilsonText(k, n int) string {
	lo, hi := survey.Wilson(k, n)
	pct := func(f float64) string { return strconv.Itoa(int(f*100+0.5)) + "\u00a0%" }
	return "de " + pct(lo) + " à " + pct(hi)
}

func TestSurveyResults_PageInEnglish(t *testing.T) {
	re := newResultsEnv(t)
	rec := re.do(request{method: "GET", path: re.page(), header: map[string]string{"Cookie": re.session(re.coord).String() + "; lang=en"}})
	body := text(rec)
	if rec.Code != 200 || !strings.Contains(body, "Results: The survey’s whole territory") || !strings.Contains(body, "fewer than 5") {
		t.Fatalf("status %d\n%s", rec.Code, body)
	}
	if i := strings.Index(body, ">results."); i >= 0 {
		t.Errorf("untranslated key near %q", body[i:i+40])
	}
	if strings.Contains(body, "moins de 5") {
		t.Error("French in the English page")
	}
}

func TestSurveyResults_WhoReadsWhat(t *testing.T) {
	re := newResultsEnv(t)
	page, export := re.page(), re.page()+"/export?format=csv"
	answers := "/gestion/enquetes/" + re.sv.PublicID + "/reponses?format=csv"
	results := "/api/v1/surveys/" + re.sv.PublicID + "/results"
	for _, c := range []struct {
		who  accounts.User
		path string
		want int
	}{
		{re.coord, page, 200}, {re.mgr, page, 200},
		// The official opens on their commune; other territories are refused.
		{re.official, page, 200},
		{re.official, page + "?territoire=04088", 200},
		{re.official, page + "?territoire=240400440", 403},
		{re.official, page + "?territoire=04178", 403},
		{re.official, export + "&territoire=04088", 200},
		{re.official, export, 403},
		{re.official, export + "&territoire=04178", 403},
		{re.official, answers, 403},
		// An official of elsewhere, another carrier's manager: not found.
		{re.stranger, page, 404}, {re.stranger, export + "&territoire=04088", 404},
		{re.otherMgr, page, 404}, {re.otherMgr, answers, 404},
		{re.member, page, 403}, {re.member, export, 403}, {re.member, answers, 403},
		{re.mgr, answers, 200}, {re.coord, answers, 200},
		{re.coord, export + "x", 422}, {re.coord, "/enquetes/inconnue/resultats", 404},
	} {
		if got := re.get(c.who, c.path).Code; got != c.want {
			t.Errorf("%s %s: %d, want %d", c.who.Email, c.path, got, c.want)
		}
	}
	for _, c := range []struct {
		who  accounts.User
		path string
		want int
	}{
		{re.official, results + "?territory=04088", 200},
		{re.official, results, 403},
		{re.official, results + "?territory=04178", 403},
		{re.stranger, results + "?territory=04088", 404},
		{re.otherMgr, results, 404},
		{re.member, results, 403},
		{re.mgr, results + "?territory=240400440", 200},
		{re.coord, results + "?territory=05061", 404},
	} {
		if got := re.api(c.who, c.path).Code; got != c.want {
			t.Errorf("API %s %s: %d, want %d", c.who.Email, c.path, got, c.want)
		}
	}
	// The official's page: their commune, nothing of the rest.
	body := text(re.get(re.official, page))
	if !strings.Contains(body, "Résultats\u00a0: Forcalquier") || !strings.Contains(body, "<dd>40</dd>") {
		t.Error("the official's page does not open on Forcalquier")
	}
	for _, other := range []string{"Saint-Étienne-les-Orgues", "Tout le territoire de l’enquête (", "Fontienne", "/reponses?format="} {
		if strings.Contains(body, other) {
			t.Errorf("the official's page shows %q", other)
		}
	}
}

func TestSurveyResults_Exports(t *testing.T) {
	re := newResultsEnv(t)
	// CSV for French spreadsheets: BOM, ';', decimal commas, hidden cells
	// without numbers.
	rec := re.get(re.official, re.page()+"/export?format=csv&territoire=04088")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "resultats-"+re.sv.PublicID+"-04088.csv") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	b := rec.Body.Bytes()
	rest, ok := bytes.CutPrefix(b, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatal("no byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(rest))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	row := func(code string) []string {
		for _, rec := range recs {
			if rec[1] == "status" && rec[4] == code {
				return rec
			}
		}
		t.Fatalf("no status %s row in %q", code, recs)
		return nil
	}
	// Forcalquier: 25 employees of 40, 62,5 %.
	if emp := row("employee"); emp[0] != "Forcalquier" || emp[6] != "25" || emp[7] != "62,5" || emp[9] != "75,8" {
		t.Errorf("employee %q", emp)
	}
	if js := row("job_seeker"); strings.Join(js[6:13], "") != "" || js[13] != "moins de 5" {
		t.Errorf("job seekers %q", js)
	}

	// XLSX opens and has the rows.
	rec = re.get(re.coord, re.page()+"/export?format=xlsx")
	f, err := excelize.OpenReader(rec.Body)
	if err != nil {
		t.Fatalf("%d: %v", rec.Code, err)
	}
	rows, err := f.GetRows("Résultats")
	f.Close()
	if err != nil || len(rows) < 20 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	for _, r := range rows {
		if len(r) > 4 && r[1] == "status" && r[4] == "job_seeker" && len(r) > 6 && r[6] != "" {
			t.Errorf("hidden cell with a count: %q", r)
		}
		if len(r) > 6 && r[1] == "responses" && r[6] != "50" {
			t.Errorf("responses %q", r)
		}
	}

	// JSON is the API's shape.
	rec = re.get(re.coord, re.page()+"/export?format=json&territoire=04088")
	var doc survey.ResultsJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Responses == nil || *doc.Responses != 40 {
		t.Errorf("JSON export: %v %s", err, rec.Body)
	}

	// The anonymous answers: one row each, the fixed columns then the
	// questions, nothing else.
	rec = re.get(re.mgr, "/gestion/enquetes/"+re.sv.PublicID+"/reponses?format=csv")
	rest, ok = bytes.CutPrefix(rec.Body.Bytes(), []byte("\xef\xbb\xbf"))
	r = csv.NewReader(bytes.NewReader(rest))
	r.Comma = ';'
	recs, err = r.ReadAll()
	if !ok || err != nil || len(recs) != 51 {
		t.Fatalf("answers: BOM %v, %v, %d rows", ok, err, len(recs))
	}
	if !slices.Equal(recs[0][:7], []string{"jour", "source", "commune_du_lien", "version", "home_commune", "status", "status.other"}) {
		t.Errorf("header %q", recs[0])
	}
	if first := recs[1]; first[0] != "2026-03-10" || first[1] != "web" || first[2] != "04088" || first[3] != "1" || first[4] != "04088" || first[5] != "employee" {
		t.Errorf("first answer %q", first)
	}
	for _, h := range recs[0][4:] {
		q, _, _ := strings.Cut(h, ".")
		if _, ok := re.sv.Version.Questionnaire.Question(q); !ok {
			t.Errorf("column %q is no question", h)
		}
	}
	rec = re.get(re.coord, "/gestion/enquetes/"+re.sv.PublicID+"/reponses?format=xlsx")
	f, err = excelize.OpenReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, _ := f.GetRows("Réponses"); len(rows) != 51 {
		t.Errorf("%d rows in the answers workbook", len(rows))
	}
	rec = re.get(re.coord, "/gestion/enquetes/"+re.sv.PublicID+"/reponses?format=json")
	var answers struct {
		Responses []json.RawMessage `json:"responses"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answers); err != nil || len(answers.Responses) != 50 {
		t.Errorf("answers JSON: %v, %d", err, len(answers.Responses))
	}
}

func TestResultsPage_CrosstabsWithRowPercentages(t *testing.T) {
	l := loc(t, "fr")
	st := survey.Question{ID: "status", Label: survey.Text{FR: "Situation"}}
	use := survey.Question{ID: "use_place", Label: survey.Text{FR: "Viendriez-vous"}}
	x := survey.CrosstabResult{Row: use, Col: st,
		RowLabels: []survey.Text{{FR: "Oui"}, {FR: "Non"}}, ColLabels: []survey.Text{{FR: "Salarié"}, {FR: "Retraité"}},
		Counts: [][]survey.Cell{
			{{Count: 15, Proportion: 0.75, Low: 0.53, High: 0.89}, {Count: 5, Proportion: 0.25, Low: 0.11, High: 0.47}},
			{{Hidden: true}, {Hidden: true}},
		},
		RowTotals: []survey.Cell{{Count: 20}, {Hidden: true}}, ColTotals: []survey.Cell{{Count: 18}, {Hidden: true}}, Total: 23, TotalShown: true}
	v := resCrosstabOf(l, 0, x)
	want := resCrosstab{ID: "crosstab-1", Caption: "«\u00a0Viendriez-vous\u00a0» selon «\u00a0Situation\u00a0»", RowTitle: "Viendriez-vous",
		Cols: []string{"Salarié", "Retraité"}, Total: "23",
		Rows: []resCrossRow{
			{Label: "Oui", Cells: []resCrossCell{{Count: "15", Share: "75\u00a0%", Interval: "de 53\u00a0% à 89\u00a0%"}, {Count: "5", Share: "25\u00a0%", Interval: "de 11\u00a0% à 47\u00a0%"}}, Total: resCrossCell{Count: "20"}},
			{Label: "Non", Cells: []resCrossCell{{Count: "moins de 5", Hidden: true}, {Count: "moins de 5", Hidden: true}}, Total: resCrossCell{Count: "moins de 5", Hidden: true}},
		},
		ColTotals: []resCrossCell{{Count: "18"}, {Count: "moins de 5", Hidden: true}}}
	got, _ := json.Marshal(v)
	exp, _ := json.Marshal(want)
	if !bytes.Equal(got, exp) {
		t.Errorf("crosstab\n got %s\nwant %s", got, exp)
	}
}

func TestResultsPage_EveryPartInBothLanguages(t *testing.T) {
	e := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)))
	coord := e.user("c@example.fr", accounts.Coordinator)
	tx := func(fr string) survey.Text { return survey.Text{FR: fr, EN: fr + " (en)"} }
	use := survey.Question{ID: "use_place", Kind: survey.Single, Label: tx("Viendriez-vous"), Section: tx("Un lieu"),
		Options: []survey.Option{{Code: "regular", Label: tx("Souvent")}, {Code: "no", Label: tx("Non")}}}
	qn := survey.Questionnaire{Questions: []survey.Question{use}, Demand: &survey.Demand{Question: "use_place", AnyOf: []string{"regular"}}}
	sv := survey.Survey{PublicID: "abc", Title: "Enquête", OpensOn: "2026-03-01", ClosesOn: "2026-03-31", Version: survey.Version{Number: 2, Questionnaire: qn}}
	res := survey.Results{Scope: survey.Scope{Kind: "all", Name: "Enquête"}, Responses: 12,
		Versions: []survey.VersionCount{{Number: 1, Responses: 5}, {Number: 2, Responses: 7}},
		Questions: []survey.QuestionResult{
			{Question: use, Versions: []int{1, 2}, Answered: 12, Cells: []survey.Cell{{Code: "regular", Label: tx("Souvent"), Count: 7, Proportion: 7.0 / 12, Low: 0.3, High: 0.8}, {Code: "no", Label: tx("Non"), Hidden: true}}},
			{Question: survey.Question{ID: "km", Kind: survey.Number, Label: tx("Distance"), Unit: tx("km")}, Versions: []int{2}, Answered: 7,
				Summary: &survey.Summary{N: 7, Mean: 12.25, Low: 8, High: 16.5, Median: 11, Unit: tx("km")}},
			{Question: survey.Question{ID: "comment", Kind: survey.FreeText, Label: tx("Autre chose")}, Versions: []int{1, 2}, Answered: 6},
			{Question: survey.Question{ID: "age", Kind: survey.Single, Label: tx("Âge")}, Versions: []int{1}, Hidden: true},
		},
		Crosstabs: []survey.CrosstabResult{{Row: use, Col: use, RowLabels: []survey.Text{tx("Souvent")}, ColLabels: []survey.Text{tx("Souvent")},
			Counts: [][]survey.Cell{{{Count: 7, Proportion: 1, Low: 0.6, High: 1}}}, RowTotals: []survey.Cell{{Count: 7}}, ColTotals: []survey.Cell{{Hidden: true}}}},
		Demand: &survey.DemandEstimate{Hidden: true, Active: 1998},
	}
	breakdown := []survey.ScopeCount{
		{Scope: survey.Scope{Kind: "all", Name: "Enquête"}, Responses: 12},
		{Scope: survey.Scope{Kind: "epci", Code: "240400440", Name: "CC"}, Responses: 12},
		{Scope: survey.Scope{Kind: "commune", Code: "04088", Name: "Forcalquier"}, EPCI: "240400440", Responses: 10, Lat: 43.96, Lon: 5.78},
		{Scope: survey.Scope{Kind: "commune", Code: "04087", Name: "Fontienne"}, EPCI: "240400440", Hidden: true, Lat: 44.01, Lon: 5.79},
	}
	cat := e.srv.Catalogs
	for _, lang := range []string{"fr", "en"} {
		req := newRequest("GET", "/enquetes/abc/resultats", lang)
		stateOf(req).user = &coord
		v := e.srv.resultsPage(req, resAccess{Survey: sv, All: true}, "", res, breakdown, true)
		rec := httptestRecorder()
		if err := e.srv.render(rec, req, 200, "survey_results", v); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		body := text(rec)
		for key := range cat["fr"] {
			if strings.HasPrefix(key, "results.") && strings.Contains(body, key) {
				t.Errorf("%s: untranslated %s", lang, key)
			}
		}
		less := cat.For(lang).T("results.less_than_min")
		for _, want := range []string{"v1", "12,25\u00a0km", "Fontienne", less, cat.For(lang).T("results.free_text_note"),
			cat.For(lang).T("results.demand.hidden", 5), cat.For(lang).T("results.question_hidden", 5), `class="map-svg"`} {
			if lang == "en" && want == "12,25\u00a0km" {
				want = "12.25\u00a0km"
			}
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q", lang, want)
			}
		}
		if lang == "en" && strings.Contains(body, "Souvent<") {
			t.Error("French option labels in the English page")
		}
	}
}
