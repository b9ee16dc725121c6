package i18n

import (
	"strings"
	"testing"
	"time"
)

func TestLoad_CatalogsAgree(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c["fr"]) < 50 {
		t.Errorf("French catalog has %d messages, expected the whole interface", len(c["fr"]))
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"", "fr"},
		{"en-GB,en;q=0.9", "en"},
		{"de-DE,en;q=0.5,fr;q=0.8", "fr"},
		{"de", "fr"},
		{"EN", "en"},
	} {
		if got := Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestFormats_French(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	fr := c.For("fr")
	at := time.Date(2026, 3, 1, 13, 30, 0, 0, time.UTC)
	if got, want := fr.Date(at), "dimanche 1er mars 2026"; got != want {
		t.Errorf("Date = %q, want %q", got, want)
	}
	if got, want := fr.DateTime(at), "dimanche 1er mars 2026 à 14:30"; got != want {
		t.Errorf("DateTime = %q, want %q", got, want)
	}
	if got, want := fr.Money(123450), "1\u202f234,50\u00a0€"; got != want {
		t.Errorf("Money = %q, want %q", got, want)
	}
	if got, want := c.For("en").Money(-1250), "-€12.50"; got != want {
		t.Errorf("Money en = %q, want %q", got, want)
	}
	if got := c.For("xx").Lang; got != "fr" {
		t.Errorf("unknown language falls back to %q, want fr", got)
	}
}

func TestT_CountsTakeTheirForm(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	fr, en := c.For("fr"), c.For("en")
	for _, tc := range []struct {
		l    *Localizer
		n    int
		want string
	}{
		{fr, 0, "0 place"}, {fr, 1, "1 place"}, {fr, 2, "2 places"},
		{en, 0, "0 seats"}, {en, 1, "1 seat"}, {en, 12, "12 seats"},
	} {
		if got := tc.l.T("host.seats", tc.n); got != tc.want {
			t.Errorf("%s, %d: %q, want %q", tc.l.Lang, tc.n, got, tc.want)
		}
	}
	// The count need not come first in the sentence.
	if got, want := fr.T("host.slot_free", int64(3), "9 h – 10 h"), "9 h – 10 h — 3 places libres"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	// A message without forms, or a count missing, is left as before.
	if got := fr.T("host.seats"); got != "host.seats" {
		t.Errorf("without its count: %q, want the key", got)
	}
}

// French puts a no-break space before « : ; ? ! » and after « «
// (UI.md), so that a line never starts with one of them.
func TestFrench_NoBreakSpacesAroundHighPunctuation(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for key, msg := range c["fr"] {
		for _, bad := range []string{" :", " ;", " ?", " !", " »", "« "} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: %q has a breaking space in %q", key, msg, bad)
			}
		}
	}
}
