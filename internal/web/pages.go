package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

func (s *Server) showHome(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "home.title")
	return s.render(w, r, http.StatusOK, "home", &p)
}

func (s *Server) showAccessibility(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "a11y.title")
	return s.render(w, r, http.StatusOK, "accessibility", &p)
}

func (s *Server) showLegal(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "legal.title")
	return s.render(w, r, http.StatusOK, "legal", &p)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return coop.Errorf(coop.ENotFound, "error.404.message")
}

// setLanguage remembers the chosen language for a year and, for a
// signed-in person, on the account (for emails), then goes back.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	lang := r.PostFormValue("lang")
	if !i18n.Supported(lang) {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	c := s.cookies.cookie("lang", lang, 365*24*3600)
	http.SetCookie(w, c)
	if u := stateOf(r).user; u != nil {
		if err := s.Accounts.SetLocale(r.Context(), u.ID, lang); err != nil {
			return err
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("retour")), http.StatusSeeOther)
	return nil
}

// localPath keeps a return address only when it is a path of this site.
// Browsers drop control characters and read "\\" as "/", so "/\t/evil"
// would leave the site: any of them refuses the address.
func localPath(p string) string {
	bad := strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	if bad || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	return p
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}

// readyz says whether the server can serve: the database answers and its
// schema is the one this binary expects.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	body := map[string]string{"status": "ready", "version": s.Version, "database": string(s.DB.Engine)}
	status := http.StatusOK
	if err := s.DB.Ping(ctx); err != nil {
		body["status"], status = "database unreachable", http.StatusServiceUnavailable
	} else if pending, err := s.DB.Pending(ctx); err != nil || pending > 0 {
		body["status"], status = "migrations pending", http.StatusServiceUnavailable
	}
	return writeJSON(w, status, body)
}
