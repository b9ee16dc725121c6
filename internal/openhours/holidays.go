package openhours

import (
	"sort"
	"time"
)

// Holiday is a French public holiday (jour férié).
type Holiday struct {
	Date time.Time // midnight in Europe/Paris
	Name string    // as the reference library names it, in French
}

// easter returns Easter Sunday of year y (anonymous Gregorian algorithm)
// as days since 1970-01-01.
func easter(y int) int {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	dayOfMonth := (h+l-7*m+114)%31 + 1
	return daysFrom(y, month, dayOfMonth)
}

// The public holidays of metropolitan France (Alsace-Moselle's Good Friday
// and St Stephen's Day are not included). Names as in the reference
// library, which shows them as the comment of a day that PH selects.
var fixedHolidays = [...]struct {
	m, d int
	name string
}{
	{1, 1, "Nouvel An"},
	{5, 1, "Fête du travail"},
	{5, 8, "Fête de la Victoire 1945"},
	{7, 14, "Fête Nationale de la France"},
	{8, 15, "Assomption"},
	{11, 1, "Toussaint"},
	{11, 11, "Armistice 1918"},
	{12, 25, "Noël"},
}

var easterHolidays = [...]struct {
	offset int
	name   string
}{
	{1, "Lundi de Pâques"},
	{39, "Ascension"},
	{50, "Lundi de Pentecôte"},
}

// holidayName returns the name of the public holiday on dd, if it is one.
func holidayName(dd day) (string, bool) {
	for _, h := range fixedHolidays {
		if h.m == dd.m && h.d == dd.d {
			return h.name, true
		}
	}
	if dd.m < 3 || dd.m > 6 {
		return "", false // Easter Monday is in March or April, Whit Monday by mid-June
	}
	e := easter(dd.y)
	for _, h := range easterHolidays {
		if dd.n == e+h.offset {
			return h.name, true
		}
	}
	return "", false
}

// PublicHolidays returns the French public holidays of year, in date order.
func PublicHolidays(year int) []Holiday {
	out := make([]Holiday, 0, len(fixedHolidays)+len(easterHolidays))
	at := func(n int, name string) {
		dd := dayOf(n)
		out = append(out, Holiday{Date: time.Date(dd.y, time.Month(dd.m), dd.d, 0, 0, 0, 0, paris), Name: name})
	}
	for _, h := range fixedHolidays {
		at(daysFrom(year, h.m, h.d), h.name)
	}
	e := easter(year)
	for _, h := range easterHolidays {
		at(e+h.offset, h.name)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}
