package booking_test

import (
	"testing"
	"time"

	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

// BenchmarkAvailability asks a member's availability of a place of ten
// spaces over four weeks, with bookings.
func BenchmarkAvailability(b *testing.B) {
	d := testkit.NewDB(b, db.SQLite, nil)
	f := newFixture(b, d, 4)
	f.exec(`UPDATE places SET opening_hours = 'Mo-Fr 08:30-12:30,13:30-18:00; PH off'`)
	var spaces []space
	for i := range 10 {
		kind := []string{"open_space", "meeting_room"}[i%2]
		spaces = append(spaces, f.space(kind, 8))
	}
	f.exec(`UPDATE spaces SET booking_unit = 'half_day' WHERE kind = 'open_space'`)
	f.exec(`UPDATE spaces SET booking_unit = 'hour' WHERE kind <> 'open_space'`)
	member := f.member(0)
	from := time.Date(2026, 1, 12, 0, 0, 0, 0, paris)
	for i := range 20 {
		day := from.AddDate(0, 0, i)
		for j, sp := range spaces {
			if j%2 == 1 {
				_, _ = f.svc.Book(ctx, f.req(sp, 1, day.Add(9*time.Hour+30*time.Minute), day.Add(10*time.Hour+30*time.Minute)))
			} else {
				_, _ = f.svc.Book(ctx, f.req(sp, 1, day.Add(8*time.Hour+30*time.Minute), day.Add(12*time.Hour+30*time.Minute)))
			}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		av, err := f.svc.Availability(ctx, &member, "la-filature", from, from.AddDate(0, 0, 28), "")
		if err != nil || len(av.Spaces) != 10 {
			b.Fatal(err)
		}
	}
}
