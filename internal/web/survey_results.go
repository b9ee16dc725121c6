package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
)

// The results of a survey campaign, per territory: the page with its
// charts, table of communes and map, the exports of aggregated results,
// and the export of the anonymous answers. Coordinators and the
// campaign's managers read every territory; an official the communes and
// EPCI of their own territories; nobody else (404). Cells under
// survey.MinCell answers come hidden from the survey service and are
// shown as "moins de 5", with no number, everywhere.

var (
	errResultsNotFound = coop.Errorf(coop.ENotFound, "error.not_found")
	errScopeForbidden  = coop.Errorf(coop.EForbidden, "results.scope_forbidden")
)

// resAccess is what the caller may read of a campaign's results.
type resAccess struct {
	Survey survey.Survey
	Codes  []string // EPCI SIRENs and commune codes, when not All
	All    bool
}

// may tells whether the territory code ("" for the whole campaign) may be
// read.
func (rs resAccess) may(code string) bool {
	if rs.All {
		return true
	}
	return code != "" && slices.Contains(rs.Codes, code)
}

// first is the territory an official's page opens on: their first EPCI,
// or else their first commune.
func (rs resAccess) first() string {
	for _, c := range rs.Codes {
		if len(c) == 9 { // a SIREN; commune codes have 5 characters
			return c
		}
	}
	if len(rs.Codes) > 0 {
		return rs.Codes[0]
	}
	return ""
}

// readResults loads the campaign of the path and what the caller may read
// of it; a campaign they may read nothing of is not found.
func (s *Server) readResults(r *http.Request, id string) (resAccess, error) {
	var rs resAccess
	sv, err := s.Surveys.Get(r.Context(), id)
	if err != nil {
		return rs, err
	}
	codes, all, err := s.Surveys.Readable(r.Context(), *stateOf(r).user, sv)
	if err != nil {
		return rs, err
	}
	if !all && len(codes) == 0 {
		return rs, errResultsNotFound
	}
	return resAccess{Survey: sv, Codes: codes, All: all}, nil
}

// scopeResults computes the results of a territory the caller may read.
func (s *Server) scopeResults(r *http.Request, rs resAccess, code string) (survey.Results, error) {
	if !rs.may(code) {
		return survey.Results{}, errScopeForbidden
	}
	return s.Surveys.Results(r.Context(), rs.Survey, code)
}

// resultsView is the results page of one territory.
type resultsView struct {
	Page
	Survey    survey.Survey
	State     string
	Code      string // the territory shown, "" for the whole campaign
	ScopeName string
	Chooser   []resScopeGroup
	// Responses is the number of answers, written ("moins de 5" when
	// hidden); Hidden says that nothing else is shown.
	Responses string
	Hidden    bool
	Small     bool
	Versions  string
	Exports   []resExport
	// AnswersExports, for those who manage the campaign.
	AnswersExports []resExport
	ManageURL      string
	Sections       []resSection
	Crosstabs      []resCrosstab
	Demand         *resDemand
	EPCIs          []resScopeRow
	Communes       []resScopeRow
	Map            template.HTML
	MinCell        int
	SmallSample    int
}

// resScopeGroup is a group of the territory chooser.
type resScopeGroup struct {
	Label   string
	Options []option
}

type resExport struct{ Label, Href string }

// resSection is a part of the questionnaire, with its questions.
type resSection struct {
	Title     string
	Questions []resQuestion
}

// resQuestion is one question's results.
type resQuestion struct {
	ID       string
	Label    string
	Answered string
	Hidden   bool
	Small    bool
	// Versions says which versions asked the question, when not all did.
	Versions string
	Chart    *chart
	Summary  *resSummary
	// Note explains what is not shown (free texts, the many communes
	// under 5 answers each).
	Note string
}

// resSummary is a number question's summary, written.
type resSummary struct {
	N, Mean, Interval, Median, Unit string
}

// resCrosstab is a cross-tabulation, written: counts with row
// percentages.
type resCrosstab struct {
	ID, Caption string
	RowTitle    string
	Cols        []string
	Rows        []resCrossRow
	ColTotals   []resCrossCell
	Total       string
}

type resCrossRow struct {
	Label string
	Cells []resCrossCell
	Total resCrossCell
}

// resCrossCell is a count with its share of the row and its interval.
type resCrossCell struct {
	Count, Share, Interval string
	Hidden                 bool
}

// resDemand is the estimated demand, written, with its method.
type resDemand struct {
	Hidden                  bool
	Estimate, Low, High     string
	Share, Interval         string
	Count, Answered, Active string
	Method                  string
}

// resScopeRow is a territory's line in the tables of EPCI and communes.
type resScopeRow struct {
	Code, Name, EPCI, Responses string
	Hidden, Current             bool
	Href                        string
}

// chartBars turns cells into bars.
func chartBars(cells []survey.Cell, lang string) []chartBar {
	bars := make([]chartBar, len(cells))
	for i, c := range cells {
		bars[i] = chartBar{Label: c.Label.In(lang), Count: c.Count, Share: c.Proportion, Low: c.Low, High: c.High, Hidden: c.Hidden}
	}
	return bars
}

// maxCommuneBars is the number of communes a commune question's chart
// shows, the most answered; the others have fewer than MinCell answers
// each or come in the table.
const maxCommuneBars = 15

// resQuestionOf writes one question's results.
func resQuestionOf(l *i18n.Localizer, q survey.QuestionResult, allVersions []int) resQuestion {
	lang := l.Lang
	v := resQuestion{ID: q.Question.ID, Label: q.Question.Label.In(lang), Hidden: q.Hidden}
	if len(allVersions) > 1 && !slices.Equal(q.Versions, allVersions) && len(q.Versions) > 0 {
		nums := make([]string, len(q.Versions))
		for i, n := range q.Versions {
			nums[i] = l.T("results.version", n)
		}
		v.Versions = l.T("results.asked_in", strings.Join(nums, ", "))
	}
	if q.Hidden {
		v.Answered = resHidden(l)
		return v
	}
	v.Answered = l.Number(int64(q.Answered))
	v.Small = q.Answered < survey.SmallSample
	cells := q.Cells
	if q.Question.Kind == survey.Commune {
		// Communes: only those shown, most answered first.
		cells = slices.Clone(cells)
		slices.SortStableFunc(cells, func(a, b survey.Cell) int { return b.Count - a.Count })
		v.Note = l.T("results.communes_hidden_note")
		if len(cells) > maxCommuneBars {
			cells = cells[:maxCommuneBars]
			v.Note = strings.TrimSpace(l.T("results.communes_top_note", maxCommuneBars) + " " + v.Note)
		}
	}
	if len(cells) > 0 {
		caption := l.T("results.chart_caption", v.Label)
		c := barChart(l, "chart-"+q.Question.ID, caption, chartBars(cells, lang))
		v.Chart = &c
	}
	if s := q.Summary; s != nil && s.N > 0 {
		unit := s.Unit.In(lang)
		v.Summary = &resSummary{N: l.Number(int64(s.N)), Mean: resUnit(l.Decimal(s.Mean), unit), Median: resUnit(l.Decimal(s.Median), unit),
			Interval: l.T("results.interval", resUnit(l.Decimal(s.Low), unit), resUnit(l.Decimal(s.High), unit)), Unit: unit}
	}
	if q.Question.Kind == survey.FreeText {
		v.Note = l.T("results.free_text_note")
	}
	return v
}

// withUnit writes a number with its unit after a no-break space.
func resUnit(n, unit string) string {
	if unit == "" {
		return n
	}
	return n + "\u00a0" + unit
}

func resCrossCellOf(l *i18n.Localizer, c survey.Cell, shareShown bool) resCrossCell {
	if c.Hidden {
		return resCrossCell{Count: resHidden(l), Hidden: true}
	}
	out := resCrossCell{Count: l.Number(int64(c.Count))}
	if shareShown {
		out.Share, out.Interval = resPercent(l, c.Proportion), resInterval(l, c.Low, c.High)
	}
	return out
}

// resCrosstabOf writes a cross-tabulation with row percentages.
func resCrosstabOf(l *i18n.Localizer, i int, x survey.CrosstabResult) resCrosstab {
	lang := l.Lang
	v := resCrosstab{ID: fmt.Sprintf("crosstab-%d", i+1), Caption: l.T("results.crosstab_title", x.Row.Label.In(lang), x.Col.Label.In(lang)),
		RowTitle: x.Row.Label.In(lang), Total: resHidden(l)}
	for _, c := range x.ColLabels {
		v.Cols = append(v.Cols, c.In(lang))
	}
	for r, label := range x.RowLabels {
		row := resCrossRow{Label: label.In(lang)}
		// Shares are of the row's total: none when it is hidden.
		rowShown := r < len(x.RowTotals) && !x.RowTotals[r].Hidden
		if r < len(x.Counts) {
			for _, c := range x.Counts[r] {
				row.Cells = append(row.Cells, resCrossCellOf(l, c, rowShown))
			}
		}
		if r < len(x.RowTotals) {
			row.Total = resCrossCellOf(l, x.RowTotals[r], false)
		}
		v.Rows = append(v.Rows, row)
	}
	for _, c := range x.ColTotals {
		v.ColTotals = append(v.ColTotals, resCrossCellOf(l, c, false))
	}
	if x.TotalShown {
		v.Total = l.Number(int64(x.Total))
	}
	return v
}

// resDemandOf writes the estimated demand and its method: which answers
// count, and why it is a ceiling.
func resDemandOf(l *i18n.Localizer, d *survey.DemandEstimate, qn survey.Questionnaire) *resDemand {
	v := &resDemand{Hidden: d.Hidden, Active: l.Number(int64(d.Active))}
	var question string
	var answers []string
	if qd := qn.Demand; qd != nil {
		if q, ok := qn.Question(qd.Question); ok {
			question = q.Label.In(l.Lang)
			for _, code := range qd.AnyOf {
				if o, ok := q.Option(code); ok {
					answers = append(answers, l.T("results.quoted", o.Label.In(l.Lang)))
				}
			}
		}
	}
	v.Method = l.T("results.demand.method", strings.Join(answers, l.T("results.or")), l.T("results.quoted", question), v.Active)
	if d.Hidden {
		return v
	}
	v.Estimate, v.Low, v.High = l.Number(int64(d.Estimate)), l.Number(int64(d.EstimateLow)), l.Number(int64(d.EstimateHigh))
	v.Share, v.Interval = resPercent(l, d.Share), resInterval(l, d.Low, d.High)
	v.Count, v.Answered = l.Number(int64(d.Count)), l.Number(int64(d.Answered))
	return v
}

// countText writes a number of answers, "moins de 5" when hidden.
func resCount(l *i18n.Localizer, n int, hidden bool) string {
	if hidden {
		return resHidden(l)
	}
	return l.Number(int64(n))
}

func (s *Server) showSurveyResults(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.readResults(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	code := r.URL.Query().Get("territoire")
	if code == "" && !rs.All {
		code = rs.first()
	}
	res, err := s.scopeResults(r, rs, code)
	if err != nil {
		return err
	}
	breakdown, err := s.Surveys.Breakdown(r.Context(), rs.Survey)
	if err != nil {
		return err
	}
	canManage, err := s.Surveys.CanManage(r.Context(), *stateOf(r).user, rs.Survey)
	if err != nil {
		return err
	}
	v := s.resultsPage(r, rs, code, res, breakdown, canManage)
	return s.render(w, r, http.StatusOK, "survey_results", v)
}

// resultsPage builds the page's view from the results and the breakdown
// of the campaign's territories.
func (s *Server) resultsPage(r *http.Request, rs resAccess, code string, res survey.Results, breakdown []survey.ScopeCount, canManage bool) *resultsView {
	sv := rs.Survey
	v := &resultsView{Page: s.newPage(r, "results.title"), Survey: sv, Code: code, MinCell: survey.MinCell, SmallSample: survey.SmallSample}
	l, lang := v.L, v.Lang
	v.State = l.T("results.state." + string(sv.StateAt(survey.Paris(s.Clock.Now()))))
	v.ScopeName = res.Scope.Name
	if res.Scope.Kind == "all" {
		v.ScopeName = l.T("results.scope.all")
	}
	v.Title = l.T("results.page_title", sv.Title, v.ScopeName)
	base := "/enquetes/" + sv.PublicID + "/resultats"
	for _, f := range survey.Formats {
		v.Exports = append(v.Exports, resExport{Label: strings.ToUpper(f), Href: base + "/export?format=" + f + "&territoire=" + code})
		if canManage {
			v.AnswersExports = append(v.AnswersExports, resExport{Label: strings.ToUpper(f), Href: "/gestion/enquetes/" + sv.PublicID + "/reponses?format=" + f})
		}
	}
	if canManage {
		v.ManageURL = "/gestion/enquetes/" + sv.PublicID
	}

	// The chooser, the tables of EPCI and communes, and the map: the
	// territories the caller may read.
	epciNames := map[string]string{}
	all := resScopeGroup{Label: l.T("results.scope.group_all")}
	epcis := resScopeGroup{Label: l.T("results.scope.group_epci")}
	communes := resScopeGroup{Label: l.T("results.scope.group_communes")}
	var points []mapPoint
	for _, b := range breakdown {
		if !rs.may(b.Code) {
			continue
		}
		label := b.Name
		if b.Kind == "all" {
			label = l.T("results.scope.all")
		}
		opt := option{Value: b.Code, Label: l.T("results.scope.option", label, resCount(l, b.Responses, b.Hidden)), Selected: b.Code == code}
		row := resScopeRow{Code: b.Code, Name: label, Responses: resCount(l, b.Responses, b.Hidden), Hidden: b.Hidden, Current: b.Code == code,
			Href: base + "?territoire=" + b.Code}
		switch b.Kind {
		case "all":
			all.Options = append(all.Options, opt)
		case "epci":
			epciNames[b.Code] = b.Name
			epcis.Options = append(epcis.Options, opt)
			v.EPCIs = append(v.EPCIs, row)
		case "commune":
			row.EPCI = b.EPCI
			communes.Options = append(communes.Options, opt)
			v.Communes = append(v.Communes, row)
			points = append(points, mapPoint{Code: b.Code, Name: b.Name, Lat: b.Lat, Lon: b.Lon, Responses: b.Responses, Hidden: b.Hidden})
		}
	}
	for i := range v.Communes {
		if n, ok := epciNames[v.Communes[i].EPCI]; ok {
			v.Communes[i].EPCI = n
		} else if e, ok := s.Territory.EPCI(v.Communes[i].EPCI); ok {
			v.Communes[i].EPCI = e.Name
		}
	}
	for _, g := range []resScopeGroup{all, epcis, communes} {
		if len(g.Options) > 0 {
			v.Chooser = append(v.Chooser, g)
		}
	}
	v.Map = answersMap(l, "map-caption", points)

	// The results themselves.
	v.Hidden = res.Hidden
	v.Responses = resCount(l, res.Responses, res.Hidden)
	if res.Hidden {
		return v
	}
	v.Small = res.Responses < survey.SmallSample
	var counts []string
	for _, vc := range res.Versions {
		n := l.Number(int64(vc.Responses))
		if vc.Hidden {
			n = l.T("results.less_than_min")
		}
		counts = append(counts, l.T("results.version_count", l.T("results.version", vc.Number), n))
	}
	v.Versions = strings.Join(counts, ", ")
	var versions []int
	for _, q := range res.Questions {
		for _, n := range q.Versions {
			if !slices.Contains(versions, n) {
				versions = append(versions, n)
			}
		}
	}
	slices.Sort(versions)
	for _, q := range res.Questions {
		if t := q.Question.Section.In(lang); t != "" || len(v.Sections) == 0 {
			if t == "" {
				t = l.T("results.questions")
			}
			v.Sections = append(v.Sections, resSection{Title: t})
		}
		sec := &v.Sections[len(v.Sections)-1]
		sec.Questions = append(sec.Questions, resQuestionOf(l, q, versions))
	}
	for i, x := range res.Crosstabs {
		v.Crosstabs = append(v.Crosstabs, resCrosstabOf(l, i, x))
	}
	if res.Demand != nil {
		v.Demand = resDemandOf(l, res.Demand, sv.Version.Questionnaire)
	}
	return v
}

// exportName is the file name of an export: "resultats-{id}-{territory}.csv".
func resExportName(prefix, id, code, format string) string {
	name := prefix + "-" + id
	if code != "" {
		name += "-" + code
	}
	return name + "." + format
}

func (s *Server) exportSurveyResults(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if err := survey.CheckFormat(format); err != nil {
		return err
	}
	rs, err := s.readResults(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	code := r.URL.Query().Get("territoire")
	res, err := s.scopeResults(r, rs, code)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", survey.ContentType(format))
	h.Set("Content-Disposition", `attachment; filename="`+resExportName("resultats", rs.Survey.PublicID, code, format)+`"`)
	h.Set("Cache-Control", "no-store")
	return survey.WriteResults(w, format, rs.Survey, res, stateOf(r).loc)
}

// exportSurveyAnswers writes the campaign's anonymous answers, one row
// each, for those who manage it.
func (s *Server) exportSurveyAnswers(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if err := survey.CheckFormat(format); err != nil {
		return err
	}
	sv, err := s.adminSurvey(r)
	if err != nil {
		return err
	}
	versions, _, err := s.Surveys.Versions(r.Context(), sv.ID)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", survey.ContentType(format))
	h.Set("Content-Disposition", `attachment; filename="`+resExportName("reponses", sv.PublicID, "", format)+`"`)
	h.Set("Cache-Control", "no-store")
	aw, err := survey.NewAnswersWriter(w, format, survey.AnswerColumns(versions), stateOf(r).loc)
	if err != nil {
		return err
	}
	if err := s.Surveys.EachResponse(r.Context(), sv, aw.Write); err != nil {
		aw.Abort()
		return err
	}
	return aw.Close()
}
