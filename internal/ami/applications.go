package ami

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/mail"
	"coopconnect/internal/survey"
)

// LinkTTL is how long a private link works after its last use: long
// enough to gather a file's documents, then renewed on request.
const LinkTTL = 120 * 24 * time.Hour

// Application is a candidate's file.
type Application struct {
	ID                      int64
	PublicID                string
	CallID                  int64
	CallPublicID, CallTitle string
	State                   State
	// Structure is the candidate structure's name, CarrierKind its kind
	// (places.CarrierKinds), Commune its INSEE code.
	Structure                               string
	CarrierKind                             string
	Commune                                 string
	ContactName, ContactEmail, ContactPhone string
	Answers                                 survey.Answers
	Reason                                  string // of the last decision
	PlaceID                                 int64  // the place it became
	CreatedAt                               time.Time
	SubmittedAt                             *time.Time
	DecidedAt                               *time.Time
	StateSince                              time.Time
}

// Event is one thing that happened to an application.
type Event struct {
	ID       int64
	At       time.Time
	ByUser   int64 // 0: the candidate
	ByName   string
	Kind     string // created, state, note, question, answer, interview, visit, document, place
	From, To State
	Body     string
	OnDay    string          // interviews and visits
	Data     json.RawMessage // a visit's checklist
}

// Private tells whether the candidate must not see the event: the team's
// notes, interviews and visits are the team's.
func (e Event) Private() bool { return e.Kind == "note" || e.Kind == "interview" || e.Kind == "visit" }

// StartInput starts an application: who the candidate is.
type StartInput struct {
	Structure, CarrierKind, Commune         string
	ContactName, ContactEmail, ContactPhone string
}

// Start opens a draft on an open call and emails its private link; it
// returns the application and the link's secret (for tests and the
// page that says where the link went; the link itself goes by email).
func (s *Service) Start(ctx context.Context, callID string, in StartInput, today string) (Application, string, error) {
	c, err := s.Call(ctx, callID)
	if err != nil {
		return Application{}, "", err
	}
	if !c.Open(today) {
		return Application{}, "", coop.Refusal(coop.EPrecondition, "ami.call_not_open")
	}
	a, err := s.validateStart(in)
	if err != nil {
		return a, "", err
	}
	secret, hash := newSecret()
	a.PublicID, a.CallID, a.State = randomID(8), c.ID, Draft
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO applications (public_id, call_id, secret_hash, link_expires_at, state, structure, carrier_kind,
				commune_code, contact_name, contact_email, contact_phone, created_at, state_since)
			VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			a.PublicID, c.ID, hash, tx.Now.Add(LinkTTL), a.Structure, a.CarrierKind, a.Commune, a.ContactName, a.ContactEmail, a.ContactPhone, tx.Now).Scan(&a.ID)
		if err != nil {
			return err
		}
		if err := addEvent(ctx, tx, a.ID, nil, Event{Kind: "created", To: Draft}); err != nil {
			return err
		}
		return s.mail(ctx, tx, a.ContactEmail, "ami.mail.link", c.Title, s.link(secret))
	})
	return a, secret, err
}

func (s *Service) validateStart(in StartInput) (Application, error) {
	p := coop.Problems{}
	a := Application{Structure: strings.TrimSpace(in.Structure), CarrierKind: strings.TrimSpace(in.CarrierKind),
		ContactName: strings.TrimSpace(in.ContactName), ContactEmail: strings.ToLower(strings.TrimSpace(in.ContactEmail)),
		ContactPhone: strings.TrimSpace(in.ContactPhone)}
	switch n := utf8.RuneCountInString(a.Structure); {
	case n == 0:
		p.Add("structure", "error.required")
	case n > 160:
		p.Add("structure", "error.too_long")
	}
	if a.CarrierKind == "" {
		p.Add("carrier_kind", "error.required")
	} else if !validKind(a.CarrierKind) {
		p.Add("carrier_kind", "ami.kind_unknown")
	}
	code, candidates := s.Territory.ResolveCommune(in.Commune, "")
	switch {
	case strings.TrimSpace(in.Commune) == "":
		p.Add("commune", "error.required")
	case code == "" && len(candidates) > 1:
		p.Add("commune", "places.commune_ambiguous")
	case code == "":
		p.Add("commune", "places.commune_unknown")
	}
	a.Commune = code
	if a.ContactName == "" {
		p.Add("contact_name", "error.required")
	}
	if !accounts.ValidEmail(a.ContactEmail) {
		p.Add("contact_email", "error.email_invalid")
	}
	if utf8.RuneCountInString(a.ContactPhone) > 30 {
		p.Add("contact_phone", "error.too_long")
	}
	return a, p.Err()
}

// link is the private address of an application.
func (s *Service) link(secret string) string {
	return strings.TrimSuffix(s.BaseURL, "/") + "/candidature/" + secret
}

// mail queues an email to a candidate, in French, in the transaction.
func (s *Service) mail(ctx context.Context, tx *db.Tx, to, key string, args ...any) error {
	l := s.Catalogs.For("fr")
	return s.Mailer.Queue(ctx, tx, mail.Message{To: to, Subject: l.T(key+".subject", args...), Text: l.T(key+".body", args...)})
}

const appColumns = `a.id, a.public_id, a.call_id, c.public_id, c.title, a.state, a.structure, a.carrier_kind, COALESCE(a.commune_code, ''),
	a.contact_name, a.contact_email, a.contact_phone, a.answers, a.reason, COALESCE(a.place_id, 0), a.created_at, a.submitted_at, a.decided_at, a.state_since`

func scanApplication(row interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var answers string
	var submitted, decided sql.NullTime
	err := row.Scan(&a.ID, &a.PublicID, &a.CallID, &a.CallPublicID, &a.CallTitle, &a.State, &a.Structure, &a.CarrierKind, &a.Commune,
		&a.ContactName, &a.ContactEmail, &a.ContactPhone, &answers, &a.Reason, &a.PlaceID, &a.CreatedAt, &submitted, &decided, &a.StateSince)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errNotFound
	}
	if err != nil {
		return a, err
	}
	if submitted.Valid {
		a.SubmittedAt = &submitted.Time
	}
	if decided.Valid {
		a.DecidedAt = &decided.Time
	}
	return a, json.Unmarshal([]byte(answers), &a.Answers)
}

// BySecret returns the application of a private link. A wrong or expired
// link is not found, and tells nothing about any application.
func (s *Service) BySecret(ctx context.Context, secret string) (Application, error) {
	var a Application
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		a, err = scanApplication(tx.QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications a JOIN calls c ON c.id = a.call_id
			WHERE a.secret_hash = $1 AND a.link_expires_at > $2`, hashSecret(secret), tx.Now))
		return err
	})
	if coop.ErrorCode(err) == coop.ENotFound {
		return a, coop.Errorf(coop.EGone, "ami.link_invalid")
	}
	return a, err
}

// Application returns an application for the instruction team.
func (s *Service) Application(ctx context.Context, by accounts.User, publicID string) (Application, error) {
	if !mayInstruct(by) {
		return Application{}, errNotFound
	}
	var a Application
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		a, err = scanApplication(tx.QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications a JOIN calls c ON c.id = a.call_id
			WHERE a.public_id = $1`, publicID))
		return err
	})
	return a, err
}

// Applications lists a call's files for the instruction team, drafts
// included, by state then date.
func (s *Service) Applications(ctx context.Context, by accounts.User, callID string) ([]Application, error) {
	if !mayInstruct(by) {
		return nil, errNotFound
	}
	var out []Application
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+appColumns+` FROM applications a JOIN calls c ON c.id = a.call_id
			WHERE c.public_id = $1 ORDER BY a.created_at, a.id`, callID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanApplication(rows)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// SaveDraft keeps the answers of a draft as typed so far (UpdateDraft).
func (s *Service) SaveDraft(ctx context.Context, secret string, form map[string][]string) (Application, error) {
	a, _, err := s.UpdateDraft(ctx, secret, Change{Answers: form})
	return a, err
}

// Submit sends a draft to the team: every required answer and document
// must be there; the file is checked whole, and nothing changes if it is
// not complete.
func (s *Service) Submit(ctx context.Context, secret string, form map[string][]string, today string) (Application, error) {
	a, err := s.BySecret(ctx, secret)
	if err != nil {
		return a, err
	}
	if a.State != Draft {
		return a, coop.Refusal(coop.EPrecondition, "ami.not_a_draft")
	}
	c, err := s.Call(ctx, a.CallPublicID)
	if err != nil {
		return a, err
	}
	if today > c.ClosesOn {
		return a, coop.Refusal(coop.EPrecondition, "ami.call_closed")
	}
	answers, err := c.Questionnaire.Parse(s.Territory, form)
	var invalid *coop.Error
	if err != nil {
		invalid = coop.AsError(err)
		if invalid == nil {
			return a, err
		}
	}
	docs, err := s.Documents(ctx, a.ID)
	if err != nil {
		return a, err
	}
	for _, d := range c.Documents {
		if d.Required && !hasDocument(docs, d.Code) {
			if invalid == nil {
				invalid = &coop.Error{Code: coop.EInvalid, Message: "ami.incomplete", Fields: map[string]string{}}
			}
			invalid.Fields["doc."+d.Code] = "ami.document_required"
		}
	}
	if invalid != nil {
		return a, invalid
	}
	text, _ := json.Marshal(answers)
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		// The call's row: its form cannot change under a submission (SaveForm).
		var form string
		if err := tx.QueryRowContext(ctx, `SELECT questionnaire FROM calls WHERE id = $1`+tx.ForUpdate(), c.ID).Scan(&form); err != nil {
			return err
		}
		if qn, _ := json.Marshal(c.Questionnaire); form != string(qn) {
			return coop.Refusal(coop.EConflict, "ami.form_changed")
		}
		res, err := tx.ExecContext(ctx, `UPDATE applications SET answers = $1, state = 'submitted', submitted_at = $2, state_since = $2
			WHERE id = $3 AND state = 'draft'`, string(text), tx.Now, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coop.Refusal(coop.EPrecondition, "ami.not_a_draft")
		}
		if err := addEvent(ctx, tx, a.ID, nil, Event{Kind: "state", From: Draft, To: Submitted}); err != nil {
			return err
		}
		return s.mail(ctx, tx, a.ContactEmail, "ami.mail.submitted", c.Title, s.link(secret))
	})
	if err != nil {
		return a, err
	}
	a.State, a.Answers = Submitted, answers
	return a, nil
}

func hasDocument(docs []StoredDocument, code string) bool {
	for _, d := range docs {
		if d.Code == code {
			return true
		}
	}
	return false
}

// Move changes an application's state, as the instruction team decides,
// with the reason sent to the candidate for a decision or a return to
// the draft. A move not allowed from the current state is refused with
// the reason.
func (s *Service) Move(ctx context.Context, by accounts.User, publicID string, to State, reason string) error {
	if !mayInstruct(by) {
		return errNotFound
	}
	reason = strings.TrimSpace(reason)
	if (to.Decided() || to == Draft) && reason == "" {
		return (coop.Problems{"reason": "ami.reason_required"}).Err()
	}
	if utf8.RuneCountInString(reason) > 4000 {
		return (coop.Problems{"reason": "error.too_long"}).Err()
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := scanApplication(tx.QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications a JOIN calls c ON c.id = a.call_id
			WHERE a.public_id = $1`+tx.ForUpdate(), publicID))
		if err != nil {
			return err
		}
		if !CanMove(a.State, to) {
			return coop.Refusal(coop.EPrecondition, "ami.move_refused", coop.Msg{Key: "ami.state." + string(a.State)}, coop.Msg{Key: "ami.state." + string(to)})
		}
		decided := any(nil)
		if to.Decided() {
			decided = tx.Now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET state = $1, state_since = $2, decided_at = $3, reason = $4 WHERE id = $5`,
			string(to), tx.Now, decided, reason, a.ID); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, a.ID, &by, Event{Kind: "state", From: a.State, To: to, Body: reason}); err != nil {
			return err
		}
		if to.Decided() || to == Draft {
			return s.mail(ctx, tx, a.ContactEmail, "ami.mail."+string(to), a.CallTitle, reason)
		}
		return nil
	})
}

// addEvent records what happened, by whom (nil: the candidate).
func addEvent(ctx context.Context, tx *db.Tx, applicationID int64, by *accounts.User, e Event) error {
	var user any
	if by != nil {
		user, e.ByName = by.ID, by.Name
	}
	from, to := any(nil), any(nil)
	if e.From != "" {
		from = string(e.From)
	}
	if e.To != "" {
		to = string(e.To)
	}
	day := any(nil)
	if e.OnDay != "" {
		day = e.OnDay
	}
	data := string(e.Data)
	_, err := tx.ExecContext(ctx, `INSERT INTO application_events (application_id, at, by_user, by_name, kind, from_state, to_state, body, on_day, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, applicationID, tx.Now, user, e.ByName, e.Kind, from, to, e.Body, day, data)
	return err
}

// Events returns an application's history, oldest first; the candidate
// (private false) sees neither notes nor interviews and visits.
func (s *Service) Events(ctx context.Context, applicationID int64, private bool) ([]Event, error) {
	var out []Event
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, at, COALESCE(by_user, 0), by_name, kind, COALESCE(from_state, ''), COALESCE(to_state, ''), body,
				COALESCE(on_day, ''), data FROM application_events WHERE application_id = $1 ORDER BY id`, applicationID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Event
			var data string
			if err := rows.Scan(&e.ID, &e.At, &e.ByUser, &e.ByName, &e.Kind, &e.From, &e.To, &e.Body, &e.OnDay, &data); err != nil {
				return err
			}
			if data != "" {
				e.Data = json.RawMessage(data)
			}
			if private || !e.Private() {
				out = append(out, e)
			}
		}
		return rows.Err()
	})
	return out, err
}

// StoredDocument is a document a candidate uploaded.
type StoredDocument struct {
	ID          int64
	PublicID    string
	Code        string
	Filename    string
	ContentType string
	Size        int64
	UploadedAt  time.Time
}

// Documents lists an application's documents.
func (s *Service) Documents(ctx context.Context, applicationID int64) ([]StoredDocument, error) {
	var out []StoredDocument
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, public_id, code, filename, content_type, size, uploaded_at
			FROM application_documents WHERE application_id = $1 ORDER BY code, id`, applicationID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d StoredDocument
			if err := rows.Scan(&d.ID, &d.PublicID, &d.Code, &d.Filename, &d.ContentType, &d.Size, &d.UploadedAt); err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}
