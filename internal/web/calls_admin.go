package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// The instruction team's back-office of calls (appels à manifestation
// d'intérêt): the calls with their counts, the call form, a call's
// applications table with filters, sorting, comparison, exports and
// statistics, and an application's file with its history and the forms
// that instruct it. Every page is the coordinators' (rule Coordinators);
// the calls service checks it again.

// callFormFields are the call form's fields, in order.
var callFormFields = []string{"title", "body", "opens_on", "closes_on", "areas", "kinds"}

// callsRow is a call in the list, with its files counted by state.
type callsRow struct {
	ami.Call
	Open    bool
	ByState []ami.Count
	Total   int
}

type callsView struct {
	Page
	Calls []callsRow
}

func (s *Server) showCalls(w http.ResponseWriter, r *http.Request) error {
	u := *stateOf(r).user
	v := &callsView{Page: s.newPage(r, "calls.admin.list_title")}
	list, err := s.Calls.Calls(r.Context())
	if err != nil {
		return err
	}
	today := survey.Paris(s.Clock.Now())
	for _, c := range list {
		st, err := s.Calls.Stats(r.Context(), u, c.PublicID)
		if err != nil {
			return err
		}
		row := callsRow{Call: c, Open: c.Open(today), Total: st.Total}
		for _, n := range st.ByState {
			if n.N > 0 {
				row.ByState = append(row.ByState, n)
			}
		}
		v.Calls = append(v.Calls, row)
	}
	return s.render(w, r, http.StatusOK, "calls_manage", v)
}

// callFormView is the call form, for a new call or to edit one.
type callFormView struct {
	Page
	Call *ami.Call
}

// KindChecked tells whether the form targets a carrier kind.
func (v *callFormView) KindChecked(k string) bool {
	return slices.Contains(strings.Fields(v.Form["kinds"]), k)
}

// callInput reads the call form; kinds come as checkboxes.
func callInput(r *http.Request) ami.CallInput {
	f := r.PostFormValue
	_ = r.ParseForm()
	return ami.CallInput{Title: f("title"), Body: f("body"), Areas: f("areas"), Kinds: strings.Join(r.PostForm["kinds"], " "),
		OpensOn: f("opens_on"), ClosesOn: f("closes_on")}
}

func keepCallInput(p *Page, in ami.CallInput) {
	for k, val := range map[string]string{"title": in.Title, "body": in.Body, "areas": in.Areas, "kinds": in.Kinds,
		"opens_on": in.OpensOn, "closes_on": in.ClosesOn} {
		p.Form[k] = val
	}
}

func callInputOf(c ami.Call) ami.CallInput {
	return ami.CallInput{Title: c.Title, Body: c.Body, Areas: strings.Join(c.Areas, " "), Kinds: strings.Join(c.Kinds, " "),
		OpensOn: c.OpensOn, ClosesOn: c.ClosesOn}
}

func (s *Server) showNewCall(w http.ResponseWriter, r *http.Request) error {
	v := &callFormView{Page: s.newPage(r, "calls.admin.new_title")}
	now := s.Clock.Now()
	keepCallInput(&v.Page, ami.CallInput{OpensOn: survey.Paris(now), ClosesOn: survey.Paris(now.AddDate(0, 2, 0))})
	return s.render(w, r, http.StatusOK, "call_form", v)
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) error {
	in := callInput(r)
	c, err := s.Calls.CreateCall(r.Context(), *stateOf(r).user, in)
	if err != nil {
		v := &callFormView{Page: s.newPage(r, "calls.admin.new_title")}
		keepCallInput(&v.Page, in)
		return s.invalid(w, r, err, "call_form", v, callFormFields...)
	}
	return s.redirect(w, r, "/gestion/appels/"+c.PublicID, "success", "calls.admin.created")
}

func (s *Server) updateCall(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Calls.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	in := callInput(r)
	if _, err := s.Calls.UpdateCall(r.Context(), *stateOf(r).user, c.PublicID, in); err != nil {
		v := &callFormView{Page: s.newPage(r, "calls.admin.edit_title"), Call: &c}
		keepCallInput(&v.Page, in)
		return s.invalid(w, r, err, "call_form", v, callFormFields...)
	}
	return s.redirect(w, r, "/gestion/appels/"+c.PublicID, "success", "calls.admin.saved")
}

// filterOf reads the table's filters and sort from the query.
func filterOf(q url.Values) ami.Filter {
	f := ami.Filter{State: q.Get("etat"), Department: q.Get("departement"), Area: q.Get("zone"), Kind: q.Get("type"),
		Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("tri"), Desc: q.Get("ordre") == "desc"}
	if !slices.Contains(ami.States, ami.State(f.State)) {
		f.State = ""
	}
	if f.Area != "rural" && f.Area != "urban" {
		f.Area = ""
	}
	if !slices.Contains(places.CarrierKinds, places.CarrierKind(f.Kind)) {
		f.Kind = ""
	}
	if !slices.Contains(ami.Sorts, f.Sort) {
		f.Sort = "date"
	}
	return f
}

// query writes a filter back as a query string, for links.
func filterQuery(f ami.Filter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"etat": f.State, "departement": f.Department, "zone": f.Area, "type": f.Kind, "q": f.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Sort != "" && f.Sort != "date" {
		q.Set("tri", f.Sort)
	}
	if f.Desc {
		q.Set("ordre", "desc")
	}
	return q
}

// sortLink is a column header's link: sorting by it, or reversing it.
type sortLink struct {
	Label, Href string
	Current     bool
	Desc        bool
}

// stateTimeRow is a state's time, written for the page.
type stateTimeRow struct {
	State        string
	Stays        int
	Mean, Median string
}

type callView struct {
	Page
	Call        ami.Call
	Open        bool
	Filter      ami.Filter
	Rows        []ami.Row
	Stats       ami.Stats
	Times       []stateTimeRow
	Sorts       []sortLink
	Departments []option
	ExportQuery string
}

// StateOptions, AreaOptions and KindOptions are the filter selects' choices.
func (v *callView) StateOptions() []option {
	var out []option
	for _, st := range ami.States {
		out = append(out, option{Value: string(st), Label: v.T("ami.state." + string(st)), Selected: string(st) == v.Filter.State})
	}
	return out
}

func (v *callView) AreaOptions() []option {
	return []option{{Value: "rural", Label: v.T("calls.area.rural"), Selected: v.Filter.Area == "rural"},
		{Value: "urban", Label: v.T("calls.area.urban"), Selected: v.Filter.Area == "urban"}}
}

func (v *callView) KindOptions() []option {
	var out []option
	for _, k := range places.CarrierKinds {
		out = append(out, option{Value: string(k), Label: v.T("carrier.kind." + string(k)), Selected: string(k) == v.Filter.Kind})
	}
	return out
}

// KindChecked tells whether the call targets a carrier kind (edit form).
func (v *callView) KindChecked(k string) bool {
	return slices.Contains(strings.Fields(v.Form["kinds"]), k)
}

// duration writes a time spent the reader's way: days (with one decimal)
// or hours under a day.
func duration(p *Page, d time.Duration) string {
	if d < 24*time.Hour {
		return p.T("calls.stats.hours", p.L.Decimal(math.Round(d.Hours()*10)/10))
	}
	return p.T("calls.stats.days", p.L.Decimal(math.Round(d.Hours()/24*10)/10))
}

func (s *Server) showCall(w http.ResponseWriter, r *http.Request) error {
	u := *stateOf(r).user
	c, err := s.Calls.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &callView{Page: s.newPage(r, "calls.admin.list_title"), Call: c, Open: c.Open(survey.Paris(s.Clock.Now())), Filter: filterOf(r.URL.Query())}
	v.Title = c.Title
	keepCallInput(&v.Page, callInputOf(c))
	if v.Rows, err = s.Calls.Rows(r.Context(), u, c.PublicID, v.Filter); err != nil {
		return err
	}
	if v.Stats, err = s.Calls.Stats(r.Context(), u, c.PublicID); err != nil {
		return err
	}
	for _, t := range v.Stats.Times {
		v.Times = append(v.Times, stateTimeRow{State: string(t.State), Stays: t.Stays, Mean: duration(&v.Page, t.Mean), Median: duration(&v.Page, t.Median)})
	}
	for _, d := range v.Stats.ByDepartment {
		v.Departments = append(v.Departments, option{Value: d.Key, Label: d.Key + " " + d.Name, Selected: d.Key == v.Filter.Department})
	}
	base := "/gestion/appels/" + c.PublicID
	for _, key := range []string{"structure", "commune", "state", "date"} {
		f := v.Filter
		f.Desc = f.Sort == key && !f.Desc
		f.Sort = key
		v.Sorts = append(v.Sorts, sortLink{Label: v.T("calls.col." + key), Href: base + "?" + filterQuery(f).Encode(),
			Current: v.Filter.Sort == key, Desc: v.Filter.Sort == key && v.Filter.Desc})
	}
	v.ExportQuery = filterQuery(v.Filter).Encode()
	return s.render(w, r, http.StatusOK, "call_manage", v)
}

// answerItem is one question of a file and its answer.
type answerItem struct {
	Section, Label, Text string
}

// answerGroup is a section of the form and its answers.
type answerGroup struct {
	Section string
	Items   []answerItem
}

// answersOf writes a file's answers in the form's order, by section.
func (s *Server) answersOf(c ami.Call, a ami.Application, lang string) []answerGroup {
	var out []answerGroup
	for _, q := range c.Questionnaire.Questions {
		if sec := q.Section.In(lang); sec != "" || len(out) == 0 {
			out = append(out, answerGroup{Section: sec})
		}
		g := &out[len(out)-1]
		g.Items = append(g.Items, answerItem{Label: q.Label.In(lang), Text: ami.AnswerText(q, a.Answers[q.ID], s.Territory, lang)})
	}
	return out
}

// compareColumn is one candidate of the comparison.
type compareColumn struct {
	Row       ami.Row
	Answers   []string
	Documents []ami.StoredDocument
}

type compareView struct {
	Page
	Call      ami.Call
	Questions []answerItem
	Columns   []compareColumn
}

// ColSpan is the width of a section's row: the questions' column and
// the candidates'.
func (v *compareView) ColSpan() int { return len(v.Columns) + 1 }

// Answer is the answer of column j to question i.
func (v *compareView) Answer(j, i int) string { return v.Columns[j].Answers[i] }

func (s *Server) showCompare(w http.ResponseWriter, r *http.Request) error {
	u := *stateOf(r).user
	c, err := s.Calls.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	lang := stateOf(r).lang
	v := &compareView{Page: s.newPage(r, "calls.compare.title"), Call: c}
	for _, q := range c.Questionnaire.Questions {
		v.Questions = append(v.Questions, answerItem{Section: q.Section.In(lang), Label: q.Label.In(lang)})
	}
	rows, err := s.Calls.Rows(r.Context(), u, c.PublicID, ami.Filter{})
	if err != nil {
		return err
	}
	var ids []string
	for _, part := range r.URL.Query()["ids"] {
		ids = append(ids, strings.FieldsFunc(part, func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	for _, row := range rows {
		if !slices.Contains(ids, row.PublicID) {
			continue
		}
		col := compareColumn{Row: row}
		for _, q := range c.Questionnaire.Questions {
			col.Answers = append(col.Answers, ami.AnswerText(q, row.Answers[q.ID], s.Territory, lang))
		}
		if col.Documents, err = s.Calls.Documents(r.Context(), row.ID); err != nil {
			return err
		}
		v.Columns = append(v.Columns, col)
	}
	return s.render(w, r, http.StatusOK, "applications_compare", v)
}

// exportCall writes a call's applications (filtered as the table), one
// row each, in CSV or XLSX.
func (s *Server) exportCall(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != survey.FormatCSV && format != survey.FormatXLSX {
		return survey.CheckFormat("?")
	}
	u := *stateOf(r).user
	c, err := s.Calls.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	rows, err := s.Calls.Rows(r.Context(), u, c.PublicID, filterOf(r.URL.Query()))
	if err != nil {
		return err
	}
	l := stateOf(r).loc
	lang := stateOf(r).lang
	head := []string{l.T("calls.export.id"), l.T("calls.col.state"), l.T("calls.col.structure"), l.T("calls.export.kind"),
		l.T("calls.col.commune"), l.T("calls.export.insee"), l.T("calls.export.department"), l.T("calls.export.density"),
		l.T("calls.export.area"), l.T("calls.export.contact"), l.T("calls.export.email"), l.T("calls.export.created"),
		l.T("calls.export.submitted"), l.T("calls.export.decided")}
	for _, q := range c.Questionnaire.Questions {
		head = append(head, q.ID+" — "+q.Label.In(lang))
	}
	h := w.Header()
	h.Set("Content-Type", survey.ContentType(format))
	h.Set("Content-Disposition", `attachment; filename="candidatures-`+c.PublicID+"."+format+`"`)
	h.Set("Cache-Control", "no-store")
	sw, err := survey.NewSheetWriter(w, format, l.T("calls.export.sheet"), head)
	if err != nil {
		return err
	}
	day := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return survey.Paris(*t)
	}
	for _, row := range rows {
		area := ""
		if row.Area() != "" {
			area = l.T("calls.area." + row.Area())
		}
		var density any
		if row.Density > 0 {
			density = row.Density
		}
		kind := row.CarrierKind
		if kind != "" {
			kind = l.T("carrier.kind." + kind)
		}
		cells := []any{row.PublicID, l.T("ami.state." + string(row.State)), row.Structure, kind, row.CommuneName, row.Commune,
			row.Department, density, area, row.ContactName, row.ContactEmail, survey.Paris(row.CreatedAt), day(row.SubmittedAt), day(row.DecidedAt)}
		for _, q := range c.Questionnaire.Questions {
			if v := row.Answers[q.ID]; v.Number != nil && len(v.Choices) == 0 {
				cells = append(cells, *v.Number)
			} else {
				cells = append(cells, ami.AnswerText(q, v, s.Territory, lang))
			}
		}
		if err := sw.Write(cells); err != nil {
			sw.Abort()
			return err
		}
	}
	return sw.Close()
}

// eventRow is a line of a file's history.
type eventRow struct {
	ami.Event
	Private bool
}

type applicationView struct {
	Page
	Call       ami.Call
	Row        ami.Row
	Answers    []answerGroup
	Documents  []ami.StoredDocument
	Events     []eventRow
	NextStates []string
	Carriers   []places.Carrier
	// Refusal is a refused transition's message, shown above the forms.
	Refusal string
	Today   string
}

// NextOptions are the choices of the state form.
func (v *applicationView) NextOptions() []option {
	var out []option
	for _, st := range v.NextStates {
		out = append(out, option{Value: st, Label: v.T("ami.state." + st), Selected: v.Form["to"] == st})
	}
	return out
}

// CarrierOptions are the existing carriers the place may join.
func (v *applicationView) CarrierOptions() []option {
	var out []option
	for _, c := range v.Carriers {
		id := strconv.FormatInt(c.ID, 10)
		out = append(out, option{Value: id, Label: c.Name, Selected: v.Form["carrier"] == id})
	}
	return out
}

// StatusOptions are the statuses a new place may start with.
func (v *applicationView) StatusOptions() []option {
	var out []option
	for _, st := range []string{string(places.StatusProject), string(places.StatusTesting)} {
		out = append(out, option{Value: st, Label: v.T("place.status." + st), Selected: v.Form["status"] == st})
	}
	return out
}

// When writes an optional instant.
func (v *applicationView) When(t *time.Time) string {
	if t == nil {
		return ""
	}
	return v.L.DateTime(*t)
}

// Accepted tells whether the file may become a place.
func (v *applicationView) Accepted() bool { return v.Row.State == ami.Accepted && v.Row.PlaceID == 0 }

// Size writes a document's size.
func (v *applicationView) Size(n int64) string {
	if n < 1024*1024 {
		return v.T("calls.size_kib", v.L.Decimal(math.Ceil(float64(n)/1024)))
	}
	return v.T("calls.size_mib", v.L.Decimal(math.Round(float64(n)/1024/1024*10)/10))
}

func (s *Server) applicationView(r *http.Request) (*applicationView, error) {
	u := *stateOf(r).user
	a, err := s.Calls.Application(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	c, err := s.Calls.Call(r.Context(), a.CallPublicID)
	if err != nil {
		return nil, err
	}
	v := &applicationView{Page: s.newPage(r, "calls.app.title"), Call: c, Row: s.Calls.RowOf(a), Today: survey.Paris(s.Clock.Now())}
	v.Title = v.T("calls.app.title_named", a.Structure)
	v.Answers = s.answersOf(c, a, v.Lang)
	if v.Documents, err = s.Calls.Documents(r.Context(), a.ID); err != nil {
		return nil, err
	}
	events, err := s.Calls.Events(r.Context(), a.ID, true)
	if err != nil {
		return nil, err
	}
	for i := len(events) - 1; i >= 0; i-- { // the latest first
		v.Events = append(v.Events, eventRow{Event: events[i], Private: events[i].Private()})
	}
	v.Form["on_day"] = v.Today // the interview's day, today unless typed otherwise
	for _, st := range ami.NextStates(a.State) {
		v.NextStates = append(v.NextStates, string(st))
	}
	if a.State == ami.Accepted && a.PlaceID == 0 {
		if v.Carriers, err = s.Places.Carriers(r.Context(), u); err != nil {
			return nil, err
		}
		if v.Form["status"] == "" {
			v.Form["status"] = string(places.StatusProject)
		}
	}
	return v, nil
}

func (s *Server) showApplication(w http.ResponseWriter, r *http.Request) error {
	v, err := s.applicationView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "application_manage", v)
}

// applicationRefused re-shows the file after a refused action: 422 with
// the fields' messages, 409 with a refused transition's reason.
func (s *Server) applicationRefused(w http.ResponseWriter, r *http.Request, err error, keep map[string]string, order ...string) error {
	e := coop.AsError(err)
	if e == nil || (e.Code != coop.EInvalid && e.Code != coop.EPrecondition && e.Code != coop.EConflict) {
		return err
	}
	v, verr := s.applicationView(r)
	if verr != nil {
		return verr
	}
	for k, val := range keep {
		v.Form[k] = val
	}
	if e.Code != coop.EInvalid {
		v.Refusal = translate(v.L, e.Message, e.Args...)
		return s.render(w, r, statusOf(e.Code), "application_manage", v)
	}
	v.setProblems(e, order...)
	return s.render(w, r, http.StatusUnprocessableEntity, "application_manage", v)
}

func (s *Server) moveApplication(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	to, reason := r.PostFormValue("to"), r.PostFormValue("reason")
	var err error
	if to == "" {
		err = (coop.Problems{"to": "error.required"}).Err()
	} else {
		err = s.Calls.Move(r.Context(), *stateOf(r).user, id, ami.State(to), reason)
	}
	if err != nil {
		return s.applicationRefused(w, r, err, map[string]string{"to": to, "reason": reason}, "to", "reason")
	}
	return s.redirect(w, r, "/gestion/candidatures/"+id, "success", "calls.app.moved")
}

func (s *Server) noteApplication(w http.ResponseWriter, r *http.Request) error {
	id, text := r.PathValue("id"), r.PostFormValue("note")
	if err := s.Calls.Note(r.Context(), *stateOf(r).user, id, text); err != nil {
		return s.applicationRefused(w, r, err, map[string]string{"note": text}, "note")
	}
	return s.redirect(w, r, "/gestion/candidatures/"+id+"#historique", "success", "calls.app.noted")
}

func (s *Server) askApplication(w http.ResponseWriter, r *http.Request) error {
	id, text := r.PathValue("id"), r.PostFormValue("question")
	if err := s.Calls.Ask(r.Context(), *stateOf(r).user, id, text); err != nil {
		return s.applicationRefused(w, r, err, map[string]string{"question": text}, "question")
	}
	return s.redirect(w, r, "/gestion/candidatures/"+id+"#historique", "success", "calls.app.asked")
}

func (s *Server) interviewApplication(w http.ResponseWriter, r *http.Request) error {
	id, day, notes := r.PathValue("id"), r.PostFormValue("on_day"), r.PostFormValue("notes")
	if err := s.Calls.Interview(r.Context(), *stateOf(r).user, id, day, notes); err != nil {
		return s.applicationRefused(w, r, err, map[string]string{"on_day": day, "notes": notes}, "on_day", "notes")
	}
	return s.redirect(w, r, "/gestion/candidatures/"+id+"#historique", "success", "calls.app.interviewed")
}

func (s *Server) placeFromApplication(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f := r.PostFormValue
	in := ami.ToPlaceInput{Status: f("status"), Address: f("address"), CarrierID: f("carrier"), SIREN: f("siren"), RNA: f("rna")}
	pl, err := s.Calls.ToPlace(r.Context(), *stateOf(r).user, id, in)
	if err != nil {
		keep := map[string]string{"status": in.Status, "address": in.Address, "carrier": in.CarrierID, "siren": in.SIREN, "rna": in.RNA}
		return s.applicationRefused(w, r, err, keep, "status", "address", "carrier", "siren", "rna")
	}
	return s.redirect(w, r, "/gestion/lieux/"+pl.Slug, "success", "calls.app.place_created")
}

func (s *Server) serveApplicationDocument(w http.ResponseWriter, r *http.Request) error {
	d, data, err := s.Calls.TeamDocument(r.Context(), *stateOf(r).user, r.PathValue("id"), r.PathValue("doc"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, d.Filename)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	_, err = w.Write(data)
	return err
}
