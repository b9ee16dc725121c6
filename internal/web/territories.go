package web

import (
	"net/http"
	"slices"

	"coopconnect/internal/coop"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
)

// communeView is a commune's page: its facts and its places.
type communeView struct {
	Page
	Commune territory.Commune
	EPCI    *territory.EPCI
	Places  []placeCard // in the commune, then around it
	Around  float64
}

// aroundKm is the distance of the places a commune's page shows.
const aroundKm = 15

func (s *Server) showCommune(w http.ResponseWriter, r *http.Request) error {
	c, ok := s.Territory.Resolve(r.PathValue("code"))
	if !ok {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if c.Code != r.PathValue("code") { // a former commune's code: its current page
		http.Redirect(w, r, "/territoires/communes/"+c.Code, http.StatusMovedPermanently)
		return nil
	}
	v := &communeView{Page: s.newPage(r, "territory.commune_title"), Commune: c, Around: aroundKm}
	v.Title = c.Name
	if e, ok := s.Territory.EPCI(c.EPCI); ok {
		v.EPCI = &e
	}
	now := s.Clock.Now()
	a, err := s.Places.Find(r.Context(), places.Query{Commune: c.Code, RadiusKm: "15"}, now)
	if err != nil {
		return err
	}
	for _, f := range a.Places {
		card := s.card(v.L, f.Place, now)
		card.DistanceKm = f.DistanceKm
		v.Places = append(v.Places, card)
	}
	return s.render(w, r, http.StatusOK, "commune", v)
}

// epciView is an EPCI's page: its facts, communes and places.
type epciView struct {
	Page
	EPCI     territory.EPCI
	Communes []territory.Commune
	Rural    int // how many of its communes are rural
	Places   []placeCard
}

func (s *Server) showEPCI(w http.ResponseWriter, r *http.Request) error {
	e, ok := s.Territory.EPCI(r.PathValue("siren"))
	if !ok {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	v := &epciView{Page: s.newPage(r, "territory.epci_title"), EPCI: e, Communes: s.Territory.Members(e.SIREN)}
	v.Title = e.Name
	for _, c := range v.Communes {
		if c.Rural() {
			v.Rural++
		}
	}
	slices.SortFunc(v.Communes, func(a, b territory.Commune) int { return b.Population - a.Population })
	now := s.Clock.Now()
	a, err := s.Places.Find(r.Context(), places.Query{EPCI: e.SIREN}, now)
	if err != nil {
		return err
	}
	for _, f := range a.Places {
		v.Places = append(v.Places, s.card(v.L, f.Place, now))
	}
	return s.render(w, r, http.StatusOK, "epci", v)
}
