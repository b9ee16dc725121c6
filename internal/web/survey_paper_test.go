package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"coopconnect/internal/accounts"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
	"coopconnect/internal/testkit"
)

// flashOf reads the flash message key a response sets.
func flashOf(t *testing.T, rec interface{ Result() *http.Response }) string {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == flashCookie && c.Value != "" {
			b, err := base64.RawURLEncoding.DecodeString(c.Value)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(string(b), "|")
			return parts[1]
		}
	}
	return ""
}

func TestPaperKeying_KeySecondKeyingAndSettle(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			se := newSurveyEnv(t, engine)
			staff := se.session(se.coord)
			base := "/gestion/enquetes/" + se.sv.PublicID + "/saisie"

			code, body := se.page(request{method: "GET", path: base, cookie: staff})
			if code != http.StatusOK || !strings.Contains(body, "saisie papier") || !strings.Contains(body, `name="sheet"`) ||
				!strings.Contains(body, "Aucune fiche saisie") || strings.Contains(body, "(obligatoire)") {
				t.Fatalf("keying page: %d", code)
			}

			// A sheet, then the next one: the form comes back empty with a flash.
			sheet := with(validAnswer(), "sheet", "7", "q.use_place", "")
			rec := se.do(request{method: "POST", path: base, form: sheet, cookie: staff})
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != base || flashOf(t, rec) != "survey.paper.saved" {
				t.Fatalf("keying a sheet: %d → %q (%s)\n%s", rec.Code, rec.Header().Get("Location"), flashOf(t, rec), rec.Body)
			}
			if n := se.count("survey_responses", "source = 'paper' AND sheet = '7' AND answered_on = '2026-03-10'"); n != 1 {
				t.Errorf("the paper sheet was not stored as such")
			}
			// The same number again, or a number out of bounds: the form again, nothing stored.
			code, body = se.page(request{method: "POST", path: base, form: sheet, cookie: staff})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Une fiche porte déjà ce numéro") || !strings.Contains(body, `value="22"`) {
				t.Errorf("the same sheet number again: %d", code)
			}
			code, body = se.page(request{method: "POST", path: base, form: with(sheet, "sheet", "", "q.commute_km", "900"), cookie: staff})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-sheet-error"`) || !strings.Contains(body, `id="f-q.commute_km-error"`) {
				t.Errorf("no number and a distance out of bounds: %d, want both problems", code)
			}
			if n := se.count("survey_responses", ""); n != 1 {
				t.Errorf("%d answers stored, want 1", n)
			}
			code, body = se.page(request{method: "GET", path: base, cookie: staff})
			if code != http.StatusOK || !strings.Contains(body, "saisie une fois") || !strings.Contains(body, base+"/7/controle") {
				t.Errorf("the list of sheets: %d", code)
			}

			// The second keying is blind: the form is empty.
			code, body = se.page(request{method: "GET", path: base + "/7/controle", cookie: staff})
			if code != http.StatusOK || strings.Contains(body, " checked") || strings.Contains(body, `value="Forcalquier"`) || strings.Contains(body, `value="22"`) {
				t.Errorf("second keying page: %d, the first keying shows through", code)
			}
			second := with(validAnswer(), "q.status", "civil_servant", "q.commute_km", "27", "q.use_place", "")
			rec = se.do(request{method: "POST", path: base + "/7/controle", form: second, cookie: staff})
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != base+"/7" || flashOf(t, rec) != "survey.paper.differs" {
				t.Fatalf("second keying: %d → %q (%s)", rec.Code, rec.Header().Get("Location"), flashOf(t, rec))
			}
			// Side by side, for the differing questions only.
			code, body = se.page(request{method: "GET", path: base + "/7", cookie: staff})
			if code != http.StatusOK {
				t.Fatalf("sheet page: %d", code)
			}
			for _, want := range []string{"1re saisie", "2e saisie", "Salarié·e du privé", "Fonctionnaire ou agent public", "22\u00a0km", "27\u00a0km",
				`aria-describedby="f-q.status-keyings"`, `<input type="hidden" name="q.home_commune" value="04088">`,
				`<input type="hidden" name="q.meetups" value="4">`} {
				if !strings.Contains(body, want) {
					t.Errorf("the sheet page lacks %q", want)
				}
			}
			if strings.Contains(body, `id="question-home_commune"`) || strings.Contains(body, `id="question-meetups"`) {
				t.Errorf("questions without disagreement are shown: they should be carried unseen")
			}
			// The staff settle: civil servant, 27 km.
			settled := url.Values{"q.home_commune": {"04088"}, "q.status": {"civil_servant"}, "q.commute_km": {"27"}, "q.days": {"mon_am", "tue_am"}, "q.meetups": {"4"}}
			rec = se.do(request{method: "POST", path: base + "/7", form: settled, cookie: staff})
			if rec.Code != http.StatusSeeOther || flashOf(t, rec) != "survey.paper.settled" {
				t.Fatalf("settling: %d (%s)", rec.Code, flashOf(t, rec))
			}
			k, err := se.srv.Surveys.KeyedSheet(context.Background(), se.coord, se.sv.PublicID, "7")
			if err != nil {
				t.Fatal(err)
			}
			if k.State != survey.SheetSettled || k.First["status"].Choices[0] != "civil_servant" || *k.First["commute_km"].Number != 27 {
				t.Errorf("settled sheet %+v", k)
			}
			code, body = se.page(request{method: "GET", path: base + "/7", cookie: staff})
			if code != http.StatusOK || !strings.Contains(body, "désaccords arbitrés") || !strings.Contains(body, "Fonctionnaire ou agent public") {
				t.Errorf("the settled sheet's page: %d", code)
			}
		})
	}
}

func TestPaperKeying_OnlyTheCampaignsTeam(t *testing.T) {
	se := newSurveyEnv(t, db.SQLite)
	ctx := context.Background()
	if err := se.srv.Surveys.KeyPaper(ctx, se.coord, se.sv.PublicID, "1", survey.Answers{"status": {Choices: []string{"retired"}}}); err != nil {
		t.Fatal(err)
	}
	carrier, err := se.srv.Places.CreateCarrier(ctx, se.coord, places.CarrierInput{Name: "Un autre porteur", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	mgr := se.user("gestion@example.fr", accounts.Manager)
	if err := se.srv.Places.AddManager(ctx, se.coord, carrier.ID, mgr.Email); err != nil {
		t.Fatal(err)
	}
	member := se.user("membre@example.fr", accounts.Member)
	base := "/gestion/enquetes/" + se.sv.PublicID + "/saisie"
	for _, path := range []string{base, base + "/1", base + "/1/controle"} {
		if code, _ := se.page(request{method: "GET", path: path, cookie: se.session(mgr)}); code != http.StatusNotFound {
			t.Errorf("%s as another carrier's manager: %d, want 404", path, code)
		}
		if code, _ := se.page(request{method: "GET", path: path, cookie: se.session(member)}); code != http.StatusForbidden {
			t.Errorf("%s as a member: %d, want 403", path, code)
		}
	}
	if code, _ := se.page(request{method: "GET", path: base + "/99", cookie: se.session(se.coord)}); code != http.StatusNotFound {
		t.Errorf("an unknown sheet: %d, want 404", code)
	}
}
