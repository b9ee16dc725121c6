package web

import (
	"net/http"
	"net/url"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
)

// formView is the view of the pages that are one simple form.
type formView struct {
	Page
	Token string // the one-time link's secret, for the form's action
	Email string // the address the link was sent to
	Next  string // where to go after signing in
}

// keep copies the named submitted values into the page, so a refused
// form comes back filled in (passwords never are).
func (p *Page) keep(r *http.Request, names ...string) {
	for _, n := range names {
		p.Form[n] = r.PostFormValue(n)
	}
}

func (s *Server) showSignUp(w http.ResponseWriter, r *http.Request) error {
	v := &formView{Page: s.newPage(r, "signup.title")}
	return s.render(w, r, http.StatusOK, "signup", v)
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if err := check(hit{s.limits.signUp, st.ip}); err != nil {
		return err
	}
	v := &formView{Page: s.newPage(r, "signup.title")}
	v.keep(r, "name", "email")
	in := accounts.SignUp{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Password: r.PostFormValue("password"), Lang: st.lang}
	if r.PostFormValue("terms") != "on" {
		// Checked here, as it is the form's own question, then with the rest.
		err := in.Validate()
		e := coop.AsError(err)
		if e == nil {
			e = &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{}}
		}
		e.Fields["terms"] = "signup.terms_required"
		return s.invalid(w, r, e, "signup", v, "name", "email", "password", "terms")
	}
	if err := s.Accounts.SignUp(r.Context(), in); err != nil {
		return s.invalid(w, r, err, "signup", v, "name", "email", "password", "terms")
	}
	s.Jobs.Wake()
	return s.redirect(w, r, "/connexion", "success", "signup.check_email")
}

func (s *Server) showVerify(w http.ResponseWriter, r *http.Request) error {
	return s.showLinkPage(w, r, accounts.LinkVerify, "verify.title", "verify")
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.Accounts.VerifyEmail(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	return s.redirect(w, r, "/connexion", "success", "verify.done")
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request) error {
	v := &formView{Page: s.newPage(r, "login.title"), Next: localPath(r.URL.Query().Get("retour"))}
	if stateOf(r).user != nil {
		http.Redirect(w, r, v.Next, http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "login", v)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	email := accounts.NormalizeEmail(r.PostFormValue("email"))
	v := &formView{Page: s.newPage(r, "login.title"), Next: localPath(r.PostFormValue("retour"))}
	v.keep(r, "email")
	if err := check(hit{s.limits.loginIP, st.ip}, hit{s.limits.loginAccount, email}); err != nil {
		return err
	}
	res, err := s.Accounts.Login(r.Context(), email, r.PostFormValue("password"))
	if e := coop.AsError(err); e != nil && (e.Code == coop.EUnauthorized || e.Code == coop.EPrecondition) {
		v.Alert = e.Message
		return s.render(w, r, http.StatusUnprocessableEntity, "login", v)
	}
	if err != nil {
		return s.invalid(w, r, err, "login", v, "email", "password")
	}
	if st.token != "" { // rotate: the old session ends with the new one's birth
		_ = s.Accounts.Logout(r.Context(), st.token)
	}
	http.SetCookie(w, s.cookies.cookie(s.cookies.session, res.Token, int(accounts.SessionAbsolute.Seconds())))
	if res.SecondFactor {
		http.Redirect(w, r, "/connexion/code?retour="+url.QueryEscape(v.Next), http.StatusSeeOther)
		return nil
	}
	return s.redirect(w, r, v.Next, "success", "login.welcome")
}

func (s *Server) showSecondFactor(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if st.session == nil || !st.session.PendingSecondFactor {
		return s.redirect(w, r, "/connexion", "", "")
	}
	v := &formView{Page: s.newPage(r, "totp.login_title"), Next: localPath(r.URL.Query().Get("retour"))}
	return s.render(w, r, http.StatusOK, "login_code", v)
}

func (s *Server) secondFactor(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if st.session == nil || !st.session.PendingSecondFactor {
		return s.redirect(w, r, "/connexion", "info", "auth.session_expired")
	}
	if err := check(hit{s.limits.code, st.token}, hit{s.limits.loginIP, st.ip}); err != nil {
		return err
	}
	v := &formView{Page: s.newPage(r, "totp.login_title"), Next: localPath(r.PostFormValue("retour"))}
	token, err := s.Accounts.CompleteSecondFactor(r.Context(), st.token, r.PostFormValue("code"))
	if err != nil {
		return s.invalid(w, r, err, "login_code", v, "code")
	}
	http.SetCookie(w, s.cookies.cookie(s.cookies.session, token, int(accounts.SessionAbsolute.Seconds())))
	return s.redirect(w, r, v.Next, "success", "login.welcome")
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if st := stateOf(r); st.token != "" {
		if err := s.Accounts.Logout(r.Context(), st.token); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.cookies.cookie(s.cookies.session, "", -1))
	return s.redirect(w, r, "/", "success", "logout.done")
}

func (s *Server) showForgot(w http.ResponseWriter, r *http.Request) error {
	v := &formView{Page: s.newPage(r, "forgot.title")}
	return s.render(w, r, http.StatusOK, "forgot", v)
}

func (s *Server) forgot(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	email := accounts.NormalizeEmail(r.PostFormValue("email"))
	v := &formView{Page: s.newPage(r, "forgot.title")}
	v.keep(r, "email")
	hits := []hit{{s.limits.reset, st.ip}}
	if email != "" {
		hits = append(hits, hit{s.limits.reset, "email:" + email})
	}
	if err := check(hits...); err != nil {
		return err
	}
	if err := s.Accounts.RequestPasswordReset(r.Context(), email); err != nil {
		return s.invalid(w, r, err, "forgot", v, "email")
	}
	s.Jobs.Wake()
	return s.redirect(w, r, "/connexion", "success", "forgot.sent")
}

func (s *Server) showReset(w http.ResponseWriter, r *http.Request) error {
	return s.showLinkPage(w, r, accounts.LinkReset, "reset.title", "reset")
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	v := &formView{Page: s.newPage(r, "reset.title"), Token: token}
	if err := check(hit{s.limits.reset, stateOf(r).ip}); err != nil {
		return err
	}
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		return s.invalid(w, r, mismatch("password_confirm"), "reset", v, "password", "password_confirm")
	}
	if err := s.Accounts.ResetPassword(r.Context(), token, r.PostFormValue("password")); err != nil {
		return s.invalid(w, r, err, "reset", v, "password", "password_confirm")
	}
	return s.redirect(w, r, "/connexion", "success", "reset.done")
}

// mismatch is the error of a confirmation field that differs.
func mismatch(field string) error {
	return &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{field: "error.password_mismatch"}}
}

func (s *Server) showInvitation(w http.ResponseWriter, r *http.Request) error {
	return s.showLinkPage(w, r, accounts.LinkInvitation, "invitation.title", "invitation")
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	st := stateOf(r)
	email, err := s.Accounts.CheckLink(r.Context(), accounts.LinkInvitation, token)
	if err != nil {
		return err
	}
	v := &formView{Page: s.newPage(r, "invitation.title"), Token: token, Email: email}
	v.keep(r, "name")
	_, session, err := s.Accounts.AcceptInvitation(r.Context(), token, r.PostFormValue("name"), r.PostFormValue("password"), st.lang)
	if err != nil {
		return s.invalid(w, r, err, "invitation", v, "name", "password")
	}
	if st.token != "" {
		_ = s.Accounts.Logout(r.Context(), st.token)
	}
	http.SetCookie(w, s.cookies.cookie(s.cookies.session, session, int(accounts.SessionAbsolute.Seconds())))
	return s.redirect(w, r, "/compte", "success", "invitation.done")
}

func (s *Server) showEmailConfirm(w http.ResponseWriter, r *http.Request) error {
	return s.showLinkPage(w, r, accounts.LinkEmail, "email_confirm.title", "email_confirm")
}

// showLinkPage shows the page a one-time link opens, or the "link gone"
// page (410) when it expired or was used.
func (s *Server) showLinkPage(w http.ResponseWriter, r *http.Request, purpose, title, name string) error {
	token := r.PathValue("token")
	email, err := s.Accounts.CheckLink(r.Context(), purpose, token)
	if err != nil {
		return err
	}
	v := &formView{Page: s.newPage(r, title), Token: token, Email: email}
	return s.render(w, r, http.StatusOK, name, v)
}

func (s *Server) confirmEmail(w http.ResponseWriter, r *http.Request) error {
	if err := s.Accounts.ConfirmEmailChange(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	return s.redirect(w, r, "/compte", "success", "email_confirm.done")
}
