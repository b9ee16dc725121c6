package booking

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// Rules are the booking rules in force for a space: its own, else its
// place's, else the product's defaults.
type Rules struct {
	WindowDays    int  // how far ahead a member may book
	NoticeMinutes int  // how long before its start a booking must be made
	MinMinutes    int  // shortest booking; 0: one unit
	MaxMinutes    int  // longest booking; 0: no limit
	MaxActive     int  // upcoming bookings a member may hold in the place; 0: no limit
	CancelMinutes int  // a member cancels or moves up to this long before the start
	Approval      bool // the staff accepts or refuses each booking
	HoldMinutes   int  // how long a waitlisted member has to take a freed seat
}

// DefaultRules apply where neither the place nor the space sets a rule.
var DefaultRules = Rules{WindowDays: 90, HoldMinutes: 120}

// RuleSet is one level of rules as stored: nil inherits.
type RuleSet struct {
	WindowDays    *int
	NoticeMinutes *int
	MinMinutes    *int
	MaxMinutes    *int
	MaxActive     *int
	CancelMinutes *int
	Approval      *bool
	HoldMinutes   *int
}

// over returns r with the rules that set overrides.
func (set RuleSet) over(r Rules) Rules {
	pick := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	pick(&r.WindowDays, set.WindowDays)
	pick(&r.NoticeMinutes, set.NoticeMinutes)
	pick(&r.MinMinutes, set.MinMinutes)
	pick(&r.MaxMinutes, set.MaxMinutes)
	pick(&r.MaxActive, set.MaxActive)
	pick(&r.CancelMinutes, set.CancelMinutes)
	pick(&r.HoldMinutes, set.HoldMinutes)
	if set.Approval != nil {
		r.Approval = *set.Approval
	}
	return r
}

// RuleInput is the rules form, as typed: an empty field inherits.
type RuleInput struct {
	WindowDays, NoticeMinutes, MinMinutes, MaxMinutes, MaxActive, CancelMinutes, HoldMinutes string
	// Approval is "yes", "no", or "" to inherit.
	Approval string
}

// Validate turns the form into a RuleSet, or says what is wrong by field.
func (in RuleInput) Validate() (RuleSet, error) {
	p := coop.Problems{}
	var set RuleSet
	num := func(field, v string, lo, hi int) *int {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			p.Add(field, "error.whole_number")
			return nil
		}
		if n < lo || n > hi {
			p.Add(field, "booking.rule_range")
			return nil
		}
		return &n
	}
	set.WindowDays = num("window_days", in.WindowDays, 1, 730)
	set.NoticeMinutes = num("notice_minutes", in.NoticeMinutes, 0, 43200)
	set.MinMinutes = num("min_minutes", in.MinMinutes, 0, 1440)
	set.MaxMinutes = num("max_minutes", in.MaxMinutes, 0, 1440)
	set.MaxActive = num("max_active", in.MaxActive, 0, 1000)
	set.CancelMinutes = num("cancel_minutes", in.CancelMinutes, 0, 43200)
	set.HoldMinutes = num("hold_minutes", in.HoldMinutes, 5, 10080)
	switch in.Approval {
	case "":
	case "yes", "no":
		v := in.Approval == "yes"
		set.Approval = &v
	default:
		p.Add("approval", "error.choose_in_list")
	}
	if set.MinMinutes != nil && set.MaxMinutes != nil && *set.MaxMinutes > 0 && *set.MaxMinutes < *set.MinMinutes {
		p.Add("max_minutes", "booking.rule_max_below_min")
	}
	return set, p.Err()
}

// Input returns the set as the form shows it.
func (set RuleSet) Input() RuleInput {
	s := func(v *int) string {
		if v == nil {
			return ""
		}
		return strconv.Itoa(*v)
	}
	in := RuleInput{WindowDays: s(set.WindowDays), NoticeMinutes: s(set.NoticeMinutes), MinMinutes: s(set.MinMinutes),
		MaxMinutes: s(set.MaxMinutes), MaxActive: s(set.MaxActive), CancelMinutes: s(set.CancelMinutes), HoldMinutes: s(set.HoldMinutes)}
	if set.Approval != nil {
		in.Approval = map[bool]string{true: "yes", false: "no"}[*set.Approval]
	}
	return in
}

// ruleSets reads the stored rules of a place: its own (key 0) and its
// spaces' (key: space id).
func ruleSets(ctx context.Context, tx *db.Tx, placeID int64) (map[int64]RuleSet, error) {
	rows, err := tx.QueryContext(ctx, `SELECT COALESCE(space_id, 0), window_days, notice_minutes, min_minutes, max_minutes,
		max_active, cancel_minutes, approval, hold_minutes FROM booking_rules WHERE place_id = $1`, placeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]RuleSet{}
	for rows.Next() {
		var (
			space                                  int64
			window, notice, lo, hi, active, cancel sql.NullInt64
			hold                                   sql.NullInt64
			approval                               sql.NullBool
		)
		if err := rows.Scan(&space, &window, &notice, &lo, &hi, &active, &cancel, &approval, &hold); err != nil {
			return nil, err
		}
		out[space] = RuleSet{WindowDays: intOrNil(window), NoticeMinutes: intOrNil(notice), MinMinutes: intOrNil(lo),
			MaxMinutes: intOrNil(hi), MaxActive: intOrNil(active), CancelMinutes: intOrNil(cancel),
			Approval: boolOrNil(approval), HoldMinutes: intOrNil(hold)}
	}
	return out, rows.Err()
}

func intOrNil(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

func boolOrNil(v sql.NullBool) *bool {
	if !v.Valid {
		return nil
	}
	return &v.Bool
}

// saveRuleSet stores the rules of a place (spaceID 0) or of a space.
func saveRuleSet(ctx context.Context, tx *db.Tx, placeID, spaceID int64, set RuleSet) error {
	var space any
	if spaceID != 0 {
		space = spaceID
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM booking_rules WHERE place_id = $1 AND COALESCE(space_id, 0) = $2`, placeID, spaceID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO booking_rules (place_id, space_id, window_days, notice_minutes, min_minutes,
		max_minutes, max_active, cancel_minutes, approval, hold_minutes, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		placeID, space, set.WindowDays, set.NoticeMinutes, set.MinMinutes, set.MaxMinutes, set.MaxActive,
		set.CancelMinutes, set.Approval, set.HoldMinutes, tx.Now)
	return err
}
