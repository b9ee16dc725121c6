package openhours

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token. The lexer follows the reference
// library's tokenizer for everything it accepts without a warning, and for
// the warn-but-accept tolerances that real values need: any case, any
// whitespace, "." between hours and minutes, typographic dashes and quotes.
type tokKind uint8

const (
	tWeekday tokKind = iota // val: 0 = Su … 6 = Sa
	tMonth                  // val: 0 = Jan … 11 = Dec
	tNumber                 // val: the number (≤ 1900)
	tYear                   // val: a number above 1900
	tTimeSep                // ":" or "."
	tHoliday                // val: 0 = PH, 1 = SH
	tComment                // text: the comment without its quotes
	tState                  // text: open, closed, off or unknown
	tWeek                   // the keyword "week"
	t247                    // "24/7"
	tEvent                  // easter (not supported)
	tTimeVar                // sunrise, sunset, dawn, dusk (not supported)
	tCalcDay                // day, days (not supported)
	tPunct                  // val: the character, after correction ("–" becomes '-')
)

type token struct {
	kind tokKind
	val  int
	pos  int    // byte offset in the value
	text string // as written (for messages), or the comment's text
}

// tokRule is the tokens of one rule, as separated by ";" or "||".
type tokRule struct {
	toks     []token
	fallback bool // the rule follows "||"
	end      int  // byte offset just after the rule's last character
}

var words = map[string]token{
	"su": {kind: tWeekday, val: 0}, "mo": {kind: tWeekday, val: 1}, "tu": {kind: tWeekday, val: 2},
	"we": {kind: tWeekday, val: 3}, "th": {kind: tWeekday, val: 4}, "fr": {kind: tWeekday, val: 5},
	"sa":  {kind: tWeekday, val: 6},
	"jan": {kind: tMonth, val: 0}, "feb": {kind: tMonth, val: 1}, "mar": {kind: tMonth, val: 2},
	"apr": {kind: tMonth, val: 3}, "may": {kind: tMonth, val: 4}, "jun": {kind: tMonth, val: 5},
	"jul": {kind: tMonth, val: 6}, "aug": {kind: tMonth, val: 7}, "sep": {kind: tMonth, val: 8},
	"oct": {kind: tMonth, val: 9}, "nov": {kind: tMonth, val: 10}, "dec": {kind: tMonth, val: 11},
	"ph": {kind: tHoliday, val: 0}, "sh": {kind: tHoliday, val: 1},
	"week": {kind: tWeek}, "easter": {kind: tEvent},
	"day": {kind: tCalcDay}, "days": {kind: tCalcDay},
	"sunrise": {kind: tTimeVar}, "sunset": {kind: tTimeVar}, "dawn": {kind: tTimeVar}, "dusk": {kind: tTimeVar},
	"open": {kind: tState, text: "open"}, "closed": {kind: tState, text: "closed"},
	"off": {kind: tState, text: "off"}, "unknown": {kind: tState, text: "unknown"},
}

const (
	commentOpeners = "\"'„“‚‘’«「『"
	commentEnders  = "\"'”“‘’»」』"
	commentStops   = "\"'“”‘’»」』;|"
)

// lex splits value into rules of tokens.
func lex(value string) ([]tokRule, error) {
	// One array holds the tokens of every rule.
	toks := make([]token, 0, len(value)/2+4)
	rules := make([]tokRule, 0, 4)
	cur := tokRule{}
	start := 0
	cut := func(end int) {
		cur.toks, cur.end = toks[start:len(toks):len(toks)], end
		rules = append(rules, cur)
		start = len(toks)
	}
	i := 0
	for i < len(value) {
		r, size := utf8.DecodeRuneInString(value[i:])
		switch {
		case unicode.IsSpace(r) || r == '␣':
			i += size
		case isWordRune(r):
			j := i
			n := 0
			for j < len(value) {
				r2, s2 := utf8.DecodeRuneInString(value[j:])
				if !isWordRune(r2) {
					break
				}
				j += s2
				n++
			}
			word := value[i:j]
			var lower [8]byte
			t, ok := token{}, false
			if len(word) <= len(lower) {
				for k := range len(word) {
					lower[k] = word[k] | 0x20 // ASCII letters only: longer UTF-8 never matches
				}
				t, ok = words[string(lower[:len(word)])]
			}
			if !ok || n < 2 {
				return nil, errAt(value, i, KeyUnknownWord, "unknown word "+quote(word), word)
			}
			t.pos = i
			if t.kind != tState { // states keep their lower-case name
				t.text = word
			}
			toks = append(toks, t)
			i = j
		case r >= '0' && r <= '9':
			if strings.HasPrefix(value[i:], "24/7") {
				toks = append(toks, token{kind: t247, pos: i, text: "24/7"})
				i += 4
				break
			}
			j := i
			for j < len(value) && value[j] >= '0' && value[j] <= '9' {
				j++
			}
			if j-i > 9 {
				return nil, errAt(value, i, KeyNumberTooLong, "number too long: "+value[i:j])
			}
			n := 0
			for _, c := range value[i:j] {
				n = n*10 + int(c-'0')
			}
			k := tNumber
			if n > 1900 {
				k = tYear
			}
			toks = append(toks, token{kind: k, val: n, pos: i, text: value[i:j]})
			i = j
		case r == ':' || r == '.':
			toks = append(toks, token{kind: tTimeSep, val: ':', pos: i, text: string(r)})
			i++
		case r == ';':
			cut(i)
			cur = tokRule{}
			i++
		case r == '|' && strings.HasPrefix(value[i:], "||"):
			if len(toks) == start {
				return nil, errAt(value, i, KeyFallbackEmpty, `"||" must follow a rule`)
			}
			cut(i)
			cur = tokRule{fallback: true}
			i += 2
		case r == '"' && strings.IndexByte(value[i+1:], '"') > 0:
			// The specification's comment: any character but a double quote.
			end := i + 1 + strings.IndexByte(value[i+1:], '"')
			toks = append(toks, token{kind: tComment, pos: i, text: value[i+1 : end]})
			i = end + 1
		case strings.ContainsRune(commentOpeners, r):
			// Typographic quotes, accepted with a warning by the reference.
			body := i + size
			stop := strings.IndexAny(value[body:], commentStops)
			if stop < 0 {
				return nil, errAt(value, i, KeyUnclosedComment, "comment without its closing quote")
			}
			endRune, endSize := utf8.DecodeRuneInString(value[body+stop:])
			if !strings.ContainsRune(commentEnders, endRune) {
				return nil, errAt(value, i, KeyUnclosedComment, "comment without its closing quote")
			}
			toks = append(toks, token{kind: tComment, pos: i, text: value[body : body+stop]})
			i = body + stop + endSize
		default:
			c := r
			switch r {
			case '–', '—', '‐', '‑', '‒', '−', 'ー':
				c = '-'
			case '&':
				c = ','
			}
			if c < utf8.RuneSelf && strings.ContainsRune("-,[]/+()", c) {
				toks = append(toks, token{kind: tPunct, val: int(c), pos: i, text: string(r)})
				i += size
				break
			}
			return nil, errAt(value, i, KeyUnexpectedChar, "unexpected character "+quote(string(r)), string(r))
		}
	}
	cut(len(value))
	return rules, nil
}

// isWordRune tells whether r belongs to a word: what the reference library
// calls a word is anything but whitespace, ASCII digits, punctuation,
// symbols and control characters.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || (unicode.IsNumber(r) && !unicode.IsDigit(r))
}

func quote(s string) string { return `"` + s + `"` }
