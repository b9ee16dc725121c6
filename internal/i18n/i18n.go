// Package i18n holds the message catalogs (French first, English second),
// the choice of language and the French way of writing dates and numbers.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed locales/*.json
var localesFS embed.FS

// Languages are the supported languages, the default first.
var Languages = []string{"fr", "en"}

// Default is the language used when nothing else is known.
const Default = "fr"

// Catalogs maps a language to its messages.
type Catalogs map[string]map[string]string

// Load reads the embedded catalogs and checks that every language has the
// same keys as French, so no page ever mixes languages.
func Load() (Catalogs, error) {
	c := Catalogs{}
	for _, lang := range Languages {
		b, err := localesFS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", lang, err)
		}
		c[lang] = m
	}
	var missing []string
	for _, lang := range Languages[1:] {
		for k := range c[Default] {
			if _, ok := c[lang][k]; !ok {
				missing = append(missing, lang+":"+k)
			}
		}
		for k := range c[lang] {
			if _, ok := c[Default][k]; !ok {
				missing = append(missing, Default+":"+k)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("catalogs disagree, missing: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// Has tells whether key exists.
func (c Catalogs) Has(key string) bool { _, ok := c[Default][key]; return ok }

// Localizer translates and formats for one language.
type Localizer struct {
	Lang string
	msgs map[string]string
	loc  *time.Location
}

// Paris is the time zone of every date shown.
var Paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // the binary embeds time/tzdata
	}
	return l
}

// For returns the localizer of lang (the default for an unknown one).
func (c Catalogs) For(lang string) *Localizer {
	m, ok := c[lang]
	if !ok {
		lang, m = Default, c[Default]
	}
	return &Localizer{Lang: lang, msgs: m, loc: Paris}
}

// T translates key, formatting args with fmt verbs in the message. An
// unknown key is returned as is, so it shows up in review and in the test
// that every key used exists.
//
// A message of a count has two forms, key.one and key.other, and takes the
// count as its first argument: "1 place", "2 places" (in French, 0 takes
// the singular too).
func (l *Localizer) T(key string, args ...any) string {
	msg, ok := l.msgs[key]
	if !ok {
		if msg, ok = l.plural(key, args); !ok {
			return key
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// plural returns the form of key's message for the count args begin with.
func (l *Localizer) plural(key string, args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	var n int64
	switch v := args[0].(type) {
	case int:
		n = int64(v)
	case int64:
		n = v
	default:
		return "", false
	}
	form := ".other"
	if n == 1 || n == 0 && l.Lang == "fr" {
		form = ".one"
	}
	msg, ok := l.msgs[key+form]
	return msg, ok
}

// Match picks a supported language from an Accept-Language header.
func Match(header string) string {
	type choice struct {
		lang string
		q    float64
	}
	var best choice
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if Supported(base) && q > best.q {
			best = choice{base, q}
		}
	}
	if best.lang == "" {
		return Default
	}
	return best.lang
}

// Supported tells whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

var (
	frDays   = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// Date writes the day of t in Paris: "mardi 3 mars 2026", "1er" for the
// first; "Tuesday 3 March 2026" in English.
func (l *Localizer) Date(t time.Time) string {
	t = t.In(l.loc)
	if l.Lang != "fr" {
		return t.Format("Monday 2 January 2006")
	}
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return frDays[t.Weekday()] + " " + day + " " + frMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// DateTime writes the day and time of t in Paris: "mardi 3 mars 2026 à 14:30".
func (l *Localizer) DateTime(t time.Time) string {
	if l.Lang != "fr" {
		return l.Date(t) + " at " + t.In(l.loc).Format("15:04")
	}
	return l.Date(t) + " à " + t.In(l.loc).Format("15:04")
}

// Number writes n with the French thousands separator (a narrow no-break
// space) in French.
func (l *Localizer) Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "\u202f"
	if l.Lang != "fr" {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Money writes an amount in cents: "12,50 €" (with a no-break space) in French.
func (l *Localizer) Money(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	s := l.Number(cents / 100)
	frac := fmt.Sprintf("%02d", cents%100)
	out := s + "," + frac + "\u00a0€"
	if l.Lang != "fr" {
		out = "€" + s + "." + frac
	}
	if neg {
		return "-" + out
	}
	return out
}

// Has tells whether the catalog has key.
func (l *Localizer) Has(key string) bool { _, ok := l.msgs[key]; return ok }

// Weekday names the day of t in Paris: "mardi", "Tuesday".
func (l *Localizer) Weekday(t time.Time) string {
	t = t.In(l.loc)
	if l.Lang != "fr" {
		return t.Weekday().String()
	}
	return frDays[t.Weekday()]
}

// Decimal writes a number with at most two decimals, the French comma in
// French: "12,5".
func (l *Localizer) Decimal(f float64) string {
	s := strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
	if l.Lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
