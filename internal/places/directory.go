package places

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"coopconnect/internal/coop"
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
func (s *Service) Hours(p Place) *openhours.Hours {
	if p.OpeningHours == "" {
		return nil
	}
	return s.hours.get(p.OpeningHours)
}

// Find answers a directory query at now: the public places matching it,
// nearest first when a commune is given, by name otherwise.
func (s *Service) Find(ctx context.Context, q Query, now time.Time) (Answer, error) {
	p := coop.Problems{}
	var a Answer
	if strings.TrimSpace(q.Commune) != "" {
		code, candidates := ResolveCommune(s.Communes, q.Commune, "")
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
	all, err := s.Places(ctx, Filter{})
	if err != nil {
		return a, err
	}
	for _, pl := range all {
		f := Found{Place: pl, DistanceKm: -1}
		if a.Near != nil {
			f.DistanceKm = territory.Haversine(a.Near.Lat, a.Near.Lon, pl.Lat, pl.Lon)
			if f.DistanceKm > a.RadiusKm {
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
			if h := s.Hours(pl); h == nil || !h.IsOpen(now) {
				continue
			}
		}
		a.Places = append(a.Places, f)
	}
	if a.Near != nil {
		slices.SortStableFunc(a.Places, func(x, y Found) int {
			switch {
			case x.DistanceKm < y.DistanceKm:
				return -1
			case x.DistanceKm > y.DistanceKm:
				return 1
			}
			return 0
		})
	}
	return a, nil
}
