package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
)

// surveyImportsView is the upload form of a campaign's imports, with the
// imports made or waiting.
type surveyImportsView struct {
	Page
	Survey  survey.Survey
	Imports []survey.Import
	MaxMiB  int
	MaxRows int
}

// surveyImportView is an upload's mapping and preview, or its outcome.
type surveyImportView struct {
	Page
	Survey  survey.Survey
	Import  survey.Import
	Preview survey.Preview
	// Columns are the file's columns with their select; Valued those
	// whose values are associated one by one.
	Columns []importColumnView
	Valued  []importColumnView
	// Personal counts the identifying columns dropped.
	Personal int
	Rows     []importRowView
	Counts   []importCountView
	Warnings []string
	Sample   []importSampleView
	// Conflict is the refusal of a file imported before.
	Conflict string
}

// importColumnView is a column of the mapping form.
type importColumnView struct {
	Index    int
	Field    string // "col.3"
	Name     string // the heading in full, with its sub-heading
	Header   string // the heading, "" when it is the column's before
	Sub      string
	Role     string
	Examples []string
	Groups   []importOptionGroup
	Selected string
	Note     string // how it was proposed, when it asks for a check
	Error    string
	// Question and Part are the question and part chosen, in words, for
	// the values' fieldset.
	Question string
	Part     string
	Values   []importValueView
	More     bool // more distinct values than shown
}

// importOptionGroup is a question in a column's select.
type importOptionGroup struct {
	Label   string
	Options []option
}

// importValueView is a distinct value of a column and its select.
type importValueView struct {
	Field    string // "val.3.0"
	Value    string
	Count    int
	Options  []option
	Unmapped bool
}

// importRowView is a bad row, its problems in words.
type importRowView struct {
	Line     int
	Problems []string
}

// importCountView sums up a problem over the rows.
type importCountView struct {
	Problem string
	Rows    int
}

// importSampleView is a converted row, as it would be stored.
type importSampleView struct {
	Line    int
	Day     string
	Answers []importAnswerView
}

type importAnswerView struct{ Question, Answer string }

func importsPath(publicID string) string { return "/gestion/enquetes/" + publicID + "/import" }

func (s *Server) surveyImportsView(r *http.Request, publicID string) (*surveyImportsView, error) {
	user := *stateOf(r).user
	list, err := s.Surveys.Imports(r.Context(), user, publicID)
	if err != nil {
		return nil, err
	}
	sv, err := s.Surveys.Get(r.Context(), publicID)
	if err != nil {
		return nil, err
	}
	v := &surveyImportsView{Page: s.newPage(r, "survey.import.title"), Survey: sv, Imports: list, MaxMiB: survey.MaxImportBytes >> 20, MaxRows: survey.MaxImportRows}
	v.Title = v.T("survey.import.title_of", sv.Title)
	return v, nil
}

func (s *Server) showSurveyImports(w http.ResponseWriter, r *http.Request) error {
	v, err := s.surveyImportsView(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "survey_import", v)
}

func (s *Server) uploadSurveyImport(w http.ResponseWriter, r *http.Request) error {
	publicID := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, survey.MaxImportBytes+1<<20)
	var data []byte
	var name string
	if err := r.ParseMultipartForm(8 << 20); err == nil {
		if f, h, err := r.FormFile("file"); err == nil {
			name = h.Filename
			data, err = io.ReadAll(io.LimitReader(f, survey.MaxImportBytes+1))
			f.Close()
			if err != nil {
				return err
			}
		}
	} else if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
		data = make([]byte, survey.MaxImportBytes+1) // refused as too big by the service
	}
	imp, err := s.Surveys.Upload(r.Context(), *stateOf(r).user, publicID, name, data)
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		v, verr := s.surveyImportsView(r, publicID)
		if verr != nil {
			return verr
		}
		if e.Fields["file"] == "survey.import.already_imported" && len(e.FieldArgs["file"]) == 1 {
			e.FieldArgs["file"] = []any{importDay(v.L, fmt.Sprint(e.FieldArgs["file"][0]))}
		}
		return s.invalid(w, r, err, "survey_import", v, "file")
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, importsPath(publicID)+"/"+imp.PublicID, "success", "survey.import.uploaded")
}

func (s *Server) showSurveyImport(w http.ResponseWriter, r *http.Request) error {
	sv, imp, err := s.Surveys.Import(r.Context(), *stateOf(r).user, r.PathValue("id"), r.PathValue("imp"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "survey_import_preview", s.surveyImportView(r, sv, imp, nil))
}

// postSurveyImport saves the mapping ("save") or imports ("import").
func (s *Server) postSurveyImport(w http.ResponseWriter, r *http.Request) error {
	user := *stateOf(r).user
	publicID, importID := r.PathValue("id"), r.PathValue("imp")
	sv, imp, err := s.Surveys.Import(r.Context(), user, publicID, importID)
	if err != nil {
		return err
	}
	back := importsPath(publicID) + "/" + importID
	switch r.PostFormValue("action") {
	case "save":
		if imp.Table == nil {
			return s.redirect(w, r, back, "info", "survey.import.done_already")
		}
		m := importMappingFrom(r, imp.Table)
		_, err := s.Surveys.SaveMapping(r.Context(), user, publicID, importID, m)
		if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
			// Shown as sent, with the problems next to the columns.
			imp.Mapping.Columns = m.Columns
			v := s.surveyImportView(r, sv, imp, e)
			v.setProblems(e)
			return s.render(w, r, http.StatusUnprocessableEntity, "survey_import_preview", v)
		}
		if err != nil {
			return err
		}
		return s.redirect(w, r, back+"#apercu", "success", "survey.import.mapping_saved")
	case "import":
		n, err := s.Surveys.Commit(r.Context(), user, publicID, importID, r.PostFormValue("check"))
		e := coop.AsError(err)
		switch {
		case e != nil && e.Code == coop.EConflict && e.Reason == "survey.import.already_imported":
			v := s.surveyImportView(r, sv, imp, nil)
			v.Conflict = v.T(e.Reason, importDay(v.L, fmt.Sprint(e.Args...)))
			return s.render(w, r, http.StatusConflict, "survey_import_preview", v)
		case e != nil && e.Code == coop.EPrecondition:
			var args []int
			for _, a := range e.Args {
				if n, ok := a.(int); ok {
					args = append(args, n)
				}
			}
			key := e.Message
			if len(args) == 1 && args[0] == 1 && s.Catalogs.Has(key+"_one") {
				key += "_one"
			}
			s.setFlash(w, "error", key, args...)
			http.Redirect(w, r, back, http.StatusSeeOther)
			return nil
		case err != nil:
			return err
		}
		key := "survey.import.done"
		if n == 1 {
			key += "_one"
		}
		s.setFlash(w, "success", key, n)
		http.Redirect(w, r, importsPath(publicID), http.StatusSeeOther)
		return nil
	}
	return s.redirect(w, r, back, "", "")
}

// importMappingFrom reads the mapping form: "col.i" is "" (ignored), a
// question ID (its answer), "id:other" (its "other" text) or "id=code"
// (an option's tick box); "val.i.j" the target of the column's j-th
// distinct value.
func importMappingFrom(r *http.Request, t *survey.Table) survey.Mapping {
	m := survey.Mapping{Columns: make([]survey.ColumnMapping, len(t.Columns))}
	for i := range t.Columns {
		q, part := importDecodeColumn(r.PostFormValue("col." + strconv.Itoa(i)))
		cm := survey.ColumnMapping{Question: q, Part: part, Values: map[string]string{}}
		vals, _ := t.Values(i)
		for j, v := range vals {
			if target := r.PostFormValue("val." + strconv.Itoa(i) + "." + strconv.Itoa(j)); target != "" {
				cm.Values[v.Value] = target
			}
		}
		m.Columns[i] = cm
	}
	return m
}

func importEncodeColumn(q, part string) string {
	switch {
	case q == "":
		return ""
	case part == survey.PartAnswer:
		return q
	case part == survey.PartOther:
		return q + ":" + survey.OtherCode
	}
	return q + "=" + part
}

func importDecodeColumn(s string) (q, part string) {
	if q, _, ok := strings.Cut(s, ":"); ok {
		return q, survey.PartOther
	}
	if q, code, ok := strings.Cut(s, "="); ok {
		return q, code
	}
	return s, survey.PartAnswer
}

// importDay writes a YYYY-MM-DD day the reader's way.
func importDay(l *i18n.Localizer, day string) string {
	d, err := time.ParseInLocation(time.DateOnly, day, i18n.Paris)
	if err != nil {
		return day
	}
	return l.Date(d)
}

// surveyImportView builds the page of an upload; e holds the problems of a
// refused mapping.
func (s *Server) surveyImportView(r *http.Request, sv survey.Survey, imp survey.Import, e *coop.Error) *surveyImportView {
	v := &surveyImportView{Page: s.newPage(r, "survey.import.preview_title"), Survey: sv, Import: imp}
	v.Title = v.T("survey.import.preview_title_of", imp.Filename)
	if imp.Table == nil {
		return v
	}
	qn := sv.Version.Questionnaire
	lang := v.Lang
	v.Preview = s.Surveys.Preview(sv, imp)
	t := imp.Table
	for i, c := range t.Columns {
		col := importColumnView{Index: i, Field: "col." + strconv.Itoa(i), Name: c.Label(), Header: c.Header, Sub: c.Sub, Role: c.Role}
		if c.Continued {
			col.Header = ""
		}
		if i == t.DayColumn {
			col.Role = "day"
		}
		if e != nil {
			if k, ok := e.Fields[col.Field]; ok {
				col.Error = translate(v.L, k, e.FieldArgs[col.Field]...)
			}
		}
		if c.Role != survey.RoleAnswer {
			if c.Role == survey.RolePersonal {
				v.Personal++
			}
			v.Columns = append(v.Columns, col)
			continue
		}
		vals, more := t.Values(i)
		for _, x := range vals[:min(3, len(vals))] {
			col.Examples = append(col.Examples, importShorten(x.Value, 40))
		}
		cm := survey.ColumnMapping{}
		if i < len(imp.Mapping.Columns) {
			cm = imp.Mapping.Columns[i]
		}
		col.Selected = importEncodeColumn(cm.Question, cm.Part)
		switch {
		case cm.Guess == "order":
			col.Note = v.T("survey.import.guess_order")
		case cm.ValuesByOrder:
			col.Note = v.T("survey.import.values_by_order")
		case cm.Guess == "label":
			col.Note = v.T("survey.import.guess_label")
		}
		col.Groups = importGroups(v.Page, qn, lang, col.Selected)
		if q, ok := qn.Question(cm.Question); ok && cm.Choosing(qn) {
			col.Question = q.Label.In(lang)
			col.More = more
			if cm.Part != survey.PartAnswer {
				o, _ := q.Option(cm.Part)
				col.Part = v.T("survey.import.part_option", o.Label.In(lang))
			}
			for j, x := range vals {
				target, mapped := cm.Values[x.Value]
				val := importValueView{Field: "val." + strconv.Itoa(i) + "." + strconv.Itoa(j), Value: x.Value, Count: x.Count, Unmapped: !mapped}
				val.Options = append(val.Options, option{Value: "", Label: v.T("survey.import.value_choose"), Selected: !mapped})
				if cm.Part != survey.PartAnswer {
					val.Options = append(val.Options,
						option{Value: survey.TargetTicked, Label: v.T("survey.import.value_ticked"), Selected: target == survey.TargetTicked},
						option{Value: survey.TargetEmpty, Label: v.T("survey.import.value_unticked"), Selected: target == survey.TargetEmpty})
				} else {
					for _, o := range q.Choices() {
						if o.Code == survey.OtherCode {
							continue
						}
						val.Options = append(val.Options, option{Value: o.Code, Label: o.Label.In(lang), Selected: target == o.Code})
					}
					if q.Other {
						val.Options = append(val.Options, option{Value: survey.TargetOther, Label: v.T("survey.import.value_other"), Selected: target == survey.TargetOther})
					}
					val.Options = append(val.Options, option{Value: survey.TargetEmpty, Label: v.T("survey.import.value_empty"), Selected: target == survey.TargetEmpty})
				}
				col.Values = append(col.Values, val)
			}
			v.Valued = append(v.Valued, col)
		}
		v.Columns = append(v.Columns, col)
	}
	label := func(id string) string {
		if q, ok := qn.Question(id); ok {
			return q.Label.In(lang)
		}
		return id
	}
	for _, w := range v.Preview.Warnings {
		switch w.Key {
		case "survey.import.values_unmapped":
			if w.Count == 1 {
				v.Warnings = append(v.Warnings, v.T(w.Key+"_one", label(w.Question)))
			} else {
				v.Warnings = append(v.Warnings, v.T(w.Key, w.Count, label(w.Question)))
			}
		default:
			v.Warnings = append(v.Warnings, v.T(w.Key, label(w.Question)))
		}
	}
	for _, c := range v.Preview.Counts {
		v.Counts = append(v.Counts, importCountView{Problem: importProblem(v.L, lang, qn, survey.Issue{Question: c.Question, Key: c.Key, Args: c.Args}, false), Rows: c.Rows})
	}
	for _, row := range v.Preview.Issues {
		rv := importRowView{Line: row.Line}
		for _, is := range row.Issues {
			rv.Problems = append(rv.Problems, importProblem(v.L, lang, qn, is, true))
		}
		v.Rows = append(v.Rows, rv)
	}
	for _, row := range v.Preview.Sample {
		sv := importSampleView{Line: row.Line, Day: importDay(v.L, row.Day)}
		for _, q := range qn.Questions {
			if a, ok := row.Answers[q.ID]; ok {
				sv.Answers = append(sv.Answers, importAnswerView{Question: q.Label.In(lang), Answer: importShorten(s.answerText(lang, q, a), 200)})
			}
		}
		v.Sample = append(v.Sample, sv)
	}
	return v
}

// importGroups are the choices of a column's select: every question,
// with its "other" text and its options' tick boxes where it has them.
func importGroups(p Page, qn survey.Questionnaire, lang, selected string) []importOptionGroup {
	var out []importOptionGroup
	for _, q := range qn.Questions {
		g := importOptionGroup{Label: q.Label.In(lang)}
		add := func(value, label string) {
			g.Options = append(g.Options, option{Value: value, Label: label, Selected: value == selected})
		}
		add(q.ID, p.T("survey.import.part_answer", q.Label.In(lang)))
		if q.Other {
			add(importEncodeColumn(q.ID, survey.PartOther), p.T("survey.import.part_other"))
		}
		if q.Kind == survey.Multiple || q.Kind == survey.Days {
			for _, o := range q.Choices() {
				if o.Code != survey.OtherCode {
					add(importEncodeColumn(q.ID, o.Code), p.T("survey.import.part_option", o.Label.In(lang)))
				}
			}
		}
		out = append(out, g)
	}
	return out
}

// importProblem writes an issue in words; withValue adds what the file
// says.
func importProblem(l *i18n.Localizer, lang string, qn survey.Questionnaire, is survey.Issue, withValue bool) string {
	args := slices.Clone(is.Args)
	for i, a := range args {
		switch x := a.(type) {
		case float64:
			args[i] = l.Decimal(x)
		case string:
			if is.Key == "survey.import.row_future" {
				args[i] = importDay(l, x)
			}
		}
	}
	msg := translate(l, is.Key, args...)
	if !withValue {
		switch is.Key {
		case "survey.import.value_unmapped":
			msg = l.T("survey.import.values_to_choose")
		case "survey.import.row_columns", "survey.import.row_future":
			msg = l.T(is.Key + "_short")
		}
	}
	q, ok := qn.Question(is.Question)
	if !ok {
		return msg
	}
	if withValue && is.Value != "" && is.Key != "survey.import.value_unmapped" {
		return l.T("survey.import.problem_value", q.Label.In(lang), importShorten(is.Value, 80), msg)
	}
	return l.T("survey.import.problem", q.Label.In(lang), msg)
}

// importShorten cuts a text to n characters.
func importShorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
