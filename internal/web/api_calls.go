package web

import (
	"net/http"
	"time"

	"coopconnect/internal/survey"
)

// apiCall is the API's view of a call.
type apiCall struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	OpensOn      string   `json:"opens_on"`
	ClosesOn     string   `json:"closes_on"`
	Open         bool     `json:"open"`
	Areas        []string `json:"areas"`
	Kinds        []string `json:"kinds"`
	Applications int      `json:"applications"`
}

// apiCommuneRef is an application's commune with its INSEE density level.
type apiCommuneRef struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Department   string `json:"department"`
	DensityLevel int    `json:"density_level"`
	Rural        bool   `json:"rural"`
}

// apiApplication is an application as the instruction team reads it.
type apiApplication struct {
	ID          string         `json:"id"`
	State       string         `json:"state"`
	Structure   string         `json:"structure"`
	CarrierKind string         `json:"carrier_kind"`
	Commune     *apiCommuneRef `json:"commune"`
	CreatedAt   time.Time      `json:"created_at"`
	SubmittedAt *time.Time     `json:"submitted_at"`
	DecidedAt   *time.Time     `json:"decided_at"`
}

// apiCalls lists the calls; they are public.
func (s *Server) apiCalls(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Calls.Calls(r.Context())
	if err != nil {
		return err
	}
	today := survey.Paris(s.Clock.Now())
	out := []apiCall{}
	for _, c := range list {
		a := apiCall{ID: c.PublicID, Title: c.Title, OpensOn: c.OpensOn, ClosesOn: c.ClosesOn, Open: c.Open(today),
			Areas: c.Areas, Kinds: c.Kinds, Applications: c.Applications}
		if a.Areas == nil {
			a.Areas = []string{}
		}
		if a.Kinds == nil {
			a.Kinds = []string{}
		}
		out = append(out, a)
	}
	return writeJSON(w, http.StatusOK, map[string][]apiCall{"calls": out})
}

// apiCallApplications lists a call's applications for the instruction
// team, filtered by the same query as the back-office table (etat,
// departement, zone, type, q, tri, ordre).
func (s *Server) apiCallApplications(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Calls.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	rows, err := s.Calls.Rows(r.Context(), *stateOf(r).user, c.PublicID, filterOf(r.URL.Query()))
	if err != nil {
		return err
	}
	out := []apiApplication{}
	for _, row := range rows {
		a := apiApplication{ID: row.PublicID, State: string(row.State), Structure: row.Structure, CarrierKind: row.CarrierKind,
			CreatedAt: row.CreatedAt, SubmittedAt: row.SubmittedAt, DecidedAt: row.DecidedAt}
		if row.Commune != "" {
			a.Commune = &apiCommuneRef{Code: row.Commune, Name: row.CommuneName, Department: row.Department, DensityLevel: row.Density, Rural: row.Rural}
		}
		out = append(out, a)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"call": c.PublicID, "applications": out})
}
