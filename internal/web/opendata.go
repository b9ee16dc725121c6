package web

import (
	"net/http"

	"coopconnect/internal/opendata"
	"coopconnect/internal/places"
)

// openDataView explains the open data: licence, standard, fields.
type openDataView struct {
	Page
	Fields  []opendata.Field
	Version string
	Count   int
}

func (s *Server) showOpenData(w http.ResponseWriter, r *http.Request) error {
	v := &openDataView{Page: s.newPage(r, "opendata.title"), Fields: opendata.Fields(), Version: opendata.SchemaVersion}
	rows, err := s.openDataRows(r)
	if err != nil {
		return err
	}
	v.Count = len(rows)
	return s.render(w, r, http.StatusOK, "opendata", v)
}

// openDataRows is every public place in the national standard.
func (s *Server) openDataRows(r *http.Request) ([]opendata.Row, error) {
	ps, err := s.Places.Places(r.Context(), places.Filter{})
	if err != nil {
		return nil, err
	}
	carriers, err := s.Places.PublicCarriers(r.Context())
	if err != nil {
		return nil, err
	}
	return opendata.Rows(opendata.Sources(ps, carriers), s.Territory, s.BaseURL, s.Clock.Now()), nil
}

func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.openDataRows(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="lieux-mediation-numerique-coopconnect.csv"`)
	return opendata.WriteCSV(w, rows)
}

func (s *Server) exportJSON(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.openDataRows(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return opendata.WriteJSON(w, rows)
}
