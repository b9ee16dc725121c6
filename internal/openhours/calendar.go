package openhours

import (
	"sort"
	"time"
	_ "time/tzdata" // Europe/Paris whatever the host has
)

// paris is where every value is evaluated. Loaded once, never changed.
var paris = mustLoadParis()

// Paris returns the Europe/Paris location, in which opening hours are read.
func Paris() *time.Location { return paris }

func mustLoadParis() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err) // time/tzdata is embedded: cannot happen
	}
	return l
}

// day is a calendar day of the proleptic Gregorian calendar.
type day struct {
	y, m, d int // m: 1-12
	wd      int // 0 = Sunday
	n       int // days since 1970-01-01
}

// daysFrom counts the days from 1970-01-01 to y-m-d. The day may overflow
// its month (d = 32 is the 1st of the next month), like JavaScript's Date.
func daysFrom(y, m, d int) int {
	// Howard Hinnant's days_from_civil, for the 1st of the month.
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + 0
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468 + d - 1
}

// dayOf returns the day n days after 1970-01-01.
func dayOf(n int) day {
	z := n + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	wd := (n + 4) % 7 // 1970-01-01 was a Thursday
	if wd < 0 {
		wd += 7
	}
	return day{y: y, m: m, d: d, wd: wd, n: n}
}

func dayOfDate(y, m, d int) day { return dayOf(daysFrom(y, m, d)) }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// isoWeek is the ISO 8601 week number of dd: week 1 holds the year's first
// Thursday.
func isoWeek(dd day) int {
	iso := dd.wd
	if iso == 0 {
		iso = 7
	}
	thursday := dayOf(dd.n + 4 - iso)
	return (thursday.n-daysFrom(thursday.y, 1, 1))/7 + 1
}

// wallClock returns the day and the minute of the day that a clock in
// Paris shows at t. Seconds are ignored, as by the reference.
func wallClock(t time.Time) (day, int) {
	lt := t.In(paris)
	y, m, d := lt.Date()
	h, mi, _ := lt.Clock()
	return dayOfDate(y, int(m), d), h*60 + mi
}

func offsetAt(sec int64) int64 {
	_, off := time.Unix(sec, 0).In(paris).Zone()
	return int64(off)
}

// instants returns when a clock in Paris shows minute of day dd: one
// instant, two when the clocks go back and the minute happens twice, or,
// when the clocks go forward and the minute never happens, the instant of
// the change (the first one whose clock shows a later minute).
func instants(dd day, minute int) []time.Time {
	naive := int64(dd.n)*86400 + int64(minute)*60
	before, after := offsetAt(naive-86400), offsetAt(naive+86400)
	if before == after {
		return []time.Time{time.Unix(naive-before, 0).In(paris)}
	}
	var out []time.Time
	for _, off := range []int64{before, after} {
		c := naive - off
		if offsetAt(c) == off {
			out = append(out, time.Unix(c, 0).In(paris))
		}
	}
	if len(out) == 0 {
		// In the gap: the change happens between the two candidates.
		lo := min(naive-before, naive-after)
		_, end := time.Unix(lo, 0).In(paris).ZoneBounds()
		return []time.Time{end.In(paris)}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// startOf is the first instant of day dd in Paris.
func startOf(dd day) time.Time {
	naive := int64(dd.n) * 86400
	if before, after := offsetAt(naive-86400), offsetAt(naive+86400); before == after {
		return time.Unix(naive-before, 0).In(paris)
	}
	return instants(dd, 0)[0]
}
