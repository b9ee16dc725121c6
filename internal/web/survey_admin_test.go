package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// saEnv is the back-office of surveys on Monday 2 March 2026: a
// coordinator; a manager of the CC Pays Forcalquier et Montagne de Lure
// (an EPCI carrier); another carrier, of Gap, whose campaign the manager
// must not find; an official.
type saEnv struct {
	*env
	coord, manager, official, member accounts.User
	forcalquier, gap                 places.Carrier
	gapCampaign                      survey.Survey
}

const forcalquierEPCI = "240400440"

func newSAEnv(t *testing.T) *saEnv {
	t.Helper()
	e := newEnv(t, db.SQLite, coop.NewFixedClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)))
	ctx := t.Context()
	se := &saEnv{env: e, coord: e.user("coord@example.fr", accounts.Coordinator), manager: e.user("gestion@example.fr", accounts.Manager),
		official: e.user("elu@example.fr", accounts.Official), member: e.user("membre@example.fr", accounts.Member)}
	pl := e.srv.Places
	var err error
	if se.forcalquier, err = pl.CreateCarrier(ctx, se.coord, places.CarrierInput{Name: "CC Pays de Forcalquier", Kind: "epci", SIREN: forcalquierEPCI}); err != nil {
		t.Fatal(err)
	}
	if err := pl.AddManager(ctx, se.coord, se.forcalquier.ID, se.manager.Email); err != nil {
		t.Fatal(err)
	}
	if se.gap, err = pl.CreateCarrier(ctx, se.coord, places.CarrierInput{Name: "Tiers-lieu de Gap", Kind: "individual", CommuneCode: "05061"}); err != nil {
		t.Fatal(err)
	}
	if se.gapCampaign, err = e.srv.Surveys.Create(ctx, se.coord, survey.Input{Title: "Enquête de Gap", Privacy: survey.DefaultPrivacy,
		OpensOn: "2026-03-01", ClosesOn: "2026-04-30", Areas: "05061", CarrierID: se.gap.ID}); err != nil {
		t.Fatal(err)
	}
	return se
}

// page sends a request as u and returns the response with its body
// unescaped, as a reader sees it.
func (se *saEnv) page(u accounts.User, method, path string, form url.Values) (int, string, string) {
	se.t.Helper()
	rec := se.do(request{method: method, path: path, form: form, cookie: se.session(u)})
	return rec.Code, html.UnescapeString(rec.Body.String()), rec.Header().Get("Location")
}

func (se *saEnv) fr(key string, args ...any) string { return se.srv.Catalogs.For("fr").T(key, args...) }

// visible lists the campaigns u sees, by title.
func (se *saEnv) visible(u accounts.User) []string {
	se.t.Helper()
	list, err := se.srv.Surveys.Visible(context.Background(), u)
	if err != nil {
		se.t.Fatal(err)
	}
	var out []string
	for _, sv := range list {
		out = append(out, sv.Title)
	}
	return out
}

func campaignForm(title, areas, carrier string) url.Values {
	return url.Values{"title": {title}, "intro": {"Dites-nous vos besoins."}, "privacy": {survey.DefaultPrivacy},
		"opens_on": {"2026-03-02"}, "closes_on": {"2026-04-30"}, "areas": {areas}, "carrier": {carrier}}
}

// saFieldError tells whether the page shows msg as the error of field.
func saFieldError(body, field, msg string) bool {
	i := strings.Index(body, `id="f-`+field+`-error"`)
	return i >= 0 && strings.Contains(body[i:min(len(body), i+600)], msg)
}

func TestSurveyAdmin_BadCampaignIs422WithFieldMessagesAndNothingWritten(t *testing.T) {
	se := newSAEnv(t)
	form := url.Values{"title": {"  "}, "privacy": {survey.DefaultPrivacy}, "opens_on": {"lundi prochain"}, "closes_on": {"2026-04-30"},
		"areas": {"Nulle-Part-sur-Mer"}}
	code, body, _ := se.page(se.coord, "POST", "/gestion/enquetes", form)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", code)
	}
	for field, key := range map[string]string{"title": "error.required", "opens_on": "error.date_invalid", "areas": "survey.area_unknown"} {
		if !saFieldError(body, field, se.fr(key)) {
			t.Errorf("the form does not show %q next to %s", se.fr(key), field)
		}
	}
	if !strings.Contains(body, `value="lundi prochain"`) || !strings.Contains(body, "Nulle-Part-sur-Mer</textarea>") {
		t.Error("the refused form lost the typed values")
	}
	// Dates in the wrong order.
	form = campaignForm("Enquête", forcalquierEPCI, "")
	form.Set("closes_on", "2026-02-01")
	if code, body, _ = se.page(se.coord, "POST", "/gestion/enquetes", form); code != 422 || !saFieldError(body, "closes_on", se.fr("survey.closes_before_opens")) {
		t.Errorf("closing before opening: status %d, message shown %v", code, saFieldError(body, "closes_on", se.fr("survey.closes_before_opens")))
	}
	if got := se.visible(se.coord); len(got) != 1 {
		t.Errorf("campaigns after refused forms: %v, want only the fixture's", got)
	}
}

func TestSurveyAdmin_CoordinatorCreatesACampaignOnAnEPCI(t *testing.T) {
	se := newSAEnv(t)
	code, body, _ := se.page(se.coord, "GET", "/gestion/enquetes/nouvelle", nil)
	if code != 200 || !strings.Contains(body, survey.DefaultPrivacy[:60]) || !strings.Contains(body, `type="date"`) {
		t.Fatalf("new campaign form: status %d, privacy prefilled %v", code, strings.Contains(body, survey.DefaultPrivacy[:60]))
	}
	code, _, to := se.page(se.coord, "POST", "/gestion/enquetes", campaignForm("Travailler près de chez soi", forcalquierEPCI, ""))
	if code != http.StatusSeeOther || !strings.HasPrefix(to, "/gestion/enquetes/") {
		t.Fatalf("create: status %d to %q, want 303 to the campaign", code, to)
	}
	sv, err := se.srv.Surveys.Get(t.Context(), strings.TrimPrefix(to, "/gestion/enquetes/"))
	if err != nil {
		t.Fatal(err)
	}
	if sv.Title != "Travailler près de chez soi" || len(sv.Communes) != 13 || sv.Version.Number != 1 || len(sv.Version.Questionnaire.Questions) != len(survey.Default().Questions) {
		t.Errorf("campaign = %q, %d communes, version %d with %d questions; want the title, the 13 communes of the EPCI, version 1 with the default questionnaire",
			sv.Title, len(sv.Communes), sv.Version.Number, len(sv.Version.Questionnaire.Questions))
	}
	code, body, _ = se.page(se.coord, "GET", to, nil)
	for _, want := range []string{"Travailler près de chez soi", se.fr("survey.state.open"), "CC Pays Forcalquier et Montagne de Lure", se.fr("survey.admin.communes_n", 13),
		"Forcalquier", se.fr("survey.admin.version_n", 1), "/enquetes/" + sv.PublicID + "/resultats", "/gestion/enquetes/" + sv.PublicID + "/saisie",
		"/gestion/enquetes/" + sv.PublicID + "/import", "/gestion/enquetes/" + sv.PublicID + "/diffusion"} {
		if !strings.Contains(body, want) {
			t.Errorf("campaign page (status %d) lacks %q", code, want)
		}
	}
	_, body, _ = se.page(se.coord, "GET", "/gestion/enquetes", nil)
	if !strings.Contains(body, "Travailler près de chez soi") || !strings.Contains(body, "Enquête de Gap") || !strings.Contains(body, se.fr("survey.state.open")) {
		t.Error("the list does not show both campaigns with their state")
	}
	// Editing the campaign: a new title; refused dates keep the old ones.
	form := campaignForm("Travailler au pays", forcalquierEPCI, "")
	if code, _, _ := se.page(se.coord, "POST", to, form); code != http.StatusSeeOther {
		t.Fatalf("update: status %d", code)
	}
	form.Set("opens_on", "hier")
	if code, body, _ := se.page(se.coord, "POST", to, form); code != 422 || !saFieldError(body, "opens_on", se.fr("error.date_invalid")) {
		t.Errorf("bad update: status %d, want 422 with the date message", code)
	}
	if sv, _ = se.srv.Surveys.Get(t.Context(), sv.PublicID); sv.Title != "Travailler au pays" || sv.OpensOn != "2026-03-02" {
		t.Errorf("after the updates: %q opening %s", sv.Title, sv.OpensOn)
	}
}

func TestSurveyAdmin_EmptyListHelps(t *testing.T) {
	se := newSAEnv(t)
	code, body, _ := se.page(se.manager, "GET", "/gestion/enquetes", nil)
	if code != 200 || !strings.Contains(body, se.fr("survey.admin.none")) || strings.Contains(body, "Enquête de Gap") {
		t.Errorf("manager's empty list: status %d, helps %v, shows Gap's %v", code, strings.Contains(body, se.fr("survey.admin.none")), strings.Contains(body, "Enquête de Gap"))
	}
}

func TestSurveyAdmin_ManagerOnlyOnTheirCarriersEPCIAndNotOthersCampaigns(t *testing.T) {
	se := newSAEnv(t)
	mine := itoa(se.forcalquier.ID)
	// Gap is in another EPCI: refused, nothing written.
	code, body, _ := se.page(se.manager, "POST", "/gestion/enquetes", campaignForm("Hors de chez nous", "05061", mine))
	if code != 422 || !saFieldError(body, "areas", se.fr("survey.area_outside_carrier")) {
		t.Errorf("outside the carrier's EPCI: status %d, want 422 with %q", code, se.fr("survey.area_outside_carrier"))
	}
	// Another carrier: refused.
	code, body, _ = se.page(se.manager, "POST", "/gestion/enquetes", campaignForm("Chez les autres", "05061", itoa(se.gap.ID)))
	if code != 422 || !saFieldError(body, "carrier", se.fr("survey.carrier_unknown")) {
		t.Errorf("another carrier: status %d, want 422 with %q", code, se.fr("survey.carrier_unknown"))
	}
	if got := se.visible(se.manager); len(got) != 0 {
		t.Fatalf("manager's campaigns after refusals: %v", got)
	}
	// Some communes of their EPCI: accepted.
	code, _, to := se.page(se.manager, "POST", "/gestion/enquetes", campaignForm("Forcalquier et Lurs", "04088\nLurs", mine))
	if code != http.StatusSeeOther {
		t.Fatalf("manager on their EPCI: status %d", code)
	}
	if got := se.visible(se.manager); len(got) != 1 || got[0] != "Forcalquier et Lurs" {
		t.Errorf("manager sees %v, want their campaign only", got)
	}
	if code, _, _ := se.page(se.manager, "GET", to+"/questionnaire", nil); code != 200 {
		t.Errorf("manager's own editor: status %d", code)
	}
	// Gap's campaign, and everything under it, is not found.
	gap := "/gestion/enquetes/" + se.gapCampaign.PublicID
	for _, p := range []string{gap, gap + "/questionnaire", gap + "/diffusion"} {
		if code, _, _ := se.page(se.manager, "GET", p, nil); code != http.StatusNotFound {
			t.Errorf("manager GET %s: status %d, want 404", p, code)
		}
	}
	if code, _, _ := se.page(se.manager, "POST", gap, campaignForm("Pris", "05061", mine)); code != http.StatusNotFound {
		t.Errorf("manager updating another carrier's campaign: status %d, want 404", code)
	}
	if code, _, _ := se.page(se.coord, "GET", gap, nil); code != 200 {
		t.Errorf("coordinator on Gap's campaign: status %d", code)
	}
}

func TestSurveyKit_ShowsEveryCommunesShortLinkQRCodeAndDocuments(t *testing.T) {
	se := newSAEnv(t)
	sv, err := se.srv.Surveys.Create(t.Context(), se.coord, survey.Input{Title: "Pays de Forcalquier", Privacy: survey.DefaultPrivacy,
		OpensOn: "2026-03-02", ClosesOn: "2026-04-30", Areas: forcalquierEPCI + ", 05061"})
	if err != nil {
		t.Fatal(err)
	}
	code, body, _ := se.page(se.coord, "GET", "/gestion/enquetes/"+sv.PublicID+"/diffusion", nil)
	if code != 200 {
		t.Fatalf("kit: status %d", code)
	}
	if len(sv.Communes) != 14 {
		t.Fatalf("%d communes, want 14", len(sv.Communes))
	}
	for _, c := range sv.Communes {
		for _, want := range []string{"http://localhost:8080/e/" + c.Link, se.fr("survey.kit.qr_label", c.Name),
			"/gestion/enquetes/" + sv.PublicID + "/diffusion/" + c.Code + "/tract",
			"/gestion/enquetes/" + sv.PublicID + "/questionnaire-papier?commune=" + c.Code} {
			if !strings.Contains(body, want) {
				t.Errorf("kit lacks %q for %s", want, c.Name)
			}
		}
	}
	if n := strings.Count(body, `<svg class="qr kit-qr"`); n != len(sv.Communes)+1 {
		t.Errorf("%d QR codes, want one per commune and the general one (%d)", n, len(sv.Communes)+1)
	}
	if !strings.Contains(body, `<path d="M`) || !strings.Contains(body, "http://localhost:8080/enquetes/"+sv.PublicID) {
		t.Error("the QR codes are not drawn, or the general link is missing")
	}
}

func TestOfficialAreas_CoordinatorSetsThemOnTheUsersPage(t *testing.T) {
	se := newSAEnv(t)
	path := "/admin/utilisateurs/" + itoa(se.official.ID) + "/territoires"
	code, body, _ := se.page(se.coord, "GET", "/admin/utilisateurs", nil)
	if code != 200 || !strings.Contains(body, `action="`+path+`"`) || strings.Contains(body, "/admin/utilisateurs/"+itoa(se.member.ID)+"/territoires") {
		t.Fatalf("users page: status %d; the official's form only: %v", code, strings.Contains(body, `action="`+path+`"`))
	}
	code, body, _ = se.page(se.coord, "POST", path, url.Values{"areas": {forcalquierEPCI + ", Atlantide"}})
	if code != 422 || !saFieldError(body, "areas-"+itoa(se.official.ID), se.fr("survey.area_unknown")) || !strings.Contains(body, "Atlantide</textarea>") {
		t.Errorf("unknown area: status %d, want 422 with the message next to the official's field and the text kept", code)
	}
	if code, _, _ = se.page(se.coord, "POST", path, url.Values{"areas": {forcalquierEPCI + ", Gap"}}); code != http.StatusSeeOther {
		t.Fatalf("save: status %d", code)
	}
	areas, err := se.srv.Surveys.OfficialsAreas(t.Context(), se.coord)
	if err != nil {
		t.Fatal(err)
	}
	got := areas[se.official.ID]
	if len(got) != 2 || got[0].Code != forcalquierEPCI || got[1].Code != "05061" {
		t.Errorf("official's areas = %+v, want the EPCI and Gap", got)
	}
	_, body, _ = se.page(se.coord, "GET", "/admin/utilisateurs", nil)
	if !strings.Contains(body, "CC Pays Forcalquier et Montagne de Lure, Gap") {
		t.Error("the users page does not name the official's territories")
	}
	// The official now reads Gap's campaign among theirs.
	if got := se.visible(se.official); len(got) != 1 || got[0] != "Enquête de Gap" {
		t.Errorf("official sees %v, want Gap's campaign", got)
	}
	if code, _, _ := se.page(se.coord, "POST", "/admin/utilisateurs/"+itoa(se.member.ID)+"/territoires", url.Values{"areas": {"Gap"}}); code != http.StatusNotFound {
		t.Errorf("territories of a member: status %d, want 404", code)
	}
}

func TestNav_StaffSeeSurveys(t *testing.T) {
	se := newSAEnv(t)
	for u, want := range map[accounts.User]bool{se.coord: true, se.manager: true, se.member: false, se.official: false} {
		_, body, _ := se.page(u, "GET", "/compte", nil)
		if got := strings.Contains(body, `href="/gestion/enquetes"`); got != want {
			t.Errorf("%s: surveys in the navigation = %v, want %v", u.Role, got, want)
		}
	}
}
