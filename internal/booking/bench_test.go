package booking_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"coopconnect/internal/booking"
	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

// BenchmarkBook books half-days of desks in parallel, each goroutine on
// its own member, on SQLite: the service's cost per booking, without HTTP.
func BenchmarkBook(b *testing.B) {
	d := testkit.NewDB(b, db.SQLite, nil)
	f := newFixture(b, d, 64)
	f.exec(`UPDATE places SET opening_hours = 'Mo-Su 08:30-12:30,13:30-18:00'`)
	var spaces []space
	for range 50 {
		sp := f.space("open_space", 1000)
		f.exec(`UPDATE spaces SET booking_unit = 'half_day' WHERE id = $1`, sp.ID)
		spaces = append(spaces, sp)
	}
	day0 := time.Date(2026, 1, 6, 8, 30, 0, 0, paris)
	var n atomic.Int64
	b.SetParallelism(32) // 64 clients on 2 cores, as in the load targets
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			sp := spaces[i%int64(len(spaces))]
			day := day0.AddDate(0, 0, int(i/int64(len(spaces)))%300)
			_, err := f.svc.Book(ctx, booking.Request{By: f.member(int(i % 64)), SpacePublicID: sp.PublicID, Start: day, End: day.Add(4 * time.Hour)})
			if err != nil {
				b.Error(fmt.Sprint(i, err))
				return
			}
		}
	})
}
