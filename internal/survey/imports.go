package survey

// Imports of answers collected elsewhere: the CSV exports of SurveyMonkey
// (two header rows: the question texts, then "Response", the option labels
// of a multiple-choice question, "Other (please specify)"…) and of
// LimeSurvey (one header row of question codes — "status",
// "status[other]", "services[SQ001]" — or of question texts).
//
// An upload is read at once: its format, separator, byte order mark and
// encoding are recognised (UTF-8 only), and the identifying columns are
// dropped before anything is stored — IP and email addresses, names,
// respondent, collector and response ids, tokens, custom data — while a
// start or submit date gives only the day of the answer. What is kept until
// the import is that table, without those cells, and the file's SHA-256.
//
// A mapping then ties each column to a question of the campaign's current
// version (or to nothing), and each distinct value of a choice column to an
// option, to "other" with its text, or to no answer; one is proposed from
// codes and labels and can be changed. The preview turns every row into the
// fields of the answer form and checks them with Questionnaire.Parse, the
// web form's own validation, and lists every bad row with its line and its
// problems. Commit imports every row in one transaction, or none while any
// row is bad; a file whose hash was imported before into the campaign is
// refused with the date of that import.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/territory"
)

// The formats of imported files.
const (
	FormatSurveyMonkey = "surveymonkey"
	FormatLimeSurvey   = "limesurvey"
)

// Limits of an imported file.
const (
	MaxImportBytes = 10 << 20
	MaxImportRows  = 20000
	// MaxImportValues bounds the distinct values of a column offered for
	// association: a column with more is free text, not choices.
	MaxImportValues = 200
	// importSample is the number of converted rows a preview shows.
	importSample = 3
)

// The roles of a column.
const (
	RoleAnswer    = "answer"    // answers: mapped to a question, or ignored
	RolePersonal  = "personal"  // identifying: dropped, never stored
	RoleDate      = "date"      // when the answer was given: the day only is kept
	RoleTechnical = "technical" // the export's own bookkeeping (last page, language): ignored
)

// Parts of a question a column may give.
const (
	// PartAnswer: the cell is the answer (an option, a number, a commune,
	// a text).
	PartAnswer = ""
	// PartOther: the cell is the text of the "other" option.
	PartOther = OtherCode
	// Any other part is an option code: the column is that option's tick
	// box (SurveyMonkey's option columns, LimeSurvey's q[SQ001]).
)

// What a distinct value of a choice column stands for, besides an option
// code. Option codes never start with ":".
const (
	TargetEmpty  = ":empty"  // no answer (or a box left unticked)
	TargetOther  = ":other"  // "other", the value being its text
	TargetTicked = ":ticked" // the option of a tick-box column is chosen
)

// Table is an uploaded export once read: its columns, and its rows without
// the cells of the columns that are not answers.
type Table struct {
	Format string `json:"format"`
	// Separator is "," or ";"; BOM tells whether the file began with a
	// UTF-8 byte order mark.
	Separator string `json:"separator"`
	BOM       bool   `json:"bom,omitempty"`
	// Lang is the language of the export's own headings ("fr", "en").
	Lang    string     `json:"lang"`
	Columns []Column   `json:"columns"`
	Rows    []TableRow `json:"rows"`
	// DayColumn is the column whose day became each row's; -1 for none.
	DayColumn int `json:"day_column"`
}

// Column is a column of an export.
type Column struct {
	// Header is the heading: the question text (SurveyMonkey: carried over
	// the blank headings of the question's other columns), or a LimeSurvey
	// code or text.
	Header string `json:"h"`
	// Sub is SurveyMonkey's second heading ("Response", an option label,
	// "Other (please specify)"), or the bracketed part of a LimeSurvey
	// heading ("SQ001", "other").
	Sub string `json:"s,omitempty"`
	// Base is the heading without its bracketed part.
	Base string `json:"b,omitempty"`
	Role string `json:"r"`
	// Continued: the column continues the SurveyMonkey question of the
	// column before it.
	Continued bool `json:"c,omitempty"`
}

// Label is the column's heading as shown: its header and sub-heading.
func (c Column) Label() string {
	if c.Sub != "" && !strings.Contains(c.Header, c.Sub) {
		return c.Header + " — " + c.Sub
	}
	return c.Header
}

// TableRow is a row of an export.
type TableRow struct {
	// Line is where the row starts in the file, the first line being 1.
	Line int `json:"l"`
	// Cells are the row's cells, one per column, trimmed; those of the
	// columns that are not answers are empty.
	Cells []string `json:"c"`
	// Width is the number of cells the row had when it was not the number
	// of columns.
	Width int `json:"w,omitempty"`
	// Day is the day of the answer (YYYY-MM-DD), from the date column.
	Day string `json:"d,omitempty"`
	// Problems are message keys of what was wrong when the row was read.
	Problems []string `json:"p,omitempty"`
}

// The problems found when a row is read.
const (
	rowSyntax     = "survey.import.row_syntax"
	rowDate       = "survey.import.row_date"
	rowIncomplete = "survey.import.row_incomplete"
)

// ValueCount is a distinct value of a column and how many rows have it.
type ValueCount struct {
	Value string
	Count int
}

// Values returns the distinct non-empty values of column i, the most
// frequent first, at most MaxImportValues, and whether there were more.
func (t *Table) Values(i int) ([]ValueCount, bool) {
	counts := map[string]int{}
	for _, r := range t.Rows {
		if i < len(r.Cells) && r.Cells[i] != "" {
			counts[r.Cells[i]]++
		}
	}
	out := make([]ValueCount, 0, len(counts))
	for v, n := range counts {
		out = append(out, ValueCount{v, n})
	}
	slices.SortFunc(out, func(a, b ValueCount) int {
		return cmp.Or(b.Count-a.Count, strings.Compare(a.Value, b.Value))
	})
	if len(out) > MaxImportValues {
		return out[:MaxImportValues], true
	}
	return out, false
}

// importRefusal is an EInvalid error refusing the whole file.
func importRefusal(key string, args ...any) error {
	return &coop.Error{Code: coop.EInvalid, Message: key, Args: args}
}

// ParseExport reads a SurveyMonkey or LimeSurvey CSV export. A file that is
// none (a spreadsheet, another encoding than UTF-8, an unknown layout, no
// rows, too many rows) is refused with an EInvalid *coop.Error saying why;
// problems of single rows (a misplaced quote, an unreadable date) are kept
// with the rows, for the preview to list them all.
func ParseExport(data []byte) (*Table, error) {
	if len(data) > MaxImportBytes {
		return nil, importRefusal("survey.import.too_big", MaxImportBytes>>20)
	}
	t := &Table{DayColumn: -1}
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		t.BOM, data = true, data[3:]
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		return nil, importRefusal("survey.import.utf16")
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		return nil, importRefusal("survey.import.spreadsheet")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, importRefusal("survey.import.empty")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, importRefusal("survey.import.not_csv")
	}
	if !utf8.Valid(data) {
		bad := 0
		for bad < len(data) {
			r, n := utf8.DecodeRune(data[bad:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			bad += n
		}
		return nil, importRefusal("survey.import.not_utf8", 1+bytes.Count(data[:bad], []byte("\n")))
	}
	sep := importSeparator(data)
	t.Separator = string(sep)
	recs, err := importRecords(data, sep)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, importRefusal("survey.import.empty")
	}
	if recs[0].syntax {
		return nil, importRefusal("survey.import.header_syntax")
	}
	head := recs[0].cells
	var second []string
	if len(recs) > 1 {
		second = recs[1].cells
	}
	t.Format = importFormat(head, second)
	if t.Format == "" {
		return nil, importRefusal("survey.import.unknown_format")
	}
	body := recs[1:]
	if t.Format == FormatSurveyMonkey {
		if len(recs) < 2 || recs[1].syntax {
			return nil, importRefusal("survey.import.header_syntax")
		}
		body = recs[2:]
	}
	t.Columns = importColumns(t.Format, head, second)
	t.Lang = "en"
	submit := -1
	bestDay := 99
	for i, c := range t.Columns {
		n := territory.Normalize(c.Header)
		if importFrenchHeadings[n] {
			t.Lang = "fr"
		}
		if c.Role != RoleDate {
			continue
		}
		rank := importDateRank[n]
		if rank < bestDay {
			t.DayColumn, bestDay = i, rank
		}
		if t.Format == FormatLimeSurvey && rank == 1 {
			submit = i
		}
	}
	if len(body) == 0 {
		return nil, importRefusal("survey.import.no_rows")
	}
	importPersonalContents(t.Columns, body)
	if len(body) > MaxImportRows {
		return nil, importRefusal("survey.import.too_many_rows", len(body), MaxImportRows)
	}
	var dates []string
	if t.DayColumn >= 0 {
		for _, r := range body {
			if t.DayColumn < len(r.cells) {
				dates = append(dates, strings.TrimSpace(r.cells[t.DayColumn]))
			}
		}
	}
	dayFirst := importDayFirst(dates, t.Lang == "fr")
	for _, r := range body {
		row := TableRow{Line: r.line, Cells: make([]string, len(t.Columns))}
		if !r.syntax && (len(r.cells) < len(t.Columns) || strings.TrimSpace(strings.Join(r.cells[len(t.Columns):], "")) != "") {
			row.Width = len(r.cells) // cells missing, or more than the headings (empty ones aside)
		}
		if r.syntax {
			row.Problems = append(row.Problems, rowSyntax)
		}
		for i, c := range t.Columns {
			if i < len(r.cells) && c.Role == RoleAnswer {
				row.Cells[i] = strings.TrimSpace(r.cells[i])
			}
		}
		if d := t.DayColumn; d >= 0 && d < len(r.cells) {
			if raw := strings.TrimSpace(r.cells[d]); raw != "" {
				day, ok := importDay(raw, dayFirst)
				switch {
				case day == importNoDate:
					// LimeSurvey's date of anonymised answers without a
					// date stamp: the day of the import.
				case ok:
					row.Day = day
				case !r.syntax:
					row.Problems = append(row.Problems, rowDate)
				}
			}
		}
		if submit >= 0 && !r.syntax && (submit >= len(r.cells) || strings.TrimSpace(r.cells[submit]) == "") {
			row.Problems = append(row.Problems, rowIncomplete)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// importRecord is a record of the CSV reader, with where it starts.
type importRecord struct {
	line   int
	cells  []string
	syntax bool // the reader could not make it out
}

// importRecords reads every record, going on after a faulty one so that
// every bad row is listed; blank records are skipped.
func importRecords(data []byte, sep rune) ([]importRecord, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	var out []importRecord
	for {
		cells, err := cr.Read()
		if err == io.EOF {
			break
		}
		rec := importRecord{cells: cells}
		if err != nil {
			pe, ok := errors.AsType[*csv.ParseError](err)
			if !ok {
				return nil, importRefusal("survey.import.not_csv")
			}
			rec.line, rec.syntax = pe.StartLine, true
		} else {
			if strings.TrimSpace(strings.Join(cells, "")) == "" {
				continue
			}
			rec.line, _ = cr.FieldPos(0)
		}
		out = append(out, rec)
	}
	return out, nil
}

// importSeparator picks the separator of the first line: the comma, unless
// semicolons (or tabs) are more frequent outside quotes.
func importSeparator(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(data) {
		if r == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if r == '\n' {
			break
		}
		counts[r]++
	}
	sep := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[sep] {
			sep = r
		}
	}
	return sep
}

// Headings, normalised (territory.Normalize), that tell formats and roles.
var (
	importSurveyMonkeyHeads = setOf("respondent id", "id du repondant", "id de repondant", "collector id", "id du collecteur", "id de collecteur")
	importSurveyMonkeySubs  = setOf("response", "reponse", "open ended response", "reponse ouverte", "reponse libre")
	importLimeSurveyIDs     = setOf("id", "id de la reponse", "response id", "id reponse")
	importLimeSurveyHeads   = setOf("submitdate", "lastpage", "startlanguage", "seed", "date de soumission", "date d envoi",
		"derniere page", "langue de depart", "date submitted", "last page", "start language")
	importPersonalHeads = setOf("respondent id", "id du repondant", "id de repondant", "collector id", "id du collecteur", "id de collecteur",
		"ip address", "adresse ip", "ipaddr", "email address", "adresse e mail", "adresse email", "adresse electronique", "adresse de courriel",
		"courriel", "e mail", "email", "first name", "firstname", "prenom", "last name", "lastname", "nom", "nom de famille", "name",
		"id", "id de la reponse", "response id", "id reponse", "token", "jeton", "code d acces", "access code", "refurl", "referrer url",
		"url de reference", "url referente", "url de provenance", "seed", "graine", "tete de serie", "telephone", "phone", "phone number")
	importPersonalPrefixes = []string{"custom data", "donnees personnalisees", "donnee personnalisee", "custom variable", "variable personnalisee", "attribute ", "attribut "}
	// importDateRank orders the date columns: the day of the answer is
	// taken from the best ranked (a submit or end date before a start date).
	importDateRank = map[string]int{
		"end date": 1, "date de fin": 1, "submitdate": 1, "date de soumission": 1, "date d envoi": 1, "date submitted": 1,
		"datestamp": 2, "date de derniere action": 2, "date de la derniere action": 2, "date last action": 2,
		"start date": 3, "date de debut": 3, "startdate": 3, "date started": 3,
	}
	importTechnicalHeads = setOf("lastpage", "derniere page", "last page", "startlanguage", "langue de depart", "start language",
		"interviewtime", "temps total", "total time", "collector", "collecteur")
	importTechnicalPrefixes = []string{"grouptime", "group time", "temps du groupe"}
	// importFrenchHeadings tell an export whose own headings are French
	// (so that 03/04/2025 is the 3rd of April).
	importFrenchHeadings = setOf("id du repondant", "id de repondant", "id du collecteur", "id de collecteur", "date de debut", "date de fin",
		"adresse ip", "adresse e mail", "prenom", "nom", "id de la reponse", "date de soumission", "derniere page", "langue de depart")
	importOtherSubs = setOf("other please specify", "other", "autre veuillez preciser", "autre precisez", "autre", "autre a preciser",
		"autre veuillez specifier", "other specify")
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// importFormat tells the format from the first two rows: SurveyMonkey has
// its respondent and collector ids, or "Response" headings on its second
// row; LimeSurvey its response id and submit date (or last page, start
// language, seed).
func importFormat(head, second []string) string {
	norm := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[territory.Normalize(x)] = true
		}
		return m
	}
	h, s := norm(head), norm(second)
	has := func(m, set map[string]bool) bool {
		for k := range m {
			if set[k] {
				return true
			}
		}
		return false
	}
	switch {
	case has(h, importSurveyMonkeyHeads):
		return FormatSurveyMonkey
	case has(h, importLimeSurveyIDs) && has(h, importLimeSurveyHeads):
		return FormatLimeSurvey
	case has(s, importSurveyMonkeySubs) && slices.Contains(head, ""):
		return FormatSurveyMonkey
	}
	return ""
}

var (
	// A LimeSurvey code heading: "services[SQ001]", "status[other]".
	importCodeHeading = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)\s*\[([^\]]+)\]$`)
	// A text heading with its part: "Quels services ? [Un poste de travail]".
	importTextHeading = regexp.MustCompile(`^(.*\S)\s*\[([^\]]+)\]$`)
)

// importColumns describes the columns from the headings.
func importColumns(format string, head, second []string) []Column {
	n := len(head)
	if format == FormatSurveyMonkey {
		n = max(n, len(second))
	}
	cols := make([]Column, n)
	current := ""
	for i := range cols {
		c := &cols[i]
		h := ""
		if i < len(head) {
			h = strings.TrimSpace(head[i])
		}
		if format == FormatSurveyMonkey {
			if h == "" && i > 0 {
				h, c.Continued = current, true
			}
			current = h
			if i < len(second) {
				c.Sub = strings.TrimSpace(second[i])
			}
			c.Header, c.Base = h, h
		} else {
			c.Header, c.Base = h, h
			if m := importCodeHeading.FindStringSubmatch(h); m != nil {
				c.Base, c.Sub = m[1], strings.TrimSpace(m[2])
			} else if m := importTextHeading.FindStringSubmatch(h); m != nil {
				c.Base, c.Sub = m[1], strings.TrimSpace(m[2])
			}
		}
		c.Role = importRole(territory.Normalize(c.Base))
		if c.Continued && cols[i-1].Role != RoleAnswer {
			c.Role = cols[i-1].Role
		}
	}
	return cols
}

// importRole tells the role of a column from its normalised heading.
func importRole(n string) string {
	switch {
	case importPersonalHeads[n]:
		return RolePersonal
	case importDateRank[n] > 0:
		return RoleDate
	case importTechnicalHeads[n]:
		return RoleTechnical
	}
	for _, p := range importPersonalPrefixes {
		if strings.HasPrefix(n, p) {
			return RolePersonal
		}
	}
	for _, p := range importTechnicalPrefixes {
		if strings.HasPrefix(n, p) {
			return RoleTechnical
		}
	}
	return RoleAnswer
}

var (
	importEmail = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	importIPv4  = regexp.MustCompile(`^\d{1,3}(\.\d{1,3}){3}$`)
	importIPv6  = regexp.MustCompile(`^[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}$`)
	importPhone = regexp.MustCompile(`^(\+33\s?|0)[1-9]([\s.-]?\d{2}){4}$`)
)

// importPersonalContents drops, whatever its heading, an answer column
// whose values are mostly email or IP addresses or phone numbers: a
// question the export's author added to collect them.
func importPersonalContents(cols []Column, body []importRecord) {
	for i := range cols {
		if cols[i].Role != RoleAnswer {
			continue
		}
		filled, personal := 0, 0
		for _, r := range body {
			if i >= len(r.cells) {
				continue
			}
			v := strings.TrimSpace(r.cells[i])
			if v == "" {
				continue
			}
			filled++
			ipv6 := importIPv6.MatchString(v) && (strings.Contains(v, "::") || strings.Count(v, ":") == 7) // not a time
			if importEmail.MatchString(v) || importIPv4.MatchString(v) || ipv6 || importPhone.MatchString(v) {
				personal++
			}
		}
		if personal > 0 && 2*personal >= filled {
			cols[i].Role = RolePersonal
		}
	}
}

var (
	importISODate   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]|$)`)
	importSlashDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})(?:\s|$)`)
	importMeridiem  = regexp.MustCompile(`(?i)\b[ap]\.?m\.?$`)
)

// importDayFirst tells whether the slashed dates of a column are day
// first: a first number above 12 says so, a second above 12 or an AM/PM
// says not (SurveyMonkey's US dates); otherwise the export's language does.
func importDayFirst(dates []string, french bool) bool {
	for _, d := range dates {
		m := importSlashDate.FindStringSubmatch(d)
		if m == nil {
			continue
		}
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		switch {
		case a > 12:
			return true
		case b > 12 || importMeridiem.MatchString(d):
			return false
		}
	}
	return french
}

// importDay reads the day of a date and time; nothing finer is kept.
func importDay(s string, dayFirst bool) (string, bool) {
	var y, m, d int
	if x := importISODate.FindStringSubmatch(s); x != nil {
		y, _ = strconv.Atoi(x[1])
		m, _ = strconv.Atoi(x[2])
		d, _ = strconv.Atoi(x[3])
	} else if x := importSlashDate.FindStringSubmatch(s); x != nil {
		a, _ := strconv.Atoi(x[1])
		b, _ := strconv.Atoi(x[2])
		y, _ = strconv.Atoi(x[3])
		if y < 100 {
			y += 2000
		}
		d, m = a, b
		if !dayFirst {
			d, m = b, a
		}
	} else {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
	if day := t.Format(time.DateOnly); day == importNoDate {
		return day, false
	}
	if t.Year() != y || int(t.Month()) != m || t.Day() != d || y < 2000 {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// importNoDate is the submit date LimeSurvey gives the answers of an
// anonymised survey without date stamps.
const importNoDate = "1980-01-01"

// Mapping ties the columns of an export to the questions of a version.
type Mapping struct {
	// Version is the number of the questionnaire version it was made for.
	Version int             `json:"version"`
	Columns []ColumnMapping `json:"columns"`
}

// ColumnMapping is what a column gives.
type ColumnMapping struct {
	// Question is the question's ID; "" when the column is ignored.
	Question string `json:"q,omitempty"`
	// Part is PartAnswer, PartOther or an option code (a tick box).
	Part string `json:"p,omitempty"`
	// Values maps the distinct values of a choice column (or a tick box)
	// to an option code or a Target; a value missing here is not
	// associated yet, and the rows that have it are to fix.
	Values map[string]string `json:"v,omitempty"`
	// Guess tells how the column was proposed: "code" (a LimeSurvey code),
	// "label" (a heading close to the label, not the same) or "order" (a
	// LimeSurvey subquestion taken by its rank), "" for an exact label or
	// by hand; ValuesByOrder, that some values were taken by their rank
	// (LimeSurvey's A1, A2…). "label", "order" and ValuesByOrder ask for a
	// check.
	Guess         string `json:"g,omitempty"`
	ValuesByOrder bool   `json:"o,omitempty"`
}

// Choosing tells whether the column's values are associated one by one:
// the answers of a choice question, or a tick box.
func (cm ColumnMapping) Choosing(qn Questionnaire) bool {
	q, ok := qn.Question(cm.Question)
	if !ok {
		return false
	}
	return cm.Part != PartOther && (cm.Part != PartAnswer || q.Kind.Choice())
}

// ProposeMapping proposes a mapping of the table's columns to the
// questions of qn: LimeSurvey codes equal to question IDs (underscores
// aside), then headings close to question labels; SurveyMonkey's second
// row and LimeSurvey's [parts] give the "other" text and the tick boxes of
// options; values are matched to option codes and labels, "Oui/Non",
// LimeSurvey's "Y" and answer ranks.
func ProposeMapping(t *Table, qn Questionnaire, version int) Mapping {
	m := Mapping{Version: version, Columns: make([]ColumnMapping, len(t.Columns))}
	type candidate struct {
		col   int
		q     string
		part  string
		score float64
		guess string
	}
	var cands []candidate
	for i, c := range t.Columns {
		if c.Role != RoleAnswer {
			continue
		}
		q, score, guess := importQuestionFor(c, qn)
		if q == "" {
			continue
		}
		qq, _ := qn.Question(q)
		part, pguess, ok := importPartFor(qq, c)
		if !ok {
			continue
		}
		if pguess == "order" {
			guess = pguess
		}
		cands = append(cands, candidate{i, q, part, score, guess})
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return a.col - b.col
	})
	taken := map[string]bool{}
	for _, c := range cands {
		key := c.q + "\x00" + c.part
		if taken[key] {
			continue
		}
		taken[key] = true
		q, _ := qn.Question(c.q)
		cm := ColumnMapping{Question: c.q, Part: c.part, Guess: c.guess}
		cm.Values, cm.ValuesByOrder = ProposeValues(t, c.col, q, c.part)
		m.Columns[c.col] = cm
	}
	return m
}

// importQuestionFor finds the question a column answers, with a score.
func importQuestionFor(c Column, qn Questionnaire) (string, float64, string) {
	base := c.Base
	// LimeSurvey's "code. Question text" headings.
	if code, _, ok := strings.Cut(base, ". "); ok && !strings.ContainsAny(code, " \t") {
		if q := importByCode(code, qn); q != "" {
			return q, 1, "code"
		}
	}
	if q := importByCode(base, qn); q != "" {
		return q, 1, "code"
	}
	// Old LimeSurvey exports glue "other" to the code: "statusother".
	if k := importCodeKey(base); strings.HasSuffix(k, "other") {
		if q := importByCode(strings.TrimSuffix(k, "other"), qn); q != "" {
			return q, 1, "code"
		}
	}
	best, score := "", 0.0
	for _, q := range qn.Questions {
		s := max(importSimilarity(base, q.Label.FR), importSimilarity(base, q.Label.EN))
		if s > score {
			best, score = q.ID, s
		}
	}
	switch {
	case score < 0.6:
		return "", 0, ""
	case score < 0.95:
		return best, score, "label" // close, not the same: to check
	}
	return best, score, ""
}

// importCodeKey reduces a code to lower-case letters and digits: LimeSurvey
// codes have no underscores, so "homecommune" is "home_commune".
func importCodeKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func importByCode(code string, qn Questionnaire) string {
	k := importCodeKey(code)
	if k == "" || strings.ContainsAny(strings.TrimSpace(code), " ") {
		return ""
	}
	for _, q := range qn.Questions {
		if importCodeKey(q.ID) == k {
			return q.ID
		}
	}
	return ""
}

var importSubquestion = regexp.MustCompile(`(?i)^SQ0*(\d{1,3})$`)

// importPartFor tells which part of q a column gives, from its
// sub-heading; ok is false when it cannot tell.
func importPartFor(q Question, c Column) (part, guess string, ok bool) {
	sub := strings.TrimSpace(c.Sub)
	n := territory.Normalize(sub)
	switch {
	case sub == "" || importSurveyMonkeySubs[n]:
		return PartAnswer, "", true
	case importOtherSubs[n] || importCodeKey(sub) == "other" || strings.HasPrefix(n, "other ") || strings.HasPrefix(n, "autre "):
		if q.Other {
			return PartOther, "", true
		}
	case strings.HasSuffix(importCodeKey(sub), "comment"):
		return "", "", false
	}
	if q.Kind != Multiple && q.Kind != Days {
		return "", "", false
	}
	opts := slices.DeleteFunc(slices.Clone(q.Choices()), func(o Option) bool { return o.Code == OtherCode })
	for _, o := range opts {
		if importCodeKey(o.Code) == importCodeKey(sub) {
			return o.Code, "", true
		}
	}
	if code := importBestOption(sub, opts); code != "" {
		return code, "", true
	}
	if m := importSubquestion.FindStringSubmatch(sub); m != nil {
		if k, _ := strconv.Atoi(m[1]); k >= 1 && k <= len(opts) {
			return opts[k-1].Code, "order", true
		}
	}
	return "", "", false
}

// importBestOption returns the option whose label (or code) is clearly the
// closest to s, or "".
func importBestOption(s string, opts []Option) string {
	best, first, second := "", 0.0, 0.0
	for _, o := range opts {
		sc := max(importSimilarity(s, o.Label.FR), importSimilarity(s, o.Label.EN))
		if strings.EqualFold(strings.TrimSpace(s), o.Code) {
			sc = 1
		}
		switch {
		case sc > first:
			best, first, second = o.Code, sc, first
		case sc > second:
			second = sc
		}
	}
	if first >= 0.6 && first-second >= 0.1 {
		return best
	}
	return ""
}

var (
	// importNoAnswer are what exports write for a question not asked or
	// not answered (LimeSurvey's "N/A").
	importNoAnswer = setOf("n a", "na", "nr", "non renseigne", "sans reponse", "no answer", "not answered", "null")
	importYes      = setOf("oui", "o", "yes", "y", "1", "x", "vrai", "true", "coche", "cochee", "checked", "selected", "selectionne")
	importNo       = setOf("non", "n", "no", "0", "faux", "false", "non coche", "non cochee", "unchecked")
	importRank     = regexp.MustCompile(`(?i)^A?O?0*(\d{1,3})$`)
	importLeadInt  = regexp.MustCompile(`^(\d{1,2})(?:\s*[-–—:.)]\s*\S.*)?$`)
	importOtherMrk = "-oth-" // LimeSurvey's code of "other" in a list
)

// ProposeValues proposes a target for each distinct value of column i
// given as part of q; byOrder tells that some were taken by their rank.
func ProposeValues(t *Table, i int, q Question, part string) (values map[string]string, byOrder bool) {
	if part == PartOther || (part == PartAnswer && !q.Kind.Choice()) {
		return nil, false
	}
	vals, _ := t.Values(i)
	out := map[string]string{}
	if part != PartAnswer {
		o, _ := q.Option(part)
		sub := t.Columns[i].Sub
		for _, v := range vals {
			n := territory.Normalize(v.Value)
			switch {
			case importYes[n], v.Value == sub, importSimilarity(v.Value, o.Label.FR) >= 0.8, importSimilarity(v.Value, o.Label.EN) >= 0.8,
				strings.EqualFold(v.Value, part), sub != "" && importSimilarity(v.Value, sub) >= 0.8:
				out[v.Value] = TargetTicked
			case importNo[n], importNoAnswer[n]:
				out[v.Value] = TargetEmpty
			}
		}
		return out, false
	}
	opts := q.Choices()
	plain := slices.DeleteFunc(slices.Clone(opts), func(o Option) bool { return o.Code == OtherCode })
	for _, v := range vals {
		n := territory.Normalize(v.Value)
		if v.Value == importOtherMrk || (q.Other && importOtherSubs[n]) {
			if q.Other {
				out[v.Value] = TargetOther
			}
			continue
		}
		if code := importBestOption(v.Value, plain); code != "" {
			out[v.Value] = code
			continue
		}
		if importNoAnswer[n] {
			out[v.Value] = TargetEmpty
			continue
		}
		if importYes[n] || importNo[n] {
			want := "no"
			if importYes[n] {
				want = "yes"
			}
			for _, o := range plain {
				ln := territory.Normalize(o.Label.FR)
				if o.Code == want || (want == "yes" && (ln == "oui" || ln == "yes")) || (want == "no" && (ln == "non" || ln == "no")) {
					out[v.Value] = o.Code
					break
				}
			}
			if _, ok := out[v.Value]; ok {
				continue
			}
		}
		if q.Kind == Scale {
			if x := importLeadInt.FindStringSubmatch(v.Value); x != nil {
				if _, ok := q.Option(x[1]); ok {
					out[v.Value] = x[1]
					continue
				}
			}
			switch {
			case q.Min != nil && (importSimilarity(v.Value, q.Low.FR) >= 0.8 || importSimilarity(v.Value, q.Low.EN) >= 0.8):
				out[v.Value] = strconv.Itoa(int(*q.Min))
				continue
			case q.Max != nil && (importSimilarity(v.Value, q.High.FR) >= 0.8 || importSimilarity(v.Value, q.High.EN) >= 0.8):
				out[v.Value] = strconv.Itoa(int(*q.Max))
				continue
			}
		}
		if x := importRank.FindStringSubmatch(v.Value); x != nil && q.Kind != Scale {
			if k, _ := strconv.Atoi(x[1]); k >= 1 && k <= len(plain) {
				out[v.Value] = plain[k-1].Code
				byOrder = true
			}
		}
	}
	return out, byOrder
}

// Words that say little about which question or option a heading means.
var importStopwords = setOf("le", "la", "les", "l", "de", "du", "des", "d", "un", "une", "et", "ou", "a", "au", "aux", "en",
	"pour", "par", "vous", "votre", "vos", "est", "que", "qui", "quel", "quelle", "quels", "quelles", "y", "il", "elle", "ce", "se", "s",
	"the", "an", "of", "to", "you", "your", "do", "does", "is", "are", "in", "on", "for", "what", "which", "how", "e", "es")

func importTokens(n string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(n) {
		if !importStopwords[w] {
			m[w] = true
		}
	}
	return m
}

// importSimilarity scores how close two labels are, from 0 to 1: equal
// once normalised, one the beginning of the other (a heading cut short),
// or the share of their meaningful words in common.
func importSimilarity(a, b string) float64 {
	na, nb := territory.Normalize(a), territory.Normalize(b)
	if na == "" || nb == "" {
		return 0
	}
	if na == nb {
		return 1
	}
	ta, tb := importTokens(na), importTokens(nb)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	common := 0
	for w := range ta {
		if tb[w] {
			common++
		}
	}
	score := 2 * float64(common) / float64(len(ta)+len(tb))
	if len(ta) == len(tb) && common == len(ta) {
		score = max(score, 0.95) // the same words, in another order or spelling
	}
	if min(len(na), len(nb)) >= 15 && (strings.HasPrefix(na, nb) || strings.HasPrefix(nb, na)) {
		score = max(score, 0.85)
	}
	return score
}

// Issue is a problem of an imported row.
type Issue struct {
	// Question is the ID of the question concerned, "" for the row.
	Question string
	// Key is the message key, Args its arguments.
	Key  string
	Args []any
	// Value is what the file says for the question.
	Value string
}

// RowIssues are the problems of one row.
type RowIssues struct {
	Line   int
	Issues []Issue
}

// IssueCount is how many rows have a problem; Args are those of the
// first.
type IssueCount struct {
	Question string
	Key      string
	Args     []any
	Rows     int
}

// Warning is a problem of the mapping rather than of rows.
type Warning struct {
	Key      string
	Question string // the question concerned, if any
	Column   int    // the column concerned, -1 if none
	Count    int
}

// ImportedRow is a row ready to be imported.
type ImportedRow struct {
	Line    int
	Day     string
	Answers Answers
}

// Preview is what an import would do, row by row.
type Preview struct {
	Rows, Ready, Bad int
	// Issues lists every bad row, in the file's order; Counts sums them up
	// by question and problem, the most frequent first.
	Issues []RowIssues
	Counts []IssueCount
	// Sample holds the first rows ready, as they would be stored.
	Sample   []ImportedRow
	Warnings []Warning
	// FirstDay and LastDay bound the days of the answers.
	FirstDay, LastDay string
	// Check identifies the mapping and questionnaire the preview was made
	// with: Commit refuses another.
	Check string
}

// importConvert turns every row into answers through Questionnaire.Parse,
// as the web form would; rows without a day get today.
func (s *Service) importConvert(sv Survey, t *Table, m Mapping, today string) (Preview, []ImportedRow) {
	qn := sv.Version.Questionnaire
	pv := Preview{Rows: len(t.Rows), Check: importCheck(m, sv.Version)}
	mapped := map[string]bool{}
	for i, cm := range m.Columns {
		if cm.Question == "" {
			continue
		}
		mapped[cm.Question] = true
		if cm.Choosing(qn) {
			vals, _ := t.Values(i)
			missing := 0
			for _, v := range vals {
				if _, ok := cm.Values[v.Value]; !ok {
					missing++
				}
			}
			if missing > 0 {
				pv.Warnings = append(pv.Warnings, Warning{Key: "survey.import.values_unmapped", Question: cm.Question, Column: i, Count: missing})
			}
		}
	}
	for _, q := range qn.Questions {
		if q.Required && !mapped[q.ID] {
			pv.Warnings = append(pv.Warnings, Warning{Key: "survey.import.required_unmapped", Question: q.ID, Column: -1})
		}
	}
	order := map[string]int{}
	for i, q := range qn.Questions {
		order[q.ID] = i + 1
	}
	counts := map[[2]string]*IssueCount{}
	var rows []ImportedRow
	for _, r := range t.Rows {
		var issues []Issue
		for _, p := range r.Problems {
			issues = append(issues, Issue{Key: p})
		}
		if r.Width > 0 {
			issues = append(issues, Issue{Key: "survey.import.row_columns", Args: []any{r.Width, len(t.Columns)}})
		}
		var answers Answers
		if !slices.Contains(r.Problems, rowSyntax) {
			var more []Issue
			answers, more = s.importRow(sv, m, r)
			issues = append(issues, more...)
		}
		day := cmp.Or(r.Day, today)
		if day > today {
			issues = append(issues, Issue{Key: "survey.import.row_future", Args: []any{day}})
		}
		if len(issues) > 0 {
			slices.SortStableFunc(issues, func(a, b Issue) int { return order[a.Question] - order[b.Question] })
			pv.Bad++
			pv.Issues = append(pv.Issues, RowIssues{Line: r.Line, Issues: issues})
			for _, is := range issues {
				k := [2]string{is.Question, is.Key}
				if counts[k] == nil {
					counts[k] = &IssueCount{Question: is.Question, Key: is.Key, Args: is.Args}
				}
				counts[k].Rows++
			}
			continue
		}
		pv.Ready++
		row := ImportedRow{Line: r.Line, Day: day, Answers: answers}
		rows = append(rows, row)
		if len(pv.Sample) < importSample {
			pv.Sample = append(pv.Sample, row)
		}
		if pv.FirstDay == "" || day < pv.FirstDay {
			pv.FirstDay = day
		}
		if day > pv.LastDay {
			pv.LastDay = day
		}
	}
	for _, c := range counts {
		pv.Counts = append(pv.Counts, *c)
	}
	slices.SortFunc(pv.Counts, func(a, b IssueCount) int {
		return cmp.Or(b.Rows-a.Rows, order[a.Question]-order[b.Question], strings.Compare(a.Key, b.Key))
	})
	return pv, rows
}

// importRow builds the answer form of a row and parses it.
func (s *Service) importRow(sv Survey, m Mapping, r TableRow) (Answers, []Issue) {
	qn := sv.Version.Questionnaire
	form := map[string][]string{}
	raw := map[string][]string{}
	others := map[string]string{}  // "other" texts from a column of their own
	guessed := map[string]string{} // "other" texts from the answer column
	unmapped := map[string]bool{}
	var issues []Issue
	seen := false
	for i, cm := range m.Columns {
		if cm.Question == "" || i >= len(r.Cells) || r.Cells[i] == "" {
			continue
		}
		q, ok := qn.Question(cm.Question)
		if !ok {
			continue
		}
		v := r.Cells[i]
		if !cm.Choosing(qn) && cm.Part == PartAnswer && q.Kind != FreeText && importNoAnswer[territory.Normalize(v)] {
			continue // "N/A" for a number or a commune: no answer
		}
		seen = true
		f := Field(q.ID)
		raw[q.ID] = append(raw[q.ID], v)
		switch {
		case cm.Part == PartOther:
			form[f] = append(form[f], OtherCode)
			others[q.ID] = v
		case cm.Choosing(qn):
			target, ok := cm.Values[v]
			switch {
			case !ok:
				issues = append(issues, Issue{Question: q.ID, Key: "survey.import.value_unmapped", Args: []any{v}, Value: v})
				unmapped[q.ID] = true
			case target == TargetEmpty:
			case target == TargetTicked:
				form[f] = append(form[f], cm.Part)
			case target == TargetOther:
				form[f] = append(form[f], OtherCode)
				if v != importOtherMrk {
					guessed[q.ID] = v
				}
			default:
				form[f] = append(form[f], target)
			}
		case q.Kind == Commune:
			form[f] = append(form[f], cmp.Or(s.importCommune(sv, v), v))
		default:
			form[f] = append(form[f], v)
		}
	}
	if !seen {
		return nil, append(issues, Issue{Key: "survey.import.row_empty"})
	}
	for id, text := range guessed {
		if others[id] == "" {
			others[id] = text
		}
	}
	for id, text := range others {
		form[Field(id)+".other"] = []string{text}
	}
	for f, vs := range form {
		// "other" ticked and its text given: one choice, not two.
		var once []string
		for _, v := range vs {
			if !slices.Contains(once, v) {
				once = append(once, v)
			}
		}
		form[f] = once
	}
	a, err := qn.Parse(s.Territory, form)
	if e := coop.AsError(err); e != nil {
		for field, key := range e.Fields {
			id := strings.TrimPrefix(field, "q.")
			if unmapped[id] {
				continue // said already, more precisely
			}
			issues = append(issues, Issue{Question: id, Key: key, Args: e.FieldArgs[field], Value: strings.Join(raw[id], " · ")})
		}
		return nil, issues
	} else if err != nil {
		return nil, append(issues, Issue{Key: "survey.import.row_unreadable"})
	}
	return a, issues
}

var importPostal = regexp.MustCompile(`\b(\d{5})\b`)

// importCommune finds the commune of a cell: a code or a name as the form
// takes it, a name with its postal code ("04300 Forcalquier",
// "Forcalquier (04300)"), or a name several communes bear of which only one
// is in the campaign's territory. It returns "" when it cannot tell, for
// Parse to say why.
func (s *Service) importCommune(sv Survey, text string) string {
	code, cands := s.Territory.ResolveCommune(text, "")
	if code != "" {
		return code
	}
	name := text
	if m := importPostal.FindStringSubmatchIndex(text); m != nil {
		postal := text[m[2]:m[3]]
		name = strings.Trim(text[:m[0]]+" "+text[m[1]:], " ()-,;")
		if code, cands = s.Territory.ResolveCommune(name, postal); code != "" {
			return code
		}
	}
	want := territory.Normalize(name)
	var inside []string
	for _, c := range cands {
		if territory.Normalize(c.Name) == want && slices.ContainsFunc(sv.Communes, func(x SurveyCommune) bool { return x.Code == c.Code }) {
			inside = append(inside, c.Code)
		}
	}
	if len(inside) == 1 {
		return inside[0]
	}
	return ""
}

// importCheck identifies a mapping and the questionnaire version it is
// applied to.
func importCheck(m Mapping, v Version) string {
	b, _ := json.Marshal(m)
	h := sha256.Sum256(append(b, []byte("|"+strconv.FormatInt(v.ID, 10))...))
	return hex.EncodeToString(h[:8])
}

// Import is an uploaded export, waiting for or done with its import.
type Import struct {
	ID        int64
	PublicID  string
	SurveyID  int64
	Format    string
	Filename  string
	SHA256    string
	CreatedAt time.Time
	// CreatedBy is the name of who uploaded it.
	CreatedBy  string
	ImportedAt *time.Time
	// Responses is the number of answers imported.
	Responses int
	// Table is the export as read; nil once imported (the file is not
	// kept).
	Table   *Table
	Mapping Mapping
	// Remapped tells that the questionnaire changed since the mapping was
	// saved: Mapping is a new proposal, to be saved before the import.
	Remapped bool
	// mappingText is the mapping as stored.
	mappingText string
}

// Upload reads an export and keeps it, with a proposed mapping, for an
// import into a campaign by may manage. The same file uploaded again before
// its import gives back the waiting upload; a file imported before into
// the campaign is refused with the day of that import.
func (s *Service) Upload(ctx context.Context, by accounts.User, publicID, filename string, data []byte) (Import, error) {
	var surveyID int64
	err := s.DB.Read(ctx, func(tx *db.Tx) (err error) {
		surveyID, _, err = s.manageable(ctx, tx, by, publicID)
		return err
	})
	if err != nil {
		return Import{}, err
	}
	fileProblem := func(key string, args ...any) error {
		e := &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"file": key}}
		if len(args) > 0 {
			e.FieldArgs = map[string][]any{"file": args}
		}
		return e
	}
	switch {
	case len(data) == 0:
		return Import{}, fileProblem("survey.import.file_required")
	case len(data) > MaxImportBytes:
		return Import{}, fileProblem("survey.import.too_big", MaxImportBytes>>20)
	}
	t, err := ParseExport(data)
	if err != nil {
		if e := coop.AsError(err); e != nil {
			return Import{}, fileProblem(e.Message, e.Args...)
		}
		return Import{}, err
	}
	sum := sha256.Sum256(data)
	imp := Import{PublicID: newID(10), SurveyID: surveyID, Format: t.Format, Filename: importFilename(filename), SHA256: hex.EncodeToString(sum[:])}
	sv, err := s.Get(ctx, publicID)
	if err != nil {
		return Import{}, err
	}
	imp.Mapping = ProposeMapping(t, sv.Version.Questionnaire, sv.Version.Number)
	table, err := json.Marshal(t)
	if err != nil {
		return Import{}, err
	}
	mapping, err := json.Marshal(imp.Mapping)
	if err != nil {
		return Import{}, err
	}
	var day string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if day, err = importedOn(ctx, tx, surveyID, imp.SHA256); err != nil || day != "" {
			return err
		}
		var waiting string
		err := tx.QueryRowContext(ctx, `SELECT public_id FROM survey_imports WHERE survey_id = $1 AND sha256 = $2 AND imported_at IS NULL ORDER BY id DESC LIMIT 1`,
			surveyID, imp.SHA256).Scan(&waiting)
		if err == nil {
			imp.PublicID = waiting
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		imp.CreatedAt = tx.Now
		return tx.QueryRowContext(ctx, `INSERT INTO survey_imports (public_id, survey_id, format, filename, sha256, data, mapping, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			imp.PublicID, surveyID, imp.Format, imp.Filename, imp.SHA256, table, string(mapping), nullID(by.ID), tx.Now).Scan(&imp.ID)
	})
	if err != nil {
		return Import{}, err
	}
	if day != "" {
		return Import{}, fileProblem("survey.import.already_imported", day)
	}
	if imp.ID == 0 {
		_, imp, err = s.Import(ctx, by, publicID, imp.PublicID)
	}
	return imp, err
}

// importedOn returns the day (Paris) the file was imported into the
// campaign, or "".
func importedOn(ctx context.Context, tx *db.Tx, surveyID int64, sum string) (string, error) {
	var at time.Time
	err := tx.QueryRowContext(ctx, `SELECT imported_at FROM survey_imports WHERE survey_id = $1 AND sha256 = $2 AND imported_at IS NOT NULL`,
		surveyID, sum).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return Paris(at), nil
}

// importFilename keeps the base name of an uploaded file, bounded.
func importFilename(name string) string {
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "." || name == "/" || name == "" {
		name = "export.csv"
	}
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

const importColumnsSQL = `SELECT i.id, i.public_id, i.survey_id, i.format, i.filename, i.sha256, i.created_at, COALESCE(u.name, ''),
	i.imported_at, i.responses, i.mapping`

func scanImport(row interface{ Scan(...any) error }, extra ...any) (Import, error) {
	var imp Import
	var imported sql.NullTime
	err := row.Scan(append([]any{&imp.ID, &imp.PublicID, &imp.SurveyID, &imp.Format, &imp.Filename, &imp.SHA256, &imp.CreatedAt, &imp.CreatedBy,
		&imported, &imp.Responses, &imp.mappingText}, extra...)...)
	if imported.Valid {
		imp.ImportedAt = &imported.Time
	}
	return imp, err
}

// Imports lists the uploads of a campaign by may manage, newest first
// (without their tables).
func (s *Service) Imports(ctx context.Context, by accounts.User, publicID string) ([]Import, error) {
	var out []Import
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		id, _, err := s.manageable(ctx, tx, by, publicID)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, importColumnsSQL+` FROM survey_imports i LEFT JOIN users u ON u.id = i.created_by
			WHERE i.survey_id = $1 ORDER BY i.created_at DESC, i.id DESC`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			imp, err := scanImport(rows)
			if err != nil {
				return err
			}
			_ = json.Unmarshal([]byte(imp.mappingText), &imp.Mapping)
			out = append(out, imp)
		}
		return rows.Err()
	})
	return out, err
}

// Import returns a campaign by may manage and one of its uploads, with its
// table and mapping. When the questionnaire changed since the mapping was
// saved, a new one is proposed (Remapped).
func (s *Service) Import(ctx context.Context, by accounts.User, publicID, importID string) (Survey, Import, error) {
	var imp Import
	var sv Survey
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		id, _, err := s.manageable(ctx, tx, by, publicID)
		if err != nil {
			return err
		}
		var data []byte
		imp, err = scanImport(tx.QueryRowContext(ctx, importColumnsSQL+`, i.data FROM survey_imports i LEFT JOIN users u ON u.id = i.created_by
			WHERE i.public_id = $1 AND i.survey_id = $2`, importID, id), &data)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		if data != nil {
			imp.Table = &Table{}
			if err := json.Unmarshal(data, imp.Table); err != nil {
				return err
			}
		}
		if err := json.Unmarshal([]byte(imp.mappingText), &imp.Mapping); err != nil {
			return err
		}
		sv, err = s.get(ctx, tx, `s.id = $1`, id)
		return err
	})
	if err != nil {
		return sv, imp, err
	}
	if imp.Table != nil && imp.Mapping.Version != sv.Version.Number {
		imp.Mapping = ProposeMapping(imp.Table, sv.Version.Questionnaire, sv.Version.Number)
		imp.Remapped = true
	}
	if imp.Table != nil {
		imp.Mapping.Columns = slices.Grow(imp.Mapping.Columns, len(imp.Table.Columns))
		for len(imp.Mapping.Columns) < len(imp.Table.Columns) {
			imp.Mapping.Columns = append(imp.Mapping.Columns, ColumnMapping{})
		}
	}
	return sv, imp, nil
}

// SaveMapping replaces the mapping of an upload waiting for its import.
// A column whose question or part changed gets its values proposed anew
// (those sent were chosen for the former one); identifying, date and
// technical columns are never mapped.
func (s *Service) SaveMapping(ctx context.Context, by accounts.User, publicID, importID string, m Mapping) (Import, error) {
	sv, imp, err := s.Import(ctx, by, publicID, importID)
	if err != nil {
		return imp, err
	}
	if imp.Table == nil {
		return imp, coop.Refusal(coop.EPrecondition, "survey.import.done_already")
	}
	t, qn := imp.Table, sv.Version.Questionnaire
	next := Mapping{Version: sv.Version.Number, Columns: make([]ColumnMapping, len(t.Columns))}
	p := coop.Problems{}
	used := map[string]int{}
	for i, c := range t.Columns {
		if i >= len(m.Columns) || c.Role != RoleAnswer || m.Columns[i].Question == "" {
			continue
		}
		cm := m.Columns[i]
		field := "col." + strconv.Itoa(i)
		q, ok := qn.Question(cm.Question)
		if !ok || !importPartValid(q, cm.Part) {
			p.Add(field, "survey.import.column_invalid")
			continue
		}
		key := cm.Question + "\x00" + cm.Part
		if j, dup := used[key]; dup {
			p.Add(field, "survey.import.column_twice")
			p.Add("col."+strconv.Itoa(j), "survey.import.column_twice")
			continue
		}
		used[key] = i
		was := imp.Mapping.Columns[i]
		next.Columns[i] = ColumnMapping{Question: cm.Question, Part: cm.Part}
		if was.Question != cm.Question || was.Part != cm.Part {
			next.Columns[i].Values, next.Columns[i].ValuesByOrder = ProposeValues(t, i, q, cm.Part)
			continue
		}
		next.Columns[i].Guess, next.Columns[i].ValuesByOrder = was.Guess, was.ValuesByOrder
		if !next.Columns[i].Choosing(qn) {
			continue
		}
		next.Columns[i].Values = map[string]string{}
		for v, target := range cm.Values {
			if target == "" {
				continue
			}
			if !importTargetValid(q, cm.Part, target) {
				p.Add(field, "survey.import.value_invalid")
				continue
			}
			next.Columns[i].Values[v] = target
		}
	}
	if len(p) > 0 {
		return imp, p.Err()
	}
	text, err := json.Marshal(next)
	if err != nil {
		return imp, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE survey_imports SET mapping = $1 WHERE id = $2 AND imported_at IS NULL`, string(text), imp.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, error(coop.Refusal(coop.EPrecondition, "survey.import.done_already")))
		}
		return nil
	})
	imp.Mapping, imp.mappingText, imp.Remapped = next, string(text), false
	return imp, err
}

// importPartValid tells whether a column may give that part of q.
func importPartValid(q Question, part string) bool {
	switch {
	case part == PartAnswer:
		return true
	case part == PartOther:
		return q.Other
	case q.Kind == Multiple || q.Kind == Days:
		_, ok := q.Option(part)
		return ok && part != OtherCode
	}
	return false
}

// importTargetValid tells whether a value of a column may stand for
// target.
func importTargetValid(q Question, part, target string) bool {
	switch {
	case target == TargetEmpty:
		return true
	case part != PartAnswer:
		return target == TargetTicked
	case target == TargetOther:
		return q.Other
	}
	_, ok := q.Option(target)
	return ok && target != OtherCode
}

// Preview checks every row of an upload waiting for its import with its
// current mapping.
func (s *Service) Preview(sv Survey, imp Import) Preview {
	if imp.Table == nil {
		return Preview{}
	}
	pv, _ := s.importConvert(sv, imp.Table, imp.Mapping, Paris(s.now()))
	return pv
}

func (s *Service) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now()
	}
	return s.DB.Clock.Now()
}

// Commit imports every row of an upload, in one transaction, or none: it
// is refused while any row is bad, when the mapping or the questionnaire
// changed since the preview whose Check is given, and when the same file
// was imported into the campaign before. The stored file is then dropped.
// It returns the number of answers imported.
func (s *Service) Commit(ctx context.Context, by accounts.User, publicID, importID, check string) (int, error) {
	sv, imp, err := s.Import(ctx, by, publicID, importID)
	if err != nil {
		return 0, err
	}
	if imp.Table == nil {
		return 0, coop.Refusal(coop.EPrecondition, "survey.import.done_already")
	}
	if imp.Remapped {
		return 0, coop.Refusal(coop.EPrecondition, "survey.import.mapping_changed")
	}
	pv, rows := s.importConvert(sv, imp.Table, imp.Mapping, Paris(s.now()))
	switch {
	case check != pv.Check:
		return 0, coop.Refusal(coop.EPrecondition, "survey.import.mapping_changed")
	case pv.Bad > 0:
		return 0, coop.Refusal(coop.EPrecondition, "survey.import.has_problems", pv.Bad)
	case pv.Ready == 0:
		return 0, coop.Refusal(coop.EPrecondition, "survey.import.no_rows")
	}
	var day string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var mapping string
		var imported sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT mapping, imported_at FROM survey_imports WHERE id = $1`, imp.ID).Scan(&mapping, &imported); err != nil {
			return err
		}
		if imported.Valid {
			return coop.Refusal(coop.EPrecondition, "survey.import.done_already")
		}
		cur, err := currentVersion(ctx, tx, sv.ID)
		if err != nil {
			return err
		}
		if mapping != imp.mappingText || cur.ID != sv.Version.ID {
			return coop.Refusal(coop.EPrecondition, "survey.import.mapping_changed")
		}
		if day, err = importedOn(ctx, tx, sv.ID, imp.SHA256); err != nil || day != "" {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE survey_imports SET imported_at = $1, responses = $2, data = NULL WHERE id = $3`,
			tx.Now, len(rows), imp.ID); err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := insertResponse(ctx, tx, sv.ID, cur, Response{Day: r.Day, Source: SourceImport, ImportID: imp.ID, Answers: r.Answers}); err != nil {
				return err
			}
		}
		return nil
	})
	if db.IsConflict(err) {
		// The same file, imported from another upload at the same moment.
		_ = s.DB.Read(ctx, func(tx *db.Tx) (err error) {
			day, err = importedOn(ctx, tx, sv.ID, imp.SHA256)
			return err
		})
		if day == "" {
			return 0, err
		}
	} else if err != nil {
		return 0, err
	}
	if day != "" {
		return 0, coop.Refusal(coop.EConflict, "survey.import.already_imported", day)
	}
	return len(rows), nil
}
