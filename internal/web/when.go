package web

import (
	"strings"
	"time"

	"coopconnect/internal/i18n"
)

// Days and times as the booking pages write them, in Paris.

// parisDay returns the Paris midnight of t's day.
func parisDay(t time.Time) time.Time {
	t = t.In(i18n.Paris)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, i18n.Paris)
}

// parseDay reads a YYYY-MM-DD day as its Paris midnight.
func parseDay(v string) (time.Time, bool) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(v), i18n.Paris)
	return d, err == nil && d.Year() >= 2000 && d.Year() <= 2100
}

// clockText writes a Paris wall-clock time: "9 h 30" in French, "9:30" in
// English; the midnight that ends a day is "24 h".
func clockText(l *i18n.Localizer, t time.Time, endOfDay bool) string {
	t = t.In(i18n.Paris)
	minute := t.Hour()*60 + t.Minute()
	if endOfDay && minute == 0 {
		minute = 1440
	}
	return minuteText(l, minute)
}

// minuteText writes a minute of the day: "14 h", "14 h 30".
func minuteText(l *i18n.Localizer, minute int) string {
	if minute%60 == 0 {
		return l.T("time.hour", minute/60)
	}
	return l.T("time.hour_minute", minute/60, minute%60)
}

// spanText writes the times of [start, end): "9 h – 12 h 30".
func spanText(l *i18n.Localizer, start, end time.Time) string {
	return l.T("time.span", clockText(l, start, false), clockText(l, end, parisDay(end).After(parisDay(start))))
}

// durationText writes minutes as the domain's messages do: "2 h", "1 h 30".
func durationText(l *i18n.Localizer, minutes int) string {
	switch {
	case minutes%1440 == 0:
		return l.T("duration.days", minutes/1440)
	case minutes%60 == 0:
		return l.T("duration.hours", minutes/60)
	case minutes > 60:
		return l.T("duration.hours_minutes", minutes/60, minutes%60)
	}
	return l.T("duration.minutes", minutes)
}

// weekdaysText lists the days of a window's mask (bit 0 Monday): "lundi, mardi".
func weekdaysText(l *i18n.Localizer, mask uint8) string {
	var days []string
	for i, name := range []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"} {
		if mask&(1<<i) != 0 {
			days = append(days, l.T("weekday."+name))
		}
	}
	return strings.Join(days, ", ")
}
