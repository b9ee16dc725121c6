package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"coopconnect/internal/coop"
	"coopconnect/internal/survey"
)

// edCampaign opens a campaign on Forcalquier for the editor tests, open on
// the fixture's day, and returns it with its editor's address.
func (se *saEnv) edCampaign(t *testing.T) (survey.Survey, string) {
	t.Helper()
	sv, err := se.srv.Surveys.Create(t.Context(), se.coord, survey.Input{Title: "Forcalquier", Privacy: survey.DefaultPrivacy,
		OpensOn: "2026-03-01", ClosesOn: "2026-04-30", Areas: "04088"})
	if err != nil {
		t.Fatal(err)
	}
	return sv, "/gestion/enquetes/" + sv.PublicID + "/questionnaire"
}

// current reloads a campaign's current questionnaire.
func (se *saEnv) current(t *testing.T, sv survey.Survey) survey.Survey {
	t.Helper()
	sv, err := se.srv.Surveys.Get(t.Context(), sv.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// edQuestionForm is the edit form of a question as the editor fills it.
func edQuestionForm(q survey.Question) url.Values {
	f := url.Values{"action": {"save"}, "label_fr": {q.Label.FR}, "label_en": {q.Label.EN}, "help_fr": {q.Help.FR}, "help_en": {q.Help.EN},
		"section_fr": {q.Section.FR}, "section_en": {q.Section.EN}, "unit_fr": {q.Unit.FR}, "unit_en": {q.Unit.EN},
		"low_fr": {q.Low.FR}, "low_en": {q.Low.EN}, "high_fr": {q.High.FR}, "high_en": {q.High.EN},
		"base": {coop.Fingerprint(q)}} // as the page puts it
	if q.Required {
		f.Set("required", "on")
	}
	if q.Other {
		f.Set("other", "on")
	}
	if q.Integer {
		f.Set("integer", "on")
	}
	var lines []string
	for _, o := range q.Options {
		lines = append(lines, o.Code+" | "+o.Label.FR+" | "+o.Label.EN)
	}
	f.Set("options", strings.Join(lines, "\n"))
	if q.Min != nil {
		f.Set("min", formatNumber("fr", q.Min))
	}
	if q.Max != nil {
		f.Set("max", formatNumber("fr", q.Max))
	}
	var bands []string
	for _, b := range q.Bands {
		bands = append(bands, formatNumber("fr", &b))
	}
	f.Set("bands", strings.Join(bands, " ; "))
	if c := q.ShowIf; c != nil {
		f.Set("cond_question", c.Question)
		f.Set("cond_any", strings.Join(c.AnyOf, ", "))
	}
	return f
}

func edQuestion(t *testing.T, sv survey.Survey, id string) survey.Question {
	t.Helper()
	q, ok := sv.Version.Questionnaire.Question(id)
	if !ok {
		t.Fatalf("no question %s", id)
	}
	return q
}

func TestSurveyEditor_TheFormRoundTripsEveryDefaultQuestion(t *testing.T) {
	se := newSAEnv(t)
	sv, path := se.edCampaign(t)
	code, body, _ := se.page(se.coord, "GET", path, nil)
	if code != 200 || !strings.Contains(body, se.fr("survey.editor.in_place", 1)) {
		t.Fatalf("editor: status %d, says edits stay in version 1: %v", code, strings.Contains(body, se.fr("survey.editor.in_place", 1)))
	}
	for i, q := range sv.Version.Questionnaire.Questions {
		if !strings.Contains(body, `id="f-q.`+q.ID+`"`) || !strings.Contains(body, se.fr("survey.editor.question_number", i+1)) {
			t.Errorf("the editor lacks question %d (%s) or its form", i+1, q.ID)
		}
	}
	// Saving each question unchanged, as its form shows it, changes nothing.
	for _, q := range sv.Version.Questionnaire.Questions {
		if code, body, _ := se.page(se.coord, "POST", path+"/questions/"+q.ID, edQuestionForm(q)); code != http.StatusSeeOther {
			t.Fatalf("saving %s unchanged: status %d\n%s", q.ID, code, body[:min(len(body), 400)])
		}
	}
	after := se.current(t, sv).Version.Questionnaire
	for i, q := range after.Questions {
		was, _ := json.Marshal(sv.Version.Questionnaire.Questions[i])
		now, _ := json.Marshal(q)
		if string(was) != string(now) {
			t.Errorf("question %s changed by an unchanged save:\n%s\nwas\n%s", q.ID, now, was)
		}
	}
}

func TestSurveyEditor_EditBeforeAnswersKeepsVersion1AfterAnAnswerMakesVersion2(t *testing.T) {
	se := newSAEnv(t)
	sv, path := se.edCampaign(t)
	q := edQuestion(t, sv, "comment")
	f := edQuestionForm(q)
	f.Set("label_fr", "Un dernier mot ?")
	if code, _, _ := se.page(se.coord, "POST", path+"/questions/comment", f); code != http.StatusSeeOther {
		t.Fatalf("edit: status %d", code)
	}
	sv = se.current(t, sv)
	if sv.Version.Number != 1 || edQuestion(t, sv, "comment").Label.FR != "Un dernier mot ?" {
		t.Fatalf("before any answer: version %d, label %q; want version 1 edited", sv.Version.Number, edQuestion(t, sv, "comment").Label.FR)
	}
	// One answer, given with version 1.
	a, err := sv.Version.Questionnaire.Parse(se.srv.Territory, map[string][]string{"q.home_commune": {"Forcalquier"}, "q.status": {"retired"}, "q.use_place": {"no"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := se.srv.Surveys.Submit(t.Context(), sv, "04088", a); err != nil {
		t.Fatal(err)
	}
	_, body, _ := se.page(se.coord, "GET", path, nil)
	if want := se.fr("survey.editor.will_version_one", 1, 2); !strings.Contains(body, want) {
		t.Errorf("the editor does not warn %q", want)
	}
	f = edQuestionForm(edQuestion(t, se.current(t, sv), "comment")) // the page reloaded
	f.Set("label_fr", "Autre chose à nous dire ?")
	code, _, _ := se.page(se.coord, "POST", path+"/questions/comment", f)
	if code != http.StatusSeeOther {
		t.Fatalf("edit after an answer: status %d", code)
	}
	versions, counts, err := se.srv.Surveys.Versions(t.Context(), sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 2 {
		t.Fatalf("%d versions, want 2", len(versions))
	}
	v1, v2 := versions[0], versions[1]
	if counts[v1.ID] != 1 || counts[v2.ID] != 0 {
		t.Errorf("answers per version = %d, %d; want the answer to keep version 1", counts[v1.ID], counts[v2.ID])
	}
	l1, _ := v1.Questionnaire.Question("comment")
	l2, _ := v2.Questionnaire.Question("comment")
	if l1.Label.FR != "Un dernier mot ?" || l2.Label.FR != "Autre chose à nous dire ?" {
		t.Errorf("labels: version 1 %q, version 2 %q", l1.Label.FR, l2.Label.FR)
	}
	_, body, _ = se.page(se.coord, "GET", "/gestion/enquetes/"+sv.PublicID, nil)
	if !strings.Contains(body, se.fr("survey.admin.version_n", 2)) || !strings.Contains(body, se.fr("survey.admin.version_n", 1)) {
		t.Error("the campaign page does not list both versions")
	}
	_, body, _ = se.page(se.coord, "GET", path, nil)
	if want := se.fr("survey.editor.in_place", 2); !strings.Contains(body, want) {
		t.Errorf("after the new version the editor should say %q", want)
	}
}

func TestSurveyEditor_InvalidEditsAre422AndSaveNothing(t *testing.T) {
	se := newSAEnv(t)
	sv, path := se.edCampaign(t)
	before := se.current(t, sv).Version.Questionnaire
	type attempt struct {
		name, question, key string
		form                url.Values
	}
	scale := edQuestionForm(edQuestion(t, sv, "meetups"))
	scale.Set("min", "5")
	scale.Set("max", "1")
	later := edQuestionForm(edQuestion(t, sv, "status"))
	later.Set("cond_question", "use_place")
	later.Set("cond_any", "regular")
	badNumber := edQuestionForm(edQuestion(t, sv, "commute_km"))
	badNumber.Set("max", "beaucoup")
	for _, a := range []attempt{
		{"scale with max < min", "meetups", "survey.editor.scale_invalid", scale},
		{"condition on a later question", "status", "survey.editor.condition_invalid", later},
		{"bound that is no number", "commute_km", "survey.editor.number_invalid", badNumber},
		{"moving a question above its condition", "work_commune", "survey.editor.condition_invalid", url.Values{"action": {"up"}}},
		{"deleting the residence question", "home_commune", "survey.editor.residence_required", url.Values{"action": {"delete"}}},
	} {
		code, body, _ := se.page(se.coord, "POST", path+"/questions/"+a.question, a.form)
		if code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", a.name, code)
			continue
		}
		if !strings.Contains(body, se.fr(a.key)) || !strings.Contains(body, se.fr("survey.editor.nothing_saved")) {
			t.Errorf("%s: the page does not say %q and that nothing was saved", a.name, se.fr(a.key))
		}
	}
	// The message sits next to its question, with the typed values kept.
	_, body, _ := se.page(se.coord, "POST", path+"/questions/meetups", scale)
	i := strings.Index(body, `id="q-meetups-error"`)
	if i < 0 {
		t.Fatal("no error in the scale's form")
	}
	rest := body[i+len(`id="q-meetups-error"`):]
	msgAt, nextAt := strings.Index(rest, se.fr("survey.editor.scale_invalid")), strings.Index(rest, `id="q-`)
	if msgAt < 0 || msgAt > nextAt || !strings.Contains(rest, `id="q-meetups-min" name="min" type="text" value="5"`) {
		t.Error("the scale's error is not shown in its own form with the typed bounds")
	}
	if after := se.current(t, sv).Version.Questionnaire; !edSameQuestionnaire(before, after) {
		t.Error("a refused edit changed the questionnaire")
	}
}

// edSameQuestionnaire compares the questions' ids, labels, bounds and conditions.
func edSameQuestionnaire(a, b survey.Questionnaire) bool {
	if len(a.Questions) != len(b.Questions) || a.Residence != b.Residence {
		return false
	}
	for i := range a.Questions {
		x, y := a.Questions[i], b.Questions[i]
		if x.ID != y.ID || x.Label != y.Label || (x.Min == nil) != (y.Min == nil) || (x.Max == nil) != (y.Max == nil) ||
			(x.Min != nil && *x.Min != *y.Min) || (x.Max != nil && *x.Max != *y.Max) || (x.ShowIf == nil) != (y.ShowIf == nil) {
			return false
		}
	}
	return true
}

func TestSurveyEditor_AddMoveDeleteQuestions(t *testing.T) {
	se := newSAEnv(t)
	sv, path := se.edCampaign(t)
	add := url.Values{"kind": {"single"}, "after": {"age"}, "label_fr": {"Avez-vous des enfants ?"}, "label_en": {"Do you have children?"},
		"options": {"yes | Oui | Yes\nNon"}, "cond_question": {"status"}, "cond_any": {"employee, self_employed"}}
	code, _, to := se.page(se.coord, "POST", path+"/questions", add)
	if code != http.StatusSeeOther || !strings.HasSuffix(to, "#q-avez_vous_des_enfants") {
		t.Fatalf("add: status %d to %q", code, to)
	}
	qn := se.current(t, sv).Version.Questionnaire
	i := slices.IndexFunc(qn.Questions, func(q survey.Question) bool { return q.ID == "avez_vous_des_enfants" })
	if i < 0 || qn.Questions[i-1].ID != "age" {
		t.Fatalf("the new question is at %d, want right after age", i)
	}
	q := qn.Questions[i]
	if q.Kind != survey.Single || len(q.Options) != 2 || q.Options[0].Code != "yes" || q.Options[1].Code != "non" || q.Options[1].Label.FR != "Non" ||
		q.ShowIf == nil || !slices.Equal(q.ShowIf.AnyOf, []string{"employee", "self_employed"}) {
		t.Errorf("added question = %+v", q)
	}
	// A scale added without bounds gets 1 to 5; a taken code is refused.
	if code, _, _ := se.page(se.coord, "POST", path+"/questions", url.Values{"kind": {"scale"}, "label_fr": {"Votre humeur"}, "id": {"mood"}}); code != http.StatusSeeOther {
		t.Fatalf("add a scale: status %d", code)
	}
	if q := edQuestion(t, se.current(t, sv), "mood"); q.Min == nil || *q.Min != 1 || *q.Max != 5 {
		t.Errorf("scale added with bounds %v–%v, want 1–5", q.Min, q.Max)
	}
	code, body, _ := se.page(se.coord, "POST", path+"/questions", url.Values{"kind": {"text"}, "label_fr": {"Encore"}, "id": {"mood"}})
	if code != 422 || !strings.Contains(body, se.fr("survey.editor.id_taken")) || !strings.Contains(body, `id="new-error"`) {
		t.Errorf("a taken code: status %d, want 422 with %q in the add form", code, se.fr("survey.editor.id_taken"))
	}
	// Move the new question up, then delete it.
	if code, _, _ := se.page(se.coord, "POST", path+"/questions/avez_vous_des_enfants", url.Values{"action": {"up"}}); code != http.StatusSeeOther {
		t.Fatalf("move up: status %d", code)
	}
	qn = se.current(t, sv).Version.Questionnaire
	if qn.Questions[i-1].ID != "avez_vous_des_enfants" || qn.Questions[i].ID != "age" {
		t.Errorf("after moving up: %s, %s", qn.Questions[i-1].ID, qn.Questions[i].ID)
	}
	if code, _, _ := se.page(se.coord, "POST", path+"/questions/avez_vous_des_enfants", url.Values{"action": {"delete"}}); code != http.StatusSeeOther {
		t.Fatalf("delete: status %d", code)
	}
	if _, ok := se.current(t, sv).Version.Questionnaire.Question("avez_vous_des_enfants"); ok {
		t.Error("the question is still there after its deletion")
	}
	if code, _, _ := se.page(se.coord, "POST", path+"/questions/inconnue", url.Values{"action": {"delete"}}); code != http.StatusNotFound {
		t.Errorf("an unknown question: status %d, want 404", code)
	}
}

// Two pages edit the same question (two coordinators, or two tabs): the
// second to save, from a page
// the first one's change has overtaken, is told, their text kept in the
// form, nothing saved; sending it again from there replaces the question.
// The settings likewise.
func TestSurveyEditor_AnEditFromAnOvertakenPageIsRefused(t *testing.T) {
	se := newSAEnv(t)
	sv, path := se.edCampaign(t)
	theirs := edQuestionForm(edQuestion(t, sv, "comment")) // one page
	mine := edQuestionForm(edQuestion(t, sv, "comment"))   // another, opened at the same time
	theirs.Set("label_fr", "Un dernier mot ?")
	if code, _, _ := se.page(se.coord, "POST", path+"/questions/comment", theirs); code != http.StatusSeeOther {
		t.Fatalf("the first save: %d", code)
	}
	mine.Set("label_fr", "Autre chose à ajouter ?")
	code, body, _ := se.page(se.coord, "POST", path+"/questions/comment", mine)
	if code != http.StatusConflict || !strings.Contains(body, se.fr("survey.editor.question_changed")) || !strings.Contains(body, `value="Autre chose à ajouter ?"`) {
		t.Fatalf("the overtaken save: %d, message or typed label missing", code)
	}
	if got := edQuestion(t, se.current(t, sv), "comment").Label.FR; got != "Un dernier mot ?" {
		t.Fatalf("the first change was undone: %q", got)
	}
	// Sent again from the page shown, with the question as it is now.
	m := regexp.MustCompile(`(?s)id="q-comment".*?name="base" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page shown again has no base for the question")
	}
	mine.Set("base", m[1])
	if code, _, _ := se.page(se.coord, "POST", path+"/questions/comment", mine); code != http.StatusSeeOther {
		t.Fatalf("sent again: %d", code)
	}
	if got := edQuestion(t, se.current(t, sv), "comment").Label.FR; got != "Autre chose à ajouter ?" {
		t.Errorf("after sending again: %q", got)
	}

	// The settings: a cross-tabulation added meanwhile is not dropped by
	// a page that did not show it.
	stale := url.Values{"residence": {"home_commune"}, "base": {settingsFingerprint(se.current(t, sv).Version.Questionnaire)}}
	added := url.Values{"residence": {"home_commune"}, "add_row": {"price_day"}, "add_col": {"age"}, "base": stale["base"]}
	if code, _, _ := se.page(se.coord, "POST", path+"/reglages", added); code != http.StatusSeeOther {
		t.Fatalf("settings: %d", code)
	}
	if code, body, _ := se.page(se.coord, "POST", path+"/reglages", stale); code != http.StatusConflict || !strings.Contains(body, se.fr("survey.editor.settings_changed")) {
		t.Errorf("overtaken settings: %d", code)
	}
	if qn := se.current(t, sv).Version.Questionnaire; !slices.Contains(qn.Crosstabs, survey.Crosstab{Row: "price_day", Col: "age"}) {
		t.Errorf("the cross-tabulation added meanwhile was dropped: %v", qn.Crosstabs)
	}
}

func TestSurveyEditor_Settings(t *testing.T) {
	se := newSAEnv(t)
	sv, path := se.edCampaign(t)
	// Keep one cross-tabulation, add another, count only regulars and
	// occasionals as the demand.
	form := url.Values{"residence": {"home_commune"}, "demand_question": {"use_place"}, "demand_any": {"regular, occasional"},
		"crosstab": {"use_place:status"}, "add_row": {"price_day"}, "add_col": {"age"},
		"base": {settingsFingerprint(sv.Version.Questionnaire)}}
	if code, _, _ := se.page(se.coord, "POST", path+"/reglages", form); code != http.StatusSeeOther {
		t.Fatalf("settings: status %d", code)
	}
	qn := se.current(t, sv).Version.Questionnaire
	want := []survey.Crosstab{{Row: "use_place", Col: "status"}, {Row: "price_day", Col: "age"}}
	if !slices.Equal(qn.Crosstabs, want) || qn.Demand == nil || !slices.Equal(qn.Demand.AnyOf, []string{"regular", "occasional"}) {
		t.Errorf("settings saved: crosstabs %v, demand %+v", qn.Crosstabs, qn.Demand)
	}
	// A free-text question in a cross-tabulation is refused.
	form.Set("add_row", "comment")
	form.Set("base", settingsFingerprint(qn))
	code, body, _ := se.page(se.coord, "POST", path+"/reglages", form)
	if code != 422 || !strings.Contains(body, se.fr("survey.editor.crosstab_invalid")) {
		t.Errorf("bad crosstab: status %d, want 422 with %q", code, se.fr("survey.editor.crosstab_invalid"))
	}
	if got := se.current(t, sv).Version.Questionnaire.Crosstabs; !slices.Equal(got, want) {
		t.Errorf("a refused setting changed the crosstabs: %v", got)
	}
}
