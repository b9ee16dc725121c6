package places

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/openhours"
	"coopconnect/internal/territory"
)

// Query is what a visitor of the directory asks for; every field is
// optional. The web page and the API read it from the same parameters.
type Query struct {
	Commune   string // a name, postal code or INSEE code: places around it
	RadiusKm  string // around the commune; default DefaultRadiusKm
	EPCI      string // SIREN: places of its communes
	OpenNow   bool
	Audience  string
	Service   string
	Equipment string
	// BBox is "west,south,east,north" in degrees: the map asks only for
	// the places it shows.
	BBox string
	// Offset and Limit select a window of the answer (Limit 0: all);
	// only the window's places are loaded in full.
	Offset, Limit int
}

// DefaultRadiusKm is the distance around a commune searched by default:
// about half an hour by road in the mountains.
const DefaultRadiusKm = 30

// Found is a place of the directory's answer.
type Found struct {
	Place
	// DistanceKm from the commune asked for; -1 when none was.
	DistanceKm float64
}

// Answer is the directory's answer to a Query.
type Answer struct {
	Places   []Found
	Near     *territory.Commune // the commune resolved from Query.Commune
	RadiusKm float64
	Total    int // matches before the window
}

// hoursCache keeps parsed opening hours: many places share the same
// value, and parsing at each request would dominate the directory's time.
type hoursCache struct {
	mu sync.Mutex
	m  map[string]*openhours.Hours
}

func (c *hoursCache) get(value string) *openhours.Hours {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.m[value]; ok {
		return h
	}
	h, err := openhours.Parse(value)
	if err != nil {
		h = nil
	}
	if c.m == nil || len(c.m) > 20000 {
		c.m = map[string]*openhours.Hours{}
	}
	c.m[value] = h
	return h
}

// Hours returns the parsed opening hours of a place, or nil when it has
// none (or invalid ones, which validation keeps out).
func (s *Service) Hours(p Place) *openhours.Hours { return s.hoursOf(p.OpeningHours) }

func (s *Service) hoursOf(value string) *openhours.Hours {
	if value == "" {
		return nil
	}
	return s.hours.get(value)
}

// Find answers a directory query at now: the public places matching it,
// nearest first when a commune is given, by name otherwise.
func (s *Service) Find(ctx context.Context, q Query, now time.Time) (Answer, error) {
	p := coop.Problems{}
	var a Answer
	if strings.TrimSpace(q.Commune) != "" {
		code, candidates := s.Communes.ResolveCommune(q.Commune, "")
		if c, ok := s.Communes.Commune(code); ok {
			a.Near = &c
		} else if len(candidates) > 0 {
			c := candidates[0] // the directory takes the best guess, and says so
			a.Near = &c
		} else {
			p.Add("commune", "places.commune_unknown")
		}
		a.RadiusKm = DefaultRadiusKm
		if r := strings.TrimSpace(q.RadiusKm); r != "" {
			km, err := strconv.ParseFloat(strings.ReplaceAll(r, ",", "."), 64)
			if err != nil || km < 1 || km > 300 {
				p.Add("rayon", "places.radius_range")
			} else {
				a.RadiusKm = km
			}
		}
	}
	if q.EPCI != "" {
		if _, ok := s.Communes.EPCI(q.EPCI); !ok {
			p.Add("epci", "error.choose_in_list")
		}
	}
	if q.Audience != "" && !slices.Contains(Audiences, Audience(q.Audience)) {
		p.Add("public", "error.choose_in_list")
	}
	if q.Service != "" && !slices.Contains(Services, q.Service) {
		p.Add("service", "error.choose_in_list")
	}
	if q.Equipment != "" && !slices.Contains(Equipment, q.Equipment) {
		p.Add("equipement", "error.choose_in_list")
	}
	var box []float64
	if q.BBox != "" {
		for _, part := range strings.Split(q.BBox, ",") {
			f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
			if err != nil {
				break
			}
			box = append(box, f)
		}
		if len(box) != 4 || box[0] > box[2] || box[1] > box[3] {
			p.Add("bbox", "places.bbox_invalid")
		}
	}
	if err := p.Err(); err != nil {
		return a, err
	}
	// The box the answer lies in: the radius's and the map's. The database
	// keeps only the candidates inside it, with the few columns the
	// filters read; the exact distance and the hours are checked here.
	var lim *[4]float64
	if a.Near != nil {
		dLat := a.RadiusKm / 111.19
		dLon := 180.0
		if m := math.Abs(a.Near.Lat) + dLat; m < 89 {
			dLon = dLat / math.Cos(m*math.Pi/180)
		}
		lim = &[4]float64{a.Near.Lon - dLon, a.Near.Lat - dLat, a.Near.Lon + dLon, a.Near.Lat + dLat}
	}
	if box != nil {
		if lim == nil {
			lim = &[4]float64{box[0], box[1], box[2], box[3]}
		} else {
			lim = &[4]float64{max(lim[0], box[0]), max(lim[1], box[1]), min(lim[2], box[2]), min(lim[3], box[3])}
		}
	}
	// Nothing to compute per place: the database counts and pages.
	if a.Near == nil && !q.OpenNow && q.EPCI == "" && q.Audience == "" && q.Service == "" && q.Equipment == "" && q.Limit > 0 {
		return s.window(ctx, a, lim, q.Offset, q.Limit)
	}
	all, err := s.candidates(ctx, lim)
	if err != nil {
		return a, err
	}
	type match struct {
		id   int64
		dist float64
	}
	var matches []match
	for _, pl := range all {
		f := match{id: pl.ID, dist: -1}
		if a.Near != nil {
			f.dist = territory.Haversine(a.Near.Lat, a.Near.Lon, pl.Lat, pl.Lon)
			if f.dist > a.RadiusKm {
				continue
			}
		}
		if box != nil && (pl.Lon < box[0] || pl.Lat < box[1] || pl.Lon > box[2] || pl.Lat > box[3]) {
			continue
		}
		if q.EPCI != "" {
			if c, ok := s.Communes.Commune(pl.CommuneCode); !ok || c.EPCI != q.EPCI {
				continue
			}
		}
		if q.Audience != "" && !pl.Audience.Welcomes(Audience(q.Audience)) {
			continue
		}
		if (q.Service != "" && !slices.Contains(pl.Services, q.Service)) || (q.Equipment != "" && !slices.Contains(pl.Equipment, q.Equipment)) {
			continue
		}
		if q.OpenNow {
			if h := s.hoursOf(pl.OpeningHours); h == nil || !h.IsOpen(now) {
				continue
			}
		}
		matches = append(matches, f)
	}
	if a.Near != nil {
		slices.SortStableFunc(matches, func(x, y match) int {
			switch {
			case x.dist < y.dist:
				return -1
			case x.dist > y.dist:
				return 1
			}
			return 0
		})
	}
	a.Total = len(matches)
	if q.Limit > 0 {
		matches = matches[min(q.Offset, len(matches)):min(q.Offset+q.Limit, len(matches))]
	}
	if len(matches) == 0 {
		return a, nil
	}
	a.Places = make([]Found, len(matches))
	ids := make([]int64, len(matches))
	at := make(map[int64]int, len(matches))
	for i, f := range matches {
		ids[i], at[f.id] = f.id, i
		a.Places[i].DistanceKm = f.dist
	}
	full, err := s.Places(ctx, Filter{IDs: ids})
	if err != nil {
		return a, err
	}
	for _, p := range full {
		a.Places[at[p.ID]].Place = p
	}
	return a, nil
}

// window answers a query the database can page alone: a count, then the
// window's ids, then their full rows.
func (s *Service) window(ctx context.Context, a Answer, lim *[4]float64, offset, limit int) (Answer, error) {
	where, args := inBox(lim)
	var ids []int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM places WHERE `+where, args...).Scan(&a.Total); err != nil {
			return err
		}
		n := len(args)
		rows, err := tx.QueryContext(ctx, `SELECT id FROM places WHERE `+where+` ORDER BY name, id LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil || len(ids) == 0 {
		return a, err
	}
	full, err := s.Places(ctx, Filter{IDs: ids})
	for _, p := range full {
		a.Places = append(a.Places, Found{Place: p, DistanceKm: -1})
	}
	return a, err
}

// inBox is the condition selecting the public places inside lim (west,
// south, east, north; nil: everywhere).
func inBox(lim *[4]float64) (string, []any) {
	if lim == nil {
		return "status <> 'closed'", nil
	}
	return "status <> 'closed' AND lat BETWEEN $1 AND $2 AND lon BETWEEN $3 AND $4", []any{lim[1], lim[3], lim[0], lim[2]}
}

// candidate is what Find's filters read of a place.
type candidate struct {
	ID                  int64
	CommuneCode         string
	Lat, Lon            float64
	Audience            Audience
	Services, Equipment []string
	OpeningHours        string
}

// candidates lists the public places inside lim (west, south, east,
// north; nil: everywhere), by name, with only what Find's filters read.
func (s *Service) candidates(ctx context.Context, lim *[4]float64) ([]candidate, error) {
	where, args := inBox(lim)
	var out []candidate
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, commune_code, lat, lon, audience, services, equipment, opening_hours FROM places WHERE `+where+` ORDER BY name, id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p candidate
			var services, equipment string
			if err := rows.Scan(&p.ID, &p.CommuneCode, &p.Lat, &p.Lon, &p.Audience, &services, &equipment, &p.OpeningHours); err != nil {
				return err
			}
			p.Services, p.Equipment = strings.Fields(services), strings.Fields(equipment)
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}
