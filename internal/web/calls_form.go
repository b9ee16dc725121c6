package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
)

// A call's questions are edited with the survey's questionnaire editor
// (survey_editor.go), given a target that saves through the calls service;
// its requested documents with a table of rows, one empty row to add one.
// Both can change until the first file is submitted.

// callEditorTarget is the editor of a call's form.
func (s *Server) callEditorTarget(r *http.Request) (editorTarget, error) {
	c, err := s.Calls.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		return editorTarget{}, err
	}
	locked, err := s.Calls.FormLocked(r.Context(), c.PublicID)
	if err != nil {
		return editorTarget{}, err
	}
	return editorTarget{
		Name: c.Title, TitleKey: "calls.form.title_named", LeadKey: "calls.form.lead",
		Base:   "/gestion/appels/" + c.PublicID + "/formulaire",
		Crumbs: []editorCrumb{{URL: "/gestion/appels", Key: "calls.admin.list_title"}, {URL: "/gestion/appels/" + c.PublicID, Text: c.Title}},
		qn:     c.Questionnaire,
		Note: func(l *i18n.Localizer) string {
			if locked {
				return l.T("calls.form.note_locked")
			}
			return l.T("calls.form.note_open")
		},
		save: func(r *http.Request, base string, qn survey.Questionnaire) (string, []int, error) {
			return "calls.form.saved", nil, s.Calls.SaveForm(r.Context(), *stateOf(r).user, c.PublicID, base, qn)
		},
	}, nil
}

// callEditor runs an editor action on the call of the request.
func (s *Server) callEditor(action func(http.ResponseWriter, *http.Request, editorTarget) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.callEditorTarget(r)
		if err != nil {
			return err
		}
		return action(w, r, t)
	}
}

func (s *Server) showCallForm(w http.ResponseWriter, r *http.Request) error {
	return s.callEditor(s.showEditor)(w, r)
}

func (s *Server) addCallQuestion(w http.ResponseWriter, r *http.Request) error {
	return s.callEditor(s.addEditorQuestion)(w, r)
}

func (s *Server) saveCallQuestion(w http.ResponseWriter, r *http.Request) error {
	return s.callEditor(s.saveEditorQuestion)(w, r)
}

// callDocsView is the page of a call's requested documents.
type callDocsView struct {
	Page
	Call   ami.Call
	Locked bool
	Rows   []callDocRow
	Base   string // coop.Fingerprint of the documents the page shows
}

// callDocRow is a row of the documents' table, as shown or as typed.
type callDocRow struct {
	I                   int
	New                 bool // the empty row to add a document
	Code, Label, MaxMiB string
	Required, Remove    bool
	Types               []option // Selected: accepted
}

// Field is the id of a row's field, the one the error summary links to.
func (d callDocRow) Field(name string) string { return "f-doc" + strconv.Itoa(d.I) + "." + name }

// Problem is the field's message key, "" when none.
func (v *callDocsView) Problem(d callDocRow, name string) string {
	return v.Errors["doc"+strconv.Itoa(d.I)+"."+name]
}

// TypesLabel names a row's accepted types, for reading.
func (d callDocRow) TypesLabel() string {
	var out []string
	for _, o := range d.Types {
		if o.Selected {
			out = append(out, o.Label)
		}
	}
	return strings.Join(out, ", ")
}

func docTypes(accepted []string) []option {
	var out []option
	for _, t := range ami.DocumentTypes {
		out = append(out, option{Value: t, Label: ami.TypeLabel(t), Selected: slices.Contains(accepted, t)})
	}
	return out
}

// newDocRow is the empty row to add a document: a PDF of 10 MiB.
func newDocRow(i int) callDocRow {
	return callDocRow{I: i, New: true, MaxMiB: "10", Types: docTypes([]string{"application/pdf"})}
}

// docRowsOf shows a call's documents, and the empty row to add one.
func docRowsOf(docs []ami.Document) []callDocRow {
	var rows []callDocRow
	for i, d := range docs {
		rows = append(rows, callDocRow{I: i, Code: d.Code, Label: d.Label, Required: d.Required, MaxMiB: strconv.Itoa(d.MaxMiB), Types: docTypes(d.Types)})
	}
	return append(rows, newDocRow(len(rows)))
}

func (s *Server) callDocsPage(r *http.Request) (*callDocsView, error) {
	c, err := s.Calls.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	v := &callDocsView{Page: s.newPage(r, "calls.docs.title"), Call: c, Base: coop.Fingerprint(c.Documents)}
	v.Title = v.T("calls.docs.title_named", c.Title)
	if v.Locked, err = s.Calls.FormLocked(r.Context(), c.PublicID); err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Server) showCallDocuments(w http.ResponseWriter, r *http.Request) error {
	v, err := s.callDocsPage(r)
	if err != nil {
		return err
	}
	v.Rows = docRowsOf(v.Call.Documents)
	return s.render(w, r, http.StatusOK, "call_documents", v)
}

func (s *Server) saveCallDocuments(w http.ResponseWriter, r *http.Request) error {
	v, err := s.callDocsPage(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	if _, ok := r.PostForm["rows"]; !ok {
		// Not the page's form: nothing is read as "remove every document".
		for i, d := range v.Call.Documents {
			v.Rows = append(v.Rows, callDocRow{I: i, Code: d.Code, Label: d.Label, Required: d.Required, MaxMiB: strconv.Itoa(d.MaxMiB), Types: docTypes(d.Types)})
		}
		v.Rows = append(v.Rows, newDocRow(len(v.Rows)))
		v.setProblems(coop.Errorf(coop.EInvalid, "error.invalid_form"))
		return s.render(w, r, http.StatusUnprocessableEntity, "call_documents", v)
	}
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	n = min(max(n, 0), 100)
	var docs []ami.Document
	var rowOf []int // the row of each document kept
	problems := coop.Problems{}
	taken := map[string]bool{}
	for i := range n {
		f := func(name string) string { return strings.TrimSpace(r.PostFormValue(name + "." + strconv.Itoa(i))) }
		row := callDocRow{I: i, New: f("new") == "1", Code: f("code"), Label: f("label"), MaxMiB: f("max_mib"),
			Required: f("required") == "on", Remove: f("remove") == "on", Types: docTypes(r.PostForm["types."+strconv.Itoa(i)])}
		v.Rows = append(v.Rows, row)
		if row.Remove || (row.New && row.Code == "" && row.Label == "") {
			continue
		}
		taken[row.Code] = true
		d := ami.Document{Code: row.Code, Label: row.Label, Required: row.Required}
		for _, o := range row.Types {
			if o.Selected {
				d.Types = append(d.Types, o.Value)
			}
		}
		// A type the list does not offer reaches the service, which refuses it.
		for _, t := range r.PostForm["types."+strconv.Itoa(i)] {
			if !slices.Contains(ami.DocumentTypes, t) {
				d.Types = append(d.Types, t)
			}
		}
		if d.MaxMiB, err = strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(row.MaxMiB, "Mio"))); err != nil {
			problems.Add("doc"+strconv.Itoa(i)+".max_mib", "ami.docs.size_invalid")
		}
		docs = append(docs, d)
		rowOf = append(rowOf, i)
	}
	// A new row without a code takes one made from its label.
	for k, d := range docs {
		if d.Code == "" && v.Rows[rowOf[k]].New {
			docs[k].Code = uniqueSlug(d.Label, "doc", taken)
			v.Rows[rowOf[k]].Code = docs[k].Code
		}
	}
	err = problems.Err()
	if err == nil {
		err = s.Calls.SaveDocuments(r.Context(), *stateOf(r).user, v.Call.PublicID, r.PostFormValue("base"), docs)
	}
	e := coop.AsError(err)
	if e == nil || (e.Code != coop.EInvalid && e.Code != coop.EPrecondition && e.Code != coop.EConflict) {
		if err != nil {
			return err
		}
		return s.redirect(w, r, "/gestion/appels/"+v.Call.PublicID+"/documents", "success", "calls.docs.saved")
	}
	// The service numbers the documents kept; the page, its rows.
	mapped := &coop.Error{Code: e.Code, Message: e.Message, Fields: map[string]string{}}
	var order []string
	for k, msg := range e.Fields {
		if rest, ok := strings.CutPrefix(k, "doc"); ok {
			if idx, field, ok := strings.Cut(rest, "."); ok {
				if j, err := strconv.Atoi(idx); err == nil && j < len(rowOf) && problems[k] == "" {
					k = "doc" + strconv.Itoa(rowOf[j]) + "." + field
				}
			}
		}
		mapped.Fields[k] = msg
	}
	if len(mapped.Fields) == 0 {
		mapped.Fields = nil
	}
	for _, row := range v.Rows {
		for _, f := range []string{"code", "label", "types", "max_mib"} {
			order = append(order, "doc"+strconv.Itoa(row.I)+"."+f)
		}
	}
	v.setProblems(mapped, order...)
	if !slices.ContainsFunc(v.Rows, func(d callDocRow) bool { return d.New }) {
		v.Rows = append(v.Rows, newDocRow(len(v.Rows)))
	}
	status := http.StatusUnprocessableEntity
	if e.Code == coop.EConflict {
		status = http.StatusConflict // the rows as typed, sent again from the documents as they are now
	}
	return s.render(w, r, status, "call_documents", v)
}
