package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
)

// The questionnaire editor works without JavaScript: every question has
// its own form, and each action (add, save, move, delete, settings) builds
// the whole modified questionnaire and hands it to SaveQuestionnaire,
// which checks it and makes a new version once answers exist. A refused
// change is shown again with its messages next to the questions, and
// nothing is saved.

// editorQuestion is one question as the editor shows it: its summary and
// the values of its form, as strings.
type editorQuestion struct {
	L *i18n.Localizer
	// N is the question's number (1-based); 0 in the form to add one.
	N        int
	ID       string
	Kind     survey.Kind
	Label    string // in the page's language
	Required bool
	CondText string
	Choices  []string // "code — label", for reading
	Range    string   // a scale's ends, for reading
	First    bool
	Last     bool
	Open     bool   // the form is shown unfolded
	Error    string // translated
	// Base fingerprints the question the form was filled from.
	Base string
	// The form's values.
	LabelFR, LabelEN, HelpFR, HelpEN, SectionFR, SectionEN string
	Options                                                string // "code | libellé | label en", one per line
	Other, Integer                                         bool
	Min, Max, Bands                                        string
	UnitFR, UnitEN, LowFR, LowEN, HighFR, HighEN           string
	CondQuestion, CondAny                                  string
	// CondChoices are the questions a condition may rest on (earlier
	// choice questions), CondHint the answers of the one chosen.
	CondChoices []option
	CondHint    string
	// KindChoices and After, in the form to add a question.
	KindChoices []option
	After       string
	AfterChoice []option
}

// T translates a message key.
func (q editorQuestion) T(key string, args ...any) string { return q.L.T(key, args...) }

// Prefix makes the form's element ids unique on the page.
func (q editorQuestion) Prefix() string {
	if q.N == 0 {
		return "new"
	}
	return "q-" + q.ID
}

// Anchor is the id the error summary links to.
func (q editorQuestion) Anchor() string {
	if q.N == 0 {
		return "f-new"
	}
	return "f-q." + q.ID
}

// editorField is an input, a check box or a select of a question's form.
type editorField struct {
	ID, Name, Label, Value, Hint string
	Checked, Required            bool
	ErrorID                      string // the question's error, for the first field
	Options                      []option
	Blank                        string // a select's empty choice
}

// In describes a text field of the form; the French label, the first
// field, is the one the error summary links to.
func (q editorQuestion) In(name, labelKey, value string) editorField {
	f := editorField{ID: q.Prefix() + "-" + name, Name: name, Label: q.T(labelKey), Value: value}
	if name == "label_fr" {
		f.ID, f.Required = q.Anchor(), true
		if q.Error != "" {
			f.ErrorID = q.Prefix() + "-error"
		}
	}
	if q.L.Has(labelKey + ".hint") {
		f.Hint = q.T(labelKey + ".hint")
	}
	return f
}

// Check describes a check box of the form.
func (q editorQuestion) Check(name, labelKey string, checked bool) editorField {
	f := q.In(name, labelKey, "on")
	f.Checked = checked
	return f
}

// Sel describes a select of the form, with an empty first choice when
// blankKey is set.
func (q editorQuestion) Sel(name, labelKey string, options []option, blankKey string) editorField {
	f := q.In(name, labelKey, "")
	f.Options = options
	if blankKey != "" {
		f.Blank = q.T(blankKey)
	}
	return f
}

// CondAnyField is the field of a condition's answers, with the codes of
// the question it rests on.
func (q editorQuestion) CondAnyField() editorField {
	f := q.In("cond_any", "survey.editor.cond_any", q.CondAny)
	if q.CondHint != "" {
		f.Hint = strings.TrimSpace(f.Hint + " " + q.CondHint)
	}
	return f
}

// Shows tells whether the form has the fields of a group of kinds:
// "options" (single, multiple), "number", "scale". The form to add a
// question has them all.
func (q editorQuestion) Shows(group string) bool {
	if q.N == 0 {
		return true
	}
	switch group {
	case "options":
		return q.Kind == survey.Single || q.Kind == survey.Multiple
	case "bounds":
		return q.Kind == survey.Number || q.Kind == survey.Scale
	case "number":
		return q.Kind == survey.Number
	case "scale":
		return q.Kind == survey.Scale
	}
	return false
}

// editorSettings is the questionnaire-level form.
type editorSettings struct {
	Residence      []option
	DemandQuestion []option
	DemandAny      string
	DemandHint     string
	Crosstabs      []editorCrosstab
	AddRow, AddCol []option
	Error          string
	Base           string // settingsFingerprint of the settings shown
}

// editorCrosstab is a cross-tabulation, kept when its box stays ticked.
type editorCrosstab struct {
	Value, Label string
	Checked      bool
}

// editorTarget is what the editor edits: a survey campaign's
// questionnaire, or the form of a call. The survey handlers and the call
// handlers build one; the page and the actions are the same.
type editorTarget struct {
	// Name is the owner's title; TitleKey the page title's key, with it;
	// LeadKey the key of the paragraph under it.
	Name, TitleKey, LeadKey string
	// Base is the editor's address, the actions post under it.
	Base string
	// Crumbs lead back to the owner's page.
	Crumbs []editorCrumb
	// FormURL is the form as respondents see it, when there is one.
	FormURL string
	// Note tells what saving will do (a new version, or nothing special
	// until the first file is submitted).
	Note func(l *i18n.Localizer) string
	// Settings: the residence question, the demand and the
	// cross-tabulations apply (surveys).
	Settings bool
	qn       survey.Questionnaire
	// save checks and stores a questionnaire made from the one base
	// fingerprints (coop.Fingerprint); it answers the flash message
	// shown after success (key and arguments). A coop.EInvalid,
	// coop.EPrecondition or coop.EConflict error is shown on the editor,
	// nothing saved.
	save func(r *http.Request, base string, qn survey.Questionnaire) (string, []int, error)
}

// editorCrumb is a link of the breadcrumb: a message key or a text.
type editorCrumb struct{ URL, Key, Text string }

// editorView is the questionnaire editor page.
type editorView struct {
	Page
	Target    editorTarget
	Crumbs    []editorCrumb // translated
	Note      string
	Questions []editorQuestion
	Add       editorQuestion
	Settings  editorSettings
	// Refused: the change asked was not saved.
	Refused bool
}

// editorInput is what the editor shows: the questionnaire, and the raw
// values of a form refused, with its problems (field → message key).
type editorInput struct {
	qn       survey.Questionnaire
	edited   string          // the question whose form shows raw values
	raw      *editorQuestion // those values
	add      *editorQuestion // the raw values of the form to add a question
	settings url.Values      // the raw values of the settings form
	problems map[string]string
}

// surveyEditorTarget is the editor of a survey campaign's current
// questionnaire: a change makes a new version once answers exist.
func (s *Server) surveyEditorTarget(r *http.Request, sv survey.Survey) (editorTarget, error) {
	versions, counts, err := s.Surveys.Versions(r.Context(), sv.ID)
	if err != nil {
		return editorTarget{}, err
	}
	answered := 0
	for _, ver := range versions {
		if ver.ID == sv.Version.ID {
			answered = counts[ver.ID]
		}
	}
	current := sv.Version.Number
	return editorTarget{
		Name: sv.Title, TitleKey: "survey.editor.title_named", LeadKey: "survey.editor.lead",
		Base:     "/gestion/enquetes/" + sv.PublicID + "/questionnaire",
		Crumbs:   []editorCrumb{{URL: "/gestion/enquetes", Key: "survey.admin.list_title"}, {URL: "/gestion/enquetes/" + sv.PublicID, Text: sv.Title}},
		FormURL:  "/enquetes/" + sv.PublicID,
		Settings: true,
		qn:       sv.Version.Questionnaire,
		Note: func(l *i18n.Localizer) string {
			switch answered {
			case 0:
				return l.T("survey.editor.in_place", current)
			case 1:
				return l.T("survey.editor.will_version_one", current, current+1)
			}
			return l.T("survey.editor.will_version", l.Number(int64(answered)), current, current+1)
		},
		save: func(r *http.Request, base string, qn survey.Questionnaire) (string, []int, error) {
			n, err := s.Surveys.SaveQuestionnaire(r.Context(), *stateOf(r).user, sv.PublicID, base, qn)
			if err != nil {
				return "", nil, err
			}
			if n > current {
				return "survey.editor.saved_new_version", []int{n, current}, nil
			}
			return "survey.editor.saved", []int{n}, nil
		},
	}, nil
}

func (s *Server) renderEditor(w http.ResponseWriter, r *http.Request, status int, t editorTarget, in editorInput) error {
	return s.render(w, r, status, "survey_editor", s.editorViewFor(r, t, in))
}

// editorViewOf builds the editor's page for a survey's questionnaire.
func (s *Server) editorViewOf(r *http.Request, sv survey.Survey, in editorInput) (*editorView, error) {
	t, err := s.surveyEditorTarget(r, sv)
	if err != nil {
		return nil, err
	}
	return s.editorViewFor(r, t, in), nil
}

// editorViewFor builds the editor's page for a target.
func (s *Server) editorViewFor(r *http.Request, t editorTarget, in editorInput) *editorView {
	v := &editorView{Page: s.newPage(r, "survey.editor.title"), Target: t}
	v.Title = v.T(t.TitleKey, t.Name)
	for _, c := range t.Crumbs {
		if c.Key != "" {
			c.Text = v.T(c.Key)
		}
		v.Crumbs = append(v.Crumbs, c)
	}
	if t.Note != nil {
		v.Note = t.Note(v.L)
	}
	qn := in.qn
	lang := v.Lang
	for i, q := range qn.Questions {
		eq := editorQuestionOf(v.L, lang, qn, i)
		if q.ID == in.edited && in.raw != nil {
			raw := *in.raw
			raw.L, raw.N, raw.ID, raw.Kind, raw.Label, raw.Required, raw.CondText, raw.Choices = eq.L, eq.N, eq.ID, eq.Kind, eq.Label, eq.Required, eq.CondText, eq.Choices
			raw.First, raw.Last, raw.CondChoices, raw.Base = eq.First, eq.Last, eq.CondChoices, eq.Base
			for j := range raw.CondChoices {
				raw.CondChoices[j].Selected = raw.CondChoices[j].Value == raw.CondQuestion
			}
			raw.Open = true
			eq = raw
		}
		if k, ok := in.problems["q."+q.ID]; ok {
			eq.Error = translate(v.L, k)
			eq.Open = true
		}
		v.Questions = append(v.Questions, eq)
	}
	v.Add = editorQuestion{L: v.L, Kind: survey.Single}
	if in.add != nil {
		v.Add = *in.add
		v.Add.L, v.Add.N = v.L, 0
		v.Add.Open = true
	}
	if k, ok := in.problems["new"]; ok {
		v.Add.Error = translate(v.L, k)
	}
	for _, k := range survey.Kinds {
		v.Add.KindChoices = append(v.Add.KindChoices, option{Value: string(k), Label: v.T("survey.editor.kind." + string(k)), Selected: k == v.Add.Kind})
	}
	v.Add.AfterChoice = append(v.Add.AfterChoice, option{Value: "", Label: v.T("survey.editor.at_end"), Selected: v.Add.After == ""},
		option{Value: "^", Label: v.T("survey.editor.at_start"), Selected: v.Add.After == "^"})
	for i, q := range qn.Questions {
		v.Add.AfterChoice = append(v.Add.AfterChoice, option{Value: q.ID, Label: v.T("survey.editor.after_question", i+1, q.Label.In(lang)), Selected: v.Add.After == q.ID})
	}
	v.Add.CondChoices = condChoices(v.L, lang, qn, len(qn.Questions), v.Add.CondQuestion)
	v.Settings = editorSettingsOf(v.L, lang, qn, in.settings)
	v.Settings.Base = settingsFingerprint(qn)
	if k, ok := in.problems["questionnaire"]; ok {
		v.Settings.Error = translate(v.L, k)
	}
	if len(in.problems) > 0 {
		v.Refused = true
		order := []string{"new"}
		for _, q := range qn.Questions {
			order = append(order, "q."+q.ID)
		}
		v.setProblems(&coop.Error{Code: coop.EInvalid, Fields: in.problems}, append(order, "questionnaire")...)
	}
	return v
}

// editorQuestionOf shows the i-th question of qn with its form filled in.
func editorQuestionOf(l *i18n.Localizer, lang string, qn survey.Questionnaire, i int) editorQuestion {
	q := qn.Questions[i]
	eq := editorQuestion{L: l, N: i + 1, ID: q.ID, Kind: q.Kind, Label: q.Label.In(lang), Required: q.Required, Base: coop.Fingerprint(q),
		First: i == 0, Last: i == len(qn.Questions)-1,
		LabelFR: q.Label.FR, LabelEN: q.Label.EN, HelpFR: q.Help.FR, HelpEN: q.Help.EN, SectionFR: q.Section.FR, SectionEN: q.Section.EN,
		Other: q.Other, Integer: q.Integer, Min: formatNumber(lang, q.Min), Max: formatNumber(lang, q.Max),
		UnitFR: q.Unit.FR, UnitEN: q.Unit.EN, LowFR: q.Low.FR, LowEN: q.Low.EN, HighFR: q.High.FR, HighEN: q.High.EN}
	lines := make([]string, len(q.Options))
	for j, o := range q.Options {
		lines[j] = o.Code + " | " + o.Label.FR
		if o.Label.EN != "" {
			lines[j] += " | " + o.Label.EN
		}
	}
	eq.Options = strings.Join(lines, "\n")
	bands := make([]string, len(q.Bands))
	for j, b := range q.Bands {
		bands[j] = formatNumber(lang, &b)
	}
	eq.Bands = strings.Join(bands, " ; ")
	switch q.Kind {
	case survey.Single, survey.Multiple:
		for _, o := range q.Choices() {
			eq.Choices = append(eq.Choices, o.Code+" — "+o.Label.In(lang))
		}
	case survey.Scale:
		if q.Min != nil && q.Max != nil {
			end := func(v *float64, label survey.Text) string {
				if t := label.In(lang); t != "" {
					return formatNumber(lang, v) + " (" + t + ")"
				}
				return formatNumber(lang, v)
			}
			eq.Range = l.T("survey.editor.scale_range", end(q.Min, q.Low), end(q.Max, q.High))
		}
	}
	if c := q.ShowIf; c != nil {
		eq.CondQuestion, eq.CondAny = c.Question, strings.Join(c.AnyOf, ", ")
		if j := slices.IndexFunc(qn.Questions, func(x survey.Question) bool { return x.ID == c.Question }); j >= 0 {
			var labels []string
			for _, code := range c.AnyOf {
				if o, ok := qn.Questions[j].Option(code); ok {
					labels = append(labels, o.Label.In(lang))
				} else {
					labels = append(labels, code)
				}
			}
			eq.CondText = l.T("survey.editor.shown_if", j+1, qn.Questions[j].Label.In(lang), strings.Join(labels, l.T("survey.editor.or")))
			eq.CondHint = l.T("survey.editor.answers_of", choiceCodes(qn.Questions[j], lang))
		}
	}
	eq.CondChoices = condChoices(l, lang, qn, i, eq.CondQuestion)
	return eq
}

// condChoices are the questions before the i-th a condition may rest on.
func condChoices(l *i18n.Localizer, lang string, qn survey.Questionnaire, i int, selected string) []option {
	var out []option
	for j, q := range qn.Questions[:i] {
		if q.Kind.Choice() {
			out = append(out, option{Value: q.ID, Label: l.T("survey.editor.question_n", j+1, q.Label.In(lang)), Selected: q.ID == selected})
		}
	}
	return out
}

// choiceCodes lists a choice question's answers as "code (label)".
func choiceCodes(q survey.Question, lang string) string {
	var parts []string
	for _, o := range q.Choices() {
		parts = append(parts, o.Code+" ("+o.Label.In(lang)+")")
	}
	return strings.Join(parts, ", ")
}

// editorSettingsOf fills the settings form from qn, or from the values
// of a refused form.
func editorSettingsOf(l *i18n.Localizer, lang string, qn survey.Questionnaire, raw url.Values) editorSettings {
	residence, demandQ, demandAny, addRow, addCol := qn.Residence, "", "", "", ""
	if qn.Demand != nil {
		demandQ, demandAny = qn.Demand.Question, strings.Join(qn.Demand.AnyOf, ", ")
	}
	kept := map[string]bool{}
	for _, x := range qn.Crosstabs {
		kept[x.Row+":"+x.Col] = true
	}
	if raw != nil {
		residence, demandQ, demandAny = raw.Get("residence"), raw.Get("demand_question"), raw.Get("demand_any")
		addRow, addCol = raw.Get("add_row"), raw.Get("add_col")
		kept = map[string]bool{}
		for _, v := range raw["crosstab"] {
			kept[v] = true
		}
	}
	var st editorSettings
	st.DemandAny = demandAny
	st.DemandQuestion = []option{{Value: "", Label: l.T("survey.editor.no_demand"), Selected: demandQ == ""}}
	st.AddRow = []option{{Value: "", Label: l.T("survey.editor.choose_question"), Selected: addRow == ""}}
	st.AddCol = []option{{Value: "", Label: l.T("survey.editor.choose_question"), Selected: addCol == ""}}
	for i, q := range qn.Questions {
		label := l.T("survey.editor.question_n", i+1, q.Label.In(lang))
		if q.Kind == survey.Commune && q.ShowIf == nil {
			st.Residence = append(st.Residence, option{Value: q.ID, Label: label, Selected: q.ID == residence})
		}
		if q.Kind.Choice() {
			st.DemandQuestion = append(st.DemandQuestion, option{Value: q.ID, Label: label, Selected: q.ID == demandQ})
			if q.ID == demandQ {
				st.DemandHint = l.T("survey.editor.answers_of", choiceCodes(q, lang))
			}
		}
		if q.Kind.Choice() || (q.Kind == survey.Number && len(q.Bands) > 0) {
			st.AddRow = append(st.AddRow, option{Value: q.ID, Label: label, Selected: q.ID == addRow})
			st.AddCol = append(st.AddCol, option{Value: q.ID, Label: label, Selected: q.ID == addCol})
		}
	}
	for _, x := range qn.Crosstabs {
		row, _ := qn.Question(x.Row)
		col, _ := qn.Question(x.Col)
		st.Crosstabs = append(st.Crosstabs, editorCrosstab{Value: x.Row + ":" + x.Col, Checked: kept[x.Row+":"+x.Col],
			Label: l.T("survey.editor.crosstab_label", cmpLabel(row, x.Row, lang), cmpLabel(col, x.Col, lang))})
	}
	return st
}

func cmpLabel(q survey.Question, id, lang string) string {
	if q.ID == "" {
		return id
	}
	return q.Label.In(lang)
}

// formatNumber writes a bound for a form field, with the French comma in
// French.
func formatNumber(lang string, f *float64) string {
	if f == nil {
		return ""
	}
	s := strconv.FormatFloat(*f, 'f', -1, 64)
	if lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// parseEditorNumber reads a number typed the French or the English way;
// empty is nil.
func parseEditorNumber(s string) (*float64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", ".").Replace(strings.TrimSpace(s))
	if s == "" {
		return nil, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e12 {
		return nil, false
	}
	return &f, true
}

// editorQuestionFrom reads a question's form.
func editorQuestionFrom(r *http.Request) editorQuestion {
	f := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	return editorQuestion{
		ID: f("id"), Kind: survey.Kind(f("kind")), After: r.PostFormValue("after"),
		LabelFR: f("label_fr"), LabelEN: f("label_en"), HelpFR: f("help_fr"), HelpEN: f("help_en"),
		SectionFR: f("section_fr"), SectionEN: f("section_en"), Required: f("required") == "on",
		Options: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("options"), "\r\n", "\n")), Other: f("other") == "on",
		Min: f("min"), Max: f("max"), Integer: f("integer") == "on", Bands: f("bands"),
		UnitFR: f("unit_fr"), UnitEN: f("unit_en"), LowFR: f("low_fr"), LowEN: f("low_en"), HighFR: f("high_fr"), HighEN: f("high_en"),
		CondQuestion: f("cond_question"), CondAny: f("cond_any"), Base: r.PostFormValue("base"),
	}
}

// settingsFingerprint fingerprints what the settings form changes.
func settingsFingerprint(qn survey.Questionnaire) string {
	return coop.Fingerprint([]any{qn.Residence, qn.Demand, qn.Crosstabs})
}

// build makes the question of a form, for a kind and an id; it returns
// the message key of what cannot be read.
func (f editorQuestion) build(kind survey.Kind, id string) (survey.Question, string) {
	q := survey.Question{ID: id, Kind: kind, Required: f.Required,
		Section: survey.Text{FR: f.SectionFR, EN: f.SectionEN}, Label: survey.Text{FR: f.LabelFR, EN: f.LabelEN},
		Help: survey.Text{FR: f.HelpFR, EN: f.HelpEN}}
	switch kind {
	case survey.Single, survey.Multiple:
		q.Other = f.Other
		taken := map[string]bool{survey.OtherCode: true}
		for _, o := range parseOptionLines(f.Options) {
			taken[o.Code] = true
		}
		for line := range strings.SplitSeq(f.Options, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			parts := strings.Split(line, "|")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			var o survey.Option
			switch len(parts) {
			case 1:
				o = survey.Option{Label: survey.Text{FR: parts[0]}}
			case 2:
				o = survey.Option{Code: parts[0], Label: survey.Text{FR: parts[1]}}
			case 3:
				o = survey.Option{Code: parts[0], Label: survey.Text{FR: parts[1], EN: parts[2]}}
			default:
				return q, "survey.editor.option_line_invalid"
			}
			if o.Code == "" {
				o.Code = uniqueSlug(o.Label.FR, "option", taken)
			}
			q.Options = append(q.Options, o)
		}
	case survey.Number, survey.Scale:
		var ok bool
		if q.Min, ok = parseEditorNumber(f.Min); !ok {
			return q, "survey.editor.number_invalid"
		}
		if q.Max, ok = parseEditorNumber(f.Max); !ok {
			return q, "survey.editor.number_invalid"
		}
		if kind == survey.Scale {
			q.Low, q.High = survey.Text{FR: f.LowFR, EN: f.LowEN}, survey.Text{FR: f.HighFR, EN: f.HighEN}
			break
		}
		q.Integer, q.Unit = f.Integer, survey.Text{FR: f.UnitFR, EN: f.UnitEN}
		for _, b := range strings.FieldsFunc(f.Bands, func(r rune) bool { return r == ';' || r == ' ' || r == '\n' || r == '\t' }) {
			n, ok := parseEditorNumber(strings.Trim(b, ","))
			if !ok || n == nil {
				return q, "survey.editor.bands_invalid"
			}
			q.Bands = append(q.Bands, *n)
		}
	}
	if f.CondQuestion != "" {
		codes := strings.FieldsFunc(f.CondAny, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' })
		q.ShowIf = &survey.Condition{Question: f.CondQuestion, AnyOf: codes}
	}
	return q, ""
}

// parseOptionLines reads the codes typed in an options field, to keep
// generated codes apart from them.
func parseOptionLines(text string) []survey.Option {
	var out []survey.Option
	for line := range strings.SplitSeq(text, "\n") {
		if code, _, ok := strings.Cut(line, "|"); ok && strings.TrimSpace(code) != "" {
			out = append(out, survey.Option{Code: strings.TrimSpace(code)})
		}
	}
	return out
}

// uniqueSlug makes a code from a label ("Salle de réunion" →
// "salle_de_reunion"), numbered when taken; taken is updated. Question ids
// start with a letter: a code that would not is prefixed with fallback.
func uniqueSlug(label, fallback string, taken map[string]bool) string {
	words := strings.Fields(territory.Normalize(label))
	if len(words) > 4 {
		words = words[:4]
	}
	base := strings.Join(words, "_")
	if len(base) > 30 {
		base = strings.TrimRight(base[:30], "_")
	}
	if base == "" || (fallback == "q" && (base[0] < 'a' || base[0] > 'z')) {
		base = fallback + "_" + base
		base = strings.TrimRight(base, "_")
	}
	code := base
	for n := 2; taken[code]; n++ {
		code = fmt.Sprintf("%s_%d", base, n)
	}
	taken[code] = true
	return code
}

// saveEditor saves a modified questionnaire and goes back to the editor;
// a refusal shows the editor again with the problems, mapped by fix.
func (s *Server) saveEditor(w http.ResponseWriter, r *http.Request, t editorTarget, qn survey.Questionnaire, anchor string, refused func(problems map[string]string) error) error {
	key, args, err := t.save(r, coop.Fingerprint(t.qn), qn)
	if e := coop.AsError(err); e != nil && (e.Code == coop.EInvalid || e.Code == coop.EPrecondition || e.Code == coop.EConflict) {
		problems := e.Fields
		if len(problems) == 0 {
			problems = map[string]string{"questionnaire": e.Message}
		}
		return refused(problems)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, "success", key, args...)
	http.Redirect(w, r, t.Base+anchor, http.StatusSeeOther)
	return nil
}

// surveyEditor runs an editor action on the survey of the request.
func (s *Server) surveyEditor(action func(http.ResponseWriter, *http.Request, editorTarget) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		sv, err := s.adminSurvey(r)
		if err != nil {
			return err
		}
		t, err := s.surveyEditorTarget(r, sv)
		if err != nil {
			return err
		}
		return action(w, r, t)
	}
}

func (s *Server) showSurveyEditor(w http.ResponseWriter, r *http.Request) error {
	return s.surveyEditor(s.showEditor)(w, r)
}

func (s *Server) addSurveyQuestion(w http.ResponseWriter, r *http.Request) error {
	return s.surveyEditor(s.addEditorQuestion)(w, r)
}

func (s *Server) saveSurveyQuestion(w http.ResponseWriter, r *http.Request) error {
	return s.surveyEditor(s.saveEditorQuestion)(w, r)
}

func (s *Server) saveSurveySettings(w http.ResponseWriter, r *http.Request) error {
	return s.surveyEditor(s.saveEditorSettings)(w, r)
}

func (s *Server) showEditor(w http.ResponseWriter, r *http.Request, t editorTarget) error {
	return s.renderEditor(w, r, http.StatusOK, t, editorInput{qn: t.qn})
}

func (s *Server) addEditorQuestion(w http.ResponseWriter, r *http.Request, t editorTarget) error {
	qn := t.qn
	f := editorQuestionFrom(r)
	refuse := func(problems map[string]string) error {
		return s.renderEditor(w, r, http.StatusUnprocessableEntity, t, editorInput{qn: qn, add: &f, problems: problems})
	}
	if !slices.Contains(survey.Kinds, f.Kind) {
		return refuse(map[string]string{"new": "survey.editor.kind_invalid"})
	}
	taken := map[string]bool{}
	for _, q := range qn.Questions {
		taken[q.ID] = true
	}
	id := f.ID
	switch {
	case id == "":
		id = uniqueSlug(f.LabelFR, "q", taken)
	case taken[id]:
		return refuse(map[string]string{"new": "survey.editor.id_taken"})
	}
	q, key := f.build(f.Kind, id)
	if key != "" {
		return refuse(map[string]string{"new": key})
	}
	if q.Kind == survey.Scale && q.Min == nil && q.Max == nil {
		one, five := 1.0, 5.0
		q.Min, q.Max = &one, &five
	}
	at := len(qn.Questions)
	if f.After == "^" {
		at = 0
	} else if i := slices.IndexFunc(qn.Questions, func(x survey.Question) bool { return x.ID == f.After }); i >= 0 {
		at = i + 1
	}
	next := qn
	next.Questions = slices.Insert(slices.Clone(qn.Questions), at, q)
	return s.saveEditor(w, r, t, next, "#q-"+q.ID, func(problems map[string]string) error {
		mapped := map[string]string{}
		for k, v := range problems {
			if k == "q."+q.ID || k == fmt.Sprintf("q#%d", at) {
				k = "new"
			}
			mapped[k] = v
		}
		return refuse(mapped)
	})
}

func (s *Server) saveEditorQuestion(w http.ResponseWriter, r *http.Request, t editorTarget) error {
	qn := t.qn
	id := r.PathValue("q")
	i := slices.IndexFunc(qn.Questions, func(q survey.Question) bool { return q.ID == id })
	if i < 0 {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	next := qn
	next.Questions = slices.Clone(qn.Questions)
	anchor := "#q-" + id
	switch r.PostFormValue("action") {
	case "up", "down":
		j := i - 1
		if r.PostFormValue("action") == "down" {
			j = i + 1
		}
		if j < 0 || j >= len(next.Questions) {
			return s.redirect(w, r, t.Base+anchor, "", "")
		}
		next.Questions[i], next.Questions[j] = next.Questions[j], next.Questions[i]
	case "delete":
		next.Questions = slices.Delete(next.Questions, i, i+1)
		anchor = "#questions"
	default:
		f := editorQuestionFrom(r)
		refuse := func(problems map[string]string) error {
			return s.renderEditor(w, r, http.StatusUnprocessableEntity, t, editorInput{qn: qn, edited: id, raw: &f, problems: problems})
		}
		if f.Base != coop.Fingerprint(qn.Questions[i]) {
			// Changed by someone else since this form was shown: theirs
			// stays until this one is sent again, from the question as it is now.
			return s.renderEditor(w, r, http.StatusConflict, t, editorInput{qn: qn, edited: id, raw: &f,
				problems: map[string]string{"q." + id: "survey.editor.question_changed"}})
		}
		q, key := f.build(qn.Questions[i].Kind, id)
		if key != "" {
			return refuse(map[string]string{"q." + id: key})
		}
		next.Questions[i] = q
		return s.saveEditor(w, r, t, next, anchor, refuse)
	}
	return s.saveEditor(w, r, t, next, anchor, func(problems map[string]string) error {
		return s.renderEditor(w, r, http.StatusUnprocessableEntity, t, editorInput{qn: qn, problems: problems})
	})
}

func (s *Server) saveEditorSettings(w http.ResponseWriter, r *http.Request, t editorTarget) error {
	if !t.Settings {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	qn := t.qn
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	if r.PostFormValue("base") != settingsFingerprint(qn) {
		return s.renderEditor(w, r, http.StatusConflict, t, editorInput{qn: qn, settings: r.PostForm,
			problems: map[string]string{"questionnaire": "survey.editor.settings_changed"}})
	}
	next := qn
	next.Residence = strings.TrimSpace(r.PostFormValue("residence"))
	next.Demand = nil
	if d := strings.TrimSpace(r.PostFormValue("demand_question")); d != "" {
		next.Demand = &survey.Demand{Question: d,
			AnyOf: strings.FieldsFunc(r.PostFormValue("demand_any"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' })}
	}
	next.Crosstabs = nil
	for _, x := range qn.Crosstabs {
		if slices.Contains(r.PostForm["crosstab"], x.Row+":"+x.Col) {
			next.Crosstabs = append(next.Crosstabs, x)
		}
	}
	if row, col := r.PostFormValue("add_row"), r.PostFormValue("add_col"); row != "" || col != "" {
		x := survey.Crosstab{Row: row, Col: col}
		if !slices.Contains(next.Crosstabs, x) {
			next.Crosstabs = append(next.Crosstabs, x)
		}
	}
	return s.saveEditor(w, r, t, next, "#reglages", func(problems map[string]string) error {
		return s.renderEditor(w, r, http.StatusUnprocessableEntity, t, editorInput{qn: qn, settings: r.PostForm, problems: problems})
	})
}
