// Package ami runs the network's calls for expressions of interest (appels
// à manifestation d'intérêt): the calls and their forms, the applications
// completed without an account through a private link, their instruction
// with the states of the French public platforms, interviews and site
// visits, diagnostics and action plans.
package ami

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/mail"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/territory"
)

// Service runs the calls of one database.
type Service struct {
	DB        *db.DB
	Territory *territory.Index
	Mailer    *mail.Mailer
	Catalogs  i18n.Catalogs
	Places    *places.Service
	// BaseURL is the public address, for the private links sent by email.
	BaseURL string
}

var (
	errNotFound  = coop.Errorf(coop.ENotFound, "error.not_found")
	errForbidden = coop.Errorf(coop.EForbidden, "error.forbidden")
)

// State is where an application stands.
type State string

// The states of an application, those of the French public platforms
// (Démarches simplifiées): a draft, submitted, under instruction, then
// accepted, refused or closed without follow-up.
const (
	Draft       State = "draft"
	Submitted   State = "submitted"
	Instruction State = "instruction"
	Accepted    State = "accepted"
	Refused     State = "refused"
	Closed      State = "closed"
)

// States lists the states in their order.
var States = []State{Draft, Submitted, Instruction, Accepted, Refused, Closed}

// Decided tells whether the state is a decision.
func (s State) Decided() bool { return s == Accepted || s == Refused || s == Closed }

// transitions are the moves the instruction team may make; the candidate
// moves a draft to submitted by sending the file.
var transitions = map[State][]State{
	Submitted:   {Instruction, Accepted, Refused, Closed, Draft},
	Instruction: {Accepted, Refused, Closed, Draft},
	Accepted:    {Instruction},
	Refused:     {Instruction},
	Closed:      {Instruction},
}

// CanMove tells whether the team may move an application from one state
// to another: a decided file can be reopened (back under instruction), a
// submitted one sent back to the candidate as a draft to complete.
func CanMove(from, to State) bool { return slices.Contains(transitions[from], to) }

// NextStates lists the states the team may move an application to.
func NextStates(from State) []State { return transitions[from] }

// Document is a document a call requests.
type Document struct {
	Code     string   `json:"code"`
	Label    string   `json:"label"`
	Required bool     `json:"required"`
	Types    []string `json:"types"`   // accepted media types
	MaxMiB   int      `json:"max_mib"` // size limit
}

// Call is a call for expressions of interest.
type Call struct {
	ID       int64
	PublicID string
	Title    string
	Body     string
	// Areas are département codes or EPCI SIRENs; Kinds the carrier kinds
	// the call addresses (places.CarrierKinds); empty: all.
	Areas             []string
	Kinds             []string
	OpensOn, ClosesOn string // YYYY-MM-DD, Paris, both included
	Questionnaire     survey.Questionnaire
	Documents         []Document
	CreatedAt         time.Time
	// Applications counts the files, drafts excepted.
	Applications int
}

// Open tells whether the call takes applications on day (YYYY-MM-DD).
func (c Call) Open(day string) bool { return day >= c.OpensOn && day <= c.ClosesOn }

// CallInput is the call form, as typed.
type CallInput struct {
	Title, Body       string
	Areas, Kinds      string // space- or comma-separated
	OpensOn, ClosesOn string
}

// mayInstruct tells whether by belongs to the instruction team: the
// network's coordinators.
func mayInstruct(by accounts.User) bool { return by.Role == accounts.Coordinator }

func (s *Service) validateCall(in CallInput) (Call, error) {
	p := coop.Problems{}
	c := Call{Title: strings.TrimSpace(in.Title), Body: strings.TrimSpace(in.Body),
		OpensOn: strings.TrimSpace(in.OpensOn), ClosesOn: strings.TrimSpace(in.ClosesOn)}
	switch n := utf8.RuneCountInString(c.Title); {
	case n == 0:
		p.Add("title", "error.required")
	case n > 160:
		p.Add("title", "error.too_long")
	}
	if utf8.RuneCountInString(c.Body) > 20000 {
		p.Add("body", "error.too_long")
	}
	p.Days("opens_on", c.OpensOn, "closes_on", c.ClosesOn, "ami.closes_before_opens")
	for _, a := range fields(in.Areas) {
		if _, ok := s.Territory.Department(a); ok {
			c.Areas = append(c.Areas, a)
		} else if _, ok := s.Territory.EPCI(a); ok {
			c.Areas = append(c.Areas, a)
		} else {
			p.Add("areas", "ami.area_unknown")
		}
	}
	for _, k := range fields(in.Kinds) {
		if !slices.Contains(places.CarrierKinds, places.CarrierKind(k)) {
			p.Add("kinds", "ami.kind_unknown")
		}
		c.Kinds = append(c.Kinds, k)
	}
	return c, p.Err()
}

func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\r' || r == ';' })
}

// CreateCall publishes a call with the default form and documents.
func (s *Service) CreateCall(ctx context.Context, by accounts.User, in CallInput) (Call, error) {
	if !mayInstruct(by) {
		return Call{}, errForbidden
	}
	c, err := s.validateCall(in)
	if err != nil {
		return c, err
	}
	c.Questionnaire, c.Documents = DefaultForm(), DefaultDocuments()
	qn, _ := json.Marshal(c.Questionnaire)
	docs, _ := json.Marshal(c.Documents)
	c.PublicID = randomID(8)
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO calls (public_id, title, body, areas, kinds, opens_on, closes_on, questionnaire, documents, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			c.PublicID, c.Title, c.Body, strings.Join(c.Areas, " "), strings.Join(c.Kinds, " "), c.OpensOn, c.ClosesOn,
			string(qn), string(docs), by.ID, tx.Now).Scan(&c.ID)
	})
	return c, err
}

// UpdateCall changes a call's texts, targets and dates.
func (s *Service) UpdateCall(ctx context.Context, by accounts.User, publicID string, in CallInput) (Call, error) {
	if !mayInstruct(by) {
		return Call{}, errForbidden
	}
	c, err := s.validateCall(in)
	if err != nil {
		return c, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calls SET title = $1, body = $2, areas = $3, kinds = $4, opens_on = $5, closes_on = $6, updated_at = $7
			WHERE public_id = $8`, c.Title, c.Body, strings.Join(c.Areas, " "), strings.Join(c.Kinds, " "), c.OpensOn, c.ClosesOn, tx.Now, publicID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	return s.Call(ctx, publicID)
}

const callColumns = `c.id, c.public_id, c.title, c.body, c.areas, c.kinds, c.opens_on, c.closes_on, c.questionnaire, c.documents, c.created_at,
	(SELECT count(*) FROM applications a WHERE a.call_id = c.id AND a.state <> 'draft')`

func scanCall(row interface{ Scan(...any) error }) (Call, error) {
	var c Call
	var areas, kinds, qn, docs string
	err := row.Scan(&c.ID, &c.PublicID, &c.Title, &c.Body, &areas, &kinds, &c.OpensOn, &c.ClosesOn, &qn, &docs, &c.CreatedAt, &c.Applications)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNotFound
	}
	if err != nil {
		return c, err
	}
	c.Areas, c.Kinds = strings.Fields(areas), strings.Fields(kinds)
	if err := json.Unmarshal([]byte(qn), &c.Questionnaire); err != nil {
		return c, err
	}
	return c, json.Unmarshal([]byte(docs), &c.Documents)
}

// Call returns a call by its public id; calls are public.
func (s *Service) Call(ctx context.Context, publicID string) (Call, error) {
	var c Call
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		c, err = scanCall(tx.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls c WHERE c.public_id = $1`, publicID))
		return err
	})
	return c, err
}

// Calls lists every call, the latest first.
func (s *Service) Calls(ctx context.Context) ([]Call, error) {
	var out []Call
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+callColumns+` FROM calls c ORDER BY c.opens_on DESC, c.id DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCall(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// randomID returns a short random identifier for URLs.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// newSecret returns the secret of a private link and its hash, the only
// thing stored.
func newSecret() (secret, hash string) {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
