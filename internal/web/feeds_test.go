package web

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"coopconnect/internal/db"
)

func TestFeeds_AMemberSubscribesTheirCalendarAndCanReplaceTheAddress(t *testing.T) {
	b := newBookingEnv(t, db.SQLite)
	a := b.memberUsers["a"]
	var booked apiBooking
	b.call(t, "POST", "/api/v1/bookings", b.tokens["a"], bookingBody(b.room.PublicID, parisAt(1, 9, 30), parisAt(1, 10, 30)), nil, 201, &booked)
	cookie := b.session(a)
	page := b.do(request{method: "GET", path: "/reservations", cookie: cookie}).Body.String()
	if strings.Contains(page, "/ical/") || !strings.Contains(page, "Créer l’adresse de mon agenda") {
		t.Fatal("an address exists before the member asked for one")
	}
	rec := b.do(request{method: "POST", path: "/compte/calendrier", cookie: cookie, form: url.Values{}})
	wantFlashRedirect(t, rec, "/reservations#agenda", "feed.created") // no old address to end

	address := regexp.MustCompile(`http://localhost:8080(/ical/[A-Za-z0-9_-]+\.ics)`)
	m := address.FindStringSubmatch(b.do(request{method: "GET", path: "/reservations", cookie: cookie}).Body.String())
	if m == nil {
		t.Fatal("no calendar address on Mes réservations")
	}
	rec = b.do(request{method: "GET", path: m[1]})
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("feed: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if body := rec.Body.String(); !strings.Contains(body, "UID:"+booked.ID+"@coopconnect") || !strings.Contains(body, "DTSTART;TZID=Europe/Paris:20261208T093000") {
		t.Errorf("feed body:\n%s", body)
	}
	// Replacing the address ends the old one, and says so.
	rec = b.do(request{method: "POST", path: "/compte/calendrier", cookie: cookie, form: url.Values{}})
	wantFlashRedirect(t, rec, "/reservations#agenda", "feed.renewed")
	if rec := b.do(request{method: "GET", path: m[1]}); rec.Code != 404 {
		t.Errorf("the old address answers %d", rec.Code)
	}
	if rec := b.do(request{method: "GET", path: "/ical/inconnu.ics"}); rec.Code != 404 {
		t.Errorf("an unknown address answers %d", rec.Code)
	}
}
