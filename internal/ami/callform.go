package ami

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/survey"
)

// A call's questions and requested documents can change until the first
// file is submitted: after that, the files already sent must stay readable
// against the form they answered.

// DocumentTypes are the media types a call may request, in the order the
// editor shows them. Each is recognised from the file's content
// (SniffType), which is why office documents (ZIP containers) are not
// offered.
var DocumentTypes = []string{"application/pdf", "image/jpeg", "image/png", "image/webp"}

// MaxDocumentMiB bounds the size limit of a requested document.
const MaxDocumentMiB = 50

var documentCode = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// CheckForm tells what is wrong with a call's form, with the questionnaire's
// own checks (Questionnaire.Check) less what only concerns surveys: a call
// has no residence question, no demand and no cross-tabulations.
func CheckForm(qn survey.Questionnaire) map[string]string {
	qn.Residence, qn.Demand, qn.Crosstabs = "", nil, nil
	p := qn.Check()
	// With no demand and no cross-tabulation, the only problem of the
	// whole questionnaire is the residence question a call does not have.
	if p["questionnaire"] == "survey.editor.residence_required" {
		delete(p, "questionnaire")
	}
	return p
}

// CheckDocuments tells what is wrong with a call's requested documents,
// keyed "doc<i>.<field>" (i from 0) with message keys: codes unique,
// labels given, types among DocumentTypes, sizes from 1 to
// MaxDocumentMiB.
func CheckDocuments(docs []Document) coop.Problems {
	p := coop.Problems{}
	seen := map[string]bool{}
	for i, d := range docs {
		f := "doc" + strconv.Itoa(i) + "."
		switch {
		case !documentCode.MatchString(d.Code):
			p.Add(f+"code", "ami.docs.code_invalid")
		case seen[d.Code]:
			p.Add(f+"code", "ami.docs.code_taken")
		}
		seen[d.Code] = true
		switch n := utf8.RuneCountInString(strings.TrimSpace(d.Label)); {
		case n == 0:
			p.Add(f+"label", "error.required")
		case n > 200:
			p.Add(f+"label", "error.too_long")
		}
		if len(d.Types) == 0 {
			p.Add(f+"types", "ami.docs.types_required")
		}
		for _, t := range d.Types {
			if !slices.Contains(DocumentTypes, t) {
				p.Add(f+"types", "ami.docs.type_invalid")
			}
		}
		if d.MaxMiB < 1 || d.MaxMiB > MaxDocumentMiB {
			p.Add(f+"max_mib", "ami.docs.size_invalid")
		}
	}
	return p
}

// SaveForm replaces a call's questions. Coordinators only; refused once a
// file of the call has been submitted, or when the questions are no longer
// those base (a coop.Fingerprint) names: another change came first ("" takes any).
func (s *Service) SaveForm(ctx context.Context, by accounts.User, callPublicID, base string, qn survey.Questionnaire) error {
	if !mayInstruct(by) {
		return errForbidden
	}
	qn.Residence, qn.Demand, qn.Crosstabs = "", nil, nil
	if p := CheckForm(qn); len(p) > 0 {
		return &coop.Error{Code: coop.EInvalid, Message: "survey.editor.invalid", Fields: p}
	}
	text, err := json.Marshal(qn)
	if err != nil {
		return err
	}
	return s.saveCallColumn(ctx, callPublicID, "questionnaire", string(text), unchangedSince[survey.Questionnaire](base))
}

// unchangedSince returns the check that a column, read as a T, still holds
// the value base (a coop.Fingerprint) names; "" takes any.
func unchangedSince[T any](base string) func(stored string) error {
	return func(stored string) error {
		if base == "" {
			return nil
		}
		var cur T
		if err := json.Unmarshal([]byte(stored), &cur); err != nil {
			return err
		}
		if coop.Fingerprint(cur) != base {
			return coop.Refusal(coop.EConflict, "error.changed_meanwhile")
		}
		return nil
	}
}

// SaveDocuments replaces the documents a call requests. Coordinators
// only; refused once a file of the call has been submitted, or when the
// documents are no longer those base (a coop.Fingerprint) names ("" takes any).
func (s *Service) SaveDocuments(ctx context.Context, by accounts.User, callPublicID, base string, docs []Document) error {
	if !mayInstruct(by) {
		return errForbidden
	}
	clean := make([]Document, len(docs))
	for i, d := range docs {
		d.Code, d.Label = strings.TrimSpace(d.Code), strings.TrimSpace(d.Label)
		clean[i] = d
	}
	if err := CheckDocuments(clean).Err(); err != nil {
		return err
	}
	text, err := json.Marshal(clean)
	if err != nil {
		return err
	}
	return s.saveCallColumn(ctx, callPublicID, "documents", string(text), unchangedSince[[]Document](base))
}

// FormLocked tells whether a file of the call has been submitted, which
// freezes its questions and documents.
func (s *Service) FormLocked(ctx context.Context, callPublicID string) (bool, error) {
	var locked bool
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		id, err := callID(ctx, tx, callPublicID)
		if err != nil {
			return err
		}
		locked, err = submittedFiles(ctx, tx, id)
		return err
	})
	return locked, err
}

func callID(ctx context.Context, tx *db.Tx, publicID string) (int64, error) {
	var id int64
	rows, err := tx.QueryContext(ctx, `SELECT id FROM calls WHERE public_id = $1`, publicID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, err
		}
		return 0, errNotFound
	}
	if err := rows.Scan(&id); err != nil {
		return 0, err
	}
	return id, rows.Err()
}

// submittedFiles tells whether a file of the call is, or has been,
// submitted (one sent back to the candidate as a draft still counts).
func submittedFiles(ctx context.Context, tx *db.Tx, callID int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM applications WHERE call_id = $1 AND (state <> 'draft' OR submitted_at IS NOT NULL)`, callID).Scan(&n)
	return n > 0, err
}

// saveCallColumn writes the form or the documents of a call whose files
// are all drafts never submitted, once check accepts the value the column
// holds, under the call's lock.
func (s *Service) saveCallColumn(ctx context.Context, callPublicID, column, value string, check func(stored string) error) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		id, err := callID(ctx, tx, callPublicID)
		if err != nil {
			return err
		}
		// The call's row is the lock a submission takes too (Submit).
		// column is one of two constants, never input.
		var stored string
		if err := tx.QueryRowContext(ctx, `SELECT `+column+` FROM calls WHERE id = $1`+tx.ForUpdate(), id).Scan(&stored); err != nil {
			return err
		}
		if err := check(stored); err != nil {
			return err
		}
		locked, err := submittedFiles(ctx, tx, id)
		if err != nil {
			return err
		}
		if locked {
			return coop.Refusal(coop.EPrecondition, "ami.form_locked")
		}
		_, err = tx.ExecContext(ctx, `UPDATE calls SET `+column+` = $1, updated_at = $2 WHERE id = $3`, value, tx.Now, id)
		return err
	})
}
