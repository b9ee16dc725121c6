package ami

// The instruction team's side of a call: private notes, questions to the
// candidate, phone interviews; the applications table with its filters and
// sorting; the call's statistics; the conversion of an accepted file into
// a place of the network.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
)

// maxNote bounds notes, questions and interview notes.
const maxNote = 4000

// teamText checks the text of a note, a question or an interview.
func teamText(field, text string, required bool) (string, error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0 && required:
		return text, (coop.Problems{field: "error.required"}).Err()
	case n > maxNote:
		return text, (coop.Problems{field: "error.too_long"}).Err()
	}
	return text, nil
}

// teamEvent records an event of the instruction team on an application,
// then runs more in the same transaction (an email), given the file.
func (s *Service) teamEvent(ctx context.Context, by accounts.User, publicID string, e Event, more func(tx *db.Tx, a Application) error) error {
	if !mayInstruct(by) {
		return errNotFound
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := scanApplication(tx.QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications a JOIN calls c ON c.id = a.call_id
			WHERE a.public_id = $1`, publicID))
		if err != nil {
			return err
		}
		if err := addEvent(ctx, tx, a.ID, &by, e); err != nil {
			return err
		}
		if more != nil {
			return more(tx, a)
		}
		return nil
	})
}

// Note records a private note of the instruction team: the candidate
// never sees it.
func (s *Service) Note(ctx context.Context, by accounts.User, publicID, text string) error {
	text, err := teamText("note", text, true)
	if err != nil {
		return err
	}
	return s.teamEvent(ctx, by, publicID, Event{Kind: "note", Body: text}, nil)
}

// Ask records a question to the candidate and emails it; the candidate
// answers on the private page of the file (its link, which only the
// candidate holds, is the one received when the file was opened).
func (s *Service) Ask(ctx context.Context, by accounts.User, publicID, text string) error {
	text, err := teamText("question", text, true)
	if err != nil {
		return err
	}
	return s.teamEvent(ctx, by, publicID, Event{Kind: "question", Body: text}, func(tx *db.Tx, a Application) error {
		if a.State == Draft && a.SubmittedAt == nil {
			// A question is for a file the team has received.
			return coop.Refusal(coop.EPrecondition, "ami.question_draft")
		}
		return s.mail(ctx, tx, a.ContactEmail, "ami.mail.question", a.CallTitle, text)
	})
}

// Interview records a phone interview: its day (YYYY-MM-DD, not in the
// future), who held it (the caller) and its notes.
func (s *Service) Interview(ctx context.Context, by accounts.User, publicID, day, notes string) error {
	p := coop.Problems{}
	day = strings.TrimSpace(day)
	if d, err := time.Parse(time.DateOnly, day); err != nil {
		p.Add("on_day", "error.date_invalid")
	} else if d.Format(time.DateOnly) > survey.Paris(s.DB.Clock.Now()) {
		p.Add("on_day", "ami.interview_future")
	}
	notes, err := teamText("notes", notes, true)
	if e := coop.AsError(err); e != nil {
		for k, v := range e.Fields {
			p.Add(k, v)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	return s.teamEvent(ctx, by, publicID, Event{Kind: "interview", OnDay: day, Body: notes}, nil)
}

// TeamDocument returns a document of an application, and its content, to
// the instruction team.
func (s *Service) TeamDocument(ctx context.Context, by accounts.User, appPublicID, docPublicID string) (StoredDocument, []byte, error) {
	var d StoredDocument
	var data []byte
	if !mayInstruct(by) {
		return d, nil, errNotFound
	}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT d.id, d.public_id, d.code, d.filename, d.content_type, d.size, d.uploaded_at, d.data
			FROM application_documents d JOIN applications a ON a.id = d.application_id
			WHERE a.public_id = $1 AND d.public_id = $2`, appPublicID, docPublicID).
			Scan(&d.ID, &d.PublicID, &d.Code, &d.Filename, &d.ContentType, &d.Size, &d.UploadedAt, &data)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		return err
	})
	return d, data, err
}

// Row is an application with what the territory says of its commune.
type Row struct {
	Application
	CommuneName    string
	Department     string
	DepartmentName string
	// Density is the INSEE density level (1 to 7; 0: unknown commune).
	Density int
	Rural   bool
}

// Area is "rural" or "urban", or "" when the commune is unknown.
func (r Row) Area() string {
	switch {
	case r.Density == 0:
		return ""
	case r.Rural:
		return "rural"
	}
	return "urban"
}

// RowOf adds the territory's facts to an application.
func (s *Service) RowOf(a Application) Row {
	r := Row{Application: a}
	if c, ok := s.Territory.Commune(a.Commune); ok {
		r.CommuneName, r.Department, r.DepartmentName, r.Density, r.Rural = c.Name, c.Department, c.DepartmentName, c.Density, c.Rural()
	}
	return r
}

// Filter selects and orders the applications table.
type Filter struct {
	State      string // a State, "" for all
	Department string // a département code
	Area       string // "rural", "urban" or ""
	Kind       string // a carrier kind
	Q          string // words found in the structure, the contact or the commune
	// Sort is "structure", "commune", "state" or "date" (of creation, the
	// default); Desc reverses it.
	Sort string
	Desc bool
}

// Sorts are the orders of the applications table.
var Sorts = []string{"date", "structure", "commune", "state"}

// Match tells whether a row passes the filter.
func (f Filter) Match(r Row) bool {
	if f.State != "" && string(r.State) != f.State {
		return false
	}
	if f.Department != "" && r.Department != f.Department {
		return false
	}
	if f.Area != "" && r.Area() != f.Area {
		return false
	}
	if f.Kind != "" && r.CarrierKind != f.Kind {
		return false
	}
	if q := territory.Normalize(f.Q); q != "" {
		hay := territory.Normalize(strings.Join([]string{r.Structure, r.ContactName, r.ContactEmail, r.CommuneName, r.Commune}, " "))
		for _, w := range strings.Fields(q) {
			if !strings.Contains(hay, w) {
				return false
			}
		}
	}
	return true
}

// Apply filters and sorts rows (a new slice); ties keep the order of
// creation.
func (f Filter) Apply(rows []Row) []Row {
	out := make([]Row, 0, len(rows))
	for _, r := range rows {
		if f.Match(r) {
			out = append(out, r)
		}
	}
	key := func(a, b Row) int {
		switch f.Sort {
		case "structure":
			return cmp.Compare(territory.Normalize(a.Structure), territory.Normalize(b.Structure))
		case "commune":
			return cmp.Compare(territory.Normalize(a.CommuneName), territory.Normalize(b.CommuneName))
		case "state":
			return cmp.Compare(slices.Index(States, a.State), slices.Index(States, b.State))
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b Row) int {
		c := key(a, b)
		if c == 0 {
			c = cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
		}
		if f.Desc {
			return -c
		}
		return c
	})
	return out
}

// Rows lists a call's applications for the instruction team, with their
// communes' facts, filtered and sorted. A call has tens of files: they are
// filtered in memory, on the territory's facts the database does not hold.
func (s *Service) Rows(ctx context.Context, by accounts.User, callID string, f Filter) ([]Row, error) {
	apps, err := s.Applications(ctx, by, callID)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, len(apps))
	for i, a := range apps {
		rows[i] = s.RowOf(a)
	}
	return f.Apply(rows), nil
}

// Count is a number of files under a key (a state, a département).
type Count struct {
	Key, Name string
	N         int
}

// StateTime is the time files spent in a state: over the stays that
// ended (a file still in the state is not counted until it leaves).
type StateTime struct {
	State        State
	Stays        int
	Mean, Median time.Duration
}

// Stats are a call's figures for the instruction team.
type Stats struct {
	Total        int
	ByState      []Count // every state, in order
	ByDepartment []Count // by département code
	// Rural and Urban count files by their commune's INSEE density level
	// (5 to 7: rural); Unknown those without a known commune.
	Rural, Urban, Unknown int
	Times                 []StateTime // the states some file left
}

// Stats computes a call's figures: files by state, by département, rural
// or urban, and the time spent in each state, from the history of state
// changes.
func (s *Service) Stats(ctx context.Context, by accounts.User, callID string) (Stats, error) {
	var st Stats
	rows, err := s.Rows(ctx, by, callID, Filter{})
	if err != nil {
		return st, err
	}
	st.Total = len(rows)
	byState := map[State]int{}
	depts := map[string]*Count{}
	for _, r := range rows {
		byState[r.State]++
		switch r.Area() {
		case "rural":
			st.Rural++
		case "urban":
			st.Urban++
		default:
			st.Unknown++
		}
		if r.Department != "" {
			if depts[r.Department] == nil {
				depts[r.Department] = &Count{Key: r.Department, Name: r.DepartmentName}
			}
			depts[r.Department].N++
		}
	}
	for _, state := range States {
		st.ByState = append(st.ByState, Count{Key: string(state), N: byState[state]})
	}
	for _, c := range depts {
		st.ByDepartment = append(st.ByDepartment, *c)
	}
	slices.SortFunc(st.ByDepartment, func(a, b Count) int { return cmp.Compare(a.Key, b.Key) })

	stays := map[State][]time.Duration{}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		q, err := tx.QueryContext(ctx, `SELECT e.application_id, e.at, e.to_state FROM application_events e
			JOIN applications a ON a.id = e.application_id JOIN calls c ON c.id = a.call_id
			WHERE c.public_id = $1 AND e.kind IN ('created', 'state') AND e.to_state IS NOT NULL
			ORDER BY e.application_id, e.at, e.id`, callID)
		if err != nil {
			return err
		}
		defer q.Close()
		var app int64
		var since time.Time
		var in State
		for q.Next() {
			var id int64
			var at time.Time
			var to State
			if err := q.Scan(&id, &at, &to); err != nil {
				return err
			}
			if id == app && in != "" {
				stays[in] = append(stays[in], at.Sub(since))
			}
			app, since, in = id, at, to
		}
		return q.Err()
	})
	if err != nil {
		return st, err
	}
	for _, state := range States {
		d := stays[state]
		if len(d) == 0 {
			continue
		}
		slices.Sort(d)
		var sum time.Duration
		for _, x := range d {
			sum += x
		}
		median := d[len(d)/2]
		if len(d)%2 == 0 {
			median = (d[len(d)/2-1] + d[len(d)/2]) / 2
		}
		st.Times = append(st.Times, StateTime{State: state, Stays: len(d), Mean: sum / time.Duration(len(d)), Median: median})
	}
	return st, nil
}

// AnswerText writes an answer the way a reader reads it: the options'
// labels, a number with its unit, a commune's name, a text.
func AnswerText(q survey.Question, v survey.Value, ix *territory.Index, lang string) string {
	if v.Empty() {
		return ""
	}
	switch {
	case len(v.Choices) > 0:
		var parts []string
		for _, code := range v.Choices {
			label := code
			if o, ok := q.Option(code); ok {
				label = o.Label.In(lang)
			}
			if code == survey.OtherCode && v.Other != "" {
				label += " (" + v.Other + ")"
			}
			parts = append(parts, label)
		}
		return strings.Join(parts, ", ")
	case v.Number != nil:
		n := strconv.FormatFloat(*v.Number, 'f', -1, 64)
		if lang == "fr" {
			n = strings.Replace(n, ".", ",", 1)
		}
		if u := q.Unit.In(lang); u != "" {
			n += " " + u
		}
		return n
	case q.Kind == survey.Commune && ix != nil:
		if c, ok := ix.Commune(v.Text); ok {
			return c.Name + " (" + c.Code + ")"
		}
	}
	return v.Text
}

// ToPlaceInput is what the team adds to an accepted file to make it a
// place: its status, its street address (the file has only the commune)
// and the carrier's identifiers the places directory requires (a SIREN,
// an association's RNA number), or an existing carrier.
type ToPlaceInput struct {
	Status    string // "project" or "testing"
	Address   string
	CarrierID string // an existing carrier; empty: create one from the file
	SIREN     string
	RNA       string
}

// connectionKinds maps the form's connection answers to the places'.
var connectionKinds = map[string]string{"fibre": "fibre", "vdsl": "vdsl", "adsl": "adsl", "mobile": "4g_5g", "satellite": "satellite"}

// equipmentCodes maps the form's equipment answers to the places'.
var equipmentCodes = map[string][]string{"copier": {"printer_scanner"}, "screens": {"screens"}, "video": {"video_conference"},
	"kitchen": {"kitchen"}, "accessible": {"step_free", "accessible_toilets"}}

// PlaceInputOf carries an application's facts into the place form: name,
// commune, connection and speeds, equipment, hours and premises in the
// description, audience, contact.
func PlaceInputOf(a Application, in ToPlaceInput) places.PlaceInput {
	name := strings.TrimSpace(a.Structure)
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	p := places.PlaceInput{CarrierID: in.CarrierID, Name: name, Kind: string(places.KindTiersLieu), Status: in.Status,
		Address: strings.TrimSpace(in.Address), Commune: a.Commune, Audience: string(places.AudienceBoth),
		ContactName: a.ContactName, ContactEmail: a.ContactEmail, ContactPhone: a.ContactPhone}
	ans := a.Answers
	if c := ans["connection"].Choices; len(c) > 0 {
		p.ConnectionKind = connectionKinds[c[0]]
	}
	num := func(id string) string {
		if n := ans[id].Number; n != nil {
			return strconv.FormatFloat(*n, 'f', -1, 64)
		}
		return ""
	}
	p.DownMbps, p.UpMbps = num("down_mbps"), num("up_mbps")
	for _, code := range ans["equipment"].Choices {
		for _, e := range equipmentCodes[code] {
			if !slices.Contains(p.Equipment, e) {
				p.Equipment = append(p.Equipment, e)
			}
		}
	}
	pub := ans["publics"].Choices
	pro := slices.Contains(pub, "professionals")
	incl := slices.ContainsFunc(pub, func(c string) bool { return c == "e_inclusion" || c == "seniors" || c == "job_seekers" })
	switch {
	case pro && !incl:
		p.Audience = string(places.AudienceProfessionals)
	case incl && !pro:
		p.Audience = string(places.AudienceEInclusion)
	}
	var desc []string
	if t := strings.TrimSpace(ans["premises"].Text); t != "" {
		desc = append(desc, t)
	}
	if t := strings.TrimSpace(ans["hours"].Text); t != "" {
		desc = append(desc, "Horaires envisagés\u00a0: "+t)
	}
	p.Description = strings.Join(desc, "\n\n")
	if r := []rune(p.Description); len(r) > 5000 {
		p.Description = string(r[:5000])
	}
	return p
}

// fromFile are the place's fields that come from what the candidate typed:
// one the directory refuses (a phone number in another format) is left
// out rather than stopping the conversion.
var fromFile = []string{"contact_phone", "contact_email", "down_mbps", "up_mbps", "description"}

// ToPlace makes an accepted file a place of the network, in one step: a
// carrier from the file's structure, kind and commune (unless an existing
// one is chosen), then the place with what the file holds. The place is
// checked before anything is created; the carrier, the place and the
// file's record of it are written together, or not at all.
func (s *Service) ToPlace(ctx context.Context, by accounts.User, publicID string, in ToPlaceInput) (places.Place, error) {
	a, err := s.Application(ctx, by, publicID)
	if err != nil {
		return places.Place{}, err
	}
	if a.State != Accepted {
		return places.Place{}, coop.Refusal(coop.EPrecondition, "ami.place_not_accepted", coop.Msg{Key: "ami.state." + string(a.State)})
	}
	if a.PlaceID != 0 {
		return places.Place{}, coop.Refusal(coop.EConflict, "ami.place_exists")
	}
	if in.Status != string(places.StatusProject) && in.Status != string(places.StatusTesting) {
		return places.Place{}, (coop.Problems{"status": "error.choose_in_list"}).Err()
	}
	in.CarrierID = strings.TrimSpace(in.CarrierID)
	pin := PlaceInputOf(a, in)
	check := pin
	if in.CarrierID == "" {
		check.CarrierID = "1" // checked below, once created
	}
	now := s.DB.Clock.Now()
	for range 2 {
		_, err = check.Validate(s.Territory, now)
		e := coop.AsError(err)
		if e == nil {
			break
		}
		dropped := false
		for _, f := range fromFile {
			if _, bad := e.Fields[f]; bad {
				dropped = true
				switch f {
				case "contact_phone":
					check.ContactPhone = ""
				case "contact_email":
					check.ContactEmail = ""
				case "down_mbps":
					check.DownMbps = ""
				case "up_mbps":
					check.UpMbps = ""
				case "description":
					check.Description = ""
				}
			}
		}
		if !dropped {
			return places.Place{}, err
		}
	}
	if err != nil {
		return places.Place{}, err
	}
	pin = check
	var cin *places.CarrierInput
	if in.CarrierID == "" {
		cin = &places.CarrierInput{Name: a.Structure, Kind: a.CarrierKind, SIREN: in.SIREN, RNA: in.RNA, CommuneCode: a.Commune,
			Email: pin.ContactEmail, Phone: pin.ContactPhone}
		if cin.SIREN == "" && a.CarrierKind == string(places.CarrierEPCI) {
			if c, ok := s.Territory.Commune(a.Commune); ok {
				cin.SIREN = c.EPCI // the commune's EPCI carries it
			}
		}
	}
	// A conversion that fails, or that another made meanwhile, leaves
	// nothing.
	var slug string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		pin := pin
		if cin != nil {
			carrier, err := s.Places.CreateCarrierIn(ctx, tx, by, *cin)
			if err != nil {
				return err
			}
			pin.CarrierID = strconv.FormatInt(carrier.ID, 10)
		}
		var err error
		if slug, err = s.Places.CreatePlaceIn(ctx, tx, by, pin); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE applications SET place_id = (SELECT id FROM places WHERE slug = $1)
			WHERE id = $2 AND place_id IS NULL`, slug, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coop.Refusal(coop.EConflict, "ami.place_exists") // converted meanwhile by someone else
		}
		return addEvent(ctx, tx, a.ID, &by, Event{Kind: "place", Body: slug})
	})
	if err != nil {
		return places.Place{}, err
	}
	return s.Places.Place(ctx, slug)
}
