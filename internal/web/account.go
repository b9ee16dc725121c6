package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
)

// accountView is the account page: profile, email, password, second
// factor, API tokens, data export and deletion.
type accountView struct {
	Page
	Tokens   []accounts.APIToken
	NewToken string // shown once, just after its creation
	// Section is the form whose problems the page shows.
	Section string
	// Audiences are the publics a member may declare, for bookings.
	Audiences []string
}

func (s *Server) accountView(r *http.Request) (*accountView, error) {
	v := &accountView{Page: s.newPage(r, "account.title")}
	u := stateOf(r).user
	v.Form["name"] = u.Name
	var err error
	if v.Tokens, err = s.Accounts.APITokens(r.Context(), u.ID); err != nil {
		return nil, err
	}
	v.Audiences = booking.Audiences
	v.Form["audience"], err = s.Booking.AudienceOf(r.Context(), u.ID)
	return v, err
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request) error {
	v, err := s.accountView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "account", v)
}

// refuseAccountForm re-renders the account page with one section's problems.
func (s *Server) refuseAccountForm(w http.ResponseWriter, r *http.Request, err error, section string, keep ...string) error {
	v, verr := s.accountView(r)
	if verr != nil {
		return verr
	}
	v.Section = section
	v.keep(r, keep...)
	// Several sections ask for the current password: each has its own
	// field, so the message lands next to the right one.
	if e := coop.AsError(err); e != nil && section != "password" {
		if k, ok := e.Fields["current_password"]; ok {
			delete(e.Fields, "current_password")
			e.Fields[section+"_password"] = k
		}
	}
	return s.invalid(w, r, err, "account", v, "name", "email", "email_password", "current_password", "new_password", "new_password_confirm", "token_name", "totp_password", "delete_password", "audience")
}

func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	if err := s.Accounts.UpdateName(r.Context(), u.ID, r.PostFormValue("name")); err != nil {
		return s.refuseAccountForm(w, r, err, "profile", "name")
	}
	return s.redirect(w, r, "/compte", "success", "account.profile_saved")
}

func (s *Server) changeEmail(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	if err := s.Accounts.RequestEmailChange(r.Context(), u.ID, r.PostFormValue("email"), r.PostFormValue("email_password")); err != nil {
		return s.refuseAccountForm(w, r, err, "email", "email")
	}
	s.Jobs.Wake()
	return s.redirect(w, r, "/compte", "success", "account.email_sent")
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if r.PostFormValue("new_password") != r.PostFormValue("new_password_confirm") {
		return s.refuseAccountForm(w, r, mismatch("new_password_confirm"), "password")
	}
	err := s.Accounts.ChangePassword(r.Context(), st.user.ID, st.session.ID, r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if err != nil {
		return s.refuseAccountForm(w, r, err, "password")
	}
	return s.redirect(w, r, "/compte", "success", "account.password_changed")
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	secret, err := s.Accounts.CreateAPIToken(r.Context(), u.ID, r.PostFormValue("token_name"))
	if err != nil {
		return s.refuseAccountForm(w, r, err, "tokens", "token_name")
	}
	// The secret is shown on this answer only: it is never stored.
	v, err := s.accountView(r)
	if err != nil {
		return err
	}
	v.NewToken = secret
	v.Flash = &flash{Kind: "success", Message: "account.token_created"}
	return s.render(w, r, http.StatusOK, "account", v)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	if err := s.Accounts.RevokeAPIToken(r.Context(), u.ID, r.PathValue("id")); err != nil {
		return err
	}
	return s.redirect(w, r, "/compte", "success", "account.token_revoked")
}

func (s *Server) exportData(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	e, err := s.Accounts.ExportData(r.Context(), u.ID)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="coop-connect-mes-donnees.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	err := s.Accounts.DeleteAccount(r.Context(), *u, r.PostFormValue("delete_password"))
	if e := coop.AsError(err); e != nil && e.Code == coop.EPrecondition {
		v, verr := s.accountView(r)
		if verr != nil {
			return verr
		}
		v.Section, v.Alert = "delete", e.Message
		return s.render(w, r, http.StatusConflict, "account", v)
	}
	if err != nil {
		return s.refuseAccountForm(w, r, err, "delete")
	}
	http.SetCookie(w, s.cookies.cookie(s.cookies.session, "", -1))
	return s.redirect(w, r, "/", "success", "account.deleted")
}

// totpView is the second-factor setup page.
type totpView struct {
	Page
	Secret   string
	Grouped  string // the secret in groups of four, easier to type
	URI      string
	QR       *qrCode
	Required bool
}

func (s *Server) showTOTPSetup(w http.ResponseWriter, r *http.Request) error {
	v, err := s.totpView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "totp", v)
}

func (s *Server) totpView(r *http.Request) (*totpView, error) {
	u := stateOf(r).user
	v := &totpView{Page: s.newPage(r, "totp.title")}
	var err error
	if v.Required, err = s.Accounts.NeedsTOTPSetup(r.Context(), *u); err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return v, nil
	}
	if v.Secret, err = s.Accounts.PendingTOTPSecret(r.Context(), u.ID); err != nil {
		return nil, err
	}
	var groups []string
	for i := 0; i < len(v.Secret); i += 4 {
		groups = append(groups, v.Secret[i:min(i+4, len(v.Secret))])
	}
	v.Grouped = strings.Join(groups, " ")
	v.URI = accounts.TOTPURI(v.Secret, u.Email)
	v.QR, err = newQRCode(v.URI)
	return v, err
}

func (s *Server) enableTOTP(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := check(hit{s.limits.code, st.token}); err != nil {
		return err
	}
	if err := s.Accounts.EnableTOTP(r.Context(), st.user.ID, r.PostFormValue("code")); err != nil {
		v, verr := s.totpView(r)
		if verr != nil {
			return verr
		}
		return s.invalid(w, r, err, "totp", v, "code")
	}
	return s.redirect(w, r, "/compte", "success", "totp.enabled")
}

func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	err := s.Accounts.DisableTOTP(r.Context(), *u, r.PostFormValue("totp_password"))
	if e := coop.AsError(err); e != nil && e.Code == coop.EPrecondition {
		return s.redirect(w, r, "/compte", "error", e.Message)
	}
	if err != nil {
		return s.refuseAccountForm(w, r, err, "totp")
	}
	return s.redirect(w, r, "/compte", "success", "totp.disabled")
}
