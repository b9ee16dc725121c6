package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
)

// Answering a needs survey: public, anonymous, without JavaScript. The
// answer keeps no account, no address, no user agent and no time finer
// than the day (see survey.Submit); the client address only counts
// against the rate limit, in memory. The resident who wants to be told
// when a place opens leaves an email on the thanks page, a form that
// carries nothing of the answer.

// surveySection is a part of the questionnaire, drawn as a fieldset.
type surveySection struct {
	Title     string
	Questions []surveyQuestion
}

// surveyQuestion is one question as the form draws it.
type surveyQuestion struct {
	ID, Field string
	N         int // its number, as conditions cite it
	Kind      string
	Label     string
	Help      string
	Required  bool
	// Condition says when the question applies ("Si vous avez répondu…");
	// ShowIf and AnyOf are the same for the enhancement script.
	Condition     string
	ShowIf        string
	AnyOf         string
	Error         string
	Options       []surveyOption // single, multiple and scale questions
	Other         *surveyOption  // the "other" option, with its text in OtherValue
	OtherValue    string
	Value         string // number, commune and text questions
	Unit          string
	Inputmode     string
	Parts         []string       // the columns of a days question
	Days          []surveyDay    // its rows
	Candidates    []surveyOption // communes to choose from
	Typed         string         // the name the candidates are for
	Differs       bool           // settle mode: the keyings disagree here
	First, Second string         // settle mode: what each keying says
}

// Multiple tells whether the question takes several options.
func (q surveyQuestion) Multiple() bool {
	return q.Kind == string(survey.Multiple) || q.Kind == string(survey.Days)
}

// Fieldset tells whether the question is a group of inputs.
func (q surveyQuestion) Fieldset() bool {
	return q.Kind != string(survey.Number) && q.Kind != string(survey.FreeText) && q.Kind != string(survey.Commune)
}

// DescribedBy lists the ids of the texts that describe the question.
func (q surveyQuestion) DescribedBy() string {
	var ids []string
	if q.Condition != "" {
		ids = append(ids, "f-"+q.Field+"-cond")
	}
	if q.Help != "" {
		ids = append(ids, "f-"+q.Field+"-hint")
	}
	if q.Differs {
		ids = append(ids, "f-"+q.Field+"-keyings")
	}
	if q.Error != "" {
		ids = append(ids, "f-"+q.Field+"-error")
	}
	return strings.Join(ids, " ")
}

type surveyOption struct {
	ID, Value, Label string
	Checked          bool
}

// surveyDay is a row of a days question: a day and a checkbox per part.
type surveyDay struct {
	Label string
	Cells []surveyOption
}

// hiddenField is a value the form carries unseen.
type hiddenField struct{ Name, Value string }

// questionsForm builds the sections of a questionnaire in lang, filled
// with the submitted values and the problems of the refused answer.
type questionsForm struct {
	qn     survey.Questionnaire
	lang   string
	l      *i18n.Localizer
	ix     *territory.Index
	values url.Values
	errs   *coop.Error
	// communes ranks the campaign's communes first among candidates.
	communes []survey.SurveyCommune
	// only, when set, draws only these questions; the others' values go
	// into Hidden.
	only map[string]bool
}

func (f questionsForm) build() ([]surveySection, []hiddenField) {
	var sections []surveySection
	var hidden []hiddenField
	numbers := map[string]int{}
	for i, q := range f.qn.Questions {
		numbers[q.ID] = i + 1
	}
	for i, q := range f.qn.Questions {
		field := survey.Field(q.ID)
		if f.only != nil && !f.only[q.ID] {
			for _, name := range []string{field, field + ".other"} {
				for _, v := range f.values[name] {
					hidden = append(hidden, hiddenField{name, v})
				}
			}
			continue
		}
		if len(sections) == 0 || (q.Section.FR != "" && f.only == nil) {
			sections = append(sections, surveySection{Title: q.Section.In(f.lang)})
		}
		sq := f.question(q, i+1, numbers)
		sec := &sections[len(sections)-1]
		sec.Questions = append(sec.Questions, sq)
	}
	return sections, hidden
}

func (f questionsForm) question(q survey.Question, n int, numbers map[string]int) surveyQuestion {
	field := survey.Field(q.ID)
	sq := surveyQuestion{ID: q.ID, Field: field, N: n, Kind: string(q.Kind), Label: q.Label.In(f.lang), Help: q.Help.In(f.lang), Required: q.Required}
	if f.errs != nil {
		if key, ok := f.errs.Fields[field]; ok {
			sq.Error = translate(f.l, key, f.errs.FieldArgs[field]...)
		}
	}
	if c := q.ShowIf; c != nil {
		if on, ok := f.qn.Question(c.Question); ok {
			var labels []string
			for _, code := range c.AnyOf {
				if o, ok := on.Option(code); ok {
					labels = append(labels, f.l.T("survey.quoted", o.Label.In(f.lang)))
				}
			}
			sq.Condition = f.l.T("survey.condition", joinOr(f.l, labels), numbers[c.Question])
			sq.ShowIf, sq.AnyOf = survey.Field(c.Question), strings.Join(c.AnyOf, " ")
		}
	}
	values := f.values[field]
	first := func(vs []string) string {
		if len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	optionID := func(i int, code string) string {
		if i == 0 {
			return "f-" + field // the error summary's link lands on the first choice
		}
		return "f-" + field + ".o-" + code
	}
	switch q.Kind {
	case survey.Single, survey.Multiple:
		for i, o := range q.Choices() {
			opt := surveyOption{ID: optionID(i, o.Code), Value: o.Code, Label: o.Label.In(f.lang), Checked: slices.Contains(values, o.Code)}
			if o.Code == survey.OtherCode {
				opt.Label = f.l.T("survey.other")
				sq.Other, sq.OtherValue = &opt, first(f.values[field+".other"])
				continue
			}
			sq.Options = append(sq.Options, opt)
		}
	case survey.Scale:
		choices := q.Choices()
		for i, o := range choices {
			label := o.Label.In(f.lang)
			switch {
			case i == 0 && q.Low.FR != "":
				label = f.l.T("survey.scale_end", label, q.Low.In(f.lang))
			case i == len(choices)-1 && q.High.FR != "":
				label = f.l.T("survey.scale_end", label, q.High.In(f.lang))
			}
			sq.Options = append(sq.Options, surveyOption{ID: optionID(i, o.Code), Value: o.Code, Label: label, Checked: slices.Contains(values, o.Code)})
		}
	case survey.Days:
		for _, p := range survey.DayPeriods {
			sq.Parts = append(sq.Parts, p.Label.In(f.lang))
		}
		i := 0
		for _, d := range survey.Weekdays {
			row := surveyDay{Label: d.Label.In(f.lang)}
			for _, p := range survey.DayPeriods {
				code := d.Code + "_" + p.Code
				o, _ := q.Option(code)
				row.Cells = append(row.Cells, surveyOption{ID: optionID(i, code), Value: code, Label: o.Label.In(f.lang), Checked: slices.Contains(values, code)})
				i++
			}
			sq.Days = append(sq.Days, row)
		}
	case survey.Number:
		sq.Value, sq.Unit, sq.Inputmode = first(values), q.Unit.In(f.lang), "decimal"
		if q.Integer {
			sq.Inputmode = "numeric"
		}
		if bounds := f.bounds(q); bounds != "" {
			sq.Help = strings.TrimSpace(sq.Help + " " + bounds)
		}
	case survey.FreeText:
		sq.Value = strings.Join(values, "\n")
	case survey.Commune:
		sq.Value = first(values)
		f.candidates(&sq)
	}
	return sq
}

// bounds writes a number question's bounds as a hint.
func (f questionsForm) bounds(q survey.Question) string {
	unit := ""
	if u := q.Unit.In(f.lang); u != "" {
		unit = "\u00a0" + u
	}
	switch {
	case q.Min != nil && q.Max != nil:
		return f.l.T("survey.hint_range", f.l.Decimal(*q.Min), f.l.Decimal(*q.Max)+unit)
	case q.Min != nil:
		return f.l.T("survey.hint_min", f.l.Decimal(*q.Min)+unit)
	case q.Max != nil:
		return f.l.T("survey.hint_max", f.l.Decimal(*q.Max)+unit)
	}
	return ""
}

// candidates offers the communes a name could be, when it was not clear
// (or when one was chosen among them).
func (f questionsForm) candidates(sq *surveyQuestion) {
	typed := strings.TrimSpace(sq.Value)
	chosen := f.values.Get(sq.Field + ".choice")
	picked := chosen != "" && typed == strings.TrimSpace(f.values.Get(sq.Field+".typed"))
	if typed == "" || f.ix == nil || (sq.Error == "" && !picked) {
		return
	}
	code, found := resolveCommune(f.ix, typed)
	if code != "" && !picked {
		return
	}
	inTerritory := func(c territory.Commune) bool {
		return slices.ContainsFunc(f.communes, func(x survey.SurveyCommune) bool { return x.Code == c.Code })
	}
	slices.SortStableFunc(found, func(a, b territory.Commune) int {
		switch ia, ib := inTerritory(a), inTerritory(b); {
		case ia && !ib:
			return -1
		case ib && !ia:
			return 1
		}
		return 0
	})
	for i, c := range found {
		label := c.Name + " (" + strings.Join(c.PostalCodes, ", ")
		if c.DepartmentName != "" {
			label += ", " + c.DepartmentName
		}
		label += ")"
		sq.Candidates = append(sq.Candidates, surveyOption{ID: fmt.Sprintf("f-%s.c-%d", sq.Field, i), Value: c.Code, Label: label, Checked: picked && c.Code == chosen})
	}
	sq.Typed = typed
}

// joinOr joins quoted options with commas and a final "ou".
func joinOr(l *i18n.Localizer, items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + l.T("survey.or") + " " + items[len(items)-1]
}

var withPostalCode = regexp.MustCompile(`^(.*?)[\s,]+(\d{5})$`)

// resolveCommune reads a commune as typed, a name followed by its postal
// code included ("Villeneuve 04180").
func resolveCommune(ix *territory.Index, text string) (string, []territory.Commune) {
	text = strings.TrimSpace(text)
	if m := withPostalCode.FindStringSubmatch(text); m != nil && strings.TrimSpace(m[1]) != "" {
		if code, _ := ix.ResolveCommune(m[1], m[2]); code != "" {
			return code, nil
		}
	}
	return ix.ResolveCommune(text, "")
}

// pickCommunes reads the communes typed with their postal code and the
// candidates chosen for ambiguous names: the choice replaces the name it
// was offered for, unless the name changed.
func pickCommunes(ix *territory.Index, qn survey.Questionnaire, form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	for _, q := range qn.Questions {
		if q.Kind != survey.Commune {
			continue
		}
		f := survey.Field(q.ID)
		text := strings.TrimSpace(form.Get(f))
		choice, typed := strings.TrimSpace(form.Get(f+".choice")), strings.TrimSpace(form.Get(f+".typed"))
		if choice != "" && text == typed {
			out.Set(f, choice)
		} else if code, _ := resolveCommune(ix, text); code != "" {
			out.Set(f, code)
		}
	}
	return out
}

// errorOrder lists a questionnaire's fields in order, for the summary.
func errorOrder(qn survey.Questionnaire, first ...string) []string {
	out := slices.Clone(first)
	for _, q := range qn.Questions {
		out = append(out, survey.Field(q.ID))
	}
	return out
}

// paragraphs splits a text typed with blank lines.
func paragraphs(s string) []string {
	var out []string
	for p := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// nextDay is the day after a YYYY-MM-DD day.
func nextDay(day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, 1).Format(time.DateOnly)
}

// --- The list of open surveys and the short links of the bulletins.

type surveysView struct {
	Page
	Surveys []surveyCard
	// Results are the campaigns whose results the reader may read.
	Results []surveyCard
}

type surveyCard struct {
	PublicID, Title, Territory, Until string
	State                             string // for results: the state and dates, written
}

func (s *Server) showSurveys(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Surveys.Answerable(r.Context(), survey.Paris(s.Clock.Now()))
	if err != nil {
		return err
	}
	v := &surveysView{Page: s.newPage(r, "survey.list_title")}
	for _, sv := range list {
		var names []string
		for _, a := range sv.Areas {
			names = append(names, a.Name)
		}
		v.Surveys = append(v.Surveys, surveyCard{PublicID: sv.PublicID, Title: sv.Title, Territory: strings.Join(names, ", "), Until: sv.ClosesOn})
	}
	if u := stateOf(r).user; u != nil && slices.Contains(Readers.Roles, u.Role) {
		readable, err := s.Surveys.VisibleWithAreas(r.Context(), *u)
		if err != nil {
			return err
		}
		today := survey.Paris(s.Clock.Now())
		for _, sv := range readable {
			var names []string
			for _, a := range sv.Areas {
				names = append(names, a.Name)
			}
			state := v.T("survey.results_state", v.T("survey.state."+string(sv.StateAt(today))), dayText(v.L, sv.OpensOn), dayText(v.L, sv.ClosesOn))
			v.Results = append(v.Results, surveyCard{PublicID: sv.PublicID, Title: sv.Title, Territory: strings.Join(names, ", "), State: state})
		}
	}
	return s.render(w, r, http.StatusOK, "surveys", v)
}

var linkPattern = regexp.MustCompile(`^[a-z0-9]{1,20}$`)

// followSurveyLink sends a bulletin's short link to its survey, noting
// which commune's bulletin brought the reader.
func (s *Server) followSurveyLink(w http.ResponseWriter, r *http.Request) error {
	link := strings.ToLower(strings.TrimSpace(r.PathValue("link")))
	if !linkPattern.MatchString(link) {
		return coop.Errorf(coop.ENotFound, "survey.link_unknown")
	}
	sv, _, err := s.Surveys.ByLink(r.Context(), link)
	if coop.ErrorCode(err) == coop.ENotFound {
		return coop.Errorf(coop.ENotFound, "survey.link_unknown")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/enquetes/"+sv.PublicID+"?depuis="+url.QueryEscape(link), http.StatusSeeOther)
	return nil
}

// --- The form.

type surveyView struct {
	Page
	Survey   survey.Survey
	Intro    []string
	Privacy  []string
	Sections []surveySection
	Hidden   []hiddenField
	Depuis   string
	Action   string
}

// surveyClosedView tells that a campaign is not open.
type surveyClosedView struct {
	Page
	Survey survey.Survey
	State  survey.State
	Since  string // the first day it was closed
}

// openSurvey loads a campaign for the public; an unknown id is a 404.
func (s *Server) openSurvey(r *http.Request) (survey.Survey, error) {
	id := r.PathValue("id")
	if !linkPattern.MatchString(id) {
		return survey.Survey{}, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	return s.Surveys.Get(r.Context(), id)
}

// closedPage answers a campaign that is not open: 200 on a GET, 409 on a
// refused POST.
func (s *Server) closedPage(w http.ResponseWriter, r *http.Request, status int, sv survey.Survey, state survey.State) error {
	title := "survey.closed_title"
	if state == survey.Upcoming {
		title = "survey.upcoming_title"
	}
	v := &surveyClosedView{Page: s.newPage(r, title), Survey: sv, State: state, Since: nextDay(sv.ClosesOn)}
	return s.render(w, r, status, "survey_closed", v)
}

func (s *Server) surveyForm(r *http.Request, sv survey.Survey, values url.Values, errs *coop.Error) *surveyView {
	v := &surveyView{Page: s.newPage(r, "survey.title"), Survey: sv, Intro: paragraphs(sv.Intro), Privacy: paragraphs(sv.Privacy),
		Action: "/enquetes/" + sv.PublicID}
	v.Title = sv.Title
	v.Scripts = []string{"js/survey.js"}
	if d := strings.ToLower(strings.TrimSpace(values.Get("depuis"))); linkPattern.MatchString(d) {
		v.Depuis = d
	}
	v.Sections, v.Hidden = questionsForm{qn: sv.Version.Questionnaire, lang: v.Lang, l: v.L, ix: s.Territory, values: values, errs: errs, communes: sv.Communes}.build()
	return v
}

func (s *Server) showSurvey(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.openSurvey(r)
	if err != nil {
		return err
	}
	if st := sv.StateAt(survey.Paris(s.Clock.Now())); st != survey.Open {
		return s.closedPage(w, r, http.StatusOK, sv, st)
	}
	// Only the bulletin's link is read from the address: answers are never
	// filled in from it.
	return s.render(w, r, http.StatusOK, "survey", s.surveyForm(r, sv, url.Values{"depuis": {r.URL.Query().Get("depuis")}}, nil))
}

func (s *Server) answerSurvey(w http.ResponseWriter, r *http.Request) error {
	if err := check(hit{s.limits.survey, "answer " + stateOf(r).ip}); err != nil {
		return err
	}
	sv, err := s.openSurvey(r)
	if err != nil {
		return err
	}
	if st := sv.StateAt(survey.Paris(s.Clock.Now())); st != survey.Open {
		return s.closedPage(w, r, http.StatusConflict, sv, st)
	}
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	qn := sv.Version.Questionnaire
	answers, err := qn.Parse(s.Territory, pickCommunes(s.Territory, qn, r.PostForm))
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		v := s.surveyForm(r, sv, r.PostForm, e)
		return s.invalid(w, r, err, "survey", v, errorOrder(qn)...)
	}
	if err != nil {
		return err
	}
	channel := ""
	if d := strings.ToLower(strings.TrimSpace(r.PostForm.Get("depuis"))); linkPattern.MatchString(d) {
		if from, c, err := s.Surveys.ByLink(r.Context(), d); err == nil && from.ID == sv.ID {
			channel = c.Code
		}
	}
	err = s.Surveys.Submit(r.Context(), sv, channel, answers)
	if e := coop.AsError(err); e != nil && e.Code == coop.EPrecondition {
		// It closed while the form was being filled in (midnight).
		return s.closedPage(w, r, http.StatusConflict, sv, sv.StateAt(survey.Paris(s.Clock.Now())))
	}
	if err != nil {
		return err
	}
	// No flash, no cookie: the thanks page is the same for everyone.
	http.Redirect(w, r, "/enquetes/"+sv.PublicID+"/merci", http.StatusSeeOther)
	return nil
}

// --- Thanks, and the residents who want to be told when a place opens.

type surveyThanksView struct {
	Page
	Survey  survey.Survey
	Consent string // the wording agreed to, stored with the email
}

func (s *Server) thanksView(r *http.Request, sv survey.Survey) *surveyThanksView {
	v := &surveyThanksView{Page: s.newPage(r, "survey.thanks_title"), Survey: sv}
	v.Consent = v.T("survey.contact.consent")
	return v
}

func (s *Server) showSurveyThanks(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.openSurvey(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "survey_thanks", s.thanksView(r, sv))
}

func (s *Server) leaveSurveyContact(w http.ResponseWriter, r *http.Request) error {
	if err := check(hit{s.limits.survey, "contact " + stateOf(r).ip}); err != nil {
		return err
	}
	sv, err := s.openSurvey(r)
	if err != nil {
		return err
	}
	v := s.thanksView(r, sv)
	email, communeText := strings.TrimSpace(r.PostFormValue("email")), strings.TrimSpace(r.PostFormValue("commune"))
	v.Form["email"], v.Form["commune"], v.Form["consent"] = email, communeText, r.PostFormValue("consent")
	p := coop.Problems{}
	if email == "" {
		p.Add("email", "error.required")
	}
	commune := ""
	if communeText != "" {
		code, candidates := resolveCommune(s.Territory, communeText)
		// Among communes of the same name, the campaign's own is meant.
		var ours []string
		for _, c := range candidates {
			if slices.ContainsFunc(sv.Communes, func(x survey.SurveyCommune) bool { return x.Code == c.Code }) &&
				territory.Normalize(c.Name) == territory.Normalize(communeText) {
				ours = append(ours, c.Code)
			}
		}
		switch {
		case code != "":
			commune = code
		case len(ours) == 1:
			commune = ours[0]
		case len(candidates) > 1:
			p.Add("commune", "survey.commune_ambiguous")
		default:
			p.Add("commune", "survey.commune_unknown")
		}
	}
	if r.PostFormValue("consent") != "yes" {
		p.Add("consent", "survey.contact.consent_required")
	}
	err = p.Err()
	if err == nil {
		err = s.Surveys.Contact(r.Context(), sv, email, commune, v.Consent)
	}
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		return s.invalid(w, r, err, "survey_thanks", v, "email", "commune", "consent")
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/enquetes/"+sv.PublicID+"/merci", "success", "survey.contact.saved")
}

// Checked tells whether a checkbox of the page's form was ticked.
func (v *surveyThanksView) Checked(name string) bool { return v.Form[name] == "yes" }
