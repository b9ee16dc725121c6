package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
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
	list     []*column // the same, in schema order
	asked    [][]bool  // per version, per column: asked with the column's kind
	// done is the computation, counted as answers come; view its last
	// finished state, which readers use outside the lock and nobody
	// changes.
	done, view *computed
}

// column is the answers to one question, one entry per answer.
type column struct {
	kind  Kind
	pos   int      // in the cache's list
	codes []string // option codes (or commune codes) met, by index
	index map[string]int
	one   []int32   // single, scale, commune: code index, -1 unanswered
	many  []uint64  // multiple, days: bit set of code indices
	num   []float64 // number: NaN when unanswered
	text  []bool    // free text: answered
}

// code returns the index of a code, adding it when new.
func (c *column) code(b []byte) int {
	i, ok := c.index[string(b)]
	if !ok {
		i = len(c.codes)
		c.codes = append(c.codes, string(b))
		c.index[string(b)] = i
	}
	return i
}

// Elsewhere is the class of a commune question's answers outside the
// campaign's territory.
const Elsewhere = "elsewhere"

// maxCodes bounds the options of a multiple question (a bit set).
const maxCodes = 64

// appendEmpty adds an unanswered entry.
func (c *column) appendEmpty() {
	switch c.kind {
	case Single, Scale, Commune:
		c.one = append(c.one, -1)
	case Multiple, Days:
		c.many = append(c.many, 0)
	case Number:
		c.num = append(c.num, math.NaN())
	default:
		c.text = append(c.text, false)
	}
}

// set records the answer of the last entry.
func (c *column) set(v *rawValue) {
	last := len(c.one) - 1
	switch c.kind {
	case Single, Scale:
		if len(v.choices) > 0 {
			c.one[last] = int32(c.code(v.choices[0]))
		}
	case Commune:
		if len(v.text) > 0 {
			c.one[last] = int32(c.code(v.text))
		}
	case Multiple, Days:
		var bits uint64
		for _, code := range v.choices {
			if i := c.code(code); i < maxCodes {
				bits |= 1 << i
			}
		}
		c.many[len(c.many)-1] = bits
	case Number:
		if v.hasNumber {
			c.num[len(c.num)-1] = v.number
		}
	default:
		c.text[len(c.text)-1] = len(v.text) > 0
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
				col := &column{kind: q.Kind, index: map[string]int{}, pos: len(c.list)}
				c.cols[q.ID] = col
				c.list = append(c.list, col)
			}
			for _, v := range vs {
				asked := make([]bool, len(c.list))
				for _, q := range v.Questionnaire.Questions {
					if col := c.cols[q.ID]; col.kind == q.Kind {
						asked[col.pos] = true
					}
				}
				c.asked = append(c.asked, asked)
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
		var text sql.RawBytes // read at once, before the next row
		var v rawValue
		for rows.Next() {
			if err := rows.Scan(&id, &number, &text); err != nil {
				return err
			}
			vi := int32(number - 1)
			for _, col := range c.list {
				col.appendEmpty()
			}
			asked, residence := c.asked[vi], c.versions[vi].Questionnaire.Residence
			home := int32(-1)
			err := scanAnswers(text, &v, func(qid []byte, v *rawValue) {
				if string(qid) == residence && len(v.text) > 0 {
					h, ok := c.homeIx[string(v.text)]
					if !ok {
						h = int32(len(c.homes))
						c.homes = append(c.homes, string(v.text))
						c.homeIx[string(v.text)] = h
					}
					home = h
				}
				if col := c.cols[string(qid)]; col != nil && asked[col.pos] {
					col.set(v)
				}
			})
			if err != nil {
				return fmt.Errorf("survey answer %d: %w", id, err)
			}
			c.version = append(c.version, vi)
			c.home = append(c.home, home)
			c.lastID = id
			c.n++
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
// New answers are counted into it as they come (countFrom), then sums and
// suppression are done again (finish).
type computed struct {
	key    string
	scopes []Scope // 0: all; then EPCIs, communes, and last the answers from outside
	parent []int
	leaf   []int // per home index: the leaf scope (commune or outside)
	// communeScope gives the scope of each commune of the campaign.
	communeScope map[string]int
	layout       []qlayout
	xtabs        []xlayout
	demand       int // cell of the demand count, -1 without
	width        int // cells per scope
	// leafCounts holds the counts of the leaf territories only; counts
	// every territory's, leaves added up.
	leafCounts []int
	counts     []int
	hidden     []bool
	perVersion []int
	versions   []VersionCount
	counted    int // answers counted so far
	// The answers, for the summaries of numbers: their leaf territory
	// and the number columns (slices of the cache's, which only grow).
	answerLeaf []int32
	nums       map[string][]float64
	// cols are the layout's columns; classes, per question, the class of
	// each of its column's codes.
	cols    []*column
	classes [][]int
	// rules tie the cells by their sums, for suppression.
	rules *cellSet
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

// Warm computes, in the background of a start, the results of the
// campaigns that closed less than a year ago, so that the first reader
// does not wait for their answers to be read.
func (s *Service) Warm(ctx context.Context) error {
	var ids []string
	since := Paris(s.now().AddDate(-1, 0, 0))
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT public_id FROM surveys WHERE closes_on >= $1 ORDER BY closes_on DESC`, since)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	for _, id := range ids {
		if err != nil {
			break
		}
		var sv Survey
		if sv, err = s.Get(ctx, id); err == nil {
			_, err = s.compute(ctx, sv)
		}
	}
	return err
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
		c.done = s.lay(c, sv)
		c.done.key = key.String()
	}
	if c.done.counts == nil || c.done.counted < c.n {
		if !c.done.countFrom(c) {
			// A code the layout has no class for: lay out again.
			c.done = s.lay(c, sv)
			c.done.key = key.String()
			c.done.countFrom(c)
		}
		c.done.finish(c)
		view := *c.done
		view.nums = maps.Clone(c.done.nums)
		c.view = &view
	}
	return c.view, nil
}

// lay lays out the cells of every territory, counting nothing yet.
func (s *Service) lay(c *cache, sv Survey) *computed {
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
	cp.scopes = append(cp.scopes, Scope{Kind: "outside"})
	cp.parent = append(cp.parent, 0)
	cp.communeScope = communeScope

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
	if d := cur.Demand; d != nil && qIndex(d.Question) >= 0 {
		cp.demand = next()
	}
	cp.width = w
	cp.leafCounts = make([]int, len(cp.scopes)*w)
	cp.perVersion = make([]int, len(c.versions))
	cp.nums = map[string][]float64{}
	for _, l := range cp.layout {
		cp.cols = append(cp.cols, c.cols[l.q.ID])
		cp.classes = append(cp.classes, nil)
	}
	return cp
}

// countFrom counts the answers not counted yet into their leaf
// territory. It returns false when an answer has a code the layout has no
// class for.
func (cp *computed) countFrom(c *cache) bool {
	from, to, w := cp.counted, c.n, cp.width
	outside := len(cp.scopes) - 1
	for qi, l := range cp.layout {
		col := cp.cols[qi]
		for ix := len(cp.classes[qi]); ix < len(col.codes); ix++ {
			k := slices.Index(l.codes, col.codes[ix])
			if k < 0 && l.q.Kind == Commune {
				k = len(l.codes) - 1 // Elsewhere
			}
			if k < 0 {
				return false
			}
			cp.classes[qi] = append(cp.classes[qi], k)
		}
	}
	for _, code := range c.homes[len(cp.leaf):] { // communes of residence met since
		si, ok := cp.communeScope[code]
		if !ok {
			si = outside
		}
		cp.leaf = append(cp.leaf, si)
	}
	lc := cp.leafCounts
	for i := from; i < to; i++ {
		leaf := outside
		if h := c.home[i]; h >= 0 {
			leaf = cp.leaf[h]
		}
		cp.answerLeaf = append(cp.answerLeaf, int32(leaf))
		cp.perVersion[c.version[i]]++
		lc[leaf*w]++
	}
	at := cp.answerLeaf
	for qi, l := range cp.layout {
		col, classes := cp.cols[qi], cp.classes[qi]
		switch l.q.Kind {
		case Single, Scale, Commune:
			for i := from; i < to; i++ {
				if x := col.one[i]; x >= 0 {
					row := int(at[i]) * w
					lc[row+l.answered]++
					lc[row+l.cells[classes[x]]]++
				}
			}
		case Number:
			for i := from; i < to; i++ {
				if x := col.num[i]; !math.IsNaN(x) {
					row := int(at[i]) * w
					lc[row+l.answered]++
					lc[row+l.cells[bandOf(l.q.Bands, x)]]++
				}
			}
			cp.nums[l.q.ID] = col.num[:to]
		case Multiple, Days:
			bit := make([]int, len(l.codes)) // per class: its bit in the column, -1 never met
			for k := range bit {
				bit[k] = -1
			}
			for ix, k := range classes {
				if ix < maxCodes {
					bit[k] = ix
				}
			}
			for i := from; i < to; i++ {
				bits := col.many[i]
				if bits == 0 {
					continue
				}
				row := int(at[i]) * w
				lc[row+l.answered]++
				for k, b := range bit {
					if b >= 0 && bits&(1<<b) != 0 {
						lc[row+l.cells[k]]++
					} else {
						lc[row+l.comps[k]]++
					}
				}
			}
		case FreeText:
			for i := from; i < to; i++ {
				if col.text[i] {
					lc[int(at[i])*w+l.answered]++
				}
			}
		}
	}
	for _, x := range cp.xtabs {
		for i := from; i < to; i++ {
			r, k := cp.class(x.row, i), cp.class(x.col, i)
			if r < 0 || k < 0 {
				continue
			}
			row := int(at[i]) * w
			lc[row+x.cells[r][k]]++
			lc[row+x.rows[r]]++
			lc[row+x.cols[k]]++
			lc[row+x.total]++
		}
	}
	if cp.demand >= 0 {
		cur := c.versions[len(c.versions)-1].Questionnaire.Demand
		qi := slices.IndexFunc(cp.layout, func(l qlayout) bool { return l.q.ID == cur.Question })
		l, col := cp.layout[qi], cp.cols[qi]
		for i := from; i < to; i++ {
			chosen := false
			switch l.q.Kind {
			case Multiple, Days:
				for ix, k := range cp.classes[qi] {
					if ix < maxCodes && col.many[i]&(1<<ix) != 0 && slices.Contains(cur.AnyOf, l.codes[k]) {
						chosen = true
					}
				}
			default:
				if k := cp.class(qi, i); k >= 0 {
					chosen = slices.Contains(cur.AnyOf, l.codes[k])
				}
			}
			if chosen {
				lc[int(at[i])*w+cp.demand]++
			}
		}
	}
	cp.counted = to
	return true
}

// class is the class of answer i to the exclusive question qi, -1 when
// unanswered.
func (cp *computed) class(qi, i int) int {
	l, col := cp.layout[qi], cp.cols[qi]
	switch l.q.Kind {
	case Single, Scale, Commune:
		if x := col.one[i]; x >= 0 {
			return cp.classes[qi][x]
		}
	case Number:
		if x := col.num[i]; !math.IsNaN(x) {
			return bandOf(l.q.Bands, x)
		}
	}
	return -1
}

// finish adds the leaves up into their parents and suppresses.
func (cp *computed) finish(c *cache) {
	w := cp.width
	cp.counts = slices.Clone(cp.leafCounts)
	for si := len(cp.scopes) - 1; si > 0; si-- {
		if cp.scopes[si].Kind == "epci" {
			continue
		}
		row := cp.leafCounts[si*w : (si+1)*w]
		for _, p := range ancestors(cp.parent, si) {
			dst := cp.counts[p*w : (p+1)*w]
			for k, n := range row {
				dst[k] += n
			}
		}
	}
	cp.suppress(len(cp.scopes) - 1)
	cp.versions = nil
	for i, n := range cp.perVersion {
		vc := VersionCount{Number: c.versions[i].Number, Responses: n}
		if n < MinCell {
			vc.Responses, vc.Hidden = 0, true
		}
		cp.versions = append(cp.versions, vc)
	}
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
	if cp.rules == nil {
		cp.rules = cp.tie(outside)
	}
	cp.rules.values = cp.counts
	cp.hidden = cp.rules.suppress()
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

// tie lays out the sums that tie the cells (see suppress.go); they
// depend on the layout only.
func (cp *computed) tie(outside int) *cellSet {
	w := cp.width
	set := &cellSet{published: make([]bool, len(cp.scopes)*w)}
	for i := range set.published {
		set.published[i] = i/w != outside
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
			all = []int{}
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
	for p := range cp.scopes { // in order: the suppression depends on it
		kids := children[p]
		if len(kids) == 0 {
			continue
		}
		for k := range w {
			terms := make([]int, len(kids))
			for i, c := range kids {
				terms[i] = at(c, k)
			}
			set.sum(at(p, k), terms...)
		}
	}
	return set
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
