package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
	"coopconnect/internal/testkit"
)

// TestJourney_MemberBooksMovesAndCancelsADesk: a member opens a place,
// picks a day, books a desk's morning with the keyboard, finds it in "Mes
// réservations", moves it to the afternoon and cancels it; axe checks every
// page, and the calendar on a phone.
func TestJourney_MemberBooksMovesAndCancelsADesk(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	ctx := context.Background()
	coordinator := j.user(accounts.Coordinator, "coord@example.org", "Camille Roux")
	member := j.user(accounts.Member, "lea.fontaine@example.org", "Léa Fontaine")
	carrier, err := j.s.Places.CreateCarrier(ctx, coordinator, places.CarrierInput{Name: "CC Pays de Forcalquier", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	place, err := j.s.Places.CreatePlace(ctx, coordinator, places.PlaceInput{CarrierID: strconv.FormatInt(carrier.ID, 10), Name: "La Filature",
		Kind: "tiers_lieu", Status: "open", Address: "12 boulevard de la République", Commune: "04088", Audience: "both",
		OpeningHours: "Mo-Su,PH 08:30-12:30,13:30-18:00"}) // every day, as the journey runs at the real date
	if err != nil {
		t.Fatal(err)
	}
	desk, err := j.s.Places.AddSpace(ctx, coordinator, place.Slug, places.SpaceInput{Name: "Le grand atelier", Kind: "open_space", Capacity: "8", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.s.Booking.SaveRules(ctx, coordinator, place.Slug, desk.PublicID, booking.RuleInput{}, string(booking.HalfDay)); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(i18n.Paris)
	day := time.Date(now.Year(), now.Month(), now.Day()+2, 0, 0, 0, 0, i18n.Paris)
	fr := j.cat.For("fr")
	calendar := "/lieux/" + place.Slug + "/reserver"
	morning, afternoon := "#c-"+desk.PublicID+"-0", "#c-"+desk.PublicID+"-1"
	const morningTimes, afternoonTimes = "8\u00a0h\u00a030 – 12\u00a0h\u00a030", "13\u00a0h\u00a030 – 18\u00a0h"

	b := testkit.NewBrowser(t)
	j.signIn(b, member.Email, journeyPassword)
	j.switchLanguage(b, "fr")
	b.Visit(j.url("/lieux/" + place.Slug))
	b.ClickAndWait(`main a[href="` + calendar + `"]`)
	j.wantPath(b, calendar)
	j.wantText(b, ".cal-heading", fr.Date(now))

	// The day, through the date field of the GET form.
	b.Fill("#f-jour", day.Format(time.DateOnly))
	b.Submit("form.cal-pick")
	j.wantStatus(b, 200)
	j.wantText(b, ".cal-heading", fr.Date(day))
	j.wantText(b, `label[for="`+morning[1:]+`"]`, "Matin, "+morningTimes+"\nLibre — 8 places sur 8")

	// Sent without a slot: the page comes back with the message next to
	// the slot choice, and nothing is booked.
	b.Submit("#espace-" + desk.PublicID + " form.cal-book")
	j.wantStatus(b, 422)
	j.wantText(b, "#f-creneau-"+desk.PublicID+"-error", j.tr("fr", "bookpage.choose_slot"))

	// The morning, chosen with the keyboard: focus the radio, press Space.
	b.Run(chromedp.Focus(chromedp.CSS(morning)), chromedp.KeyEvent(" "))
	if !evalJS[bool](b, `document.querySelector(`+strconv.Quote(morning)+`).checked`) {
		t.Fatal("Space on the focused radio did not choose the morning")
	}
	b.Submit("#espace-" + desk.PublicID + " form.cal-book")
	j.wantPath(b, "/reservations")
	j.wantFlash(b, j.tr("fr", "bookpage.booked.confirmed"))
	j.wantText(b, ".my-booking h3", fr.Date(day)+"\n"+morningTimes)
	j.wantText(b, ".my-booking .my-status", j.tr("fr", "bookpage.status_of.confirmed"))
	if got := elem(b, ".my-booking .meta").Text; !strings.Contains(got, "La Filature") || !strings.Contains(got, "Le grand atelier") {
		t.Errorf("the booking says %q, want its place and space", got)
	}

	// Moved to the afternoon of the same day.
	b.ClickAndWait(".my-booking a.move-link")
	j.wantText(b, "main h1", j.tr("fr", "bookpage.move.title"))
	j.wantText(b, ".cal-slot.is-mine .cal-time", "Matin, "+morningTimes)
	j.wantText(b, ".cal-slot.is-mine .cal-status", j.tr("fr", "bookpage.status.mine"))
	b.Run(chromedp.Focus(chromedp.CSS(afternoon)), chromedp.KeyEvent(" "))
	b.Submit("form.cal-book")
	j.wantPath(b, "/reservations")
	j.wantFlash(b, j.tr("fr", "bookpage.moved"))
	j.wantText(b, ".my-booking h3", fr.Date(day)+"\n"+afternoonTimes)

	// Cancelled, once confirmed: nothing left to come.
	b.ClickAndWait(".my-booking a.cancel-link")
	j.wantText(b, "h1", j.tr("fr", "bookpage.cancel_confirm.title", j.tr("fr", "bookpage.cancel")))
	b.Submit("form.cancel-form")
	j.wantFlash(b, j.tr("fr", "bookpage.cancelled"))
	j.wantText(b, "#s-upcoming + .empty-state", j.tr("fr", "bookpage.mine.none")+" "+j.tr("fr", "bookpage.mine.find"))
	j.wantText(b, "#s-ended + .my-bookings .my-status", j.tr("fr", "bookpage.status_of.cancelled"))

	// On a phone: the same calendar fits the screen, its slots are large
	// enough to touch.
	b.Mobile()
	b.Visit(j.url(calendar + "?jour=" + day.Format(time.DateOnly)))
	j.wantStatus(b, 200)
	if w := evalJS[float64](b, `window.innerWidth`); w > 400 {
		t.Fatalf("the viewport is %.0f px wide, not a phone's", w)
	}
	if wide := evalJS[bool](b, `document.documentElement.scrollWidth > window.innerWidth`); wide {
		t.Error("the booking page scrolls sideways on a phone")
	}
	if h := evalJS[float64](b, `Math.min(...Array.from(document.querySelectorAll('.cal-slot')).map(e => e.getBoundingClientRect().height))`); h < 44 {
		t.Errorf("a slot is %.0f px high on a phone, want 44 at least", h)
	}
}
