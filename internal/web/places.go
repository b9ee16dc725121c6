package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/i18n"
	"coopconnect/internal/openhours"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
)

// placesView is the public directory.
type placesView struct {
	Page
	Places   []placeCard
	Near     *territory.Commune
	RadiusKm float64
	// Wider is the address of the same search with a wider radius, offered
	// when nothing was found.
	Wider string
	// For the map: the search's parameters, tiles and the kinds' names.
	Query, MapTiles, MapAttribution, KindsJSON string
	// Total is how many places match; the page shows PerPage of them.
	Total              int
	PageNum            int
	PrevPage, NextPage string // addresses of the neighbouring pages
}

// directoryPageSize is how many cards a page of the directory shows.
const directoryPageSize = 30

// placeCard is a place in a list.
type placeCard struct {
	places.Place
	Commune    territory.Commune
	Now        hoursNow
	DistanceKm float64 // -1 when no commune was asked for
	L          *i18n.Localizer
}

// hoursNow says, in words, whether a place is open and until when.
type hoursNow struct {
	Known bool
	Open  bool
	Text  string
}

// describeNow writes "Ouvert — ferme à 18:00" or "Fermé — ouvre mardi à
// 09:00" for the hours of a place at now.
func (s *Server) describeNow(l *i18n.Localizer, p places.Place, now time.Time) hoursNow {
	h := s.Places.Hours(p)
	if h == nil {
		return hoursNow{}
	}
	out := hoursNow{Known: true, Open: h.IsOpen(now)}
	next, ok := h.NextChange(now)
	local := now.In(i18n.Paris)
	nextLocal := next.In(i18n.Paris)
	at := nextLocal.Format("15:04")
	when := at
	switch {
	case !ok:
	case nextLocal.YearDay() == local.YearDay() && nextLocal.Year() == local.Year():
		when = l.T("hours.today_at", at)
	case nextLocal.Sub(local) < 7*24*time.Hour:
		when = l.T("hours.day_at", l.Weekday(nextLocal), at)
	default:
		when = l.T("hours.date_at", l.Date(nextLocal), at)
	}
	switch {
	case out.Open && ok:
		out.Text = l.T("hours.open_until", when)
	case out.Open:
		out.Text = l.T("hours.open")
	case ok:
		out.Text = l.T("hours.closed_until", when)
	default:
		out.Text = l.T("hours.closed")
	}
	return out
}

func (s *Server) card(l *i18n.Localizer, p places.Place, now time.Time) placeCard {
	c, _ := s.Territory.Commune(p.CommuneCode)
	return placeCard{Place: p, Commune: c, Now: s.describeNow(l, p, now), DistanceKm: -1, L: l}
}

// directoryQuery reads the directory's parameters, the same for the page
// and the API.
func directoryQuery(r *http.Request) places.Query {
	q := r.URL.Query()
	return places.Query{Commune: q.Get("commune"), RadiusKm: q.Get("rayon"), EPCI: q.Get("epci"), OpenNow: q.Get("ouvert") != "",
		Audience: q.Get("public"), Service: q.Get("service"), Equipment: q.Get("equipement"), BBox: q.Get("bbox")}
}

func (s *Server) showPlaces(w http.ResponseWriter, r *http.Request) error {
	v := &placesView{Page: s.newPage(r, "places.title"), Query: r.URL.RawQuery, MapTiles: s.MapTiles, MapAttribution: s.MapAttribution}
	v.Styles = []string{"vendor/leaflet/leaflet.css"}
	v.Scripts = []string{"vendor/leaflet/leaflet.js", "js/map.js"}
	kinds := map[string]string{}
	for _, k := range places.Kinds {
		kinds[string(k)] = v.T("place.kind." + string(k))
	}
	b, err := json.Marshal(kinds)
	if err != nil {
		return err
	}
	v.KindsJSON = string(b)
	for k, vals := range r.URL.Query() {
		v.Form[k] = vals[0]
	}
	now := s.Clock.Now()
	q := directoryQuery(r)
	v.PageNum, _ = strconv.Atoi(r.URL.Query().Get("page"))
	v.PageNum = max(v.PageNum, 1)
	q.Offset, q.Limit = (v.PageNum-1)*directoryPageSize, directoryPageSize
	a, err := s.Places.Find(r.Context(), q, now)
	if err != nil {
		return s.invalid(w, r, err, "places", v, "commune", "rayon", "epci", "public", "service", "equipement")
	}
	v.Near, v.RadiusKm, v.Total = a.Near, a.RadiusKm, a.Total
	pageURL := func(n int) string {
		params := r.URL.Query()
		params.Set("page", strconv.Itoa(n))
		return "/lieux?" + params.Encode()
	}
	if v.PageNum > 1 {
		v.PrevPage = pageURL(v.PageNum - 1)
	}
	if v.PageNum*directoryPageSize < a.Total {
		v.NextPage = pageURL(v.PageNum + 1)
	}
	for _, f := range a.Places {
		c := s.card(v.L, f.Place, now)
		c.DistanceKm = f.DistanceKm
		v.Places = append(v.Places, c)
	}
	if len(v.Places) == 0 && a.Near != nil && a.RadiusKm < 100 {
		q := r.URL.Query()
		q.Set("rayon", strconv.Itoa(int(max(50, a.RadiusKm*2))))
		v.Wider = "/lieux?" + q.Encode()
	}
	return s.render(w, r, http.StatusOK, "places", v)
}

// placeView is a place's public page.
type placeView struct {
	Page
	Place   placeCard
	Week    []dayHours
	CanEdit bool
}

// dayHours is a row of the week's hours table.
type dayHours struct {
	Day     string
	Today   bool
	Periods []string
}

func (s *Server) showPlace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Places.Place(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	v := &placeView{Page: s.newPage(r, "places.title")}
	v.Title = p.Name
	now := s.Clock.Now()
	v.Place = s.card(v.L, p, now)
	if h := s.Places.Hours(p); h != nil {
		v.Week = weekTable(v.L, h, now)
	}
	if u := stateOf(r).user; u != nil {
		if v.CanEdit, err = s.Places.CanEdit(r.Context(), *u, p); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "place", v)
}

// weekTable is the current week's hours, Monday first.
func weekTable(l *i18n.Localizer, h *openhours.Hours, now time.Time) []dayHours {
	local := now.In(i18n.Paris)
	offset := (int(local.Weekday()) + 6) % 7
	monday := time.Date(local.Year(), local.Month(), local.Day()-offset, 0, 0, 0, 0, i18n.Paris)
	week := h.Week(monday)
	var out []dayHours
	for i, intervals := range week {
		day := monday.AddDate(0, 0, i)
		d := dayHours{Day: l.Weekday(day), Today: i == offset}
		for _, iv := range intervals {
			d.Periods = append(d.Periods, l.T("hours.period", iv.Start.In(i18n.Paris).Format("15:04"), endClock(iv.End)))
		}
		out = append(out, d)
	}
	return out
}

// endClock writes the end of an interval, midnight as 24:00.
func endClock(t time.Time) string {
	t = t.In(i18n.Paris)
	if t.Hour() == 0 && t.Minute() == 0 {
		return "24:00"
	}
	return t.Format("15:04")
}

func (s *Server) servePhoto(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	thumb := strings.HasSuffix(r.URL.Path, "/miniature")
	b, err := s.Places.PhotoData(r.Context(), id, thumb)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/jpeg")
	// A photo never changes under its id: a new upload gets a new one.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, err = w.Write(b)
	return err
}
