// Package ical writes iCalendar (RFC 5545) text for bookings of shared
// workplaces: the .ics joined to booking emails (METHOD REQUEST, or CANCEL
// when a booking is cancelled) and the feeds that calendar applications
// subscribe to (METHOD PUBLISH), a member's private feed of their bookings
// and a place's occupancy feed for its staff.
//
// Times are written as Paris wall-clock times with TZID=Europe/Paris and a
// VTIMEZONE that describes the EU summer-time rules, which is what Google
// Calendar, Outlook, Apple Calendar and Thunderbird expect. The output depends
// only on the Calendar value, so a feed's bytes change only when its bookings
// do.
package ical

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Paris must not depend on the host's zoneinfo.
	"unicode"
	"unicode/utf8"
)

// ContentType is the media type of an iCalendar feed. An email attachment
// also names its method: "text/calendar; method=REQUEST; charset=utf-8".
const ContentType = "text/calendar; charset=utf-8"

// Method is the iTIP method (RFC 5546) of a calendar.
type Method string

// The methods Coop-connect uses: feeds publish, booking emails request or
// cancel.
const (
	Publish Method = "PUBLISH"
	Request Method = "REQUEST"
	Cancel  Method = "CANCEL"
)

// Status is the status of an event. An event sent with Cancel should say
// Cancelled, which is how calendars know to remove it.
type Status string

// The event statuses of RFC 5545.
const (
	Confirmed Status = "CONFIRMED"
	Tentative Status = "TENTATIVE"
	Cancelled Status = "CANCELLED"
)

// Event is one booking as calendars see it. Empty optional fields are left
// out. Text fields may hold newlines and tabs but no other control character.
type Event struct {
	UID           string    // stable, e.g. "<booking public id>@coopconnect"
	Sequence      int       // bumps when the booking changes (moved, cancelled)
	Start, End    time.Time // instants; End must be after Start
	Summary       string
	Location      string
	Description   string
	URL           string
	Status        Status    // optional
	Organizer     string    // optional email; "mailto:" is added
	OrganizerName string    // optional display name (CN)
	Attendee      string    // optional email; "mailto:" is added
	AttendeeName  string    // optional display name (CN)
	Stamp         time.Time // DTSTAMP: when this version of the event was made; required
}

// Calendar is a VCALENDAR object: a method, an optional name shown by
// calendar applications for a feed, and events.
type Calendar struct {
	Method Method
	Name   string // X-WR-CALNAME, optional
	Events []Event
}

const tzid = "Europe/Paris"

var paris = sync.OnceValues(func() (*time.Location, error) { return time.LoadLocation(tzid) })

// vtimezone is Europe/Paris under the EU rules in force since 1996, as the
// calendar applications' own exports write it. Only the rules matter for
// bookings, which are all recent, so the history before is left out.
const vtimezone = "BEGIN:VTIMEZONE\r\n" +
	"TZID:Europe/Paris\r\n" +
	"BEGIN:DAYLIGHT\r\n" +
	"TZOFFSETFROM:+0100\r\n" +
	"TZOFFSETTO:+0200\r\n" +
	"TZNAME:CEST\r\n" +
	"DTSTART:19700329T020000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
	"END:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\n" +
	"TZOFFSETFROM:+0200\r\n" +
	"TZOFFSETTO:+0100\r\n" +
	"TZNAME:CET\r\n" +
	"DTSTART:19701025T030000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" +
	"END:STANDARD\r\n" +
	"END:VTIMEZONE\r\n"

// Encode writes c as iCalendar text. It writes nothing and returns an error
// if c or one of its events is invalid.
func (c Calendar) Encode(w io.Writer) error {
	loc, err := paris()
	if err != nil {
		return fmt.Errorf("ical: %w", err)
	}
	if err := c.check(); err != nil {
		return err
	}
	var b bytes.Buffer
	line := func(name, value string) { writeLine(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("PRODID", "-//Coop-connect//FR")
	line("VERSION", "2.0")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", string(c.Method))
	if c.Name != "" {
		line("X-WR-CALNAME", escape(c.Name))
	}
	line("X-WR-TIMEZONE", tzid)
	b.WriteString(vtimezone)
	for _, e := range c.Events {
		line("BEGIN", "VEVENT")
		line("UID", escape(e.UID))
		line("DTSTAMP", e.Stamp.UTC().Format("20060102T150405Z"))
		line("SEQUENCE", strconv.Itoa(e.Sequence))
		writeLine(&b, "DTSTART"+dateTime(e.Start.In(loc)))
		writeLine(&b, "DTEND"+dateTime(e.End.In(loc)))
		for _, p := range [...]struct{ name, value string }{
			{"SUMMARY", escape(e.Summary)},
			{"LOCATION", escape(e.Location)},
			{"DESCRIPTION", escape(e.Description)},
			{"URL", e.URL},
			{"STATUS", string(e.Status)},
		} {
			if p.value != "" {
				line(p.name, p.value)
			}
		}
		if e.Organizer != "" {
			writeLine(&b, "ORGANIZER"+cn(e.OrganizerName)+":mailto:"+e.Organizer)
		}
		if e.Attendee != "" {
			writeLine(&b, "ATTENDEE"+cn(e.AttendeeName)+":mailto:"+e.Attendee)
		}
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	_, err = w.Write(b.Bytes())
	return err
}

// Bytes returns c encoded, or nil if Encode would return an error: use it
// for calendars whose events were built from already validated bookings.
func (c Calendar) Bytes() []byte {
	var b bytes.Buffer
	if c.Encode(&b) != nil {
		return nil
	}
	return b.Bytes()
}

func (c Calendar) check() error {
	switch c.Method {
	case Publish, Request, Cancel:
	default:
		return fmt.Errorf("ical: unknown method %q", c.Method)
	}
	if err := checkText("calendar name", c.Name); err != nil {
		return err
	}
	for i, e := range c.Events {
		if err := e.check(); err != nil {
			return fmt.Errorf("ical: event %d (UID %q): %w", i, e.UID, err)
		}
	}
	return nil
}

func (e Event) check() error {
	switch {
	case e.UID == "":
		return errors.New("empty UID")
	case !e.End.Truncate(time.Second).After(e.Start.Truncate(time.Second)):
		return errors.New("end is not after start")
	case e.Stamp.IsZero():
		return errors.New("no DTSTAMP")
	case e.Sequence < 0:
		return errors.New("negative sequence")
	}
	switch e.Status {
	case "", Confirmed, Tentative, Cancelled:
	default:
		return fmt.Errorf("unknown status %q", e.Status)
	}
	for _, f := range [...]struct{ name, value string }{
		{"UID", e.UID}, {"summary", e.Summary}, {"location", e.Location},
		{"description", e.Description}, {"organizer name", e.OrganizerName},
		{"attendee name", e.AttendeeName},
	} {
		if err := checkText(f.name, f.value); err != nil {
			return err
		}
	}
	// URIs are written as they are, so nothing in them may end or split
	// the line.
	for _, f := range [...]struct{ name, value string }{
		{"URL", e.URL}, {"organizer", e.Organizer}, {"attendee", e.Attendee},
	} {
		if !utf8.ValidString(f.value) || strings.ContainsFunc(f.value, func(r rune) bool { return r <= ' ' || unicode.IsControl(r) }) {
			return fmt.Errorf("%s has a space or a control character", f.name) // no address in logs
		}
	}
	return nil
}

// checkText accepts newlines (LF, or CRLF as browsers send textareas) and
// tabs, and no other control character: a TEXT value cannot carry them.
func checkText(name, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", name)
	}
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return fmt.Errorf("%s has control character %U", name, r)
		}
	}
	return nil
}

var textEscaper = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\r\n", `\n`, "\n", `\n`)

// escape returns s as a TEXT value (RFC 5545, 3.3.11).
func escape(s string) string { return textEscaper.Replace(s) }

var cnCleaner = strings.NewReplacer(`"`, `'`, "\r\n", " ", "\n", " ", "\t", " ")

// cn returns the CN parameter for a display name, or "" for none. A
// parameter value cannot hold a double quote or a line break, so they
// become a single quote and spaces.
func cn(name string) string {
	if name == "" {
		return ""
	}
	return `;CN="` + cnCleaner.Replace(name) + `"`
}

// dateTime returns the parameters and value of a DTSTART or DTEND for t, a
// time in Paris. A wall-clock time that Paris shows twice, in the hour
// repeated when summer time ends, is written in UTC instead: RFC 5545 reads
// it as the first of the two, but not every reader does (Go's time package
// takes the second).
func dateTime(t time.Time) string {
	if repeated(t) {
		return ":" + t.UTC().Format("20060102T150405Z")
	}
	return ";TZID=" + tzid + ":" + t.Format("20060102T150405")
}

// repeated reports whether another instant has t's wall-clock time in t's
// location: the offset found a few hours away is the one that could give
// that wall-clock time to another instant.
func repeated(t time.Time) bool {
	_, offset := t.Zone()
	for _, near := range [...]time.Time{t.Add(-3 * time.Hour), t.Add(3 * time.Hour)} {
		_, other := near.Zone()
		u := t.Add(time.Duration(offset-other) * time.Second)
		if _, o := u.Zone(); o == other && !u.Equal(t) {
			return true
		}
	}
	return false
}

// writeLine writes a content line with its CRLF, folded so that no line is
// longer than 75 octets, between UTF-8 sequences (RFC 5545, 3.1).
func writeLine(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		i := limit
		for !utf8.RuneStart(s[i]) {
			i--
		}
		b.WriteString(s[:i])
		b.WriteString("\r\n ")
		s = s[i:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
