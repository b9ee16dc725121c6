package benchnet

import (
	"context"
	"fmt"
	"time"

	"coopconnect/internal/db"
)

// Audit is what CheckBookings found.
type Audit struct {
	// Bookings is the number of bookings read: those holding seats and
	// ending after the instant given.
	Bookings int
	// Overlaps counts the bookings of a one-at-a-time space (office,
	// meeting room) that start while another holds it.
	Overlaps int
	// OverCapacity counts the bookings of a shared space at whose start its
	// bookings hold more seats than its capacity.
	OverCapacity int
}

// Overbooked tells whether the audit found any booking too many.
func (a Audit) Overbooked() bool { return a.Overlaps > 0 || a.OverCapacity > 0 }

func (a Audit) String() string {
	return fmt.Sprintf("%d bookings checked: %d overlapping, %d over capacity", a.Bookings, a.Overlaps, a.OverCapacity)
}

// holding are the statuses that hold seats (migration 0006).
const holding = `('pending', 'offered', 'confirmed')`

// CheckBookings counts, independently of the database's own guards, the
// bookings that break its invariants among those that hold seats and end
// after since: the evidence of "zero overbooking" after a load. It reads
// them once, space by space in order of start, and sweeps: the seats in use
// over a booking peak at its start or at the start of one inside it, so
// checking every start checks every instant.
func CheckBookings(ctx context.Context, d *db.DB, since time.Time) (Audit, error) {
	var a Audit
	rows, err := d.SQL.QueryContext(ctx, `SELECT b.space_id, b.start_at, b.end_at, b.seats, b.exclusive, s.capacity
		FROM bookings b JOIN spaces s ON s.id = b.space_id
		WHERE b.status IN `+holding+` AND b.end_at > $1
		ORDER BY b.space_id, b.start_at`, db.Instant(since))
	if err != nil {
		return a, err
	}
	defer rows.Close()
	type held struct {
		end   time.Time
		seats int
	}
	var (
		space  int64  = -1
		active []held // bookings of space still running at the last start
	)
	for rows.Next() {
		var id int64
		var start, end time.Time
		var seats, capacity int
		var exclusive bool
		if err := rows.Scan(&id, &start, &end, &seats, &exclusive, &capacity); err != nil {
			return a, err
		}
		a.Bookings++
		if id != space {
			space, active = id, active[:0]
		}
		kept := active[:0]
		used := 0
		for _, h := range active {
			if h.end.After(start) {
				kept = append(kept, h)
				used += h.seats
			}
		}
		active = append(kept, held{end, seats})
		switch {
		case exclusive && len(active) > 1:
			a.Overlaps++
		case !exclusive && used+seats > capacity:
			a.OverCapacity++
		}
	}
	return a, rows.Err()
}
