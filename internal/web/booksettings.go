package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

// The managers' booking settings of a place: its rules and each space's,
// the audience windows and the blocked days.

// bookSettingsView is the booking settings page of a place.
type bookSettingsView struct {
	Page
	Slug, PlaceName string
	// Scope is the form whose problems the page shows: "rules" (the
	// place's), a space's public id, "window" or "blocked".
	Scope      string
	PlaceRules booksetRules
	Spaces     []booksetRules
	Windows    []hostWindow
	Blocked    []booksetBlocked
	// The fields of the add forms.
	WindowAudience, WindowSpace, BlockedSpace selectField
	Days                                      []booksetDay
	DaysError                                 string
}

// booksetRules is the rules form of the place or of one space.
type booksetRules struct {
	Scope     string // "rules" or the space's public id
	Space     string // the space's public id, "" for the place
	SpaceName string
	Summary   string // the space's kind and capacity
	Action    string
	SaveLabel string
	Unit      booksetSelect // a space's booking unit
	Fields    []booksetField
	Approval  booksetSelect
}

type booksetSelect struct {
	Field   booksetField
	Options []option
}

// booksetField is an input of a rules form; its id carries the form's scope,
// since the same names appear in several forms of the page.
type booksetField struct {
	ID, Name, Label, Hint, Value, Error string
	Min, Max                            int
}

type booksetBlocked struct {
	Day, DayText, Where, Reason string
	SpacePublicID               string
}

type booksetDay struct {
	ID, Value, Label string
	Checked          bool
}

// The rules' fields, in the form's order, with their bounds (as
// booking.RuleInput.Validate checks them).
var booksetRuleNames = []struct {
	name     string
	min, max int
}{
	{"window_days", 1, 730}, {"notice_minutes", 0, 43200}, {"min_minutes", 0, 1440}, {"max_minutes", 0, 1440},
	{"max_active", 0, 1000}, {"cancel_minutes", 0, 43200}, {"hold_minutes", 5, 10080},
}

var booksetRuleFields = []string{"unit", "window_days", "notice_minutes", "min_minutes", "max_minutes", "max_active", "cancel_minutes", "approval", "hold_minutes"}

func booksetRuleInput(r *http.Request) booking.RuleInput {
	f := r.PostFormValue
	return booking.RuleInput{WindowDays: f("window_days"), NoticeMinutes: f("notice_minutes"), MinMinutes: f("min_minutes"),
		MaxMinutes: f("max_minutes"), MaxActive: f("max_active"), CancelMinutes: f("cancel_minutes"), HoldMinutes: f("hold_minutes"),
		Approval: f("approval")}
}

// booksetInherited writes a rule's value as the hint shows it.
func booksetInherited(l *i18n.Localizer, name string, r booking.Rules) string {
	switch name {
	case "window_days":
		return l.T("duration.days", r.WindowDays)
	case "notice_minutes":
		if r.NoticeMinutes == 0 {
			return l.T("bookset.value.no_notice")
		}
		return durationText(l, r.NoticeMinutes)
	case "min_minutes":
		if r.MinMinutes == 0 {
			return l.T("bookset.value.one_unit")
		}
		return durationText(l, r.MinMinutes)
	case "max_minutes":
		if r.MaxMinutes == 0 {
			return l.T("bookset.value.no_limit")
		}
		return durationText(l, r.MaxMinutes)
	case "max_active":
		if r.MaxActive == 0 {
			return l.T("bookset.value.no_limit")
		}
		return strconv.Itoa(r.MaxActive)
	case "cancel_minutes":
		if r.CancelMinutes == 0 {
			return l.T("bookset.value.until_start")
		}
		return durationText(l, r.CancelMinutes)
	case "hold_minutes":
		return durationText(l, r.HoldMinutes)
	case "approval":
		return l.T(map[bool]string{true: "bookset.value.yes", false: "bookset.value.no"}[r.Approval])
	}
	return ""
}

// newRulesForm prepares the rules form of the place (space nil) or of a
// space, showing in each hint what an empty field inherits.
func (v *bookSettingsView) newRulesForm(setup *booking.Setup, sp *booking.Space, in booking.RuleInput, unit string) booksetRules {
	l := v.L
	f := booksetRules{Scope: "rules", Action: "/gestion/lieux/" + setup.Slug + "/reservations/regles", SaveLabel: l.T("bookset.save_place_rules")}
	prefix, inherited, hintKey := "", booking.DefaultRules, "bookset.hint_default"
	if sp != nil {
		f.Scope, f.Space, f.SpaceName = sp.PublicID, sp.PublicID, sp.Name
		f.SaveLabel = l.T("bookset.save_space_rules", sp.Name)
		f.Summary = l.T("bookset.space_summary", l.T("space.kind."+sp.Kind), l.T("space.capacity."+sp.Kind, sp.Capacity))
		prefix, inherited, hintKey = sp.PublicID+"-", setup.Rules, "bookset.hint_place"
	}
	shown := f.Scope == v.Scope
	errorOf := func(name string) string {
		if !shown {
			return ""
		}
		if k, ok := v.Errors[name]; ok {
			return translate(l, k, v.ErrorArgs[name]...)
		}
		return ""
	}
	values := map[string]string{"window_days": in.WindowDays, "notice_minutes": in.NoticeMinutes, "min_minutes": in.MinMinutes,
		"max_minutes": in.MaxMinutes, "max_active": in.MaxActive, "cancel_minutes": in.CancelMinutes, "hold_minutes": in.HoldMinutes}
	for _, rf := range booksetRuleNames {
		f.Fields = append(f.Fields, booksetField{ID: "f-" + prefix + rf.name, Name: rf.name, Label: l.T("bookset.field." + rf.name),
			Hint: l.T(hintKey, booksetInherited(l, rf.name, inherited)), Value: values[rf.name], Error: errorOf(rf.name), Min: rf.min, Max: rf.max})
	}
	f.Approval.Field = booksetField{ID: "f-" + prefix + "approval", Name: "approval", Label: l.T("bookset.field.approval"),
		Hint: l.T(hintKey, booksetInherited(l, "approval", inherited)), Value: in.Approval, Error: errorOf("approval")}
	inherit := "bookset.approval.inherit_default"
	if sp != nil {
		inherit = "bookset.approval.inherit_place"
	}
	for _, c := range []struct{ value, key string }{{"", inherit}, {"yes", "bookset.approval.yes"}, {"no", "bookset.approval.no"}} {
		f.Approval.Options = append(f.Approval.Options, option{Value: c.value, Label: l.T(c.key), Selected: c.value == in.Approval})
	}
	if sp != nil {
		f.Unit.Field = booksetField{ID: "f-" + prefix + "unit", Name: "unit", Label: l.T("bookset.field.unit"), Hint: l.T("bookset.field.unit.hint"),
			Value: unit, Error: errorOf("unit")}
		for _, u := range booking.Units {
			f.Unit.Options = append(f.Unit.Options, option{Value: string(u), Label: l.T("bookset.unit." + string(u)), Selected: string(u) == unit})
		}
	}
	return f
}

// bookSettings builds the settings page of a place the viewer may edit
// (EForbidden, ENotFound otherwise). refused, when set, is the form
// sent back: its values come from the request and its problems show.
func (s *Server) bookSettings(r *http.Request, scope string, refused *coop.Error) (*bookSettingsView, error) {
	slug := r.PathValue("slug")
	setup, err := s.Booking.Settings(r.Context(), *stateOf(r).user, slug)
	if err != nil {
		return nil, err
	}
	v := &bookSettingsView{Page: s.newPage(r, "bookset.title"), Slug: setup.Slug, PlaceName: setup.Name, Scope: scope}
	v.Title = v.T("bookset.title_named", setup.Name)
	l := v.L
	if refused != nil {
		v.setProblems(refused, slices.Concat(booksetRuleFields, booksetWindowFields, booksetBlockedFields)...)
		if scope != "rules" && scope != "window" && scope != "blocked" {
			// A space's form: its fields' ids carry the space's id.
			for i := range v.ErrorList {
				v.ErrorList[i].Field = scope + "-" + v.ErrorList[i].Field
			}
		}
	}
	placeIn := setup.PlaceSet.Input()
	if refused != nil && scope == "rules" {
		placeIn = booksetRuleInput(r)
	}
	v.PlaceRules = v.newRulesForm(setup, nil, placeIn, "")
	spaceNames := map[int64]string{}
	spaceIDs := map[int64]string{}
	for i := range setup.Spaces {
		sp := &setup.Spaces[i]
		spaceNames[sp.ID], spaceIDs[sp.ID] = sp.Name, sp.PublicID
		in, unit := setup.SpaceSets[sp.ID].Input(), string(sp.Unit)
		if refused != nil && scope == sp.PublicID {
			in, unit = booksetRuleInput(r), r.PostFormValue("unit")
		}
		v.Spaces = append(v.Spaces, v.newRulesForm(setup, sp, in, unit))
	}
	for _, w := range setup.Windows {
		row := hostWindowRow(l, w, spaceNames)
		row.SpacePublicID = spaceIDs[w.SpaceID]
		v.Windows = append(v.Windows, row)
	}
	for _, b := range setup.Blocked {
		row := booksetBlocked{Day: b.Day, DayText: b.Day, Where: l.T("host.whole_place"), Reason: b.Reason, SpacePublicID: spaceIDs[b.SpaceID]}
		if d, ok := parseDay(b.Day); ok {
			row.DayText = l.Date(d)
		}
		if b.SpaceID != 0 {
			row.Where = spaceNames[b.SpaceID]
		}
		v.Blocked = append(v.Blocked, row)
	}
	// An add form keeps what was typed when it was the one sent.
	if refused != nil && scope == "window" {
		v.keep(r, booksetWindowFields...)
	}
	if refused != nil && scope == "blocked" {
		v.keep(r, booksetBlockedFields...)
	}
	spaceOptions := func(name, labelKey string) selectField {
		f := selectField{field: v.Field(name, labelKey, "select", "", false)}
		f.Options = append(f.Options, option{Value: "", Label: l.T("host.whole_place"), Selected: f.Value == ""})
		for _, sp := range setup.Spaces {
			f.Options = append(f.Options, option{Value: sp.PublicID, Label: sp.Name, Selected: f.Value == sp.PublicID})
		}
		return f
	}
	v.WindowAudience = v.Select("window_audience", "bookset.field.window_audience", true, "audience.", strs(booking.Audiences))
	v.WindowSpace = spaceOptions("window_space", "bookset.field.window_space")
	v.BlockedSpace = spaceOptions("blocked_space", "bookset.field.blocked_space")
	checked := map[string]bool{}
	if refused != nil && scope == "window" {
		for _, d := range r.PostForm["days"] {
			checked[d] = true
		}
		if k, ok := v.Errors["days"]; ok {
			v.DaysError = translate(l, k)
		}
	}
	for i, name := range []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"} {
		value := strconv.Itoa(i + 1)
		id := "f-days"
		if i > 0 {
			id += "-" + value
		}
		v.Days = append(v.Days, booksetDay{ID: id, Value: value, Label: l.T("weekday." + name), Checked: checked[value]})
	}
	return v, nil
}

var (
	booksetWindowFields  = []string{"window_audience", "days", "window_start", "window_end", "window_label", "window_space"}
	booksetBlockedFields = []string{"day", "reason", "blocked_space"}
)

func booksetHref(slug, anchor string) string {
	return "/gestion/lieux/" + url.PathEscape(slug) + "/reservations#" + anchor
}

func (s *Server) showBookingSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.bookSettings(r, "", nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "booking_settings", v)
}

// refuseSettings re-renders the settings page with the problems of the
// form of scope (422), or hands other errors to the funnel.
func (s *Server) refuseSettings(w http.ResponseWriter, r *http.Request, err error, scope string) error {
	e := coop.AsError(err)
	if e == nil || e.Code != coop.EInvalid {
		return err
	}
	if _, tampered := e.Fields["space"]; tampered {
		// Only a forged form names a space the place does not have.
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	v, verr := s.bookSettings(r, scope, e)
	if verr != nil {
		return verr
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "booking_settings", v)
}

func (s *Server) saveBookingRules(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	space := r.PostFormValue("space")
	err := s.Booking.SaveRules(r.Context(), *stateOf(r).user, slug, space, booksetRuleInput(r), r.PostFormValue("unit"))
	scope, anchor := "rules", "regles"
	if space != "" {
		scope, anchor = space, "espace-"+space
	}
	if err != nil {
		return s.refuseSettings(w, r, err, scope)
	}
	return s.redirect(w, r, booksetHref(slug, anchor), "success", "bookset.rules_saved")
}

func (s *Server) addBookingWindow(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	f := r.PostFormValue
	in := booking.WindowInput{Space: f("window_space"), Audience: f("window_audience"), Days: r.PostForm["days"],
		Start: f("window_start"), End: f("window_end"), Label: f("window_label")}
	if _, err := s.Booking.AddWindow(r.Context(), *stateOf(r).user, slug, in); err != nil {
		return s.refuseSettings(w, r, err, "window")
	}
	return s.redirect(w, r, booksetHref(slug, "fenetres"), "success", "bookset.window_added")
}

func (s *Server) deleteBookingWindow(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if err := s.Booking.DeleteWindow(r.Context(), *stateOf(r).user, slug, r.PathValue("id")); err != nil {
		return err
	}
	return s.redirect(w, r, booksetHref(slug, "fenetres"), "success", "bookset.window_deleted")
}

func (s *Server) addBlockedDay(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	f := r.PostFormValue
	in := booking.BlockedInput{Space: f("blocked_space"), Day: f("day"), Reason: f("reason")}
	if err := s.Booking.Block(r.Context(), *stateOf(r).user, slug, in); err != nil {
		return s.refuseSettings(w, r, err, "blocked")
	}
	return s.redirect(w, r, booksetHref(slug, "fermetures"), "success", "bookset.blocked_added")
}

func (s *Server) deleteBlockedDay(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	day := strings.TrimSpace(r.PostFormValue("day"))
	if _, ok := parseDay(day); !ok {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	if err := s.Booking.Unblock(r.Context(), *stateOf(r).user, slug, r.PostFormValue("space"), day); err != nil {
		return err
	}
	return s.redirect(w, r, booksetHref(slug, "fermetures"), "success", "bookset.blocked_deleted")
}
