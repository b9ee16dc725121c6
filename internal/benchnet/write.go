package benchnet

import (
	"context"
	"coopconnect/internal/accounts"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"coopconnect/internal/db"
)

// insertDirectory inserts the carriers, places, spaces, members and API
// tokens, and learns their identifiers. It returns the tokens' secrets.
func (g *generator) insertDirectory(ctx context.Context, tx *db.Tx) ([]string, error) {
	g.counts = Counts{}
	created := db.Instant(g.spec.Now.AddDate(-2, 0, 0))

	carrierIDs := make([]int64, len(carriers))
	for i, c := range carriers {
		err := tx.QueryRowContext(ctx, `INSERT INTO carriers (name, kind, address, email, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			c.name, c.kind, fmt.Sprintf("%d %s", 1+i, streets[i%len(streets)]), fmt.Sprintf("contact%d@bench.invalid", i+1), created).Scan(&carrierIDs[i])
		if err != nil {
			return nil, err
		}
	}
	g.counts.Carriers = len(carriers)

	places := newInserter(ctx, tx, "places", "slug", "carrier_id", "name", "kind", "status", "address", "postal_code", "commune_code",
		"lat", "lon", "description", "audience", "services", "equipment", "opening_hours", "contact_email", "created_at", "updated_at")
	all := append(slices.Clip(g.places), g.big.place)
	for _, p := range all {
		if err := places.add(p.slug, carrierIDs[p.carrierIndex], p.name, p.kind, "open", p.address, p.commune.PostalCodes[0], p.commune.Code,
			p.lat, p.lon, "Bureaux partagés, salles de réunion et accompagnement au numérique, près de chez vous.", p.audience,
			p.services, p.equipment, openingHours, "bonjour@bench.invalid", created, created); err != nil {
			return nil, err
		}
	}
	if err := places.close(); err != nil {
		return nil, err
	}
	placeIDs, err := idsBy(ctx, tx, `SELECT slug, id FROM places`)
	if err != nil {
		return nil, err
	}
	for i := range g.places {
		g.places[i].id = placeIDs[g.places[i].slug]
	}
	g.big.place.id = placeIDs[BigSlug]
	g.counts.Places = len(all)

	spaces := newInserter(ctx, tx, "spaces", "public_id", "place_id", "name", "kind", "capacity", "audience", "description",
		"position", "booking_unit", "created_at", "updated_at")
	for _, sp := range g.spaces {
		if err := spaces.add(sp.publicID, g.places[sp.place].id, sp.name, sp.kind, sp.capacity, sp.audience, "", sp.position, sp.unit, created, created); err != nil {
			return nil, err
		}
	}
	if err := spaces.add(g.big.spacePublicID, g.big.place.id, fmt.Sprintf("Plateau de %d postes", g.spec.BigCapacity), "open_space",
		g.spec.BigCapacity, "both", "Le grand plateau ouvert, réservable à l'heure.", 0, "hour", created, created); err != nil {
		return nil, err
	}
	if err := spaces.close(); err != nil {
		return nil, err
	}
	spaceIDs, err := idsBy(ctx, tx, `SELECT public_id, id FROM spaces`)
	if err != nil {
		return nil, err
	}
	for i := range g.spaces {
		g.spaces[i].id = spaceIDs[g.spaces[i].publicID]
	}
	g.big.spaceID = spaceIDs[g.big.spacePublicID]
	g.counts.Spaces = len(g.spaces) + 1

	// Members: joined in the year before the first booking, verified,
	// unable to sign in ("!" is no argon2id hash).
	rng := mrand.New(mrand.NewPCG(g.spec.Seed, 2))
	users := newInserter(ctx, tx, "users", "public_id", "email", "name", "role", "password_hash", "locale",
		"email_verified_at", "created_at", "updated_at")
	span := int64(g.spec.Now.AddDate(0, -13, 0).Sub(created) / time.Second)
	for i := range g.spec.Members {
		joined := created.Add(time.Duration(rng.Int64N(span)) * time.Second)
		name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
		if err := users.add(publicID(rng), memberEmail(i), name, "member", "!", "fr", joined, joined, joined); err != nil {
			return nil, err
		}
	}
	if err := users.close(); err != nil {
		return nil, err
	}
	byEmail, err := idsBy(ctx, tx, `SELECT email, id FROM users`)
	if err != nil {
		return nil, err
	}
	g.memberIDs = make([]int64, g.spec.Members)
	for i := range g.memberIDs {
		g.memberIDs[i] = byEmail[memberEmail(i)]
	}
	g.counts.Members = g.spec.Members

	// API tokens, made as accounts.CreateAPIToken makes them.
	tokens := newInserter(ctx, tx, "api_tokens", "public_id", "user_id", "name", "token_hash", "created_at")
	secrets := make([]string, g.spec.Tokens)
	for i := range secrets {
		var hash string
		secrets[i], hash = accounts.NewAPITokenSecret()
		if err := tokens.add(randomPublicID(), g.memberIDs[i], "bench", hash, g.spec.Now); err != nil {
			return nil, err
		}
	}
	if err := tokens.close(); err != nil {
		return nil, err
	}
	return secrets, nil
}

func memberEmail(i int) string { return fmt.Sprintf("bench%05d@bench.invalid", i+1) }

// idsBy maps the key of each row of query (key, id) to its id.
func idsBy(ctx context.Context, tx *db.Tx, query string) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var key string
		var id int64
		if err := rows.Scan(&key, &id); err != nil {
			return nil, err
		}
		out[key] = id
	}
	return out, rows.Err()
}

func randomPublicID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// booking is a row to insert.
type booking struct {
	publicID   string
	start, end time.Time
	seats      int
	user       int64
	audience   string
	created    time.Time
	ahead      bool
}

type bookingCounts struct {
	past, ahead  int
	aheadByPlace map[int]int
}

// commit records the counts of a committed transaction.
func (g *generator) commit(c bookingCounts) {
	g.counts.PastBookings += c.past
	g.counts.AheadBookings += c.ahead
	for p, n := range c.aheadByPlace {
		g.places[p].ahead += n
	}
}

var bookingColumns = []string{"public_id", "space_id", "user_id", "audience", "start_at", "end_at", "seats", "exclusive",
	"status", "created_at", "updated_at"}

// insertBookings draws and inserts the bookings of spaces [first, last).
// Each space draws from its own generator, so a retried transaction
// inserts the same rows.
func (g *generator) insertBookings(ctx context.Context, tx *db.Tx, first, last int) (bookingCounts, error) {
	c := bookingCounts{aheadByPlace: map[int]int{}}
	grid := make([]uint16, len(g.days)*dayCells)
	var rows []booking
	spans := make([]int, 0, last-first+1) // rows[spans[i]:spans[i+1]] are space first+i's
	for si := first; si < last; si++ {
		spans = append(spans, len(rows))
		rows = g.drawBookings(si, grid, rows)
	}
	spans = append(spans, len(rows))
	sortPublicIDs(rows)
	in := newInserter(ctx, tx, "bookings", bookingColumns...)
	for i := range last - first {
		sp := &g.spaces[first+i]
		exclusive := sp.kind == "office" || sp.kind == "meeting_room"
		for _, b := range rows[spans[i]:spans[i+1]] {
			if err := in.add(b.publicID, sp.id, b.user, b.audience, b.start, b.end, b.seats, exclusive,
				"confirmed", b.created, b.created); err != nil {
				return c, err
			}
			if b.ahead {
				c.ahead++
				c.aheadByPlace[sp.place]++
			} else {
				c.past++
			}
		}
	}
	return c, in.close()
}

// sortPublicIDs deals the rows' random public ids out again in ascending
// order, so that each transaction fills the unique index on them in one
// sweep rather than at random places: a few per cent faster on SQLite with
// the default network. The ids stay random; only their order follows the
// rows'.
func sortPublicIDs(rows []booking) {
	ids := make([]string, len(rows))
	for i, b := range rows {
		ids[i] = b.publicID
	}
	slices.Sort(ids)
	for i := range rows {
		rows[i].publicID = ids[i]
	}
}

// drawBookings appends the bookings of space si to out, latest first,
// keeping a free seat (or a free room) for each in grid.
func (g *generator) drawBookings(si int, grid []uint16, out []booking) []booking {
	sp := &g.spaces[si]
	mine := len(out)
	rng := mrand.New(mrand.NewPCG(g.spec.Seed, 1<<32+uint64(si)))
	clear(grid)
	seatsOf := uint16(sp.capacity)
	if sp.kind == "office" || sp.kind == "meeting_room" {
		seatsOf = 1
	}
	place := func(ahead bool) (booking, bool) {
		var d int
		if ahead {
			d = g.aheadStart + rng.IntN(g.aheadEnd-g.aheadStart)
		} else {
			d = rng.IntN(g.pastEnd)
		}
		var from, to int // cells
		if sp.unit == "half_day" {
			switch r := rng.IntN(20); {
			case r < 9:
				from, to = 0, noonCell
			case r < 17:
				from, to = noonCell, dayCells
			default:
				from, to = 0, dayCells
			}
		} else {
			hours := 1
			if r := rng.IntN(20); r >= 17 {
				hours = 3
			} else if r >= 10 {
				hours = 2
			}
			from = firstHour + 2*rng.IntN((lastHour-firstHour)/2)
			to = min(from+2*hours, lastHour)
		}
		seats := uint16(1)
		if seatsOf >= 4 && rng.IntN(10) == 0 {
			seats = 2
		}
		if sp.kind == "office" || sp.kind == "meeting_room" {
			seats = 1
		}
		start := g.days[d].Add(time.Duration(from*cellMinutes) * time.Minute)
		end := g.days[d].Add(time.Duration(to*cellMinutes) * time.Minute)
		if ahead && start.Before(g.spec.Now) || !ahead && end.After(g.spec.Now) {
			return booking{}, false
		}
		cells := grid[d*dayCells+from : d*dayCells+to]
		for _, used := range cells {
			if used+seats > seatsOf {
				return booking{}, false
			}
		}
		for i := range cells {
			cells[i] += seats
		}
		audience := "professionals"
		if sp.audience == "e_inclusion" || sp.audience == "both" && rng.IntN(10) == 0 {
			audience = "e_inclusion"
		}
		// Booked from an hour to three weeks before, never after Now.
		created := start.Add(-time.Hour - time.Duration(rng.Int64N(int64(21*24*time.Hour))))
		if created.After(g.spec.Now) {
			created = g.spec.Now
		}
		return booking{publicID: publicID(rng), start: start.UTC(), end: end.UTC(), seats: int(seats),
			user: g.memberIDs[rng.IntN(len(g.memberIDs))], audience: audience, created: db.Instant(created), ahead: ahead}, true
	}
	for _, ahead := range []bool{false, true} {
		want := sp.past
		if ahead {
			want = sp.ahead
		}
		for got, tries := 0, 0; got < want && tries < 4*want+50; tries++ {
			if b, ok := place(ahead); ok {
				out = append(out, b)
				got++
			}
		}
	}
	slices.SortFunc(out[mine:], func(a, b booking) int { return b.start.Compare(a.start) })
	return out
}

// insertBig draws and inserts the large place's one-hour bookings over the
// month after Now, no hour above capacity.
func (g *generator) insertBig(ctx context.Context, tx *db.Tx) (int, error) {
	rng := mrand.New(mrand.NewPCG(g.spec.Seed, 3))
	slots := make([]int, len(g.big.slots)) // seats used
	var rows []booking
	for len(rows) < g.spec.BigBookings {
		i := rng.IntN(len(slots))
		if slots[i] == g.spec.BigCapacity {
			continue
		}
		slots[i]++
		start := g.big.slots[i]
		created := start.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
		if created.After(g.spec.Now) {
			created = g.spec.Now
		}
		rows = append(rows, booking{publicID: publicID(rng), start: start, end: start.Add(time.Hour), seats: 1,
			user: g.memberIDs[rng.IntN(len(g.memberIDs))], audience: "professionals", created: db.Instant(created)})
	}
	slices.SortStableFunc(rows, func(a, b booking) int { return b.start.Compare(a.start) })
	sortPublicIDs(rows)
	in := newInserter(ctx, tx, "bookings", bookingColumns...)
	for _, b := range rows {
		if err := in.add(b.publicID, g.big.spaceID, b.user, b.audience, b.start, b.end, b.seats, false,
			"confirmed", b.created, b.created); err != nil {
			return 0, err
		}
	}
	return len(rows), in.close()
}
