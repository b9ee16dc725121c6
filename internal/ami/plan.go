package ami

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// ActionStatuses are the statuses of an action of a plan, in order.
var ActionStatuses = []string{"todo", "doing", "done", "dropped"}

// Action is an action of a subject's plan, with its owner and due date.
type Action struct {
	ID       int64
	PublicID string
	// Code is the suggestion it came from, "" for an action typed by hand.
	Code, Title, Owner string
	DueOn              string // YYYY-MM-DD
	Status             string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Open tells whether the action is still to do.
func (a Action) Open() bool { return a.Status == "todo" || a.Status == "doing" }

// Late tells whether an open action is past its due date on day.
func (a Action) Late(day string) bool { return a.Open() && a.DueOn != "" && a.DueOn < day }

// ActionInput is a new action: a suggestion's code (its title by default)
// or a title, an owner and a due date.
type ActionInput struct {
	Code, Title, Owner, DueOn string
}

// ActionUpdate changes an action's status, owner and due date.
type ActionUpdate struct {
	Status, Owner, DueOn string
}

func checkOwnerDue(p coop.Problems, owner, due string) {
	switch n := utf8.RuneCountInString(owner); {
	case n == 0:
		p.Add("owner", "error.required")
	case n > 120:
		p.Add("owner", "error.too_long")
	}
	if due == "" {
		p.Add("due_on", "error.required")
	} else if _, err := time.Parse(time.DateOnly, due); err != nil {
		p.Add("due_on", "error.date_invalid")
	}
}

// AddAction adds an action to a subject's plan.
func (s *Service) AddAction(ctx context.Context, by accounts.User, subjectKind string, subjectID int64, in ActionInput) (Action, error) {
	if !mayInstruct(by) {
		return Action{}, errNotFound
	}
	a := Action{Code: strings.TrimSpace(in.Code), Title: strings.TrimSpace(in.Title), Owner: strings.TrimSpace(in.Owner),
		DueOn: strings.TrimSpace(in.DueOn), Status: "todo"}
	p := coop.Problems{}
	if a.Code != "" {
		if !slices.Contains(suggestionOrder, a.Code) {
			p.Add("code", "error.choose_in_list")
		} else if a.Title == "" {
			// The plan is the network's, in French like its reports;
			// the title is then the team's own text.
			a.Title = s.Catalogs.For("fr").T("diag.suggestion." + a.Code)
		}
	}
	switch n := utf8.RuneCountInString(a.Title); {
	case n == 0:
		p.Add("title", "error.required")
	case n > 200:
		p.Add("title", "error.too_long")
	}
	checkOwnerDue(p, a.Owner, a.DueOn)
	if err := p.Err(); err != nil {
		return a, err
	}
	a.PublicID = randomID(8)
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := subjectExists(ctx, tx, subjectKind, subjectID); err != nil {
			return err
		}
		a.CreatedAt, a.UpdatedAt = tx.Now, tx.Now
		return tx.QueryRowContext(ctx, `INSERT INTO plan_actions (public_id, subject_kind, subject_id, code, title, owner, due_on, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'todo', $8, $8) RETURNING id`,
			a.PublicID, subjectKind, subjectID, a.Code, a.Title, a.Owner, a.DueOn, tx.Now).Scan(&a.ID)
	})
	return a, err
}

// UpdateAction changes an action of a subject's plan; an action of
// another subject is not found.
func (s *Service) UpdateAction(ctx context.Context, by accounts.User, subjectKind string, subjectID int64, publicID string, in ActionUpdate) error {
	if !mayInstruct(by) {
		return errNotFound
	}
	in.Status, in.Owner, in.DueOn = strings.TrimSpace(in.Status), strings.TrimSpace(in.Owner), strings.TrimSpace(in.DueOn)
	p := coop.Problems{}
	if !slices.Contains(ActionStatuses, in.Status) {
		p.Add("status", "error.choose_in_list")
	}
	checkOwnerDue(p, in.Owner, in.DueOn)
	if err := p.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE plan_actions SET status = $1, owner = $2, due_on = $3, updated_at = $4
			WHERE public_id = $5 AND subject_kind = $6 AND subject_id = $7`, in.Status, in.Owner, in.DueOn, tx.Now, publicID, subjectKind, subjectID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

// Actions lists a subject's plan: open actions first, by due date.
func (s *Service) Actions(ctx context.Context, subjectKind string, subjectID int64) ([]Action, error) {
	var out []Action
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, public_id, code, title, owner, COALESCE(due_on, ''), status, created_at, updated_at
			FROM plan_actions WHERE subject_kind = $1 AND subject_id = $2
			ORDER BY CASE status WHEN 'doing' THEN 0 WHEN 'todo' THEN 1 WHEN 'done' THEN 2 ELSE 3 END, due_on, id`, subjectKind, subjectID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a Action
			if err := rows.Scan(&a.ID, &a.PublicID, &a.Code, &a.Title, &a.Owner, &a.DueOn, &a.Status, &a.CreatedAt, &a.UpdatedAt); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// Action returns one action of a subject's plan.
func (s *Service) Action(ctx context.Context, subjectKind string, subjectID int64, publicID string) (Action, error) {
	list, err := s.Actions(ctx, subjectKind, subjectID)
	if err != nil {
		return Action{}, err
	}
	for _, a := range list {
		if a.PublicID == publicID {
			return a, nil
		}
	}
	return Action{}, errNotFound
}
