package booking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

var ctx = context.Background()

// now is the tests' fixed clock: before both DST changes of 2026.
var now = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

type fixture struct {
	t     testing.TB
	d     *db.DB
	svc   *booking.Service
	place int64
	users []int64
	staff accounts.User // a coordinator: staff of every place
	n     int
}

type space struct {
	ID       int64
	PublicID string
	Capacity int
}

// newFixture makes a carrier, a place and users with direct SQL.
func newFixture(t testing.TB, d *db.DB, users int) *fixture {
	t.Helper()
	d.Clock = coop.NewFixedClock(now)
	f := &fixture{t: t, d: d, svc: &booking.Service{DB: d}}
	err := d.Write(ctx, func(tx *db.Tx) error {
		var carrier int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO carriers (name, kind, created_at, updated_at)
			VALUES ('CC Haute-Provence', 'epci', $1, $1) RETURNING id`, tx.Now).Scan(&carrier); err != nil {
			return err
		}
		// Open round the clock, booked up to 400 days ahead: these tests
		// are about the invariants, not the rules (see rules_test.go).
		if err := tx.QueryRowContext(ctx, `INSERT INTO places (slug, carrier_id, name, kind, status, address, postal_code,
			commune_code, lat, lon, audience, opening_hours, created_at, updated_at)
			VALUES ('la-filature', $1, 'La Filature', 'tiers_lieu', 'open', '12 bd de la République', '04300', '04088',
			43.96, 5.78, 'both', '24/7', $2, $2) RETURNING id`, carrier, tx.Now).Scan(&f.place); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO booking_rules (place_id, window_days, updated_at) VALUES ($1, 400, $2)`, f.place, tx.Now); err != nil {
			return err
		}
		f.staff = accounts.User{Name: "Coordination", Role: accounts.Coordinator}
		if err := tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
			VALUES ('coord', 'coord@example.fr', 'Coordination', 'coordinator', 'x', $1, $1) RETURNING id`, tx.Now).Scan(&f.staff.ID); err != nil {
			return err
		}
		for i := range users {
			var id int64
			email := fmt.Sprintf("membre%d@example.fr", i)
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
				VALUES ($1, $1, $1, 'member', 'x', $2, $2) RETURNING id`, email, tx.Now).Scan(&id); err != nil {
				return err
			}
			f.users = append(f.users, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) space(kind string, capacity int) space {
	f.t.Helper()
	f.n++
	sp := space{PublicID: fmt.Sprintf("%s-%d", kind, f.n), Capacity: capacity}
	err := f.d.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO spaces (public_id, place_id, name, kind, capacity, audience, booking_unit, created_at, updated_at)
			VALUES ($1, $2, $1, $3, $4, 'both', 'half_hour', $5, $5) RETURNING id`, sp.PublicID, f.place, kind, capacity, tx.Now).Scan(&sp.ID)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return sp
}

func (f *fixture) req(sp space, user int, start, end time.Time) booking.Request {
	return booking.Request{By: f.member(user), SpacePublicID: sp.PublicID, Start: start, End: end}
}

func (f *fixture) member(i int) accounts.User {
	email := fmt.Sprintf("membre%d@example.fr", i)
	// The audience the accounts are created with; a test that changes one
	// in the database leaves it here, as a signed-in member's may be.
	return accounts.User{ID: f.users[i], Role: accounts.Member, Email: email, Name: email, Locale: "fr", Audience: "professionals"}
}

// at returns 2026-02-02 (a Monday) at hour h, UTC.
func at(h float64) time.Time {
	return time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(h * float64(time.Hour)))
}

func wantCode(t *testing.T, err error, code, message string) {
	t.Helper()
	e := coop.AsError(err)
	if e == nil || e.Code != code || (message != "" && e.Message != message) {
		t.Fatalf("error = %v, want %s %s", err, code, message)
	}
}

// race runs n concurrent calls of fn and counts successes and conflicts;
// any other error fails the test.
func race(t *testing.T, n int, fn func(i int) error, wantMessage string) (ok, conflicts int) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		switch e := coop.AsError(err); {
		case err == nil:
			ok++
		case e != nil && e.Code == coop.EConflict && (wantMessage == "" || e.Message == wantMessage):
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return ok, conflicts
}

func TestBook_RaceForTheLastSeat(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 64)
		sp := f.space("open_space", 5)
		r := f.req(sp, 0, at(9), at(12))
		r.Seats = 4
		if _, err := f.svc.Book(ctx, r); err != nil {
			t.Fatal(err)
		}
		ok, conflicts := race(t, 64, func(i int) error {
			_, err := f.svc.Book(ctx, f.req(sp, i, at(10), at(11)))
			return err
		}, "booking.full")
		if ok != 1 || conflicts != 63 {
			t.Fatalf("%d successes and %d conflicts, want 1 and 63", ok, conflicts)
		}
		checkInvariants(t, d)
	})
}

func TestBook_200ClientsForCapacity10GetExactly10(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 200)
		sp := f.space("open_space", 10)
		ok, conflicts := race(t, 200, func(i int) error {
			_, err := f.svc.Book(ctx, f.req(sp, i, at(14), at(16)))
			return err
		}, "booking.full")
		if ok != 10 || conflicts != 190 {
			t.Fatalf("%d successes and %d conflicts, want 10 and 190", ok, conflicts)
		}
		list, err := f.svc.ListForSpace(ctx, sp.ID, at(0), at(24))
		if err != nil || len(list) != 10 {
			t.Fatalf("ListForSpace: %d bookings, %v", len(list), err)
		}
		checkInvariants(t, d)
	})
}

func TestBook_RaceForAnOffice(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 64)
		sp := f.space("office", 2)
		ok, conflicts := race(t, 64, func(i int) error {
			// Overlapping but different intervals: all compete for 10:00–10:30.
			_, err := f.svc.Book(ctx, f.req(sp, i, at(9.5+float64(i%2)*0.5), at(10.5+float64(i%3)*0.5)))
			return err
		}, "booking.overlap")
		if ok != 1 || conflicts != 63 {
			t.Fatalf("%d successes and %d conflicts, want 1 and 63", ok, conflicts)
		}
		checkInvariants(t, d)
	})
}

func TestBook_RandomBookingsAndCancellationsKeepTheInvariants(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 8)
		spaces := []space{f.space("open_space", 3), f.space("office", 4), f.space("equipment", 2), f.space("meeting_room", 8)}
		const workers, steps = 8, 60
		var wg sync.WaitGroup
		var mu sync.Mutex
		counts := map[string]int{}
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(42, uint64(w)))
				var mine []string
				for range steps {
					var err error
					if len(mine) > 0 && rng.IntN(3) == 0 {
						i := rng.IntN(len(mine))
						_, err = f.svc.Cancel(ctx, f.member(w), mine[i], "")
						mine = append(mine[:i], mine[i+1:]...)
					} else {
						sp := spaces[rng.IntN(len(spaces))]
						start := 8 + float64(rng.IntN(20))*0.5
						r := f.req(sp, w, at(start), at(start+0.5*float64(1+rng.IntN(6))))
						r.Seats = 1 + rng.IntN(2)
						var b booking.Booking
						if b, err = f.svc.Book(ctx, r); err == nil {
							mine = append(mine, b.PublicID)
						}
					}
					mu.Lock()
					if err == nil {
						counts["ok"]++
					} else {
						if e := coop.AsError(err); e != nil && e.Code == coop.EConflict {
							counts[e.Message]++
						} else {
							t.Errorf("unexpected error: %v", err)
						}
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		t.Logf("outcomes: %v", counts)
		if counts["ok"] == 0 || counts["booking.full"]+counts["booking.overlap"] == 0 {
			t.Errorf("the run exercised too little: %v", counts)
		}
		checkInvariants(t, d)
	})
}

// checkInvariants reads every confirmed booking and checks, at every
// boundary instant, that no space holds more than its capacity and that no
// one-at-a-time space holds two bookings.
func checkInvariants(t *testing.T, d *db.DB) {
	t.Helper()
	type row struct {
		space, seats, capacity int
		exclusive              bool
		start, end             time.Time
	}
	var rows []row
	err := d.Read(ctx, func(tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT b.space_id, b.seats, s.capacity, b.exclusive, b.start_at, b.end_at
			FROM bookings b JOIN spaces s ON s.id = b.space_id WHERE b.status IN ('pending', 'offered', 'confirmed')`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.space, &r.seats, &r.capacity, &r.exclusive, &r.start, &r.end); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	bySpace := map[int][]row{}
	for _, r := range rows {
		bySpace[r.space] = append(bySpace[r.space], r)
	}
	for sp, rs := range bySpace {
		var instants []time.Time
		for _, r := range rs {
			instants = append(instants, r.start, r.end)
		}
		sort.Slice(instants, func(i, j int) bool { return instants[i].Before(instants[j]) })
		for _, at := range instants {
			seats, count := 0, 0
			for _, r := range rs {
				if !r.start.After(at) && r.end.After(at) {
					seats += r.seats
					count++
				}
			}
			if seats > rs[0].capacity {
				t.Errorf("space %d holds %d seats at %s, capacity %d", sp, seats, at, rs[0].capacity)
			}
			if rs[0].exclusive && count > 1 {
				t.Errorf("space %d holds %d bookings at %s", sp, count, at)
			}
		}
	}
}

func TestBook_BackToBackBookingsAreAccepted(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 2)
		for _, sp := range []space{f.space("office", 1), f.space("open_space", 1)} {
			if _, err := f.svc.Book(ctx, f.req(sp, 0, at(9), at(10))); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Book(ctx, f.req(sp, 1, at(10), at(11))); err != nil {
				t.Fatalf("%s [10,11) after [9,10): %v", sp.PublicID, err)
			}
			if _, err := f.svc.Book(ctx, f.req(sp, 1, at(8), at(9))); err != nil {
				t.Fatalf("%s [8,9) before [9,10): %v", sp.PublicID, err)
			}
			_, err := f.svc.Book(ctx, f.req(sp, 1, at(9.5), at(10.5)))
			wantCode(t, err, coop.EConflict, "")
		}
	})
}

func TestBook_AcrossDSTChangesKeepsTheRealDuration(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		day     time.Time
		elapsed time.Duration
	}{
		{time.Date(2026, 10, 25, 0, 0, 0, 0, paris), 4 * time.Hour}, // 03:00 CEST becomes 02:00 CET
		{time.Date(2026, 3, 29, 0, 0, 0, 0, paris), 2 * time.Hour},  // 02:00 CET becomes 03:00 CEST
	}
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 1)
		sp := f.space("meeting_room", 6)
		for _, c := range cases {
			y, m, dd := c.day.Date()
			start, end := time.Date(y, m, dd, 1, 0, 0, 0, paris), time.Date(y, m, dd, 4, 0, 0, 0, paris)
			b, err := f.svc.Book(ctx, f.req(sp, 0, start, end))
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.Get(ctx, b.PublicID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(start) || !got.End.Equal(end) || got.End.Sub(got.Start) != c.elapsed {
				t.Errorf("%s: stored [%s, %s), want [%s, %s) = %s", c.day.Format(time.DateOnly), got.Start, got.End, start.UTC(), end.UTC(), c.elapsed)
			}
			if h := got.Start.In(paris).Hour(); h != 1 {
				t.Errorf("start shows at %d h in Paris", h)
			}
			if h := got.End.In(paris).Hour(); h != 4 {
				t.Errorf("end shows at %d h in Paris", h)
			}
			// What the database holds is the UTC instant, on both engines.
			var elapsed float64
			err = d.Read(ctx, func(tx *db.Tx) error {
				var s, e time.Time
				if err := tx.QueryRowContext(ctx, `SELECT start_at, end_at FROM bookings WHERE id = $1`, b.ID).Scan(&s, &e); err != nil {
					return err
				}
				elapsed = e.Sub(s).Hours()
				if !s.Equal(start) {
					return fmt.Errorf("start_at = %s, want %s", s, start.UTC())
				}
				return nil
			})
			if err != nil || elapsed != c.elapsed.Hours() {
				t.Errorf("stored: %v hours, %v", elapsed, err)
			}
		}
	})
}

func TestBook_SameRequestTenTimesMakesOneBooking(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 1)
		sp := f.space("open_space", 20)
		r := f.req(sp, 0, at(9), at(17))
		r.IdempotencyKey = "clé-1"
		ids := make([]string, 10)
		ok, _ := race(t, 10, func(i int) error {
			b, err := f.svc.Book(ctx, r)
			ids[i] = b.PublicID
			return err
		}, "")
		if ok != 10 {
			t.Fatalf("%d of 10 succeeded", ok)
		}
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("different bookings returned: %v", ids)
			}
		}
		var n int
		_ = d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings`).Scan(&n)
		})
		if n != 1 {
			t.Fatalf("%d rows, want 1", n)
		}
		// Repeated once its booking holds the member's one allowed
		// booking, the request is still answered with that booking.
		f.exec(`UPDATE booking_rules SET max_active = 1`)
		if again, err := f.svc.Book(ctx, r); err != nil || again.PublicID != ids[0] {
			t.Fatalf("repeated under a limit of one: %s, %v", again.PublicID, err)
		}
		f.exec(`UPDATE booking_rules SET max_active = NULL`)
		other := r
		other.End = at(18)
		_, err := f.svc.Book(ctx, other)
		wantCode(t, err, coop.EConflict, "booking.idempotency_mismatch")
		elsewhere := r
		elsewhere.SpacePublicID = f.space("open_space", 2).PublicID
		_, err = f.svc.Book(ctx, elsewhere)
		wantCode(t, err, coop.EConflict, "booking.idempotency_mismatch")

		// A new key sent concurrently for two spaces: one booking, and the
		// requests for the other space are told the key is taken.
		a, b := f.space("office", 2), f.space("open_space", 2)
		ok, conflicts := race(t, 10, func(i int) error {
			r := f.req(a, 0, at(9), at(10))
			if i%2 == 1 {
				r.SpacePublicID = b.PublicID
			}
			r.IdempotencyKey = "clé-2"
			_, err := f.svc.Book(ctx, r)
			return err
		}, "booking.idempotency_mismatch")
		if ok != 5 || conflicts != 5 {
			t.Fatalf("%d successes and %d mismatches, want 5 and 5", ok, conflicts)
		}
		_ = d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings WHERE idempotency_key = 'clé-2'`).Scan(&n)
		})
		if n != 1 {
			t.Fatalf("%d rows for the key, want 1", n)
		}
	})
}

func TestBook_RefusesBadRequests(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 1)
		sp := f.space("open_space", 3)
		_, err := f.svc.Book(ctx, f.req(sp, 0, now.Add(-time.Hour), now.Add(time.Hour)))
		wantCode(t, err, coop.EInvalid, "booking.in_past")
		_, err = f.svc.Book(ctx, f.req(sp, 0, at(10), at(10)))
		wantCode(t, err, coop.EInvalid, "")
		_, err = f.svc.Book(ctx, f.req(space{PublicID: "nope"}, 0, at(10), at(11)))
		wantCode(t, err, coop.ENotFound, "booking.space_not_found")
		gone := f.req(sp, 0, at(10), at(11))
		gone.By.ID = -1 // an account deleted while signed in
		_, err = f.svc.Book(ctx, gone)
		wantCode(t, err, coop.EUnauthorized, "auth.sign_in_required")
		r := f.req(sp, 0, at(10), at(11))
		r.Seats = 4
		_, err = f.svc.Book(ctx, r)
		wantCode(t, err, coop.EInvalid, "")
		r.Seats, r.GuestContact = 1, "06 12 34 56 78"
		_, err = f.svc.Book(ctx, r)
		wantCode(t, err, coop.EInvalid, "") // a walk-in needs a name
		r.GuestName, r.Audience = "Mme Martin", booking.AudienceEInclusion
		_, err = f.svc.Book(ctx, r)
		wantCode(t, err, coop.EForbidden, "") // only the staff books walk-ins
		r.By = f.staff
		for _, bad := range []string{"demain matin", "martin@", "12"} {
			r.GuestContact = bad
			_, err = f.svc.Book(ctx, r)
			if e := coop.AsError(err); e == nil || e.Fields["guest_contact"] != "booking.guest_contact_invalid" {
				t.Errorf("contact %q: %v", bad, err)
			}
		}
		r.GuestContact = "+33 6 12 34 56 78"
		walkIn, err := f.svc.Book(ctx, r)
		if err != nil || walkIn.UserID != nil {
			t.Fatalf("walk-in: %+v, %v", walkIn, err)
		}
		var n int
		_ = d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings`).Scan(&n)
		})
		if n != 1 {
			t.Fatalf("%d rows, want only the walk-in", n)
		}
	})
}

func TestCancel_IsIdempotentAndFreesTheSeat(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 2)
		sp := f.space("open_space", 1)
		b, err := f.svc.Book(ctx, f.req(sp, 0, at(9), at(12)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Book(ctx, f.req(sp, 1, at(10), at(11)))
		wantCode(t, err, coop.EConflict, "booking.full")
		_, err = f.svc.Cancel(ctx, f.member(1), b.PublicID, "")
		wantCode(t, err, coop.ENotFound, "")
		for range 2 {
			c, err := f.svc.Cancel(ctx, f.member(0), b.PublicID, "")
			if err != nil || c.Status != booking.Cancelled || c.CancelledAt == nil {
				t.Fatalf("cancel: %+v, %v", c, err)
			}
		}
		if _, err := f.svc.Book(ctx, f.req(sp, 1, at(10), at(11))); err != nil {
			t.Fatalf("the seat was not freed: %v", err)
		}
		got, err := f.svc.Get(ctx, b.PublicID)
		if err != nil || got.Status != booking.Cancelled {
			t.Fatalf("get: %+v, %v", got, err)
		}
		list, _ := f.svc.ListForSpace(ctx, sp.ID, at(0), at(24))
		if len(list) != 1 || list[0].UserID == nil || *list[0].UserID != f.users[1] {
			t.Fatalf("list: %+v", list)
		}
	})
}

// The database itself refuses rows that would break the invariants, when
// the service is bypassed.
func TestDatabase_RefusesOverlapAndOverbookingWithoutTheService(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, 1)
		office, open := f.space("office", 4), f.space("open_space", 3)
		n := 0
		insert := func(sp space, exclusive bool, seats int, start, end time.Time, status string) error {
			n++
			return d.Write(ctx, func(tx *db.Tx) error {
				var cancelledAt any
				if status == "cancelled" {
					cancelledAt = tx.Now
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO bookings (public_id, space_id, user_id, audience, start_at, end_at,
					seats, exclusive, status, created_at, cancelled_at, updated_at) VALUES ($1, $2, $3, 'professionals', $4, $5, $6, $7, $8, $9, $10, $9)`,
					fmt.Sprintf("direct-%d", n), sp.ID, f.users[0], start, end, seats, exclusive, status, tx.Now, cancelledAt)
				return err
			})
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(insert(office, true, 1, at(9), at(10), "confirmed"))
		must(insert(office, true, 1, at(10), at(11), "confirmed"))
		must(insert(office, true, 1, at(9), at(11), "cancelled"))
		wantCode(t, insert(office, true, 1, at(9.5), at(10.5), "confirmed"), coop.EConflict, "")
		wantCode(t, insert(office, false, 1, at(12), at(13), "confirmed"), coop.EConflict, "") // not exclusive: refused
		wantCode(t, insert(open, true, 1, at(12), at(13), "confirmed"), coop.EConflict, "")
		if err := insert(open, false, 1, at(13), at(12), "confirmed"); err == nil { // CHECK (end_at > start_at)
			t.Fatal("an empty interval was accepted")
		}

		must(insert(open, false, 2, at(9), at(12), "confirmed"))
		must(insert(open, false, 1, at(10), at(11), "confirmed"))
		must(insert(open, false, 2, at(12), at(13), "confirmed")) // back to back
		wantCode(t, insert(open, false, 1, at(8), at(11), "confirmed"), coop.EConflict, "")
		wantCode(t, insert(open, false, 2, at(11), at(13), "confirmed"), coop.EConflict, "")
		must(insert(open, false, 1, at(11), at(12), "confirmed")) // 3 seats at most, at every instant

		// Reviving a cancelled booking that would overlap is refused too.
		err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'confirmed', cancelled_at = NULL WHERE public_id = 'direct-3'`)
			return err
		})
		wantCode(t, err, coop.EConflict, "")
		// So is growing a booking over capacity.
		err = d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE bookings SET seats = 2 WHERE public_id = 'direct-9'`)
			return err
		})
		wantCode(t, err, coop.EConflict, "")

		// Concurrent direct inserts for the last seats: the database counts in turn.
		late := f.space("open_space", 5)
		var mu sync.Mutex
		ok, _ := race(t, 32, func(i int) error {
			mu.Lock()
			n++
			id := n
			mu.Unlock()
			return d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO bookings (public_id, space_id, audience, guest_name, start_at, end_at,
					exclusive, created_at, updated_at) VALUES ($1, $2, 'e_inclusion', 'visiteur', $3, $4, FALSE, $5, $5)`,
					fmt.Sprintf("direct-%d", id), late.ID, at(14), at(15), tx.Now)
				return err
			})
		}, "")
		if ok != 5 {
			t.Fatalf("%d direct inserts succeeded, want 5", ok)
		}
		checkInvariants(t, d)
	})
}
