package web

import (
	"net/http"
	"strconv"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/mail"
)

// invitationsView lists pending invitations with the form to send one.
type invitationsView struct {
	Page
	Invitations []accounts.Invitation
	Roles       []accounts.Role // the roles the viewer may give
}

func (s *Server) invitationsView(r *http.Request) (*invitationsView, error) {
	u := stateOf(r).user
	v := &invitationsView{Page: s.newPage(r, "invitations.title")}
	for _, role := range accounts.Roles {
		if u.Role.CanInvite(role) {
			v.Roles = append(v.Roles, role)
		}
	}
	var err error
	v.Invitations, err = s.Accounts.Invitations(r.Context(), *u)
	return v, err
}

func (s *Server) showInvitations(w http.ResponseWriter, r *http.Request) error {
	v, err := s.invitationsView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "invitations", v)
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	err := s.Accounts.Invite(r.Context(), *u, r.PostFormValue("email"), accounts.Role(r.PostFormValue("role")))
	if err != nil {
		v, verr := s.invitationsView(r)
		if verr != nil {
			return verr
		}
		v.keep(r, "email", "role")
		return s.invalid(w, r, err, "invitations", v, "email", "role")
	}
	s.Jobs.Wake()
	return s.redirect(w, r, "/admin/invitations", "success", "invitations.sent")
}

// usersView lists every account.
type usersView struct {
	Page
	Users []accounts.User
	// Officials are the official accounts with their territories (surveys).
	Officials []officialRow
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request) error {
	v := &usersView{Page: s.newPage(r, "users.title")}
	var err error
	if v.Users, err = s.Accounts.ListUsers(r.Context()); err != nil {
		return err
	}
	if err := s.loadOfficials(r, v); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "users", v)
}

// securityView is the coordinator's security settings.
type securityView struct {
	Page
	StaffTOTP bool
}

func (s *Server) showSecurity(w http.ResponseWriter, r *http.Request) error {
	v := &securityView{Page: s.newPage(r, "security.title")}
	var err error
	if v.StaffTOTP, err = s.Accounts.StaffTOTPRequired(r.Context()); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "security", v)
}

func (s *Server) saveSecurity(w http.ResponseWriter, r *http.Request) error {
	u := stateOf(r).user
	if err := s.Accounts.SetStaffTOTPRequired(r.Context(), *u, r.PostFormValue("staff_totp") == "on"); err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/securite", "success", "security.saved")
}

// outboxView lists the emails of the outbox, newest first.
type outboxView struct {
	Page
	Messages   []mail.OutboxMessage
	Total      int
	PageNum    int
	PrevPage   int
	NextPage   int
	SMTPActive bool
}

const outboxPageSize = 50

func (s *Server) showOutbox(w http.ResponseWriter, r *http.Request) error {
	v := &outboxView{Page: s.newPage(r, "outbox.title"), SMTPActive: s.Mailer.Enabled()}
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	v.PageNum = n
	if v.Messages, v.Total, err = s.Mailer.List(r.Context(), outboxPageSize, (n-1)*outboxPageSize); err != nil {
		return err
	}
	if n > 1 {
		v.PrevPage = n - 1
	}
	if n*outboxPageSize < v.Total {
		v.NextPage = n + 1
	}
	return s.render(w, r, http.StatusOK, "outbox", v)
}

// outboxMessageView shows one email.
type outboxMessageView struct {
	Page
	Message mail.OutboxMessage
}

func (s *Server) showOutboxMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	v := &outboxMessageView{Page: s.newPage(r, "outbox.message_title")}
	if v.Message, err = s.Mailer.Get(r.Context(), id); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "outbox_message", v)
}
