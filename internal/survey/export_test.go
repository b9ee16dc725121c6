package survey

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"coopconnect/internal/i18n"
)

func localizer(t *testing.T, lang string) *i18n.Localizer {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat.For(lang)
}

// sampleResults are hand-made results of a commune with hidden cells.
func sampleResults() Results {
	t := func(fr, en string) Text { return Text{FR: fr, EN: en} }
	status := Question{ID: "status", Kind: Single, Label: t("Quelle est votre situation\u00a0?", "What is your situation?")}
	km := Question{ID: "commute_km", Kind: Number, Label: t("Distance\u00a0?", "Distance?"), Unit: t("km", "km")}
	use := Question{ID: "use_place", Kind: Single, Label: t("Viendriez-vous\u00a0?", "Would you come?")}
	return Results{
		Scope:     Scope{Kind: "commune", Code: "04088", Name: "Forcalquier"},
		Responses: 42,
		Versions:  []VersionCount{{Number: 1, Responses: 12}, {Number: 2, Responses: 30}},
		Questions: []QuestionResult{
			{Question: status, Versions: []int{1, 2}, Answered: 40, Cells: []Cell{
				{Code: "employee", Label: t("Salarié·e", "Employee"), Count: 25, Proportion: 0.625, Low: 0.4712, High: 0.7575},
				{Code: "retired", Label: t("Retraité·e", "Retired"), Count: 12, Proportion: 0.3, Low: 0.1806, High: 0.4543},
				{Code: "job_seeker", Label: t("En recherche d'emploi", "Job seeker"), Hidden: true},
				{Code: "other", Label: t("Autre", "Other"), Hidden: true},
			}},
			{Question: km, Versions: []int{2}, Answered: 30, Cells: []Cell{
				{Code: "0", Label: t("moins de 10", "under 10"), Count: 14, Proportion: 14.0 / 30, Low: 0.3, High: 0.64},
				{Code: "1", Label: t("10 et plus", "10 and over"), Count: 16, Proportion: 16.0 / 30, Low: 0.36, High: 0.7},
			}, Summary: &Summary{N: 30, Mean: 12.5, Low: 9.125, High: 15.875, Median: 10, Unit: t("km", "km")}},
			{Question: Question{ID: "comment", Kind: FreeText, Label: t("Autre chose\u00a0?", "Anything else?")}, Versions: []int{1, 2}, Answered: 7},
			{Question: Question{ID: "age", Kind: Single, Label: t("Âge\u00a0?", "Age?")}, Versions: []int{2}, Hidden: true},
		},
		Crosstabs: []CrosstabResult{{Row: use, Col: status,
			RowLabels: []Text{t("Oui", "Yes"), t("Non", "No")}, ColLabels: []Text{t("Salarié·e", "Employee"), t("Retraité·e", "Retired")},
			Counts: [][]Cell{
				{{Count: 15, Proportion: 0.75, Low: 0.53, High: 0.89}, {Hidden: true}},
				{{Count: 10, Proportion: 0.5, Low: 0.3, High: 0.7}, {Hidden: true}},
			},
			RowTotals: []Cell{{Hidden: true}, {Hidden: true}}, ColTotals: []Cell{{Count: 25}, {Count: 12}},
			Total: 37, TotalShown: true}},
		Demand: &DemandEstimate{Count: 12, Answered: 40, Share: 0.3, Low: 0.1806, High: 0.4543, Active: 2500,
			Estimate: 750, EstimateLow: 452, EstimateHigh: 1136},
	}
}

func sampleSurvey() Survey { return Survey{PublicID: "abc234defg", Title: "Besoins 2026"} }

// readCSV checks the BOM and reads a ';'-separated file.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(b, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("no UTF-8 byte order mark: %q", b[:min(len(b), 10)])
	}
	r := csv.NewReader(bytes.NewReader(rest))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("not a ';' CSV: %v\n%s", err, rest)
	}
	return recs
}

// find returns the first record whose first fields are key (from col).
func find(t *testing.T, recs [][]string, col int, key ...string) []string {
	t.Helper()
	for _, r := range recs {
		if len(r) >= col+len(key) && slices.Equal(r[col:col+len(key)], key) {
			return r
		}
	}
	t.Fatalf("no row %v in %v", key, recs)
	return nil
}

func TestWriteResults_CSVForFrenchSpreadsheets(t *testing.T) {
	var b bytes.Buffer
	if err := WriteResults(&b, FormatCSV, sampleSurvey(), sampleResults(), localizer(t, "fr")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\r\n") {
		t.Error("lines do not end with CRLF")
	}
	recs := readCSV(t, b.Bytes())
	if len(recs[0]) != len(resultColumns) || recs[0][0] != "Territoire" || recs[0][7] != "Part (%)" {
		t.Fatalf("header %q", recs[0])
	}
	for _, r := range recs {
		if len(r) != len(resultColumns) {
			t.Errorf("row of %d fields: %q", len(r), r)
		}
	}
	if r := find(t, recs, 1, "responses"); r[0] != "Forcalquier" || r[6] != "42" {
		t.Errorf("responses row %q", r)
	}
	// employee: 25 of 40, 62,5 % from 47,1 % to 75,8 %, decimal commas.
	if r := find(t, recs, 1, "status"); r[3] != "40" || r[4] != "employee" || r[6] != "25" || r[7] != "62,5" || r[8] != "47,1" || r[9] != "75,8" || r[13] != "" {
		t.Errorf("employee row %q", r)
	}
	// A hidden cell has no number at all, and says why.
	hidden := find(t, recs, 4, "job_seeker")
	for i, f := range hidden[6:13] {
		if f != "" {
			t.Errorf("hidden cell shows %q in column %q", f, recs[0][6+i])
		}
	}
	if hidden[13] != "moins de 5" {
		t.Errorf("hidden cell: %q", hidden)
	}
	if r := find(t, recs, 4, "mean"); r[5] != "Moyenne (km)" || r[10] != "12,5" || r[11] != "9,13" || r[12] != "15,88" {
		t.Errorf("mean row %q", r)
	}
	if r := find(t, recs, 1, "age"); r[13] != "moins de 5" || r[3] != "" {
		t.Errorf("hidden question %q", r)
	}
	if r := find(t, recs, 4, "estimate"); r[1] != "demand" || r[10] != "750" || r[11] != "452" || r[12] != "1136" || !strings.Contains(r[5], "2\u202f500") {
		t.Errorf("demand row %q", r)
	}
	if r := find(t, recs, 4, "share"); r[3] != "40" || r[6] != "12" || r[7] != "30" {
		t.Errorf("demand share %q", r)
	}
}

func TestWriteResults_CSVHiddenTerritoryGivesNothingElse(t *testing.T) {
	r := Results{Scope: Scope{Kind: "commune", Code: "04001", Name: "Aiglun"}, Hidden: true}
	var b bytes.Buffer
	if err := WriteResults(&b, FormatCSV, sampleSurvey(), r, localizer(t, "en")); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, b.Bytes())
	if len(recs) != 2 || recs[1][1] != "responses" || recs[1][6] != "" || recs[1][13] != "fewer than 5" {
		t.Errorf("hidden territory: %q", recs)
	}
}

func TestWriteResults_XLSXOpensWithTheRows(t *testing.T) {
	var b bytes.Buffer
	if err := WriteResults(&b, FormatXLSX, sampleSurvey(), sampleResults(), localizer(t, "fr")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Résultats"}) {
		t.Errorf("sheets %q", got)
	}
	rows, err := f.GetRows("Résultats")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(resultRows(sampleResults(), localizer(t, "fr")))+1 {
		t.Errorf("%d rows", len(rows))
	}
	emp := find(t, rows, 4, "employee")
	if emp[6] != "25" || emp[7] != "62.5%" {
		t.Errorf("employee row %q", emp)
	}
	// The share is a number formatted as a percentage, not a text.
	v, err := f.GetCellValue("Résultats", "H"+strconv.Itoa(slices.IndexFunc(rows, func(r []string) bool { return len(r) > 4 && r[4] == "employee" })+1), excelize.Options{RawCellValue: true})
	if err != nil || v != "0.625" {
		t.Errorf("raw share %q, %v", v, err)
	}
	hidden := find(t, rows, 4, "job_seeker")
	for len(hidden) < len(resultColumns) {
		hidden = append(hidden, "")
	}
	if strings.Join(hidden[6:13], "") != "" || hidden[13] != "moins de 5" {
		t.Errorf("hidden cell %q", hidden)
	}
}

func TestNewResultsJSON_HiddenCellsHaveNoNumbers(t *testing.T) {
	var b bytes.Buffer
	if err := WriteResults(&b, FormatJSON, sampleSurvey(), sampleResults(), localizer(t, "en")); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Responses int `json:"responses"`
		Questions []struct {
			ID       string           `json:"id"`
			Label    string           `json:"label"`
			Answered *int             `json:"answered"`
			Hidden   bool             `json:"hidden"`
			Options  []map[string]any `json:"options"`
			Summary  map[string]any   `json:"summary"`
		} `json:"questions"`
		Crosstabs []struct {
			Cells [][]map[string]any `json:"cells"`
		} `json:"crosstabs"`
		Demand map[string]any `json:"demand"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Responses != 42 || len(doc.Questions) != 4 {
		t.Fatalf("%+v", doc)
	}
	st := doc.Questions[0]
	if st.Label != "What is your situation?" || *st.Answered != 40 {
		t.Errorf("status %+v", st)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if got := keys(st.Options[0]); !slices.Equal(got, []string{"ci_high", "ci_low", "code", "count", "hidden", "label", "proportion"}) {
		t.Errorf("visible option keys %v", got)
	}
	if st.Options[0]["count"] != 25.0 || st.Options[0]["proportion"] != 0.625 || st.Options[0]["ci_low"] != 0.4712 || st.Options[0]["hidden"] != false {
		t.Errorf("visible option %v", st.Options[0])
	}
	if got := keys(st.Options[2]); !slices.Equal(got, []string{"code", "hidden", "label"}) || st.Options[2]["hidden"] != true {
		t.Errorf("hidden option %v", st.Options[2])
	}
	km := doc.Questions[1]
	if km.Summary["mean"] != 12.5 || km.Summary["median"] != 10.0 || km.Summary["ci_low"] != 9.125 || km.Summary["ci_high"] != 15.875 || len(km.Options) != 2 {
		t.Errorf("number %+v", km)
	}
	if age := doc.Questions[3]; !age.Hidden || age.Answered != nil || age.Options != nil {
		t.Errorf("hidden question %+v", age)
	}
	if got := keys(doc.Crosstabs[0].Cells[0][1]); !slices.Equal(got, []string{"hidden", "label"}) {
		t.Errorf("hidden cross cell %v", got)
	}
	if doc.Demand["estimate"] != 750.0 || doc.Demand["active_population"] != 2500.0 {
		t.Errorf("demand %v", doc.Demand)
	}

	hidden := NewResultsJSON(sampleSurvey(), Results{Scope: Scope{Kind: "all"}, Hidden: true}, "fr")
	b2, _ := json.Marshal(hidden)
	if strings.Contains(string(b2), "responses") || !strings.Contains(string(b2), `"hidden":true`) || !strings.Contains(string(b2), `"questions":[]`) {
		t.Errorf("hidden territory %s", b2)
	}
}

func TestCheckFormat(t *testing.T) {
	for _, f := range Formats {
		if err := CheckFormat(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if CheckFormat("pdf") == nil || CheckFormat("") == nil {
		t.Error("an unknown format is accepted")
	}
}

// answerVersions are two versions: the second drops a question and adds
// an option.
func answerVersions() []Version {
	t := func(fr string) Text { return Text{FR: fr} }
	min0 := 0.0
	v1 := Questionnaire{Residence: "home", Questions: []Question{
		{ID: "home", Kind: Commune, Label: t("Commune")},
		{ID: "status", Kind: Single, Other: true, Label: t("Situation"), Options: []Option{{Code: "employee", Label: t("Salarié")}, {Code: "retired", Label: t("Retraité")}}},
		{ID: "where", Kind: Multiple, Label: t("Où"), Options: []Option{{Code: "home", Label: t("Chez moi")}, {Code: "cafe", Label: t("Café")}}},
		{ID: "km", Kind: Number, Min: &min0, Label: t("Distance")},
		{ID: "old", Kind: Single, Label: t("Ancienne"), Options: []Option{{Code: "a", Label: t("A")}, {Code: "b", Label: t("B")}}},
		{ID: "comment", Kind: FreeText, Label: t("Commentaire")},
	}}
	v2 := Questionnaire{Residence: "home", Questions: []Question{
		v1.Questions[0], v1.Questions[1],
		{ID: "where", Kind: Multiple, Label: t("Où donc"), Options: []Option{{Code: "home", Label: t("Chez moi")}, {Code: "third", Label: t("Tiers-lieu")}}},
		v1.Questions[3], v1.Questions[5],
	}}
	return []Version{{ID: 11, Number: 1, Questionnaire: v1}, {ID: 12, Number: 2, Questionnaire: v2}}
}

func num(f float64) *float64 { return &f }

func answerSample() ([]Version, []Response) {
	vs := answerVersions()
	return vs, []Response{
		{ID: 1, VersionID: 11, Day: "2026-03-02", Source: SourceWeb, Channel: "04088", Commune: "04088", Sheet: "S-SECRET", ImportID: 99, Answers: Answers{
			"home": {Text: "04088"}, "status": {Choices: []string{"other"}, Other: "Intermittent"}, "where": {Choices: []string{"cafe"}},
			"km": {Number: num(12.5)}, "old": {Choices: []string{"b"}}, "comment": {Text: "=HYPERLINK(\"x\")"}}},
		{ID: 2, VersionID: 12, Day: "2026-03-03", Source: SourcePaper, Answers: Answers{
			"home": {Text: "04001"}, "status": {Choices: []string{"retired"}}, "where": {Choices: []string{"home", "third"}}}},
	}
}

func writeAnswers(t *testing.T, format, lang string) []byte {
	t.Helper()
	vs, rs := answerSample()
	var b bytes.Buffer
	w, err := NewAnswersWriter(&b, format, AnswerColumns(vs), localizer(t, lang))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.Write(vs[r.VersionID-11], r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var wantAnswerHeader = []string{"jour", "source", "commune_du_lien", "version", "home", "status", "status.other",
	"where.home", "where.third", "where.cafe", "km", "comment", "old"}

func TestAnswers_CSVOneRowPerAnswerAndNothingElse(t *testing.T) {
	recs := readCSV(t, writeAnswers(t, FormatCSV, "fr"))
	if !slices.Equal(recs[0], wantAnswerHeader) {
		t.Fatalf("header\n got %q\nwant %q", recs[0], wantAnswerHeader)
	}
	want := [][]string{
		{"2026-03-02", "web", "04088", "1", "04088", "other", "Intermittent", "0", "", "1", "12,5", "'=HYPERLINK(\"x\")", "b"},
		{"2026-03-03", "paper", "", "2", "04001", "retired", "", "1", "1", "", "", "", ""},
	}
	if len(recs) != 3 {
		t.Fatalf("%d rows", len(recs))
	}
	for i, w := range want {
		if !slices.Equal(recs[i+1], w) {
			t.Errorf("row %d\n got %q\nwant %q", i+1, recs[i+1], w)
		}
	}
	if bytes.Contains(writeAnswers(t, FormatCSV, "fr"), []byte("S-SECRET")) {
		t.Error("the sheet number leaks")
	}
}

func TestAnswers_XLSXOpensWithRowsAndDictionary(t *testing.T) {
	f, err := excelize.OpenReader(bytes.NewReader(writeAnswers(t, FormatXLSX, "fr")))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Réponses", "Dictionnaire"}) {
		t.Fatalf("sheets %q", got)
	}
	rows, err := f.GetRows("Réponses")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !slices.Equal(rows[0], wantAnswerHeader) {
		t.Fatalf("rows %q", rows)
	}
	if r := rows[1]; r[2] != "04088" || r[4] != "04088" || r[6] != "Intermittent" || r[10] != "12.5" || r[11] != "=HYPERLINK(\"x\")" {
		t.Errorf("row 1 %q", r)
	}
	if formula, _ := f.GetCellFormula("Réponses", "L2"); formula != "" {
		t.Errorf("a typed answer became a formula: %q", formula)
	}
	dict, _ := f.GetRows("Dictionnaire")
	if len(dict) != len(wantAnswerHeader)-4+1 || !slices.Equal(dict[4], []string{"where.home", "Où donc", "Chez moi"}) {
		t.Errorf("dictionary %q", dict)
	}
}

func TestAnswers_JSON(t *testing.T) {
	var doc struct {
		Columns   []map[string]string `json:"columns"`
		Responses []map[string]any    `json:"responses"`
	}
	b := writeAnswers(t, FormatJSON, "en")
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if len(doc.Columns) != len(wantAnswerHeader)-4 || len(doc.Responses) != 2 {
		t.Fatalf("%s", b)
	}
	r := doc.Responses[0]
	var keys []string
	for k := range r {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"answers", "channel", "day", "source", "version"}) {
		t.Errorf("keys %v", keys)
	}
	a := r["answers"].(map[string]any)
	if a["km"] != 12.5 || a["where.cafe"] != 1.0 || a["where.home"] != 0.0 || a["home"] != "04088" || a["status.other"] != "Intermittent" {
		t.Errorf("answers %v", a)
	}
	if _, ok := a["where.third"]; ok {
		t.Error("an option the version did not offer is given")
	}
}
