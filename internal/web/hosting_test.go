package web

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
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
)

// hostTuesday is 10 March 2026 in Paris at h:m; the hosting tests' clock
// starts at 9:15 that day.
func hostTuesday(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, i18n.Paris) }

// hostingFixture is a place open "Mo-Fr 08:30-12:30,13:30-18:00" with a
// desk area booked by half-days, a meeting room and an office booked by
// the hour; its manager and concierge; and another place with its own
// concierge.
type hostingFixture struct {
	*env
	clock                                *coop.FixedClock
	coordinator, manager, concierge      accounts.User
	otherConcierge, otherManager, member accounts.User
	place, otherPlace                    places.Place
	desk, room, office                   places.Space
	cookies                              map[int64]*http.Cookie
}

func newHostingFixture(t *testing.T) *hostingFixture {
	t.Helper()
	clock := coop.NewFixedClock(hostTuesday(9, 15))
	f := &hostingFixture{env: newEnv(t, db.SQLite, clock), clock: clock, cookies: map[int64]*http.Cookie{}}
	ctx := t.Context()
	f.coordinator = f.user("coord@example.fr", accounts.Coordinator)
	f.manager = f.user("gestion@example.fr", accounts.Manager)
	f.otherManager = f.user("gestion-b@example.fr", accounts.Manager)
	f.concierge = f.user("accueil@example.fr", accounts.Concierge)
	f.otherConcierge = f.user("accueil-b@example.fr", accounts.Concierge)
	f.member = f.user("lea@example.fr", accounts.Member)
	pl := f.srv.Places
	newPlace := func(carrierName, name, manager, concierge string) places.Place {
		c, err := pl.CreateCarrier(ctx, f.coordinator, places.CarrierInput{Name: carrierName, Kind: "individual"})
		if err != nil {
			t.Fatal(err)
		}
		if err := pl.AddManager(ctx, f.coordinator, c.ID, manager); err != nil {
			t.Fatal(err)
		}
		p, err := pl.CreatePlace(ctx, f.coordinator, places.PlaceInput{CarrierID: strconv.FormatInt(c.ID, 10), Name: name, Kind: "tiers_lieu",
			Status: "open", Address: "12 boulevard de la République", Commune: "04088", Audience: "both",
			OpeningHours: "Mo-Fr 08:30-12:30,13:30-18:00"})
		if err != nil {
			t.Fatal(err)
		}
		if err := pl.AddStaff(ctx, f.coordinator, p.Slug, concierge); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.place = newPlace("Les Fileuses", "La Filature", f.manager.Email, f.concierge.Email)
	f.otherPlace = newPlace("CC Jabron", "Le Moulin", f.otherManager.Email, f.otherConcierge.Email)
	space := func(slug, name, kind, capacity string) places.Space {
		sp, err := pl.AddSpace(ctx, f.coordinator, slug, places.SpaceInput{Name: name, Kind: kind, Capacity: capacity, Audience: "both"})
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	f.desk = space(f.place.Slug, "Le grand atelier", "open_space", "4")
	f.room = space(f.place.Slug, "La salle des métiers", "meeting_room", "6")
	f.office = space(f.place.Slug, "Le bureau du fond", "office", "1")
	space(f.otherPlace.Slug, "La meunerie", "meeting_room", "4")
	// Desks go by half-days.
	if err := f.srv.Booking.SaveRules(ctx, f.coordinator, f.place.Slug, f.desk.PublicID, booking.RuleInput{}, string(booking.HalfDay)); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *hostingFixture) cookie(u accounts.User) *http.Cookie {
	if c, ok := f.cookies[u.ID]; ok {
		return c
	}
	c := f.session(u)
	f.cookies[u.ID] = c
	return c
}

func (f *hostingFixture) get(u accounts.User, path string) *httptest.ResponseRecorder {
	return f.do(request{method: http.MethodGet, path: path, cookie: f.cookie(u)})
}

func (f *hostingFixture) post(u accounts.User, path string, form url.Values) *httptest.ResponseRecorder {
	return f.do(request{method: http.MethodPost, path: path, form: form, cookie: f.cookie(u)})
}

// follow goes where a 303 leads, with its flash, and returns the page.
func (f *hostingFixture) follow(t *testing.T, u accounts.User, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; body: %s", rec.Code, hostExcerpt(rec.Body.String()))
	}
	cookies := []string{f.cookie(u).String()}
	for _, c := range rec.Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	to, _, _ := strings.Cut(rec.Header().Get("Location"), "#") // the browser keeps the fragment
	next := f.do(request{method: http.MethodGet, path: to, header: map[string]string{"Cookie": strings.Join(cookies, "; ")}})
	if next.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d", rec.Header().Get("Location"), next.Code)
	}
	return next.Body.String()
}

// hostFlash returns the kind and message key of the flash a response sets.
func hostFlash(t *testing.T, rec *httptest.ResponseRecorder) (kind, key string) {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == flashCookie && c.Value != "" {
			b, err := base64.RawURLEncoding.DecodeString(c.Value)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(string(b), "|")
			return parts[0], parts[1]
		}
	}
	return "", ""
}

func hostExcerpt(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	return s[:min(len(s), 3000)]
}

func hostSlot(sp places.Space, start, end time.Time) string {
	return sp.PublicID + "|" + strconv.FormatInt(start.Unix(), 10) + "|" + strconv.FormatInt(end.Unix(), 10)
}

// slotFrom returns the first slot of a space, as the booking service cuts
// them, that starts at or after at.
func (f *hostingFixture) slotFrom(t *testing.T, sp places.Space, at time.Time) (start, end time.Time) {
	t.Helper()
	a, err := f.srv.Booking.Availability(t.Context(), &f.coordinator, f.place.Slug, at, at.Add(12*time.Hour), sp.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range a.Spaces[0].Slots {
		if !st.Start.Before(at) {
			return st.Start, st.End
		}
	}
	t.Fatalf("no slot of %s from %s", sp.Name, at)
	return
}

func (f *hostingFixture) walkIn(sp places.Space, start, end time.Time, name string) url.Values {
	return url.Values{"jour": {start.In(i18n.Paris).Format(time.DateOnly)}, "slot": {hostSlot(sp, start, end)}, "audience": {booking.AudienceProfessionals},
		"seats": {"1"}, "guest_name": {name}, "guest_contact": {"06 12 34 56 78"}}
}

// dayBookings returns the bookings of the place on Tuesday, as its staff.
func (f *hostingFixture) dayBookings(t *testing.T) []booking.Booking {
	t.Helper()
	list, err := f.srv.Booking.ForPlace(t.Context(), f.coordinator, f.place.Slug, hostTuesday(0, 0), hostTuesday(0, 0).AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func (f *hostingFixture) booking(t *testing.T, id string) booking.Booking {
	t.Helper()
	b, err := f.srv.Booking.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hostWant(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestHosting_ConciergeBooksAWalkInChecksInAndMarksANoShow(t *testing.T) {
	f := newHostingFixture(t)
	fr := f.srv.Catalogs.For("fr")
	path := "/accueil/" + f.place.Slug

	// The concierge's places: theirs only.
	rec := f.get(f.concierge, "/accueil")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /accueil: %d", rec.Code)
	}
	hostWant(t, "the concierge's places", rec.Body.String(), `href="`+path+`"`, "La Filature", `href="/accueil"`)
	if strings.Contains(rec.Body.String(), f.otherPlace.Slug) {
		t.Error("the concierge's places list another place")
	}

	// Today at 9:15: the walk-in form offers the free slots still to
	// come, by space — the desks' afternoon, not the morning, begun.
	first, firstEnd := f.slotFrom(t, f.room, hostTuesday(9, 15))
	begun, begunEnd := f.slotFrom(t, f.room, hostTuesday(8, 30))
	rec = f.get(f.concierge, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", path, rec.Code)
	}
	body := rec.Body.String()
	hostWant(t, "today's page", body, "Qui est là aujourd’hui\u00a0?", `<optgroup label="Le grand atelier">`,
		`value="`+hostSlot(f.desk, hostTuesday(13, 30), hostTuesday(18, 0))+`"`, "Après-midi (13\u00a0h\u00a030 – 18\u00a0h) — 4 places libres",
		`value="`+hostSlot(f.room, first, firstEnd)+`"`, spanText(fr, first, firstEnd)+" — libre")
	for _, gone := range []string{hostSlot(f.desk, hostTuesday(8, 30), hostTuesday(12, 30)), hostSlot(f.desk, hostTuesday(8, 30), hostTuesday(18, 0)),
		hostSlot(f.room, begun, begunEnd)} {
		if strings.Contains(body, gone) {
			t.Errorf("today's page offers the slot %s, already begun", gone)
		}
	}
	if strings.Contains(body, `style="`) {
		t.Error("today's page has an inline style, which the CSP blocks")
	}

	// The walk-in form carries its idempotency key: sent twice (a double
	// click, a page sent again), it books once.
	key := regexp.MustCompile(`name="cle" value="([^"]+)"`).FindStringSubmatch(body)
	if key == nil {
		t.Fatal("the walk-in form has no idempotency key")
	}
	// Two walk-ins in the next slot, in the room and in the office.
	for _, w := range []struct {
		sp   places.Space
		name string
	}{{f.room, "Léa Fontaine"}, {f.office, "Paul Martin"}} {
		form := f.walkIn(w.sp, first, firstEnd, w.name)
		form.Set("cle", key[1]+w.name)
		for range 2 {
			rec = f.post(f.concierge, path+"/reservations", form)
			if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != path+"?jour=2026-03-10" {
				t.Fatalf("walk-in %s: %d to %q, want 303 to the day; body: %s", w.name, rec.Code, loc, hostExcerpt(rec.Body.String()))
			}
			if kind, key := hostFlash(t, rec); kind != "success" || key != "host.walk_in_booked" {
				t.Errorf("walk-in flash: %s %s", kind, key)
			}
		}
	}
	// The form sent again for another visitor: the page says so.
	again := f.walkIn(f.desk, hostTuesday(13, 30), hostTuesday(18, 0), "Inès Garcia")
	again.Set("cle", key[1]+"Léa Fontaine")
	if rec := f.post(f.concierge, path+"/reservations", again); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Ce formulaire a déjà servi") {
		t.Errorf("a used key for another walk-in: %d %s", rec.Code, hostExcerpt(rec.Body.String()))
	}
	list := f.dayBookings(t)
	if len(list) != 2 {
		t.Fatalf("%d bookings, want the 2 walk-ins", len(list))
	}
	var lea, paul booking.Booking
	for _, b := range list {
		if b.UserID != nil || b.GuestContact != "06 12 34 56 78" || b.Status != booking.Confirmed || b.Audience != booking.AudienceProfessionals {
			t.Errorf("walk-in booked as %+v", b)
		}
		switch b.GuestName {
		case "Léa Fontaine":
			lea = b
		case "Paul Martin":
			paul = b
		}
	}
	when := spanText(fr, first, firstEnd)
	body = f.follow(t, f.concierge, rec)
	hostWant(t, "the day after the walk-ins", body, fr.T("host.walk_in_booked"), "Léa Fontaine", "Paul Martin", when,
		"visiteur·se, <a href=\"tel:0612345678\">06 12 34 56 78</a>", "Confirmée", "Attendu·e", "2 attendu·es", "0 arrivé·e",
		`action="`+path+`/reservations/`+lea.PublicID+`/presence"`, "Noter l’arrivée<span class=\"visually-hidden\"> — Léa Fontaine, "+when+"</span>")
	if strings.Contains(body, `value="`+hostSlot(f.room, first, firstEnd)+`"`) {
		t.Error("the room's slot is still offered once booked")
	}

	// Check-in: Léa, an hour before her start at most; no one is absent
	// before the start.
	presence := func(b booking.Booking, value string) *httptest.ResponseRecorder {
		return f.post(f.concierge, path+"/reservations/"+b.PublicID+"/presence", url.Values{"presence": {value}, "jour": {"2026-03-10"}})
	}
	rec = presence(lea, "present")
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || kind != "success" || key != "host.marked_present" {
		t.Fatalf("check-in: %d %s %s", rec.Code, kind, key)
	}
	if got := f.booking(t, lea.PublicID).Attendance; got != booking.Present {
		t.Errorf("Léa's attendance %q, want present", got)
	}
	body = f.follow(t, f.concierge, rec)
	hostWant(t, "the day after the check-in", body, "1 arrivé·e", "Annuler le pointage")
	if !first.After(hostTuesday(9, 15)) {
		t.Fatalf("the walk-ins' slot starts at %s, before now", first)
	}
	rec = presence(paul, "no_show")
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || kind != "error" || key != "booking.no_show_early" {
		t.Fatalf("no-show before the start: %d %s %s, want a refusal", rec.Code, kind, key)
	}
	hostWant(t, "the refused no-show", f.follow(t, f.concierge, rec), "Le créneau n’a pas commencé\u00a0: attendez son début pour noter une absence.")

	// A walk-in late in the afternoon cannot be checked in at 9:15: refused in French.
	late, lateEnd := f.slotFrom(t, f.room, hostTuesday(16, 0))
	rec = f.post(f.concierge, path+"/reservations", f.walkIn(f.room, late, lateEnd, "Nina Roux"))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("walk-in at 16:00: %d", rec.Code)
	}
	var nina booking.Booking
	for _, b := range f.dayBookings(t) {
		if b.GuestName == "Nina Roux" {
			nina = b
		}
	}
	rec = presence(nina, "present")
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || kind != "error" || key != "booking.check_in_time" {
		t.Fatalf("early check-in: %d %s %s, want the refusal booking.check_in_time", rec.Code, kind, key)
	}
	body = f.follow(t, f.concierge, rec)
	hostWant(t, "the refused check-in", body, "On pointe l’arrivée à partir d’une heure avant le début et jusqu’à la fin du créneau.",
		"Pointage possible à partir de "+clockText(fr, late.Add(-time.Hour), false)+".")
	if got := f.booking(t, nina.PublicID).Attendance; got != booking.Expected {
		t.Errorf("Nina's attendance %q after a refused check-in, want expected", got)
	}

	// Once the slot has begun, Paul has not come.
	f.clock.Advance(first.Sub(hostTuesday(9, 15)) + 5*time.Minute)
	rec = presence(paul, "no_show")
	if kind, key := hostFlash(t, rec); kind != "success" || key != "host.marked_no_show" {
		t.Fatalf("no-show: %d %s %s", rec.Code, kind, key)
	}
	if got := f.booking(t, paul.PublicID).Attendance; got != booking.NoShow {
		t.Errorf("Paul's attendance %q, want no_show", got)
	}
	hostWant(t, "the day after the no-show", f.follow(t, f.concierge, rec), "1 absent·e", "Absent·e")

	// Cancelling Nina's booking frees the room again.
	rec = f.post(f.concierge, path+"/reservations/"+nina.PublicID+"/annulation", url.Values{"jour": {"2026-03-10"}})
	if kind, key := hostFlash(t, rec); kind != "success" || key != "host.cancelled" {
		t.Fatalf("cancel: %d %s %s", rec.Code, kind, key)
	}
	body = f.follow(t, f.concierge, rec)
	hostWant(t, "the day after the cancellation", body, `value="`+hostSlot(f.room, late, lateEnd)+`"`, "Annulées, refusées ou expirées (1)")
	if got := f.booking(t, nina.PublicID).Status; got != booking.Cancelled {
		t.Errorf("Nina's booking is %s, want cancelled", got)
	}

	// The week view counts the day's bookings, as text.
	rec = f.get(f.concierge, path+"?jour=2026-03-10&vue=semaine")
	if rec.Code != http.StatusOK {
		t.Fatalf("week: %d", rec.Code)
	}
	hostWant(t, "the week", rec.Body.String(), "Semaine du lundi 9 mars 2026", "mardi 10", "1 réservation · occupé à ", "Fermé ce jour-là.")
	if n := strings.Count(rec.Body.String(), `aria-labelledby="week-caption"`); n != 1 {
		t.Errorf("%d regions named by the week's caption, want one (landmarks' names are unique)", n)
	}
	// A date that is not one is said next to its field.
	rec = f.get(f.concierge, path+"?jour=2026-02-31")
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("an impossible date: %d, want 422", rec.Code)
	}
	hostWant(t, "the impossible date", rec.Body.String(), `id="f-jour-error"`, `value="2026-02-31"`)
}

func TestHosting_WalkInFormRefusedWithMessagesNextToFieldsAndNothingWritten(t *testing.T) {
	f := newHostingFixture(t)
	fr := f.srv.Catalogs.For("fr")
	path := "/accueil/" + f.place.Slug
	// Tuesdays 14:00–17:00 in the room are for the e-inclusion workshops.
	if _, err := f.srv.Booking.AddWindow(t.Context(), f.manager, f.place.Slug, booking.WindowInput{Space: f.room.PublicID,
		Audience: booking.AudienceEInclusion, Days: []string{"2"}, Start: "14:00", End: "17:00", Label: "ateliers e-inclusion"}); err != nil {
		t.Fatal(err)
	}
	workshop, workshopEnd := f.slotFrom(t, f.room, hostTuesday(14, 0))
	next, nextEnd := f.slotFrom(t, f.room, hostTuesday(9, 15))
	body := f.get(f.concierge, path).Body.String()
	hostWant(t, "today's page", body, spanText(fr, workshop, workshopEnd)+" — libre — réservé aux ateliers e-inclusion",
		"Réservé au public de l’inclusion numérique</strong> — ateliers e-inclusion")
	other, err := f.srv.Places.Place(t.Context(), f.otherPlace.Slug)
	if err != nil {
		t.Fatal(err)
	}
	tooMany := f.walkIn(f.room, next, nextEnd, "Léa Fontaine")
	tooMany.Set("seats", "7")
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		errors map[string]string
	}{
		{"empty", url.Values{"jour": {"2026-03-10"}, "seats": {"1"}, "audience": {booking.AudienceProfessionals}}, 422, map[string]string{
			"slot": "Choisissez un créneau.", "guest_name": "Indiquez le nom de la personne accueillie.",
			"guest_contact": "Indiquez une adresse électronique ou un numéro de téléphone pour joindre la personne."}},
		{"professionals in the workshops' window", f.walkIn(f.room, workshop, workshopEnd, "Léa Fontaine"), 422, map[string]string{
			"slot": "Ce créneau est réservé aux ateliers e-inclusion le mardi de 14\u00a0h à 17\u00a0h — essayez 17\u00a0h."}},
		{"more seats than the room has", tooMany, 422, map[string]string{"seats": "Cet espace n’a que 6 places."}},
		{"another place's space", f.walkIn(other.Spaces[0], next, nextEnd, "Léa Fontaine"), 422,
			map[string]string{"slot": "Choisissez une valeur dans la liste."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.post(f.concierge, path+"/reservations", tc.form)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body: %s", rec.Code, tc.status, hostExcerpt(rec.Body.String()))
			}
			body := rec.Body.String()
			for field, msg := range tc.errors {
				hostWant(t, "the refused form", body, `<p class="field-error" id="f-`+field+`-error">`, msg, `href="#f-`+field+`"`)
			}
			if name := tc.form.Get("guest_name"); name != "" {
				hostWant(t, "the refused form", body, `value="`+name+`"`)
			}
			if n := len(f.dayBookings(t)); n != 0 {
				t.Errorf("a refused walk-in wrote %d bookings", n)
			}
		})
	}
	// A slot taken meanwhile: 409, said next to the slot.
	if rec := f.post(f.concierge, path+"/reservations", f.walkIn(f.office, next, nextEnd, "Paul Martin")); rec.Code != http.StatusSeeOther {
		t.Fatalf("walk-in in the office: %d", rec.Code)
	}
	rec := f.post(f.concierge, path+"/reservations", f.walkIn(f.office, next, nextEnd, "Nina Roux"))
	if rec.Code != http.StatusConflict {
		t.Fatalf("the same office slot again: %d, want 409", rec.Code)
	}
	hostWant(t, "the taken slot", rec.Body.String(), `<p class="field-error" id="f-slot-error">`, "Cet espace est déjà réservé sur ce créneau.", `value="Nina Roux"`)
	if n := len(f.dayBookings(t)); n != 1 {
		t.Errorf("%d bookings after a conflict, want 1", n)
	}
	// The e-inclusion public may book the window.
	form := f.walkIn(f.room, workshop, workshopEnd, "Léa Fontaine")
	form.Set("audience", booking.AudienceEInclusion)
	if rec := f.post(f.concierge, path+"/reservations", form); rec.Code != http.StatusSeeOther {
		t.Errorf("e-inclusion walk-in in its window: %d, want 303", rec.Code)
	}
}

func TestHosting_ApprovalsAcceptedAndRefused(t *testing.T) {
	f := newHostingFixture(t)
	ctx := t.Context()
	// The manager asks for approval of every booking.
	rec := f.post(f.manager, "/gestion/lieux/"+f.place.Slug+"/reservations/regles", url.Values{"space": {""}, "approval": {"yes"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save rules: %d; %s", rec.Code, hostExcerpt(rec.Body.String()))
	}
	wednesday := func(h int) time.Time { return time.Date(2026, 3, 11, h, 0, 0, 0, i18n.Paris) }
	var ids []string
	for _, h := range []int{10, 14} {
		start, end := f.slotFrom(t, f.room, wednesday(h))
		b, err := f.srv.Booking.Book(ctx, booking.Request{By: f.member, SpacePublicID: f.room.PublicID, Start: start, End: end})
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != booking.Pending {
			t.Fatalf("a member's booking under approval is %s, want pending", b.Status)
		}
		ids = append(ids, b.PublicID)
	}
	path := "/accueil/" + f.place.Slug
	day := path + "?jour=2026-03-11"
	body := f.get(f.concierge, day).Body.String()
	hostWant(t, "Wednesday", body, "À valider (2)", "2 demandes à valider", `action="`+path+`/reservations/`+ids[0]+`/decision"`,
		`name="decision" value="approve"`, `name="decision" value="refuse"`, "member lea@example.fr")

	// Today, the day before, lists them too, with their date, and the
	// page of the hosted places counts them: none waits unseen.
	hostWant(t, "today", f.get(f.concierge, path).Body.String(), "À valider (2)", "2 demandes à valider", "mercredi 11 mars 2026, ")
	hostWant(t, "the hosted places", f.get(f.concierge, "/accueil").Body.String(), `href="`+path+`#validations">2 demandes à valider`)

	// The week lists them too, with their day.
	hostWant(t, "the week", f.get(f.concierge, day+"&vue=semaine").Body.String(), "À valider (2)", "mercredi 11 mars 2026, ")

	decide := func(id, decision, note string) *httptest.ResponseRecorder {
		return f.post(f.concierge, path+"/reservations/"+id+"/decision", url.Values{"decision": {decision}, "note": {note}, "jour": {"2026-03-11"}})
	}
	rec = decide(ids[0], "approve", "")
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || kind != "success" || key != "host.approved" || rec.Header().Get("Location") != day {
		t.Fatalf("approve: %d %s %s to %q", rec.Code, kind, key, rec.Header().Get("Location"))
	}
	if got := f.booking(t, ids[0]).Status; got != booking.Confirmed {
		t.Errorf("approved booking is %s, want confirmed", got)
	}
	rec = decide(ids[1], "refuse", "La salle est prise par le conseil municipal.")
	if kind, key := hostFlash(t, rec); kind != "success" || key != "host.refused" {
		t.Fatalf("refuse: %d %s %s", rec.Code, kind, key)
	}
	if b := f.booking(t, ids[1]); b.Status != booking.Refused || b.Note != "La salle est prise par le conseil municipal." {
		t.Errorf("refused booking: %s %q", b.Status, b.Note)
	}
	body = f.follow(t, f.concierge, rec)
	hostWant(t, "Wednesday after the decisions", body, "Demande refusée\u00a0: la personne est prévenue.", "Refusée",
		"Message\u00a0: La salle est prise par le conseil municipal.")
	if strings.Contains(body, "À valider (") {
		t.Error("the approvals are still listed once decided")
	}
	// Deciding again is refused, in French.
	rec = decide(ids[1], "approve", "")
	if kind, key := hostFlash(t, rec); kind != "error" || key != "booking.not_pending" {
		t.Fatalf("second decision: %d %s %s", rec.Code, kind, key)
	}
	hostWant(t, "the second decision", f.follow(t, f.concierge, rec), "Cette réservation n’attend plus de décision.")
	if got := f.booking(t, ids[1]).Status; got != booking.Refused {
		t.Errorf("a refused booking became %s", got)
	}
}

func TestHosting_AnotherPlacesStaffIsRefusedAndNothingChanges(t *testing.T) {
	f := newHostingFixture(t)
	path := "/accueil/" + f.place.Slug
	start, end := f.slotFrom(t, f.room, hostTuesday(10, 0))
	b, err := f.srv.Booking.Book(t.Context(), booking.Request{By: f.concierge, GuestName: "Léa Fontaine", GuestContact: "lea@example.org",
		Audience: booking.AudienceProfessionals, SpacePublicID: f.room.PublicID, Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []accounts.User{f.otherConcierge, f.otherManager} {
		for _, tc := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", path, nil},
			{"POST", path + "/reservations", f.walkIn(f.office, start, end, "Intrus")},
			{"POST", path + "/reservations/" + b.PublicID + "/presence", url.Values{"presence": {"present"}}},
			{"POST", path + "/reservations/" + b.PublicID + "/decision", url.Values{"decision": {"refuse"}}},
			{"POST", path + "/reservations/" + b.PublicID + "/annulation", url.Values{}},
		} {
			rec := f.do(request{method: tc.method, path: tc.path, form: tc.form, cookie: f.cookie(u)})
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s %s %s: %d, want 403", u.Email, tc.method, tc.path, rec.Code)
			}
		}
		// Their own place's address does not reach this place's booking.
		rec := f.post(u, "/accueil/"+f.otherPlace.Slug+"/reservations/"+b.PublicID+"/annulation", url.Values{})
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s cancelling through their own place: %d, want 404", u.Email, rec.Code)
		}
		if rec := f.get(u, "/gestion/lieux/"+f.place.Slug+"/reservations"); rec.Code != http.StatusForbidden {
			t.Errorf("%s: settings %d, want 403", u.Email, rec.Code)
		}
	}
	got := f.dayBookings(t)
	if len(got) != 1 || got[0].Status != booking.Confirmed || got[0].Attendance != booking.Expected {
		t.Errorf("after refused requests the day holds %+v, want the one booking unchanged", got)
	}
}

func TestBookingSettings_ManagerSavesRulesWindowsAndBlockedDays(t *testing.T) {
	f := newHostingFixture(t)
	ctx := t.Context()
	path := "/gestion/lieux/" + f.place.Slug + "/reservations"
	settings := func() *booking.Setup {
		t.Helper()
		s, err := f.srv.Booking.Settings(ctx, f.coordinator, f.place.Slug)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rec := f.get(f.manager, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", path, rec.Code)
	}
	hostWant(t, "the settings", rec.Body.String(), "Réservations de «\u00a0La Filature\u00a0»", "Vide\u00a0: valeur par défaut (90 jours).",
		`id="f-window_days"`, `id="f-`+f.desk.PublicID+`-window_days"`, `<option value="half_day" selected>`, "Vide\u00a0: comme le lieu (90 jours).")
	if body := f.get(f.manager, "/gestion/lieux/"+f.place.Slug).Body.String(); !strings.Contains(body, `href="`+path+`"`) {
		t.Error("the place's page does not link to its booking settings")
	}

	// The place's rules, then a space's.
	rec = f.post(f.manager, path+"/regles", url.Values{"space": {""}, "window_days": {"30"}, "cancel_minutes": {"120"}, "approval": {"no"}})
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || key != "bookset.rules_saved" || kind != "success" {
		t.Fatalf("save the place's rules: %d %s; %s", rec.Code, key, hostExcerpt(rec.Body.String()))
	}
	rec = f.post(f.manager, path+"/regles", url.Values{"space": {f.room.PublicID}, "unit": {"half_hour"}, "max_minutes": {"120"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != path+"#espace-"+f.room.PublicID {
		t.Fatalf("save the room's rules: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	s := settings()
	if s.Rules.WindowDays != 30 || s.Rules.CancelMinutes != 120 || s.PlaceSet.Approval == nil || *s.PlaceSet.Approval {
		t.Errorf("the place's rules: %+v", s.Rules)
	}
	if room, _ := s.Space(f.room.PublicID); room.Unit != booking.HalfHour || room.Rules.MaxMinutes != 120 || room.Rules.WindowDays != 30 {
		t.Errorf("the room: unit %s, rules %+v", room.Unit, room.Rules)
	}
	body := f.follow(t, f.manager, rec)
	hostWant(t, "the settings after saving", body, "Les règles sont enregistrées.", `value="30"`, "Vide\u00a0: comme le lieu (30 jours).",
		"Vide\u00a0: comme le lieu (2\u00a0h).")

	// Refused forms: the messages are next to their fields, and nothing is written.
	rec = f.post(f.manager, path+"/regles", url.Values{"space": {""}, "window_days": {"trente"}, "hold_minutes": {"1"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad rules: %d, want 422", rec.Code)
	}
	hostWant(t, "the refused rules", rec.Body.String(), `<p class="field-error" id="f-window_days-error">`, "Saisissez un nombre entier.",
		`<p class="field-error" id="f-hold_minutes-error">`, "Cette valeur est hors des limites permises.", `value="trente"`, `href="#f-window_days"`)
	rec = f.post(f.manager, path+"/regles", url.Values{"space": {f.desk.PublicID}, "unit": {"week"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad unit: %d, want 422", rec.Code)
	}
	hostWant(t, "the refused unit", rec.Body.String(), `id="f-`+f.desk.PublicID+`-unit-error"`, `href="#f-`+f.desk.PublicID+`-unit"`,
		"Choisissez une valeur dans la liste.")
	if s := settings(); s.Rules.WindowDays != 30 || s.Rules.HoldMinutes != booking.DefaultRules.HoldMinutes || s.Spaces[0].Unit != booking.HalfDay {
		t.Errorf("refused forms changed the rules: %+v, desk unit %s", s.Rules, s.Spaces[0].Unit)
	}

	// An audience window: refused, then added, then deleted.
	rec = f.post(f.manager, path+"/fenetres", url.Values{"window_audience": {"e_inclusion"}, "window_start": {"17:00"}, "window_end": {"14:00"},
		"window_label": {"ateliers e-inclusion"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad window: %d, want 422", rec.Code)
	}
	hostWant(t, "the refused window", rec.Body.String(), `<p class="field-error" id="f-days-error">`, "Cochez au moins un jour.",
		`<p class="field-error" id="f-window_end-error">`, "La fin doit venir après le début.", `value="ateliers e-inclusion"`, `href="#f-days"`)
	if n := len(settings().Windows); n != 0 {
		t.Fatalf("a refused window wrote %d windows", n)
	}
	rec = f.post(f.manager, path+"/fenetres", url.Values{"window_audience": {"e_inclusion"}, "days": {"2", "4"}, "window_start": {"14:00"},
		"window_end": {"17:00"}, "window_label": {"ateliers e-inclusion"}, "window_space": {f.room.PublicID}})
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || key != "bookset.window_added" || kind != "success" {
		t.Fatalf("add window: %d %s; %s", rec.Code, key, hostExcerpt(rec.Body.String()))
	}
	ws := settings().Windows
	if len(ws) != 1 || ws[0].Weekdays != 0b1010 || ws[0].Start != 14*60 || ws[0].End != 17*60 || ws[0].Label != "ateliers e-inclusion" {
		t.Fatalf("windows: %+v", ws)
	}
	hostWant(t, "the settings with a window", f.follow(t, f.manager, rec), "Réservé au public de l’inclusion numérique</strong> — ateliers e-inclusion",
		"mardi, jeudi · 14\u00a0h – 17\u00a0h · La salle des métiers", `action="`+path+`/fenetres/`+ws[0].PublicID+`/suppression"`)
	rec = f.post(f.manager, path+"/fenetres/"+ws[0].PublicID+"/suppression", url.Values{})
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || key != "bookset.window_deleted" || kind != "success" {
		t.Fatalf("delete window: %d %s", rec.Code, key)
	}
	if n := len(settings().Windows); n != 0 {
		t.Errorf("%d windows after deleting the only one", n)
	}
	if rec := f.post(f.manager, path+"/fenetres/"+ws[0].PublicID+"/suppression", url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("deleting it again: %d, want 404", rec.Code)
	}

	// A blocked day: refused, then added, then reopened.
	rec = f.post(f.manager, path+"/fermetures", url.Values{"day": {"31/03/2026"}, "reason": {"Inventaire"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad day: %d, want 422", rec.Code)
	}
	hostWant(t, "the refused day", rec.Body.String(), `<p class="field-error" id="f-day-error">`, `value="Inventaire"`)
	if n := len(settings().Blocked); n != 0 {
		t.Fatalf("a refused day wrote %d blocked days", n)
	}
	rec = f.post(f.manager, path+"/fermetures", url.Values{"day": {"2026-03-12"}, "reason": {"Inventaire"}})
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || key != "bookset.blocked_added" || kind != "success" {
		t.Fatalf("block a day: %d %s; %s", rec.Code, key, hostExcerpt(rec.Body.String()))
	}
	if bl := settings().Blocked; len(bl) != 1 || bl[0].Day != "2026-03-12" || bl[0].SpaceID != 0 || bl[0].Reason != "Inventaire" {
		t.Fatalf("blocked days: %+v", bl)
	}
	hostWant(t, "the settings with a closed day", f.follow(t, f.manager, rec), "jeudi 12 mars 2026", "Inventaire")
	// The concierge's Thursday says it.
	hostWant(t, "Thursday", f.get(f.concierge, "/accueil/"+f.place.Slug+"?jour=2026-03-12").Body.String(),
		"Fermé aux réservations ce jour-là\u00a0: Inventaire.")
	rec = f.post(f.manager, path+"/fermetures/suppression", url.Values{"space": {""}, "day": {"2026-03-12"}})
	if kind, key := hostFlash(t, rec); rec.Code != http.StatusSeeOther || key != "bookset.blocked_deleted" || kind != "success" {
		t.Fatalf("reopen: %d %s", rec.Code, key)
	}
	if n := len(settings().Blocked); n != 0 {
		t.Errorf("%d blocked days after reopening", n)
	}

	// Another carrier's manager reads and writes nothing here.
	for _, rec := range []*httptest.ResponseRecorder{
		f.get(f.otherManager, path),
		f.post(f.otherManager, path+"/regles", url.Values{"space": {""}, "window_days": {"1"}}),
		f.post(f.otherManager, path+"/fermetures", url.Values{"day": {"2026-03-13"}}),
	} {
		if rec.Code != http.StatusForbidden {
			t.Errorf("another carrier's manager: %d, want 403", rec.Code)
		}
	}
	if s := settings(); s.Rules.WindowDays != 30 || len(s.Blocked) != 0 {
		t.Errorf("another carrier's manager changed the settings: %+v, %d blocked", s.Rules, len(s.Blocked))
	}
}

// The manager of a place is told, on its page, why a space with bookings to
// come can neither shrink under them, change how it is booked, nor go.
func TestManageSpaces_BookingsToComeKeepASpaceFromBreakingThem(t *testing.T) {
	f := newHostingFixture(t)
	path := "/accueil/" + f.place.Slug
	for _, name := range []string{"Léa Fontaine", "Paul Martin", "Inès Garcia"} {
		if rec := f.post(f.concierge, path+"/reservations", f.walkIn(f.desk, hostTuesday(13, 30), hostTuesday(18, 0), name)); rec.Code != http.StatusSeeOther {
			t.Fatalf("walk-in %s: %d %s", name, rec.Code, hostExcerpt(rec.Body.String()))
		}
	}
	manage := "/gestion/lieux/" + f.place.Slug
	edit := func(kind, capacity string) *httptest.ResponseRecorder {
		return f.post(f.manager, manage+"/espaces/"+f.desk.PublicID, url.Values{"space_name": {"Le grand atelier"}, "space_kind": {kind},
			"capacity": {capacity}, "space_audience": {"both"}})
	}
	for _, tc := range []struct {
		rec  *httptest.ResponseRecorder
		want string
	}{
		{edit("open_space", "2"), "La capacité n’a pas été réduite : des réservations à venir occupent plus de places que cela."},
		{edit("meeting_room", "4"), "Cet espace a déjà des réservations : il ne peut plus passer d’une réservation à la place"},
		{f.post(f.manager, manage+"/espaces/"+f.desk.PublicID+"/suppression", nil), "Cet espace n’a pas été supprimé : il a des réservations à venir"},
		{edit("open_space", "0"), "L’espace n’a pas été modifié : vérifiez son nom et sa capacité (de 1 à 500)."},
	} {
		if tc.rec.Code != http.StatusSeeOther {
			t.Fatalf("%d, want 303 to the place's page", tc.rec.Code)
		}
		if body := f.follow(t, f.manager, tc.rec); !strings.Contains(strings.ReplaceAll(body, "\u00a0", " "), tc.want) {
			t.Errorf("the place's page does not say %q", tc.want)
		}
	}
	if sp := f.space(t, f.desk.PublicID); sp.Capacity != 4 || sp.Kind != places.SpaceOpen {
		t.Errorf("after refused edits, the space is %s for %d", sp.Kind, sp.Capacity)
	}
	if body := f.follow(t, f.manager, edit("open_space", "3")); !strings.Contains(body, "L’espace est enregistré.") || f.space(t, f.desk.PublicID).Capacity != 3 {
		t.Errorf("a capacity that fits the three bookings was refused")
	}
}

// space reads a space of the place as it is stored.
func (f *hostingFixture) space(t *testing.T, publicID string) places.Space {
	t.Helper()
	p, err := f.srv.Places.Place(t.Context(), f.place.Slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range p.Spaces {
		if sp.PublicID == publicID {
			return sp
		}
	}
	t.Fatalf("no space %s", publicID)
	return places.Space{}
}
