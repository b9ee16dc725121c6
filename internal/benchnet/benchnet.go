// Package benchnet generates the network that `coopconnect bench` measures
// the server against: thousands of places, tens of thousands of spaces, a
// hundred thousand members, a year of bookings, one very large place and API
// tokens ready to use.
//
// Generate writes into an empty, migrated database with direct INSERTs
// (prepared, many rows per statement on PostgreSQL) in a few large
// transactions, without the services' validation: it is a load fixture, not
// a way in. The database's invariants still hold, because its triggers and
// constraints check every row (no overlapping one-at-a-time booking, no
// shared space over its capacity). The bookings of each space are inserted
// latest first, which keeps those checks local: each one then reads only
// the rows at the same instants, not the space's whole history.
// CheckBookings counts, after a load, any booking too many.
//
// The same Spec gives the same network on either engine (math/rand/v2,
// seeded), except the API token secrets, which come from crypto/rand so
// that a known seed never yields working credentials.
package benchnet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"coopconnect/internal/db"
	"coopconnect/internal/openhours"
	"coopconnect/internal/territory"
)

// Spec sizes the network. A zero field takes its value from DefaultSpec.
type Spec struct {
	// Seed drives every random choice.
	Seed uint64
	// Now is the instant the network is built around: the past bookings end
	// before it, the others start after it. Zero means the database's clock.
	Now time.Time
	// Places is the number of ordinary places, spread over a few carriers
	// and real communes; the large place comes on top.
	Places int
	// Spaces is the number of spaces of the ordinary places, at least one
	// per place (an open space); the large place's comes on top.
	Spaces int
	// Members is the number of member accounts. They cannot sign in: their
	// password hash is "!", which no password matches.
	Members int
	// PastBookings is roughly how many confirmed bookings the ordinary
	// places had over the year before Now; busy places get more than quiet
	// ones.
	PastBookings int
	// AheadDays extends the ordinary places' bookings, at the same pace,
	// over this many days after Now, so that availability reads real data.
	// The load spaces (LoadSpaces) get none.
	AheadDays int
	// BigCapacity is the number of desks of the large place's open space.
	BigCapacity int
	// BigBookings is the number of one-hour bookings of the large place
	// over the month after Now.
	BigBookings int
	// Tokens is the number of API tokens, each of a distinct member.
	Tokens int
	// LoadSpaces is the number of open spaces, in distinct places, kept
	// free from Now on for the booking load.
	LoadSpaces int
	// Listed is the number of ordinary places Network.Places lists.
	Listed int
}

// DefaultSpec is the network of `coopconnect bench`: the size of the
// national tiers-lieux network.
func DefaultSpec() Spec {
	return Spec{
		Seed:         2026,
		Places:       3500,
		Spaces:       20000,
		Members:      100000,
		PastBookings: 1000000,
		AheadDays:    35,
		BigCapacity:  200,
		BigBookings:  24000,
		Tokens:       256,
		LoadSpaces:   500,
		Listed:       5,
	}
}

// withDefaults fills the zero fields.
func (s Spec) withDefaults(now time.Time) Spec {
	def := DefaultSpec()
	set := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if s.Now.IsZero() {
		s.Now = now
	}
	s.Now = db.Instant(s.Now)
	set(&s.Places, def.Places)
	set(&s.Spaces, def.Spaces)
	set(&s.Members, def.Members)
	set(&s.PastBookings, def.PastBookings)
	set(&s.AheadDays, def.AheadDays)
	set(&s.BigCapacity, def.BigCapacity)
	set(&s.BigBookings, def.BigBookings)
	set(&s.Tokens, def.Tokens)
	set(&s.LoadSpaces, def.LoadSpaces)
	set(&s.Listed, def.Listed)
	return s
}

func (s Spec) validate() error {
	var problems []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	check(s.Places > 0 && s.Spaces > 0 && s.Members > 0 && s.PastBookings > 0 && s.AheadDays > 0 &&
		s.BigCapacity > 0 && s.BigBookings > 0 && s.Tokens > 0 && s.LoadSpaces > 0 && s.Listed > 0, "every size must be positive")
	check(s.Spaces >= s.Places, "%d spaces cannot give each of %d places its open space", s.Spaces, s.Places)
	check(s.Tokens <= s.Members, "%d tokens need as many members, not %d", s.Tokens, s.Members)
	check(s.LoadSpaces+s.Listed <= s.Places, "%d load spaces and %d listed places need as many distinct places, not %d", s.LoadSpaces, s.Listed, s.Places)
	check(s.BigCapacity <= 500, "a space holds at most 500 seats, not %d", s.BigCapacity)
	check(s.AheadDays <= bookingWindowDays, "bookings ahead stop at the default booking window of %d days, not %d", bookingWindowDays, s.AheadDays)
	if len(problems) > 0 {
		return errors.New("benchnet: " + strings.Join(problems, "; "))
	}
	return nil
}

// Network is what Generate made: what a load needs to address it, and the
// counts.
type Network struct {
	// Spec is the specification with its defaults filled in.
	Spec   Spec
	Counts Counts
	// Places are ordinary places with the most bookings in the AheadDays
	// after Now, busiest first: the subjects of the availability load.
	Places []Place
	// Big is the large place.
	Big BigPlace
	// Load are open spaces with no booking at or after Now: each of their
	// half-days (08:30–13:00 and 13:00–18:30 Paris time, Monday to Friday)
	// in the booking window has all its Capacity seats free. Their places
	// are not among Places.
	Load []LoadSpace
	// Tokens are API bearer secrets, each of a distinct member. Like a
	// token just created, each one's first use records it (a write): warm
	// them up before measuring.
	Tokens []string
	// Took is how long Generate took.
	Took time.Duration
}

// Counts are the rows Generate inserted.
type Counts struct {
	Carriers, Places, Spaces, Members, Tokens int
	// PastBookings ended before Now, AheadBookings start after it (ordinary
	// places), BigBookings are the large place's.
	PastBookings, AheadBookings, BigBookings int
}

// Bookings is the number of bookings of all kinds.
func (c Counts) Bookings() int { return c.PastBookings + c.AheadBookings + c.BigBookings }

// Place is an ordinary place.
type Place struct {
	Slug, Name string
	Spaces     int
	// BookingsAhead are its bookings in the AheadDays after Now.
	BookingsAhead int
}

// BigPlace is the large place: one open space of Capacity desks booked by
// the hour, with Bookings one-hour bookings between From and To (09:00 to
// 18:00 on weekdays, no hour above Capacity). By the hour, because 24,000
// bookings of 200 desks in a month do not fit in half-days: a month has
// about 22 × 2 × 200 = 8,800 seat-half-days, but 22 × 9 × 200 = 39,600
// seat-hours.
type BigPlace struct {
	Slug, SpacePublicID string
	Capacity, Bookings  int
	From, To            time.Time
}

// LoadSpace is an open space free from Now on.
type LoadSpace struct {
	PublicID, PlaceSlug string
	Capacity            int
}

// Slot is a half-open interval [Start, End) of UTC instants.
type Slot struct{ Start, End time.Time }

// bookingWindowDays is how far ahead a member may book where no rule says
// otherwise (booking.DefaultRules.WindowDays).
const bookingWindowDays = 90

// HalfDays returns the half-days a member may book a load space for, in
// order: the mornings (08:30–13:00) and afternoons (13:00–18:30, Paris
// time) of the weekdays from the day after Now to the eve of the end of
// the default booking window. In each, every load space has its whole
// Capacity free.
func (n Network) HalfDays() []Slot {
	paris := openhours.Paris()
	local := n.Spec.Now.In(paris)
	// A day short of the window, whatever zone the server adds days in.
	last := n.Spec.Now.AddDate(0, 0, bookingWindowDays-1)
	var out []Slot
	for i := 1; ; i++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+i, 8, 30, 0, 0, paris)
		if day.After(last) {
			return out
		}
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			continue
		}
		noon := time.Date(day.Year(), day.Month(), day.Day(), 13, 0, 0, 0, paris)
		evening := time.Date(day.Year(), day.Month(), day.Day(), 18, 30, 0, 0, paris)
		out = append(out, Slot{day.UTC(), noon.UTC()}, Slot{noon.UTC(), evening.UTC()})
	}
}

// BigSlug is the large place's slug.
const BigSlug = "grand-plateau"

// openingHours are every place's hours. The hour grid of a room runs from
// 09:00 to 18:00 inside them, the half-days of a desk are 08:30–13:00 and
// 13:00–18:30 (booking.Setup.Slots). They open on public holidays too
// (hours silent on them would close them to bookings): every weekday
// takes the bookings the network spreads over weekdays.
const openingHours = "Mo-Fr,PH 08:30-18:30"

// The day is cut in cells of half an hour from 08:30 to 18:30.
const (
	cellMinutes = 30
	dayCells    = 20
	noonCell    = 9  // 13:00, where the morning ends
	firstHour   = 1  // 09:00, the first slot of the hour grid
	lastHour    = 19 // 18:00, where the hour grid ends
)

// Generate fills an empty, migrated database with the network of spec and
// writes its progress to progress (which may be nil). It refuses a
// database that holds accounts, places or bookings. On error the database
// is left half-filled: throw it away.
func Generate(ctx context.Context, d *db.DB, spec Spec, progress io.Writer) (Network, error) {
	began := time.Now()
	spec = spec.withDefaults(d.Clock.Now())
	if err := spec.validate(); err != nil {
		return Network{}, err
	}
	if progress == nil {
		progress = io.Discard
	}
	if err := checkEmpty(ctx, d); err != nil {
		return Network{}, err
	}
	communes, err := territory.Load()
	if err != nil {
		return Network{}, err
	}
	g, err := plan(spec, communes)
	if err != nil {
		return Network{}, err
	}
	say := func(format string, args ...any) {
		fmt.Fprintf(progress, "benchnet: "+format+" (%.1f s)\n", append(args, time.Since(began).Seconds())...)
	}

	var tokens []string
	if err := d.Write(ctx, func(tx *db.Tx) error {
		var err error
		tokens, err = g.insertDirectory(ctx, tx)
		return err
	}); err != nil {
		return Network{}, fmt.Errorf("benchnet: directory: %w", err)
	}
	g.counts.Tokens = len(tokens)
	say("%d carriers, %d places, %d spaces, %d members, %d tokens", g.counts.Carriers, g.counts.Places, g.counts.Spaces, g.counts.Members, g.counts.Tokens)

	// Transactions of about chunkRows bookings: each commit lets SQLite
	// checkpoint its WAL, which would otherwise grow to the size of the
	// database, and tells the progress.
	const chunkRows = 150000
	planned := 0
	for _, sp := range g.spaces {
		planned += sp.past + sp.ahead
	}
	for first := 0; first < len(g.spaces); {
		last, rows := first, 0
		for last < len(g.spaces) && (rows < chunkRows || last == first) {
			rows += g.spaces[last].past + g.spaces[last].ahead
			last++
		}
		var c bookingCounts
		if err := d.Write(ctx, func(tx *db.Tx) error {
			var err error
			c, err = g.insertBookings(ctx, tx, first, last)
			return err
		}); err != nil {
			return Network{}, fmt.Errorf("benchnet: bookings: %w", err)
		}
		g.commit(c)
		say("bookings of %d/%d spaces: %d past, %d ahead, about %d%%", last, len(g.spaces),
			g.counts.PastBookings, g.counts.AheadBookings, min(100, 100*(g.counts.PastBookings+g.counts.AheadBookings)/max(1, planned)))
		first = last
	}

	if err := d.Write(ctx, func(tx *db.Tx) error {
		var err error
		g.counts.BigBookings, err = g.insertBig(ctx, tx)
		return err
	}); err != nil {
		return Network{}, fmt.Errorf("benchnet: large place: %w", err)
	}
	say("%d bookings of the large place", g.counts.BigBookings)

	if d.Engine == db.SQLite {
		// Leave the database as a server finds one it has run for a while:
		// the write-ahead log folded into the file (readers of a long log
		// look up every page in it) and the planner's statistics made.
		// Only sqlite_stat1's: with sqlite_stat4's samples, SQLite
		// compiles a statement again whenever a value bound to one of its
		// ranges changes (every availability and booking query), which
		// took an eighth of the server's time.
		for _, q := range []string{"PRAGMA wal_checkpoint(TRUNCATE)", "ANALYZE", "DELETE FROM sqlite_stat4"} {
			if _, err := d.SQL.ExecContext(ctx, q); err != nil {
				return Network{}, fmt.Errorf("benchnet: %s: %w", q, err)
			}
		}
		say("log checkpointed, statistics made")
	} else {
		// As autovacuum leaves it: the statistics made, and the visibility
		// map set, without which an index-only scan reads the table too.
		if _, err := d.SQL.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			return Network{}, fmt.Errorf("benchnet: VACUUM ANALYZE: %w", err)
		}
		// And the generation's log written out now, not by a checkpoint
		// during the loads (it needs the pg_checkpoint role).
		if _, err := d.SQL.ExecContext(ctx, "CHECKPOINT"); err != nil {
			say("no CHECKPOINT (%v): the server's own may run during the loads", err)
		} else {
			say("vacuumed, statistics made, checkpointed")
		}
	}
	n := g.network(tokens)
	n.Took = time.Since(began)
	return n, nil
}

// checkEmpty refuses a database in use: the generated network is no one's
// real data and must not be mixed with any.
func checkEmpty(ctx context.Context, d *db.DB) error {
	var n int
	err := d.SQL.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM carriers)
		+ (SELECT count(*) FROM places) + (SELECT count(*) FROM bookings)`).Scan(&n)
	if err != nil {
		return fmt.Errorf("benchnet: is the database migrated? %w", err)
	}
	if n > 0 {
		return errors.New("benchnet: the database is not empty; the bench network goes only into a new database")
	}
	return nil
}

// generator holds the network planned from a Spec, then the database
// identifiers of what it inserted.
type generator struct {
	spec  Spec
	paris *time.Location
	// days are the weekdays from a year before Now to AheadDays (or a
	// month) after it, each at 08:30 Paris time. days[:pastEnd] start
	// before Now, days[aheadStart:aheadEnd] end after it, within AheadDays.
	days                          []time.Time
	pastEnd, aheadStart, aheadEnd int
	places                        []placePlan
	spaces                        []spacePlan
	memberIDs                     []int64
	big                           bigPlan
	counts                        Counts
}

type placePlan struct {
	id                           int64
	slug, name, kind, audience   string
	commune                      territory.Commune
	lat, lon                     float64
	address, services, equipment string
	carrierIndex, spaces, ahead  int
	load                         bool
}

type spacePlan struct {
	id                             int64
	place                          int
	publicID, name, kind, audience string
	unit                           string
	capacity, position             int
	rate                           float64 // bookings per weekday
	past, ahead                    int     // bookings to place
	load                           bool
}

type bigPlan struct {
	place         placePlan
	spaceID       int64
	spacePublicID string
	from, to      time.Time
	slots         []time.Time // the hours between from and to
}

// plan draws the whole network but its bookings, which are drawn space by
// space when they are inserted.
func plan(spec Spec, communes *territory.Index) (*generator, error) {
	g := &generator{spec: spec, paris: openhours.Paris()}
	rng := rand.New(rand.NewPCG(spec.Seed, 1))

	// Days.
	local := spec.Now.In(g.paris)
	from := time.Date(local.Year()-1, local.Month(), local.Day()+1, 0, 0, 0, 0, g.paris)
	aheadTo := time.Date(local.Year(), local.Month(), local.Day()+spec.AheadDays, 0, 0, 0, 0, g.paris)
	to := time.Date(local.Year(), local.Month()+1, local.Day()+1, 0, 0, 0, 0, g.paris) // the large place's month
	if aheadTo.After(to) {
		to = aheadTo
	}
	g.aheadStart = -1
	for day := from; !day.After(to); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, g.paris) {
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			continue
		}
		open := time.Date(day.Year(), day.Month(), day.Day(), 8, 30, 0, 0, g.paris)
		if open.Before(spec.Now) {
			g.pastEnd = len(g.days) + 1
		}
		if g.aheadStart < 0 && open.Add(dayCells*cellMinutes*time.Minute).After(spec.Now) {
			g.aheadStart = len(g.days)
		}
		if !day.After(aheadTo) {
			g.aheadEnd = len(g.days) + 1
		}
		g.days = append(g.days, open)
	}
	if g.pastEnd == 0 || g.aheadStart < 0 {
		return nil, errors.New("benchnet: no weekday before or after Now")
	}

	// Places on located communes of metropolitan France, none twice.
	var located []territory.Commune
	for c := range communes.Communes() {
		if (c.Lat != 0 || c.Lon != 0) && len(c.PostalCodes) > 0 && !strings.HasPrefix(c.Code, "97") {
			located = append(located, c)
		}
	}
	if len(located) < spec.Places+1 {
		return nil, fmt.Errorf("benchnet: %d places need as many communes, there are %d", spec.Places, len(located))
	}
	rng.Shuffle(len(located), func(i, j int) { located[i], located[j] = located[j], located[i] })
	bigCommune, ok := communes.Commune("69123") // Lyon
	if !ok {
		bigCommune = located[len(located)-1]
	}
	located = slices.DeleteFunc(located, func(c territory.Commune) bool { return c.Code == bigCommune.Code })

	slugs := map[string]bool{BigSlug: true}
	freeSlug := func(name string) string {
		base := slugify(name)
		slug := base
		for i := 2; slugs[slug]; i++ {
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		slugs[slug] = true
		return slug
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	subset := func(all []string) string {
		var out []string
		for _, s := range all {
			if rng.IntN(3) == 0 {
				out = append(out, s)
			}
		}
		return strings.Join(out, " ")
	}
	services := []string{"desk", "meeting_room", "printing", "fast_connection", "video_booth", "digital_help", "training", "events"}
	equipment := []string{"printer_scanner", "video_conference", "screens", "lockers", "kitchen", "step_free", "accessible_toilets", "bike_parking"}
	audiences := []string{"both", "both", "both", "professionals", "e_inclusion"}

	g.places = make([]placePlan, spec.Places)
	weights := make([]float64, spec.Places)
	for i := range g.places {
		c := located[i]
		kind := pick(placeKinds)
		name := pick(placePrefixes[kind]) + " " + c.NameWithDe()
		ci := rng.IntN(len(carriers))
		g.places[i] = placePlan{
			slug: freeSlug(name), name: name, kind: kind, audience: pick(audiences), commune: c,
			lat: c.Lat + (rng.Float64()-0.5)*0.02, lon: c.Lon + (rng.Float64()-0.5)*0.02,
			address:  fmt.Sprintf("%d %s", 1+rng.IntN(60), pick(streets)),
			services: subset(services), equipment: subset(equipment), carrierIndex: ci, spaces: 1,
		}
		// Busy places are few, quiet ones many: a log-normal pace.
		weights[i] = math.Exp(rng.NormFloat64())
	}
	for range spec.Spaces - spec.Places {
		g.places[rng.IntN(len(g.places))].spaces++
	}
	for _, i := range rng.Perm(spec.Places)[:spec.LoadSpaces] {
		g.places[i].load = true
		g.places[i].audience = "both"
	}

	// Spaces: an open space first, then rooms, offices and equipment.
	extraKinds := []string{"meeting_room", "meeting_room", "meeting_room", "office", "office", "office", "equipment", "equipment", "open_space", "open_space"}
	for pi, p := range g.places {
		count := map[string]int{}
		for pos := range p.spaces {
			kind := "open_space"
			if pos > 0 {
				kind = pick(extraKinds)
			}
			sp := spacePlan{place: pi, publicID: publicID(rng), kind: kind, position: pos, audience: "both", unit: "hour"}
			switch kind {
			case "open_space":
				sp.capacity, sp.unit = 4+rng.IntN(17), "half_day"
			case "meeting_room":
				sp.capacity = 4 + rng.IntN(9)
			case "office":
				sp.capacity = 1 + rng.IntN(4)
			case "equipment":
				sp.capacity = 1 + rng.IntN(5)
			}
			if p.audience != "both" {
				sp.audience = p.audience
			} else if pos > 0 && rng.IntN(8) == 0 {
				sp.audience = pick(audiences[3:])
			}
			count[kind]++
			sp.name = spaceNames[kind][(pi+count[kind]-1)%len(spaceNames[kind])]
			if count[kind] > 1 {
				sp.name = fmt.Sprintf("%s %d", sp.name, count[kind])
			}
			sp.load = p.load && pos == 0
			g.spaces = append(g.spaces, sp)
		}
	}
	g.spreadBookings(rng, weights)

	// The large place.
	g.big.place = placePlan{
		slug: BigSlug, name: "Le Grand Plateau", kind: "tiers_lieu", audience: "both", commune: bigCommune,
		lat: bigCommune.Lat, lon: bigCommune.Lon, address: "12 quai Perrache",
		services: "desk meeting_room printing fast_connection events", equipment: "printer_scanner screens lockers kitchen step_free",
		carrierIndex: 4, spaces: 1,
	}
	g.big.spacePublicID = publicID(rng)
	g.big.from = spec.Now
	g.big.to = spec.Now.In(g.paris).AddDate(0, 1, 0).UTC()
	for _, day := range g.days[g.aheadStart:] {
		for cell := firstHour; cell < lastHour; cell += 2 {
			start := day.Add(time.Duration(cell*cellMinutes) * time.Minute)
			if !start.Before(g.big.from) && start.Add(time.Hour).Compare(g.big.to) <= 0 {
				g.big.slots = append(g.big.slots, start.UTC())
			}
		}
	}
	// Random draws fill the hours: leave them room.
	if room := len(g.big.slots) * spec.BigCapacity; spec.BigBookings > room*9/10 {
		return nil, fmt.Errorf("benchnet: %d one-hour bookings do not fit in %d hours of %d desks (at most 90%% of %d)",
			spec.BigBookings, len(g.big.slots), spec.BigCapacity, room)
	}
	return g, nil
}

// spreadBookings sets the pace of each space: the year's PastBookings
// shared by the places' weights (open spaces by their seats), no space
// above half of what it could take, then draws how many each gets.
func (g *generator) spreadBookings(rng *rand.Rand, placeWeights []float64) {
	perDay := float64(g.spec.PastBookings) / float64(g.pastEnd)
	w := make([]float64, len(g.spaces))
	ceiling := make([]float64, len(g.spaces))
	for i, sp := range g.spaces {
		factor := 1.0
		switch sp.kind {
		case "open_space":
			factor = float64(sp.capacity) / 6
			ceiling[i] = float64(sp.capacity) // two half-days a day, seats half taken
		case "equipment":
			factor = 0.5
			ceiling[i] = 2.5 * float64(sp.capacity)
		default:
			ceiling[i] = 2.5 // of the nine hours a room offers
		}
		w[i] = placeWeights[sp.place] * factor
	}
	// Water-filling: the spaces at their ceiling give their excess to the
	// others, in proportion to their weights.
	capped := make([]bool, len(g.spaces))
	for range 8 {
		left, free := perDay, 0.0
		for i := range g.spaces {
			if capped[i] {
				left -= ceiling[i]
			} else {
				free += w[i]
			}
		}
		changed := false
		for i := range g.spaces {
			if capped[i] {
				g.spaces[i].rate = ceiling[i]
				continue
			}
			g.spaces[i].rate = left * w[i] / free
			if g.spaces[i].rate > ceiling[i] {
				capped[i], changed = true, true
			}
		}
		if !changed {
			break
		}
	}
	draw := func(x float64) int {
		n := int(x)
		if rng.Float64() < x-float64(n) {
			n++
		}
		return n
	}
	aheadDays := float64(g.aheadEnd - g.aheadStart)
	for i := range g.spaces {
		sp := &g.spaces[i]
		sp.rate = min(sp.rate, ceiling[i])
		sp.past = draw(sp.rate * float64(g.pastEnd))
		if !sp.load {
			sp.ahead = draw(sp.rate * aheadDays)
		}
	}
}

// publicID is an identifier like the services' random ones (16 base32
// letters and digits), drawn from rng.
func publicID(rng *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	var b [16]byte
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b[:])
}

// network returns what the load needs.
func (g *generator) network(tokens []string) Network {
	n := Network{Spec: g.spec, Counts: g.counts, Tokens: tokens}
	order := make([]int, 0, len(g.places))
	for i, p := range g.places {
		if !p.load {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(g.places[b].ahead, g.places[a].ahead) })
	for _, i := range order[:min(g.spec.Listed, len(order))] {
		p := g.places[i]
		n.Places = append(n.Places, Place{Slug: p.slug, Name: p.name, Spaces: p.spaces, BookingsAhead: p.ahead})
	}
	n.Big = BigPlace{Slug: BigSlug, SpacePublicID: g.big.spacePublicID, Capacity: g.spec.BigCapacity,
		Bookings: g.counts.BigBookings, From: g.big.from, To: g.big.to}
	for _, sp := range g.spaces {
		if sp.load {
			n.Load = append(n.Load, LoadSpace{PublicID: sp.publicID, PlaceSlug: g.places[sp.place].slug, Capacity: sp.capacity})
		}
	}
	return n
}
