package web

import (
	"net/http"

	"coopconnect/internal/coop"
)

// apiUser is the API's view of an account.
type apiUser struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Language  string `json:"language"`
	TwoFactor bool   `json:"two_factor"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	return writeJSON(w, http.StatusOK, apiUser{ID: u.PublicID, Email: u.Email, Name: u.Name, Role: string(u.Role), Language: u.Locale, TwoFactor: u.TOTPEnabled})
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) error {
	return coop.Errorf(coop.ENotFound, "api.not_found")
}
