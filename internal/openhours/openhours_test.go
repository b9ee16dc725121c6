package openhours

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func at(y, m, d, h, mi int) time.Time {
	return time.Date(y, time.Month(m), d, h, mi, 0, 0, paris)
}

func utcAt(y, m, d, h, mi int) time.Time {
	return time.Date(y, time.Month(m), d, h, mi, 0, 0, time.UTC)
}

func mustParse(t *testing.T, v string) *Hours {
	t.Helper()
	h, err := Parse(v)
	if err != nil {
		t.Fatalf("Parse(%q): %v", v, err)
	}
	return h
}

func TestParse_SyntaxErrorsSayWhereAndWhy(t *testing.T) {
	tests := []struct {
		value    string
		pos, col int
		key      string
		args     []any
	}{
		{"Mo-Fx 08:00-12:00", 3, 4, KeyUnknownWord, []any{"Fx"}},
		{"Mo-Fr 08:00-", 12, 13, KeyTimeIncomplete, nil},
		{"Mo-Fr 08:00-12", 12, 13, KeyTimeIncomplete, nil},
		{"Mo-Fr 08:00", 11, 12, KeyTimeRangeExpected, nil},
		{"Mo-Fr 08:00-49:00", 12, 13, KeyTwoMidnights, nil},
		{"24:00-26:00", 0, 1, KeyStartAfterDay, nil},
		{"Mo 09:60-10:00", 6, 7, KeyMinutes, []any{60}},
		{"Mo 9-9", 3, 4, KeyEmptyRange, nil}, // the reference accepts it, never open
		{"Apr 31 off", 4, 5, KeyDayOfMonth, []any{31, "Apr"}},
		{"Feb 30 off", 4, 5, KeyDayOfMonth, []any{30, "Feb"}},
		{"Dec 26-24 off", 7, 8, KeyDayRangeReversed, nil},
		{"2026 Dec 24-Jan 02 off", 11, 12, KeyDateRangeYears, nil},
		{"week 54 off", 5, 6, KeyWeekRange, nil},
		{"week 10-5 off", 8, 9, KeyWeekRange, nil},
		{"week 1-53/1 off", 10, 11, KeyWeekPeriod, nil},
		{"2027-2026 off", 0, 1, KeyYearRange, nil},
		{"2026/0 off", 5, 6, KeyPeriodZero, nil},
		{"Su[0] off", 3, 4, KeyNthRange, nil},
		{"Su[6] off", 3, 4, KeyNthRange, nil},
		{"Su[1 off", 5, 6, KeyBracketExpected, nil},
		{"Mar Th[2-3] 10:00-12:00", 7, 8, KeyNthOne, nil},
		{"Mo, 10:00-12:00", 2, 3, KeyAdditionalRule, nil},
		{"|| Mo 10:00-12:00", 0, 1, KeyFallbackEmpty, nil},
		{"", 0, 1, KeyEmpty, nil},
		{" ; ;", 0, 1, KeyEmpty, nil},
		{"Mo 10:00-12:00 | Tu", 15, 16, KeyUnexpectedChar, []any{"|"}},
		{"Mo-Fr 08:00-12:00 14", 18, 19, KeyUnexpected, []any{"14"}},
		{"week", 4, 5, KeyUnexpectedEnd, nil},
		{`Mo "sur rendez-vous`, 3, 4, KeyUnclosedComment, nil},
		{"SH off", 0, 1, KeyUnsupported, []any{"SH"}},
		{"Mo-Fr sunrise-18:00", 6, 7, KeyUnsupported, []any{"sunrise"}},
		{"Mo 18:00+", 8, 9, KeyUnsupported, []any{"+"}},
		{"easter off", 0, 1, KeyUnsupported, []any{"easter"}},
		{"PH +1 day off", 3, 4, KeyUnsupported, []any{"+1 day"}},
		{"Mo 12:00-14:00/01:00", 14, 15, KeyUnsupported, []any{"/"}},
		// Columns count characters, positions bytes.
		{"« ouvert » lundi", 13, 12, KeyUnknownWord, []any{"lundi"}},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			h, err := Parse(tt.value)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %v, %v; want a *SyntaxError", tt.value, h, err)
			}
			if se.Pos != tt.pos || se.Col != tt.col || se.Key != tt.key {
				t.Errorf("got pos %d col %d key %s, want pos %d col %d key %s (%s)", se.Pos, se.Col, se.Key, tt.pos, tt.col, tt.key, se.Msg)
			}
			if fmt.Sprint(se.Args) != fmt.Sprint(tt.args) {
				t.Errorf("got args %v, want %v", se.Args, tt.args)
			}
			if want := fmt.Sprintf("opening_hours: column %d: %s", se.Col, se.Msg); se.Error() != want {
				t.Errorf("got %q, want %q", se.Error(), want)
			}
		})
	}
}

// Values that look wrong but are valid, as in the specification and the
// reference: hours run up to 48:00, and an end before the start runs past
// midnight.
func TestParse_ExtendedHoursAreValid(t *testing.T) {
	tests := []struct {
		value      string
		at         time.Time
		open       bool
		nextChange time.Time
	}{
		// Friday 4 December 2026.
		{"Mo-Fr 08:00-25:00", at(2026, 12, 5, 0, 30), true, at(2026, 12, 5, 1, 0)},
		{"Mo-Fr 12:00-08:00", at(2026, 12, 5, 7, 0), true, at(2026, 12, 5, 8, 0)},
		{"Mo-Fr 12:00-08:00", at(2026, 12, 4, 11, 0), false, at(2026, 12, 4, 12, 0)},
		{"Su 00:00-48:00", at(2026, 12, 7, 23, 0), true, at(2026, 12, 8, 0, 0)},
		{"Mo 10:00-10:00", at(2026, 12, 8, 9, 0), true, at(2026, 12, 8, 10, 0)},
	}
	for _, tt := range tests {
		h := mustParse(t, tt.value)
		if got := h.IsOpen(tt.at); got != tt.open {
			t.Errorf("%q at %v: open %v, want %v", tt.value, tt.at, got, tt.open)
		}
		if got, ok := h.NextChange(tt.at); !ok || !got.Equal(tt.nextChange) {
			t.Errorf("%q after %v: next change %v %v, want %v", tt.value, tt.at, got, ok, tt.nextChange)
		}
	}
}

func TestString_Normalises(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mo-fr 8:00-12:00", "Mo-Fr 08:00-12:00"},
		{"  MO - FR   08:00 - 12:00 ;  ", "Mo-Fr 08:00-12:00"},
		{"Mo-Fr 08.30-12.00", "Mo-Fr 08:30-12:00"},
		{"Mo-Fr 8-12,14-18", "Mo-Fr 08:00-12:00,14:00-18:00"},
		{"Mo–Fr 08:00–12:00", "Mo-Fr 08:00-12:00"},
		{"Mo 08:00-12:00 & 14:00-16:00", "Mo 08:00-12:00,14:00-16:00"},
		{"Tu 14:00-17:00 «sur rendez-vous»", `Tu 14:00-17:00 "sur rendez-vous"`},
		{"Mo-Fr 08:00-12:00;;Sa 09:00-12:00;", "Mo-Fr 08:00-12:00; Sa 09:00-12:00"},
		{"Mo-Fr 08:00-12:00 ,We 14:00-18:00", "Mo-Fr 08:00-12:00, We 14:00-18:00"},
		{`Mo-Fr 10:00-12:00||"sur rendez-vous"`, `Mo-Fr 10:00-12:00 || "sur rendez-vous"`},
		{"dec 25 OFF", "Dec 25 off"},
		{"2026 Dec 24-2027 Jan 2 closed", "2026 Dec 24-2027 Jan 02 closed"},
		{"jan 1,3 off", "Jan 01,03 off"},
		{"week 1-53/2 Mo 08:00-10:00", "week 01-53/2 Mo 08:00-10:00"},
		{"Dec 24-26: 10:00-12:00", "Dec 24-26: 10:00-12:00"},
		{"Mo-Fr: 10:00-12:00", "Mo-Fr 10:00-12:00"},
		{"Su[1],Sa[-1] 10:00-12:00", "Su[1],Sa[-1] 10:00-12:00"},
	}
	for _, tt := range tests {
		h := mustParse(t, tt.in)
		if got := h.String(); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
		if again := mustParse(t, h.String()).String(); again != h.String() {
			t.Errorf("%q: normalising again gives %q", h.String(), again)
		}
	}
}

func TestPublicHolidays_2026And2027(t *testing.T) {
	want := map[int]string{
		2026: "01-01 Nouvel An, 04-06 Lundi de Pâques, 05-01 Fête du travail, 05-08 Fête de la Victoire 1945, " +
			"05-14 Ascension, 05-25 Lundi de Pentecôte, 07-14 Fête Nationale de la France, 08-15 Assomption, " +
			"11-01 Toussaint, 11-11 Armistice 1918, 12-25 Noël",
		2027: "01-01 Nouvel An, 03-29 Lundi de Pâques, 05-01 Fête du travail, 05-06 Ascension, " +
			"05-08 Fête de la Victoire 1945, 05-17 Lundi de Pentecôte, 07-14 Fête Nationale de la France, " +
			"08-15 Assomption, 11-01 Toussaint, 11-11 Armistice 1918, 12-25 Noël",
	}
	for year, w := range want {
		var got []string
		for _, h := range PublicHolidays(year) {
			if h.Date.Year() != year || h.Date.Hour() != 0 || h.Date.Location() != paris {
				t.Errorf("%s: date %v is not midnight in Paris in %d", h.Name, h.Date, year)
			}
			got = append(got, h.Date.Format("01-02")+" "+h.Name)
		}
		if g := strings.Join(got, ", "); g != w {
			t.Errorf("%d:\n got %s\nwant %s", year, g, w)
		}
	}
}

func TestSaysHolidays(t *testing.T) {
	for value, want := range map[string]bool{
		"Mo-Fr 08:30-18:00":                        false,
		"24/7":                                     false,
		"Mo-Fr 08:30-18:00; PH off":                true,
		"Mo-Fr 09:00-12:00; PH 10:00-12:00":        true,
		"PH,Sa 10:00-12:00":                        true,
		"Mo-Fr 09:00-17:00 \"PH sur rendez-vous\"": false, // a comment is not a selector
	} {
		h, err := Parse(value)
		if err != nil {
			t.Fatalf("%q: %v", value, err)
		}
		if got := h.SaysHolidays(); got != want {
			t.Errorf("%q: SaysHolidays() = %v, want %v", value, got, want)
		}
	}
}

func TestEaster_KnownDates(t *testing.T) {
	for _, d := range []string{"2000-04-23", "2008-03-23", "2011-04-24", "2019-04-21", "2024-03-31",
		"2025-04-20", "2026-04-05", "2027-03-28", "2038-04-25", "2285-03-22"} {
		tm, _ := time.Parse(time.DateOnly, d)
		if got := dayOf(easter(tm.Year())); got.m != int(tm.Month()) || got.d != tm.Day() {
			t.Errorf("Easter %d: got %d-%02d-%02d, want %s", tm.Year(), got.y, got.m, got.d, d)
		}
	}
}

func TestState_RulesOverrideAddAndFallBack(t *testing.T) {
	type check struct {
		at      time.Time
		open    bool
		unknown bool
		comment string
	}
	// Week of Monday 6 April 2026 (Easter Monday) and the ordinary week after.
	tests := []struct {
		value  string
		checks []check
	}{
		{"Mo-Fr 10:00-16:00; We 12:00-18:00", []check{
			{at(2026, 4, 15, 11, 0), false, false, ""}, // Wednesday: the later rule replaces the day
			{at(2026, 4, 15, 17, 0), true, false, ""},
			{at(2026, 4, 14, 11, 0), true, false, ""},
		}},
		{"Mo-Fr 10:00-20:00; 12:00-14:00 off", []check{
			{at(2026, 4, 14, 13, 0), false, false, ""}, // closing rules cut, they do not replace
			{at(2026, 4, 14, 15, 0), true, false, ""},
		}},
		{"Mo-Fr 08:00-12:00, We 14:00-18:00", []check{
			{at(2026, 4, 15, 9, 0), true, false, ""}, // an additional rule adds
			{at(2026, 4, 15, 15, 0), true, false, ""},
		}},
		{"Mo-Fr 08:30-12:00,14:00-18:00; PH off", []check{
			{at(2026, 4, 6, 9, 0), false, false, "Lundi de Pâques"},
			{at(2026, 4, 7, 9, 0), true, false, ""},
			{at(2026, 5, 14, 15, 0), false, false, "Ascension"},
		}},
		{`Mo-Fr 10:00-12:00 || "sur rendez-vous"`, []check{
			{at(2026, 4, 14, 11, 0), true, false, ""},
			{at(2026, 4, 14, 15, 0), false, true, "sur rendez-vous"},
		}},
		{`Tu 14:00-17:00 "atelier"`, []check{
			{at(2026, 4, 14, 15, 0), false, true, "atelier"}, // a comment alone says unknown
		}},
		{"Mo-Fr 09:00-12:00 open \"accueil\"", []check{
			{at(2026, 4, 14, 10, 0), true, false, "accueil"},
		}},
		{"22:00-02:00; Th 12:00-14:00", []check{
			{at(2026, 4, 16, 1, 0), false, false, ""}, // Thursday's rule replaces the night from Wednesday
			{at(2026, 4, 17, 1, 0), true, false, ""},
		}},
		{"Su[1],Sa[-1] 10:00-12:00", []check{
			{at(2026, 4, 5, 11, 0), true, false, ""},
			{at(2026, 4, 25, 11, 0), true, false, ""},
			{at(2026, 4, 18, 11, 0), false, false, ""},
		}},
		{"week 1-53/2 Mo 08:00-10:00", []check{
			{at(2026, 4, 13, 9, 0), false, false, ""}, // week 16
			{at(2026, 4, 20, 9, 0), true, false, ""},  // week 17
		}},
		{"2026 Dec 24-2027 Jan 02 off; Mo-Sa 09:00-18:00", []check{
			{at(2026, 12, 23, 10, 0), true, false, ""},
			{at(2027, 1, 2, 10, 0), true, false, ""}, // the later rule wins over the closing one
		}},
		{"Mo-Sa 09:00-18:00; 2026 Dec 24-2027 Jan 02 off", []check{
			{at(2026, 12, 24, 10, 0), false, false, ""},
			{at(2027, 1, 2, 10, 0), false, false, ""},
			{at(2027, 1, 4, 10, 0), true, false, ""},
		}},
		{"Dec 24-Jan 02 off; Jul-Aug Mo-Fr 09:00-12:00", []check{
			{at(2026, 7, 15, 10, 0), true, false, ""},
			{at(2026, 6, 15, 10, 0), false, false, ""},
		}},
	}
	for _, tt := range tests {
		h := mustParse(t, tt.value)
		for _, c := range tt.checks {
			open, unknown, comment := h.State(c.at)
			if open != c.open || unknown != c.unknown || comment != c.comment {
				t.Errorf("%q at %s: got %v %v %q, want %v %v %q", tt.value, c.at.Format(time.RFC3339),
					open, unknown, comment, c.open, c.unknown, c.comment)
			}
		}
	}
}

func TestNextChange(t *testing.T) {
	tests := []struct {
		value string
		after time.Time
		want  time.Time // zero: never
	}{
		{"Mo-Fr 08:45-12:00", at(2026, 12, 4, 8, 0), at(2026, 12, 4, 8, 45)},
		{"Mo-Fr 08:45-12:00", at(2026, 12, 4, 8, 45), at(2026, 12, 4, 12, 0)},
		{"Mo-Fr 08:45-12:00", at(2026, 12, 4, 12, 0), at(2026, 12, 7, 8, 45)},
		{"Mo-Fr 08:45-12:00", at(2026, 12, 4, 11, 59).Add(30 * time.Second), at(2026, 12, 4, 12, 0)},
		{"Mo-Fr 08:30-12:00; PH off", at(2026, 12, 24, 13, 0), at(2026, 12, 28, 8, 30)},
		{"Sa 22:00-02:00", at(2026, 12, 5, 23, 0), at(2026, 12, 6, 2, 0)},
		{"24/7", at(2026, 12, 5, 23, 0), time.Time{}},
		{"off", at(2026, 12, 5, 23, 0), time.Time{}},
		{"24/7; PH off", at(2026, 12, 20, 10, 0), at(2026, 12, 25, 0, 0)},
		{"2027 Dec 24 10:00-12:00", at(2026, 6, 1, 10, 0), time.Time{}}, // more than 366 days ahead
		{"2027 Dec 24 10:00-12:00", at(2027, 1, 1, 10, 0), at(2027, 12, 24, 10, 0)},
		{"2026 open", at(2026, 6, 1, 10, 0), at(2027, 1, 1, 0, 0)},
		{"Feb 29 10:00-12:00", at(2027, 3, 1, 10, 0), at(2028, 2, 29, 10, 0)},
		{"Mo-Fr 10:00-12:00 \"x\"; Mo-Fr 10:00-12:00 unknown \"y\"", at(2026, 12, 4, 9, 0), at(2026, 12, 4, 10, 0)},
	}
	for _, tt := range tests {
		h := mustParse(t, tt.value)
		got, ok := h.NextChange(tt.after)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("%q after %s: got %v %v, want %v", tt.value, tt.after.Format(time.RFC3339), got, ok, tt.want)
		}
	}
}

// The clocks go forward on 29 March 2026 at 02:00 (to 03:00) and back on
// 25 October 2026 at 03:00 (to 02:00).
func TestDST_WallClockTimes(t *testing.T) {
	tests := []struct {
		value string
		after time.Time
		open  bool
		next  time.Time
	}{
		// An opening at 02:30, a time that does not exist that day, happens
		// at the change, 03:00.
		{"Su 02:30-05:00", utcAt(2026, 3, 29, 0, 30), false, utcAt(2026, 3, 29, 1, 0)},
		{"Su 02:30-05:00", utcAt(2026, 3, 29, 1, 0), true, utcAt(2026, 3, 29, 3, 0)},
		// A night over the short night lasts an hour less.
		{"Sa 22:00-06:00", utcAt(2026, 3, 28, 21, 0), true, utcAt(2026, 3, 29, 4, 0)},
		// The day after, midnight is midnight.
		{"Su 22:00-02:00", utcAt(2026, 3, 29, 22, 30), true, utcAt(2026, 3, 30, 0, 0)},
		{"Mo-Fr 08:00-18:00", utcAt(2026, 3, 30, 5, 0), false, utcAt(2026, 3, 30, 6, 0)},
		// A night over the long night lasts an hour more.
		{"Sa 22:00-06:00", utcAt(2026, 10, 24, 21, 0), true, utcAt(2026, 10, 25, 5, 0)},
		// The repeated hour is read twice: 02:15 happens at 00:15 and 01:15 UTC.
		{"Su 01:30-02:30", utcAt(2026, 10, 24, 23, 45), true, utcAt(2026, 10, 25, 0, 30)},
		{"Su 01:30-02:30", utcAt(2026, 10, 25, 0, 30), false, utcAt(2026, 10, 25, 1, 0)},
		{"Su 01:30-02:30", utcAt(2026, 10, 25, 1, 15), true, utcAt(2026, 10, 25, 1, 30)},
		{"Su 00:00-24:00", utcAt(2026, 10, 24, 23, 0), true, utcAt(2026, 10, 25, 23, 0)},
	}
	for _, tt := range tests {
		h := mustParse(t, tt.value)
		if got := h.IsOpen(tt.after); got != tt.open {
			t.Errorf("%q at %s: open %v, want %v", tt.value, tt.after.In(paris).Format(time.RFC3339), got, tt.open)
		}
		if got, ok := h.NextChange(tt.after); !ok || !got.Equal(tt.next) {
			t.Errorf("%q after %s: next %s %v, want %s", tt.value, tt.after.In(paris).Format(time.RFC3339),
				got.In(paris).Format(time.RFC3339), ok, tt.next.In(paris).Format(time.RFC3339))
		}
	}
}

func TestWeek_GivesEachDaysIntervals(t *testing.T) {
	h := mustParse(t, `Mo-Fr 08:30-12:00,14:00-18:00; PH off; Sa 22:00-02:00; Su "sur rendez-vous"`)
	// The week of Christmas 2026, Friday 25 a public holiday; asked with
	// any time on Monday.
	week := h.Week(at(2026, 12, 21, 15, 0))
	var got []string
	for d, list := range week {
		var s []string
		for _, iv := range list {
			s = append(s, fmt.Sprintf("%s–%s", iv.Start.Format("Mon 15:04"), iv.End.Format("Mon 15:04")))
			if iv.Unknown {
				s[len(s)-1] += fmt.Sprintf(" maybe %q", iv.Comment)
			}
		}
		got = append(got, fmt.Sprintf("%d: %s", d, strings.Join(s, ", ")))
	}
	want := []string{
		"0: Mon 08:30–Mon 12:00, Mon 14:00–Mon 18:00",
		"1: Tue 08:30–Tue 12:00, Tue 14:00–Tue 18:00",
		"2: Wed 08:30–Wed 12:00, Wed 14:00–Wed 18:00",
		"3: Thu 08:30–Thu 12:00, Thu 14:00–Thu 18:00",
		"4: ",
		"5: Sat 22:00–Sun 00:00",
		`6: Sun 00:00–Mon 00:00 maybe "sur rendez-vous"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The Sunday the clocks go back lasts 25 hours.
	day := mustParse(t, "24/7").Week(at(2026, 10, 19, 0, 0))[6]
	if len(day) != 1 || day[0].End.Sub(day[0].Start) != 25*time.Hour {
		t.Errorf("25 October 2026: got %v, want one interval of 25 hours", day)
	}
}

func TestDay_IsTheDayOfItsWeek(t *testing.T) {
	values := []string{
		"Mo-Fr 08:30-12:30,13:30-18:00; PH off",
		"Mo-Fr 22:00-02:00", // across midnight
		"Mo-Su 08:00-20:00; Tu 14:00-16:00 unknown \"sur rendez-vous\"",
		"Mo-Fr,PH 08:30-18:30",
		"24/7",
	}
	// Weeks of DST changes and of public holidays.
	mondays := []time.Time{time.Date(2026, 3, 23, 0, 0, 0, 0, paris), time.Date(2026, 10, 19, 0, 0, 0, 0, paris),
		time.Date(2026, 4, 6, 0, 0, 0, 0, paris), time.Date(2026, 12, 21, 0, 0, 0, 0, paris)}
	for _, v := range values {
		h, err := Parse(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, monday := range mondays {
			week := h.Week(monday)
			for i := range week {
				day := monday.AddDate(0, 0, i).Add(13 * time.Hour) // any time of the day
				if got := h.Day(day); !reflect.DeepEqual(got, week[i]) {
					t.Errorf("%q, %s: Day = %v, Week = %v", v, day.Format(time.DateOnly), got, week[i])
				}
			}
		}
	}
}

func TestHours_SafeForConcurrentUse(t *testing.T) {
	h := mustParse(t, "Mo-Fr 08:30-12:00,14:00-18:00; PH off; Sa 22:00-02:00")
	done := make(chan bool)
	for g := range 4 {
		go func() {
			for i := range 200 {
				tm := at(2026, 1, 1, 0, 0).Add(time.Duration(g*1000+i) * 97 * time.Minute)
				h.IsOpen(tm)
				h.NextChange(tm)
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range handPicked {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h, err := Parse(v)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(v) {
				t.Fatalf("Parse(%q): %v", v, err)
			}
			return
		}
		again, err := Parse(h.String())
		if err != nil || again.String() != h.String() {
			t.Fatalf("%q normalises to %q, which gives %v, %v", v, h.String(), again, err)
		}
		for _, tm := range []time.Time{at(2026, 3, 29, 1, 30), at(2026, 4, 6, 12, 0), at(2026, 12, 31, 23, 30)} {
			o1, u1, c1 := h.State(tm)
			o2, u2, c2 := again.State(tm)
			n1, ok1 := h.NextChange(tm)
			n2, ok2 := again.NextChange(tm)
			if o1 != o2 || u1 != u2 || c1 != c2 || ok1 != ok2 || !n1.Equal(n2) {
				t.Fatalf("%q and its normal form %q differ at %v", v, h.String(), tm)
			}
		}
	})
}
