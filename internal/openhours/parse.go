package openhours

import (
	"fmt"
	"strconv"
	"strings"
)

// The parser mirrors the reference library's (opening_hours.js 3.15)
// parseGroup and its sub-parsers, so that every value both accept means
// the same thing: selectors of one kind written several times in a rule
// add up, a comma after a time range, a state or a comment starts an
// additional rule, and so on. What the reference supports but this package
// does not (school holidays, sunrise and sunset, easter, open ends, day
// offsets, points in time) is refused with KeyUnsupported.

// selector groups, in the order the reference evaluates them: a rule
// matches a day when every non-empty group has a matching selector.
const (
	gYear = iota
	gHoliday
	gMonth
	gMonthday
	gWeek
	gWeekday
	numGroups
)

type selKind uint8

const (
	sWeekdays  selKind = iota // mask: bit 0 = Sunday
	sNth                      // wd, n: the n-th (n < 0: from the end) weekday wd of the month
	sPH                       // a French public holiday
	sYear                     // from, to (0: open-ended), period
	sMonths                   // mask: bit 0 = January
	sDateRange                // y1 m1 d1 - y2 m2 d2 (years 0 when absent), wrapping over new year
	sMonthDays                // y1 (0 when absent) m1, days from-to of that month, period
	sWeek                     // ISO weeks from-to, period
)

type selector struct {
	kind             selKind
	mask             uint16
	wd, n            int
	y1, m1, d1       int // months 1-12
	y2, m2, d2       int
	from, to, period int
}

// span is a time selector in minutes of the day: [from, to), where to may
// exceed 1440 (the part after midnight then lives in the rule's wrap rule).
type span struct{ from, to int }

// rule is one rule of the internal list. A rule whose times run past
// midnight is followed by its wrap rule, which holds the part after
// midnight and matches the day after the days its rule matches.
type rule struct {
	date       [numGroups][]selector
	hasDate    bool
	times      []span
	open       bool // the reference's "meaning"
	unknown    bool
	comment    string
	hasComment bool
	fallback   bool
	additional bool
	wrapped    bool
}

type parser struct {
	value    string
	toks     []token
	end      int // byte offset of the end of the token rule, for errors at its end
	i        int
	r        *rule
	pieces   []string
	modifier bool // a state or a comment was given
}

// Parse reads an opening_hours value. When the value is not valid, the
// error is a *SyntaxError that says where and why.
func Parse(value string) (*Hours, error) {
	trs, err := lex(value)
	if err != nil {
		return nil, err
	}
	h := &Hours{rules: make([]rule, 0, 2*len(trs))}
	var text strings.Builder
	text.Grow(len(value))
	for _, tr := range trs {
		if len(tr.toks) == 0 {
			continue // "Mo 10:00-12:00;": the reference warns and ignores it
		}
		start := 0
		for start < len(tr.toks) {
			r := rule{open: true, fallback: tr.fallback, additional: start > 0}
			p := &parser{value: value, toks: tr.toks, end: tr.end, i: start, r: &r}
			additional, err := p.group()
			if err != nil {
				return nil, err
			}
			for g := range r.date {
				if len(r.date[g]) > 0 {
					r.hasDate = true
				}
			}
			switch {
			case text.Len() == 0:
			case r.additional:
				text.WriteString(", ")
			case r.fallback:
				text.WriteString(" || ")
			default:
				text.WriteString("; ")
			}
			text.WriteString(strings.Join(p.pieces, " "))
			h.rules = append(h.rules, r)
			if w, ok := r.wrap(); ok {
				h.rules = append(h.rules, w)
			}
			if !additional {
				break
			}
			start = p.i
		}
	}
	if len(h.rules) == 0 {
		return nil, errAt(value, 0, KeyEmpty, "the value holds no rule")
	}
	h.text = text.String()
	return h, nil
}

// wrap returns the rule that holds the part after midnight of r's times.
func (r *rule) wrap() (rule, bool) {
	var times []span
	for _, s := range r.times {
		if s.to > minutesInDay {
			times = append(times, span{0, s.to - minutesInDay})
		}
	}
	if times == nil {
		return rule{}, false
	}
	return rule{date: r.date, hasDate: r.hasDate, times: times, open: r.open, unknown: r.unknown,
		comment: r.comment, hasComment: r.hasComment, wrapped: true}, true
}

const minutesInDay = 24 * 60

// at tells whether the tokens from i on are of the given kinds; a rune
// stands for a punctuation token.
func (p *parser) at(i int, kinds ...any) bool {
	for k, want := range kinds {
		j := i + k
		if j < 0 || j >= len(p.toks) {
			return false
		}
		t := p.toks[j]
		switch w := want.(type) {
		case tokKind:
			if t.kind != w {
				return false
			}
		case rune:
			if t.kind != tPunct || t.val != int(w) {
				return false
			}
		}
	}
	return true
}

func (p *parser) tok(i int) token { return p.toks[i] }

// posOf is where token i starts, or the end of the rule when there is none.
func (p *parser) posOf(i int) int {
	if i >= 0 && i < len(p.toks) {
		return p.toks[i].pos
	}
	return p.end
}

// unexpected reports token i, or the end of the rule.
func (p *parser) unexpected(i int) error {
	if i >= len(p.toks) {
		return errAt(p.value, p.end, KeyUnexpectedEnd, "the value ends too early")
	}
	t := p.toks[i]
	text := t.text
	if t.kind == tComment {
		text = `"` + t.text + `"`
	}
	return errAt(p.value, t.pos, KeyUnexpected, "unexpected "+quote(text)+" here", text)
}

func (p *parser) unsupported(i int, what string) error {
	return errAt(p.value, p.posOf(i), KeyUnsupported, quote(what)+" is not supported", what)
}

// afterComma reports the reference's "additional rule does not make sense
// here" when token i follows a comma, and an unexpected token otherwise.
func (p *parser) afterComma(i int) error {
	if p.at(i-1, ',') {
		return errAt(p.value, p.toks[i-1].pos, KeyAdditionalRule,
			"a comma here starts an additional rule, which must follow a time range, a state or a comment")
	}
	return p.unexpected(i)
}

// group parses the selectors and modifiers of one rule, up to the end of
// the token rule or to the comma that starts an additional rule; it tells
// which, leaving p.i on the additional rule's first token.
func (p *parser) group() (additional bool, err error) {
	lastTimeEnd := -1
	var lastKind tokKind // the kind of the last selector's first token
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		if t.kind != tTimeSep {
			lastKind = t.kind
			if t.kind == tWeekday || t.kind == tHoliday && p.at(p.i+1, ',') {
				lastKind = tWeekday // a list of days
			}
		}
		switch {
		case t.kind == tWeekday:
			err = p.dayList()
		case t.kind == t247:
			p.r.times = append(p.r.times, span{0, minutesInDay})
			p.pieces = append(p.pieces, "24/7")
			p.i++
		case t.kind == tHoliday:
			err = p.dayList()
		case p.at(p.i, tMonth, tNumber) || p.at(p.i, tMonth, tWeekday) || p.at(p.i, tYear, tMonth, tNumber) ||
			p.at(p.i, tYear, tEvent) || t.kind == tEvent:
			err = p.monthdays(gMonthday, nil)
		case t.kind == tYear:
			err = p.years()
		case t.kind == tMonth:
			err = p.months(gMonth, nil)
		case t.kind == tWeek:
			err = p.weeks()
		case t.kind == tTimeSep && len(p.pieces) > 0 && p.i != len(p.toks)-1 && lastTimeEnd != p.i:
			// "Dec 24-26: 10:00-12:00": a colon for readability, which
			// the reference keeps after anything but weekdays.
			if n := len(p.pieces); n > 0 && lastKind != tWeekday && !strings.HasSuffix(p.pieces[n-1], ":") {
				p.pieces[n-1] += ":"
			}
			p.i++
		case p.at(p.i, tNumber, tTimeSep) || t.kind == tTimeVar || p.at(p.i, '(', tTimeVar) || p.at(p.i, tNumber, '-'):
			additional, err = p.times()
			if err != nil || additional {
				return additional, err
			}
			lastTimeEnd = p.i
			continue
		case t.kind == tState:
			switch t.text {
			case "open":
				p.r.open = true
			case "closed", "off":
				p.r.open = false
			default:
				p.r.open, p.r.unknown = false, true
			}
			p.modifier = true
			p.pieces = append(p.pieces, t.text)
			p.i++
			if p.at(p.i, ',') {
				p.i++
				return true, nil
			}
		case t.kind == tComment:
			p.r.comment, p.r.hasComment = t.text, true
			if !p.modifier {
				p.r.open, p.r.unknown = false, true
			}
			p.modifier = true
			p.pieces = append(p.pieces, `"`+t.text+`"`)
			p.i++
			if p.at(p.i, ',') {
				p.i++
				return true, nil
			}
		default:
			return false, p.unexpected(p.i)
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil
}

// times parses "08:30-12:00,14:00-18:00" (and "8-12", accepted with a
// warning by the reference). A comma followed by something else than a time
// starts an additional rule.
func (p *parser) times() (additional bool, err error) {
	var items []string
	defer func() {
		if len(items) > 0 {
			p.pieces = append(p.pieces, strings.Join(items, ","))
		}
	}()
	for p.i < len(p.toks) {
		i := p.i
		var from, to int
		switch {
		case p.at(i, tNumber, tTimeSep, tNumber):
			if m := p.tok(i + 2).val; m > 59 {
				return false, errAt(p.value, p.tok(i+2).pos, KeyMinutes, fmt.Sprintf("minutes are %d, more than 59", m), m)
			}
			from = p.tok(i).val*60 + p.tok(i+2).val
			if !p.at(i+3, '-') {
				if p.at(i+3, '+') {
					return false, p.unsupported(i+3, "+")
				}
				return false, errAt(p.value, p.posOf(i+3), KeyTimeRangeExpected,
					"a time range is expected (a single time is a point in time)")
			}
			e := i + 4
			switch {
			case p.at(e, tNumber, tTimeSep, tNumber):
			case p.at(e, tTimeVar):
				return false, p.unsupported(e, p.tok(e).text)
			case p.at(e, '(', tTimeVar):
				return false, p.unsupported(e+1, p.tok(e+1).text)
			default:
				return false, errAt(p.value, p.posOf(e), KeyTimeIncomplete, "the time range does not continue as expected")
			}
			if m := p.tok(e + 2).val; m > 59 {
				return false, errAt(p.value, p.tok(e+2).pos, KeyMinutes, fmt.Sprintf("minutes are %d, more than 59", m), m)
			}
			to = p.tok(e).val*60 + p.tok(e+2).val
			items = append(items, timeRange(p.tok(i).val, p.tok(i+2).val, p.tok(e).val, p.tok(e+2).val))
			p.i = e + 3
			if p.at(p.i, '/', tNumber) {
				return false, p.unsupported(p.i, "/")
			}
			if p.at(p.i, '+') {
				return false, p.unsupported(p.i, "+")
			}
			if from >= minutesInDay {
				return false, errAt(p.value, p.tok(i).pos, KeyStartAfterDay, "a time range must start before 24:00")
			}
			if to <= from {
				to += minutesInDay
			}
			if to > 2*minutesInDay {
				return false, errAt(p.value, p.tok(e).pos, KeyTwoMidnights, "a time range may not end after 48:00")
			}
		case p.at(i, tTimeVar):
			return false, p.unsupported(i, p.tok(i).text)
		case p.at(i, '(', tTimeVar):
			return false, p.unsupported(i+1, p.tok(i+1).text)
		case p.at(i, tNumber, '-', tNumber):
			// Hours without minutes.
			from, to = p.tok(i).val*60, p.tok(i+2).val*60
			if from == to {
				// The reference keeps "9-9" empty, where "09:00-09:00" is
				// a whole day: refuse rather than mislead.
				return false, errAt(p.value, p.tok(i).pos, KeyEmptyRange, "an empty time range")
			}
			items = append(items, timeRange(p.tok(i).val, 0, p.tok(i+2).val, 0))
			if from >= minutesInDay {
				return false, errAt(p.value, p.tok(i).pos, KeyStartAfterDay, "a time range must start before 24:00")
			}
			if to < from {
				to += minutesInDay
			}
			if to > 2*minutesInDay {
				return false, errAt(p.value, p.tok(i+2).pos, KeyTwoMidnights, "a time range may not end after 48:00")
			}
			p.i = i + 3
		default:
			if p.at(i, tNumber, tTimeSep) || p.at(i, tNumber) || p.at(i, '(') {
				return false, errAt(p.value, p.posOf(i+1), KeyTimeIncomplete, "the time range does not continue as expected")
			}
			return true, nil // an additional rule starts here
		}
		if from == 0 && to == minutesInDay {
			p.r.times = append(p.r.times, span{0, minutesInDay})
		} else {
			p.r.times = append(p.r.times, span{from, to})
		}
		if !p.at(p.i, ',') {
			break
		}
		p.i++
	}
	return false, nil
}

// timeRange writes "08:30-12:00".
func timeRange(h1, m1, h2, m2 int) string {
	b := make([]byte, 0, 11)
	for k, n := range [4]int{h1, m1, h2, m2} {
		switch k {
		case 1, 3:
			b = append(b, ':')
		case 2:
			b = append(b, '-')
		}
		if n < 10 {
			b = append(b, '0')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(b)
}

// dayList parses a comma-separated list of weekdays, constrained weekdays
// and public holidays: "Mo-Fr,PH", "Su[1],Sa[-1]". Like the reference, a
// lone "PH" selects holidays in a group of its own ("PH Mo-Fr": public
// holidays that fall on a weekday); in a list, PH is one more day.
func (p *parser) dayList() error {
	var items []string
	var sels []selector
	for {
		i := p.i
		switch {
		case p.at(i, tWeekday, '['):
			nums, text, end, err := p.nthList(i + 2)
			if err != nil {
				return err
			}
			for _, n := range nums {
				sels = append(sels, selector{kind: sNth, wd: p.tok(i).val, n: n})
			}
			items = append(items, weekdayNames[p.tok(i).val]+"["+text+"]")
			p.i = end
			if err := p.noDayOffset(p.i); err != nil {
				return err
			}
		case p.at(i, tWeekday):
			item, mask := p.cyclicRange(i, tWeekday, weekdayNames[:])
			sels = append(sels, selector{kind: sWeekdays, mask: mask})
			items = append(items, item)
		case p.at(i, tHoliday):
			if p.tok(i).val == 1 {
				return p.unsupported(i, "SH")
			}
			if err := p.noDayOffset(i + 1); err != nil {
				return err
			}
			sels = append(sels, selector{kind: sPH})
			items = append(items, "PH")
			p.i = i + 1
		default:
			return p.afterComma(i)
		}
		if !p.at(p.i, ',') {
			break
		}
		p.i++
	}
	g := gWeekday
	if len(sels) == 1 && sels[0].kind == sPH {
		g = gHoliday
	}
	p.r.date[g] = append(p.r.date[g], sels...)
	p.pieces = append(p.pieces, strings.Join(items, ","))
	return nil
}

// cyclicRange reads a weekday or month at token i, or a range of them
// ("Mo-Fr", "Nov-Feb", wrapping round the week or year), moves past it and
// returns its normalised text and the mask of the days or months it covers.
func (p *parser) cyclicRange(i int, kind tokKind, names []string) (string, uint16) {
	from := p.tok(i).val
	to := from
	item := names[from]
	p.i = i + 1
	if p.at(i+1, '-', kind) {
		to = p.tok(i + 2).val
		item += "-" + names[to]
		p.i = i + 3
	}
	var mask uint16
	for v := from; ; v = (v + 1) % len(names) {
		mask |= 1 << v
		if v == to {
			break
		}
	}
	return item, mask
}

var weekdayNames = [7]string{"Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"}
var monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// noDayOffset refuses "PH +1 day" and "Sa[-1] -1 day".
func (p *parser) noDayOffset(i int) error {
	if (p.at(i, '+') || p.at(i, '-')) && p.at(i+1, tNumber, tCalcDay) {
		return p.unsupported(i, p.tok(i).text+p.tok(i+1).text+" "+p.tok(i+2).text)
	}
	return nil
}

// nthList parses "1,3", "-1", "2-3" up to the closing bracket.
func (p *parser) nthList(i int) (nums []int, text string, end int, err error) {
	var items []string
	for {
		switch {
		case p.at(i, tNumber, '-', tNumber):
			a, b := p.tok(i).val, p.tok(i+2).val
			if a < 1 || a > 5 || b < 1 || b > 5 {
				return nil, "", 0, errAt(p.value, p.tok(i).pos, KeyNthRange, "the number in brackets must be from -5 to 5, but not 0")
			}
			if a > b {
				return nil, "", 0, errAt(p.value, p.tok(i).pos, KeyNthReversed, "the range in brackets is reversed")
			}
			for n := a; n <= b; n++ {
				nums = append(nums, n)
			}
			items = append(items, fmt.Sprintf("%d-%d", a, b))
			i += 3
		case p.at(i, '-', tNumber):
			n := p.tok(i + 1).val
			if n < 1 || n > 5 {
				return nil, "", 0, errAt(p.value, p.tok(i).pos, KeyNthRange, "the number in brackets must be from -5 to 5, but not 0")
			}
			nums = append(nums, -n)
			items = append(items, "-"+strconv.Itoa(n))
			i += 2
		case p.at(i, tNumber):
			n := p.tok(i).val
			if n < 1 || n > 5 {
				return nil, "", 0, errAt(p.value, p.tok(i).pos, KeyNthRange, "the number in brackets must be from -5 to 5, but not 0")
			}
			nums = append(nums, n)
			items = append(items, strconv.Itoa(n))
			i++
		default:
			return nil, "", 0, p.unexpected(i)
		}
		if !p.at(i, ',') {
			break
		}
		i++
	}
	if !p.at(i, ']') {
		return nil, "", 0, errAt(p.value, p.posOf(i), KeyBracketExpected, `"]" is expected`)
	}
	return nums, strings.Join(items, ","), i + 1, nil
}

// oneNth checks, like the reference's getConstrainedWeekday, that the
// brackets from token i hold a single number from -5 to 5 but 0, and
// returns the position after "]".
func (p *parser) oneNth(i int) (int, error) {
	nums, _, end, err := p.nthList(i)
	if err != nil {
		return 0, err
	}
	if len(nums) != 1 {
		return 0, errAt(p.value, p.tok(i).pos, KeyNthOne, "after a month, the brackets hold a single number")
	}
	return end, nil
}

// monthdays parses dates and date ranges: "Dec 24", "Dec 24-26",
// "Jan 01-29/7", "Dec 24,31", "Dec 24-Jan 02", "2026 Dec 24-2027 Jan 02".
// Selectors go to group g (the reference files some under months).
func (p *parser) monthdays(g int, items []string) error {
	done := false // handed over to months, which writes the list
	defer func() {
		if !done && len(items) > 0 {
			p.pieces = append(p.pieces, strings.Join(items, ","))
		}
	}()
	for {
		at := p.i
		hy := 0
		if p.at(at, tYear) {
			hy = 1
		}
		switch {
		case p.at(at+hy, tEvent):
			return p.unsupported(at+hy, "easter")
		case p.at(at+hy, tMonth, tWeekday, '['):
			// "Mar Fr[-2]": the reference reads a month, then the weekday
			// selector, after checking that the brackets hold one number.
			// A date range from such a day is not supported.
			end, err := p.oneNth(at + hy + 3)
			if err != nil {
				return err
			}
			if err := p.noDayOffset(end); err != nil {
				return err
			}
			if p.at(end, '-') {
				return p.unsupported(at+hy+1, monthNames[p.tok(at+hy).val]+" "+weekdayNames[p.tok(at+hy+1).val]+"[…]-")
			}
			if hy == 1 {
				return p.unexpected(at + hy)
			}
			done = true
			return p.months(gMonth, items)
		case p.at(at+hy, tMonth, tNumber):
			sep := at + hy + 2
			if p.at(sep, '-') {
				hy2 := 0
				if p.at(sep+1, tYear) {
					hy2 = 1
				}
				sec := sep + 1 + hy2
				switch {
				case p.at(sec, tEvent):
					return p.unsupported(sec, "easter")
				case p.at(sec, tMonth, tWeekday, '['):
					return p.unsupported(sec+1, monthNames[p.tok(sec).val]+" "+weekdayNames[p.tok(sec+1).val]+"[…]")
				case p.at(sec, tMonth, tNumber) && hy != hy2:
					return errAt(p.value, p.tok(sep).pos, KeyDateRangeYears, "a date range gives a year on both of its ends or on neither")
				case p.at(sec, tMonth, tNumber):
					s := selector{kind: sDateRange,
						m1: p.tok(at+hy).val + 1, d1: p.tok(at + hy + 1).val,
						m2: p.tok(sec).val + 1, d2: p.tok(sec + 1).val}
					if err := p.checkDay(s.m1, s.d1, at+hy+1); err != nil {
						return err
					}
					if err := p.checkDay(s.m2, s.d2, sec+1); err != nil {
						return err
					}
					item := fmt.Sprintf("%s %02d-%s %02d", monthNames[s.m1-1], s.d1, monthNames[s.m2-1], s.d2)
					if hy == 1 {
						s.y1, s.y2 = p.tok(at).val, p.tok(sep+1).val
						item = fmt.Sprintf("%d %s %02d-%d %s %02d", s.y1, monthNames[s.m1-1], s.d1, s.y2, monthNames[s.m2-1], s.d2)
					}
					p.r.date[g] = append(p.r.date[g], s)
					items = append(items, item)
					p.i = sec + 2
					goto next
				}
			}
			// One month: "Dec 24", "Dec 24-26", "Jan 01-29/7", "Dec 24,31".
			month := p.tok(at+hy).val + 1
			first := true
			i := at + hy // the month, then the comma before each further day
			for {
				from := p.tok(i + 1).val
				isRange := p.at(i+2, '-', tNumber)
				period := 0
				hasPeriod := isRange && p.at(i+4, '/', tNumber)
				if hasPeriod {
					period = p.tok(i + 5).val
				}
				if first {
					ts := i + 1
					if isRange {
						ts += 2
					}
					if hasPeriod {
						ts += 2
					}
					if !isRange && !hasPeriod {
						ts++
					}
					if p.at(ts, tTimeSep, tNumber) && (p.at(ts+2, '+') || p.at(ts+2, '-')) {
						// "Dec 10:00-12:00": a month, then times.
						done = true
						return p.months(gMonthday, items)
					}
				}
				to := from
				toAt := i + 1
				if isRange {
					toAt = i + 3
					to = p.tok(toAt).val
				}
				if to < from {
					return errAt(p.value, p.tok(toAt).pos, KeyDayRangeReversed, "the day range is reversed")
				}
				if err := p.checkDay(month, from, i+1); err != nil {
					return err
				}
				if err := p.checkDay(month, to, toAt); err != nil {
					return err
				}
				if hasPeriod && period == 0 {
					return errAt(p.value, p.tok(i+5).pos, KeyPeriodZero, "a period of zero")
				}
				s := selector{kind: sMonthDays, m1: month, from: from, to: to, period: period}
				item := ""
				if first {
					item = monthNames[month-1] + " "
					if hy == 1 {
						s.y1 = p.tok(at).val
						item = strconv.Itoa(s.y1) + " " + item
					}
				}
				item += fmt.Sprintf("%02d", from)
				if isRange {
					item += fmt.Sprintf("-%02d", to)
				}
				if hasPeriod {
					item += "/" + strconv.Itoa(period)
				}
				p.r.date[g] = append(p.r.date[g], s)
				items = append(items, item)
				i += 2
				if isRange {
					i += 2
				}
				if hasPeriod {
					i += 2
				}
				first = false
				if !p.at(i, ',', tNumber) {
					break
				}
				if hy == 1 {
					// The reference misreads "2026 Dec 24,26"; say so
					// rather than guess.
					return p.unexpected(i)
				}
			}
			p.i = i
		case p.at(at, tMonth):
			// "Jan Mo-Fr", "Dec 24,Jul-Aug": months, which the reference
			// files with the dates.
			done = true
			return p.months(gMonthday, items)
		default:
			return p.afterComma(at)
		}
	next:
		if !p.at(p.i, ',') {
			return nil
		}
		p.i++
	}
}

// checkDay refuses a day that no month m has ("Apr 31", "Feb 30").
func (p *parser) checkDay(m, d, i int) error {
	max := [12]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if d < 1 || d > max {
		return errAt(p.value, p.tok(i).pos, KeyDayOfMonth,
			fmt.Sprintf("%s has no day %d", monthNames[m-1], d), d, monthNames[m-1])
	}
	return nil
}

// months parses "Jan", "Jul-Aug", "Nov-Feb", handing dates to monthdays.
func (p *parser) months(g int, items []string) error {
	for {
		i := p.i
		switch {
		case p.at(i, tMonth, tNumber) && !p.at(i+2, tTimeSep, tNumber):
			return p.monthdays(gMonth, items)
		case p.at(i, tMonth):
			item, mask := p.cyclicRange(i, tMonth, monthNames[:])
			p.r.date[g] = append(p.r.date[g], selector{kind: sMonths, mask: mask})
			items = append(items, item)
		default:
			return p.afterComma(i)
		}
		if !p.at(p.i, ',') {
			break
		}
		p.i++
	}
	p.pieces = append(p.pieces, strings.Join(items, ","))
	return nil
}

// years parses "2026", "2026-2027", "2026-2030/2", "2026/2", "2026+".
func (p *parser) years() error {
	var items []string
	for {
		i := p.i
		if !p.at(i, tYear) {
			return p.afterComma(i)
		}
		s := selector{kind: sYear, from: p.tok(i).val, to: p.tok(i).val}
		item := strconv.Itoa(s.from)
		switch {
		case p.at(i+1, '-', tYear, '/', tNumber):
			s.to, s.period = p.tok(i+2).val, p.tok(i+4).val
			item += fmt.Sprintf("-%d/%d", s.to, s.period)
			p.i = i + 5
			if s.period == 0 {
				return errAt(p.value, p.tok(i+4).pos, KeyPeriodZero, "a period of zero")
			}
		case p.at(i+1, '-', tYear):
			s.to = p.tok(i + 2).val
			item += fmt.Sprintf("-%d", s.to)
			p.i = i + 3
		case p.at(i+1, '/', tNumber):
			s.to, s.period = 0, p.tok(i+2).val
			item += fmt.Sprintf("/%d", s.period)
			p.i = i + 3
			if s.period == 0 {
				return errAt(p.value, p.tok(i+2).pos, KeyPeriodZero, "a period of zero")
			}
		case p.at(i+1, '+'):
			s.to, s.period = 0, 1
			item += "+"
			p.i = i + 2
		default:
			p.i = i + 1
		}
		if s.to != 0 && s.to <= s.from && p.i > i+1 {
			return errAt(p.value, p.tok(i).pos, KeyYearRange, "the year range must go forward")
		}
		p.r.date[gYear] = append(p.r.date[gYear], s)
		items = append(items, item)
		if !p.at(p.i, ',') {
			break
		}
		p.i++
	}
	p.pieces = append(p.pieces, strings.Join(items, ","))
	return nil
}

// weeks parses "week 01-26", "week 1-53/2", "week 1,3-5".
func (p *parser) weeks() error {
	var items []string
	for {
		if p.at(p.i, tWeek) {
			p.i++
		}
		i := p.i
		if !p.at(i, tNumber) {
			return p.afterComma(i)
		}
		s := selector{kind: sWeek, from: p.tok(i).val, to: p.tok(i).val}
		isRange := p.at(i+1, '-', tNumber)
		if isRange {
			s.to = p.tok(i + 2).val
		}
		switch {
		case s.from > s.to:
			return errAt(p.value, p.tok(i+2).pos, KeyWeekRange, "week numbers go from 1 to 53, in order")
		case s.from < 1:
			return errAt(p.value, p.tok(i).pos, KeyWeekRange, "week numbers go from 1 to 53, in order")
		case s.to > 53:
			at := i
			if isRange {
				at = i + 2
			}
			return errAt(p.value, p.tok(at).pos, KeyWeekRange, "week numbers go from 1 to 53, in order")
		}
		item := fmt.Sprintf("%02d", s.from)
		p.i = i + 1
		if isRange {
			item += fmt.Sprintf("-%02d", s.to)
			p.i = i + 3
			if p.at(i+3, '/', tNumber) {
				s.period = p.tok(i + 4).val
				if s.period < 2 || s.period > 26 {
					return errAt(p.value, p.tok(i+4).pos, KeyWeekPeriod, "a week period goes from 2 to 26")
				}
				item += "/" + strconv.Itoa(s.period)
				p.i = i + 5
			}
		}
		p.r.date[gWeek] = append(p.r.date[gWeek], s)
		items = append(items, item)
		if !p.at(p.i, ',') {
			break
		}
		p.i++
	}
	p.pieces = append(p.pieces, "week "+strings.Join(items, ","))
	return nil
}
