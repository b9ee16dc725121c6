package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// Site visits, diagnostics and action plans: the visit checklist of an
// application, filled on a phone on site, and the diagnostic of an
// application or a place with its adjustments and its action plan. Every
// page is the coordinators' (rule Coordinators); the calls service checks
// it again.

// visitFields are the checklist's fields, in the form's order.
var visitFields = []string{"day", "down_mbps", "up_mbps", "copier", "reception_orange", "reception_sfr", "reception_bouygues", "reception_free",
	"room", "identity", "accessible", "hours", "skills", "audiences", "separation", "notes"}

// visitCheck is a checkbox of the checklist.
type visitCheck struct {
	ID, Name, Value, Label string
	Checked                bool
}

type visitView struct {
	Page
	AppID, Structure, CommuneName string
	LastDay                       string // the day of the latest visit, "" when none
	Copier                        bool
	Accessible                    selectField
	Receptions                    []selectField
	Skills, Audiences             []visitCheck
}

// checks builds checkboxes of the codes, labelled by prefix+code.
func (v *visitView) checks(name, prefix string, codes, checked []string) []visitCheck {
	var out []visitCheck
	for _, c := range codes {
		out = append(out, visitCheck{ID: "f-" + name + "-" + c, Name: name, Value: c, Label: v.T(prefix + c), Checked: slices.Contains(checked, c)})
	}
	return out
}

func decimalText(l *i18n.Localizer, f *float64) string {
	if f == nil {
		return ""
	}
	return l.Decimal(*f)
}

// newVisitView prepares the checklist page; c is the checklist shown.
func (s *Server) newVisitView(r *http.Request, a ami.Application, c ami.Checklist) (*visitView, error) {
	v := &visitView{Page: s.newPage(r, "visit.title"), AppID: a.PublicID, Structure: a.Structure, CommuneName: a.Commune}
	v.Title = v.T("visit.title_named", a.Structure)
	if x, ok := s.Territory.Commune(a.Commune); ok {
		v.CommuneName = x.Name
	}
	_, day, err := s.Calls.LastVisit(r.Context(), a.ID)
	if err != nil {
		return nil, err
	}
	v.LastDay = day
	v.Form["down_mbps"], v.Form["up_mbps"] = decimalText(v.L, c.DownMbps), decimalText(v.L, c.UpMbps)
	v.Form["room"], v.Form["identity"], v.Form["accessible"], v.Form["hours"], v.Form["separation"] = c.Room, c.Identity, c.Accessible, c.Hours, c.Separation
	for op, rec := range c.Reception {
		v.Form["reception_"+op] = rec
	}
	v.Copier = c.Copier
	v.fill(c)
	return v, nil
}

// fill builds the choices from the form's values and the checklist's lists.
func (v *visitView) fill(c ami.Checklist) {
	v.Accessible = v.Select("accessible", "visit.field.accessible", true, "visit.accessible.", ami.Accessibility)
	v.Receptions = nil
	for _, op := range places.Operators {
		f := v.Select("reception_"+op, "operator."+op, false, "reception.", places.Receptions)
		v.Receptions = append(v.Receptions, f)
	}
	v.Skills = v.checks("skills", "visit.skill.", ami.AnimatorSkills, c.Skills)
	v.Audiences = v.checks("audiences", "visit.audience.", ami.VisitAudiences, c.Audiences)
}

func (s *Server) showVisit(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Calls.Application(r.Context(), *stateOf(r).user, r.PathValue("id"))
	if err != nil {
		return err
	}
	last, _, err := s.Calls.LastVisit(r.Context(), a.ID)
	if err != nil {
		return err
	}
	c := ami.Checklist{}
	if last != nil {
		c = *last // a second visit starts from the first
	} else {
		// A first visit starts from what the file says.
		ans := a.Answers
		c.DownMbps, c.UpMbps, c.Hours, c.Room = ans["down_mbps"].Number, ans["up_mbps"].Number, ans["hours"].Text, ans["premises"].Text
		c.Copier = slices.Contains(ans["equipment"].Choices, "copier")
		c.Skills = ans["animator_skills"].Choices
		for _, p := range ans["publics"].Choices {
			if slices.Contains(ami.VisitAudiences, p) {
				c.Audiences = append(c.Audiences, p)
			}
		}
	}
	v, err := s.newVisitView(r, a, c)
	if err != nil {
		return err
	}
	v.Form["day"] = survey.Paris(s.Clock.Now())
	return s.render(w, r, http.StatusOK, "application_visit", v)
}

func (s *Server) recordVisit(w http.ResponseWriter, r *http.Request) error {
	u := *stateOf(r).user
	a, err := s.Calls.Application(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	c, problems := ami.ChecklistForm(r.PostForm)
	day, notes := strings.TrimSpace(r.PostFormValue("day")), r.PostFormValue("notes")
	if len(problems) > 0 {
		for k, msg := range c.Check() {
			problems.Add(k, msg)
		}
		if day == "" {
			problems.Add("day", "error.required")
		}
		err = problems.Err()
	} else {
		err = s.Calls.RecordVisit(r.Context(), u, a.PublicID, day, c, notes)
	}
	if err != nil {
		v, verr := s.newVisitView(r, a, c)
		if verr != nil {
			return verr
		}
		// The numbers as typed, even when they could not be read.
		v.Form["down_mbps"], v.Form["up_mbps"] = r.PostFormValue("down_mbps"), r.PostFormValue("up_mbps")
		v.Form["day"], v.Form["notes"] = day, notes
		return s.invalid(w, r, err, "application_visit", v, visitFields...)
	}
	return s.redirect(w, r, "/gestion/candidatures/"+a.PublicID+"/diagnostic", "success", "visit.recorded")
}

// diagSubject is what a diagnostic page is about: an application or a
// place, with the base of its addresses.
type diagSubject struct {
	Kind      string
	ID        int64
	Name      string
	Base      string // /gestion/candidatures/{id} or /gestion/lieux/{slug}
	Back      string // the file or the place's page
	BackLabel string // a message key
	Visit     bool   // an application: the checklist is offered
}

func (s *Server) diagSubjectOf(r *http.Request) (diagSubject, error) {
	if slug := r.PathValue("slug"); slug != "" {
		p, err := s.Places.Place(r.Context(), slug)
		if err != nil {
			return diagSubject{}, err
		}
		base := "/gestion/lieux/" + p.Slug
		return diagSubject{Kind: ami.SubjectPlace, ID: p.ID, Name: p.Name, Base: base, Back: base, BackLabel: "diag.back_place"}, nil
	}
	a, err := s.Calls.Application(r.Context(), *stateOf(r).user, r.PathValue("id"))
	if err != nil {
		return diagSubject{}, err
	}
	base := "/gestion/candidatures/" + a.PublicID
	return diagSubject{Kind: ami.SubjectApplication, ID: a.ID, Name: a.Structure, Base: base, Back: base, BackLabel: "diag.back_application", Visit: true}, nil
}

// diagRow is a component with its adjust form; P prefixes its inputs' ids
// ("f-" for the form whose problems the page shows, so that the summary's
// links reach them).
type diagRow struct {
	ami.Component
	Name                    string
	P                       string
	ScoreValue, ReasonValue string
	ScoreError, ReasonError string
	Weak                    bool
}

// diagActionRow is an action with its update form.
type diagActionRow struct {
	ami.Action
	P                    string
	Late                 bool
	DueText              string
	Owner, DueOn         string
	OwnerError, DueError string
	Statuses             []option
	StatusError          string
}

type diagView struct {
	Page
	Subject     diagSubject
	Score       int
	Rows        []diagRow
	Suggestions []ami.Suggestion
	Actions     []diagActionRow
	// AddP prefixes the add form's ids; DefaultOwner and DefaultDue fill
	// the one-click actions of the suggestions.
	AddP                     string
	DefaultOwner, DefaultDue string
	ActionsOpen, ActionsDone int
}

// weakScore is the score under which a component is called weak.
const weakScore = 50

// renderDiagnostic shows the diagnostic page; scope names the form whose
// problems err carries ("adjust-{component}", "add", "action-{id}"), kept
// with the values typed.
func (s *Server) renderDiagnostic(w http.ResponseWriter, r *http.Request, subj diagSubject, scope string, err error) error {
	d, derr := s.Calls.Diagnose(r.Context(), stateOf(r).lang, subj.Kind, subj.ID, s.Surveys)
	if derr != nil {
		return derr
	}
	actions, aerr := s.Calls.Actions(r.Context(), subj.Kind, subj.ID)
	if aerr != nil {
		return aerr
	}
	v := &diagView{Page: s.newPage(r, "diag.title"), Subject: subj, Score: d.Score, Suggestions: d.Suggestions, AddP: "add-"}
	v.Title = v.T("diag.title_named", subj.Name)
	today := survey.Paris(s.Clock.Now())
	v.DefaultOwner = v.User.Name
	if strings.TrimSpace(v.DefaultOwner) == "" {
		v.DefaultOwner = v.User.Email
	}
	v.DefaultDue = s.Clock.Now().In(i18n.Paris).AddDate(0, 0, 30).Format(time.DateOnly)
	var e *coop.Error
	if err != nil {
		if e = coop.AsError(err); e == nil || e.Code != coop.EInvalid {
			return err
		}
	}
	fieldErr := func(rowScope, field string) string {
		if e == nil || scope != rowScope {
			return ""
		}
		if k, ok := e.Fields[field]; ok {
			return translate(v.L, k, e.FieldArgs[field]...)
		}
		return ""
	}
	typed := func(rowScope, field, fallback string) string {
		if e != nil && scope == rowScope {
			return r.PostFormValue(field)
		}
		return fallback
	}
	for _, c := range d.Components {
		sc := "adjust-" + c.Code
		row := diagRow{Component: c, Name: v.T("diag.component." + c.Code), P: "adj-" + c.Code + "-", Weak: c.Score < weakScore,
			ScoreValue: typed(sc, "score", strconv.Itoa(c.Score)), ReasonValue: typed(sc, "reason", c.Reason),
			ScoreError: fieldErr(sc, "score"), ReasonError: fieldErr(sc, "reason")}
		if scope == sc {
			row.P = "f-"
		}
		v.Rows = append(v.Rows, row)
	}
	for _, a := range actions {
		sc := "action-" + a.PublicID
		row := diagActionRow{Action: a, P: "act-" + a.PublicID + "-", Late: a.Late(today), DueText: dayText(v.L, a.DueOn),
			Owner: typed(sc, "owner", a.Owner), DueOn: typed(sc, "due_on", a.DueOn),
			OwnerError: fieldErr(sc, "owner"), DueError: fieldErr(sc, "due_on"), StatusError: fieldErr(sc, "status")}
		if scope == sc {
			row.P = "f-"
		}
		status := typed(sc, "status", a.Status)
		for _, st := range ami.ActionStatuses {
			row.Statuses = append(row.Statuses, option{Value: st, Label: v.T("diag.status." + st), Selected: st == status})
		}
		if a.Open() {
			v.ActionsOpen++
		} else if a.Status == "done" {
			v.ActionsDone++
		}
		v.Actions = append(v.Actions, row)
	}
	if scope == "add" {
		v.AddP = "f-"
		for _, k := range []string{"title", "owner", "due_on"} {
			v.Form[k] = r.PostFormValue(k)
		}
	}
	if e != nil {
		order := []string{"component", "score", "reason", "code", "title", "status", "owner", "due_on"}
		v.setProblems(e, order...)
		if scope != "add" && !strings.HasPrefix(scope, "adjust-") && !strings.HasPrefix(scope, "action-") {
			v.Alert = e.Message
		}
		// A one-click action's problems have no field on the page.
		if scope == "suggestion" {
			v.ErrorList, v.Alert = nil, "diag.suggestion_refused"
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "diagnostic", v)
	}
	return s.render(w, r, http.StatusOK, "diagnostic", v)
}

func (s *Server) showDiagnostic(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.diagSubjectOf(r)
	if err != nil {
		return err
	}
	return s.renderDiagnostic(w, r, subj, "", nil)
}

func (s *Server) adjustDiagnostic(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.diagSubjectOf(r)
	if err != nil {
		return err
	}
	u := *stateOf(r).user
	component := r.PostFormValue("component")
	if !slices.Contains(ami.Components, component) {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	if r.PostFormValue("clear") != "" {
		if err := s.Calls.ClearAdjustment(r.Context(), u, subj.Kind, subj.ID, component); err != nil {
			return err
		}
		return s.redirect(w, r, subj.Base+"/diagnostic#c-"+component, "success", "diag.adjustment_cleared")
	}
	score, convErr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("score")))
	if convErr != nil {
		score = -1
	}
	err = s.Calls.Adjust(r.Context(), u, subj.Kind, subj.ID, component, score, r.PostFormValue("reason"))
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid && convErr != nil {
		e.Fields["score"] = "error.whole_number"
	}
	if err != nil {
		return s.renderDiagnostic(w, r, subj, "adjust-"+component, err)
	}
	return s.redirect(w, r, subj.Base+"/diagnostic#c-"+component, "success", "diag.adjusted")
}

func (s *Server) addPlanAction(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.diagSubjectOf(r)
	if err != nil {
		return err
	}
	f := r.PostFormValue
	in := ami.ActionInput{Code: f("code"), Title: f("title"), Owner: f("owner"), DueOn: f("due_on")}
	if _, err := s.Calls.AddAction(r.Context(), *stateOf(r).user, subj.Kind, subj.ID, in); err != nil {
		scope := "add"
		if in.Code != "" {
			scope = "suggestion"
		}
		return s.renderDiagnostic(w, r, subj, scope, err)
	}
	return s.redirect(w, r, subj.Base+"/diagnostic#plan", "success", "diag.action_added")
}

func (s *Server) updatePlanAction(w http.ResponseWriter, r *http.Request) error {
	subj, err := s.diagSubjectOf(r)
	if err != nil {
		return err
	}
	f := r.PostFormValue
	id := r.PathValue("action")
	in := ami.ActionUpdate{Status: f("status"), Owner: f("owner"), DueOn: f("due_on")}
	if err := s.Calls.UpdateAction(r.Context(), *stateOf(r).user, subj.Kind, subj.ID, id, in); err != nil {
		return s.renderDiagnostic(w, r, subj, "action-"+id, err)
	}
	return s.redirect(w, r, subj.Base+"/diagnostic#plan", "success", "diag.action_updated")
}

// Speeds are the connection's fields, drawn alike.
func (v *visitView) Speeds() []string { return []string{"down_mbps", "up_mbps"} }

// AddFields are the add form's fields.
func (v *diagView) AddFields() []string { return []string{"title", "owner", "due_on"} }
