package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"

	"coopconnect/internal/ical"
)

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// event returns a valid event that each test changes.
func event(t *testing.T) ical.Event {
	t.Helper()
	loc := paris(t)
	return ical.Event{
		UID:   "bk-42@coopconnect",
		Start: time.Date(2026, 6, 15, 9, 0, 0, 0, loc),
		End:   time.Date(2026, 6, 15, 12, 30, 0, 0, loc),
		Stamp: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC),
	}
}

func encode(t *testing.T, c ical.Calendar) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Encode(&b); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b.String()
}

// decode parses text with go-ical, an independent iCalendar parser.
func decode(t *testing.T, text string) *goical.Calendar {
	t.Helper()
	cal, err := goical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the output: %v\n%s", err, text)
	}
	return cal
}

func TestEncode_WritesRFC5545Text(t *testing.T) {
	e := event(t)
	e.Sequence = 2
	e.Summary = "Bureau partagé, poste 3"
	e.Location = "La Fabrique; 2 rue Haute"
	e.Description = "Clé à l'accueil\nWi-Fi: coop\\invité"
	e.URL = "https://coop.example/reservations/bk-42"
	e.Status = ical.Confirmed
	e.Organizer = "lieu@coop.example"
	e.OrganizerName = `La "Fabrique"`
	e.Attendee = "zoe@example.org"
	e.AttendeeName = "Martin, Zoé"
	long := ical.Event{
		UID:         "bk-43@coopconnect",
		Start:       time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC), // 14:00 in Paris
		End:         time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC),
		Stamp:       time.Date(2026, 11, 30, 22, 15, 0, 0, paris(t)), // 21:15Z
		Summary:     "Salle de réunion",
		Description: strings.Repeat("a", 63) + "bcd",
		Status:      ical.Cancelled,
	}
	c := ical.Calendar{Method: ical.Request, Name: "Réservations", Events: []ical.Event{e, long}}

	want := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"PRODID:-//Coop-connect//FR",
		"VERSION:2.0",
		"CALSCALE:GREGORIAN",
		"METHOD:REQUEST",
		"X-WR-CALNAME:Réservations",
		"X-WR-TIMEZONE:Europe/Paris",
		"BEGIN:VTIMEZONE",
		"TZID:Europe/Paris",
		"BEGIN:DAYLIGHT",
		"TZOFFSETFROM:+0100",
		"TZOFFSETTO:+0200",
		"TZNAME:CEST",
		"DTSTART:19700329T020000",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		"END:DAYLIGHT",
		"BEGIN:STANDARD",
		"TZOFFSETFROM:+0200",
		"TZOFFSETTO:+0100",
		"TZNAME:CET",
		"DTSTART:19701025T030000",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
		"END:STANDARD",
		"END:VTIMEZONE",
		"BEGIN:VEVENT",
		"UID:bk-42@coopconnect",
		"DTSTAMP:20260101T080000Z",
		"SEQUENCE:2",
		"DTSTART;TZID=Europe/Paris:20260615T090000",
		"DTEND;TZID=Europe/Paris:20260615T123000",
		`SUMMARY:Bureau partagé\, poste 3`,
		`LOCATION:La Fabrique\; 2 rue Haute`,
		`DESCRIPTION:Clé à l'accueil\nWi-Fi: coop\\invité`,
		"URL:https://coop.example/reservations/bk-42",
		"STATUS:CONFIRMED",
		`ORGANIZER;CN="La 'Fabrique'":mailto:lieu@coop.example`,
		`ATTENDEE;CN="Martin, Zoé":mailto:zoe@example.org`,
		"END:VEVENT",
		"BEGIN:VEVENT",
		"UID:bk-43@coopconnect",
		"DTSTAMP:20261130T211500Z",
		"SEQUENCE:0",
		"DTSTART;TZID=Europe/Paris:20261201T140000",
		"DTEND;TZID=Europe/Paris:20261201T180000",
		"SUMMARY:Salle de réunion",
		// "DESCRIPTION:" is 12 octets: 63 more fill the first line's 75.
		"DESCRIPTION:" + strings.Repeat("a", 63),
		" bcd",
		"STATUS:CANCELLED",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")

	if got := encode(t, c); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := string(c.Bytes()); got != want {
		t.Errorf("Bytes differs from Encode: got:\n%s", got)
	}
}

func TestEncode_FoldsLongLinesBetweenCharacters(t *testing.T) {
	// Accents are 2 octets, "’" and "☕" 3, emoji 4 and more, so that folds
	// fall inside multi-octet characters unless the encoder avoids them.
	phrase := "Réservation à l’atelier « Fabrique » : café ☕ offert 🎉, accès PMR; vélo 🚲\n"
	escaped := `Réservation à l’atelier « Fabrique » : café ☕ offert 🎉\, accès PMR\; vélo 🚲\n`
	e := event(t)
	e.Description = strings.Repeat(phrase, 12) + "À bientôt 👋🏽"
	wantValue := strings.Repeat(escaped, 12) + "À bientôt 👋🏽"
	text := encode(t, ical.Calendar{Method: ical.Publish, Events: []ical.Event{e}})

	if strings.Count(text, "\n") != strings.Count(text, "\r\n") {
		t.Errorf("got a line ending that is not CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	folds := 0
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets, want at most 75: %q", i, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d is not valid UTF-8: %q", i, l)
		}
		// A line that goes on in the next one was cut only as far back as
		// the start of a character (at most 3 octets before the limit).
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], " ") {
			folds++
			if len(l) < 72 {
				t.Errorf("line %d was folded early, at %d octets: %q", i, len(l), l)
			}
		}
	}
	if folds < 10 {
		t.Errorf("got %d folds, want the description folded at least 10 times", folds)
	}

	unfolded := strings.ReplaceAll(text, "\r\n ", "")
	if !strings.Contains(unfolded, "\r\nDESCRIPTION:"+wantValue+"\r\n") {
		t.Errorf("unfolded text has no DESCRIPTION:%s\n%s", wantValue, unfolded)
	}
	got, err := decode(t, text).Events()[0].Props.Text(goical.PropDescription)
	if err != nil || got != e.Description {
		t.Errorf("go-ical read description %q (%v), want %q", got, err, e.Description)
	}
}

func TestEncode_TextRoundTrips(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{`C:\partage\`, `C:\partage\`},
		{`\n is not a newline`, `\n is not a newline`},
		{"a;b,c:d", "a;b,c:d"},
		{"ligne 1\nligne 2\n", "ligne 1\nligne 2\n"},
		{"formulaire\r\nenvoyé", "formulaire\nenvoyé"},
		{"tab\tici", "tab\tici"},
		{`"guillemets" et 'apostrophes'`, `"guillemets" et 'apostrophes'`},
		{"Zoé 👩🏽‍💻, ☕;\\", "Zoé 👩🏽‍💻, ☕;\\"},
	} {
		e := event(t)
		e.Summary, e.Location, e.Description = tc.in, tc.in, tc.in
		e.UID = "x" + tc.in
		cal := decode(t, encode(t, ical.Calendar{Method: ical.Publish, Name: tc.in, Events: []ical.Event{e}}))
		ev := cal.Events()[0]
		for _, p := range []struct {
			props goical.Props
			name  string
			want  string
		}{
			{cal.Props, "X-WR-CALNAME", tc.want},
			{ev.Props, goical.PropUID, "x" + tc.want},
			{ev.Props, goical.PropSummary, tc.want},
			{ev.Props, goical.PropLocation, tc.want},
			{ev.Props, goical.PropDescription, tc.want},
		} {
			if tc.in == "" && p.name != goical.PropUID {
				if p.props.Get(p.name) != nil {
					t.Errorf("%s written for an empty value", p.name)
				}
				continue
			}
			got, err := p.props.Text(p.name)
			if err != nil || got != p.want {
				t.Errorf("%s of %q: read back %q (%v), want %q", p.name, tc.in, got, err, p.want)
			}
		}
	}
}

func TestEncode_WritesNamesAsQuotedParameters(t *testing.T) {
	e := event(t)
	e.Organizer, e.OrganizerName = "lieu@coop.example", `Tiers-lieu "Le Quai"; Nantes, 44:`
	e.Attendee, e.AttendeeName = "zoe@example.org", "Zoé\nMartin"
	ev := decode(t, encode(t, ical.Calendar{Method: ical.Request, Events: []ical.Event{e}})).Events()[0]
	for _, tc := range []struct{ prop, cn, value string }{
		{goical.PropOrganizer, `Tiers-lieu 'Le Quai'; Nantes, 44:`, "mailto:lieu@coop.example"},
		{goical.PropAttendee, "Zoé Martin", "mailto:zoe@example.org"},
	} {
		p := ev.Props.Get(tc.prop)
		if p == nil {
			t.Fatalf("no %s", tc.prop)
		}
		if got := p.Params.Get(goical.ParamCommonName); got != tc.cn {
			t.Errorf("%s CN: got %q, want %q", tc.prop, got, tc.cn)
		}
		if p.Value != tc.value {
			t.Errorf("%s: got %q, want %q", tc.prop, p.Value, tc.value)
		}
	}
}

func TestEncode_KeepsInstantsAcrossDSTChanges(t *testing.T) {
	loc := paris(t)
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	// Summer time in 2026 begins on 29 March at 01:00Z (02:00 → 03:00 in
	// Paris) and ends on 25 October at 01:00Z (03:00 → 02:00).
	for _, tc := range []struct {
		name       string
		start, end time.Time
		utcStart   bool // a wall time that Paris shows twice is written in UTC
		utcEnd     bool
	}{
		{name: "spring: 01:30 CET to 03:30 CEST is one hour",
			start: utc("2026-03-29T00:30:00Z"), end: utc("2026-03-29T01:30:00Z")},
		{name: "spring: the night before to the morning after",
			start: time.Date(2026, 3, 28, 20, 0, 0, 0, loc), end: time.Date(2026, 3, 29, 10, 0, 0, 0, loc)},
		{name: "spring: ends on the change",
			start: utc("2026-03-28T23:00:00Z"), end: utc("2026-03-29T01:00:00Z")},
		{name: "autumn: 01:30 CEST to 03:30 CET is three hours",
			start: utc("2026-10-24T23:30:00Z"), end: utc("2026-10-25T02:30:00Z")},
		{name: "autumn: the evening before to the morning after",
			start: time.Date(2026, 10, 24, 18, 0, 0, 0, loc), end: time.Date(2026, 10, 25, 9, 0, 0, 0, loc)},
		{name: "autumn: 02:30 CEST to 02:30 CET, same wall time, one hour",
			start: utc("2026-10-25T00:30:00Z"), end: utc("2026-10-25T01:30:00Z"), utcStart: true, utcEnd: true},
		{name: "autumn: 02:00 CEST, the first of the repeated hour",
			start: utc("2026-10-25T00:00:00Z"), end: utc("2026-10-25T02:00:00Z"), utcStart: true},
		{name: "autumn: to 02:59:59 CET, the last of the repeated hour",
			start: utc("2026-10-24T22:00:00Z"), end: utc("2026-10-25T01:59:59Z"), utcEnd: true},
		{name: "autumn: 03:00 CET is not repeated",
			start: utc("2026-10-25T02:00:00Z"), end: utc("2026-10-25T03:00:00Z")},
		{name: "autumn: 01:59:59 CEST is not repeated",
			start: utc("2026-10-24T23:59:59Z"), end: utc("2026-10-25T02:00:00Z")},
		{name: "2040, past the explicit changes of the tz database",
			start: utc("2040-10-28T00:30:00Z"), end: utc("2040-10-28T01:30:00Z"), utcStart: true, utcEnd: true},
		{name: "2040 spring",
			start: utc("2040-03-25T00:30:00Z"), end: utc("2040-03-25T01:30:00Z")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := event(t)
			e.Start, e.End = tc.start, tc.end
			ev := decode(t, encode(t, ical.Calendar{Method: ical.Publish, Events: []ical.Event{e}})).Events()[0]
			// go-ical reads TZID=Europe/Paris with time.LoadLocation, and
			// times with no TZID and no Z in the location given here: UTC,
			// so that a time written without TZID would show here.
			start, err := ev.DateTimeStart(time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			end, err := ev.DateTimeEnd(time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if !start.Equal(tc.start) || !end.Equal(tc.end) {
				t.Errorf("read back %s – %s, want %s – %s", start.UTC(), end.UTC(), tc.start.UTC(), tc.end.UTC())
			}
			if got, want := end.Sub(start), tc.end.Sub(tc.start); got != want {
				t.Errorf("read back a duration of %s, want %s", got, want)
			}
			for _, p := range []struct {
				name string
				utc  bool
			}{{goical.PropDateTimeStart, tc.utcStart}, {goical.PropDateTimeEnd, tc.utcEnd}} {
				prop := ev.Props.Get(p.name)
				tzid := prop.Params.Get(goical.ParamTimezoneID)
				if p.utc && (tzid != "" || !strings.HasSuffix(prop.Value, "Z")) {
					t.Errorf("%s;TZID=%s:%s, want a UTC time", p.name, tzid, prop.Value)
				}
				if !p.utc && tzid != "Europe/Paris" {
					t.Errorf("%s;TZID=%s:%s, want TZID=Europe/Paris", p.name, tzid, prop.Value)
				}
			}
		})
	}
}

// TestVTimezone_MatchesEuropeParis expands the RRULEs of the VTIMEZONE the
// way a calendar application does and compares the changes they give with
// the time zone database.
func TestVTimezone_MatchesEuropeParis(t *testing.T) {
	loc := paris(t)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2041, 1, 1, 0, 0, 0, 0, time.UTC)
	var want []time.Time // the changes in the time zone database, on whole hours
	for tm := from; tm.Before(to); tm = tm.Add(time.Hour) {
		_, before := tm.Add(-time.Hour).In(loc).Zone()
		if _, after := tm.In(loc).Zone(); after != before {
			want = append(want, tm)
		}
	}
	if len(want) != 30 {
		t.Fatalf("the time zone database has %d changes in 2026–2040, want 30", len(want))
	}

	cal := decode(t, encode(t, ical.Calendar{Method: ical.Publish}))
	var zones []*goical.Component
	for _, c := range cal.Children {
		if c.Name == goical.CompTimezone {
			zones = append(zones, c)
		}
	}
	if len(zones) != 1 {
		t.Fatalf("got %d VTIMEZONE, want 1", len(zones))
	}
	if got, _ := zones[0].Props.Text(goical.PropTimezoneID); got != "Europe/Paris" {
		t.Errorf("TZID: got %q, want Europe/Paris", got)
	}
	var got []time.Time
	for _, obs := range zones[0].Children {
		offsetFrom := offset(t, obs.Props.Get(goical.PropTimezoneOffsetFrom).Value)
		offsetTo := offset(t, obs.Props.Get(goical.PropTimezoneOffsetTo).Value)
		// An observance's DTSTART is a wall time in the offset it leaves.
		set, err := obs.RecurrenceSet(time.FixedZone("", offsetFrom))
		if err != nil || set == nil {
			t.Fatalf("%s: no recurrence set (%v)", obs.Name, err)
		}
		for _, change := range set.Between(from, to, true) {
			got = append(got, change)
			if _, off := change.Add(-time.Second).In(loc).Zone(); off != offsetFrom {
				t.Errorf("%s %s: Paris is at %+d s before, want TZOFFSETFROM %+d s", obs.Name, change, off, offsetFrom)
			}
			if _, off := change.In(loc).Zone(); off != offsetTo {
				t.Errorf("%s %s: Paris is at %+d s after, want TZOFFSETTO %+d s", obs.Name, change, off, offsetTo)
			}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("the VTIMEZONE gives %d changes in 2026–2040, want %d: %v", len(got), len(want), got)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g.Equal(w)
		}
		if !found {
			t.Errorf("the VTIMEZONE misses the change at %s", w.UTC())
		}
	}
}

// offset parses a UTC-OFFSET value such as "+0200" into seconds east of UTC.
func offset(t *testing.T, s string) int {
	t.Helper()
	tm, err := time.Parse("-0700", s)
	if err != nil {
		t.Fatalf("UTC offset %q: %v", s, err)
	}
	_, off := tm.Zone()
	return off
}

func TestEncode_RejectsInvalidCalendars(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method ical.Method
		change func(*ical.Event)
	}{
		{"empty UID", ical.Publish, func(e *ical.Event) { e.UID = "" }},
		{"end equal to start", ical.Publish, func(e *ical.Event) { e.End = e.Start }},
		{"end before start", ical.Publish, func(e *ical.Event) { e.End = e.Start.Add(-time.Minute) }},
		{"end within the same second", ical.Publish, func(e *ical.Event) { e.End = e.Start.Add(time.Millisecond) }},
		{"no end", ical.Publish, func(e *ical.Event) { e.End = time.Time{} }},
		{"no stamp", ical.Publish, func(e *ical.Event) { e.Stamp = time.Time{} }},
		{"negative sequence", ical.Publish, func(e *ical.Event) { e.Sequence = -1 }},
		{"NUL in the summary", ical.Publish, func(e *ical.Event) { e.Summary = "a\x00b" }},
		{"escape in the location", ical.Publish, func(e *ical.Event) { e.Location = "\x1b[31mrouge" }},
		{"carriage return alone", ical.Publish, func(e *ical.Event) { e.Description = "a\rb" }},
		{"DEL in the UID", ical.Publish, func(e *ical.Event) { e.UID = "a\x7f@coopconnect" }},
		{"C1 control in the attendee name", ical.Request, func(e *ical.Event) { e.AttendeeName = "Zoé\u0085" }},
		{"invalid UTF-8", ical.Publish, func(e *ical.Event) { e.Description = "caf\xe9" }},
		{"newline in the URL", ical.Publish, func(e *ical.Event) { e.URL = "https://coop.example/\nX-EVIL:1" }},
		{"space in the organizer", ical.Request, func(e *ical.Event) { e.Organizer = "lieu @coop.example" }},
		{"newline in the attendee", ical.Request, func(e *ical.Event) { e.Attendee = "zoe@example.org\r\nATTENDEE:x" }},
		{"unknown status", ical.Publish, func(e *ical.Event) { e.Status = "confirmed" }},
		{"unknown method", "publish", func(*ical.Event) {}},
		{"no method", "", func(*ical.Event) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			valid, e := event(t), event(t)
			tc.change(&e)
			c := ical.Calendar{Method: tc.method, Events: []ical.Event{valid, e}}
			var b bytes.Buffer
			if err := c.Encode(&b); err == nil {
				t.Errorf("Encode: got no error, want one")
			}
			if b.Len() != 0 {
				t.Errorf("Encode wrote %d bytes with its error, want none", b.Len())
			}
			if got := c.Bytes(); got != nil {
				t.Errorf("Bytes: got %q, want nil", got)
			}
		})
	}
	t.Run("the valid event alone encodes", func(t *testing.T) {
		encode(t, ical.Calendar{Method: ical.Publish, Events: []ical.Event{event(t)}})
	})
	t.Run("control character in the calendar name", func(t *testing.T) {
		if err := (ical.Calendar{Method: ical.Publish, Name: "a\x07"}).Encode(&bytes.Buffer{}); err == nil {
			t.Errorf("got no error, want one")
		}
	})
}
