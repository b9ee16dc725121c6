package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/survey"
)

// The back-office of survey campaigns: the list, the campaign form, the
// campaign's page with its territory and versions, the distribution kit,
// and the territories of officials. The survey service checks that the
// caller may manage the campaign; a campaign they may not is not found.

// adminSurvey loads the campaign of the path that the caller may manage;
// any other answers 404, as if it did not exist.
func (s *Server) adminSurvey(r *http.Request) (survey.Survey, error) {
	sv, err := s.Surveys.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return sv, err
	}
	ok, err := s.Surveys.CanManage(r.Context(), *stateOf(r).user, sv)
	if err != nil {
		return sv, err
	}
	if !ok {
		return sv, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	return sv, nil
}

// surveyToday is today on the Paris calendar, YYYY-MM-DD.
func (s *Server) surveyToday() string { return survey.Paris(s.Clock.Now()) }

// adminSurveyRow is a campaign in the back-office list.
type adminSurveyRow struct {
	survey.Survey
	State     survey.State
	Territory string
}

// adminSurveysView lists the campaigns the caller may see.
type adminSurveysView struct {
	Page
	Surveys []adminSurveyRow
}

func (s *Server) showAdminSurveys(w http.ResponseWriter, r *http.Request) error {
	v := &adminSurveysView{Page: s.newPage(r, "survey.admin.list_title")}
	list, err := s.Surveys.VisibleWithAreas(r.Context(), *stateOf(r).user)
	if err != nil {
		return err
	}
	today := s.surveyToday()
	for _, sv := range list {
		v.Surveys = append(v.Surveys, adminSurveyRow{Survey: sv, State: sv.StateAt(today), Territory: areasSummary(&v.Page, sv.Areas)})
	}
	return s.render(w, r, http.StatusOK, "survey_manage_list", v)
}

// areasSummary names a campaign's areas, the first few and how many more.
func areasSummary(p *Page, areas []survey.Area) string {
	const shown = 3
	names := make([]string, 0, shown)
	for i, a := range areas {
		if i == shown {
			break
		}
		names = append(names, a.Name)
	}
	text := strings.Join(names, ", ")
	if len(areas) > shown {
		return p.T("survey.admin.areas_more", text, len(areas)-shown)
	}
	return text
}

// adminSurveyView is the campaign form, alone for a new campaign or on the
// campaign's page with its territory and versions.
type adminSurveyView struct {
	Page
	Survey   *survey.Survey // nil for a new campaign
	Carriers []survey.CarrierChoice
	// Manager: the caller is a manager, who must choose one of their
	// carriers (and cannot move an existing campaign to another).
	Manager  bool
	State    survey.State
	Groups   []adminCommuneGroup
	Versions []adminVersionRow
	// PublicURL is the address of the answer form.
	PublicURL string
}

// adminCommuneGroup is the communes of the territory in one EPCI.
type adminCommuneGroup struct {
	SIREN, Name string
	Communes    []survey.SurveyCommune
}

// Names lists the group's communes by name.
func (g adminCommuneGroup) Names() string {
	names := make([]string, len(g.Communes))
	for i, c := range g.Communes {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// adminVersionRow is one version of the questionnaire.
type adminVersionRow struct {
	Number    int
	CreatedAt time.Time
	Responses int
	Questions int
	Current   bool
}

// EPCICount is the number of EPCI the territory's communes belong to.
func (v *adminSurveyView) EPCICount() int {
	n := 0
	for _, g := range v.Groups {
		if g.SIREN != "" {
			n++
		}
	}
	return n
}

// CarrierName names the campaign's carrier, or the network's.
func (v *adminSurveyView) CarrierName() string {
	if v.Survey == nil || v.Survey.CarrierID == 0 {
		return v.T("survey.admin.network")
	}
	return v.Survey.CarrierName
}

// CarrierOptions are the choices of the carrier select.
func (v *adminSurveyView) CarrierOptions() []option {
	var out []option
	for _, c := range v.Carriers {
		label := c.Name
		if c.EPCIName != "" {
			label = v.T("survey.admin.carrier_option", c.Name, c.EPCIName, c.EPCI)
		}
		id := strconv.FormatInt(c.ID, 10)
		out = append(out, option{Value: id, Label: label, Selected: id == v.Form["carrier"]})
	}
	return out
}

var surveyFormFields = []string{"title", "intro", "privacy", "opens_on", "closes_on", "areas", "carrier"}

func (s *Server) adminSurveyView(r *http.Request, sv *survey.Survey) (*adminSurveyView, error) {
	u := stateOf(r).user
	v := &adminSurveyView{Page: s.newPage(r, "survey.admin.new_title"), Survey: sv, Manager: u.Role == accounts.Manager}
	var err error
	if v.Carriers, err = s.Surveys.CarrierChoices(r.Context(), *u); err != nil {
		return nil, err
	}
	if sv == nil {
		return v, nil
	}
	v.Title = sv.Title
	v.State = sv.StateAt(s.surveyToday())
	v.PublicURL = strings.TrimSuffix(s.BaseURL, "/") + "/enquetes/" + sv.PublicID
	v.Groups = adminGroups(s, &v.Page, sv.Communes)
	versions, counts, err := s.Surveys.Versions(r.Context(), sv.ID)
	if err != nil {
		return nil, err
	}
	sv.Responses = 0
	for i := len(versions) - 1; i >= 0; i-- { // newest first
		ver := versions[i]
		sv.Responses += counts[ver.ID]
		v.Versions = append(v.Versions, adminVersionRow{Number: ver.Number, CreatedAt: ver.CreatedAt, Responses: counts[ver.ID],
			Questions: len(ver.Questionnaire.Questions), Current: ver.ID == sv.Version.ID})
	}
	return v, nil
}

// adminGroups groups a territory's communes by EPCI, by the EPCI's name;
// communes outside any EPCI come last.
func adminGroups(s *Server, p *Page, communes []survey.SurveyCommune) []adminCommuneGroup {
	var out []adminCommuneGroup
	at := map[string]int{}
	for _, c := range communes {
		i, ok := at[c.EPCI]
		if !ok {
			g := adminCommuneGroup{SIREN: c.EPCI, Name: p.T("survey.admin.no_epci")}
			if e, ok := s.Territory.EPCI(c.EPCI); ok {
				g.Name = e.Name
			}
			i = len(out)
			at[c.EPCI] = i
			out = append(out, g)
		}
		out[i].Communes = append(out[i].Communes, c)
	}
	slices.SortStableFunc(out, func(a, b adminCommuneGroup) int {
		if (a.SIREN == "") != (b.SIREN == "") {
			if a.SIREN == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	for _, g := range out {
		slices.SortFunc(g.Communes, func(a, b survey.SurveyCommune) int { return cmp.Compare(a.Name, b.Name) })
	}
	return out
}

// keepSurveyInput puts a campaign form's values into the page.
func (v *adminSurveyView) keepSurveyInput(in survey.Input) {
	for k, val := range map[string]string{"title": in.Title, "intro": in.Intro, "privacy": in.Privacy, "opens_on": in.OpensOn,
		"closes_on": in.ClosesOn, "areas": in.Areas} {
		v.Form[k] = val
	}
	if in.CarrierID != 0 {
		v.Form["carrier"] = strconv.FormatInt(in.CarrierID, 10)
	}
}

// surveyInput reads the campaign form.
func surveyInput(r *http.Request) survey.Input {
	f := r.PostFormValue
	in := survey.Input{Title: f("title"), Intro: f("intro"), Privacy: f("privacy"), OpensOn: f("opens_on"), ClosesOn: f("closes_on"), Areas: f("areas")}
	in.CarrierID, _ = strconv.ParseInt(strings.TrimSpace(f("carrier")), 10, 64)
	return in
}

func (s *Server) showNewAdminSurvey(w http.ResponseWriter, r *http.Request) error {
	v, err := s.adminSurveyView(r, nil)
	if err != nil {
		return err
	}
	today := s.Clock.Now()
	in := survey.Input{Privacy: survey.DefaultPrivacy, OpensOn: survey.Paris(today), ClosesOn: survey.Paris(today.AddDate(0, 2, 0))}
	if len(v.Carriers) == 1 && v.Manager {
		in.CarrierID = v.Carriers[0].ID
		in.Areas = v.Carriers[0].EPCI
	}
	v.keepSurveyInput(in)
	return s.render(w, r, http.StatusOK, "survey_manage", v)
}

func (s *Server) createAdminSurvey(w http.ResponseWriter, r *http.Request) error {
	in := surveyInput(r)
	sv, err := s.Surveys.Create(r.Context(), *stateOf(r).user, in)
	if err != nil {
		v, verr := s.adminSurveyView(r, nil)
		if verr != nil {
			return verr
		}
		v.keepSurveyInput(in)
		return s.invalid(w, r, err, "survey_manage", v, surveyFormFields...)
	}
	return s.redirect(w, r, "/gestion/enquetes/"+sv.PublicID, "success", "survey.admin.created")
}

func (s *Server) showAdminSurvey(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.adminSurvey(r)
	if err != nil {
		return err
	}
	v, err := s.adminSurveyView(r, &sv)
	if err != nil {
		return err
	}
	v.keepSurveyInput(survey.InputOf(sv))
	return s.render(w, r, http.StatusOK, "survey_manage", v)
}

func (s *Server) updateAdminSurvey(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.adminSurvey(r)
	if err != nil {
		return err
	}
	in := surveyInput(r)
	if _, err := s.Surveys.Update(r.Context(), *stateOf(r).user, sv.PublicID, in); err != nil {
		v, verr := s.adminSurveyView(r, &sv)
		if verr != nil {
			return verr
		}
		if v.Manager {
			in.CarrierID = sv.CarrierID
		}
		v.keepSurveyInput(in)
		return s.invalid(w, r, err, "survey_manage", v, surveyFormFields...)
	}
	return s.redirect(w, r, "/gestion/enquetes/"+sv.PublicID, "success", "survey.admin.saved")
}

// kitView is the distribution kit of a campaign: per commune, the short
// link printed in its bulletin municipal and its QR code.
type kitView struct {
	Page
	Survey    survey.Survey
	PublicURL string
	PublicQR  *qrCode
	Communes  []kitCommune
}

// kitCommune is one commune's short link.
type kitCommune struct {
	survey.SurveyCommune
	EPCIName string
	URL      string
	QR       *qrCode
}

func (s *Server) showSurveyKit(w http.ResponseWriter, r *http.Request) error {
	sv, err := s.adminSurvey(r)
	if err != nil {
		return err
	}
	v := &kitView{Page: s.newPage(r, "survey.kit.title"), Survey: sv}
	v.Title = v.T("survey.kit.title_named", sv.Title)
	base := strings.TrimSuffix(s.BaseURL, "/")
	v.PublicURL = base + "/enquetes/" + sv.PublicID
	if v.PublicQR, err = newQRCode(v.PublicURL); err != nil {
		return err
	}
	for _, g := range adminGroups(s, &v.Page, sv.Communes) {
		for _, c := range g.Communes {
			k := kitCommune{SurveyCommune: c, EPCIName: g.Name, URL: base + "/e/" + c.Link}
			if k.QR, err = newQRCode(k.URL); err != nil {
				return err
			}
			v.Communes = append(v.Communes, k)
		}
	}
	return s.render(w, r, http.StatusOK, "survey_kit", v)
}

// officialRow is an official account with the form of its territories, on
// the users page.
type officialRow struct {
	ID          int64
	Name, Email string
	Areas       []survey.Area
	Text        string // the form's value
	Error       string // translated
}

// Field is the name of the row's field, for the error summary's links.
func (o officialRow) Field() string { return "areas-" + strconv.FormatInt(o.ID, 10) }

// loadOfficials fills the users page's officials with their territories.
func (s *Server) loadOfficials(r *http.Request, v *usersView) error {
	areas, err := s.Surveys.OfficialsAreas(r.Context(), *stateOf(r).user)
	if err != nil {
		return err
	}
	for _, u := range v.Users {
		if u.Role != accounts.Official {
			continue
		}
		o := officialRow{ID: u.ID, Name: u.Name, Email: u.Email, Areas: areas[u.ID]}
		codes := make([]string, len(o.Areas))
		for i, a := range o.Areas {
			codes[i] = a.Code
		}
		o.Text = strings.Join(codes, ", ")
		v.Officials = append(v.Officials, o)
	}
	return nil
}

func (s *Server) saveOfficialAreas(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	text := r.PostFormValue("areas")
	err = s.Surveys.SetOfficialAreas(r.Context(), *stateOf(r).user, id, text)
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		v := &usersView{Page: s.newPage(r, "users.title")}
		if v.Users, err = s.Accounts.ListUsers(r.Context()); err != nil {
			return err
		}
		if err := s.loadOfficials(r, v); err != nil {
			return err
		}
		field := officialRow{ID: id}.Field()
		for i, o := range v.Officials {
			if o.ID == id {
				v.Officials[i].Text = text
				v.Officials[i].Error = translate(v.L, e.Fields["areas"])
			}
		}
		return s.invalid(w, r, &coop.Error{Code: coop.EInvalid, Message: e.Message, Fields: map[string]string{field: e.Fields["areas"]}}, "users", v)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/utilisateurs#territoires-"+strconv.FormatInt(id, 10), "success", "users.areas_saved")
}
