package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
	"coopconnect/internal/testkit"
)

// TestJourney_ManagerSetsAWindowAndAClosedDayThenTheConciergeWelcomesAWalkIn:
// on Tuesday 10 March 2026 at 9:15, a manager reserves Tuesday afternoons
// in the room for the e-inclusion workshops and closes Thursday; the
// concierge opens the day, books a walk-in (first with mistakes) and
// checks them in. Every page passes axe.
func TestJourney_ManagerSetsAWindowAndAClosedDayThenTheConciergeWelcomesAWalkIn(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	j := &journey{t: t, s: startServerOn(t, testkit.NewDBLocation(t, db.SQLite), nil, coop.NewFixedClock(time.Date(2026, 3, 10, 9, 15, 0, 0, i18n.Paris))), cat: cat}
	ctx := context.Background()
	coordinator := j.user(accounts.Coordinator, "coord@example.org", "Camille Roux")
	manager := j.user(accounts.Manager, "gestion@example.org", "Malik Benali")
	concierge := j.user(accounts.Concierge, "accueil@example.org", "Sophie Arnaud")
	pl := j.s.Places
	carrier, err := pl.CreateCarrier(ctx, coordinator, places.CarrierInput{Name: "Jean Dupuis", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.AddManager(ctx, coordinator, carrier.ID, manager.Email); err != nil {
		t.Fatal(err)
	}
	place, err := pl.CreatePlace(ctx, coordinator, places.PlaceInput{CarrierID: strconv.FormatInt(carrier.ID, 10), Name: "La Filature", Kind: "tiers_lieu",
		Status: "open", Address: "12 boulevard de la République", Commune: "04088", Audience: "both", OpeningHours: "Mo-Fr 08:30-12:30,13:30-18:00"})
	if err != nil {
		t.Fatal(err)
	}
	desk, err := pl.AddSpace(ctx, coordinator, place.Slug, places.SpaceInput{Name: "Le grand atelier", Kind: "open_space", Capacity: "6", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := pl.AddSpace(ctx, coordinator, place.Slug, places.SpaceInput{Name: "La salle des métiers", Kind: "meeting_room", Capacity: "8", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.AddStaff(ctx, coordinator, place.Slug, concierge.Email); err != nil {
		t.Fatal(err)
	}
	settings := "/gestion/lieux/" + place.Slug + "/reservations"
	// shot keeps a picture of the page when COOPCONNECT_SCREENSHOTS names a folder.
	shot := func(b *testkit.Browser, name string) {
		if dir := os.Getenv("COOPCONNECT_SCREENSHOTS"); dir != "" {
			b.Screenshot(filepath.Join(dir, "hosting-"+name+".png"))
		}
	}

	// The manager: desks by half-days, Tuesday afternoons for the
	// workshops (first with the end before the start), Thursday closed.
	m := testkit.NewBrowser(t)
	j.signIn(m, manager.Email, journeyPassword)
	j.switchLanguage(m, "fr")
	m.Visit(j.url("/gestion/lieux/" + place.Slug))
	m.ClickAndWait(`a[href="` + settings + `"]`)
	j.wantText(m, "h1", j.tr("fr", "bookset.title_named", "La Filature"))
	m.Fill("#f-"+desk.PublicID+"-unit", string(booking.HalfDay))
	m.Submit("#espace-" + desk.PublicID + " form")
	j.wantFlash(m, j.tr("fr", "bookset.rules_saved"))

	m.Fill("#f-window_audience", booking.AudienceEInclusion)
	m.Click("#f-days-2")
	m.Fill("#f-window_start", "17:00")
	m.Fill("#f-window_end", "14:00")
	m.Fill("#f-window_label", "ateliers e-inclusion")
	m.Fill("#f-window_space", room.PublicID)
	m.Submit(`form[action="` + settings + `/fenetres"]`)
	j.wantRefused(m, "fr", []fieldProblem{{"window_end", j.tr("fr", "booking.end_before_start")}},
		map[string]string{"window_label": "ateliers e-inclusion", "window_start": "17:00"})
	m.Fill("#f-window_start", "14:00")
	m.Fill("#f-window_end", "17:00")
	m.Submit(`form[action="` + settings + `/fenetres"]`)
	j.wantFlash(m, j.tr("fr", "bookset.window_added"))
	if got := m.Text("#fenetres .setting-list"); !strings.Contains(got, "ateliers e-inclusion") || !strings.Contains(got, "mardi · 14\u00a0h – 17\u00a0h · La salle des métiers") {
		t.Errorf("the windows list says %q", got)
	}
	m.Fill("#f-day", "2026-03-12")
	m.Fill("#f-reason", "Inventaire")
	m.Submit(`form[action="` + settings + `/fermetures"]`)
	j.wantFlash(m, j.tr("fr", "bookset.blocked_added"))
	if got := m.Text("#fermetures .setting-list"); !strings.Contains(got, "jeudi 12 mars 2026") || !strings.Contains(got, "Inventaire") {
		t.Errorf("the closed days list says %q", got)
	}
	shot(m, "settings")

	// The concierge: today at La Filature, from the navigation.
	c := testkit.NewBrowser(t)
	j.signIn(c, concierge.Email, journeyPassword)
	j.switchLanguage(c, "fr")
	c.ClickAndWait(`nav.main-nav a[href="/accueil"]`)
	j.wantText(c, "h1", j.tr("fr", "host.places_title"))
	c.ClickAndWait(`a[href="/accueil/` + place.Slug + `"]`)
	j.wantText(c, "h1", j.tr("fr", "host.today_heading"))
	if got := c.Text(".window-list"); !strings.Contains(got, "ateliers e-inclusion") {
		t.Errorf("today's windows say %q", got)
	}

	// A walk-in sent empty, then right, in the room's first free slot.
	walkIn := `form[action="/accueil/` + place.Slug + `/reservations"]`
	c.Submit(walkIn)
	j.wantRefused(c, "fr", []fieldProblem{
		{"slot", j.tr("fr", "host.slot_required")},
		{"guest_name", j.tr("fr", "booking.guest_name_required")},
		{"guest_contact", j.tr("fr", "booking.guest_contact_required")},
	}, map[string]string{"seats": "1"})
	slot := evalJS[string](c, `document.querySelector('optgroup[label="La salle des métiers"] option').value`)
	if slot == "" {
		t.Fatal("the walk-in form offers no slot in the room")
	}
	c.Fill("#f-slot", slot)
	c.Fill("#f-guest_name", "Léa Fontaine")
	c.Fill("#f-guest_contact", "06 12 34 56 78")
	c.Submit(walkIn)
	j.wantFlash(c, j.tr("fr", "host.walk_in_booked"))
	card := `.day-space .booking-card`
	if got := c.Text(card); !strings.Contains(got, "Léa Fontaine") || !strings.Contains(got, j.tr("fr", "host.attendance.expected")) {
		t.Errorf("the booking reads %q", got)
	}
	// She arrives.
	c.Submit(card + ` form:has(input[name="presence"][value="present"])`)
	j.wantFlash(c, j.tr("fr", "host.marked_present"))
	if got := c.Text(card); !strings.Contains(got, j.tr("fr", "host.attendance.present")) {
		t.Errorf("after the check-in the booking reads %q", got)
	}
	if got := texts(c, ".day-summary li"); len(got) < 2 || got[1] != j.tr("fr", "host.count_present", 1) {
		t.Errorf("the day's summary says %q", got)
	}
	shot(c, "day")

	// The week, and Thursday closed; then the day in English, on a phone.
	c.ClickAndWait(`.day-nav a[href$="vue=semaine"]`)
	j.wantText(c, "h1", j.tr("fr", "host.week_heading", "lundi 9 mars 2026"))
	if got := c.Text(".week-table tbody tr:nth-child(2) td:nth-of-type(4)"); got != "Fermé aux réservations ce jour-là\u00a0: Inventaire." {
		t.Errorf("the room on Thursday reads %q", got)
	}
	shot(c, "week")
	c.Mobile()
	c.Visit(j.url("/accueil/" + place.Slug))
	j.switchLanguage(c, "en")
	j.wantText(c, "h1", j.tr("en", "host.today_heading"))
	// On a phone the day scrolls only vertically and its controls are
	// large enough to touch (UI.md: 44 px; links inside a sentence aside).
	if over := evalJS[int](c, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		t.Errorf("on a phone the day is %d px wider than the screen", over)
	}
	small := evalJS[[]string](c, `Array.from(document.querySelectorAll('main a[href], main button, main input:not([type=hidden]), main select'))
		.filter(e => e.offsetParent !== null && e.closest('p') === null)
		.filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
		.map(e => e.outerHTML.replace(/<svg.*?<\/svg>/g, '').slice(0, 100))`)
	if len(small) > 0 {
		t.Errorf("on a phone, touch targets under 44 px:\n  %s", strings.Join(small, "\n  "))
	}
	shot(c, "day-mobile-en")
}
