package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// Paper answers: the campaign's team keys in the sheets that come back
// from the bulletins municipaux, each under the number written on it. A
// sheet may be keyed a second time, blind, by someone else; the questions
// on which the two keyings disagree wait until someone settles them.

// KeyingState says where a paper sheet is in its checks.
type KeyingState string

// The states of a paper sheet.
const (
	SheetOnce    KeyingState = "once"    // keyed once, not checked
	SheetAgreed  KeyingState = "agreed"  // keyed twice, the same
	SheetDiffers KeyingState = "differs" // keyed twice, disagreements to settle
	SheetSettled KeyingState = "settled" // disagreements settled
)

// Sheet is a paper sheet keyed in.
type Sheet struct {
	Number string
	// Day the sheet was keyed, YYYY-MM-DD (the only date an answer keeps).
	Day   string
	State KeyingState
	// Differs lists the questions on which the keyings disagree(d), in the
	// questionnaire's order.
	Differs []string
}

// KeyedSheet is a paper sheet with both its keyings.
type KeyedSheet struct {
	Sheet
	// Version is the questionnaire the sheet was keyed with: a second
	// keying and its settlement use it too.
	Version Version
	First   Answers
	// Second is nil when the sheet was keyed once.
	Second Answers
}

var sheetPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$`)

// CheckSheet tells what is wrong with a sheet number, as a message key.
func CheckSheet(sheet string) string {
	switch {
	case sheet == "":
		return "error.required"
	case !sheetPattern.MatchString(sheet):
		return "survey.paper.sheet_invalid"
	}
	return ""
}

// ForPaper returns the questionnaire as a paper sheet is keyed: every
// question optional (a question left blank on paper stays blank), the rest
// checked as online.
func (qn Questionnaire) ForPaper() Questionnaire {
	out := qn
	out.Questions = slices.Clone(qn.Questions)
	for i := range out.Questions {
		out.Questions[i].Required = false
	}
	return out
}

var errPaperEmpty = coop.Errorf(coop.EInvalid, "survey.paper.empty")

// KeyPaper stores a paper sheet's answers under its number, unique in the
// campaign, with the current questionnaire version. Paper comes back late:
// keying is allowed while the campaign is open and after it closed, not
// before it opens.
func (s *Service) KeyPaper(ctx context.Context, by accounts.User, publicID, sheet string, a Answers) error {
	sheet = strings.TrimSpace(sheet)
	if key := CheckSheet(sheet); key != "" {
		return (coop.Problems{"sheet": key}).Err()
	}
	if len(a) == 0 {
		return errPaperEmpty
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		id, _, err := s.manageable(ctx, tx, by, publicID)
		if err != nil {
			return err
		}
		var opens string
		if err := tx.QueryRowContext(ctx, `SELECT opens_on FROM surveys WHERE id = $1`, id).Scan(&opens); err != nil {
			return err
		}
		today := Paris(tx.Now)
		if today < opens {
			return coop.Refusal(coop.EPrecondition, "survey.paper.upcoming")
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM survey_responses WHERE survey_id = $1 AND sheet = $2`, id, sheet).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return sheetTaken()
		}
		v, err := currentVersion(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = insertResponse(ctx, tx, id, v, Response{Day: today, Source: SourcePaper, Sheet: sheet, Answers: a})
		return err
	})
	if db.IsConflict(err) {
		return sheetTaken() // keyed at the same moment by someone else
	}
	return err
}

func sheetTaken() error { return (coop.Problems{"sheet": "survey.paper.sheet_taken"}).Err() }

// paperRow is a paper response and its second keying, read for update.
type paperRow struct {
	surveyID, responseID int64
	versionID            int64
	day                  string
	first                Answers
	second               Answers // nil: no second keying
	differs              string
	settled              bool
}

// paperSheet reads a sheet of a campaign by may manage.
func (s *Service) paperSheet(ctx context.Context, tx *db.Tx, by accounts.User, publicID, sheet string) (paperRow, error) {
	var p paperRow
	id, _, err := s.manageable(ctx, tx, by, publicID)
	if err != nil {
		return p, err
	}
	p.surveyID = id
	var first string
	var second, differs sql.NullString
	var settled sql.NullBool
	err = tx.QueryRowContext(ctx, `SELECT r.id, r.version_id, r.answered_on, r.answers, k.answers, k.differs, k.settled
		FROM survey_responses r LEFT JOIN survey_keyings k ON k.response_id = r.id
		WHERE r.survey_id = $1 AND r.sheet = $2 AND r.source = 'paper'`, id, strings.TrimSpace(sheet)).
		Scan(&p.responseID, &p.versionID, &p.day, &first, &second, &differs, &settled)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNotFound
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(first), &p.first); err != nil {
		return p, err
	}
	if second.Valid {
		if err := json.Unmarshal([]byte(second.String), &p.second); err != nil {
			return p, err
		}
		if p.second == nil {
			p.second = Answers{}
		}
	}
	p.differs, p.settled = differs.String, settled.Bool
	return p, nil
}

func paperVersion(ctx context.Context, tx *db.Tx, id int64) (Version, error) {
	var v Version
	var text string
	err := tx.QueryRowContext(ctx, `SELECT id, number, questionnaire, created_at FROM survey_versions WHERE id = $1`, id).
		Scan(&v.ID, &v.Number, &text, &v.CreatedAt)
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal([]byte(text), &v.Questionnaire)
}

// KeyedSheet returns a paper sheet with its keyings and the questionnaire
// it was keyed with.
func (s *Service) KeyedSheet(ctx context.Context, by accounts.User, publicID, sheet string) (KeyedSheet, error) {
	var k KeyedSheet
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		p, err := s.paperSheet(ctx, tx, by, publicID, sheet)
		if err != nil {
			return err
		}
		if k.Version, err = paperVersion(ctx, tx, p.versionID); err != nil {
			return err
		}
		k.Sheet = Sheet{Number: strings.TrimSpace(sheet), Day: p.day, State: sheetState(p.second != nil, p.differs, p.settled), Differs: strings.Fields(p.differs)}
		k.First, k.Second = p.first, p.second
		return nil
	})
	return k, err
}

func sheetState(keyedTwice bool, differs string, settled bool) KeyingState {
	switch {
	case !keyedTwice:
		return SheetOnce
	case settled:
		return SheetSettled
	case strings.TrimSpace(differs) != "":
		return SheetDiffers
	}
	return SheetAgreed
}

// SecondKeying stores a blind second keying of a sheet and returns the
// questions on which it disagrees with the first, in the questionnaire's
// order. A second keying may be done again until its disagreements are
// settled.
func (s *Service) SecondKeying(ctx context.Context, by accounts.User, publicID, sheet string, a Answers) ([]string, error) {
	if len(a) == 0 {
		return nil, errPaperEmpty
	}
	var differs []string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		p, err := s.paperSheet(ctx, tx, by, publicID, sheet)
		if err != nil {
			return err
		}
		if p.settled {
			return coop.Refusal(coop.EPrecondition, "survey.paper.already_settled")
		}
		v, err := paperVersion(ctx, tx, p.versionID)
		if err != nil {
			return err
		}
		differs = CompareKeyings(v.Questionnaire, p.first, a)
		text, err := json.Marshal(a)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO survey_keyings (response_id, answers, differs, settled) VALUES ($1, $2, $3, FALSE)
			ON CONFLICT (response_id) DO UPDATE SET answers = excluded.answers, differs = excluded.differs, settled = FALSE`,
			p.responseID, string(text), strings.Join(differs, " "))
		return err
	})
	return differs, err
}

// CompareKeyings returns the questions whose answers differ between two keyings,
// in the questionnaire's order (then any unknown question, sorted). Texts
// are compared regardless of case and spacing.
func CompareKeyings(qn Questionnaire, a, b Answers) []string {
	var out []string
	seen := map[string]bool{}
	for _, q := range qn.Questions {
		seen[q.ID] = true
		if !sameValue(a[q.ID], b[q.ID]) {
			out = append(out, q.ID)
		}
	}
	var rest []string
	for _, m := range []Answers{a, b} {
		for id := range m {
			if !seen[id] {
				seen[id] = true
				if !sameValue(a[id], b[id]) {
					rest = append(rest, id)
				}
			}
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func sameValue(x, y Value) bool {
	sameText := func(s, t string) bool {
		return strings.EqualFold(strings.Join(strings.Fields(s), " "), strings.Join(strings.Fields(t), " "))
	}
	switch {
	case !slices.Equal(x.Choices, y.Choices), !sameText(x.Other, y.Other), !sameText(x.Text, y.Text):
		return false
	case x.Number == nil || y.Number == nil:
		return x.Number == nil && y.Number == nil
	}
	return *x.Number == *y.Number
}

// Disagreements lists the sheets whose two keyings disagree and wait to be
// settled, by sheet number.
func (s *Service) Disagreements(ctx context.Context, by accounts.User, publicID string) ([]Sheet, error) {
	sheets, err := s.Sheets(ctx, by, publicID)
	return slices.DeleteFunc(sheets, func(x Sheet) bool { return x.State != SheetDiffers }), err
}

// Sheets lists the paper sheets keyed for a campaign, by sheet number
// (numerically when the numbers are numbers), with their checks.
func (s *Service) Sheets(ctx context.Context, by accounts.User, publicID string) ([]Sheet, error) {
	var out []Sheet
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		id, _, err := s.manageable(ctx, tx, by, publicID)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT r.sheet, r.answered_on, k.response_id IS NOT NULL, COALESCE(k.differs, ''), COALESCE(k.settled, FALSE)
			FROM survey_responses r LEFT JOIN survey_keyings k ON k.response_id = r.id
			WHERE r.survey_id = $1 AND r.source = 'paper'`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x Sheet
			var twice, settled bool
			var differs string
			if err := rows.Scan(&x.Number, &x.Day, &twice, &differs, &settled); err != nil {
				return err
			}
			x.State, x.Differs = sheetState(twice, differs, settled), strings.Fields(differs)
			out = append(out, x)
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(a, b Sheet) int { return compareSheets(a.Number, b.Number) })
	return out, err
}

// compareSheets orders sheet numbers as people do: 2 before 10.
func compareSheets(a, b string) int {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	switch {
	case errA == nil && errB == nil:
		return x - y
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// Settle replaces a twice-keyed sheet's answers with the ones the staff
// chose and marks its disagreements settled. Cached results depend on the
// campaign's revision, bumped in the same transaction.
func (s *Service) Settle(ctx context.Context, by accounts.User, publicID, sheet string, a Answers) error {
	if len(a) == 0 {
		return errPaperEmpty
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		p, err := s.paperSheet(ctx, tx, by, publicID, sheet)
		if err != nil {
			return err
		}
		if p.second == nil {
			return coop.Refusal(coop.EPrecondition, "survey.paper.not_keyed_twice")
		}
		v, err := paperVersion(ctx, tx, p.versionID)
		if err != nil {
			return err
		}
		text, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE survey_responses SET answers = $1, commune_code = $2 WHERE id = $3`,
			string(text), nullText(a[v.Questionnaire.Residence].Text), p.responseID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE survey_keyings SET settled = TRUE WHERE response_id = $1`, p.responseID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE surveys SET revision = revision + 1, updated_at = $1 WHERE id = $2`, tx.Now, p.surveyID)
		return err
	})
}
