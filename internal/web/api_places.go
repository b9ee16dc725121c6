package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
)

// apiPlace is the API's view of a place.
type apiPlace struct {
	Slug         string            `json:"slug"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	Status       string            `json:"status"`
	Identity     string            `json:"identity"`
	Description  string            `json:"description,omitempty"`
	Carrier      string            `json:"carrier"`
	Address      string            `json:"address"`
	PostalCode   string            `json:"postal_code"`
	CommuneCode  string            `json:"commune_code"`
	CommuneName  string            `json:"commune_name"`
	EPCI         string            `json:"epci,omitempty"`
	Lat          float64           `json:"lat"`
	Lon          float64           `json:"lon"`
	Audience     string            `json:"audience"`
	Services     []string          `json:"services"`
	Equipment    []string          `json:"equipment"`
	Connection   *apiConnection    `json:"connection,omitempty"`
	Reception    map[string]string `json:"mobile_reception"`
	OpeningHours string            `json:"opening_hours"`
	OpenNow      *bool             `json:"open_now"`
	NextChange   *string           `json:"next_change"`
	Prices       string            `json:"prices,omitempty"`
	Website      string            `json:"website,omitempty"`
	Spaces       []apiSpace        `json:"spaces,omitempty"`
	DistanceKm   *float64          `json:"distance_km,omitempty"`
	URL          string            `json:"url"`
}

type apiConnection struct {
	Kind       string   `json:"kind,omitempty"`
	DownMbps   *float64 `json:"down_mbps"`
	UpMbps     *float64 `json:"up_mbps"`
	MeasuredOn string   `json:"measured_on,omitempty"`
}

type apiSpace struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Capacity int    `json:"capacity"`
	Audience string `json:"audience"`
}

func (s *Server) apiPlaceOf(p places.Place, now time.Time, withSpaces bool) apiPlace {
	c, _ := s.Territory.Commune(p.CommuneCode)
	a := apiPlace{Slug: p.Slug, Name: p.Name, Kind: string(p.Kind), Status: string(p.Status), Identity: p.Identity, Carrier: p.CarrierName,
		Address: p.Address, PostalCode: p.PostalCode, CommuneCode: p.CommuneCode, CommuneName: c.Name, EPCI: c.EPCI, Lat: p.Lat, Lon: p.Lon,
		Audience: string(p.Audience), Services: nonNil(p.Services), Equipment: nonNil(p.Equipment), Reception: p.Reception,
		OpeningHours: p.OpeningHours, Prices: p.Prices, Website: p.Website, URL: "/lieux/" + p.Slug}
	if p.ConnectionKind != "" || p.DownMbps != nil {
		a.Connection = &apiConnection{Kind: p.ConnectionKind, DownMbps: p.DownMbps, UpMbps: p.UpMbps, MeasuredOn: p.MeasuredOn}
	}
	if h := s.Places.Hours(p); h != nil {
		open := h.IsOpen(now)
		a.OpenNow = &open
		if next, ok := h.NextChange(now); ok {
			s := next.In(i18n.Paris).Format(time.RFC3339)
			a.NextChange = &s
		}
	}
	if withSpaces {
		a.Description = p.Description
		a.Spaces = []apiSpace{}
		for _, sp := range p.Spaces {
			a.Spaces = append(a.Spaces, apiSpace{ID: sp.PublicID, Name: sp.Name, Kind: string(sp.Kind), Capacity: sp.Capacity, Audience: string(sp.Audience)})
		}
	}
	return a
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apiPage is a page of a list.
type apiPage[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// pageParams reads ?page= and ?per_page= (at most 100).
func pageParams(r *http.Request) (int, int, error) {
	page, per := 1, 20
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"page": "error.whole_number"}}
		}
		page = n
	}
	if v := r.URL.Query().Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"per_page": "api.per_page_range"}}
		}
		per = n
	}
	return page, per, nil
}

func (s *Server) apiPlaces(w http.ResponseWriter, r *http.Request) error {
	page, per, err := pageParams(r)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	q := directoryQuery(r)
	q.Offset, q.Limit = (page-1)*per, per
	a, err := s.Places.Find(r.Context(), q, now)
	if err != nil {
		return err
	}
	out := apiPage[apiPlace]{Items: []apiPlace{}, Total: a.Total, Page: page, PerPage: per}
	for i := range a.Places {
		item := s.apiPlaceOf(a.Places[i].Place, now, false)
		if d := a.Places[i].DistanceKm; d >= 0 {
			item.DistanceKm = &d
		}
		out.Items = append(out.Items, item)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPlace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Places.Place(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.apiPlaceOf(p, s.Clock.Now(), true))
}

// apiCommune is the API's view of a commune.
type apiCommune struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	PostalCodes      []string `json:"postal_codes"`
	Department       string   `json:"department"`
	Region           string   `json:"region"`
	EPCI             string   `json:"epci,omitempty"`
	Population       int      `json:"population"`
	ActivePopulation int      `json:"active_population"`
	Lat              float64  `json:"lat"`
	Lon              float64  `json:"lon"`
	Density          int      `json:"density_level"`
	Rural            bool     `json:"rural"`
}

func apiCommuneOf(c territory.Commune) apiCommune {
	return apiCommune{Code: c.Code, Name: c.Name, PostalCodes: nonNil(c.PostalCodes), Department: c.Department, Region: c.Region, EPCI: c.EPCI,
		Population: c.Population, ActivePopulation: c.ActivePopulation, Lat: c.Lat, Lon: c.Lon, Density: c.Density, Rural: c.Rural()}
}

func (s *Server) apiCommunes(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len([]rune(q)) < 2 {
		return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{"q": "api.query_short"}}
	}
	out := []apiCommune{}
	for _, c := range s.Territory.Search(q, 20) {
		out = append(out, apiCommuneOf(c))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// apiEPCI is the API's view of an EPCI.
type apiEPCI struct {
	SIREN      string       `json:"siren"`
	Name       string       `json:"name"`
	Kind       string       `json:"kind"`
	Population int          `json:"population"`
	Communes   []apiCommune `json:"communes"`
}

func (s *Server) apiEPCI(w http.ResponseWriter, r *http.Request) error {
	e, ok := s.Territory.EPCI(r.PathValue("siren"))
	if !ok {
		return coop.Errorf(coop.ENotFound, "api.not_found")
	}
	out := apiEPCI{SIREN: e.SIREN, Name: e.Name, Kind: string(e.Kind), Population: e.Population, Communes: []apiCommune{}}
	for _, code := range e.Communes {
		if c, ok := s.Territory.Commune(code); ok {
			out.Communes = append(out.Communes, apiCommuneOf(c))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}
