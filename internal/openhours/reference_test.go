package openhours

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/testkit"
)

// The reference test runs the npm library opening_hours (3.15.0, the
// reference implementation) on every value × instant, in one node process,
// and compares its answers with this package's: validity, state, unknown,
// comment, next change, and each day's open intervals for a few weeks.
//
// Where the two disagree, a second node process asks the reference more
// questions, and a disagreement is excused only when the reference
// contradicts itself there: its getNextChange or getOpenIntervals (which
// walk through time) say one thing and its own getState says another.
// Everything else fails the test.

const referencePackage = "web/node_modules/opening_hours/package.json"

// excludedValues are generated values whose disagreement is a known fault
// of the reference, with the reason.
var excludedValues = map[string]string{
	// parseMonthdayRange checks that the day after the range exists in
	// February ("range_to !== to_date.getDate()"): in a common year,
	// Feb 29 does not, and the range never matches.
	"Feb 01-28 10:00-12:00": "the reference never matches a February day range ending on the 28th in a common year",
}

// moduleRoot walks up from the working directory to go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("go.mod not found")
		}
		dir = up
	}
}

// refAnswer is the reference's answer at one instant.
type refAnswer struct {
	open, unknown bool
	comment       string
	next          int64 // ms; 0 for none
	throw         string
}

type refInterval struct {
	start, end int64
	unknown    bool
	comment    string
}

type refResult struct {
	valid  bool
	err    string
	pretty string
	at     []refAnswer
	weeks  [][7][]refInterval
	throws [][7]string
}

type refEvalJSON struct {
	I      int                  `json:"i"`
	Valid  bool                 `json:"valid"`
	Error  string               `json:"error"`
	Pretty string               `json:"pretty"`
	At     [][4]any             `json:"at"`
	Weeks  [][7]json.RawMessage `json:"weeks"`
}

// runNode runs testdata/reference.mjs with input and returns its lines
// after the version line.
func runNode(t *testing.T, node string, input any) (string, [][]byte) {
	t.Helper()
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	defer func() { t.Logf("node reference.mjs: %v", time.Since(started)) }()
	cmd := exec.Command(node, filepath.Join("testdata", "reference.mjs"))
	cmd.Env = append(os.Environ(), "TZ=Europe/Paris")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node testdata/reference.mjs: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var lines [][]byte
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil || len(lines) == 0 {
		t.Fatalf("reading the reference's output: %v (%d lines)", err, len(lines))
	}
	var v struct{ Version string }
	if err := json.Unmarshal(lines[0], &v); err != nil {
		t.Fatalf("reference version line %q: %v", lines[0], err)
	}
	return v.Version, lines[1:]
}

func parseNext(v any) (int64, string) {
	switch x := v.(type) {
	case nil:
		return 0, ""
	case float64:
		return int64(x), ""
	case string:
		return 0, x
	}
	return 0, fmt.Sprintf("unexpected %T", v)
}

func parseState(v []any) (open, unknown bool, comment string) {
	open, _ = v[0].(bool)
	unknown, _ = v[1].(bool)
	comment, _ = v[2].(string)
	return
}

func decodeEval(t *testing.T, line []byte, nInstants int) (int, refResult) {
	t.Helper()
	var j refEvalJSON
	if err := json.Unmarshal(line, &j); err != nil {
		t.Fatalf("reference line %.200s: %v", line, err)
	}
	r := refResult{valid: j.Valid, err: j.Error, pretty: j.Pretty}
	if !j.Valid {
		return j.I, r
	}
	if len(j.At) != nInstants {
		t.Fatalf("value %d: %d answers for %d instants", j.I, len(j.At), nInstants)
	}
	for _, a := range j.At {
		var ans refAnswer
		ans.open, ans.unknown, ans.comment = parseState(a[:3])
		ans.next, ans.throw = parseNext(a[3])
		r.at = append(r.at, ans)
	}
	for _, w := range j.Weeks {
		var days [7][]refInterval
		var throws [7]string
		for k, raw := range w {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				throws[k] = s
				continue
			}
			var list [][4]any
			if err := json.Unmarshal(raw, &list); err != nil {
				t.Fatalf("value %d: intervals %s: %v", j.I, raw, err)
			}
			for _, iv := range list {
				s, _ := iv[0].(float64)
				e, _ := iv[1].(float64)
				u, _ := iv[2].(bool)
				c, _ := iv[3].(string)
				days[k] = append(days[k], refInterval{int64(s), int64(e), u, c})
			}
		}
		r.weeks = append(r.weeks, days)
		r.throws = append(r.throws, throws)
	}
	return j.I, r
}

// referenceInstants spreads instants over 2026 and 2027: every weekday and
// many times of day, both changes of time each year, Easter (5 April 2026,
// 28 March 2027, the day the clocks go forward), Ascension, Whit Monday,
// the fixed holidays, Christmas, New Year, midnight and minute boundaries.
func referenceInstants() []time.Time {
	var out []time.Time
	at := func(y, m, d, h, mi, s int) {
		out = append(out, time.Date(y, time.Month(m), d, h, mi, s, 0, paris))
	}
	utc := func(y, m, d, h, mi int) {
		out = append(out, time.Date(y, time.Month(m), d, h, mi, 0, 0, time.UTC))
	}
	// A regular sweep: every 5 days and 7 hours 13 minutes, so that every
	// weekday and hour comes round.
	for t := time.Date(2026, 1, 1, 0, 7, 0, 0, paris); t.Year() < 2028; t = t.Add(5*24*time.Hour + 7*time.Hour + 13*time.Minute) {
		out = append(out, t)
	}
	for _, y := range []int{2026, 2027} {
		// New Year and Christmas.
		at(y, 1, 1, 0, 0, 0)
		at(y, 1, 1, 10, 30, 0)
		at(y, 1, 2, 0, 30, 0)
		at(y, 12, 24, 12, 0, 0)
		at(y, 12, 24, 23, 59, 59)
		at(y, 12, 25, 0, 0, 0)
		at(y, 12, 25, 10, 0, 0)
		at(y, 12, 26, 0, 30, 0)
		at(y, 12, 31, 23, 59, 0)
		// Fixed holidays, and the evening before.
		for _, md := range [][2]int{{5, 1}, {5, 8}, {7, 14}, {8, 15}, {11, 1}, {11, 11}} {
			at(y, md[0], md[1], 9, 0, 0)
			at(y, md[0], md[1], 15, 30, 0)
			at(y, md[0], md[1]-1, 22, 30, 0)
		}
	}
	// Easter 2026 (Sun 5 April), Easter Monday, Ascension (14 May), Whit Monday (25 May).
	at(2026, 4, 4, 23, 0, 0)
	at(2026, 4, 5, 10, 0, 0)
	at(2026, 4, 6, 0, 0, 0)
	at(2026, 4, 6, 10, 0, 0)
	at(2026, 4, 6, 23, 59, 0)
	at(2026, 4, 7, 0, 30, 0)
	at(2026, 5, 13, 23, 0, 0)
	at(2026, 5, 14, 10, 0, 0)
	at(2026, 5, 15, 1, 0, 0)
	at(2026, 5, 25, 9, 30, 0)
	// Easter 2027 (Sun 28 March, also the change to summer time), Easter
	// Monday, Ascension (6 May), Whit Monday (17 May).
	at(2027, 3, 28, 10, 0, 0)
	at(2027, 3, 29, 0, 30, 0)
	at(2027, 3, 29, 10, 0, 0)
	at(2027, 5, 6, 10, 0, 0)
	at(2027, 5, 17, 9, 30, 0)
	// Changes of time: 29 March 2026 and 28 March 2027 at 02:00 CET (01:00
	// UTC); 25 October 2026 and 31 October 2027 at 03:00 CEST (01:00 UTC).
	for _, d := range [][3]int{{2026, 3, 29}, {2027, 3, 28}} {
		utc(d[0], d[1], d[2]-1, 22, 30) // 23:30 CET the evening before
		utc(d[0], d[1], d[2]-1, 23, 30) // 00:30 CET
		utc(d[0], d[1], d[2], 0, 30)    // 01:30 CET
		utc(d[0], d[1], d[2], 0, 59)    // 01:59 CET
		utc(d[0], d[1], d[2], 1, 0)     // 03:00 CEST
		utc(d[0], d[1], d[2], 1, 30)    // 03:30 CEST
		utc(d[0], d[1], d[2], 10, 0)    // 12:00 CEST
		utc(d[0], d[1], d[2], 22, 30)   // 00:30 CEST the day after
		utc(d[0], d[1], d[2]+1, 0, 30)  // 02:30 CEST the day after
	}
	for _, d := range [][3]int{{2026, 10, 25}, {2027, 10, 31}} {
		utc(d[0], d[1], d[2]-1, 21, 30) // 23:30 CEST the evening before
		utc(d[0], d[1], d[2]-1, 22, 30) // 00:30 CEST
		utc(d[0], d[1], d[2]-1, 23, 30) // 01:30 CEST
		utc(d[0], d[1], d[2], 0, 0)     // 02:00 CEST
		utc(d[0], d[1], d[2], 0, 40)    // 02:40 CEST
		utc(d[0], d[1], d[2], 1, 0)     // 02:00 CET
		utc(d[0], d[1], d[2], 1, 40)    // 02:40 CET
		utc(d[0], d[1], d[2], 2, 0)     // 03:00 CET
		utc(d[0], d[1], d[2], 11, 0)    // 12:00 CET
		utc(d[0], d[1], d[2], 23, 30)   // 00:30 CET the day after
	}
	// Midnight and minute boundaries, ISO week 53 of 2026 and week 1 of 2027.
	at(2026, 6, 15, 23, 59, 59)
	at(2026, 6, 16, 0, 0, 0)
	at(2026, 6, 16, 0, 1, 0)
	at(2026, 6, 16, 11, 59, 30)
	at(2026, 6, 16, 12, 0, 0)
	at(2026, 12, 27, 23, 0, 0)
	at(2026, 12, 28, 8, 0, 0)
	at(2027, 1, 3, 23, 30, 0)
	at(2027, 1, 4, 8, 0, 0)
	at(2027, 2, 28, 23, 30, 0)
	at(2027, 3, 1, 0, 30, 0)
	at(2027, 7, 3, 6, 0, 0)
	at(2027, 8, 31, 23, 59, 0)
	return out
}

// referenceWeeks are the Mondays whose weeks are compared day by day.
var referenceWeeks = [][3]int{
	{2026, 3, 23},  // the clocks go forward on Sunday 29
	{2026, 3, 30},  // Easter on Sunday 5 April
	{2026, 4, 6},   // Easter Monday
	{2026, 5, 11},  // Ascension on Thursday 14
	{2026, 6, 15},  // an ordinary week
	{2026, 10, 19}, // the clocks go back on Sunday 25
	{2026, 12, 21}, // Christmas
	{2026, 12, 28}, // New Year, ISO week 53
	{2027, 3, 22},  // Easter and the change of time on Sunday 28
	{2027, 7, 12},  // 14 July
}

func TestReference(t *testing.T) {
	root := moduleRoot(t)
	node, err := exec.LookPath("node")
	if err != nil {
		testkit.SkipOrFail(t, "node is not installed: install Node.js 20+ and run scripts/build-assets.sh")
		return
	}
	if _, err := os.Stat(filepath.Join(root, referencePackage)); err != nil {
		testkit.SkipOrFail(t, "the npm package opening_hours is not installed in web/node_modules: run scripts/build-assets.sh")
		return
	}
	real, realErr := realWorldValues(root)
	gen := generatedValues()
	values := append(append([]string(nil), real...), gen...)
	instants := referenceInstants()
	ms := make([]int64, len(instants))
	for i, at := range instants {
		ms[i] = at.UnixMilli()
	}
	version, lines := runNode(t, node, map[string]any{
		"mode": "eval", "values": values, "instants": ms,
		"limit": lookahead.Milliseconds(), "weeks": referenceWeeks,
	})
	if version != "3.15.0" {
		t.Logf("reference opening_hours %s (tests were written against 3.15.0)", version)
	}
	if len(lines) != len(values) {
		t.Fatalf("the reference answered for %d values out of %d", len(lines), len(values))
	}
	results := make([]refResult, len(values))
	for _, line := range lines {
		i, r := decodeEval(t, line, len(instants))
		results[i] = r
	}

	c := &comparison{values: values, results: results, instants: instants, hours: make([]*Hours, len(values))}
	started := time.Now()
	for i, v := range values {
		c.compareValue(i, v)
	}
	t.Logf("comparison: %v", time.Since(started))
	c.classify(t, node)

	t.Run("realworld", func(t *testing.T) {
		if realErr != nil {
			testkit.SkipOrFail(t, realErr.Error())
			return
		}
		c.report(t, 0, len(real), true)
	})
	t.Run("generated", func(t *testing.T) {
		c.report(t, len(real), len(values), false)
	})
}

// realWorldValues reads ../shared/data/opening-hours-realworld-hinaura.tsv
// (columns value, status, detail).
func realWorldValues(root string) ([]string, error) {
	path := filepath.Join(root, "..", "shared", "data", "opening-hours-realworld-hinaura.tsv")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the real-world values are missing (%v): they come with the shared data next to the repository", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "value\t") {
		return nil, fmt.Errorf("%s: unexpected header %q", path, lines[0])
	}
	var out []string
	for _, l := range lines[1:] {
		v, _, _ := strings.Cut(l, "\t")
		out = append(out, v)
	}
	return out, nil
}

// mismatch is one disagreement, and, once classified, why it is excused.
type mismatch struct {
	vi     int
	what   string
	at     time.Time // the instant in question
	excuse string
	// For classification.
	kind    string // "state", "next", "week"
	goNext  time.Time
	goHas   bool
	jsNext  int64
	jsThrow string
	probes  []probe
}

type probe struct {
	vi   int
	kind string // "s" or "n"
	ms   int64
}

type comparison struct {
	values    []string
	results   []refResult
	instants  []time.Time
	hours     []*Hours
	mismatch  []*mismatch
	answers   map[probe]any
	validDiff []int
}

func (c *comparison) add(m *mismatch) { c.mismatch = append(c.mismatch, m) }

func fmtMs(ms int64) string {
	if ms == 0 {
		return "never"
	}
	return time.UnixMilli(ms).In(paris).Format(time.RFC3339)
}

func (c *comparison) compareValue(i int, v string) {
	r := c.results[i]
	h, err := Parse(v)
	if (err == nil) != r.valid {
		c.validDiff = append(c.validDiff, i)
		return
	}
	if err != nil {
		return
	}
	c.hours[i] = h
	for k, at := range c.instants {
		js := r.at[k]
		open, unknown, comment := h.State(at)
		if open != js.open || unknown != js.unknown {
			c.add(&mismatch{vi: i, kind: "state", at: at,
				what: fmt.Sprintf("at %s: open=%v unknown=%v, reference open=%v unknown=%v", at.In(paris).Format(time.RFC3339), open, unknown, js.open, js.unknown)})
			continue
		}
		if comment != js.comment {
			c.add(&mismatch{vi: i, kind: "comment", at: at,
				what: fmt.Sprintf("at %s: comment %q, reference %q", at.In(paris).Format(time.RFC3339), comment, js.comment)})
		}
		next, ok := h.NextChange(at)
		var goMs int64
		if ok {
			goMs = next.UnixMilli()
		}
		if js.throw != "" || goMs != js.next {
			jsText := fmtMs(js.next)
			if js.throw != "" {
				jsText = js.throw
			}
			c.add(&mismatch{vi: i, kind: "next", at: at, goNext: next, goHas: ok, jsNext: js.next, jsThrow: js.throw,
				what: fmt.Sprintf("next change after %s: %s, reference %s", at.In(paris).Format(time.RFC3339), fmtMs(goMs), jsText)})
		}
	}
	for w, monday := range referenceWeeks {
		week := h.Week(time.Date(monday[0], time.Month(monday[1]), monday[2], 12, 0, 0, 0, paris))
		for d := range 7 {
			if r.throws[w][d] != "" {
				continue
			}
			for _, diff := range diffIntervals(week[d], r.weeks[w][d]) {
				c.add(&mismatch{vi: i, kind: "week", at: diff,
					what: fmt.Sprintf("week of %d-%02d-%02d, day %d, at %s: %s, reference %s", monday[0], monday[1], monday[2], d,
						diff.In(paris).Format("15:04Z07"), fmtIntervals(week[d]), fmtRefIntervals(r.weeks[w][d]))})
			}
		}
	}
}

// diffIntervals returns the start of every piece of the day where the two
// lists differ.
func diffIntervals(got []Interval, want []refInterval) []time.Time {
	var cuts []int64
	for _, iv := range got {
		cuts = append(cuts, iv.Start.UnixMilli(), iv.End.UnixMilli())
	}
	for _, iv := range want {
		cuts = append(cuts, iv.start, iv.end)
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i] < cuts[j] })
	type st struct {
		in      bool
		unknown bool
		comment string
	}
	stGot := func(ms int64) st {
		for _, iv := range got {
			if iv.Start.UnixMilli() <= ms && ms < iv.End.UnixMilli() {
				return st{true, iv.Unknown, iv.Comment}
			}
		}
		return st{}
	}
	stWant := func(ms int64) st {
		for _, iv := range want {
			if iv.start <= ms && ms < iv.end {
				return st{true, iv.unknown, iv.comment}
			}
		}
		return st{}
	}
	var out []time.Time
	for k, ms := range cuts {
		if (k == 0 || cuts[k-1] != ms) && stGot(ms) != stWant(ms) {
			out = append(out, time.UnixMilli(ms))
		}
	}
	if out != nil {
		return out
	}
	// The same pieces but cut differently (merging): compare the lists.
	if len(got) != len(want) {
		return []time.Time{time.UnixMilli(cuts[0])}
	}
	for k := range got {
		if got[k].Start.UnixMilli() != want[k].start || got[k].End.UnixMilli() != want[k].end {
			return []time.Time{got[k].Start}
		}
	}
	return nil
}

func fmtIntervals(list []Interval) string {
	var b strings.Builder
	for _, iv := range list {
		fmt.Fprintf(&b, "[%s–%s %v %q]", iv.Start.Format("01-02 15:04Z07"), iv.End.Format("01-02 15:04Z07"), iv.Unknown, iv.Comment)
	}
	return "{" + b.String() + "}"
}

func fmtRefIntervals(list []refInterval) string {
	var b strings.Builder
	for _, iv := range list {
		fmt.Fprintf(&b, "[%s–%s %v %q]", time.UnixMilli(iv.start).In(paris).Format("01-02 15:04Z07"),
			time.UnixMilli(iv.end).In(paris).Format("01-02 15:04Z07"), iv.unknown, iv.comment)
	}
	return "{" + b.String() + "}"
}

// Offsets at which the reference is asked again around an instant.
var (
	probeBefore = []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour}
	probeAfter  = []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour}
)

// stateProbes are the questions that settle a state disagreement at x.
func stateProbes(vi int, x time.Time) []probe {
	ps := []probe{{vi, "s", x.UnixMilli()}, {vi, "n", x.UnixMilli()}}
	for _, d := range probeBefore {
		y := x.Add(-d).UnixMilli()
		ps = append(ps, probe{vi, "s", y}, probe{vi, "n", y})
	}
	for _, d := range probeAfter {
		ps = append(ps, probe{vi, "s", x.Add(d).UnixMilli()})
	}
	return ps
}

// classify asks the reference the questions that can excuse each
// disagreement, then decides.
func (c *comparison) classify(t *testing.T, node string) {
	var all []probe
	for _, m := range c.mismatch {
		if m.excuse != "" || excludedValues[c.values[m.vi]] != "" {
			continue
		}
		switch m.kind {
		case "state", "comment", "week":
			m.probes = stateProbes(m.vi, m.at)
		case "next":
			if m.goHas && (m.jsNext == 0 || m.jsThrow != "" || m.goNext.UnixMilli() < m.jsNext) {
				m.probes = append(stateProbes(m.vi, m.goNext),
					probe{m.vi, "s", m.at.UnixMilli()}, probe{m.vi, "s", m.goNext.Add(-time.Second).UnixMilli()})
			} else {
				m.probes = stateProbes(m.vi, time.UnixMilli(m.jsNext))
			}
		}
		all = append(all, m.probes...)
	}
	c.answers = map[probe]any{}
	if len(all) > 0 {
		if len(all) > 200000 {
			t.Fatalf("%d disagreements: too many to classify; the first: %s: %s", len(c.mismatch), c.values[c.mismatch[0].vi], c.mismatch[0].what)
		}
		type p3 [3]any
		var list []p3
		for _, p := range all {
			list = append(list, p3{p.vi, p.kind, p.ms})
		}
		_, lines := runNode(t, node, map[string]any{"mode": "probe", "values": c.values, "probes": list, "limit": lookahead.Milliseconds()})
		for _, line := range lines {
			var a [4]any
			if err := json.Unmarshal(line, &a); err != nil {
				t.Fatalf("probe answer %s: %v", line, err)
			}
			vi, _ := a[0].(float64)
			kind, _ := a[1].(string)
			ms, _ := a[2].(float64)
			c.answers[probe{int(vi), kind, int64(ms)}] = a[3]
		}
	}
	for _, m := range c.mismatch {
		if m.excuse != "" {
			continue
		}
		if why := excludedValues[c.values[m.vi]]; why != "" {
			m.excuse = why
			continue
		}
		switch m.kind {
		case "state", "comment", "week":
			m.excuse = c.excuseState(m.vi, m.at, m.kind)
		case "next":
			m.excuse = c.excuseNext(m)
		}
	}
}

type pair struct{ open, unknown bool }

func (c *comparison) jsState(vi int, at time.Time) (pair, string, bool) {
	a, ok := c.answers[probe{vi, "s", at.UnixMilli()}].([]any)
	if !ok || len(a) != 3 {
		return pair{}, "", false
	}
	o, u, cm := parseState(a)
	return pair{o, u}, cm, true
}

// jsNextAfter tells whether the reference's next change from y comes after x.
func (c *comparison) jsNextAfter(vi int, y, x time.Time) bool {
	a, ok := c.answers[probe{vi, "n", y.UnixMilli()}]
	if !ok {
		return false
	}
	ms, throw := parseNext(a)
	return throw == "" && (ms == 0 || ms > x.UnixMilli())
}

func (c *comparison) goState(vi int, at time.Time) (pair, string) {
	o, u, cm := c.hours[vi].State(at)
	return pair{o, u}, cm
}

// goNextAfter tells whether this package's state stays the same from y to x.
func (c *comparison) goNextAfter(vi int, y, x time.Time) bool {
	n, ok := c.hours[vi].NextChange(y)
	return !ok || n.After(x)
}

// excuseState explains a disagreement at x about the state (or comment):
// the reference contradicts itself when, from an instant y before x where
// both agree, its getNextChange says nothing changes until after x though
// its getState at x differs; or when, from x, its getNextChange says
// nothing changes until after z though its getState at z differs from x
// and agrees with this package.
func (c *comparison) excuseState(vi int, x time.Time, kind string) string {
	want, wantComment := c.goState(vi, x)
	js, jsComment, ok := c.jsState(vi, x)
	if !ok {
		return ""
	}
	if e, ec := shiftedState(c.hours[vi], x); e == js && ec == jsComment && (e != want || ec != wantComment) {
		return "the reference moves the date of times past midnight back by 24 hours instead of one day (generateDateShifter) — wrong next to a change of time"
	}
	if kind == "comment" {
		return "" // getNextChange ignores comments: nothing to contradict
	}
	if kind == "week" && js == want && jsComment == wantComment {
		return "the reference's getOpenIntervals contradicts its own getState — at " + x.In(paris).Format(time.RFC3339)
	}
	for _, d := range probeBefore {
		y := x.Add(-d)
		jy, jyc, ok := c.jsState(vi, y)
		gy, gyc := c.goState(vi, y)
		if ok && jy == want && gy == want && jyc == wantComment && gyc == wantComment &&
			c.goNextAfter(vi, y, x) && c.jsNextAfter(vi, y, x) {
			return fmt.Sprintf("the reference's getState contradicts its getNextChange — getState at %s, getNextChange from %s",
				x.In(paris).Format(time.RFC3339), y.In(paris).Format(time.RFC3339))
		}
	}
	for _, d := range probeAfter {
		z := x.Add(d)
		jz, jzc, ok := c.jsState(vi, z)
		gz, gzc := c.goState(vi, z)
		if ok && jz == want && gz == want && jzc == wantComment && gzc == wantComment &&
			(js != jz || jsComment != jzc) && c.goNextAfter(vi, x, z) && c.jsNextAfter(vi, x, z) {
			return fmt.Sprintf("the reference's getState contradicts its getNextChange — getState at %s, getNextChange from there past %s",
				x.In(paris).Format(time.RFC3339), z.In(paris).Format(time.RFC3339))
		}
	}
	return ""
}

// shiftedState is State as the reference computes it: the part of a
// night after midnight looks at the day 24 hours of elapsed time before,
// which is the day before yesterday in the first hour after the change to
// summer time, and today in the last hour of the day of the change back.
func shiftedState(h *Hours, t time.Time) (pair, string) {
	dd, minute := wallClock(t)
	shifted, _ := wallClock(t.Add(-24 * time.Hour))
	m := h.matchDay(dd, shifted, nil)
	open, unknown, match := h.stateAt(m.list, minute)
	return pair{open, unknown}, h.commentOf(m, match)
}

// excuseNext explains a disagreement about the next change.
func (c *comparison) excuseNext(m *mismatch) string {
	if m.jsThrow != "" {
		// The reference's iterator goes backwards when the clocks do.
		if !strings.Contains(m.jsThrow, "infinite loop") {
			return ""
		}
		if !m.goHas {
			return "the reference's iterator goes backwards with the clocks and throws — " + m.jsThrow
		}
		if why := c.excuseNext(&mismatch{vi: m.vi, at: m.at, goNext: m.goNext, goHas: true}); why == "" {
			return ""
		}
		return "the reference's iterator goes backwards with the clocks and throws — " + m.jsThrow + ", where its own getState agrees with this package"
	}
	if m.goHas && (m.jsNext == 0 || m.goNext.UnixMilli() < m.jsNext) {
		// The reference sees no change at our next change: does its own
		// getState, and none just before?
		js0, _, ok0 := c.jsState(m.vi, m.at)
		jsg, _, ok1 := c.jsState(m.vi, m.goNext)
		jsb, _, ok2 := c.jsState(m.vi, m.goNext.Add(-time.Second))
		gog, _ := c.goState(m.vi, m.goNext)
		if !ok0 || !ok1 || !ok2 {
			return ""
		}
		if jsg != gog {
			return c.excuseState(m.vi, m.goNext, "state")
		}
		if jsg != js0 && jsb == js0 {
			return "the reference's getNextChange misses a change its own getState shows — at " + m.goNext.In(paris).Format(time.RFC3339)
		}
		return ""
	}
	// The reference changes earlier: our state must not change there
	// (else NextChange is wrong), and the reference's state there must be
	// a disagreement it contradicts itself about.
	x := time.UnixMilli(m.jsNext)
	g0, _ := c.goState(m.vi, m.at)
	if gx, _ := c.goState(m.vi, x); gx != g0 {
		return ""
	}
	return c.excuseState(m.vi, x, "state")
}

// report fails on every unexcused disagreement among values [from, to) and
// logs the excused ones.
func (c *comparison) report(t *testing.T, from, to int, real bool) {
	var bad, excused []string
	counts := map[string]int{}
	for _, i := range c.validDiff {
		if i < from || i >= to {
			continue
		}
		h, err := Parse(c.values[i])
		msg := fmt.Sprintf("%q: valid here (%v), reference %v %s", c.values[i], h != nil, c.results[i].valid, c.results[i].err)
		if err != nil {
			msg = fmt.Sprintf("%q: refused here (%v), accepted by the reference", c.values[i], err)
		}
		if why := excludedValues[c.values[i]]; why != "" {
			excused = append(excused, msg+": "+why)
			continue
		}
		bad = append(bad, msg)
	}
	nValid := 0
	for i := from; i < to; i++ {
		if c.hours[i] != nil {
			nValid++
		}
	}
	for _, m := range c.mismatch {
		if m.vi < from || m.vi >= to {
			continue
		}
		line := fmt.Sprintf("%q %s", c.values[m.vi], m.what)
		if m.excuse == "" || real { // the real-world values must agree, excuses or not
			if m.excuse != "" {
				line += "\n\t(the reference may be wrong: " + m.excuse + ")"
			}
			bad = append(bad, line)
			continue
		}
		counts[reasonClass(m.excuse)]++
		excused = append(excused, line+"\n\t→ "+m.excuse)
	}
	if real && nValid != to-from {
		t.Errorf("%d of %d real-world values parse", nValid, to-from)
	}
	// String() writes what the reference's prettifyValue writes.
	for i := from; i < to; i++ {
		if c.hours[i] != nil && c.hours[i].String() != c.results[i].pretty {
			bad = append(bad, fmt.Sprintf("%q: normalised %q, reference prettifies %q", c.values[i], c.hours[i].String(), c.results[i].pretty))
		}
	}
	t.Logf("%d values, %d valid for both: %d value × instant pairs (state, comment, next change) and %d days of weekly tables compared; %d disagreements excused, %d not",
		to-from, nValid, nValid*len(c.instants), nValid*7*len(referenceWeeks), len(excused), len(bad))
	classes := make([]string, 0, len(counts))
	for k := range counts {
		classes = append(classes, k)
	}
	sort.Strings(classes)
	for _, k := range classes {
		t.Logf("  excused %4d× %s", counts[k], k)
	}
	for i, e := range excused {
		if i == 15 && os.Getenv("OPENHOURS_VERBOSE") == "" {
			t.Logf("  … %d more excused", len(excused)-i)
			break
		}
		t.Logf("  excused: %s", e)
	}
	for i, b := range bad {
		if i == 40 {
			t.Errorf("… %d more", len(bad)-i)
			break
		}
		t.Error(b)
	}
}

func reasonClass(s string) string {
	class, _, _ := strings.Cut(s, " — ")
	return class
}

// generatedValues are hand-picked values for every feature and edge, then
// random compositions (fixed seed) of the supported syntax, with case and
// spacing variations.
func generatedValues() []string {
	out := append([]string(nil), handPicked...)
	seen := map[string]bool{}
	for _, v := range out {
		seen[v] = true
	}
	rng := rand.New(rand.NewPCG(2026, 28))
	for len(out) < len(handPicked)+240 {
		v := randomValue(rng)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

var handPicked = []string{
	// Weekdays, ranges, lists, wrapping, constrained weekdays.
	"Mo-Fr 08:30-12:00,14:00-18:00",
	"Mo,We,Fr 09:00-12:00",
	"Fr-Mo 10:00-18:00",
	"Sa-Tu 09:00-12:00",
	"Su-Sa 10:00-11:00",
	"Su[1] 10:00-12:00",
	"Sa[-1] 09:00-12:00",
	"Th[2-3] 14:00-16:00",
	"Mo[1,3] 09:00-12:00; Mo[-1] off",
	"Su[5] 10:00-12:00",
	"Fr[-5] 10:00-12:00",
	"Mo-Fr 09:00-17:00; Th[1] 09:00-12:00",
	// Public holidays.
	"Mo-Fr 08:30-12:00,14:00-18:00; PH off",
	"Mo-Fr,PH 10:00-12:00",
	"PH,Sa 10:00-12:00",
	"PH Mo-Fr 10:00-12:00",
	"PH 10:00-12:00",
	"PH",
	"PH off",
	"24/7; PH off",
	"Mo-Sa 09:00-19:00; PH 10:00-12:00",
	"PH off; Mo-Fr 09:00-12:00",
	"Mo-Fr 09:00-18:00; PH 09:00-12:00 \"horaires réduits\"",
	"Su,PH off; Mo-Sa 08:00-20:00",
	"Mo-Fr 22:00-02:00; PH off",
	"PH 22:00-02:00",
	// Times: 24:00, past midnight, up to 48:00, odd ranges.
	"Mo-Fr 08:00-24:00",
	"22:00-02:00",
	"Fr 19:00-11:00",
	"Mo-Fr 08:00-25:00",
	"Sa 18:00-30:00",
	"Su 00:00-48:00",
	"Mo 10:00-10:00",
	"We 00:00-24:00",
	"Mo-Fr 12:00-08:00",
	"Mo-Fr 8-12,14-18",
	"Mo-Fr 08.30-12.00",
	"Mo 10:00-12:00 14:00-16:00",
	"23:59-00:01",
	"Mo-Fr 00:00-00:01",
	"Mo-Fr 09:00-12:00, 14:00-16:00",
	// Times around the change of time.
	"Su 01:30-02:30",
	"Su 02:30-05:00",
	"Su 02:00-03:00",
	"Sa 22:00-02:30",
	"Sa 23:00-03:00",
	"Su 22:00-02:00",
	"Su 00:00-02:00,03:00-04:00",
	"02:15-02:45",
	// States and comments.
	"24/7",
	"open",
	"off",
	"closed",
	"unknown",
	"\"sur rendez-vous\"",
	"Mo-Fr 09:00-12:00 \"sur rendez-vous\"",
	"Mo-Fr 09:00-12:00 unknown \"sur rendez-vous\"",
	"Mo-Fr 09:00-12:00 open \"accueil\"",
	"Mo-Fr 09:00-12:00 off \"travaux\"",
	"Tu 14:00-17:00 «sur rendez-vous»",
	"We 14:00-17:00 “atelier”",
	"Mo-Fr 10:00-18:00; We 12:00-14:00 off",
	"Mo-Fr 10:00-20:00; 12:00-14:00 off",
	"open; Tu-Su 08:30-09:00 off; Tu-Su,PH 14:00-14:30 off; Mo 08:00-13:00 off",
	"Mo-Fr 08:00-12:00; We off",
	"Mo unknown; Th-Fr 09:00-18:00 open",
	"Mo-Fr 09:00-12:00; \"sur rendez-vous\"",
	"\"\"",
	// Additional and fallback rules.
	"Mo-Fr 08:00-12:00, We 14:00-18:00",
	"Mo-Fr 08:00-12:00, We 14:00-18:00; We off",
	"Mo-Fr 10:00-12:00 || \"sur rendez-vous\"",
	"Mo-Fr 10:00-12:00 || Sa 10:00-12:00 unknown",
	"Mo-Fr 09:00-17:00 || unknown \"appelez\"; Su off",
	"Mo off, Tu 10:00-12:00",
	"Mo 10:00-12:00 off, 14:00-16:00",
	"22:00-02:00; Th 12:00-14:00",
	"22:00-02:00, Th 12:00-14:00",
	"Mo 10:00-12:00; 14:00-16:00",
	"10:00-12:00; 14:00-16:00",
	"Mo,Tu 10:00-12:00; open",
	"Mo 22:00-02:00; Tu 10:00-12:00",
	"Mo 22:00-02:00; Tu 10:00-12:00 off",
	// Months and dates.
	"Jan-Mar 10:00-12:00",
	"Nov-Feb Mo-Fr 09:00-12:00",
	"Jul-Aug Mo-Fr 09:00-12:00; Sep-Jun Mo-Fr 09:00-18:00",
	"Dec 24 off",
	"Dec 24-26 off",
	"Dec 24-26: 10:00-12:00",
	"Mo-Sa 09:00-19:00; Dec 24 09:00-12:00; Dec 25,Jan 01 off",
	"Dec 24-Jan 02 off",
	"Mo-Fr 09:00-18:00; Dec 24-Jan 02 off",
	"Jan 01-29/7 10:00-12:00",
	"May 01,08 off",
	"Apr 01-15 Mo-Fr 09:00-12:00",
	"Aug 15-Sep 15 off",
	"Dec 10:00-12:00",
	"Jan Mo-Fr 10:00-12:00",
	"Jan-Mar,Dec 24 10:00-12:00",
	"Dec 24,Jul-Aug 10:00-12:00",
	"Feb 29 10:00-12:00",
	"Feb 01-28 10:00-12:00",
	"Mar 29 02:30-04:00",
	"Oct 25 02:00-02:30",
	// Years and date ranges with years.
	"2026 Dec 24-2027 Jan 02 off",
	"Mo-Fr 09:00-18:00; 2026 Dec 24-2027 Jan 02 off",
	"2026 10:00-12:00",
	"2027 Mo-Fr 09:00-12:00",
	"2026-2027 Sa 10:00-12:00",
	"2026+ Su 10:00-12:00",
	"2026/2 Mo 10:00-12:00",
	"2026-2030/2 We 10:00-12:00",
	"2026 Jul-Aug off",
	"2027 Mar 20-Apr 10 Mo-Fr 10:00-12:00",
	"2026 Dec 24 10:00-12:00",
	"2026 Dec 24-31 off",
	"2026 open",
	"2027 Jan 01-Jun 30 open",
	// Weeks.
	"week 01-26 Mo-Fr 09:00-12:00",
	"week 1-53/2 Mo 08:00-10:00",
	"week 2-52/2 Mo 08:00-10:00",
	"week 53 Mo-Fr 10:00-12:00",
	"week 13-14 off",
	"week 01,03-05,10 We 14:00-16:00",
	"week 27-35 Mo-Fr 09:00-12:00; week 36-26 Mo-Fr 09:00-18:00",
	"week 01-53/3 Tu 10:00-12:00",
	// Case, spacing and typography the reference accepts with a warning.
	"mo-fr 8:00-12:00",
	"MO-FR 08:00-12:00; SA OFF",
	"  Mo - Fr   08:00 - 12:00 ;  ",
	"Mo–Fr 08:00–12:00",
	"Mo 08:00-12:00 & 14:00-16:00",
	"Mo-Fr 08:00-12:00;",
	";Mo-Fr 08:00-12:00",
	"Mo-Fr 08:00-12:00;;Sa 09:00-12:00",
	"Mo-Fr 08:00-12:00,",
	"Mo-Fr: 08:00-12:00",
	"dec 25 OFF",
	"week 1-26 mo 10:00-12:00",
	// Invalid for both.
	"",
	" ; ",
	"Mo-Fr 08:00-49:00",
	"Mo-Fx 08:00-12:00",
	"Mo-Fr 08:00-",
	"Mo-Fr 08:00",
	"Mo 09:60-10:00",
	"24:00-26:00",
	"Apr 31 off",
	"Feb 30 off",
	"week 54 off",
	"week 0-3 off",
	"week 10-5 off",
	"week 1-53/1 off",
	"week 1-53/27 off",
	"2027-2026 off",
	"2026-2026 off",
	"Su[0] off",
	"Su[6] off",
	"Su[1 off",
	"Mo, 10:00-12:00",
	"Mo-Fr 08:00-12:00 14",
	"|| Mo 10:00-12:00",
	"Mo 10:00-12:00 | Tu",
	"Mo \"oops",
	"2026 Dec 24-Jan 02 off",
	"Mo-Fr 10:00-12:00:00",
	"Mo 10:00-12:00,",
	"xyz",
}

// randomValue composes rules of the supported syntax.
func randomValue(rng *rand.Rand) string {
	pick := func(list ...string) string { return list[rng.IntN(len(list))] }
	chance := func(p float64) bool { return rng.Float64() < p }
	times := []string{"08:30-12:00", "14:00-18:00", "09:00-12:00", "13:30-17:00", "10:00-19:00", "07:00-09:00",
		"12:00-14:00", "18:00-22:00", "22:00-02:00", "20:00-24:00", "12:00-08:00", "18:00-26:00",
		"23:00-01:30", "01:30-02:30", "02:00-03:00", "02:30-05:00", "08:00-25:00", "00:00-06:00", "16:30-18:45",
		"9-12", "14-18", "11:15-11:45", "23:30-00:30"}
	days := []string{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "Mo-Fr", "Mo-Sa", "Tu-Sa", "Sa,Su", "Mo,We,Fr",
		"Fr-Mo", "Sa-Mo", "Mo-Th", "We-Su", "Su[1]", "Sa[-1]", "Th[2-3]", "Mo[1,-1]", "We[2]", "Fr[-2]",
		"PH", "Mo-Fr,PH", "Sa,Su,PH", "Su,PH", "PH Mo-Fr", "PH Sa,Su"}
	dates := []string{"Jan-Mar", "Jul-Aug", "Nov-Feb", "Dec", "Apr-Oct", "Mar", "Oct-Nov",
		"Dec 24", "Dec 24-26", "Dec 24-Jan 02", "Apr 01-15", "May 01,08", "Jan 01-29/7", "Jul 14", "Aug 01-31",
		"Mar 20-Apr 10", "Oct 20-Nov 05", "Nov 01-11", "Jun 15-Sep 15", "Mar 29", "Oct 25", "Mar 28-31",
		"2026", "2027", "2026-2027", "2026+", "2027 Mar 20-Apr 10", "2026 Dec 24-2027 Jan 02", "2026 Oct 25",
		"2027 Jul-Aug", "2026 Dec 20-31",
		"week 01-26", "week 1-53/2", "week 13-14", "week 27-35", "week 53", "week 02-52/3", "week 10,12,14-15",
		"week 43-44", "week 1-52/4"}
	comments := []string{"\"sur rendez-vous\"", "\"fermé pour travaux\"", "\"l'après-midi\"", "\"accueil libre\""}
	n := 1 + rng.IntN(3)
	var b strings.Builder
	prevEndsRight := false // ends with a time, a state or a comment: may be followed by ","
	for r := 0; r < n; r++ {
		var parts []string
		if chance(0.3) {
			parts = append(parts, pick(dates...))
		}
		if chance(0.65) {
			parts = append(parts, pick(days...))
		}
		endsRight := false
		if chance(0.75) {
			if chance(0.05) {
				parts = append(parts, "24/7")
			} else {
				k := 1 + rng.IntN(2)
				var ts []string
				for range k {
					ts = append(ts, pick(times...))
				}
				parts = append(parts, strings.Join(ts, ","))
				endsRight = true
			}
		}
		if chance(0.2) {
			parts = append(parts, pick("off", "closed", "open", "unknown"))
			endsRight = true
		}
		if chance(0.12) {
			parts = append(parts, pick(comments...))
			endsRight = true
		}
		if len(parts) == 0 {
			parts = append(parts, pick(times...))
			endsRight = true
		}
		if r > 0 {
			switch {
			case prevEndsRight && chance(0.15):
				b.WriteString(", ")
			case chance(0.1):
				b.WriteString(" || ")
			default:
				b.WriteString("; ")
			}
		}
		b.WriteString(strings.Join(parts, " "))
		prevEndsRight = endsRight
	}
	v := b.String()
	switch {
	case chance(0.08):
		v = strings.ToLower(v)
	case chance(0.04):
		v = strings.ToUpper(v)
	case chance(0.06):
		v = strings.ReplaceAll(strings.ReplaceAll(v, "-", " - "), ";", " ; ")
	}
	return v
}
