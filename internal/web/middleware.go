package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

// middleware composes, outermost first: request log and recovery, security
// headers, the request's state (language, session, flash), then
// cross-origin protection (CSRF).
func (s *Server) middleware(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, coop.Errorf(coop.EForbidden, "error.cross_origin"))
	}))
	h = cop.Handler(h)
	h = s.loadState(h) // before, so a refusal is answered in the right language
	h = s.secureHeaders(h)
	return s.logRequests(h)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line a request. It logs the route's pattern, not
// the path: paths may carry secrets (reset and invitation links).
func (s *Server) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID()
		route := new(string) // filled by the route's guard, deeper down
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, route))
		sw := &statusWriter{ResponseWriter: w}
		sw.Header().Set("X-Request-Id", id)
		defer func() {
			if p := recover(); p != nil {
				s.Log.Error("panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.renderError(sw, r, http.StatusInternalServerError, coop.Errorf(coop.EInternal, "error.internal"))
				}
			}
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			pattern := *route
			if pattern == "" {
				pattern = "(none)"
			}
			s.Log.Log(r.Context(), level, "request", "request_id", id, "method", r.Method, "route", pattern,
				"status", sw.status, "bytes", sw.bytes, "duration_ms", time.Since(start).Milliseconds())
		}()
		h.ServeHTTP(sw, r)
	})
}

// routeKey holds, in a request's context, where its guard writes the
// pattern of the route it matched, for the access log.
type routeKey struct{}

func requestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// contentSecurityPolicy forbids inline scripts and styles and every origin
// but ours, and the map's tile server for images.
func contentSecurityPolicy(tiles string) string {
	img := "'self' data:"
	if tiles != "" {
		u, err := url.Parse(strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0", "{r}", "").Replace(tiles))
		if err == nil && u.Host != "" {
			host := u.Host
			if strings.Contains(tiles, "{s}.") {
				host = "*." + strings.SplitN(host, ".", 2)[1]
			}
			img += " " + u.Scheme + "://" + host
		}
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img + "; font-src 'self'; connect-src 'self'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
}

func (s *Server) secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", s.csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()")
		if r.TLS != nil || s.cookies.https {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		h.ServeHTTP(w, r)
	})
}

// loadState finds the client's address, the signed-in account, the
// language and the flash message of a request.
func (s *Server) loadState(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{ip: s.clientIP(r)}
		if c, err := r.Cookie(s.cookies.session); err == nil && c.Value != "" {
			sess, u, err := s.Accounts.SessionUser(r.Context(), c.Value)
			switch {
			case err == nil && !sess.PendingSecondFactor:
				st.user, st.session, st.token = &u, &sess, c.Value
			case err == nil:
				st.session, st.token = &sess, c.Value // waiting for its code
			case coop.ErrorCode(err) == coop.ENotFound:
				http.SetCookie(w, s.cookies.cookie(s.cookies.session, "", -1))
			default:
				s.Log.Error("session lookup", "err", err)
			}
		}
		st.lang = s.chooseLanguage(r, st)
		st.loc = s.Catalogs.For(st.lang)
		st.flash = s.takeFlash(w, r)
		w.Header().Add("Vary", "Accept-Language, Cookie")
		h.ServeHTTP(w, r.WithContext(withState(r.Context(), st)))
	})
}

// chooseLanguage: the language cookie (set by the switch), then the
// account's language, then Accept-Language, then French.
func (s *Server) chooseLanguage(r *http.Request, st *state) string {
	if c, err := r.Cookie("lang"); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	if st.user != nil && i18n.Supported(st.user.Locale) {
		return st.user.Locale
	}
	return i18n.Match(r.Header.Get("Accept-Language"))
}

func (s *Server) clientIP(r *http.Request) string {
	if s.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
