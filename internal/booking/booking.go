// Package booking books the spaces of a place — open-space seats, offices,
// meeting rooms and equipment units — and never overbooks them.
//
// A booking is a half-open interval [Start, End) of UTC instants, for some
// seats of one space. Offices and meeting rooms are booked one at a time
// (Exclusive); open spaces and equipment are shared, up to the space's
// capacity at every instant.
//
// The invariants live in the database (migrations 0005 and 0006): a
// PostgreSQL exclusion constraint or a SQLite trigger refuses overlapping
// exclusive bookings, and triggers on both engines refuse a shared space
// over its capacity. The Service checks the same first, inside the write
// transaction and under a lock of the space's row, only to give a clear
// error ("booking.overlap", "booking.full").
//
// Around them, the Service applies what a place sets (Setup): its opening
// hours and blocked days, the booking unit of each space, the windows
// reserved for one audience, and the rules (booking window, notice,
// durations, active bookings per member, cancellation deadline, approval,
// waitlist hold). Each refusal is a coop.Refusal whose reason is a stable
// code ("booking.notice") and a message key of the catalogs.
package booking

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
)

// Status is where a booking is in its life.
type Status string

// The statuses of a booking; Holds tells which hold their seats.
const (
	Waiting   Status = "waiting"   // on the waitlist of a full slot
	Pending   Status = "pending"   // waits for the staff's approval
	Offered   Status = "offered"   // a freed seat offered to the waitlist, until HoldUntil
	Confirmed Status = "confirmed" // booked
	Cancelled Status = "cancelled"
	Refused   Status = "refused"
	Expired   Status = "expired" // an offer not taken in time, or a waitlist whose slot passed
)

// Holds tells whether a booking of that status holds its seats.
func (s Status) Holds() bool { return s == Pending || s == Offered || s == Confirmed }

// MaxLength is the longest a booking lasts, a database constraint: a
// day of Paris, with room for the DST change. A booking that ends after an
// instant starts less than MaxLength before it: the queries by time bound
// their search with it, instead of reading a space's or a member's history.
const MaxLength = 26 * time.Hour

// holding is the SQL list of the statuses that hold seats.
const holding = places.BookingsHoldingSeats

// countActive counts a member's active bookings in a place, those that
// hold seats and have not ended: the rules bound them. They started less
// than MaxLength before now, which bounds the search to the member's latest
// bookings. (The place is a value: taken from an outer query, SQLite would
// list its spaces again for every booking read.)
func countActive(ctx context.Context, tx *db.Tx, userID, placeID int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings b
		WHERE b.user_id = $1 AND b.start_at > $4 AND b.end_at > $3
		AND b.space_id IN (SELECT id FROM spaces WHERE place_id = $2) AND b.status IN `+holding,
		userID, placeID, tx.Now, tx.Now.Add(-MaxLength)).Scan(&n)
	return n, err
}

// The audiences a booking is for.
const (
	AudienceProfessionals = "professionals"
	AudienceEInclusion    = "e_inclusion"
)

// Audiences lists them.
var Audiences = []string{AudienceProfessionals, AudienceEInclusion}

// Attendance is whether the person came.
type Attendance string

// The attendance of a booking.
const (
	Expected Attendance = "expected"
	Present  Attendance = "present"
	NoShow   Attendance = "no_show"
)

// Booking is some seats of a space over [Start, End).
type Booking struct {
	ID            int64
	PublicID      string
	SpaceID       int64
	SpacePublicID string
	SpaceName     string
	PlaceSlug     string
	PlaceName     string
	UserID        *int64 // nil for a walk-in booked by the staff
	UserName      string // the member's name, or the walk-in's
	GuestName     string
	GuestContact  string
	Audience      string
	Start, End    time.Time // UTC
	Seats         int
	// Exclusive tells that the space is booked one at a time.
	Exclusive      bool
	Status         Status
	HoldUntil      *time.Time // for an offer
	Attendance     Attendance
	Note           string // the staff's word on a refusal
	Sequence       int    // bumps at each change, for calendars
	IdempotencyKey string
	CreatedAt      time.Time
	CancelledAt    *time.Time
}

// Who names the person the booking is for.
func (b Booking) Who() string {
	if b.GuestName != "" {
		return b.GuestName
	}
	return b.UserName
}

// Request asks for a booking.
type Request struct {
	// By is who books: a member for themselves, or the place's staff, who
	// may book for a walk-in visitor (GuestName and GuestContact). A
	// member's notice is written to this account, as the request read it.
	By            accounts.User
	GuestName     string
	GuestContact  string // an email or a phone number
	SpacePublicID string
	Start, End    time.Time // any location; stored in UTC, whole seconds
	Seats         int       // 0 means 1
	// Audience is the booking's public. A member books for the audience
	// they declared (empty means it); the staff chooses.
	Audience string
	// Waitlist, when the slot is full, puts the request on the slot's
	// waitlist instead of failing.
	Waitlist bool
	// IdempotencyKey, when set, makes the request safe to repeat: the same
	// key for the same user returns the first booking.
	IdempotencyKey string
}

func (r Request) walkIn() bool { return r.GuestName != "" || r.GuestContact != "" }

// Service books spaces.
type Service struct {
	DB *db.DB
	// setups caches the Setup of places by id, each with the version it
	// was read at (see setupOf); places the id of each space's place, by
	// the space's public id (see remembered).
	setups sync.Map
	places sync.Map
	// held caches the seats held in places (see heldIn), avails the
	// availabilities computed (see Availability).
	held   heldCache
	avails availCache
	// Notify, when set, prepares the notice of every change a person
	// should hear of (their email, written), in any transaction, before
	// the change is made; the Tell it returns, if any, is called inside
	// the transaction that makes the change (to queue the email there).
	Notify func(ctx context.Context, tx *db.Tx, n Notice) (Tell, error)
	// meanwhile, set by tests, runs between a booking's reading and its
	// writing.
	meanwhile func()
}

// Tell queues a prepared notice with the change that makes it.
type Tell interface {
	// Queue queues it in the change's transaction.
	Queue(ctx context.Context, tx *db.Tx) error
}

// tellWith is a Tell that a booking written in one statement (bookInOne)
// can queue in its statement.
type tellWith interface {
	Tell
	// QueueWith queues it in st if st's item after yields a row.
	QueueWith(st *db.Statement, after string) error
}

// Notice is a change to tell the booking's person about.
type Notice struct {
	// Event is "confirmed", "pending", "waiting", "offered", "moved",
	// "cancelled", "refused", "expired" (an offer not taken in time) or
	// "waitlist_ended" (the slot began while still waiting).
	Event   string
	Booking Booking
	// Member is the member booked for, when at hand (who books for
	// themselves: their account as the request read it); else Notify
	// reads the member's account.
	Member *accounts.User
}

// Exclusive tells whether a space of that kind is booked one at a time.
// Equipment is counted in units, like an open space's seats.
func Exclusive(spaceKind string) bool {
	return places.SpaceKind(spaceKind).OneAtATime()
}

const maxText = 200

func (r *Request) normalize() error {
	p := coop.Problems{}
	r.Start, r.End = db.Instant(r.Start), db.Instant(r.End)
	r.GuestName, r.GuestContact = strings.TrimSpace(r.GuestName), strings.TrimSpace(r.GuestContact)
	r.IdempotencyKey = strings.TrimSpace(r.IdempotencyKey)
	if r.Seats == 0 {
		r.Seats = 1
	}
	if r.SpacePublicID == "" {
		p.Add("space", "booking.space_required")
	}
	if r.Start.IsZero() || r.End.IsZero() {
		p.Add("start", "booking.times_required")
	} else if !r.End.After(r.Start) {
		p.Add("end", "booking.end_before_start")
	}
	if r.Seats < 1 {
		p.Add("seats", "booking.seats_min")
	}
	if r.Audience != "" && r.Audience != AudienceProfessionals && r.Audience != AudienceEInclusion {
		p.Add("audience", "booking.audience_invalid")
	}
	if r.walkIn() {
		if r.GuestName == "" {
			p.Add("guest_name", "booking.guest_name_required")
		}
		if r.GuestContact == "" {
			p.Add("guest_contact", "booking.guest_contact_required")
		} else if !validContact(r.GuestContact) {
			p.Add("guest_contact", "booking.guest_contact_invalid")
		}
	}
	for field, v := range map[string]string{"guest_name": r.GuestName, "guest_contact": r.GuestContact, "idempotency_key": r.IdempotencyKey} {
		if len(v) > maxText {
			p.Add(field, "booking.text_too_long")
		}
	}
	return p.Err()
}

// phone is a French or international phone number, as people type them.
var phone = regexp.MustCompile(`^\+?[0-9][0-9 .\-]{5,22}[0-9]$`)

// validContact tells whether a walk-in's contact is an email address or a
// phone number.
func validContact(s string) bool {
	if strings.Contains(s, "@") {
		a, err := mail.ParseAddress(s)
		return err == nil && a.Address == s
	}
	return phone.MatchString(s)
}

// Book books a space, or puts the request on the slot's waitlist when it is
// full and Waitlist is set. Errors: EInvalid for a wrong request (with
// Fields) or a broken rule (a Refusal: "booking.closed", "booking.notice"…);
// ENotFound for an unknown space; EForbidden for a walk-in booked by
// someone who is not the place's staff; EConflict "booking.overlap" when a
// one-at-a-time space is taken, "booking.full" when a shared space has not
// enough seats left, "booking.idempotency_mismatch" when the key was used
// for another request.
func (s *Service) Book(ctx context.Context, req Request) (Booking, error) {
	if err := req.normalize(); err != nil {
		return Booking{}, err
	}
	// A booking is decided in two steps. What it reads — the space, the
	// place's rules, who books and for which audience, the email to send —
	// is read beside the writer, or taken from memory when it can; the
	// write then checks what may have changed since (the space's place, the
	// rules, the audience declared, the clock, the member's active
	// bookings; the seats: the database's triggers) and writes. On SQLite
	// writes run one at a time, and what they do bounds the bookings a
	// second.
	var p *plan
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		p, err = s.plan(ctx, tx, req, false)
		return err
	})
	if err == nil && p.repeated {
		// Answer with the earlier request's booking once it is durable.
		if err := s.DB.Durable(ctx); err != nil {
			return Booking{}, err
		}
		return p.b, nil
	}
	if s.meanwhile != nil {
		s.meanwhile()
	}
	var b Booking
	if err == nil {
		b, err = s.write(ctx, req, p)
	}
	if code := coop.ErrorCode(err); req.IdempotencyKey != "" && (code == coop.EConflict || code == coop.EInvalid) {
		// An earlier or concurrent request with the same key may have
		// booked: its seats, its count of active bookings or the key's
		// unique index then refuse this one (a plan from memory does not
		// look for the key: the write finds it). Answer as its repetition
		// would.
		return s.replay(ctx, req, err)
	}
	if err != nil {
		return Booking{}, err
	}
	return b, nil
}

// requestNotice is the notice of b, made for req: a member booking for
// themselves is at hand.
func requestNotice(req Request, b Booking) Notice {
	n := Notice{Event: string(b.Status), Booking: b}
	if !req.walkIn() {
		n.Member = &req.By
	}
	return n
}

// plan is a booking request decided as far as reading can.
type plan struct {
	setup *Setup
	sp    *Space
	staff bool
	b     Booking // as it is to be written, created at the plan's instant
	tell  Tell    // the notice of b, prepared
	// declared is the audience the caller declared, as the plan knew it:
	// the write checks it, with the setup's place and version.
	declared string
	// repeated tells that an earlier request with the same idempotency
	// key made b.
	repeated bool
}

// plan decides a request as far as reading can, in any transaction; fresh
// reads what it may otherwise take from memory.
func (s *Service) plan(ctx context.Context, tx *db.Tx, req Request, fresh bool) (*plan, error) {
	// What every request needs beside the place's setup (cached by its
	// version) comes from memory when it can (remembered); else one
	// statement reads it: the space's place, the caller's declared
	// audience, and whether the key was used before.
	if !fresh {
		if placeID, version, declared, known := s.remembered(req); known {
			// What a plan from memory refuses, the database may not (the
			// memory may be late): that is read.
			if p, err := s.decide(ctx, tx, req, placeID, version, declared); err == nil {
				return p, nil
			}
		}
	}
	var (
		placeID, version int64
		declared         string
		repeated         bool
		key              any
	)
	if req.IdempotencyKey != "" {
		key = req.IdempotencyKey
	}
	err := tx.QueryRowContext(ctx, `SELECT s.place_id, p.setup_version,
		COALESCE((SELECT audience FROM users WHERE id = $2), ''),
		EXISTS (SELECT 1 FROM bookings WHERE COALESCE(booked_by, 0) = $2 AND idempotency_key = $3)
		FROM spaces s JOIN places p ON p.id = s.place_id WHERE s.public_id = $1`,
		req.SpacePublicID, req.By.ID, key).Scan(&placeID, &version, &declared, &repeated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, coop.Errorf(coop.ENotFound, "booking.space_not_found")
	}
	if err != nil {
		return nil, err
	}
	s.places.Store(req.SpacePublicID, placeID)
	if repeated {
		prev, found, err := byKey(ctx, tx, req.By.ID, req.IdempotencyKey)
		switch {
		case err != nil:
			return nil, err
		case found && !sameRequest(prev, req):
			return nil, coop.Refusal(coop.EConflict, "booking.idempotency_mismatch")
		case found:
			return &plan{b: prev, repeated: true}, nil
		}
	}
	return s.decide(ctx, tx, req, placeID, version, declared)
}

// decide plans req for the space's place placeID, whose setup is at
// version, and a caller who declared the audience declared.
func (s *Service) decide(ctx context.Context, tx *db.Tx, req Request, placeID, version int64, declared string) (*plan, error) {
	setup, err := s.setupAt(ctx, tx, placeID, version)
	if err != nil {
		return nil, err
	}
	sp, _ := setup.Space(req.SpacePublicID)
	staff, err := places.Hosts(ctx, tx, req.By, setup.PlaceID)
	if err != nil {
		return nil, err
	}
	if req.walkIn() && !staff {
		return nil, coop.Errorf(coop.EForbidden, "error.forbidden")
	}
	audience, err := audienceOf(req, staff, declared)
	if err != nil {
		return nil, err
	}
	if req.Seats > sp.Capacity {
		return nil, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form",
			Fields: map[string]string{"seats": "booking.seats_over_capacity"}, FieldArgs: map[string][]any{"seats": {sp.Capacity}}}
	}
	if e := setup.Check(sp, audience, req.Start, req.End, tx.Now, staff); e != nil {
		return nil, e
	}
	p := &plan{setup: setup, sp: sp, staff: staff, declared: declared, b: Booking{SpaceID: sp.ID, SpacePublicID: sp.PublicID, SpaceName: sp.Name,
		PlaceSlug: setup.Slug, PlaceName: setup.Name, GuestName: req.GuestName, GuestContact: req.GuestContact,
		Audience: audience, Start: req.Start, End: req.End, Seats: req.Seats, Exclusive: sp.Exclusive, Status: Confirmed,
		Attendance: Expected, IdempotencyKey: req.IdempotencyKey, CreatedAt: tx.Now, PublicID: newPublicID(tx.Now)}}
	if !req.walkIn() {
		id := req.By.ID
		p.b.UserID, p.b.UserName = &id, req.By.Name
	}
	if sp.Rules.Approval && !staff {
		p.b.Status = Pending
	}
	p.tell, err = s.prepare(ctx, tx, requestNotice(req, p.b))
	return p, err
}

// remembered returns what plan would read, from memory: the place of the
// space (known since a plan read it), the version of that place's cached
// setup, which still has the space, and the audience the caller's account
// came with (req.By). The write checks all three against the database, and
// plans again, reading, should one have changed; the key's earlier use it
// does not look for (see Book).
func (s *Service) remembered(req Request) (placeID, version int64, declared string, known bool) {
	if req.By.Audience == "" {
		return 0, 0, "", false
	}
	id, ok := s.places.Load(req.SpacePublicID)
	if !ok {
		return 0, 0, "", false
	}
	c, ok := s.setups.Load(id.(int64))
	if !ok {
		return 0, 0, "", false
	}
	setup := c.(*Setup)
	if _, ok := setup.Space(req.SpacePublicID); !ok {
		return 0, 0, "", false
	}
	return setup.PlaceID, setup.Version, req.By.Audience, true
}

// write writes a planned booking: in one statement on PostgreSQL when it
// can (bookInOne), in a write transaction otherwise (book).
func (s *Service) write(ctx context.Context, req Request, p *plan) (Booking, error) {
	if b, done, err := s.bookInOne(ctx, req, p); done {
		return b, err
	}
	var b Booking
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		b, err = s.book(ctx, tx, req, p)
		return err
	})
	return b, err
}

// bookInOne writes a planned booking on PostgreSQL in one statement
// (db.Statement), which concurrent bookings' share a pipeline and a commit
// with: the space's place locked and the rules' version checked as book
// does, the booking inserted (its triggers lock the space and count the
// seats) and its email queued — one round trip to the server instead of
// five. It leaves to book (done false, nothing written)
// what needs a transaction: a limit of active bookings to count, a request
// for the waitlist, a notice that cannot be queued in a statement, rules
// changed since the plan, a deadlock.
func (s *Service) bookInOne(ctx context.Context, req Request, p *plan) (b Booking, done bool, err error) {
	tell, inStatement := p.tell.(tellWith)
	if s.DB.Engine != db.Postgres || (p.tell != nil && !inStatement) || p.limited() || p.mayWait(req) {
		return Booking{}, false, nil
	}
	st := s.DB.Statement()
	if e := p.recheck(req, st.Now); e != nil {
		return Booking{}, true, e
	}
	b = p.b
	st.With("version", `SELECT p.setup_version, p.id AS place_id,
		COALESCE((SELECT audience FROM users WHERE id = `+st.Arg(req.By.ID)+`), '') AS declared
		FROM spaces s JOIN places p ON p.id = s.place_id WHERE s.id = `+st.Arg(b.SpaceID)+` FOR UPDATE OF p`)
	st.LockOrder(p.setup.PlaceID, b.SpaceID)
	st.With("booking", `INSERT INTO bookings (`+bookingColumns+`) SELECT `+st.Args(b.row(req.By.ID)...)+`
		FROM version WHERE setup_version = `+st.Arg(p.setup.Version)+` AND place_id = `+st.Arg(p.setup.PlaceID)+`
		AND declared = `+st.Arg(p.declared)+` RETURNING id`)
	if tell != nil {
		if err := tell.QueueWith(st, "booking"); err != nil {
			return Booking{}, true, err
		}
	}
	var id sql.NullInt64
	err = st.Scan(ctx, `SELECT (SELECT id FROM booking)`, &id)
	if err != nil {
		err = s.DB.MapError(seatsRefusal(err))
	}
	switch {
	case db.Retry(err) || (err == nil && !id.Valid):
		// A deadlock, or what the plan knew changed: book decides.
		return Booking{}, false, nil
	case err != nil:
		return Booking{}, true, err
	}
	b.ID = id.Int64
	return b, true, nil
}

// recheck checks the rules again at now, the write's instant, if the clock
// turned since the plan (instants are whole seconds: within one the rules
// answer the same).
func (p *plan) recheck(req Request, now time.Time) error {
	if now.Equal(p.b.CreatedAt) {
		return nil
	}
	if e := p.setup.Check(p.sp, p.b.Audience, req.Start, req.End, now, p.staff); e != nil {
		return e
	}
	return nil
}

// limited tells whether the member's active bookings in the place are to be
// counted before p is written.
func (p *plan) limited() bool {
	return p.b.UserID != nil && !p.staff && p.sp.Rules.MaxActive > 0
}

// mayWait tells whether req goes on the waitlist should its slot be full.
func (p *plan) mayWait(req Request) bool { return req.Waitlist && p.b.UserID != nil }

// seatsRefusal is the refusal of a booking whose seats the database's
// triggers or constraints refused, or err.
func seatsRefusal(err error) error {
	switch db.Raised(err) {
	case "booking.full":
		return coop.Refusal(coop.EConflict, "booking.full")
	case "booking.overlap", "bookings_no_overlap":
		return coop.Refusal(coop.EConflict, "booking.overlap")
	}
	return err
}

// book writes a planned booking, inside the write transaction.
func (s *Service) book(ctx context.Context, tx *db.Tx, req Request, p *plan) (Booking, error) {
	// The space's place locked (PostgreSQL: concurrent bookings of it
	// decide one after the other; its space is locked next, by the
	// database's trigger), and what the plan knew: the space's place, the
	// rules' version, the caller's declared audience.
	var (
		version, placeID int64
		declared         string
	)
	err := tx.QueryRowContext(ctx, `SELECT p.setup_version, p.id, COALESCE((SELECT audience FROM users WHERE id = $2), '')
		FROM spaces s JOIN places p ON p.id = s.place_id WHERE s.id = $1`+tx.ForUpdate("p"), p.sp.ID, req.By.ID).Scan(&version, &placeID, &declared)
	if err != nil {
		return Booking{}, err
	}
	if version != p.setup.Version || placeID != p.setup.PlaceID || declared != p.declared {
		// It changed since the plan: plan again, here, reading.
		if p, err = s.plan(ctx, tx, req, true); err != nil {
			return Booking{}, err
		}
		if p.repeated {
			return p.b, nil
		}
	} else if e := p.recheck(req, tx.Now); e != nil {
		return Booking{}, e
	}
	if p.limited() {
		n, err := countActive(ctx, tx, req.By.ID, p.setup.PlaceID)
		if err != nil {
			return Booking{}, err
		}
		if n >= p.sp.Rules.MaxActive {
			return Booking{}, coop.Refusal(coop.EInvalid, "booking.max_active", p.sp.Rules.MaxActive)
		}
	}
	b, tell := p.b, p.tell
	if p.mayWait(req) {
		// Only a full slot puts the request on its waitlist.
		if taken := taken(ctx, tx, p.sp, req.Start, req.End, req.Seats, 0); taken != nil {
			var already bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM bookings WHERE space_id = $1 AND user_id = $2
				AND status = 'waiting' AND start_at = $3 AND end_at = $4)`, p.sp.ID, *b.UserID, b.Start, b.End).Scan(&already); err != nil {
				return Booking{}, err
			}
			if already {
				return Booking{}, coop.Refusal(coop.EConflict, "booking.already_waiting")
			}
			b.Status = Waiting
			if tell, err = s.prepare(ctx, tx, requestNotice(req, b)); err != nil {
				return Booking{}, err
			}
		}
	}
	if err := insert(ctx, tx, &b, req.By.ID); err != nil {
		// The seats are the database's to count.
		return Booking{}, seatsRefusal(err)
	}
	if tell != nil {
		return b, tell.Queue(ctx, tx)
	}
	return b, nil
}

// taken returns the conflict that keeps seats seats of sp over [start, end)
// from being booked, if any, leaving out the booking except.
func taken(ctx context.Context, tx *db.Tx, sp *Space, start, end time.Time, seats int, except int64) error {
	if sp.Exclusive {
		var overlap bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM bookings
			WHERE space_id = $1 AND id <> $4 AND status IN `+holding+` AND start_at > $5 AND start_at < $3 AND end_at > $2)`,
			sp.ID, start, end, except, start.Add(-MaxLength)).Scan(&overlap); err != nil {
			return err
		}
		if overlap {
			return coop.Refusal(coop.EConflict, "booking.overlap")
		}
		return nil
	}
	used, err := peakSeats(ctx, tx, sp.ID, start, end, except)
	if err != nil {
		return err
	}
	if used+seats > sp.Capacity {
		return coop.Refusal(coop.EConflict, "booking.full")
	}
	return nil
}

// audienceOf returns the audience a request books for; declared is the
// caller's, "" when their account is gone.
func audienceOf(req Request, staff bool, declared string) (string, error) {
	if req.walkIn() || (staff && req.Audience != "") {
		if req.Audience == "" {
			return "", &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"audience": "booking.audience_invalid"}}
		}
		return req.Audience, nil
	}
	if declared == "" {
		return "", coop.Errorf(coop.EUnauthorized, "auth.sign_in_required")
	}
	if req.Audience != "" && req.Audience != declared {
		return "", &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"audience": "booking.audience_not_declared"}}
	}
	return declared, nil
}

// bookingColumns are the columns a new booking writes, in the order of
// Booking.row.
const bookingColumns = `public_id, space_id, user_id, guest_name, guest_contact, audience, start_at, end_at,
	seats, exclusive, status, idempotency_key, created_at, updated_at, hold_until, booked_by`

// row returns the values of bookingColumns for b, booked by the user by.
func (b *Booking) row(by int64) []any {
	var key, hold, bookedBy any
	if b.IdempotencyKey != "" {
		key = b.IdempotencyKey
	}
	if b.HoldUntil != nil {
		hold = *b.HoldUntil
	}
	if by != 0 {
		bookedBy = by
	}
	return []any{b.PublicID, b.SpaceID, b.UserID, b.GuestName, b.GuestContact, b.Audience, b.Start, b.End,
		b.Seats, b.Exclusive, string(b.Status), key, b.CreatedAt, b.CreatedAt, hold, bookedBy}
}

func insert(ctx context.Context, tx *db.Tx, b *Booking, by int64) error {
	return tx.QueryRowContext(ctx, `INSERT INTO bookings (`+bookingColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		b.row(by)...).Scan(&b.ID)
}

// notify tells b's person of event, inside the transaction that makes it.
func (s *Service) notify(ctx context.Context, tx *db.Tx, event string, b Booking) error {
	tell, err := s.prepare(ctx, tx, Notice{Event: event, Booking: b})
	if err != nil || tell == nil {
		return err
	}
	return tell.Queue(ctx, tx)
}

// prepare prepares a notice, in any transaction.
func (s *Service) prepare(ctx context.Context, tx *db.Tx, n Notice) (Tell, error) {
	if s.Notify == nil {
		return nil, nil
	}
	return s.Notify(ctx, tx, n)
}

func (s *Service) replay(ctx context.Context, req Request, cause error) (Booking, error) {
	var (
		prev  Booking
		found bool
	)
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		prev, found, err = byKey(ctx, tx, req.By.ID, req.IdempotencyKey)
		return err
	})
	switch {
	case err != nil:
		return Booking{}, err
	case !found:
		return Booking{}, cause
	case !sameRequest(prev, req):
		return Booking{}, coop.Refusal(coop.EConflict, "booking.idempotency_mismatch")
	}
	if err := s.DB.Durable(ctx); err != nil {
		return Booking{}, err
	}
	return prev, nil
}

// sameRequest tells whether req asks for what b is.
func sameRequest(b Booking, req Request) bool {
	return b.SpacePublicID == req.SpacePublicID && b.Start.Equal(req.Start) && b.End.Equal(req.End) &&
		b.Seats == req.Seats && (req.Audience == "" || b.Audience == req.Audience) &&
		b.GuestName == req.GuestName && b.GuestContact == req.GuestContact
}

// peakSeats returns the most seats the holding bookings of a space, but
// except, hold at any instant of [start, end): the peak is at start or at
// the start of a booking inside the interval. The database's trigger
// counts the same way.
func peakSeats(ctx context.Context, tx *db.Tx, spaceID int64, start, end time.Time, except int64) (int, error) {
	var atStart, inside int
	// Bookings last 26 hours at most (a database constraint): only those
	// starting in the 26 hours before an instant can hold it.
	err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
		 WHERE b.space_id = $1 AND b.id <> $4 AND b.status IN `+holding+`
		   AND b.start_at > $5 AND b.start_at <= $2 AND b.end_at > $2),
		(SELECT COALESCE(MAX((SELECT SUM(b.seats) FROM bookings b
		                      WHERE b.space_id = $1 AND b.id <> $4 AND b.status IN `+holding+`
		                        AND b.start_at > $5 AND b.start_at <= p.start_at AND b.end_at > p.start_at)), 0)
		 FROM bookings p
		 WHERE p.space_id = $1 AND p.id <> $4 AND p.status IN `+holding+` AND p.start_at > $2 AND p.start_at < $3)`,
		spaceID, start, end, except, start.Add(-MaxLength)).Scan(&atStart, &inside)
	return max(atStart, inside), err
}

// Get returns a booking by its public id, or ENotFound. It checks no
// rights: the caller does.
func (s *Service) Get(ctx context.Context, publicID string) (Booking, error) {
	var b Booking
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		b, err = get(ctx, tx, publicID)
		return err
	})
	return b, err
}

// ListForSpace returns the holding bookings of a space that overlap
// [from, to), by start.
func (s *Service) ListForSpace(ctx context.Context, spaceID int64, from, to time.Time) ([]Booking, error) {
	return s.list(ctx, ` WHERE b.space_id = $1 AND b.status IN `+holding+` AND b.start_at < $3 AND b.end_at > $2
		AND b.start_at > $4 ORDER BY b.start_at, b.id`, spaceID, db.Instant(from), db.Instant(to), db.Instant(from).Add(-MaxLength))
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]Booking, error) {
	var out []Booking
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		out, err = listTx(ctx, tx, where, args...)
		return err
	})
	return out, err
}

func listTx(ctx context.Context, tx *db.Tx, where string, args ...any) ([]Booking, error) {
	rows, err := tx.QueryContext(ctx, selectBooking+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

const selectBooking = `SELECT b.id, b.public_id, b.space_id, s.public_id, s.name, p.slug, p.name, b.user_id, COALESCE(u.name, ''),
	b.guest_name, b.guest_contact, b.audience, b.start_at, b.end_at, b.seats, b.exclusive, b.status, b.hold_until,
	b.attendance, b.note, b.sequence, COALESCE(b.idempotency_key, ''), b.created_at, b.cancelled_at
	FROM bookings b JOIN spaces s ON s.id = b.space_id JOIN places p ON p.id = s.place_id LEFT JOIN users u ON u.id = b.user_id`

func scanBooking(row interface{ Scan(...any) error }) (Booking, error) {
	var (
		b               Booking
		userID          sql.NullInt64
		cancelled, hold sql.NullTime
	)
	err := row.Scan(&b.ID, &b.PublicID, &b.SpaceID, &b.SpacePublicID, &b.SpaceName, &b.PlaceSlug, &b.PlaceName, &userID, &b.UserName,
		&b.GuestName, &b.GuestContact, &b.Audience, &b.Start, &b.End, &b.Seats, &b.Exclusive, &b.Status, &hold,
		&b.Attendance, &b.Note, &b.Sequence, &b.IdempotencyKey, &b.CreatedAt, &cancelled)
	if err != nil {
		return b, err
	}
	if userID.Valid {
		b.UserID = &userID.Int64
	}
	if cancelled.Valid {
		t := cancelled.Time.UTC()
		b.CancelledAt = &t
	}
	if hold.Valid {
		t := hold.Time.UTC()
		b.HoldUntil = &t
	}
	b.Start, b.End, b.CreatedAt = b.Start.UTC(), b.End.UTC(), b.CreatedAt.UTC()
	return b, nil
}

func get(ctx context.Context, tx *db.Tx, publicID string) (Booking, error) {
	b, err := scanBooking(tx.QueryRowContext(ctx, selectBooking+` WHERE b.public_id = $1`, publicID))
	if errors.Is(err, sql.ErrNoRows) {
		return b, coop.Errorf(coop.ENotFound, "booking.not_found")
	}
	return b, err
}

func byKey(ctx context.Context, tx *db.Tx, userID int64, key string) (Booking, bool, error) {
	b, err := scanBooking(tx.QueryRowContext(ctx, selectBooking+` WHERE COALESCE(b.booked_by, 0) = $1 AND b.idempotency_key = $2`, userID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return b, false, nil
	}
	return b, err == nil, err
}

// newPublicID returns a public id made at now: its second, then 48 random
// bits, in base32hex. Ids so sort by creation, and the bookings committed
// together add to one page of the index of ids instead of a page each.
func newPublicID(now time.Time) string {
	var b [10]byte
	binary.BigEndian.PutUint32(b[:4], uint32(now.Unix()))
	_, _ = rand.Read(b[4:])
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

var idEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)
