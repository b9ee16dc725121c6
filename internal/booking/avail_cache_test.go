package booking_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

// A cached availability is exactly what a fresh computation answers, as
// time passes (across the turns of the notice, of the booking window and
// of slots beginning), bookings come and go and the setup changes; and the
// cache does answer.
func TestAvailability_CachedIsFresh(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 3)
		clock := d.Clock.(*coop.FixedClock)
		r.rules(booking.RuleInput{NoticeMinutes: "90", WindowDays: "3", MaxActive: "2"})
		if _, err := r.svc.AddWindow(ctx, r.staff, "la-filature", booking.WindowInput{Space: r.room.PublicID,
			Audience: booking.AudienceEInclusion, Days: []string{"2", "4"}, Start: "14:00", End: "17:00", Label: "ateliers"}); err != nil {
			t.Fatal(err)
		}
		if err := r.svc.SetAudience(ctx, r.users[1], booking.AudienceEInclusion); err != nil {
			t.Fatal(err)
		}
		// Members 0 and 2 share an audience: only their active bookings,
		// which the rules bound, tell their answers apart.
		callers := []*accounts.User{nil, ptr(r.member(0)), ptr(r.member(1)), ptr(r.member(2)), &r.staff}
		rng := rand.New(rand.NewPCG(4, 2026))
		last := map[string]*booking.Availability{}
		hits, compared := 0, 0
		var booked []string
		made := 0
		compare := func(step string) {
			t.Helper()
			now := clock.Now()
			day := time.Date(now.In(paris).Year(), now.In(paris).Month(), now.In(paris).Day(), 0, 0, 0, 0, paris)
			ranges := [][2]time.Time{{day, day.AddDate(0, 0, 7)}, {now.Truncate(time.Hour), now.Truncate(time.Hour).Add(5 * time.Hour)}}
			for i, by := range callers {
				for j, rg := range ranges {
					got, err := r.svc.Availability(ctx, by, "la-filature", rg[0], rg[1], "")
					if err != nil {
						t.Fatal(err)
					}
					fresh := &booking.Service{DB: d} // its cache empty: a computation
					want, err := fresh.Availability(ctx, by, "la-filature", rg[0], rg[1], "")
					if err != nil {
						t.Fatal(err)
					}
					compared++
					if !reflect.DeepEqual(got.Spaces, want.Spaces) || got.Staff != want.Staff {
						t.Fatalf("%s, caller %d, range %d, at %s: the cached availability differs from a fresh one\ncached: %s\nfresh:  %s",
							step, i, j, now.In(paris), states(got), states(want))
					}
					key := fmt.Sprint(i, j, rg[0].Unix())
					if last[key] == got {
						hits++
					}
					last[key] = got
				}
			}
		}
		compare("start")
		// Member 0 at their one allowed booking, member 2 free to book:
		// the same audience, answers that differ.
		r.rules(booking.RuleInput{NoticeMinutes: "90", WindowDays: "3", MaxActive: "1"})
		tomorrow := clock.Now().In(paris).AddDate(0, 0, 1)
		b, err := r.svc.Book(ctx, r.req(r.desk, 0, time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 8, 30, 0, 0, paris),
			time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 12, 30, 0, 0, paris)))
		if err != nil {
			t.Fatal(err)
		}
		booked = append(booked, b.PublicID)
		compare("member 0 at their limit")
		for step := range 160 {
			var what string
			thenSecond := false // then one second more: a turn is often one second after a half hour
			switch k := rng.IntN(11); {
			case k < 1:
				clock.Advance(time.Second)
				what = "a second"
			case k < 3: // to a turn: a half hour, or a second either side
				now := clock.Now()
				next := now.Truncate(30 * time.Minute).Add(30 * time.Minute)
				next = next.Add(time.Duration(rng.IntN(3)-1) * time.Second)
				if next.After(now) {
					clock.Advance(next.Sub(now))
				}
				what = "to a half hour"
				thenSecond = true
			case k < 5:
				clock.Advance(time.Duration(rng.IntN(5400)) * time.Second)
				what = "time passes"
			case k < 6:
				what = "nothing"
			case k < 8:
				sp := []space{r.desk, r.room}[rng.IntN(2)]
				day := clock.Now().In(paris).AddDate(0, 0, rng.IntN(3))
				hour := []int{8, 9, 10, 11, 13, 14, 15, 16}[rng.IntN(8)]
				start := time.Date(day.Year(), day.Month(), day.Day(), hour, 30, 0, 0, paris)
				end := start.Add(time.Hour)
				if sp == r.desk {
					start = time.Date(day.Year(), day.Month(), day.Day(), 8, 30, 0, 0, paris)
					end = time.Date(day.Year(), day.Month(), day.Day(), 12, 30, 0, 0, paris)
				}
				if b, err := r.svc.Book(ctx, r.req(sp, rng.IntN(3), start, end)); err == nil {
					booked = append(booked, b.PublicID)
					made++
				}
				what = "a booking"
			case k < 10 && len(booked) > 0:
				i := rng.IntN(len(booked))
				_, _ = r.svc.Cancel(ctx, r.staff, booked[i], "")
				booked = append(booked[:i], booked[i+1:]...)
				what = "a cancellation"
			default:
				r.rules(booking.RuleInput{NoticeMinutes: fmt.Sprint(30 * rng.IntN(5)), WindowDays: fmt.Sprint(1 + rng.IntN(4)), MaxActive: fmt.Sprint(1 + rng.IntN(3))})
				what = "new rules"
			}
			compare(fmt.Sprintf("step %d (%s)", step, what))
			if thenSecond {
				clock.Advance(time.Second)
				compare(fmt.Sprintf("step %d (%s), a second after", step, what))
			}
		}
		t.Logf("%d bookings, the cache answered %d times of %d", made, hits, compared)
		if made < 10 || hits < compared/4 {
			t.Fatalf("%d bookings, the cache answered %d times of %d: the test saw too little", made, hits, compared)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// states writes slots briefly, for a failure's message.
func states(a *booking.Availability) string {
	out := ""
	for _, sa := range a.Spaces {
		for _, st := range sa.Slots {
			reason := "-"
			if st.Reason != nil {
				reason = st.Reason.Reason
			}
			out += fmt.Sprintf("%s %s %d %s; ", sa.Space.PublicID, st.Start.In(paris).Format("Mon 15:04"), st.Free, reason)
		}
	}
	return out
}
