package survey

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

// The formats results and answers are exported in.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
	FormatJSON = "json"
)

// Formats lists the export formats, in the order pages offer them.
var Formats = []string{FormatCSV, FormatXLSX, FormatJSON}

// CheckFormat refuses an unknown export format.
func CheckFormat(format string) error {
	if slices.Contains(Formats, format) {
		return nil
	}
	return &coop.Error{Code: coop.EInvalid, Message: "results.export.format_invalid", Fields: map[string]string{"format": "results.export.format_invalid"}}
}

// ContentType is the media type of an export format.
func ContentType(format string) string {
	switch format {
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case FormatJSON:
		return "application/json; charset=utf-8"
	}
	return "text/csv; charset=utf-8"
}

// bom starts the CSV files: without it, French spreadsheets read UTF-8 as
// Windows-1252.
const bom = "\ufeff"

// newCSV starts a CSV file the way French spreadsheets open it directly:
// UTF-8 with a byte order mark, ';' between fields, CRLF line ends.
func newCSV(w io.Writer) (*csv.Writer, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	c := csv.NewWriter(w)
	c.Comma = ';'
	c.UseCRLF = true
	return c, nil
}

// decimal writes a number with a decimal comma and at most places
// decimals, for CSV files read by French spreadsheets.
func decimal(f float64, places int) string {
	p := math.Pow(10, float64(places))
	return strings.Replace(strconv.FormatFloat(math.Round(f*p)/p, 'f', -1, 64), ".", ",", 1)
}

// cellText defuses a text a spreadsheet would take for a formula (CSV
// injection): answers are typed by anyone.
func cellText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// round4 keeps four decimals, enough for a proportion.
func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

func ptr[T any](v T) *T { return &v }

// ptrUnless points to v, or is nil when the figure is hidden.
func ptrUnless[T any](hidden bool, v T) *T {
	if hidden {
		return nil
	}
	return &v
}

// ResultsJSON is the JSON of a territory's results: the API's answer and
// the JSON export. Hidden figures are left out, never given as zeros.
type ResultsJSON struct {
	Survey    string        `json:"survey"`
	Title     string        `json:"title"`
	Territory TerritoryJSON `json:"territory"`
	// Responses is left out when the territory has under MinCell answers;
	// Hidden says so, and nothing else is given.
	Responses *int           `json:"responses,omitempty"`
	Hidden    bool           `json:"hidden"`
	MinCell   int            `json:"min_cell"`
	Versions  []VersionJSON  `json:"versions,omitempty"`
	Questions []QuestionJSON `json:"questions"`
	Crosstabs []CrosstabJSON `json:"crosstabs,omitempty"`
	Demand    *DemandJSON    `json:"demand,omitempty"`
}

// TerritoryJSON is the territory of results.
type TerritoryJSON struct {
	Kind string `json:"kind"` // all, epci or commune
	Code string `json:"code,omitempty"`
	Name string `json:"name,omitempty"`
}

// VersionJSON is the number of answers given with one version.
type VersionJSON struct {
	Version   int  `json:"version"`
	Responses *int `json:"responses,omitempty"`
	Hidden    bool `json:"hidden"`
}

// QuestionJSON is one question's results: options for choice questions
// (and a number's bands), a summary for numbers.
type QuestionJSON struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Label    string `json:"label"`
	Answered *int   `json:"answered,omitempty"`
	Hidden   bool   `json:"hidden"`
	// Versions are the questionnaire versions that asked the question.
	Versions []int        `json:"versions,omitempty"`
	Options  []CellJSON   `json:"options,omitempty"`
	Summary  *SummaryJSON `json:"summary,omitempty"`
}

// CellJSON is one option's count among those who answered, its proportion
// and 95% Wilson interval; a hidden cell has none of them.
type CellJSON struct {
	Code       string   `json:"code,omitempty"`
	Label      string   `json:"label"`
	Count      *int     `json:"count,omitempty"`
	Proportion *float64 `json:"proportion,omitempty"`
	CILow      *float64 `json:"ci_low,omitempty"`
	CIHigh     *float64 `json:"ci_high,omitempty"`
	Hidden     bool     `json:"hidden"`
}

// SummaryJSON is a number question's mean with its 95% interval, and
// median.
type SummaryJSON struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	Unit   string  `json:"unit,omitempty"`
}

// CrosstabJSON is a cross-tabulation: counts of Rows × Cols with
// proportions of the row.
type CrosstabJSON struct {
	Row       string       `json:"row"`
	Col       string       `json:"col"`
	RowLabel  string       `json:"row_label"`
	ColLabel  string       `json:"col_label"`
	Rows      []string     `json:"rows"`
	Cols      []string     `json:"cols"`
	Cells     [][]CellJSON `json:"cells"`
	RowTotals []CellJSON   `json:"row_totals"`
	ColTotals []CellJSON   `json:"col_totals"`
	Total     *int         `json:"total,omitempty"`
}

// DemandJSON is the estimated demand and how it was reached.
type DemandJSON struct {
	Hidden       bool     `json:"hidden"`
	Count        *int     `json:"count,omitempty"`
	Answered     *int     `json:"answered,omitempty"`
	Share        *float64 `json:"share,omitempty"`
	CILow        *float64 `json:"ci_low,omitempty"`
	CIHigh       *float64 `json:"ci_high,omitempty"`
	Active       int      `json:"active_population"`
	Estimate     *int     `json:"estimate,omitempty"`
	EstimateLow  *int     `json:"estimate_low,omitempty"`
	EstimateHigh *int     `json:"estimate_high,omitempty"`
}

func cellJSON(c Cell, lang string) CellJSON {
	out := CellJSON{Code: c.Code, Label: c.Label.In(lang), Hidden: c.Hidden}
	if !c.Hidden {
		out.Count = ptr(c.Count)
		out.Proportion, out.CILow, out.CIHigh = ptr(round4(c.Proportion)), ptr(round4(c.Low)), ptr(round4(c.High))
	}
	return out
}

func cellsJSON(cs []Cell, lang string) []CellJSON {
	out := make([]CellJSON, len(cs))
	for i, c := range cs {
		out[i] = cellJSON(c, lang)
	}
	return out
}

func texts(ts []Text, lang string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.In(lang)
	}
	return out
}

// NewResultsJSON turns results into their JSON, labels in lang.
func NewResultsJSON(sv Survey, r Results, lang string) ResultsJSON {
	out := ResultsJSON{Survey: sv.PublicID, Title: sv.Title, MinCell: MinCell, Hidden: r.Hidden, Questions: []QuestionJSON{},
		Territory: TerritoryJSON{Kind: r.Scope.Kind, Code: r.Scope.Code, Name: r.Scope.Name}}
	if r.Hidden {
		return out
	}
	out.Responses = ptr(r.Responses)
	for _, v := range r.Versions {
		out.Versions = append(out.Versions, VersionJSON{Version: v.Number, Responses: ptrUnless(v.Hidden, v.Responses), Hidden: v.Hidden})
	}
	for _, q := range r.Questions {
		j := QuestionJSON{ID: q.Question.ID, Kind: string(q.Question.Kind), Label: q.Question.Label.In(lang), Hidden: q.Hidden, Versions: q.Versions}
		if !q.Hidden {
			j.Answered = ptr(q.Answered)
			if q.Question.Kind.Choice() || q.Question.Kind == Commune || len(q.Cells) > 0 {
				j.Options = cellsJSON(q.Cells, lang)
			}
			if s := q.Summary; s != nil && s.N > 0 {
				j.Summary = &SummaryJSON{N: s.N, Mean: round4(s.Mean), Median: round4(s.Median), CILow: round4(s.Low), CIHigh: round4(s.High), Unit: s.Unit.In(lang)}
			}
		}
		out.Questions = append(out.Questions, j)
	}
	for _, x := range r.Crosstabs {
		j := CrosstabJSON{Row: x.Row.ID, Col: x.Col.ID, RowLabel: x.Row.Label.In(lang), ColLabel: x.Col.Label.In(lang),
			Rows: texts(x.RowLabels, lang), Cols: texts(x.ColLabels, lang),
			RowTotals: cellsJSON(x.RowTotals, lang), ColTotals: cellsJSON(x.ColTotals, lang)}
		for _, row := range x.Counts {
			j.Cells = append(j.Cells, cellsJSON(row, lang))
		}
		if x.TotalShown {
			j.Total = ptr(x.Total)
		}
		out.Crosstabs = append(out.Crosstabs, j)
	}
	if d := r.Demand; d != nil {
		j := &DemandJSON{Hidden: d.Hidden, Active: d.Active}
		if !d.Hidden {
			j.Count, j.Answered = ptr(d.Count), ptr(d.Answered)
			j.Share, j.CILow, j.CIHigh = ptr(round4(d.Share)), ptr(round4(d.Low)), ptr(round4(d.High))
			j.Estimate, j.EstimateLow, j.EstimateHigh = ptr(d.Estimate), ptr(d.EstimateLow), ptr(d.EstimateHigh)
		}
		out.Demand = j
	}
	return out
}

// resultRow is one line of the results table of the CSV and XLSX exports.
type resultRow struct {
	Question, QuestionLabel string
	Answered                *int
	Code, Label             string
	Count                   *int
	// Share and its interval are fractions; Value and its interval are in
	// the question's unit (a mean, a median, an estimated number of users).
	Share, ShareLow, ShareHigh *float64
	Value, ValueLow, ValueHigh *float64
	Hidden                     bool
}

// resultColumns are the message keys of the columns of resultRow.
var resultColumns = []string{"territory", "question_id", "question", "answered", "code", "label", "count",
	"share", "share_low", "share_high", "value", "value_low", "value_high", "hidden"}

// resultRows flattens results into rows: the number of answers and the
// versions, every question's cells and summary, the cross-tabulations
// (code "row|col") and the estimated demand.
func resultRows(r Results, l *i18n.Localizer) []resultRow {
	lang := l.Lang
	cellRow := func(question, qlabel string, answered *int, c Cell, code, label string) resultRow {
		row := resultRow{Question: question, QuestionLabel: qlabel, Answered: answered, Code: code, Label: label, Hidden: c.Hidden}
		if !c.Hidden {
			row.Count = ptr(c.Count)
			row.Share, row.ShareLow, row.ShareHigh = ptr(c.Proportion), ptr(c.Low), ptr(c.High)
		}
		return row
	}
	responses := resultRow{Question: "responses", QuestionLabel: l.T("results.export.responses"), Hidden: r.Hidden}
	if !r.Hidden {
		responses.Count = ptr(r.Responses)
	}
	rows := []resultRow{responses}
	if r.Hidden {
		return rows
	}
	for _, v := range r.Versions {
		rows = append(rows, resultRow{Question: "version", QuestionLabel: l.T("results.export.version"),
			Code: strconv.Itoa(v.Number), Label: l.T("results.version", v.Number), Count: ptr(v.Responses)})
	}
	for _, q := range r.Questions {
		id, label := q.Question.ID, q.Question.Label.In(lang)
		if q.Hidden {
			rows = append(rows, resultRow{Question: id, QuestionLabel: label, Hidden: true})
			continue
		}
		answered := ptr(q.Answered)
		if len(q.Cells) == 0 && q.Summary == nil {
			rows = append(rows, resultRow{Question: id, QuestionLabel: label, Answered: answered})
		}
		for _, c := range q.Cells {
			rows = append(rows, cellRow(id, label, answered, c, c.Code, c.Label.In(lang)))
		}
		if s := q.Summary; s != nil && s.N > 0 {
			unit := s.Unit.In(lang)
			rows = append(rows,
				resultRow{Question: id, QuestionLabel: label, Answered: answered, Code: "mean", Label: withUnit(l.T("results.mean"), unit),
					Count: ptr(s.N), Value: ptr(s.Mean), ValueLow: ptr(s.Low), ValueHigh: ptr(s.High)},
				resultRow{Question: id, QuestionLabel: label, Answered: answered, Code: "median", Label: withUnit(l.T("results.median"), unit),
					Count: ptr(s.N), Value: ptr(s.Median)})
		}
	}
	for _, x := range r.Crosstabs {
		id := x.Row.ID + "|" + x.Col.ID
		label := l.T("results.crosstab_title", x.Row.Label.In(lang), x.Col.Label.In(lang))
		var total *int
		if x.TotalShown {
			total = ptr(x.Total)
		}
		for i, row := range x.Counts {
			for j, c := range row {
				if i >= len(x.RowLabels) || j >= len(x.ColLabels) {
					continue
				}
				rows = append(rows, cellRow(id, label, total, c, crossCode(x, i, j), x.RowLabels[i].In(lang)+" × "+x.ColLabels[j].In(lang)))
			}
		}
	}
	if d := r.Demand; d != nil {
		label := l.T("results.demand.title")
		share := resultRow{Question: "demand", QuestionLabel: label, Code: "share", Label: l.T("results.export.demand_share"), Hidden: d.Hidden}
		estimate := resultRow{Question: "demand", QuestionLabel: label, Code: "estimate", Label: l.T("results.export.demand_estimate", l.Number(int64(d.Active))), Hidden: d.Hidden}
		if !d.Hidden {
			share.Answered, share.Count = ptr(d.Answered), ptr(d.Count)
			share.Share, share.ShareLow, share.ShareHigh = ptr(d.Share), ptr(d.Low), ptr(d.High)
			estimate.Value, estimate.ValueLow, estimate.ValueHigh = ptr(float64(d.Estimate)), ptr(float64(d.EstimateLow)), ptr(float64(d.EstimateHigh))
		}
		rows = append(rows, share, estimate)
	}
	return rows
}

// crossCode names a cross-tabulation's cell "row|col" by its row and
// column option codes, or their positions when the cells carry none.
func crossCode(x CrosstabResult, i, j int) string {
	r, k := strconv.Itoa(i+1), strconv.Itoa(j+1)
	if i < len(x.RowTotals) && x.RowTotals[i].Code != "" {
		r = x.RowTotals[i].Code
	}
	if c := x.Counts[i][j]; c.Code != "" {
		k = c.Code
	} else if j < len(x.ColTotals) && x.ColTotals[j].Code != "" {
		k = x.ColTotals[j].Code
	}
	return r + "|" + k
}

func withUnit(label, unit string) string {
	if unit == "" {
		return label
	}
	return label + " (" + unit + ")"
}

// scopeName names the territory of results in l's language.
func scopeName(s Scope, l *i18n.Localizer) string {
	if s.Kind == "all" || s.Kind == "" {
		return l.T("results.scope.all")
	}
	return s.Name
}

// WriteResults writes a territory's results in format, labels and headers
// in l's language. Hidden cells are written as hidden, with no number.
func WriteResults(w io.Writer, format string, sv Survey, r Results, l *i18n.Localizer) error {
	if err := CheckFormat(format); err != nil {
		return err
	}
	switch format {
	case FormatJSON:
		b, err := json.MarshalIndent(NewResultsJSON(sv, r, l.Lang), "", " ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case FormatXLSX:
		return writeResultsXLSX(w, r, l)
	}
	return writeResultsCSV(w, r, l)
}

func header(l *i18n.Localizer, prefix string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = l.T(prefix + k)
	}
	return out
}

func writeResultsCSV(w io.Writer, r Results, l *i18n.Localizer) error {
	c, err := newCSV(w)
	if err != nil {
		return err
	}
	if err := c.Write(header(l, "results.export.col.", resultColumns)); err != nil {
		return err
	}
	territory := scopeName(r.Scope, l)
	for _, row := range resultRows(r, l) {
		rec := []string{cellText(territory), row.Question, cellText(row.QuestionLabel), intText(row.Answered), row.Code, cellText(row.Label),
			intText(row.Count), pctText(row.Share), pctText(row.ShareLow), pctText(row.ShareHigh),
			numText(row.Value), numText(row.ValueLow), numText(row.ValueHigh), hiddenText(row.Hidden, l)}
		if err := c.Write(rec); err != nil {
			return err
		}
	}
	c.Flush()
	return c.Error()
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// pctText writes a fraction as a percentage with one decimal: "36,4".
func pctText(f *float64) string {
	if f == nil {
		return ""
	}
	return decimal(*f*100, 1)
}

func numText(f *float64) string {
	if f == nil {
		return ""
	}
	return decimal(*f, 2)
}

func hiddenText(hidden bool, l *i18n.Localizer) string {
	if hidden {
		return l.T("results.less_than_min")
	}
	return ""
}

// xlsx holds the styles of a workbook being written.
type xlsx struct {
	f                   *excelize.File
	head, pct, num, txt int
}

func newXLSX() (*xlsx, error) {
	f := excelize.NewFile()
	x := &xlsx{f: f}
	var err error
	if x.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"ECE7F6"}}}); err != nil {
		return nil, err
	}
	pct, num, txt := "0.0%", "0.##", "@"
	if x.pct, err = f.NewStyle(&excelize.Style{CustomNumFmt: &pct}); err != nil {
		return nil, err
	}
	if x.num, err = f.NewStyle(&excelize.Style{CustomNumFmt: &num}); err != nil {
		return nil, err
	}
	if x.txt, err = f.NewStyle(&excelize.Style{CustomNumFmt: &txt}); err != nil {
		return nil, err
	}
	return x, nil
}

// sheet opens a stream on a new sheet (the first one renames the default
// sheet) and writes its header row, frozen.
func (x *xlsx) sheet(name string, first bool, head []string, widths ...float64) (*excelize.StreamWriter, error) {
	if first {
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := x.f.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	row := make([]any, len(head))
	for i, h := range head {
		row[i] = excelize.Cell{StyleID: x.head, Value: h}
	}
	return sw, sw.SetRow("A1", row)
}

// finish writes the workbook and releases it (and its temporary files).
func (x *xlsx) finish(w io.Writer) error {
	_, err := x.f.WriteTo(w)
	if cerr := x.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func xlsxInt(n *int) any {
	if n == nil {
		return nil
	}
	return *n
}

func (x *xlsx) styled(f *float64, style int) any {
	if f == nil {
		return nil
	}
	return excelize.Cell{StyleID: style, Value: *f}
}

func writeResultsXLSX(w io.Writer, r Results, l *i18n.Localizer) (err error) {
	x, err := newXLSX()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			x.f.Close()
		}
	}()
	sw, err := x.sheet(l.T("results.export.sheet_results"), true, header(l, "results.export.col.", resultColumns),
		24, 16, 48, 12, 16, 40, 10, 10, 12, 12, 10, 12, 12, 12)
	if err != nil {
		return err
	}
	territory := scopeName(r.Scope, l)
	for i, row := range resultRows(r, l) {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		var hidden any
		if row.Hidden {
			hidden = l.T("results.less_than_min")
		}
		if err := sw.SetRow(cell, []any{territory, row.Question, row.QuestionLabel, xlsxInt(row.Answered),
			excelize.Cell{StyleID: x.txt, Value: row.Code}, row.Label, xlsxInt(row.Count),
			x.styled(row.Share, x.pct), x.styled(row.ShareLow, x.pct), x.styled(row.ShareHigh, x.pct),
			x.styled(row.Value, x.num), x.styled(row.ValueLow, x.num), x.styled(row.ValueHigh, x.num), hidden}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.finish(w)
}

// AnswerColumn is one column of the anonymous answers export, after the
// fixed ones (day, source, channel commune, version).
type AnswerColumn struct {
	// Name is the header: the question ID, "ID.option" for one option of
	// a multiple choice (0 or 1), "ID.other" for the text of "other".
	Name     string
	Question string
	Kind     Kind
	// Option is the option code of a 0/1 column.
	Option string
	// Other marks the "other" text column.
	Other bool
	// Label and OptionLabel describe the column in the dictionary.
	Label, OptionLabel Text
}

// answerFixed are the message keys of the columns every answer starts with.
var answerFixed = []string{"day", "source", "channel", "version"}

// perOption tells whether a question's answer takes a 0/1 column per option.
func perOption(k Kind) bool { return k == Multiple || k == Days }

// AnswerColumns returns the columns of the answers export for every
// version of a questionnaire: the questions of the newest version in its
// order, then those only older versions asked; options likewise.
func AnswerColumns(versions []Version) []AnswerColumn {
	type entry struct {
		q       Question
		options []Option
		other   bool
	}
	var order []string
	byID := map[string]*entry{}
	for i := len(versions) - 1; i >= 0; i-- {
		for _, q := range versions[i].Questionnaire.Questions {
			e, ok := byID[q.ID]
			if !ok {
				e = &entry{q: q}
				byID[q.ID] = e
				order = append(order, q.ID)
			}
			if e.q.Kind != q.Kind {
				continue // a question's kind never changes under one ID; keep the newest
			}
			for _, o := range q.Choices() {
				if o.Code == OtherCode {
					e.other = true
					continue
				}
				if !slices.ContainsFunc(e.options, func(x Option) bool { return x.Code == o.Code }) {
					e.options = append(e.options, o)
				}
			}
		}
	}
	var cols []AnswerColumn
	for _, id := range order {
		e := byID[id]
		q := e.q
		if perOption(q.Kind) {
			for _, o := range e.options {
				cols = append(cols, AnswerColumn{Name: id + "." + o.Code, Question: id, Kind: q.Kind, Option: o.Code, Label: q.Label, OptionLabel: o.Label})
			}
		} else {
			cols = append(cols, AnswerColumn{Name: id, Question: id, Kind: q.Kind, Label: q.Label})
		}
		if e.other {
			cols = append(cols, AnswerColumn{Name: id + "." + OtherCode, Question: id, Kind: q.Kind, Other: true, Label: q.Label,
				OptionLabel: Text{FR: "Autre (précisez)", EN: "Other (specify)"}})
		}
	}
	return cols
}

// value is a column's value in an answer: nil when the answer's version
// did not ask the question or it was not answered; 0 or 1 for an option
// column; a float64 for a number; an int for a scale; a string otherwise.
func (c AnswerColumn) value(r Response) any {
	a, ok := r.Answers[c.Question]
	if !ok || a.Empty() {
		return nil // not asked by the answer's version, or not answered
	}
	switch {
	case c.Other:
		if a.Other == "" {
			return nil
		}
		return a.Other
	case c.Option != "":
		if slices.Contains(a.Choices, c.Option) {
			return 1
		}
		return 0
	case a.Number != nil:
		return *a.Number
	case len(a.Choices) > 0:
		if n, err := strconv.Atoi(a.Choices[0]); err == nil && c.Kind == Scale {
			return n
		}
		return strings.Join(a.Choices, ",")
	}
	return a.Text
}

// askedColumns caches, per version, which columns the version asked: a
// question it had, an option it offered.
type askedColumns struct {
	cols  []AnswerColumn
	asked map[int64][]bool
}

func (a *askedColumns) of(v Version) []bool {
	if m, ok := a.asked[v.ID]; ok {
		return m
	}
	if a.asked == nil {
		a.asked = map[int64][]bool{}
	}
	m := make([]bool, len(a.cols))
	for i, c := range a.cols {
		q, ok := v.Questionnaire.Question(c.Question)
		switch {
		case !ok || q.Kind != c.Kind:
		case c.Other:
			m[i] = q.Other
		case c.Option != "":
			_, m[i] = q.Option(c.Option)
		default:
			m[i] = true
		}
	}
	a.asked[v.ID] = m
	return m
}

// values calls fn with each column's value in r (see value), nil for the
// columns v did not ask.
func (a *askedColumns) values(v Version, r Response, fn func(c AnswerColumn, val any)) {
	asked := a.of(v)
	for i, c := range a.cols {
		var val any
		if asked[i] {
			val = c.value(r)
		}
		fn(c, val)
	}
}

// AnswersWriter writes the anonymous answers one by one: the day, the
// source, the commune of the link that brought the answer, the version and
// the answers, never anything else.
type AnswersWriter interface {
	Write(v Version, r Response) error
	// Close ends the file; nothing is complete before.
	Close() error
	// Abort gives up the file, releasing what it holds, after an error.
	Abort()
}

// NewAnswersWriter starts the answers export in format, with the columns
// of AnswerColumns and headers in l's language.
func NewAnswersWriter(w io.Writer, format string, cols []AnswerColumn, l *i18n.Localizer) (AnswersWriter, error) {
	if err := CheckFormat(format); err != nil {
		return nil, err
	}
	fixed := header(l, "results.export.answer.", answerFixed)
	switch format {
	case FormatXLSX:
		return newAnswersXLSX(w, fixed, cols, l)
	case FormatJSON:
		return newAnswersJSON(w, cols, l)
	}
	c, err := newCSV(w)
	if err != nil {
		return nil, err
	}
	head := slices.Clone(fixed)
	for _, col := range cols {
		head = append(head, col.Name)
	}
	return &answersCSV{c: c, askedColumns: askedColumns{cols: cols}}, c.Write(head)
}

type answersCSV struct {
	askedColumns
	c   *csv.Writer
	rec []string
}

func (a *answersCSV) Write(v Version, r Response) error {
	a.rec = append(a.rec[:0], r.Day, r.Source, r.Channel, strconv.Itoa(v.Number))
	a.values(v, r, func(_ AnswerColumn, val any) {
		var s string
		switch x := val.(type) {
		case int:
			s = strconv.Itoa(x)
		case float64:
			s = decimal(x, 6)
		case string:
			s = cellText(x)
		}
		a.rec = append(a.rec, s)
	})
	return a.c.Write(a.rec)
}

func (a *answersCSV) Close() error {
	a.c.Flush()
	return a.c.Error()
}

func (a *answersCSV) Abort() {}

type answersXLSX struct {
	askedColumns
	w    io.Writer
	x    *xlsx
	sw   *excelize.StreamWriter
	l    *i18n.Localizer
	row  int
	vals []any
}

func newAnswersXLSX(w io.Writer, fixed []string, cols []AnswerColumn, l *i18n.Localizer) (*answersXLSX, error) {
	x, err := newXLSX()
	if err != nil {
		return nil, err
	}
	head := slices.Clone(fixed)
	for _, c := range cols {
		head = append(head, c.Name)
	}
	sw, err := x.sheet(l.T("results.export.sheet_answers"), true, head, 12, 8, 10, 8)
	if err != nil {
		return nil, err
	}
	return &answersXLSX{askedColumns: askedColumns{cols: cols}, w: w, x: x, sw: sw, l: l, row: 1}, nil
}

func (a *answersXLSX) Write(v Version, r Response) error {
	a.row++
	a.vals = append(a.vals[:0], r.Day, r.Source, excelize.Cell{StyleID: a.x.txt, Value: r.Channel}, v.Number)
	a.values(v, r, func(c AnswerColumn, val any) {
		if s, ok := val.(string); ok && c.Kind == Commune {
			val = excelize.Cell{StyleID: a.x.txt, Value: s} // "04088" stays a code
		}
		a.vals = append(a.vals, val)
	})
	cell, _ := excelize.CoordinatesToCellName(1, a.row)
	return a.sw.SetRow(cell, a.vals)
}

func (a *answersXLSX) Abort() { a.x.f.Close() }

// Close ends the answers and adds the dictionary of the columns.
func (a *answersXLSX) Close() (err error) {
	defer func() {
		if err != nil {
			a.Abort()
		}
	}()
	if err := a.sw.Flush(); err != nil {
		return err
	}
	lang := a.l.Lang
	sw, err := a.x.sheet(a.l.T("results.export.sheet_dictionary"), false,
		header(a.l, "results.export.dict.", []string{"column", "question", "option"}), 28, 60, 40)
	if err != nil {
		return err
	}
	for i, c := range a.cols {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{c.Name, c.Label.In(lang), c.OptionLabel.In(lang)}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return a.x.finish(a.w)
}

type answersJSON struct {
	askedColumns
	w     *bufio.Writer
	count int
	err   error
}

// newAnswersJSON starts {"columns":[…],"responses":[…]}: each response an
// object of the fixed fields and "answers", its answered columns.
func newAnswersJSON(w io.Writer, cols []AnswerColumn, l *i18n.Localizer) (*answersJSON, error) {
	type colJSON struct {
		Name     string `json:"name"`
		Question string `json:"question"`
		Kind     string `json:"kind"`
		Label    string `json:"label"`
		Option   string `json:"option,omitempty"`
	}
	head := make([]colJSON, len(cols))
	for i, c := range cols {
		head[i] = colJSON{Name: c.Name, Question: c.Question, Kind: string(c.Kind), Label: c.Label.In(l.Lang), Option: c.OptionLabel.In(l.Lang)}
	}
	b, err := json.Marshal(head)
	if err != nil {
		return nil, err
	}
	a := &answersJSON{askedColumns: askedColumns{cols: cols}, w: bufio.NewWriter(w)}
	_, err = fmt.Fprintf(a.w, "{\"columns\":%s,\n\"responses\":[", b)
	return a, err
}

func (a *answersJSON) Write(v Version, r Response) error {
	if a.count > 0 {
		a.w.WriteByte(',')
	}
	a.count++
	fixed, err := json.Marshal(struct {
		Day     string `json:"day"`
		Source  string `json:"source"`
		Channel string `json:"channel,omitempty"`
		Version int    `json:"version"`
	}{r.Day, r.Source, r.Channel, v.Number})
	if err != nil {
		return err
	}
	a.w.WriteString("\n")
	a.w.Write(fixed[:len(fixed)-1])
	a.w.WriteString(`,"answers":{`)
	n := 0
	a.values(v, r, func(c AnswerColumn, val any) {
		if val == nil || a.err != nil {
			return
		}
		k, _ := json.Marshal(c.Name)
		b, err := json.Marshal(val)
		if err != nil {
			a.err = err
			return
		}
		if n > 0 {
			a.w.WriteByte(',')
		}
		n++
		a.w.Write(k)
		a.w.WriteByte(':')
		a.w.Write(b)
	})
	if a.err != nil {
		return a.err
	}
	_, err = a.w.WriteString("}}")
	return err
}

func (a *answersJSON) Abort() {}

func (a *answersJSON) Close() error {
	if _, err := a.w.WriteString("\n]}\n"); err != nil {
		return err
	}
	return a.w.Flush()
}
