package booking

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
)

// Settings returns the booking setup of a place for the people who edit
// it (the place's managers and the coordinators).
func (s *Service) Settings(ctx context.Context, by accounts.User, slug string) (*Setup, error) {
	var setup *Setup
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		placeID, err := places.EditablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		setup, err = loadSetup(ctx, tx, placeID)
		return err
	})
	return setup, err
}

// editSetup runs fn in a write transaction on the setup of a place that by
// may edit.
func (s *Service) editSetup(ctx context.Context, by accounts.User, slug string, fn func(tx *db.Tx, setup *Setup) error) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		placeID, err := places.EditablePlace(ctx, tx, by, slug)
		if err != nil {
			return err
		}
		setup, err := loadSetup(ctx, tx, placeID)
		if err != nil {
			return err
		}
		return fn(tx, setup)
	})
}

// spaceOf resolves the space of a settings form: "" is the whole place (0).
func (p *Setup) spaceOf(publicID, field string) (int64, error) {
	if publicID == "" {
		return 0, nil
	}
	sp, ok := p.Space(publicID)
	if !ok {
		return 0, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{field: "error.choose_in_list"}}
	}
	return sp.ID, nil
}

// SaveRules stores the rules of a place (spacePublicID "") or of one of
// its spaces, and the space's booking unit.
func (s *Service) SaveRules(ctx context.Context, by accounts.User, slug, spacePublicID string, in RuleInput, unit string) error {
	set, err := in.Validate()
	if spacePublicID != "" && !slices.Contains(Units, Unit(unit)) {
		p := coop.Problems{"unit": "error.choose_in_list"}
		if e := coop.AsError(err); e != nil {
			for k, v := range e.Fields {
				p.Add(k, v)
			}
		}
		err = p.Err()
	}
	if err != nil {
		return err
	}
	return s.editSetup(ctx, by, slug, func(tx *db.Tx, setup *Setup) error {
		spaceID, err := setup.spaceOf(spacePublicID, "space")
		if err != nil {
			return err
		}
		if spaceID != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE spaces SET booking_unit = $1, updated_at = $2 WHERE id = $3`, unit, tx.Now, spaceID); err != nil {
				return err
			}
		}
		return saveRuleSet(ctx, tx, setup.PlaceID, spaceID, set)
	})
}

// WindowInput is the audience window form, as typed.
type WindowInput struct {
	Space      string   // a space's public id, or "" for every space
	Audience   string   // the audience the window is reserved for
	Days       []string // "1" Monday … "7" Sunday
	Start, End string   // "14:00"
	Label      string   // "ateliers e-inclusion"
}

func parseClock(p coop.Problems, field, v string) int {
	v = strings.TrimSpace(v)
	if v == "" {
		p.Add(field, "error.required")
		return 0
	}
	t, err := time.Parse("15:04", v)
	if err != nil {
		if v == "24:00" {
			return 1440
		}
		p.Add(field, "booking.clock_invalid")
		return 0
	}
	return t.Hour()*60 + t.Minute()
}

// Validate checks the form and returns the window it describes.
func (in WindowInput) Validate() (Window, error) {
	p := coop.Problems{}
	w := Window{Audience: in.Audience, Label: strings.TrimSpace(in.Label)}
	if !slices.Contains(Audiences, w.Audience) {
		p.Add("window_audience", "error.choose_in_list")
	}
	for _, d := range in.Days {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err != nil || n < 1 || n > 7 {
			p.Add("days", "error.choose_in_list")
			continue
		}
		w.Weekdays |= 1 << (n - 1)
	}
	if w.Weekdays == 0 {
		p.Add("days", "booking.days_required")
	}
	w.Start, w.End = parseClock(p, "window_start", in.Start), parseClock(p, "window_end", in.End)
	if _, bad := p["window_start"]; !bad && p["window_end"] == "" && w.End <= w.Start {
		p.Add("window_end", "booking.end_before_start")
	}
	if len(w.Label) > 80 {
		p.Add("window_label", "booking.text_too_long")
	}
	return w, p.Err()
}

// AddWindow reserves a recurring stretch of the week for one audience.
func (s *Service) AddWindow(ctx context.Context, by accounts.User, slug string, in WindowInput) (Window, error) {
	w, err := in.Validate()
	if err != nil {
		return w, err
	}
	err = s.editSetup(ctx, by, slug, func(tx *db.Tx, setup *Setup) error {
		if w.SpaceID, err = setup.spaceOf(in.Space, "window_space"); err != nil {
			return err
		}
		var space any
		if w.SpaceID != 0 {
			space = w.SpaceID
		}
		w.PublicID = newPublicID(tx.Now)
		_, err := tx.ExecContext(ctx, `INSERT INTO audience_windows (public_id, place_id, space_id, audience, weekdays,
			start_minute, end_minute, label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			w.PublicID, setup.PlaceID, space, w.Audience, int(w.Weekdays), w.Start, w.End, w.Label, tx.Now)
		return err
	})
	return w, err
}

// DeleteWindow removes an audience window of a place.
func (s *Service) DeleteWindow(ctx context.Context, by accounts.User, slug, publicID string) error {
	return s.editSetup(ctx, by, slug, func(tx *db.Tx, setup *Setup) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM audience_windows WHERE public_id = $1 AND place_id = $2`, publicID, setup.PlaceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		return nil
	})
}

// BlockedInput is the blocked day form, as typed.
type BlockedInput struct {
	Space  string // a space's public id, or "" for the whole place
	Day    string // YYYY-MM-DD
	Reason string
}

// Block closes a day to bookings. Bookings already made that day stay:
// the staff cancels them if need be.
func (s *Service) Block(ctx context.Context, by accounts.User, slug string, in BlockedInput) error {
	p := coop.Problems{}
	day, err := time.Parse(time.DateOnly, strings.TrimSpace(in.Day))
	if err != nil {
		p.Add("day", "booking.day_invalid")
	}
	reason := strings.TrimSpace(in.Reason)
	if len(reason) > 120 {
		p.Add("reason", "booking.text_too_long")
	}
	if err := p.Err(); err != nil {
		return err
	}
	return s.editSetup(ctx, by, slug, func(tx *db.Tx, setup *Setup) error {
		spaceID, err := setup.spaceOf(in.Space, "blocked_space")
		if err != nil {
			return err
		}
		var space any
		if spaceID != 0 {
			space = spaceID
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM blocked_dates WHERE place_id = $1 AND COALESCE(space_id, 0) = $2 AND day = $3`,
			setup.PlaceID, spaceID, day.Format(time.DateOnly)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO blocked_dates (place_id, space_id, day, reason, created_at) VALUES ($1, $2, $3, $4, $5)`,
			setup.PlaceID, space, day.Format(time.DateOnly), reason, tx.Now)
		return err
	})
}

// Unblock opens a blocked day again.
func (s *Service) Unblock(ctx context.Context, by accounts.User, slug, spacePublicID, day string) error {
	return s.editSetup(ctx, by, slug, func(tx *db.Tx, setup *Setup) error {
		spaceID, err := setup.spaceOf(spacePublicID, "blocked_space")
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM blocked_dates WHERE place_id = $1 AND COALESCE(space_id, 0) = $2 AND day = $3`,
			setup.PlaceID, spaceID, day)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coop.Errorf(coop.ENotFound, "error.not_found")
		}
		return nil
	})
}

// SetAudience records the audience a member declares.
func (s *Service) SetAudience(ctx context.Context, userID int64, audience string) error {
	if !slices.Contains(Audiences, audience) {
		return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"audience": "error.choose_in_list"}}
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET audience = $1, updated_at = $2 WHERE id = $3`, audience, tx.Now, userID)
		return err
	})
}

// AudienceOf returns the audience a member declared.
func (s *Service) AudienceOf(ctx context.Context, userID int64) (string, error) {
	var a string
	err := s.DB.SQL.QueryRowContext(ctx, `SELECT audience FROM users WHERE id = $1`, userID).Scan(&a)
	return a, err
}
