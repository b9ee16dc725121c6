package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"coopconnect/internal/db"
)

// Results are computed from a cache of each campaign's answers held in
// columns (one small slice per question), filled from the database by
// increasing answer id: a new answer costs one row read, not a reload. A
// change or deletion of stored answers bumps surveys.revision, and a new
// questionnaire version adds a row to survey_versions: either reloads the
// cache. The cells of every territory of the campaign are then counted in
// one pass and suppressed together (suppress.go), so that no page, export
// or API answer can be subtracted from another to reveal a small cell; the
// result is kept until the answers or the territory change.

// cache is one campaign's answers, by column.
type cache struct {
	mu sync.Mutex
	columns
}

type columns struct {
	revision int64
	versions []Version // by number
	lastID   int64
	n        int
	version  []int32 // per answer: index in versions
	home     []int32 // per answer: index in homes, -1 when unanswered
	homes    []string
	homeIx   map[string]int32
	cols     map[string]*column
	done     *computed
}

// column is the answers to one question, one entry per answer.
type column struct {
	kind  Kind
	codes []string // option codes (or commune codes) met, by index
	index map[string]int
	one   []int32   // single, scale, commune: code index, -1 unanswered
	many  []uint64  // multiple, days: bit set of code indices
	num   []float64 // number: NaN when unanswered
	text  []bool    // free text: answered
}

func (c *column) code(s string) int {
	i, ok := c.index[s]
	if !ok {
		i = len(c.codes)
		c.codes = append(c.codes, s)
		c.index[s] = i
	}
	return i
}

// Elsewhere is the class of a commune question's answers outside the
// campaign's territory.
const Elsewhere = "elsewhere"

// maxCodes bounds the options of a multiple question (a bit set).
const maxCodes = 64

func (c *column) append(v Value, asked bool) {
	switch c.kind {
	case Single, Scale, Commune:
		ix := int32(-1)
		if asked && len(v.Choices) > 0 {
			ix = int32(c.code(v.Choices[0]))
		} else if asked && c.kind == Commune && v.Text != "" {
			ix = int32(c.code(v.Text))
		}
		c.one = append(c.one, ix)
	case Multiple, Days:
		var bits uint64
		if asked {
			for _, code := range v.Choices {
				if i := c.code(code); i < maxCodes {
					bits |= 1 << i
				}
			}
		}
		c.many = append(c.many, bits)
	case Number:
		x := math.NaN()
		if asked && v.Number != nil {
			x = *v.Number
		}
		c.num = append(c.num, x)
	default:
		c.text = append(c.text, asked && v.Text != "")
	}
}

// refresh brings the cache up to date with the database.
func (s *Service) refresh(ctx context.Context, c *cache, surveyID int64) error {
	return s.DB.Read(ctx, func(tx *db.Tx) error {
		var revision int64
		var versions int
		if err := tx.QueryRowContext(ctx, `SELECT revision, (SELECT count(*) FROM survey_versions v WHERE v.survey_id = s.id)
			FROM surveys s WHERE s.id = $1`, surveyID).Scan(&revision, &versions); err != nil {
			return err
		}
		if revision != c.revision || versions != len(c.versions) || c.cols == nil {
			vs, err := loadVersions(ctx, tx, surveyID)
			if err != nil {
				return err
			}
			c.columns = columns{revision: revision, versions: vs, homeIx: map[string]int32{}, cols: map[string]*column{}}
			for _, q := range schema(vs) {
				c.cols[q.ID] = &column{kind: q.Kind, index: map[string]int{}}
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT r.id, v.number, r.answers FROM survey_responses r JOIN survey_versions v ON v.id = r.version_id
			WHERE r.survey_id = $1 AND r.id > $2 ORDER BY r.id`, surveyID, c.lastID)
		if err != nil {
			return err
		}
		defer rows.Close()
		var id int64
		var number int
		var text []byte
		for rows.Next() {
			if err := rows.Scan(&id, &number, &text); err != nil {
				return err
			}
			var a Answers
			if err := json.Unmarshal(text, &a); err != nil {
				return fmt.Errorf("survey answer %d: %w", id, err)
			}
			vi := int32(number - 1)
			qn := c.versions[vi].Questionnaire
			c.version = append(c.version, vi)
			home := int32(-1)
			if code := a[qn.Residence].Text; code != "" {
				h, ok := c.homeIx[code]
				if !ok {
					h = int32(len(c.homes))
					c.homes = append(c.homes, code)
					c.homeIx[code] = h
				}
				home = h
			}
			c.home = append(c.home, home)
			for qid, col := range c.cols {
				q, ok := qn.Question(qid)
				col.append(a[qid], ok && q.Kind == col.kind)
			}
			c.lastID = id
			c.n++
			c.done = nil
		}
		return rows.Err()
	})
}

func loadVersions(ctx context.Context, tx *db.Tx, surveyID int64) ([]Version, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, number, questionnaire, created_at FROM survey_versions WHERE survey_id = $1 ORDER BY number`, surveyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var text string
		if err := rows.Scan(&v.ID, &v.Number, &text, &v.CreatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(text), &v.Questionnaire); err != nil {
			return nil, err
		}
		if v.Number != len(out)+1 {
			return nil, fmt.Errorf("survey %d: version %d missing", surveyID, len(out)+1)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// schema is every question ever asked, as its latest version asks it: the
// current questionnaire's order, then the questions dropped since.
func schema(vs []Version) []Question {
	var out []Question
	seen := map[string]bool{}
	for i := len(vs) - 1; i >= 0; i-- {
		for _, q := range vs[i].Questionnaire.Questions {
			if !seen[q.ID] {
				seen[q.ID] = true
				out = append(out, q)
			}
		}
	}
	return out
}

// computed is every cell of every territory of a campaign, suppressed.
type computed struct {
	key      string
	scopes   []Scope // 0: all; then EPCIs, communes, and last the answers from outside
	parent   []int
	leaf     []int // per home index: the leaf scope (commune or outside)
	layout   []qlayout
	xtabs    []xlayout
	demand   int // cell of the demand count, -1 without
	width    int // cells per scope
	counts   []int
	hidden   []bool
	versions []VersionCount
	// The answers, for the summaries of numbers: their leaf territory
	// and the number columns (slices of the cache's, which only grow).
	answerLeaf []int32
	nums       map[string][]float64
}

// qlayout places one question's cells in a scope's row of cells.
type qlayout struct {
	q        Question
	versions []int
	answered int
	codes    []string // the classes: option codes, commune codes, bands
	labels   []Text
	cells    []int
	comps    []int // multiple: those who answered without choosing the option
}

type xlayout struct {
	row, col   int // indices in layout
	cells      [][]int
	rows, cols []int
	total      int
}

// Results computes a campaign's results for the whole territory (code
// ""), one of its EPCI (SIREN) or one of its communes (INSEE code).
func (s *Service) Results(ctx context.Context, sv Survey, code string) (Results, error) {
	cp, err := s.compute(ctx, sv)
	if err != nil {
		return Results{}, err
	}
	si := slices.IndexFunc(cp.scopes[:len(cp.scopes)-1], func(sc Scope) bool { return sc.Code == code })
	if si < 0 {
		return Results{}, errNotFound
	}
	return s.resultsOf(cp, sv, si), nil
}

// Breakdown returns the number of answers of each territory of the
// campaign: the whole first, then each EPCI, then each commune.
func (s *Service) Breakdown(ctx context.Context, sv Survey) ([]ScopeCount, error) {
	cp, err := s.compute(ctx, sv)
	if err != nil {
		return nil, err
	}
	out := make([]ScopeCount, 0, len(cp.scopes)-1)
	for si, sc := range cp.scopes[:len(cp.scopes)-1] {
		c := ScopeCount{Scope: sc, Responses: cp.counts[si*cp.width], Hidden: cp.hidden[si*cp.width]}
		if c.Hidden {
			c.Responses = 0
		}
		if sc.Kind == "commune" {
			if x, ok := s.Territory.Commune(sc.Code); ok {
				c.EPCI, c.Lat, c.Lon = x.EPCI, x.Lat, x.Lon
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *Service) compute(ctx context.Context, sv Survey) (*computed, error) {
	v, _ := s.results.LoadOrStore(sv.ID, &cache{})
	c := v.(*cache)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := s.refresh(ctx, c, sv.ID); err != nil {
		return nil, err
	}
	var key strings.Builder
	for _, x := range sv.Communes {
		key.WriteString(x.Code)
		key.WriteString(x.EPCI)
	}
	if c.done == nil || c.done.key != key.String() {
		c.done = s.count(c, sv)
		c.done.key = key.String()
	}
	return c.done, nil
}

// count lays out the cells, counts every answer into its leaf territory,
// adds leaves up into their parents and suppresses.
func (s *Service) count(c *cache, sv Survey) *computed {
	cp := &computed{demand: -1}
	// Territories.
	cp.scopes = append(cp.scopes, Scope{Kind: "all", Name: sv.Title})
	cp.parent = append(cp.parent, -1)
	epciScope := map[string]int{}
	for _, x := range sv.Communes {
		if x.EPCI == "" {
			continue
		}
		if _, ok := epciScope[x.EPCI]; !ok {
			name := x.EPCI
			if e, ok := s.Territory.EPCI(x.EPCI); ok {
				name = e.Name
			}
			epciScope[x.EPCI] = len(cp.scopes)
			cp.scopes = append(cp.scopes, Scope{Kind: "epci", Code: x.EPCI, Name: name})
			cp.parent = append(cp.parent, 0)
		}
	}
	communeScope := map[string]int{}
	for _, x := range sv.Communes {
		communeScope[x.Code] = len(cp.scopes)
		cp.scopes = append(cp.scopes, Scope{Kind: "commune", Code: x.Code, Name: x.Name})
		p, ok := epciScope[x.EPCI]
		if !ok {
			p = 0
		}
		cp.parent = append(cp.parent, p)
	}
	outside := len(cp.scopes)
	cp.scopes = append(cp.scopes, Scope{Kind: "outside"})
	cp.parent = append(cp.parent, 0)
	cp.leaf = make([]int, len(c.homes))
	for i, code := range c.homes {
		if si, ok := communeScope[code]; ok {
			cp.leaf[i] = si
		} else {
			cp.leaf[i] = outside
		}
	}

	// Cells of one territory: answers, then per question.
	w := 1
	next := func() int { w++; return w - 1 }
	cur := c.versions[len(c.versions)-1].Questionnaire
	for _, q := range schema(c.versions) {
		if q.ID == cur.Residence {
			continue // the territories themselves: see Breakdown
		}
		l := qlayout{q: q, answered: next()}
		for _, v := range c.versions {
			if x, ok := v.Questionnaire.Question(q.ID); ok && x.Kind == q.Kind {
				l.versions = append(l.versions, v.Number)
			}
		}
		col := c.cols[q.ID]
		switch q.Kind {
		case Single, Scale, Multiple, Days:
			for _, o := range q.Choices() {
				l.codes, l.labels = append(l.codes, o.Code), append(l.labels, o.Label)
			}
			for _, code := range col.codes { // codes of older versions
				if !slices.Contains(l.codes, code) {
					l.codes, l.labels = append(l.codes, code), append(l.labels, oldLabel(c.versions, q.ID, code))
				}
			}
		case Commune:
			// The campaign's communes and the rest, whatever the answers:
			// a class per commune met would tell that someone answered.
			for _, x := range sv.Communes {
				l.codes, l.labels = append(l.codes, x.Code), append(l.labels, Text{FR: x.Name})
			}
			l.codes, l.labels = append(l.codes, Elsewhere), append(l.labels, Text{FR: "Hors du territoire de l'enquête", EN: "Outside the survey's territory"})
		case Number:
			l.codes, l.labels = bandClasses(q)
		}
		for range l.codes {
			l.cells = append(l.cells, next())
			if q.Kind == Multiple || q.Kind == Days {
				l.comps = append(l.comps, next())
			}
		}
		cp.layout = append(cp.layout, l)
	}
	qIndex := func(id string) int { return slices.IndexFunc(cp.layout, func(l qlayout) bool { return l.q.ID == id }) }
	for _, x := range cur.Crosstabs {
		ri, ci := qIndex(x.Row), qIndex(x.Col)
		if ri < 0 || ci < 0 || !exclusive(cp.layout[ri].q) || !exclusive(cp.layout[ci].q) {
			continue
		}
		xl := xlayout{row: ri, col: ci, total: next()}
		for range cp.layout[ri].codes {
			var row []int
			for range cp.layout[ci].codes {
				row = append(row, next())
			}
			xl.cells = append(xl.cells, row)
			xl.rows = append(xl.rows, next())
		}
		for range cp.layout[ci].codes {
			xl.cols = append(xl.cols, next())
		}
		cp.xtabs = append(cp.xtabs, xl)
	}
	var demandQ int
	var demandCodes []int
	if d := cur.Demand; d != nil {
		if demandQ = qIndex(d.Question); demandQ >= 0 {
			cp.demand = next()
			for _, code := range d.AnyOf {
				if i := slices.Index(cp.layout[demandQ].codes, code); i >= 0 {
					demandCodes = append(demandCodes, i)
				}
			}
		}
	}
	cp.width = w

	// Count each answer into its leaf.
	cp.counts = make([]int, len(cp.scopes)*w)
	classes := make([][]int, len(cp.layout)) // per question: column code index → class
	for qi, l := range cp.layout {
		col := c.cols[l.q.ID]
		classes[qi] = make([]int, len(col.codes))
		for i, code := range col.codes {
			classes[qi][i] = slices.Index(l.codes, code)
			if classes[qi][i] < 0 && l.q.Kind == Commune {
				classes[qi][i] = len(l.codes) - 1 // Elsewhere
			}
		}
	}
	unmet := make([][]int, len(cp.layout)) // per question: classes never met in the column
	for qi := range cp.layout {
		for ix := range cp.layout[qi].codes {
			if !slices.Contains(classes[qi], ix) {
				unmet[qi] = append(unmet[qi], ix)
			}
		}
	}
	class := func(qi, i int) int { // the class of answer i to question qi, -1 unanswered
		l, col := cp.layout[qi], c.cols[cp.layout[qi].q.ID]
		switch l.q.Kind {
		case Single, Scale, Commune:
			if x := col.one[i]; x >= 0 {
				return classes[qi][x]
			}
		case Number:
			if x := col.num[i]; !math.IsNaN(x) {
				return bandOf(l.q.Bands, x)
			}
		}
		return -1
	}
	version := make([]int, len(c.versions))
	cp.answerLeaf = make([]int32, c.n)
	cp.nums = map[string][]float64{}
	for _, l := range cp.layout {
		if l.q.Kind == Number {
			cp.nums[l.q.ID] = c.cols[l.q.ID].num[:c.n]
		}
	}
	for i := range c.n {
		version[c.version[i]]++
		leaf := outside
		if h := c.home[i]; h >= 0 {
			leaf = cp.leaf[h]
		}
		cp.answerLeaf[i] = int32(leaf)
		row := cp.counts[leaf*w : (leaf+1)*w]
		row[0]++
		for qi, l := range cp.layout {
			col := c.cols[l.q.ID]
			switch l.q.Kind {
			case Multiple, Days:
				bits := col.many[i]
				if bits == 0 {
					continue
				}
				row[l.answered]++
				for ci, ix := range classes[qi] {
					if ix < 0 || ci >= maxCodes {
						continue
					}
					if bits&(1<<ci) != 0 {
						row[l.cells[ix]]++
					} else {
						row[l.comps[ix]]++
					}
				}
				for _, ix := range unmet[qi] {
					row[l.comps[ix]]++
				}
			case FreeText:
				if col.text[i] {
					row[l.answered]++
				}
			default:
				if k := class(qi, i); k >= 0 {
					row[l.answered]++
					row[l.cells[k]]++
				}
			}
		}
		for _, x := range cp.xtabs {
			r, k := class(x.row, i), class(x.col, i)
			if r < 0 || k < 0 {
				continue
			}
			row[x.cells[r][k]]++
			row[x.rows[r]]++
			row[x.cols[k]]++
			row[x.total]++
		}
		if cp.demand >= 0 {
			l := cp.layout[demandQ]
			col := c.cols[l.q.ID]
			for _, k := range demandCodes {
				chosen := false
				switch l.q.Kind {
				case Multiple, Days:
					ci := slices.Index(classes[demandQ], k)
					chosen = ci >= 0 && ci < maxCodes && col.many[i]&(1<<ci) != 0
				default:
					chosen = class(demandQ, i) == k
				}
				if chosen {
					row[cp.demand]++
					break
				}
			}
		}
	}
	// Add leaves up: communes into their EPCI, everything into the whole.
	for si := len(cp.scopes) - 1; si > 0; si-- {
		if cp.scopes[si].Kind == "epci" {
			continue
		}
		for _, p := range ancestors(cp.parent, si) {
			for k := range w {
				cp.counts[p*w+k] += cp.counts[si*w+k]
			}
		}
	}
	cp.suppress(outside)
	for i, n := range version {
		vc := VersionCount{Number: c.versions[i].Number, Responses: n}
		if n < MinCell {
			vc.Responses, vc.Hidden = 0, true
		}
		cp.versions = append(cp.versions, vc)
	}
	return cp
}

func ancestors(parent []int, si int) []int {
	var out []int
	for p := parent[si]; p >= 0; p = parent[p] {
		out = append(out, p)
	}
	return out
}

// suppress ties the cells by their sums and hides what must be.
func (cp *computed) suppress(outside int) {
	w := cp.width
	set := &cellSet{}
	for si := range cp.scopes {
		for k := range w {
			set.add(cp.counts[si*w+k], si != outside)
		}
	}
	at := func(si, k int) int { return si*w + k }
	for si := range cp.scopes {
		for _, l := range cp.layout {
			switch l.q.Kind {
			case Multiple, Days:
				for i := range l.cells {
					set.sum(at(si, l.answered), at(si, l.cells[i]), at(si, l.comps[i]))
				}
			case FreeText:
			default:
				terms := make([]int, len(l.cells))
				for i, k := range l.cells {
					terms[i] = at(si, k)
				}
				set.sum(at(si, l.answered), terms...)
			}
		}
		for _, x := range cp.xtabs {
			all := []int{}
			for r, row := range x.cells {
				terms := make([]int, len(row))
				for k, cell := range row {
					terms[k] = at(si, cell)
				}
				set.sum(at(si, x.rows[r]), terms...)
				all = append(all, at(si, x.rows[r]))
			}
			set.sum(at(si, x.total), all...)
			all = all[:0]
			for k, cell := range x.cols {
				terms := make([]int, len(x.cells))
				for r := range x.cells {
					terms[r] = at(si, x.cells[r][k])
				}
				set.sum(at(si, cell), terms...)
				all = append(all, at(si, cell))
			}
			set.sum(at(si, x.total), all...)
		}
	}
	// A parent is the sum of its children, cell by cell.
	children := map[int][]int{}
	for si, p := range cp.parent {
		if p >= 0 {
			children[p] = append(children[p], si)
		}
	}
	for p, kids := range children {
		for k := range w {
			terms := make([]int, len(kids))
			for i, c := range kids {
				terms[i] = at(c, k)
			}
			set.sum(at(p, k), terms...)
		}
	}
	cp.hidden = set.suppress()
	// Hide further what cannot be read without a hidden total: a
	// territory's answers, a question's distribution.
	for si := range cp.scopes {
		row := cp.hidden[si*w : (si+1)*w]
		if row[0] {
			for k := range row {
				row[k] = true
			}
			continue
		}
		for _, l := range cp.layout {
			if row[l.answered] {
				for i, k := range l.cells {
					row[k] = true
					if l.comps != nil {
						row[l.comps[i]] = true
					}
				}
			}
		}
		for _, x := range cp.xtabs {
			if row[x.total] {
				for r, cells := range x.cells {
					row[x.rows[r]] = true
					for _, k := range cells {
						row[k] = true
					}
				}
				for _, k := range x.cols {
					row[k] = true
				}
			}
		}
	}
}

// exclusive tells whether a question's classes partition its answers.
func exclusive(q Question) bool {
	return q.Kind == Single || q.Kind == Scale || q.Kind == Commune || (q.Kind == Number && len(q.Bands) > 0)
}

// bandOf returns the class of x among the bands' upper bounds.
func bandOf(bands []float64, x float64) int {
	for i, b := range bands {
		if x < b {
			return i
		}
	}
	return len(bands)
}

// bandClasses returns the classes of a number question: "0 à 4 km", "5 à 9
// km"… "40 km et plus" for integers, "moins de 5 km", "5 à moins de 10 km"…
// otherwise.
func bandClasses(q Question) ([]string, []Text) {
	var codes []string
	var labels []Text
	unit := func(t Text, lang string) string {
		if u := q.Unit.In(lang); u != "" {
			return t.In(lang) + "\u00a0" + u
		}
		return t.In(lang)
	}
	num := func(v float64) string { return strings.Replace(fmt.Sprint(v), ".", ",", 1) }
	numEN := func(v float64) string { return fmt.Sprint(v) }
	lo := math.Inf(-1)
	if q.Min != nil {
		lo = *q.Min
	}
	for i := 0; i <= len(q.Bands); i++ {
		var t Text
		switch {
		case i == len(q.Bands):
			b := q.Bands[i-1]
			t = Text{FR: unit(Text{FR: num(b)}, "fr") + " et plus", EN: unit(Text{FR: numEN(b)}, "en") + " or more"}
		case q.Integer && !math.IsInf(lo, -1):
			hi := q.Bands[i] - 1
			if hi == lo {
				t = Text{FR: unit(Text{FR: num(lo)}, "fr"), EN: unit(Text{FR: numEN(lo)}, "en")}
			} else {
				t = Text{FR: num(lo) + " à " + unit(Text{FR: num(hi)}, "fr"), EN: numEN(lo) + " to " + unit(Text{FR: numEN(hi)}, "en")}
			}
		case i == 0:
			t = Text{FR: "moins de " + unit(Text{FR: num(q.Bands[0])}, "fr"), EN: "less than " + unit(Text{FR: numEN(q.Bands[0])}, "en")}
		default:
			t = Text{FR: num(q.Bands[i-1]) + " à moins de " + unit(Text{FR: num(q.Bands[i])}, "fr"),
				EN: numEN(q.Bands[i-1]) + " to less than " + unit(Text{FR: numEN(q.Bands[i])}, "en")}
		}
		if i < len(q.Bands) {
			lo = q.Bands[i]
		}
		codes = append(codes, fmt.Sprintf("band%d", i))
		labels = append(labels, t)
	}
	return codes, labels
}

// oldLabel finds the label an option had in an older version.
func oldLabel(vs []Version, qid, code string) Text {
	for i := len(vs) - 1; i >= 0; i-- {
		if q, ok := vs[i].Questionnaire.Question(qid); ok {
			if o, ok := q.Option(code); ok {
				return o.Label
			}
		}
	}
	return Text{FR: code}
}

// resultsOf reads one territory's results out of the computation.
func (s *Service) resultsOf(cp *computed, sv Survey, si int) Results {
	w := cp.width
	counts, hidden := cp.counts[si*w:(si+1)*w], cp.hidden[si*w:(si+1)*w]
	res := Results{Scope: cp.scopes[si], Responses: counts[0], Hidden: hidden[0]}
	if si == 0 {
		res.Versions = cp.versions
	}
	if res.Hidden {
		res.Responses = 0
		return res
	}
	cell := func(k, of int, code string, label Text) Cell {
		c := Cell{Code: code, Label: label, Hidden: hidden[k]}
		if !c.Hidden {
			c.Count = counts[k]
		}
		if !c.Hidden && of > 0 {
			c.Proportion = float64(c.Count) / float64(of)
			c.Low, c.High = Wilson(c.Count, of)
		}
		return c
	}
	for _, l := range cp.layout {
		qr := QuestionResult{Question: l.q, Versions: l.versions, Answered: counts[l.answered], Hidden: hidden[l.answered]}
		if qr.Hidden {
			qr.Answered = 0
		}
		for i, k := range l.cells {
			qr.Cells = append(qr.Cells, cell(k, qr.Answered, l.codes[i], l.labels[i]))
		}
		if l.q.Kind == Number && !qr.Hidden {
			sum := s.summary(cp, si, l.q.ID)
			sum.Unit = l.q.Unit
			qr.Summary = &sum
		}
		res.Questions = append(res.Questions, qr)
	}
	for _, x := range cp.xtabs {
		rl, cl := cp.layout[x.row], cp.layout[x.col]
		xr := CrosstabResult{Row: rl.q, Col: cl.q, RowLabels: rl.labels, ColLabels: cl.labels, Total: counts[x.total], TotalShown: !hidden[x.total]}
		if !xr.TotalShown {
			xr.Total = 0
		}
		for r, cells := range x.cells {
			of := 0
			if !hidden[x.rows[r]] {
				of = counts[x.rows[r]]
			}
			var row []Cell
			for k, c := range cells {
				row = append(row, cell(c, of, cl.codes[k], cl.labels[k]))
			}
			xr.Counts = append(xr.Counts, row)
			xr.RowTotals = append(xr.RowTotals, cell(x.rows[r], xr.Total, rl.codes[r], rl.labels[r]))
		}
		for k, c := range x.cols {
			xr.ColTotals = append(xr.ColTotals, cell(c, xr.Total, cl.codes[k], cl.labels[k]))
		}
		res.Crosstabs = append(res.Crosstabs, xr)
	}
	if cp.demand >= 0 {
		res.Demand = s.demand(cp, sv, si)
	}
	return res
}

// summary describes a number question's answers in a territory, from the
// cached column (the cells only count classes).
func (s *Service) summary(cp *computed, si int, qid string) Summary {
	in := make([]bool, len(cp.scopes))
	for leaf := range cp.scopes {
		in[leaf] = leaf == si || slices.Contains(ancestors(cp.parent, leaf), si)
	}
	var values []float64
	for i, x := range cp.nums[qid] {
		if !math.IsNaN(x) && in[cp.answerLeaf[i]] {
			values = append(values, x)
		}
	}
	return summarize(values)
}

// demand estimates the likely regular users of a place in a territory.
func (s *Service) demand(cp *computed, sv Survey, si int) *DemandEstimate {
	w := cp.width
	counts, hidden := cp.counts[si*w:(si+1)*w], cp.hidden[si*w:(si+1)*w]
	q := slices.IndexFunc(cp.layout, func(l qlayout) bool { return l.q.ID == sv.Version.Questionnaire.Demand.Question })
	d := &DemandEstimate{}
	var codes []string
	sc := cp.scopes[si]
	for _, x := range sv.Communes {
		if sc.Kind == "all" || x.Code == sc.Code || (sc.Kind == "epci" && x.EPCI == sc.Code) {
			codes = append(codes, x.Code)
		}
	}
	if t, err := s.Territory.Sum(codes...); err == nil {
		d.Active = t.ActivePopulation
	}
	if q < 0 || hidden[cp.demand] || hidden[cp.layout[q].answered] {
		d.Hidden = true
		return d
	}
	d.Count, d.Answered = counts[cp.demand], counts[cp.layout[q].answered]
	d.Share = float64(d.Count) / float64(d.Answered)
	d.Low, d.High = Wilson(d.Count, d.Answered)
	d.Estimate = int(math.Round(d.Share * float64(d.Active)))
	d.EstimateLow = int(math.Round(d.Low * float64(d.Active)))
	d.EstimateHigh = int(math.Round(d.High * float64(d.Active)))
	return d
}
