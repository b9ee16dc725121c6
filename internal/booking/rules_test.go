package booking_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
	"coopconnect/internal/testkit"
)

var paris, _ = time.LoadLocation("Europe/Paris")

// hoursOfLaFilature are the place's opening hours in these tests.
const hoursOfLaFilature = "Mo-Fr 08:30-12:30,13:30-18:00; PH off"

// monday is 2026-02-02 in Paris, at h:m.
func monday(h, m int) time.Time { return time.Date(2026, 2, 2, h, m, 0, 0, paris) }

// ruled is a fixture of a place with real hours, a desk booked by
// half-days and a room booked by the hour, seen on Monday 2 February 2026
// at 8:00 in Paris.
type ruled struct {
	*fixture
	desk, room space
	notices    *noticeLog
}

type noticeLog struct {
	mu     sync.Mutex
	events []string
}

func (n *noticeLog) add(e string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.events = append(n.events, e)
}

func (n *noticeLog) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.events, " ")
}

// tellFunc is a Tell that calls itself.
type tellFunc func(ctx context.Context, tx *db.Tx) error

func (f tellFunc) Queue(ctx context.Context, tx *db.Tx) error { return f(ctx, tx) }

func newRuled(t *testing.T, d *db.DB, users int) *ruled {
	f := newFixture(t, d, users)
	d.Clock = coop.NewFixedClock(monday(8, 0))
	r := &ruled{fixture: f, notices: &noticeLog{}}
	f.svc.Notify = func(_ context.Context, _ *db.Tx, n booking.Notice) (booking.Tell, error) {
		return tellFunc(func(context.Context, *db.Tx) error {
			r.notices.add(n.Event + ":" + n.Booking.Who())
			return nil
		}), nil
	}
	f.exec(`UPDATE places SET opening_hours = $1`, hoursOfLaFilature)
	f.exec(`DELETE FROM booking_rules`)
	r.desk = f.space("open_space", 2)
	r.room = f.space("meeting_room", 6)
	f.exec(`UPDATE spaces SET booking_unit = 'half_day' WHERE id = $1`, r.desk.ID)
	f.exec(`UPDATE spaces SET booking_unit = 'hour' WHERE id = $1`, r.room.ID)
	return r
}

func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if err := f.d.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) rules(in booking.RuleInput) {
	f.t.Helper()
	if err := f.svc.SaveRules(ctx, f.staff, "la-filature", "", in, ""); err != nil {
		f.t.Fatal(err)
	}
}

// wantRefusal checks a refusal's stable code.
func wantRefusal(t *testing.T, err error, reason string) {
	t.Helper()
	e := coop.AsError(err)
	if e == nil || e.Reason != reason {
		t.Fatalf("error = %v, want the refusal %s", err, reason)
	}
}

// french renders a refusal as the pages show it.
func french(t *testing.T, err error) string {
	t.Helper()
	cat, lerr := i18n.Load()
	if lerr != nil {
		t.Fatal(lerr)
	}
	l := cat.For("fr")
	var tr func(key string, args []any) string
	tr = func(key string, args []any) string {
		out := make([]any, len(args))
		for i, a := range args {
			if m, ok := a.(coop.Msg); ok {
				out[i] = tr(m.Key, m.Args)
			} else {
				out[i] = a
			}
		}
		return l.T(key, out...)
	}
	e := coop.AsError(err)
	return strings.ReplaceAll(tr(e.Message, e.Args), "\u00a0", " ")
}

func TestBook_FollowsOpeningHoursUnitsAndBlockedDays(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 1)
		ok := func(sp space, start, end time.Time) {
			t.Helper()
			b, err := r.svc.Book(ctx, r.req(sp, 0, start, end))
			if err != nil {
				t.Fatalf("%s %s–%s: %v", sp.PublicID, start, end, err)
			}
			if _, err := r.svc.Cancel(ctx, r.member(0), b.PublicID, ""); err != nil {
				t.Fatal(err)
			}
		}
		refused := func(sp space, start, end time.Time, reason string) {
			t.Helper()
			_, err := r.svc.Book(ctx, r.req(sp, 0, start, end))
			wantRefusal(t, err, reason)
		}
		ok(r.desk, monday(8, 30), monday(12, 30))                               // morning
		ok(r.desk, monday(13, 30), monday(18, 0))                               // afternoon
		ok(r.desk, monday(8, 30), monday(18, 0))                                // whole day
		refused(r.desk, monday(9, 0), monday(12, 30), "booking.half_days_only") // not a half-day
		ok(r.room, monday(10, 0), monday(12, 0))
		refused(r.room, monday(10, 30), monday(11, 0), "booking.not_aligned")
		refused(r.room, monday(10, 15), monday(11, 15), "booking.not_aligned")
		ok(r.room, monday(8, 30), monday(9, 30))
		refused(r.room, monday(12, 0), monday(14, 0), "booking.closed") // over the lunch break
		refused(r.room, monday(7, 0).AddDate(0, 0, 1), monday(9, 0).AddDate(0, 0, 1), "booking.closed")
		refused(r.room, monday(8, 0).AddDate(0, 0, 5).Add(2*time.Hour), monday(8, 0).AddDate(0, 0, 5).Add(3*time.Hour), "booking.closed_day") // Saturday
		easterMonday := time.Date(2026, 4, 6, 10, 0, 0, 0, paris)
		r.rules(booking.RuleInput{WindowDays: "120"})
		refused(r.room, easterMonday, easterMonday.Add(time.Hour), "booking.closed_day")
		// Hours silent on public holidays keep them off; hours that say
		// what the place does on them are followed.
		r.exec(`UPDATE places SET opening_hours = 'Mo-Fr 08:30-12:30,13:30-18:00'`)
		refused(r.room, easterMonday, easterMonday.Add(time.Hour), "booking.closed_day")
		ok(r.room, easterMonday.AddDate(0, 0, 1), easterMonday.AddDate(0, 0, 1).Add(time.Hour)) // the Tuesday after
		r.exec(`UPDATE places SET opening_hours = 'Mo-Fr 08:30-12:30,13:30-18:00; PH 10:00-12:00'`)
		ok(r.room, easterMonday, easterMonday.Add(time.Hour))
		refused(r.room, easterMonday.Add(4*time.Hour), easterMonday.Add(5*time.Hour), "booking.closed")
		r.exec(`UPDATE places SET opening_hours = $1`, hoursOfLaFilature)
		refused(r.room, monday(17, 0), monday(17, 0).Add(16*time.Hour), "booking.one_day")

		if err := r.svc.Block(ctx, r.staff, "la-filature", booking.BlockedInput{Day: "2026-02-03", Reason: "inventaire"}); err != nil {
			t.Fatal(err)
		}
		tuesday := monday(10, 0).AddDate(0, 0, 1)
		_, err := r.svc.Book(ctx, r.req(r.room, 0, tuesday, tuesday.Add(time.Hour)))
		wantRefusal(t, err, "booking.blocked_date")
		if got := french(t, err); !strings.Contains(got, "mardi 3 février (inventaire)") {
			t.Errorf("message: %q", got)
		}
		// A day blocked for one space leaves the others bookable.
		wednesday := tuesday.AddDate(0, 0, 1)
		if err := r.svc.Block(ctx, r.staff, "la-filature", booking.BlockedInput{Space: r.desk.PublicID, Day: "2026-02-04"}); err != nil {
			t.Fatal(err)
		}
		refused(r.desk, time.Date(2026, 2, 4, 8, 30, 0, 0, paris), time.Date(2026, 2, 4, 12, 30, 0, 0, paris), "booking.blocked_date")
		ok(r.room, wednesday, wednesday.Add(time.Hour))
		if err := r.svc.Unblock(ctx, r.staff, "la-filature", r.desk.PublicID, "2026-02-04"); err != nil {
			t.Fatal(err)
		}
		ok(r.desk, time.Date(2026, 2, 4, 8, 30, 0, 0, paris), time.Date(2026, 2, 4, 12, 30, 0, 0, paris))

		// A place closed for good takes no booking, whoever asks.
		r.exec(`UPDATE places SET status = 'closed'`)
		refused(r.room, monday(10, 0), monday(11, 0), "booking.place_closed")
		staffReq := r.req(r.room, 0, monday(10, 0), monday(11, 0))
		staffReq.By, staffReq.GuestName, staffReq.GuestContact, staffReq.Audience = r.staff, "Camille Martin", "06 12 34 56 78", "professionals"
		_, err = r.svc.Book(ctx, staffReq)
		wantRefusal(t, err, "booking.place_closed")
		r.exec(`UPDATE places SET status = 'open'`)

		r.exec(`UPDATE places SET opening_hours = ''`)
		refused(r.room, monday(10, 0), monday(11, 0), "booking.no_hours")
		checkNoneHeld(t, d)
	})
}

// checkNoneHeld checks that refused requests wrote nothing: every booking
// made by these tests was cancelled.
func checkNoneHeld(t *testing.T, d *db.DB) {
	t.Helper()
	var n int
	_ = d.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings WHERE status <> 'cancelled'`).Scan(&n)
	})
	if n != 0 {
		t.Fatalf("%d bookings left that should not exist", n)
	}
}

func TestBook_KeepsAudienceWindowsApart(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 2)
		r.exec(`UPDATE users SET audience = 'e_inclusion' WHERE id = $1`, r.users[1])
		w, err := r.svc.AddWindow(ctx, r.staff, "la-filature", booking.WindowInput{Space: r.room.PublicID, Audience: booking.AudienceEInclusion,
			Days: []string{"2", "4"}, Start: "14:00", End: "17:00", Label: "ateliers e-inclusion"})
		if err != nil {
			t.Fatal(err)
		}
		tuesday := func(h int) time.Time { return monday(h, 0).AddDate(0, 0, 1) }
		_, err = r.svc.Book(ctx, r.req(r.room, 0, tuesday(15), tuesday(16)))
		wantRefusal(t, err, "booking.audience_window_try")
		if got, want := french(t, err), "Ce créneau est réservé aux ateliers e-inclusion le mardi de 14 h à 17 h — essayez 17 h."; got != want {
			t.Errorf("message:\n got %q\nwant %q", got, want)
		}
		// Touching the window's edges is fine; the other audience books inside.
		if _, err := r.svc.Book(ctx, r.req(r.room, 0, tuesday(12), tuesday(13).Add(time.Hour))); err == nil {
			t.Fatal("12:00–13:00 crosses the lunch break") // the hours still apply
		}
		if _, err := r.svc.Book(ctx, r.req(r.room, 0, tuesday(17), tuesday(18))); err != nil {
			t.Fatal(err)
		}
		inside, err := r.svc.Book(ctx, r.req(r.room, 1, tuesday(14), tuesday(16)))
		if err != nil || inside.Audience != booking.AudienceEInclusion {
			t.Fatalf("e-inclusion booking: %+v %v", inside, err)
		}
		// A member books for the audience they declared, not another.
		req := r.req(r.room, 0, tuesday(16), tuesday(17))
		req.Audience = booking.AudienceEInclusion
		_, err = r.svc.Book(ctx, req)
		wantCode(t, err, coop.EInvalid, "error.invalid_form")
		// The staff chooses, and the windows bind them too.
		walkIn := booking.Request{By: r.staff, GuestName: "M. Roux", GuestContact: "04 92 00 00 00", SpacePublicID: r.room.PublicID,
			Audience: booking.AudienceProfessionals, Start: tuesday(16), End: tuesday(17)}
		_, err = r.svc.Book(ctx, walkIn)
		wantRefusal(t, err, "booking.audience_window_try")
		walkIn.Audience = booking.AudienceEInclusion
		if _, err := r.svc.Book(ctx, walkIn); err != nil {
			t.Fatal(err)
		}
		// Wednesday has no window; the desk is not in the room's window.
		if _, err := r.svc.Book(ctx, r.req(r.room, 0, tuesday(15).AddDate(0, 0, 1), tuesday(16).AddDate(0, 0, 1))); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Book(ctx, r.req(r.desk, 0, tuesday(13).Add(30*time.Minute), tuesday(18))); err != nil {
			t.Fatal(err)
		}
		// A window ending at closing time suggests nothing.
		if err := r.svc.DeleteWindow(ctx, r.staff, "la-filature", w.PublicID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.AddWindow(ctx, r.staff, "la-filature", booking.WindowInput{Audience: booking.AudienceProfessionals,
			Days: []string{"1", "2", "3", "4", "5"}, Start: "08:30", End: "18:00"}); err != nil {
			t.Fatal(err)
		}
		_, err = r.svc.Book(ctx, r.req(r.room, 1, tuesday(10).AddDate(0, 0, 2), tuesday(11).AddDate(0, 0, 2)))
		wantRefusal(t, err, "booking.audience_window")
		if got := french(t, err); !strings.Contains(got, "réservé aux professionnels le jeudi de 8 h 30 à 18 h") {
			t.Errorf("message: %q", got)
		}
		// Invalid windows are refused by field.
		_, err = r.svc.AddWindow(ctx, r.staff, "la-filature", booking.WindowInput{Audience: "tous", Start: "17:00", End: "14:00"})
		e := coop.AsError(err)
		if e == nil || e.Fields["window_audience"] == "" || e.Fields["days"] == "" || e.Fields["window_end"] == "" {
			t.Fatalf("invalid window: %v", err)
		}
	})
}

func TestBook_AppliesThePlaceAndSpaceRules(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 2)
		r.rules(booking.RuleInput{NoticeMinutes: "120", WindowDays: "7", MaxActive: "2"})
		if err := r.svc.SaveRules(ctx, r.staff, "la-filature", r.room.PublicID, booking.RuleInput{MinMinutes: "60", MaxMinutes: "120"}, "half_hour"); err != nil {
			t.Fatal(err)
		}
		_, err := r.svc.Book(ctx, r.req(r.room, 0, monday(9, 0), monday(10, 0)))
		wantRefusal(t, err, "booking.notice")
		if got := french(t, err); got != "Réservez au moins 2 h à l’avance : ce créneau est trop proche." {
			t.Errorf("notice message: %q", got)
		}
		_, err = r.svc.Book(ctx, r.req(r.room, 0, monday(10, 0).AddDate(0, 0, 8), monday(11, 0).AddDate(0, 0, 8)))
		wantRefusal(t, err, "booking.beyond_window")
		_, err = r.svc.Book(ctx, r.req(r.room, 0, monday(10, 0), monday(10, 30)))
		wantRefusal(t, err, "booking.duration_min")
		_, err = r.svc.Book(ctx, r.req(r.room, 0, monday(14, 0), monday(16, 30)))
		wantRefusal(t, err, "booking.duration_max")
		// The space's half-hour unit applies.
		if _, err := r.svc.Book(ctx, r.req(r.room, 0, monday(10, 30), monday(11, 30))); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Book(ctx, r.req(r.desk, 0, monday(13, 30), monday(18, 0))); err != nil {
			t.Fatal(err)
		}
		_, err = r.svc.Book(ctx, r.req(r.desk, 0, monday(8, 30).AddDate(0, 0, 1), monday(12, 30).AddDate(0, 0, 1)))
		wantRefusal(t, err, "booking.max_active")
		// The staff is bound by neither the notice nor the active bookings.
		walkIn := booking.Request{By: r.staff, GuestName: "Mme Blanc", GuestContact: "blanc@example.fr", Audience: booking.AudienceProfessionals,
			SpacePublicID: r.room.PublicID, Start: monday(9, 0), End: monday(10, 0)}
		if _, err := r.svc.Book(ctx, walkIn); err != nil {
			t.Fatal(err)
		}
		// Invalid rules are refused by field, and nothing changes.
		err = r.svc.SaveRules(ctx, r.staff, "la-filature", "", booking.RuleInput{WindowDays: "0", NoticeMinutes: "deux", Approval: "peut-être"}, "")
		e := coop.AsError(err)
		if e == nil || e.Fields["window_days"] != "booking.rule_range" || e.Fields["notice_minutes"] != "error.whole_number" || e.Fields["approval"] == "" {
			t.Fatalf("invalid rules: %v", err)
		}
		setup, err := r.svc.Settings(ctx, r.staff, "la-filature")
		if err != nil || setup.Rules.WindowDays != 7 || setup.Rules.NoticeMinutes != 120 {
			t.Fatalf("rules after a refused save: %+v %v", setup.Rules, err)
		}
		// A member may not change the rules.
		err = r.svc.SaveRules(ctx, r.member(0), "la-filature", "", booking.RuleInput{}, "")
		wantCode(t, err, coop.EForbidden, "")
	})
}

func TestBook_ApprovalLetsTheStaffDecide(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 2)
		r.rules(booking.RuleInput{Approval: "yes"})
		a, err := r.svc.Book(ctx, r.req(r.room, 0, monday(10, 0), monday(11, 0)))
		if err != nil || a.Status != booking.Pending {
			t.Fatalf("%+v %v", a, err)
		}
		// A pending booking holds the room, and waits in the staff's list.
		_, err = r.svc.Book(ctx, r.req(r.room, 1, monday(10, 0), monday(11, 0)))
		wantRefusal(t, err, "booking.overlap")
		if list, err := r.svc.PendingForPlace(ctx, r.staff, "la-filature"); err != nil || len(list) != 1 || list[0].PublicID != a.PublicID {
			t.Fatalf("requests to decide: %+v %v, want the pending one", list, err)
		}
		_, err = r.svc.PendingForPlace(ctx, r.member(0), "la-filature")
		wantCode(t, err, coop.EForbidden, "")
		_, err = r.svc.Decide(ctx, r.member(1), a.PublicID, true, "")
		wantCode(t, err, coop.ENotFound, "")
		_, err = r.svc.Decide(ctx, r.member(0), a.PublicID, true, "")
		wantCode(t, err, coop.EForbidden, "")
		if a, err = r.svc.Decide(ctx, r.staff, a.PublicID, true, ""); err != nil || a.Status != booking.Confirmed {
			t.Fatalf("approve: %+v %v", a, err)
		}
		b, err := r.svc.Book(ctx, r.req(r.room, 1, monday(14, 0), monday(15, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = r.svc.Decide(ctx, r.staff, b.PublicID, false, "Salle réservée pour le conseil communautaire"); err != nil || b.Status != booking.Refused {
			t.Fatalf("refuse: %+v %v", b, err)
		}
		_, err = r.svc.Decide(ctx, r.staff, b.PublicID, true, "")
		wantRefusal(t, err, "booking.not_pending")
		// The refusal freed the slot.
		if _, err := r.svc.Book(ctx, booking.Request{By: r.staff, GuestName: "Conseil", GuestContact: "cc@example.fr",
			Audience: booking.AudienceProfessionals, SpacePublicID: r.room.PublicID, Start: monday(14, 0), End: monday(15, 0)}); err != nil {
			t.Fatal(err)
		}
		// Approved for its times, a booking moved by its member waits for
		// the staff again; moved by the staff, it stays approved.
		if a, err = r.svc.Move(ctx, r.member(0), a.PublicID, monday(16, 0), monday(17, 0), ""); err != nil || a.Status != booking.Pending {
			t.Fatalf("moved by its member: %+v %v", a, err)
		}
		if a, err = r.svc.Decide(ctx, r.staff, a.PublicID, true, ""); err != nil || a.Status != booking.Confirmed {
			t.Fatalf("approve the move: %+v %v", a, err)
		}
		if a, err = r.svc.Move(ctx, r.staff, a.PublicID, monday(15, 0), monday(16, 0), ""); err != nil || a.Status != booking.Confirmed {
			t.Fatalf("moved by the staff: %+v %v", a, err)
		}
		if got, want := r.notices.String(), "pending:membre0@example.fr confirmed:membre0@example.fr pending:membre1@example.fr refused:membre1@example.fr confirmed:Conseil "+
			"pending:membre0@example.fr confirmed:membre0@example.fr moved:membre0@example.fr"; got != want {
			t.Errorf("notices:\n got %s\nwant %s", got, want)
		}
	})
}

func TestWaitlist_TheFirstInLineGetsTheFreedSeatThenTheNext(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 4)
		r.rules(booking.RuleInput{HoldMinutes: "60"})
		clock := d.Clock.(*coop.FixedClock)
		morning := func(user int) booking.Request {
			return r.req(r.desk, user, monday(8, 30).AddDate(0, 0, 1), monday(12, 30).AddDate(0, 0, 1))
		}
		two := morning(0)
		two.Seats = 2
		a, err := r.svc.Book(ctx, two)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.svc.Book(ctx, morning(1))
		wantRefusal(t, err, "booking.full")
		wait := morning(1)
		wait.Waitlist = true
		b, err := r.svc.Book(ctx, wait)
		if err != nil || b.Status != booking.Waiting {
			t.Fatalf("waitlist: %+v %v", b, err)
		}
		_, err = r.svc.Book(ctx, wait)
		wantRefusal(t, err, "booking.already_waiting")
		wait = morning(2)
		wait.Waitlist = true
		c, err := r.svc.Book(ctx, wait)
		if err != nil || c.Status != booking.Waiting {
			t.Fatalf("waitlist: %+v %v", c, err)
		}
		wait = morning(3)
		wait.Waitlist = true
		last, err := r.svc.Book(ctx, wait)
		if err != nil || last.Status != booking.Waiting {
			t.Fatalf("waitlist: %+v %v", last, err)
		}
		// Two seats free up: both in line are offered one, in order.
		clock.Advance(time.Minute)
		if _, err := r.svc.Cancel(ctx, r.member(0), a.PublicID, ""); err != nil {
			t.Fatal(err)
		}
		b, _ = r.svc.Get(ctx, b.PublicID)
		c, _ = r.svc.Get(ctx, c.PublicID)
		last, _ = r.svc.Get(ctx, last.PublicID)
		if b.Status != booking.Offered || c.Status != booking.Offered || b.HoldUntil == nil || !b.HoldUntil.Equal(clock.Now().Add(time.Hour).UTC()) ||
			last.Status != booking.Waiting {
			t.Fatalf("after the cancellation: %+v / %+v / %+v", b, c, last)
		}
		// The first takes it; the second lets the offer expire.
		if b, err = r.svc.Accept(ctx, r.member(1), b.PublicID); err != nil || b.Status != booking.Confirmed {
			t.Fatalf("accept: %+v %v", b, err)
		}
		clock.Advance(61 * time.Minute)
		_, err = r.svc.Accept(ctx, r.member(2), c.PublicID)
		wantRefusal(t, err, "booking.offer_expired")
		n, err := r.svc.Sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		if c, _ = r.svc.Get(ctx, c.PublicID); c.Status != booking.Expired {
			t.Fatalf("the unanswered offer is %s", c.Status)
		}
		// The seat it held goes to the next in line, with a new delay.
		if last, _ = r.svc.Get(ctx, last.PublicID); last.Status != booking.Offered || last.HoldUntil == nil || !last.HoldUntil.Equal(clock.Now().Add(time.Hour).UTC()) {
			t.Fatalf("the next in line after an expired offer: %+v", last)
		}
		// Once they leave the line, the seat is free again.
		if _, err := r.svc.Cancel(ctx, r.member(3), last.PublicID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Book(ctx, morning(0)); err != nil {
			t.Fatal(err)
		}
		if got, want := r.notices.String(), "confirmed:membre0@example.fr waiting:membre1@example.fr waiting:membre2@example.fr waiting:membre3@example.fr "+
			"cancelled:membre0@example.fr offered:membre1@example.fr offered:membre2@example.fr confirmed:membre1@example.fr expired:membre2@example.fr "+
			"offered:membre3@example.fr cancelled:membre3@example.fr confirmed:membre0@example.fr"; got != want {
			t.Errorf("notices:\n got %s\nwant %s", got, want)
		}
		checkInvariants(t, d)
	})
}

// The sweep lists what is due, then locks each booking's place: an offer
// cancelled meanwhile stays cancelled. (On SQLite, whose writes run one at
// a time, nothing changes meanwhile.)
func TestSweep_AnOfferCancelledWhileTheSweepWaitsStaysCancelled(t *testing.T) {
	if !slices.Contains(testkit.Engines(t), db.Postgres) {
		t.Skip("PostgreSQL only, and " + testkit.PostgresEnv + " is not set")
	}
	d := testkit.NewDB(t, db.Postgres, nil)
	r := newRuled(t, d, 2)
	r.rules(booking.RuleInput{HoldMinutes: "60"})
	clock := d.Clock.(*coop.FixedClock)
	start, end := monday(14, 0).AddDate(0, 0, 1), monday(15, 0).AddDate(0, 0, 1)
	a, err := r.svc.Book(ctx, r.req(r.room, 0, start, end))
	if err != nil {
		t.Fatal(err)
	}
	w := r.req(r.room, 1, start, end)
	w.Waitlist = true
	b, err := r.svc.Book(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Cancel(ctx, r.member(0), a.PublicID, ""); err != nil {
		t.Fatal(err)
	}
	if b, _ = r.svc.Get(ctx, b.PublicID); b.Status != booking.Offered {
		t.Fatalf("the first in line: %s, want offered", b.Status)
	}
	clock.Advance(61 * time.Minute)

	// Another transaction holds the place while the sweep lists the
	// expired offer, then cancels it.
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM places WHERE id = (SELECT place_id FROM spaces WHERE public_id = $1) FOR UPDATE`, r.room.PublicID); err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		n   int
		err error
	}
	swept := make(chan outcome, 1)
	go func() {
		n, err := r.svc.Sweep(ctx)
		swept <- outcome{n, err}
	}()
	waitForALock(t, d)
	if _, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'cancelled', cancelled_at = $2, sequence = sequence + 1
		WHERE public_id = $1`, b.PublicID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if o := <-swept; o.err != nil || o.n != 0 {
		t.Fatalf("sweep: %d expired, %v; want none", o.n, o.err)
	}
	if b, _ = r.svc.Get(ctx, b.PublicID); b.Status != booking.Cancelled {
		t.Errorf("the offer cancelled while the sweep waited is %s", b.Status)
	}
}

// waitForALock returns once a statement of the test's PostgreSQL
// database waits for a lock.
func waitForALock(t *testing.T, d *db.DB) {
	t.Helper()
	for waiting := 0; waiting == 0; time.Sleep(5 * time.Millisecond) {
		if err := d.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
}

// A manager's edit of a space waits for its place before it touches the
// space, as bookings do: a space locked while its place is awaited would
// deadlock with a booking holding the place and awaiting the space.
func TestSpaceEdits_LockThePlaceBeforeTheSpace(t *testing.T) {
	if !slices.Contains(testkit.Engines(t), db.Postgres) {
		t.Skip("PostgreSQL only, and " + testkit.PostgresEnv + " is not set")
	}
	d := testkit.NewDB(t, db.Postgres, nil)
	r := newRuled(t, d, 1)
	spaces := &places.Service{DB: d}
	edits := map[string]func() error{
		"the space's description": func() error {
			_, err := spaces.UpdateSpace(ctx, r.staff, "la-filature", r.room.PublicID, places.SpaceInput{
				Name: "Salle du conseil", Kind: "meeting_room", Capacity: "8", Audience: "both", Description: "Écran et visioconférence"})
			return err
		},
		"its booking unit": func() error {
			return r.svc.SaveRules(ctx, r.staff, "la-filature", r.room.PublicID, booking.RuleInput{}, "half_hour")
		},
		"its removal": func() error {
			return spaces.DeleteSpace(ctx, r.staff, "la-filature", r.room.PublicID)
		},
	}
	for _, name := range []string{"the space's description", "its booking unit", "its removal"} {
		tx, err := d.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM places WHERE id = $1 FOR UPDATE`, r.place); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- edits[name]() }()
		waitForALock(t, d)
		if _, err := d.SQL.ExecContext(ctx, `SELECT 1 FROM spaces WHERE id = $1 FOR UPDATE NOWAIT`, r.room.ID); err != nil {
			t.Errorf("%s: the space is locked while its place is awaited: %v", name, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A manager's edit of a space cannot break what its bookings hold: a
// smaller capacity must fit the bookings to come, a booked space keeps
// its way of being booked, and a space with people expected is not
// deleted under them.
func TestSpaceEdits_KeepTheBookingsWhole(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 2)
		spaces := &places.Service{DB: d}
		edit := func(sp space, kind string, capacity int) error {
			_, err := spaces.UpdateSpace(ctx, r.staff, "la-filature", sp.PublicID, places.SpaceInput{
				Name: "Espace " + kind, Kind: kind, Capacity: fmt.Sprint(capacity), Audience: "both"})
			return err
		}
		capacity := func(sp space) (n int) {
			if err := d.Read(ctx, func(tx *db.Tx) error {
				return tx.QueryRowContext(ctx, `SELECT capacity FROM spaces WHERE id = $1`, sp.ID).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		tomorrow := func(h, m int) time.Time { return monday(h, m).AddDate(0, 0, 1) }
		// Tomorrow morning, both desks are taken.
		var held []booking.Booking
		for i := range 2 {
			b, err := r.svc.Book(ctx, r.req(r.desk, i, tomorrow(8, 30), tomorrow(12, 30)))
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, b)
		}
		wantRefusal(t, edit(r.desk, "open_space", 1), "places.capacity_below_bookings")
		if n := capacity(r.desk); n != 2 {
			t.Fatalf("capacity %d after a refused edit, want 2", n)
		}
		if err := edit(r.desk, "open_space", 3); err != nil {
			t.Fatal(err)
		}
		if err := edit(r.desk, "equipment", 2); err != nil { // counted by the unit too
			t.Fatal(err)
		}
		wantRefusal(t, edit(r.desk, "office", 2), "places.space_kind_locked")
		// A room's booking brings its people: the room must seat them.
		if _, err := r.svc.Book(ctx, booking.Request{By: r.member(0), SpacePublicID: r.room.PublicID,
			Start: tomorrow(14, 0), End: tomorrow(15, 0), Seats: 5}); err != nil {
			t.Fatal(err)
		}
		wantRefusal(t, edit(r.room, "meeting_room", 4), "places.capacity_below_bookings")
		if err := edit(r.room, "office", 5); err != nil {
			t.Fatal(err)
		}
		wantRefusal(t, edit(r.room, "open_space", 5), "places.space_kind_locked")

		err := spaces.DeleteSpace(ctx, r.staff, "la-filature", r.desk.PublicID)
		wantRefusal(t, err, "places.space_has_bookings")
		for i, b := range held {
			if _, err := r.svc.Cancel(ctx, r.member(i), b.PublicID, ""); err != nil {
				t.Fatal(err)
			}
		}
		// Cancelled, the bookings no longer hold the capacity either.
		if err := edit(r.desk, "equipment", 1); err != nil {
			t.Fatal(err)
		}
		if err := spaces.DeleteSpace(ctx, r.staff, "la-filature", r.desk.PublicID); err != nil {
			t.Fatal(err)
		}
		// Once past, bookings keep nothing from changing.
		d.Clock.(*coop.FixedClock).Advance(48 * time.Hour)
		if err := edit(r.room, "office", 1); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWaitlist_ASeatFreedWhileOthersRaceForItGoesToTheFirstInLine(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 20)
		start, end := monday(14, 0).AddDate(0, 0, 2), monday(15, 0).AddDate(0, 0, 2)
		a, err := r.svc.Book(ctx, r.req(r.room, 0, start, end))
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			w := r.req(r.room, i, start, end)
			w.Waitlist = true
			if _, err := r.svc.Book(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
		// While the room is freed, 16 others try to book it directly.
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := r.svc.Cancel(ctx, r.member(0), a.PublicID, ""); err != nil {
				t.Error(err)
			}
		})
		ok, _ := race(t, 16, func(i int) error {
			_, err := r.svc.Book(ctx, r.req(r.room, 4+i, start, end))
			return err
		}, "")
		wg.Wait()
		// The cancellation offers the seat in its own transaction: no
		// direct booking gets in between, and the first in line has it.
		var holding, offered int
		var holder int64
		_ = d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN status = 'offered' THEN 1 ELSE 0 END), 0), COALESCE(MAX(user_id), 0)
				FROM bookings WHERE status IN ('pending', 'offered', 'confirmed')`).Scan(&holding, &offered, &holder)
		})
		if holding != 1 || offered != 1 || ok != 0 || holder != r.users[1] {
			t.Fatalf("%d bookings hold the room (%d offered, %d direct, held by user %d), want one offer to the first in line (user %d)",
				holding, offered, ok, holder, r.users[1])
		}
		checkInvariants(t, d)
	})
}

func TestMoveAndCancel_WithinTheDeadline(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 2)
		r.rules(booking.RuleInput{CancelMinutes: "1440"})
		tomorrow := func(h int) time.Time { return monday(h, 0).AddDate(0, 0, 1) }
		a, err := r.svc.Book(ctx, r.req(r.room, 0, tomorrow(10), tomorrow(11)))
		if err != nil {
			t.Fatal(err)
		}
		other, err := r.svc.Book(ctx, r.req(r.room, 1, tomorrow(14), tomorrow(15)))
		if err != nil {
			t.Fatal(err)
		}
		deadlines, err := r.svc.ChangeDeadlines(ctx, []booking.Booking{a, other})
		if err != nil || len(deadlines) != 2 || !deadlines[a.PublicID].Equal(tomorrow(10).AddDate(0, 0, -1)) {
			t.Fatalf("deadlines for changes: %v %v, want a day before each start", deadlines, err)
		}
		_, err = r.svc.Move(ctx, r.member(0), a.PublicID, tomorrow(14), tomorrow(16), "")
		wantRefusal(t, err, "booking.overlap")
		_, err = r.svc.Move(ctx, r.member(1), a.PublicID, tomorrow(15), tomorrow(16), "")
		wantCode(t, err, coop.ENotFound, "booking.not_found")
		moved, err := r.svc.Move(ctx, r.member(0), a.PublicID, tomorrow(15), tomorrow(17), "")
		if err != nil || !moved.Start.Equal(tomorrow(15)) || moved.Sequence != 1 {
			t.Fatalf("move: %+v %v", moved, err)
		}
		again, err := r.svc.Move(ctx, r.member(0), a.PublicID, tomorrow(15), tomorrow(17), "")
		if err != nil || again.Sequence != 1 {
			t.Fatalf("the same move again: %+v %v", again, err)
		}
		// The old slot is free.
		if _, err := r.svc.Book(ctx, r.req(r.room, 1, tomorrow(10), tomorrow(11))); err != nil {
			t.Fatal(err)
		}
		// Less than a day before: the member can neither move nor cancel; the staff can.
		r.d.Clock.(*coop.FixedClock).Advance(8 * time.Hour)
		_, err = r.svc.Move(ctx, r.member(0), a.PublicID, tomorrow(16), tomorrow(18), "")
		wantRefusal(t, err, "booking.cancel_deadline")
		_, err = r.svc.Cancel(ctx, r.member(1), other.PublicID, "")
		wantRefusal(t, err, "booking.cancel_deadline")
		if got := french(t, err); !strings.Contains(got, "jusqu’à 1 jour avant le début") {
			t.Errorf("message: %q", got)
		}
		if c, err := r.svc.Cancel(ctx, r.staff, other.PublicID, ""); err != nil || c.Status != booking.Cancelled {
			t.Fatalf("staff cancel: %+v %v", c, err)
		}
	})
}

func TestMoveAndCancel_WithAKeyHappenOnce(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 2)
		tomorrow := func(h int) time.Time { return monday(h, 0).AddDate(0, 0, 1) }
		a, err := r.svc.Book(ctx, r.req(r.room, 0, tomorrow(9), tomorrow(10)))
		if err != nil {
			t.Fatal(err)
		}
		// The same move sent ten times at once moves the booking once.
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for range 10 {
			wg.Go(func() {
				_, err := r.svc.Move(ctx, r.member(0), a.PublicID, tomorrow(10), tomorrow(11), "deplacer-1")
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a repeated move: %v", err)
			}
		}
		b, _ := r.svc.Get(ctx, a.PublicID)
		if !b.Start.Equal(tomorrow(10)) || b.Sequence != 1 {
			t.Fatalf("after ten times the same move: %s, sequence %d; want 10:00, 1", b.Start, b.Sequence)
		}
		// A later move, then the first one arriving late again: it
		// changes nothing.
		if _, err := r.svc.Move(ctx, r.member(0), a.PublicID, tomorrow(14), tomorrow(15), "deplacer-2"); err != nil {
			t.Fatal(err)
		}
		late, err := r.svc.Move(ctx, r.member(0), a.PublicID, tomorrow(10), tomorrow(11), "deplacer-1")
		if err != nil || !late.Start.Equal(tomorrow(14)) || late.Sequence != 2 {
			t.Fatalf("the first move again, late: %s, sequence %d, %v; want 14:00, 2", late.Start, late.Sequence, err)
		}
		// The same key for another change is refused, and changes nothing.
		_, err = r.svc.Move(ctx, r.member(0), a.PublicID, tomorrow(16), tomorrow(17), "deplacer-1")
		wantCode(t, err, coop.EConflict, "booking.idempotency_mismatch")
		_, err = r.svc.Cancel(ctx, r.member(0), a.PublicID, "deplacer-2")
		wantCode(t, err, coop.EConflict, "booking.idempotency_mismatch")
		if b, _ = r.svc.Get(ctx, a.PublicID); b.Status != booking.Confirmed || !b.Start.Equal(tomorrow(14)) {
			t.Fatalf("after refused keys: %s at %s", b.Status, b.Start)
		}
		// Keys are each person's: another member's key does not collide.
		other, err := r.svc.Book(ctx, r.req(r.room, 1, tomorrow(16), tomorrow(17)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Cancel(ctx, r.member(1), other.PublicID, "deplacer-1"); err != nil {
			t.Fatal(err)
		}
		// A cancellation sent again with its key answers the booking.
		for range 2 {
			c, err := r.svc.Cancel(ctx, r.member(0), a.PublicID, "annuler-1")
			if err != nil || c.Status != booking.Cancelled || c.Sequence != 3 {
				t.Fatalf("cancel with a key: %s, sequence %d, %v", c.Status, c.Sequence, err)
			}
		}
		// A refused change records no key: sent again, it is tried again.
		c, err := r.svc.Book(ctx, r.req(r.room, 0, tomorrow(11), tomorrow(12)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.svc.Move(ctx, r.member(0), c.PublicID, tomorrow(7), tomorrow(8), "deplacer-3")
		wantRefusal(t, err, "booking.closed")
		_, err = r.svc.Move(ctx, r.member(0), c.PublicID, tomorrow(7), tomorrow(8), "deplacer-3")
		wantRefusal(t, err, "booking.closed")
		_, err = r.svc.Move(ctx, r.member(0), c.PublicID, tomorrow(10), tomorrow(11), strings.Repeat("k", 300))
		wantCode(t, err, coop.EInvalid, "error.invalid_form")
	})
}

func TestAttend_ChecksInAndMarksNoShowsInTime(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 1)
		clock := d.Clock.(*coop.FixedClock)
		b, err := r.svc.Book(ctx, r.req(r.room, 0, monday(10, 0), monday(12, 0)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.svc.Attend(ctx, r.staff, b.PublicID, booking.Present) // 8:00, two hours early
		wantRefusal(t, err, "booking.check_in_time")
		_, err = r.svc.Attend(ctx, r.member(0), b.PublicID, booking.Present)
		wantCode(t, err, coop.EForbidden, "")
		_, err = r.svc.Attend(ctx, r.staff, b.PublicID, booking.NoShow)
		wantRefusal(t, err, "booking.no_show_early")
		clock.Advance(90 * time.Minute) // 9:30
		if b, err = r.svc.Attend(ctx, r.staff, b.PublicID, booking.Present); err != nil || b.Attendance != booking.Present {
			t.Fatalf("check-in: %+v %v", b, err)
		}
		clock.Advance(time.Hour) // 10:30: a mistake, corrected
		if b, err = r.svc.Attend(ctx, r.staff, b.PublicID, booking.NoShow); err != nil || b.Attendance != booking.NoShow {
			t.Fatalf("no-show: %+v %v", b, err)
		}
		list, err := r.svc.ForPlace(ctx, r.staff, "la-filature", monday(0, 0), monday(23, 0))
		if err != nil || len(list) != 1 || list[0].Attendance != booking.NoShow {
			t.Fatalf("the day: %+v %v", list, err)
		}
		_, err = r.svc.ForPlace(ctx, r.member(0), "la-filature", monday(0, 0), monday(23, 0))
		wantCode(t, err, coop.EForbidden, "")
	})
}

func TestAvailability_SaysWhatIsFreeAndWhyNotForEachCaller(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 2)
		r.rules(booking.RuleInput{WindowDays: "3"})
		if _, err := r.svc.AddWindow(ctx, r.staff, "la-filature", booking.WindowInput{Space: r.room.PublicID, Audience: booking.AudienceEInclusion,
			Days: []string{"1"}, Start: "14:00", End: "16:00", Label: "ateliers"}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Book(ctx, r.req(r.desk, 1, monday(8, 30), monday(18, 0))); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Book(ctx, r.req(r.room, 1, monday(10, 0), monday(11, 0))); err != nil {
			t.Fatal(err)
		}
		member := r.member(0)
		av, err := r.svc.Availability(ctx, &member, "la-filature", monday(0, 0), monday(0, 0).AddDate(0, 0, 7), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(av.Spaces) != 2 {
			t.Fatalf("%d spaces", len(av.Spaces))
		}
		desk, room := av.Spaces[0], av.Spaces[1]
		// Five open days: two half-days for the desk, 4 + 4 hours for the room.
		if len(desk.Slots) != 10 || len(room.Slots) != 40 {
			t.Fatalf("%d desk slots and %d room slots, want 10 and 40", len(desk.Slots), len(room.Slots))
		}
		state := func(slots []booking.SlotState, start time.Time) booking.SlotState {
			for _, s := range slots {
				if s.Start.Equal(start) {
					return s
				}
			}
			t.Fatalf("no slot at %s", start)
			return booking.SlotState{}
		}
		if s := state(desk.Slots, monday(8, 30)); s.Free != 1 || !s.Bookable {
			t.Errorf("desk, Monday morning: %+v", s)
		}
		if s := state(room.Slots, monday(9, 30)); s.Free != 0 || s.Bookable || s.Reason.Reason != "booking.overlap" {
			t.Errorf("room at 9:30, booked 10:00–11:00: %+v", s)
		}
		if s := state(room.Slots, monday(8, 30)); !s.Bookable || s.Free != 1 {
			t.Errorf("room at 8:30, seen at 8:00: %+v", s)
		}
		if s := state(room.Slots, monday(14, 30)); s.Bookable || s.Window == nil || s.Reason.Reason != "booking.audience_window_try" {
			t.Errorf("room in the window: %+v", s)
		}
		thursday := monday(9, 30).AddDate(0, 0, 3)
		if s := state(room.Slots, thursday); s.Bookable || s.Reason.Reason != "booking.beyond_window" {
			t.Errorf("room beyond the booking window: %+v", s)
		}
		// The staff may book beyond the window; anonymous visitors may not book.
		staff, err := r.svc.Availability(ctx, &r.staff, "la-filature", thursday, thursday.Add(time.Hour), r.room.PublicID)
		if err != nil || len(staff.Spaces) != 1 || len(staff.Spaces[0].Slots) != 1 || !staff.Spaces[0].Slots[0].Bookable || !staff.Staff {
			t.Fatalf("staff: %+v %v", staff, err)
		}
		anon, err := r.svc.Availability(ctx, nil, "la-filature", monday(9, 0), monday(10, 0), "")
		if err != nil || anon.Spaces[0].Slots[0].Bookable || anon.Spaces[0].Slots[0].Reason.Reason != "booking.sign_in" {
			t.Fatalf("anonymous: %+v %v", anon, err)
		}
		_, err = r.svc.Availability(ctx, nil, "la-filature", monday(0, 0), monday(0, 0).AddDate(0, 0, 60), "")
		wantCode(t, err, coop.EInvalid, "")
		_, err = r.svc.Availability(ctx, nil, "nulle-part", monday(0, 0), monday(0, 0).AddDate(0, 0, 1), "")
		wantCode(t, err, coop.ENotFound, "")
	})
}

// A booking is read beside the writer, then written: what changed in
// between — the rules, the member's other bookings, the seats, the clock —
// decides, not what was read.
func TestBook_WhatChangesBetweenReadingAndWritingDecides(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 3)
		// No notices: on PostgreSQL a booking is then written in one
		// statement when it can, and that write decides too.
		r.svc.Notify = nil
		tuesday := func(h int) time.Time { return monday(h, 30).AddDate(0, 0, 1) }
		// rulesKnown sets the rules, and has the service read them (a plan
		// from memory would otherwise find its setup late, and the write
		// plan again: what the steps below check is the write's own).
		rulesKnown := func(in booking.RuleInput) {
			r.rules(in)
			member := r.member(0)
			if _, err := r.svc.Availability(ctx, &member, "la-filature", tuesday(8), tuesday(18), ""); err != nil {
				t.Fatal(err)
			}
		}
		meanwhile := func(fn func()) {
			r.svc.SetMeanwhile(func() {
				r.svc.SetMeanwhile(nil)
				fn()
			})
		}

		// New rules: a notice of two days now refuses Tuesday.
		meanwhile(func() { r.rules(booking.RuleInput{NoticeMinutes: "2880"}) })
		_, err := r.svc.Book(ctx, r.req(r.room, 0, tuesday(9), tuesday(10)))
		wantRefusal(t, err, "booking.notice")
		// Approval now required: the booking waits for the staff.
		r.rules(booking.RuleInput{})
		meanwhile(func() { r.rules(booking.RuleInput{Approval: "yes"}) })
		b, err := r.svc.Book(ctx, r.req(r.room, 0, tuesday(9), tuesday(10)))
		if err != nil || b.Status != booking.Pending {
			t.Fatalf("rules changed to approval: %v, %v; want pending", b.Status, err)
		}

		// The member booked elsewhere in the place meanwhile: their limit
		// of two is reached.
		r.rules(booking.RuleInput{MaxActive: "2", NoticeMinutes: "60"})
		meanwhile(func() {
			if _, err := r.svc.Book(ctx, r.req(r.desk, 0, tuesday(8), tuesday(12))); err != nil {
				t.Fatal(err)
			}
		})
		_, err = r.svc.Book(ctx, r.req(r.room, 0, tuesday(13), tuesday(14)))
		wantRefusal(t, err, "booking.max_active")
		// A limit set meanwhile counts too: member 1 holds none yet, then
		// one, and the limit becomes one.
		r.rules(booking.RuleInput{NoticeMinutes: "60"})
		if _, err := r.svc.Book(ctx, r.req(r.desk, 1, tuesday(8), tuesday(12))); err != nil {
			t.Fatal(err)
		}
		meanwhile(func() { r.rules(booking.RuleInput{MaxActive: "1", NoticeMinutes: "60"}) })
		_, err = r.svc.Book(ctx, r.req(r.room, 1, tuesday(13), tuesday(14)))
		wantRefusal(t, err, "booking.max_active")
		r.rules(booking.RuleInput{MaxActive: "2", NoticeMinutes: "60"})

		// Someone took the room meanwhile: the database refuses the
		// overlap, with or without an idempotency key.
		for i, key := range []string{"", "clé"} {
			start := tuesday(15 + i)
			meanwhile(func() {
				if _, err := r.svc.Book(ctx, r.req(r.room, 2, start, start.Add(time.Hour))); err != nil {
					t.Fatal(err)
				}
			})
			req := r.req(r.room, 1, start, start.Add(time.Hour))
			req.IdempotencyKey = key
			_, err = r.svc.Book(ctx, req)
			wantRefusal(t, err, "booking.overlap")
		}

		// The member declared the other audience meanwhile, the account
		// they signed in with saying the first: the booking is for the
		// audience declared now (planned from memory, the write notices).
		rulesKnown(booking.RuleInput{NoticeMinutes: "60"})
		meanwhile(func() { r.exec(`UPDATE users SET audience = 'e_inclusion' WHERE id = $1`, r.users[2]) })
		b, err = r.svc.Book(ctx, r.req(r.room, 2, tuesday(11), tuesday(12)))
		if err != nil || b.Audience != booking.AudienceEInclusion {
			t.Fatalf("audience declared meanwhile: %q, %v; want %s", b.Audience, err, booking.AudienceEInclusion)
		}
		rulesKnown(booking.RuleInput{MaxActive: "2", NoticeMinutes: "60"})

		// The clock turned meanwhile: at 08:31 the 09:30 slot is within
		// the hour's notice; at 09:02, with no limit of active bookings to
		// count (PostgreSQL then writes in one statement), the 10:00 one.
		meanwhile(func() { d.Clock.(*coop.FixedClock).Advance(31 * time.Minute) })
		_, err = r.svc.Book(ctx, r.req(r.room, 1, monday(9, 30), monday(10, 30)))
		wantRefusal(t, err, "booking.notice")
		rulesKnown(booking.RuleInput{NoticeMinutes: "60"})
		meanwhile(func() { d.Clock.(*coop.FixedClock).Advance(31 * time.Minute) })
		_, err = r.svc.Book(ctx, r.req(r.room, 1, monday(10, 0), monday(11, 0)))
		wantRefusal(t, err, "booking.notice")
	})
}

// A request repeated with its idempotency key answers the booking it made,
// though that booking now reaches the member's limit of active bookings
// (the plan, from memory, does not look for the key: the write's refusal
// does).
func TestBook_ARepeatedRequestAnswersItsBookingBeyondTheLimit(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 1)
		r.svc.Notify = nil
		r.rules(booking.RuleInput{MaxActive: "1"})
		tuesday := func(h int) time.Time { return monday(h, 30).AddDate(0, 0, 1) }
		req := r.req(r.room, 0, tuesday(9), tuesday(10))
		req.IdempotencyKey = "une-clé"
		first, err := r.svc.Book(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			again, err := r.svc.Book(ctx, req)
			if err != nil || again.PublicID != first.PublicID {
				t.Fatalf("repeated: %s, %v; want %s", again.PublicID, err, first.PublicID)
			}
		}
		other := r.req(r.room, 0, tuesday(11), tuesday(12))
		_, err = r.svc.Book(ctx, other)
		wantRefusal(t, err, "booking.max_active")
		other.IdempotencyKey = "une-clé"
		_, err = r.svc.Book(ctx, other)
		wantCode(t, err, coop.EConflict, "booking.idempotency_mismatch")
	})
}
