package benchnet_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"slices"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/benchnet"
	"coopconnect/internal/booking"
	"coopconnect/internal/db"
	"coopconnect/internal/openhours"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

// now is a Tuesday at 10:30 in Paris; the year before it crosses both
// changes of daylight saving time.
var now = time.Date(2026, 3, 10, 10, 30, 0, 0, openhours.Paris())

func smallSpec() benchnet.Spec {
	return benchnet.Spec{
		Seed: 7, Now: now, Places: 20, Spaces: 100, Members: 500, PastBookings: 3000, AheadDays: 35,
		BigCapacity: 20, BigBookings: 1500, Tokens: 8, LoadSpaces: 5, Listed: 3,
	}
}

func TestGenerate_SmallNetworkKeepsEveryInvariant(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var progress strings.Builder
		n, err := benchnet.Generate(ctx, d, smallSpec(), &progress)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v in %s\n%s", n.Counts, n.Took, progress.String())

		checkCounts(t, d, n)
		checkNoOverbooking(t, d)
		a, err := benchnet.CheckBookings(ctx, d, now.AddDate(-2, 0, 0))
		if err != nil || a.Bookings != n.Counts.Bookings() || a.Overbooked() {
			t.Errorf("audit: got %v (%v), want all %d bookings and no overbooking", a, err, n.Counts.Bookings())
		}
		checkSlots(t, d, n)
		checkDirectory(t, d)
		checkNetwork(t, n)
		checkTokens(t, d, n)
		checkHalfDaysBookable(t, d, n)

		if _, err := benchnet.Generate(ctx, d, smallSpec(), nil); err == nil {
			t.Errorf("a second Generate into the same database: got no error, want a refusal")
		}
	})
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.SQL.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func checkCounts(t *testing.T, d *db.DB, n benchnet.Network) {
	t.Helper()
	c := n.Counts
	spec := n.Spec
	for _, tc := range []struct {
		what      string
		got, want int
	}{
		{"carriers", count(t, d, `SELECT count(*) FROM carriers`), c.Carriers},
		{"places", count(t, d, `SELECT count(*) FROM places`), spec.Places + 1},
		{"places counted", c.Places, spec.Places + 1},
		{"spaces", count(t, d, `SELECT count(*) FROM spaces`), spec.Spaces + 1},
		{"spaces counted", c.Spaces, spec.Spaces + 1},
		{"members", count(t, d, `SELECT count(*) FROM users WHERE role = 'member' AND password_hash = '!'`), spec.Members},
		{"members counted", c.Members, spec.Members},
		{"tokens", count(t, d, `SELECT count(DISTINCT user_id) FROM api_tokens`), spec.Tokens},
		{"tokens counted", len(n.Tokens), spec.Tokens},
		{"past bookings", count(t, d, `SELECT count(*) FROM bookings WHERE end_at <= $1`, db.Instant(now)), c.PastBookings},
		{"bookings ahead", count(t, d, `SELECT count(*) FROM bookings b JOIN spaces s ON s.id = b.space_id
			WHERE b.start_at >= $1 AND s.public_id <> $2`, db.Instant(now), n.Big.SpacePublicID), c.AheadBookings},
		{"bookings of the large place", count(t, d, `SELECT count(*) FROM bookings b JOIN spaces s ON s.id = b.space_id
			WHERE s.public_id = $1`, n.Big.SpacePublicID), spec.BigBookings},
		{"all bookings", count(t, d, `SELECT count(*) FROM bookings WHERE status = 'confirmed'`), c.Bookings()},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.what, tc.got, tc.want)
		}
	}
	// The pace spreads PastBookings; a few draws find no room.
	if c.PastBookings < spec.PastBookings*9/10 || c.PastBookings > spec.PastBookings*11/10 {
		t.Errorf("past bookings: got %d, want about %d", c.PastBookings, spec.PastBookings)
	}
	if c.AheadBookings == 0 {
		t.Errorf("bookings ahead: got none")
	}
}

// checkNoOverbooking checks the invariants again, independently of the
// triggers that guarded the inserts.
func checkNoOverbooking(t *testing.T, d *db.DB) {
	t.Helper()
	if n := count(t, d, `SELECT count(*) FROM bookings a JOIN bookings b ON b.space_id = a.space_id AND b.id <> a.id
		WHERE a.exclusive AND b.exclusive AND a.start_at < b.end_at AND b.start_at < a.end_at`); n != 0 {
		t.Errorf("overlapping one-at-a-time bookings: got %d, want 0", n)
	}
	if n := count(t, d, `SELECT count(*) FROM bookings p JOIN spaces s ON s.id = p.space_id
		WHERE NOT p.exclusive AND s.capacity < (SELECT sum(b.seats) FROM bookings b
			WHERE b.space_id = p.space_id AND b.start_at <= p.start_at AND b.end_at > p.start_at)`); n != 0 {
		t.Errorf("instants above a shared space's capacity: got %d, want 0", n)
	}
	if n := count(t, d, `SELECT count(*) FROM bookings b JOIN spaces s ON s.id = b.space_id
		WHERE b.exclusive <> (s.kind IN ('office', 'meeting_room'))`); n != 0 {
		t.Errorf("bookings whose exclusive flag differs from their space's kind: got %d, want 0", n)
	}
}

// checkSlots checks that every booking is a slot the booking rules offer:
// a weekday, a half-day of a desk or whole hours of a room between 09:00
// and 18:00 (Paris), on the right side of Now.
func checkSlots(t *testing.T, d *db.DB, n benchnet.Network) {
	t.Helper()
	ctx := context.Background()
	rows, err := d.SQL.QueryContext(ctx, `SELECT s.public_id, s.booking_unit, b.start_at, b.end_at FROM bookings b JOIN spaces s ON s.id = b.space_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	paris := openhours.Paris()
	load := map[string]bool{}
	for _, l := range n.Load {
		load[l.PublicID] = true
	}
	clock := func(t time.Time) string { return t.In(paris).Format("15:04") }
	bad := 0
	for rows.Next() {
		var space, unit string
		var start, end time.Time
		if err := rows.Scan(&space, &unit, &start, &end); err != nil {
			t.Fatal(err)
		}
		local := start.In(paris)
		ok := local.Weekday() != time.Saturday && local.Weekday() != time.Sunday && end.In(paris).YearDay() == local.YearDay()
		switch unit {
		case "half_day":
			s, e := clock(start), clock(end)
			ok = ok && (s == "08:30" && (e == "13:00" || e == "18:30") || s == "13:00" && e == "18:30")
		case "hour":
			ok = ok && start.Minute() == 0 && end.Minute() == 0 && clock(start) >= "09:00" && clock(end) <= "18:00"
		default:
			ok = false
		}
		ok = ok && (!end.After(now) || !start.Before(now))
		ok = ok && start.After(now.AddDate(-1, 0, 0)) && end.Before(now.AddDate(0, 0, n.Spec.AheadDays+1))
		if load[space] && !start.Before(now) {
			ok = false
		}
		if space == n.Big.SpacePublicID && (start.Before(n.Big.From) || end.After(n.Big.To) || end.Sub(start) != time.Hour) {
			ok = false
		}
		if !ok {
			if bad < 5 {
				t.Errorf("booking of %s (%s) from %s to %s: not a slot it may have", space, unit, start.In(paris), end.In(paris))
			}
			bad++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Errorf("%d bookings out of their slots", bad)
	}
}

// checkDirectory checks that places are where the directory can find them.
func checkDirectory(t *testing.T, d *db.DB) {
	t.Helper()
	communes, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.SQL.QueryContext(context.Background(), `SELECT slug, commune_code, postal_code, lat, lon, status, opening_hours FROM places`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var slug, code, postal, status, hours string
		var lat, lon float64
		if err := rows.Scan(&slug, &code, &postal, &lat, &lon, &status, &hours); err != nil {
			t.Fatal(err)
		}
		c, ok := communes.Commune(code)
		switch {
		case !ok:
			t.Errorf("place %s: commune %q unknown", slug, code)
		case !slices.Contains(c.PostalCodes, postal):
			t.Errorf("place %s: postal code %s is not one of %s's %v", slug, postal, c.Name, c.PostalCodes)
		case territory.Haversine(lat, lon, c.Lat, c.Lon) > 3:
			t.Errorf("place %s: %.1f km from %s", slug, territory.Haversine(lat, lon, c.Lat, c.Lon), c.Name)
		}
		if status != "open" {
			t.Errorf("place %s: status %q, want open", slug, status)
		}
		if _, err := openhours.Parse(hours); err != nil {
			t.Errorf("place %s: hours %q: %v", slug, hours, err)
		}
		if slug != strings.ToLower(slug) || strings.ContainsAny(slug, " '_") {
			t.Errorf("place slug %q: not a URL slug", slug)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func checkNetwork(t *testing.T, n benchnet.Network) {
	t.Helper()
	if len(n.Places) != n.Spec.Listed {
		t.Errorf("listed places: got %d, want %d", len(n.Places), n.Spec.Listed)
	}
	if !slices.IsSortedFunc(n.Places, func(a, b benchnet.Place) int { return b.BookingsAhead - a.BookingsAhead }) {
		t.Errorf("listed places are not busiest first: %+v", n.Places)
	}
	loadPlaces := map[string]bool{}
	for _, l := range n.Load {
		if loadPlaces[l.PlaceSlug] {
			t.Errorf("two load spaces in place %s", l.PlaceSlug)
		}
		loadPlaces[l.PlaceSlug] = true
		if l.Capacity < 4 || l.Capacity > 20 {
			t.Errorf("load space %s: capacity %d, want 4–20", l.PublicID, l.Capacity)
		}
	}
	if len(n.Load) != n.Spec.LoadSpaces {
		t.Errorf("load spaces: got %d, want %d", len(n.Load), n.Spec.LoadSpaces)
	}
	for _, p := range n.Places {
		if loadPlaces[p.Slug] {
			t.Errorf("listed place %s holds a load space", p.Slug)
		}
		if p.BookingsAhead == 0 {
			t.Errorf("listed place %s has no booking ahead", p.Slug)
		}
	}
	halves := n.HalfDays()
	if len(halves) < 100 || len(halves)%2 != 0 {
		t.Fatalf("half-days: got %d, want two per weekday of 90 days", len(halves))
	}
	paris := openhours.Paris()
	for i, h := range halves {
		s, e := h.Start.In(paris), h.End.In(paris)
		want := [2]string{"08:30", "13:00"}
		if i%2 == 1 {
			want = [2]string{"13:00", "18:30"}
		}
		if !h.Start.After(now) || h.Start.After(now.AddDate(0, 0, 90)) || s.Weekday() == time.Saturday || s.Weekday() == time.Sunday ||
			s.Format("15:04") != want[0] || e.Format("15:04") != want[1] || s.YearDay() != e.YearDay() {
			t.Errorf("half-day %d: %s to %s", i, s, e)
		}
	}
	if n.Big.Slug != benchnet.BigSlug || n.Big.SpacePublicID == "" || n.Big.Bookings != n.Spec.BigBookings || n.Big.Capacity != n.Spec.BigCapacity {
		t.Errorf("large place: got %+v", n.Big)
	}
}

// checkHalfDaysBookable checks that the booking service takes a member's
// booking of each half-day the load offers, public holidays included.
func checkHalfDaysBookable(t *testing.T, d *db.DB, n benchnet.Network) {
	t.Helper()
	setup, err := (&booking.Service{DB: d}).Settings(context.Background(), accounts.User{Role: accounts.Coordinator}, n.Load[0].PlaceSlug)
	if err != nil {
		t.Fatal(err)
	}
	sp, ok := setup.Space(n.Load[0].PublicID)
	if !ok {
		t.Fatalf("no load space %s", n.Load[0].PublicID)
	}
	holidays := 0
	for _, h := range n.HalfDays() {
		if e := setup.Check(sp, booking.AudienceProfessionals, h.Start, h.End, now, false); e != nil {
			t.Errorf("half-day %s: refused (%s)", h.Start.In(openhours.Paris()), e.Reason)
		}
		if _, _, name := setup.Hours.State(h.Start); name != "" {
			holidays++
		}
	}
	if holidays == 0 {
		t.Error("no public holiday among the half-days: the check above proves nothing of them")
	}
}

// checkTokens signs in with every token the way the API does.
func checkTokens(t *testing.T, d *db.DB, n benchnet.Network) {
	t.Helper()
	acc := &accounts.Service{DB: d}
	seen := map[int64]bool{}
	for _, secret := range n.Tokens {
		u, err := acc.APITokenUser(context.Background(), secret)
		if err != nil {
			t.Fatalf("token %.6s…: %v", secret, err)
		}
		if u.Role != accounts.Member || seen[u.ID] {
			t.Errorf("token %.6s…: user %d (%s), want a member of its own", secret, u.ID, u.Role)
		}
		seen[u.ID] = true
	}
}

func TestGenerate_SameSeedSameNetwork(t *testing.T) {
	digest := func() (string, benchnet.Network) {
		d := testkit.NewDB(t, db.SQLite, nil)
		n, err := benchnet.Generate(context.Background(), d, smallSpec(), nil)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		dump(t, h, d, `SELECT slug, name, commune_code, lat, lon FROM places ORDER BY slug`)
		dump(t, h, d, `SELECT s.public_id, p.slug, s.kind, s.capacity, s.booking_unit FROM spaces s JOIN places p ON p.id = s.place_id ORDER BY s.public_id`)
		dump(t, h, d, `SELECT b.public_id, s.public_id, u.email, b.start_at, b.end_at, b.seats, b.created_at
			FROM bookings b JOIN spaces s ON s.id = b.space_id JOIN users u ON u.id = b.user_id ORDER BY b.public_id`)
		n.Tokens, n.Took = nil, 0
		return fmt.Sprintf("%x", h.Sum(nil)), n
	}
	h1, n1 := digest()
	h2, n2 := digest()
	if h1 != h2 {
		t.Errorf("two networks of one seed differ: %s and %s", h1, h2)
	}
	if fmt.Sprint(n1) != fmt.Sprint(n2) {
		t.Errorf("two networks of one seed differ:\n%+v\n%+v", n1, n2)
	}
}

// dump writes the rows of query into h.
func dump(t *testing.T, h hash.Hash, d *db.DB, query string) {
	t.Helper()
	rows, err := d.SQL.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(h, vals...)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestGenerate_RefusesAnImpossibleSpecBeforeWriting(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*benchnet.Spec)
	}{
		{"fewer spaces than places", func(s *benchnet.Spec) { s.Spaces = 10 }},
		{"more tokens than members", func(s *benchnet.Spec) { s.Tokens = 600 }},
		{"load and listed beyond places", func(s *benchnet.Spec) { s.LoadSpaces = 19 }},
		{"large place overfull", func(s *benchnet.Spec) { s.BigBookings = 100000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testkit.NewDB(t, db.SQLite, nil)
			spec := smallSpec()
			tc.edit(&spec)
			if _, err := benchnet.Generate(context.Background(), d, spec, nil); err == nil {
				t.Errorf("got no error")
			}
			if n := count(t, d, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM places)`); n != 0 {
				t.Errorf("rows written: got %d, want 0", n)
			}
		})
	}
}

// The audit must see what the database's guards would have refused: with
// SQLite's triggers dropped, one booking too many of a shared space and one
// overlapping booking of an office.
func TestCheckBookings_FindsOverbooking(t *testing.T) {
	ctx := context.Background()
	d := testkit.NewDB(t, db.SQLite, nil)
	n, err := benchnet.Generate(ctx, d, smallSpec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, trigger := range []string{"bookings_capacity_insert", "bookings_no_overlap_insert"} {
		if _, err := d.SQL.ExecContext(ctx, "DROP TRIGGER "+trigger); err != nil {
			t.Fatal(err)
		}
	}
	copyBooking := func(id, where string, args ...any) {
		t.Helper()
		_, err := d.SQL.ExecContext(ctx, `INSERT INTO bookings (public_id, space_id, user_id, audience, start_at, end_at, seats, exclusive, status, created_at, updated_at)
			SELECT '`+id+`', b.space_id, b.user_id, b.audience, b.start_at, b.end_at, s.capacity, b.exclusive, 'confirmed', b.created_at, b.updated_at
			FROM bookings b JOIN spaces s ON s.id = b.space_id WHERE `+where+` ORDER BY b.id LIMIT 1`, args...)
		if err != nil {
			t.Fatal(err)
		}
	}
	since := now.AddDate(-2, 0, 0)
	copyBooking("toomanyseats", "s.public_id = $1", n.Big.SpacePublicID)
	a, err := benchnet.CheckBookings(ctx, d, since)
	if err != nil {
		t.Fatal(err)
	}
	if a.OverCapacity == 0 || a.Overlaps != 0 || a.Bookings != n.Counts.Bookings()+1 || !a.Overbooked() {
		t.Errorf("after a booking of all the large place's desks at a booked hour: got %v, want some over capacity", a)
	}
	copyBooking("samehour", "b.exclusive AND s.kind = 'office'")
	if a, err = benchnet.CheckBookings(ctx, d, since); err != nil {
		t.Fatal(err)
	}
	if a.Overlaps != 1 {
		t.Errorf("after a second booking of an office at the same time: got %v, want 1 overlapping", a)
	}
	// Nothing of it is seen from after the last booking.
	if a, err = benchnet.CheckBookings(ctx, d, now.AddDate(0, 0, n.Spec.AheadDays+2)); err != nil || a.Bookings != 0 || a.Overbooked() {
		t.Errorf("after the last booking: got %v (%v), want nothing", a, err)
	}
}
