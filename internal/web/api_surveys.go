package web

import (
	"net/http"

	"coopconnect/internal/survey"
)

// apiSurvey is the API's view of a campaign.
type apiSurvey struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	OpensOn   string    `json:"opens_on"`
	ClosesOn  string    `json:"closes_on"`
	State     string    `json:"state"`
	Territory []apiArea `json:"territory"`
	// Responses is the campaign's number of answers, for those who read
	// all of it; Readable the territories an official may ask results of.
	Responses *int     `json:"responses,omitempty"`
	Readable  []string `json:"readable_territories,omitempty"`
	Results   string   `json:"results_url"`
}

// apiArea is an EPCI or a commune a campaign was opened on.
type apiArea struct {
	Kind string `json:"kind"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// apiSurveys lists the campaigns the caller may read results of.
func (s *Server) apiSurveys(w http.ResponseWriter, r *http.Request) error {
	user := *stateOf(r).user
	list, err := s.Surveys.Visible(r.Context(), user)
	if err != nil {
		return err
	}
	today := survey.Paris(s.Clock.Now())
	out := []apiSurvey{}
	for _, item := range list {
		sv, err := s.Surveys.Get(r.Context(), item.PublicID)
		if err != nil {
			return err
		}
		codes, all, err := s.Surveys.Readable(r.Context(), user, sv)
		if err != nil {
			return err
		}
		if !all && len(codes) == 0 {
			continue
		}
		a := apiSurvey{ID: sv.PublicID, Title: sv.Title, OpensOn: sv.OpensOn, ClosesOn: sv.ClosesOn, State: string(sv.StateAt(today)),
			Territory: []apiArea{}, Results: "/api/v1/surveys/" + sv.PublicID + "/results"}
		for _, ar := range sv.Areas {
			a.Territory = append(a.Territory, apiArea{Kind: ar.Kind, Code: ar.Code, Name: ar.Name})
		}
		if all {
			a.Responses = &item.Responses
		} else {
			a.Readable = codes
		}
		out = append(out, a)
	}
	return writeJSON(w, http.StatusOK, map[string][]apiSurvey{"surveys": out})
}

// apiSurveyResults answers a territory's results: hidden cells carry
// "hidden": true and no number.
func (s *Server) apiSurveyResults(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.readResults(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	res, err := s.scopeResults(r, rs, r.URL.Query().Get("territory"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, survey.NewResultsJSON(rs.Survey, res, stateOf(r).lang))
}
