package web

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
)

//go:embed templates
var templatesFS embed.FS

// templates holds one parsed set per page: the layout, the partials and
// the page's own file.
type templates struct{ sets map[string]*template.Template }

func parseTemplates(a *assets, cat i18n.Catalogs) (*templates, error) {
	icons := loadIcons(a)
	funcs := template.FuncMap{
		"asset": a.URL,
		"icon":  func(name string) template.HTML { return icons[name] },
		"date":  func(l *i18n.Localizer, t time.Time) string { return l.Date(t) },
		// day writes a YYYY-MM-DD date the reader's way.
		"day": dayText,
		"mbps": func(l *i18n.Localizer, v *float64) string {
			if v == nil {
				return "—"
			}
			return l.Decimal(*v)
		},
		"operators":     func() []string { return places.Operators },
		"radii":         func() []string { return []string{"10", "20", "30", "50", "100"} },
		"importFormats": func() []string { return []string{"standard", "cget2019"} },
		"int":           func(f float64) int { return int(math.Round(f)) },
		"number":        func(l *i18n.Localizer, n int) string { return l.Number(int64(n)) },
		"km": func(l *i18n.Localizer, f float64) string {
			if f < 10 {
				return l.Decimal(math.Round(f*10) / 10)
			}
			return l.Decimal(math.Round(f))
		},
		"placeKinds":      func() []string { return strs(places.Kinds) },
		"placeStatuses":   func() []string { return strs(places.Statuses) },
		"audiences":       func() []string { return strs(places.Audiences) },
		"services":        func() []string { return places.Services },
		"equipments":      func() []string { return places.Equipment },
		"connectionKinds": func() []string { return places.ConnectionKinds },
		"receptions":      func() []string { return places.Receptions },
		"carrierKinds":    func() []string { return strs(places.CarrierKinds) },
		"spaceKinds":      func() []string { return strs(places.SpaceKinds) },
		"datetime":        func(l *i18n.Localizer, t time.Time) string { return l.DateTime(t) },
	}
	pages, err := fs.Glob(templatesFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{sets: map[string]*template.Template{}}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		set, err := template.New("layout.html").Funcs(funcs).ParseFS(templatesFS, "templates/layout.html", "templates/partials.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		t.sets[name] = set
	}
	return t, nil
}

// loadIcons prepares the inline SVG icons (from npm's lucide-static, copied
// by the asset build): decorative, hidden from assistive technologies, the
// text beside them says what they mean. Missing icons render as nothing.
func loadIcons(a *assets) map[string]template.HTML {
	icons := map[string]template.HTML{}
	for name := range a.hashed {
		base, ok := strings.CutPrefix(name, "vendor/icons/")
		if !ok || !strings.HasSuffix(base, ".svg") {
			continue
		}
		b, _ := a.content(name)
		svg := string(b)
		if i := strings.Index(svg, "<svg"); i >= 0 {
			svg = svg[i:] // drop the licence comment; the licence is in docs/
		}
		svg = strings.Replace(svg, `class="lucide`, `aria-hidden="true" focusable="false" class="icon lucide`, 1)
		icons[strings.TrimSuffix(base, ".svg")] = template.HTML(strings.Join(strings.Fields(svg), " ")) // our own embedded file
	}
	return icons
}

// strs turns a list of typed codes into strings, for the templates.
func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// Page is what every page's view model starts with.
type Page struct {
	Title     string
	Lang      string
	L         *i18n.Localizer
	User      *accounts.User
	Flash     *flash
	Path      string
	ReturnTo  string // path and query, for the language switch to come back to
	Nav       []navItem
	Assets    *assets
	Form      map[string]string // submitted values, kept when a form is refused
	Errors    map[string]string // field → message key
	ErrorArgs map[string][]any  // field → the arguments of its message
	ErrorList []fieldError      // the same, in the form's order, for the summary
	Alert     string            // a message key about the whole form
	// Template is the page's template name, set by render.
	Template string
	// Styles and Scripts are extra static files of the page (plain names;
	// missing vendor files are left out).
	Styles, Scripts []string
}

func (p *Page) page() *Page { return p }

// T translates a message key.
func (p *Page) T(key string, args ...any) string { return p.L.T(key, args...) }

// OtherLang is the language the switch offers.
func (p *Page) OtherLang() string {
	if p.Lang == "fr" {
		return "en"
	}
	return "fr"
}

type viewer interface{ page() *Page }

type navItem struct {
	Href, Label, Icon string
	Current           bool
}

type fieldError struct{ Field, Message string }

// field is what the "field" partial renders: a label, an input, its hint
// and its error, tied together for assistive technologies.
type field struct {
	Name, Label, Type, Value, Autocomplete, Hint, Error string
	Required                                            bool
}

// Field describes an input of the page's form.
func (p *Page) Field(name, labelKey, typ, autocomplete string, required bool) field {
	f := field{Name: name, Label: p.T(labelKey), Type: typ, Autocomplete: autocomplete, Required: required, Value: p.Form[name]}
	if p.L.Has(labelKey + ".hint") {
		f.Hint = p.T(labelKey + ".hint")
	}
	if k, ok := p.Errors[name]; ok {
		f.Error = translate(p.L, k, p.ErrorArgs[name]...)
	}
	if typ == "password" {
		f.Value = "" // never sent back
	}
	return f
}

// option is a choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// selectField is what the "select" partial renders.
type selectField struct {
	field
	Options []option
	Blank   string // the label of the empty first choice, if any
}

// Select describes a select among codes, each labelled by the catalog key
// prefix+code; optional selects start with an empty choice.
func (p *Page) Select(name, labelKey string, required bool, prefix string, codes []string) selectField {
	f := selectField{field: p.Field(name, labelKey, "select", "", required)}
	if !required {
		f.Blank = p.T("form.not_specified")
	}
	for _, c := range codes {
		f.Options = append(f.Options, option{Value: c, Label: p.T(prefix + c), Selected: c == f.Value})
	}
	return f
}

// FilterSelect is a select of a search form, whose empty choice is "any".
func (p *Page) FilterSelect(name, labelKey, prefix string, codes []string) selectField {
	f := p.Select(name, labelKey, false, prefix, codes)
	f.Blank = p.T("form.any")
	return f
}

// newPage starts the view model of a request.
func (s *Server) newPage(r *http.Request, titleKey string) Page {
	st := stateOf(r)
	p := Page{Lang: st.lang, L: st.loc, User: st.user, Flash: st.flash, Path: r.URL.Path, ReturnTo: r.URL.RequestURI(), Assets: s.assets, Form: map[string]string{}}
	p.Title = p.T(titleKey)
	p.Nav = s.nav(st, r.URL.Path)
	return p
}

// nav is the navigation of the signed-in role.
func (s *Server) nav(st *state, current string) []navItem {
	items := []navItem{{Href: "/", Label: "nav.home", Icon: "house"}, {Href: "/lieux", Label: "nav.places", Icon: "map-pin"},
		{Href: "/enquetes", Label: "nav.surveys_public", Icon: "clipboard-list"}, {Href: "/appels", Label: "nav.calls_public", Icon: "megaphone"}}
	if u := st.user; u != nil {
		if slices.Contains(Hosts.Roles, u.Role) {
			items = append(items, navItem{Href: "/accueil", Label: "host.nav", Icon: "clock"})
		}
		if u.Role == accounts.Coordinator || u.Role == accounts.Manager {
			items = append(items, navItem{Href: "/gestion/lieux", Label: "nav.manage_places", Icon: "building-2"})
			items = append(items, navItem{Href: "/gestion/enquetes", Label: "nav.surveys", Icon: "chart-column"})
		}
		if u.Role == accounts.Coordinator || u.Role == accounts.Official {
			items = append(items, navItem{Href: "/rapports", Label: "nav.reports", Icon: "file-text"})
		}
		if u.Role.CanInvite(accounts.Member) {
			items = append(items, navItem{Href: "/admin/invitations", Label: "nav.invitations", Icon: "mail"})
		}
		if u.Role == accounts.Coordinator {
			items = append(items,
				navItem{Href: "/gestion/appels", Label: "nav.calls", Icon: "landmark"},
				navItem{Href: "/admin/utilisateurs", Label: "nav.users", Icon: "users"},
				navItem{Href: "/admin/outbox", Label: "nav.outbox", Icon: "inbox"},
				navItem{Href: "/admin/securite", Label: "nav.security", Icon: "shield-check"})
		}
		items = append(items, navItem{Href: "/reservations", Label: "bookpage.nav", Icon: "calendar"},
			navItem{Href: "/compte", Label: "nav.account", Icon: "user"})
	}
	for i := range items {
		items[i].Label = st.loc.T(items[i].Label)
		items[i].Current = items[i].Href == current || (items[i].Href != "/" && strings.HasPrefix(current, items[i].Href+"/"))
	}
	return items
}

// setProblems shows the problems of an EInvalid error on the page, in the
// order of the form's fields.
func (p *Page) setProblems(e *coop.Error, order ...string) {
	p.Errors, p.ErrorArgs = e.Fields, e.FieldArgs
	keys := slices.Collect(func(yield func(string) bool) {
		for k := range e.Fields {
			if !yield(k) {
				return
			}
		}
	})
	slices.SortFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia < 0 {
			ia = len(order)
		}
		if ib < 0 {
			ib = len(order)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		p.ErrorList = append(p.ErrorList, fieldError{Field: k, Message: translate(p.L, e.Fields[k], e.FieldArgs[k]...)})
	}
	if len(e.Fields) == 0 && e.Message != "" {
		p.Alert = e.Message
	}
}

// render writes a page with a status, rendered into a buffer first so a
// template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v viewer) error {
	set, ok := s.pages.sets[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	v.page().Template = name
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// invalid re-renders a refused form with its problems (422), keeping the
// values; other errors go to the funnel.
func (s *Server) invalid(w http.ResponseWriter, r *http.Request, err error, name string, v viewer, order ...string) error {
	e := coop.AsError(err)
	if e == nil || e.Code != coop.EInvalid {
		return err
	}
	v.page().setProblems(e, order...)
	return s.render(w, r, http.StatusUnprocessableEntity, name, v)
}

// redirect answers 303 to a local path with a flash message.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, kind, key string) error {
	if key != "" {
		s.setFlash(w, kind, key)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// flash is a one-time message shown on the next page: a catalog key and
// whole-number arguments (counts), nothing a forged cookie could abuse.
type flash struct {
	Kind, Message string
	Args          []any
}

const flashCookie = "coop_flash"

func (s *Server) setFlash(w http.ResponseWriter, kind, key string, args ...int) {
	parts := []string{kind, key}
	for _, a := range args {
		parts = append(parts, strconv.Itoa(a))
	}
	v := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "|")))
	http.SetCookie(w, s.cookies.cookie(flashCookie, v, 60))
}

// takeFlash reads and clears the flash. Only catalog keys are honoured, so
// a forged cookie can show nothing but our own messages.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, s.cookies.cookie(flashCookie, "", -1))
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	parts := strings.Split(string(b), "|")
	if len(parts) < 2 || !s.Catalogs.Has(parts[1]) || (parts[0] != "success" && parts[0] != "info" && parts[0] != "error") {
		return nil
	}
	f := &flash{Kind: parts[0], Message: parts[1]}
	for _, p := range parts[2:] {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		f.Args = append(f.Args, n)
	}
	return f
}

// FlashText is the flash message in the page's language.
func (p *Page) FlashText() string { return p.T(p.Flash.Message, p.Flash.Args...) }

// translate translates key with args, translating first the arguments
// that are messages themselves.
func translate(l *i18n.Localizer, key string, args ...any) string {
	for i, a := range args {
		if m, ok := a.(coop.Msg); ok {
			args = slices.Clone(args)
			args[i] = translate(l, m.Key, m.Args...)
		}
	}
	return l.T(key, args...)
}

// statusOf maps an error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case coop.EInvalid:
		return http.StatusUnprocessableEntity
	case coop.ENotFound:
		return http.StatusNotFound
	case coop.EConflict, coop.EPrecondition:
		return http.StatusConflict
	case coop.EUnauthorized, coop.ETwoFactor:
		return http.StatusUnauthorized
	case coop.EForbidden:
		return http.StatusForbidden
	case coop.ERateLimited:
		return http.StatusTooManyRequests
	case coop.EGone:
		return http.StatusGone
	case coop.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail is the one funnel from errors to responses: JSON for the API, a
// page otherwise. Internal errors are logged here, once, and never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	st := stateOf(r)
	e := coop.AsError(err)
	if e == nil {
		s.Log.Error("internal error", "route", r.Pattern, "err", err)
		e = coop.Errorf(coop.EInternal, "error.internal")
	}
	status := statusOf(e.Code)
	if e.Code == coop.ERateLimited {
		w.Header().Set("Retry-After", fmt.Sprint(int(e.RetryAfter.Seconds())+1))
	}
	if st.api {
		if e.Code == coop.EUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="coopconnect"`)
		}
		s.writeAPIError(w, status, e, st)
		return
	}
	switch {
	case e.Code == coop.EUnauthorized:
		to := "/connexion"
		if r.Method == http.MethodGet {
			to += "?retour=" + url.QueryEscape(r.URL.RequestURI())
		}
		_ = s.redirect(w, r, to, "info", "auth.sign_in_required")
		return
	case e == errMustSetUpTOTP:
		_ = s.redirect(w, r, "/compte/double-authentification", "info", "totp.setup_required")
		return
	}
	s.renderError(w, r, status, e)
}

// errorView is the view of the error pages.
type errorView struct {
	Page
	Status  int
	Message string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, e *coop.Error) {
	titles := map[int]string{403: "error.403.title", 404: "error.404.title", 410: "error.410.title", 429: "error.429.title", 500: "error.500.title"}
	title, ok := titles[status]
	if !ok {
		title = "error.generic.title"
		if status >= 500 {
			title = "error.500.title"
		}
	}
	v := &errorView{Page: s.newPage(r, title), Status: status, Message: e.Message}
	if err := s.render(w, r, status, "error", v); err != nil {
		s.Log.Error("render error page", "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}

// apiError is the body of every API error.
type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (s *Server) writeAPIError(w http.ResponseWriter, status int, e *coop.Error, st *state) {
	l := st.loc
	if l == nil {
		l = s.Catalogs.For(i18n.Default)
	}
	msg := e.Message
	if e.Code == coop.EUnauthorized {
		msg = "api.token_required"
		if st.badToken {
			msg = "api.token_invalid"
		}
	}
	body := apiError{Code: e.Code, Message: translate(l, msg, e.Args...)}
	if e.Reason != "" {
		body.Code = e.Reason
	}
	if len(e.Fields) > 0 {
		body.Fields = map[string]string{}
		for k, v := range e.Fields {
			body.Fields[k] = translate(l, v, e.FieldArgs[k]...)
		}
	}
	_ = writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// dayText writes a YYYY-MM-DD date the reader's way.
func dayText(l *i18n.Localizer, s string) string {
	d, err := time.ParseInLocation(time.DateOnly, s, i18n.Paris)
	if err != nil {
		return s
	}
	return l.Date(d)
}
