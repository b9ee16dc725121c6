package web

import (
	"net/http"
	"net/url"
	"strings"

	"coopconnect/internal/coop"
	"coopconnect/internal/survey"
)

// Keying in paper answers: the campaign's team types the sheets that come
// back from the bulletins municipaux, each under its number; a second
// keying, blind, flags the questions where the two disagree, and someone
// settles them side by side.

// paperView is the keying page in its three modes: a new sheet ("first"),
// the blind second keying ("second") and the settlement ("settle").
type paperView struct {
	Page
	Survey   survey.Survey
	Mode     string
	Sections []surveySection
	Hidden   []hiddenField
	Action   string
	// Sheets keyed so far, and how many wait for a settlement.
	Sheets   []paperSheetRow
	Pending  int
	Sheet    *survey.KeyedSheet
	Answers  []answerRow // a sheet without disagreement, as stored
	Differs  int
	Campaign string // the campaign's management page
}

type paperSheetRow struct {
	survey.Sheet
	Path string
}

// answerRow is a question and an answer, in words.
type answerRow struct {
	N             int
	Label, Answer string
}

func paperBase(sv survey.Survey) string { return "/gestion/enquetes/" + sv.PublicID + "/saisie" }

func sheetPath(sv survey.Survey, sheet string) string {
	return paperBase(sv) + "/" + url.PathEscape(sheet)
}

func (s *Server) paperPage(r *http.Request, sv survey.Survey, mode, title string) *paperView {
	v := &paperView{Page: s.newPage(r, title), Survey: sv, Mode: mode, Campaign: "/gestion/enquetes/" + sv.PublicID}
	v.Title = v.T(title, sv.Title)
	return v
}

// --- A new sheet.

func (s *Server) paperKeyingView(r *http.Request, sv survey.Survey, values url.Values, errs *coop.Error) (*paperView, error) {
	v := s.paperPage(r, sv, "first", "survey.paper.title")
	v.Action = paperBase(sv)
	v.Sections, v.Hidden = questionsForm{qn: sv.Version.Questionnaire.ForPaper(), lang: v.Lang, l: v.L, ix: s.Territory, values: values, errs: errs, communes: sv.Communes}.build()
	sheets, err := s.Surveys.Sheets(r.Context(), *stateOf(r).user, sv.PublicID)
	if err != nil {
		return nil, err
	}
	for _, x := range sheets {
		v.Sheets = append(v.Sheets, paperSheetRow{Sheet: x, Path: sheetPath(sv, x.Number)})
		if x.State == survey.SheetDiffers {
			v.Pending++
		}
	}
	return v, nil
}

func (s *Server) showPaperKeying(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.adminSurvey(r)
	if err != nil {
		return err
	}
	v, err := s.paperKeyingView(r, sv, url.Values{}, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "survey_paper", v)
}

func (s *Server) keyPaper(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.adminSurvey(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	qn := sv.Version.Questionnaire.ForPaper()
	sheet := strings.TrimSpace(r.PostForm.Get("sheet"))
	answers, err := qn.Parse(s.Territory, pickCommunes(s.Territory, qn, r.PostForm))
	if err == nil {
		err = s.Surveys.KeyPaper(r.Context(), *stateOf(r).user, sv.PublicID, sheet, answers)
	} else if key := survey.CheckSheet(sheet); key != "" {
		coop.AsError(err).Fields["sheet"] = key // both problems at once
	}
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		v, verr := s.paperKeyingView(r, sv, r.PostForm, e)
		if verr != nil {
			return verr
		}
		v.Form["sheet"] = sheet
		return s.invalid(w, r, err, "survey_paper", v, errorOrder(qn, "sheet")...)
	}
	if e := coop.AsError(err); e != nil && e.Code == coop.EPrecondition {
		return s.redirect(w, r, paperBase(sv), "error", e.Message)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, paperBase(sv), "success", "survey.paper.saved")
}

// --- The blind second keying.

func (s *Server) keyedSheet(r *http.Request) (survey.Survey, survey.KeyedSheet, error) {
	sv, err := s.adminSurvey(r)
	if err != nil {
		return sv, survey.KeyedSheet{}, err
	}
	k, err := s.Surveys.KeyedSheet(r.Context(), *stateOf(r).user, sv.PublicID, r.PathValue("sheet"))
	return sv, k, err
}

func (s *Server) secondKeyingView(r *http.Request, sv survey.Survey, k survey.KeyedSheet, values url.Values, errs *coop.Error) *paperView {
	v := s.paperPage(r, sv, "second", "survey.paper.second_title")
	v.Sheet = &k
	v.Action = sheetPath(sv, k.Number) + "/controle"
	// The form starts empty: the first keying is never shown here.
	v.Sections, v.Hidden = questionsForm{qn: k.Version.Questionnaire.ForPaper(), lang: v.Lang, l: v.L, ix: s.Territory, values: values, errs: errs, communes: sv.Communes}.build()
	return v
}

func (s *Server) showSecondKeying(w http.ResponseWriter, r *http.Request) error {
	sv, k, err := s.keyedSheet(r)
	if err != nil {
		return err
	}
	if k.State == survey.SheetSettled {
		return s.redirect(w, r, sheetPath(sv, k.Number), "info", "survey.paper.already_settled")
	}
	return s.render(w, r, http.StatusOK, "survey_paper", s.secondKeyingView(r, sv, k, url.Values{}, nil))
}

func (s *Server) secondKeying(w http.ResponseWriter, r *http.Request) error {
	sv, k, err := s.keyedSheet(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	qn := k.Version.Questionnaire.ForPaper()
	answers, err := qn.Parse(s.Territory, pickCommunes(s.Territory, qn, r.PostForm))
	var differs []string
	if err == nil {
		differs, err = s.Surveys.SecondKeying(r.Context(), *stateOf(r).user, sv.PublicID, k.Number, answers)
	}
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		return s.invalid(w, r, err, "survey_paper", s.secondKeyingView(r, sv, k, r.PostForm, e), errorOrder(qn)...)
	}
	if e := coop.AsError(err); e != nil && e.Code == coop.EPrecondition {
		return s.redirect(w, r, sheetPath(sv, k.Number), "error", e.Message)
	}
	if err != nil {
		return err
	}
	if len(differs) == 0 {
		return s.redirect(w, r, paperBase(sv), "success", "survey.paper.agreed")
	}
	s.setFlash(w, "error", "survey.paper.differs", len(differs))
	http.Redirect(w, r, sheetPath(sv, k.Number), http.StatusSeeOther)
	return nil
}

// --- A sheet, its disagreements side by side, and their settlement.

func (s *Server) settleView(r *http.Request, sv survey.Survey, k survey.KeyedSheet, values url.Values, errs *coop.Error) *paperView {
	v := s.paperPage(r, sv, "settle", "survey.paper.sheet_title")
	v.Title = v.T("survey.paper.sheet_title", k.Number)
	v.Sheet = &k
	v.Action = sheetPath(sv, k.Number)
	qn := k.Version.Questionnaire
	if k.State != survey.SheetDiffers {
		for i, q := range qn.Questions {
			if val, ok := k.First[q.ID]; ok {
				v.Answers = append(v.Answers, answerRow{N: i + 1, Label: q.Label.In(v.Lang), Answer: s.answerText(v.Lang, q, val)})
			}
		}
		return v
	}
	only := map[string]bool{}
	for _, id := range k.Differs {
		only[id] = true
	}
	v.Differs = len(k.Differs)
	if values == nil {
		values = k.First.Form() // start from the first keying
	}
	v.Sections, v.Hidden = questionsForm{qn: qn.ForPaper(), lang: v.Lang, l: v.L, ix: s.Territory, values: values, errs: errs, communes: sv.Communes, only: only}.build()
	for i := range v.Sections {
		for j := range v.Sections[i].Questions {
			sq := &v.Sections[i].Questions[j]
			q, _ := qn.Question(sq.ID)
			sq.Differs = true
			sq.First, sq.Second = s.answerText(v.Lang, q, k.First[q.ID]), s.answerText(v.Lang, q, k.Second[q.ID])
		}
	}
	return v
}

func (s *Server) showSettle(w http.ResponseWriter, r *http.Request) error {
	sv, k, err := s.keyedSheet(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "survey_paper", s.settleView(r, sv, k, nil, nil))
}

func (s *Server) settleSheet(w http.ResponseWriter, r *http.Request) error {
	sv, k, err := s.keyedSheet(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	if k.State != survey.SheetDiffers {
		return s.redirect(w, r, sheetPath(sv, k.Number), "info", "survey.paper.nothing_to_settle")
	}
	qn := k.Version.Questionnaire.ForPaper()
	answers, err := qn.Parse(s.Territory, pickCommunes(s.Territory, qn, r.PostForm))
	if err == nil {
		err = s.Surveys.Settle(r.Context(), *stateOf(r).user, sv.PublicID, k.Number, answers)
	}
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		return s.invalid(w, r, err, "survey_paper", s.settleView(r, sv, k, r.PostForm, e), errorOrder(qn)...)
	}
	if e := coop.AsError(err); e != nil && e.Code == coop.EPrecondition {
		return s.redirect(w, r, sheetPath(sv, k.Number), "error", e.Message)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, paperBase(sv), "success", "survey.paper.settled")
}

// answerText writes an answer in words: the options' labels, a number
// with its unit, a commune's name.
func (s *Server) answerText(lang string, q survey.Question, v survey.Value) string {
	l := s.Catalogs.For(lang)
	switch {
	case v.Empty():
		return l.T("survey.paper.blank")
	case len(v.Choices) > 0:
		var labels []string
		for _, code := range v.Choices {
			o, ok := q.Option(code)
			switch {
			case code == survey.OtherCode:
				labels = append(labels, l.T("survey.other_answer", v.Other))
			case ok:
				labels = append(labels, o.Label.In(lang))
			default:
				labels = append(labels, code)
			}
		}
		return strings.Join(labels, ", ")
	case v.Number != nil:
		n := l.Decimal(*v.Number)
		if u := q.Unit.In(lang); u != "" {
			n += "\u00a0" + u
		}
		return n
	case q.Kind == survey.Commune:
		if c, ok := s.Territory.Commune(v.Text); ok {
			return c.Name + " (" + c.Code + ")"
		}
	}
	return v.Text
}

// StateLabel writes a sheet's state.
func (v *paperView) StateLabel(x survey.Sheet) string {
	if x.State == survey.SheetDiffers {
		return v.T("survey.paper.state.differs", len(x.Differs))
	}
	return v.T("survey.paper.state." + string(x.State))
}
