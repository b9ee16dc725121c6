package ami

import (
	"context"
	"strconv"
	"time"

	"coopconnect/internal/db"
)

// DemoBackdate spreads the history of an application over the past, for
// the demo, which makes a whole call's instruction in one go: its events,
// in their order, get the instants at (one each; the last is reused when
// at is short), and the file's creation, submission, decision and
// state-since follow its events. It is for the demo only.
func (s *Service) DemoBackdate(ctx context.Context, publicID string, at []time.Time) error {
	if len(at) == 0 {
		return nil
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM applications WHERE public_id = $1`, publicID).Scan(&id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, COALESCE(to_state, '') FROM application_events WHERE application_id = $1 ORDER BY id`, id)
		if err != nil {
			return err
		}
		type ev struct {
			id       int64
			kind, to string
		}
		var evs []ev
		for rows.Next() {
			var e ev
			if err := rows.Scan(&e.id, &e.kind, &e.to); err != nil {
				rows.Close()
				return err
			}
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var submitted, decided, since any
		for i, e := range evs {
			t := db.Instant(at[min(i, len(at)-1)])
			if _, err := tx.ExecContext(ctx, `UPDATE application_events SET at = $1 WHERE id = $2`, t, e.id); err != nil {
				return err
			}
			if i == 0 || e.kind == "state" {
				since = t
			}
			if e.kind == "state" && State(e.to) == Submitted {
				submitted = t
			}
			if e.kind == "state" {
				decided = nil
				if State(e.to).Decided() {
					decided = t
				}
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE applications SET created_at = $1, submitted_at = COALESCE($2, submitted_at), decided_at = $3, state_since = $4
			WHERE id = $5`, db.Instant(at[0]), submitted, decided, since, id)
		return err
	})
}

// DemoActivity gives a place, for the demo, the walk-in bookings of the
// days weeks before now (Monday to Friday, mornings 9:00–12:30 and
// afternoons 14:00–18:00, Paris time) in its space named space: a few
// seats each half-day, the same on every load, so that the report shows a
// place in use. The bookings carry no person.
func (s *Service) DemoActivity(ctx context.Context, placeSlug, space string, now time.Time, days int) error {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var spaceID int64
		if err := tx.QueryRowContext(ctx, `SELECT s.id FROM spaces s JOIN places p ON p.id = s.place_id WHERE p.slug = $1 AND s.name = $2 AND s.kind = 'open_space'`,
			placeSlug, space).Scan(&spaceID); err != nil {
			return err
		}
		y, m, d := now.In(paris).Date()
		n := 0
		for i := days; i >= 1; i-- {
			day := time.Date(y, m, d-i, 0, 0, 0, 0, paris)
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			for half, hours := range [][2]int{{9*60 + 0, 12*60 + 30}, {14 * 60, 18 * 60}} {
				for k := range 1 + (i*5+half*3)%4 {
					start, end := day.Add(time.Duration(hours[0])*time.Minute), day.Add(time.Duration(hours[1])*time.Minute)
					n++
					if _, err := tx.ExecContext(ctx, `INSERT INTO bookings (public_id, space_id, audience, start_at, end_at, seats, exclusive, status, created_at, updated_at, attendance, attendance_at)
						VALUES ($1, $2, $3, $4, $5, 1, FALSE, 'confirmed', $6, $6, 'present', $5)`,
						"demo-past-"+placeSlug+"-"+strconv.Itoa(n), spaceID, []string{"professionals", "e_inclusion"}[(k+half)%2],
						db.Instant(start), db.Instant(end), db.Instant(start.AddDate(0, 0, -2))); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
