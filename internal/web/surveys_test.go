package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
	"coopconnect/internal/testkit"
)

// surveyEnv is a campaign open through March 2026 on the CC Pays
// Forcalquier et Montagne de Lure; the clock stops on Tuesday 10 March
// 2026 at 11 h, Paris time.
type surveyEnv struct {
	*env
	coord accounts.User
	sv    survey.Survey
}

var surveyNow = time.Date(2026, 3, 10, 11, 0, 0, 0, i18n.Paris)

func newSurveyEnv(t *testing.T, engine db.Engine) *surveyEnv {
	t.Helper()
	e := newEnv(t, engine, coop.NewFixedClock(surveyNow))
	se := &surveyEnv{env: e, coord: e.user("coord@example.fr", accounts.Coordinator)}
	se.sv = se.campaign("Besoins du Pays de Forcalquier", "2026-03-01", "2026-03-31")
	return se
}

func (se *surveyEnv) campaign(title, opens, closes string) survey.Survey {
	se.t.Helper()
	sv, err := se.srv.Surveys.Create(context.Background(), se.coord, survey.Input{Title: title, Intro: "Un lieu pour travailler près de chez vous ?",
		Privacy: survey.DefaultPrivacy, OpensOn: opens, ClosesOn: closes, Areas: "240400440"})
	if err != nil {
		se.t.Fatal(err)
	}
	return sv
}

// linkOf returns the short link of a commune of the campaign.
func (se *surveyEnv) linkOf(code string) string {
	se.t.Helper()
	for _, c := range se.sv.Communes {
		if c.Code == code {
			return c.Link
		}
	}
	se.t.Fatalf("commune %s is not in the campaign", code)
	return ""
}

// count counts rows of a table of the campaign.
func (se *surveyEnv) count(table, where string, args ...any) int {
	se.t.Helper()
	var n int
	q := `SELECT count(*) FROM ` + table + ` WHERE survey_id = $1`
	if where != "" {
		q += ` AND ` + where
	}
	err := se.db.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), q, append([]any{se.sv.ID}, args...)...).Scan(&n)
	})
	if err != nil {
		se.t.Fatal(err)
	}
	return n
}

// page loads a page and returns it with its body unescaped.
func (se *surveyEnv) page(r request) (int, string) {
	se.t.Helper()
	rec := se.do(r)
	return rec.Code, html.UnescapeString(rec.Body.String())
}

// validAnswer is a complete answer from an employee of Forcalquier.
func validAnswer() url.Values {
	return url.Values{
		"q.home_commune": {"Forcalquier"},
		"q.status":       {"employee"},
		"q.commute_km":   {"22"},
		"q.use_place":    {"regular"},
		"q.days":         {"tue_am", "mon_am"},
		"q.meetups":      {"4"},
	}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

func TestSurvey_ShortLinkAndAnswerStoredAnonymously(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			se := newSurveyEnv(t, engine)
			link := se.linkOf("04088")
			// The bulletin's short link leads to the form, naming its commune.
			rec := se.do(request{method: "GET", path: "/e/" + link})
			if want := "/enquetes/" + se.sv.PublicID + "?depuis=" + link; rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
				t.Fatalf("short link: %d → %q, want 303 → %q", rec.Code, rec.Header().Get("Location"), want)
			}
			if code, _ := se.page(request{method: "GET", path: "/e/inconnu"}); code != http.StatusNotFound {
				t.Errorf("unknown short link: %d, want 404", code)
			}
			code, body := se.page(request{method: "GET", path: "/enquetes/" + se.sv.PublicID + "?depuis=" + link})
			if code != http.StatusOK {
				t.Fatalf("form: %d", code)
			}
			for _, want := range []string{
				`<input type="hidden" name="depuis" value="` + link + `">`,
				"Dans quelle commune habitez-vous", "(obligatoire)", "Vos réponses sont anonymes",
				`<legend><span class="survey-n">2.</span> Quelle est votre situation`,
				// A question with a condition shows without JavaScript, saying when it applies.
				"Si vous avez répondu «\u00a0Salarié·e du privé\u00a0», «\u00a0Fonctionnaire ou agent public\u00a0»",
				`aria-describedby="f-q.work_commune-cond f-q.work_commune-hint"`,
				// The days: a checkbox per day and part, each with its own name.
				`<input type="checkbox" id="f-q.days.o-tue_pm" name="q.days" value="tue_pm"><span class="visually-hidden">mardi après-midi</span>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the form lacks %q", want)
				}
			}

			// A retired resident's commute distance does not apply: dropped.
			answer := with(validAnswer(), "depuis", link)
			answer.Set("q.status", "retired")
			answer.Set("q.use_place", "occasional")
			rec = se.do(request{method: "POST", path: "/enquetes/" + se.sv.PublicID, form: answer, ip: "198.51.100.7",
				header: map[string]string{"User-Agent": "Mozilla/5.0 (Test; Fairphone)"}})
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/enquetes/"+se.sv.PublicID+"/merci" {
				t.Fatalf("valid answer: %d → %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
			}
			if c := rec.Header().Values("Set-Cookie"); len(c) != 0 {
				t.Errorf("answering set cookies %v: nothing may follow the answer to the thanks page", c)
			}
			var day, source, channel, commune, answers string
			err := se.db.Read(context.Background(), func(tx *db.Tx) error {
				return tx.QueryRowContext(context.Background(), `SELECT answered_on, source, channel, commune_code, answers FROM survey_responses WHERE survey_id = $1`, se.sv.ID).
					Scan(&day, &source, &channel, &commune, &answers)
			})
			if err != nil {
				t.Fatal(err)
			}
			if day != "2026-03-10" || source != "web" || channel != "04088" || commune != "04088" {
				t.Errorf("stored day %q source %q channel %q commune %q", day, source, channel, commune)
			}
			if strings.Contains(answers, "commute_km") || !strings.Contains(answers, `"use_place":{"c":["occasional"]}`) {
				t.Errorf("answers %s: the commute distance should be dropped, the use kept", answers)
			}
			for _, secret := range []string{"198.51.100.7", "Fairphone", "11:00", "10:00"} {
				if strings.Contains(day+source+channel+commune+answers, secret) {
					t.Errorf("the stored answer holds %q", secret)
				}
			}

			// A link of another campaign brings no channel.
			other := se.campaign("Autre enquête", "2026-03-01", "2026-03-31")
			rec = se.do(request{method: "POST", path: "/enquetes/" + other.PublicID, form: with(validAnswer(), "depuis", link)})
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("answer to the other campaign: %d", rec.Code)
			}
			if n := se.count("survey_responses", "channel IS NULL"); n != 0 {
				t.Errorf("%d answers of the first campaign without channel", n)
			}
			var otherChannel *string
			err = se.db.Read(context.Background(), func(tx *db.Tx) error {
				return tx.QueryRowContext(context.Background(), `SELECT channel FROM survey_responses WHERE survey_id = $1`, other.ID).Scan(&otherChannel)
			})
			if err != nil || otherChannel != nil {
				t.Errorf("another campaign's link gave channel %v (%v)", otherChannel, err)
			}
		})
	}
}

func TestSurvey_BadAnswersShowTheFormAgainAndStoreNothing(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			se := newSurveyEnv(t, engine)
			path := "/enquetes/" + se.sv.PublicID
			for _, tc := range []struct {
				name  string
				form  url.Values
				field string
				msg   string
				kept  string
			}{
				{"missing required", with(validAnswer(), "q.use_place", ""), "q.use_place", "Répondez à cette question\u00a0: elle est obligatoire.", `value="Forcalquier"`},
				{"number out of bounds", with(validAnswer(), "q.commute_km", "400"), "q.commute_km", "Saisissez un nombre entre 0 et 300.", `value="400"`},
				{"unknown commune", with(validAnswer(), "q.home_commune", "Zzyzxville"), "q.home_commune", "Cette commune est introuvable", `value="Zzyzxville"`},
				{"unknown option", with(validAnswer(), "q.status", "astronaut"), "q.status", "ne fait pas partie des choix proposés", `value="22"`},
			} {
				code, body := se.page(request{method: "POST", path: path, form: tc.form})
				if code != http.StatusUnprocessableEntity {
					t.Errorf("%s: %d, want 422", tc.name, code)
					continue
				}
				// The message next to the question, tied to it, and in the summary with a link.
				next := `<p class="field-error" id="f-` + tc.field + `-error">`
				i := strings.Index(body, next)
				if i < 0 || !strings.Contains(body[i:i+strings.Index(body[i:], "</p>")], tc.msg) {
					t.Errorf("%s: no message %q next to %s", tc.name, tc.msg, tc.field)
				}
				if !strings.Contains(body, `href="#f-`+tc.field+`"`) || !strings.Contains(body, `-error"`) {
					t.Errorf("%s: the error summary does not link to the question", tc.name)
				}
				if !strings.Contains(body, tc.kept) || !strings.Contains(body, `value="tue_am" checked`) {
					t.Errorf("%s: the answers typed were not kept (%s)", tc.name, tc.kept)
				}
			}
			if n := se.count("survey_responses", ""); n != 0 {
				t.Errorf("%d answers stored from refused forms", n)
			}
		})
	}
}

func TestSurvey_AmbiguousCommuneOffersCandidates(t *testing.T) {
	se := newSurveyEnv(t, db.SQLite)
	path := "/enquetes/" + se.sv.PublicID
	code, body := se.page(request{method: "POST", path: path, form: with(validAnswer(), "q.home_commune", "Villeneuve")})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Plusieurs communes portent ce nom") {
		t.Fatalf("ambiguous commune: %d", code)
	}
	want := "04242" // Villeneuve, Alpes-de-Haute-Provence
	if !strings.Contains(body, `name="q.home_commune.choice" value="`+want+`"`) || !strings.Contains(body, `name="q.home_commune.typed" value="Villeneuve"`) {
		t.Fatalf("no candidate %s offered as a radio button", want)
	}
	form := with(validAnswer(), "q.home_commune", "Villeneuve", "q.home_commune.typed", "Villeneuve", "q.home_commune.choice", want)
	if rec := se.do(request{method: "POST", path: path, form: form}); rec.Code != http.StatusSeeOther {
		t.Fatalf("a candidate chosen: %d", rec.Code)
	}
	if n := se.count("survey_responses", "commune_code = $2", want); n != 1 {
		t.Errorf("the chosen commune was not stored")
	}
	// The name with its postal code needs no choice.
	if rec := se.do(request{method: "POST", path: path, form: with(validAnswer(), "q.home_commune", "Villeneuve 04180")}); rec.Code != http.StatusSeeOther {
		t.Fatalf("a name with its postal code: %d", rec.Code)
	}
	if n := se.count("survey_responses", "commune_code = $2", want); n != 2 {
		t.Errorf("the commune typed with its postal code was not stored")
	}
}

func TestSurvey_InEnglish(t *testing.T) {
	se := newSurveyEnv(t, db.SQLite)
	code, body := se.page(request{method: "GET", path: "/enquetes/" + se.sv.PublicID, header: map[string]string{"Cookie": "lang=en"}})
	if code != http.StatusOK || !strings.Contains(body, "Which commune do you live in?") || !strings.Contains(body, "(required)") ||
		strings.Contains(body, "Quelle est votre situation") {
		t.Errorf("the English form: %d", code)
	}
}

func TestSurvey_ClosedAndUpcomingCampaigns(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			se := newSurveyEnv(t, engine)
			closed := se.campaign("Enquête de l’hiver", "2026-01-05", "2026-03-05")
			code, body := se.page(request{method: "GET", path: "/enquetes/" + closed.PublicID})
			if code != http.StatusOK || !strings.Contains(body, "Cette enquête est close depuis le vendredi 6 mars 2026, merci") ||
				strings.Contains(body, `name="q.status"`) {
				t.Errorf("closed campaign: %d", code)
			}
			code, body = se.page(request{method: "POST", path: "/enquetes/" + closed.PublicID, form: validAnswer()})
			if code != http.StatusConflict || !strings.Contains(body, "Cette enquête est close") {
				t.Errorf("an answer to a closed campaign: %d, want 409 with the page", code)
			}
			upcoming := se.campaign("Enquête du printemps", "2026-04-01", "2026-05-31")
			code, body = se.page(request{method: "GET", path: "/enquetes/" + upcoming.PublicID})
			if code != http.StatusOK || !strings.Contains(body, "Cette enquête ouvre le mercredi 1er avril 2026.") {
				t.Errorf("upcoming campaign: %d", code)
			}
			if code, _ := se.page(request{method: "POST", path: "/enquetes/" + upcoming.PublicID, form: validAnswer()}); code != http.StatusConflict {
				t.Errorf("an answer to an upcoming campaign: %d, want 409", code)
			}
			var n int
			err := se.db.Read(context.Background(), func(tx *db.Tx) error {
				return tx.QueryRowContext(context.Background(), `SELECT count(*) FROM survey_responses`).Scan(&n)
			})
			if err != nil || n != 0 {
				t.Errorf("%d answers stored to campaigns not open (%v)", n, err)
			}
			// The list shows the open campaign only, until when.
			code, body = se.page(request{method: "GET", path: "/enquetes"})
			if code != http.StatusOK || !strings.Contains(body, se.sv.Title) || strings.Contains(body, closed.Title) || strings.Contains(body, upcoming.Title) ||
				!strings.Contains(body, "mardi 31 mars 2026") || !strings.Contains(body, "CC Pays Forcalquier") {
				t.Errorf("the list of open surveys: %d", code)
			}
			if code, _ := se.page(request{method: "GET", path: "/enquetes/inconnue"}); code != http.StatusNotFound {
				t.Errorf("unknown campaign: %d, want 404", code)
			}
		})
	}
}

func TestSurvey_EmptyListHelps(t *testing.T) {
	e := newEnv(t, db.SQLite, coop.NewFixedClock(surveyNow))
	code, body := (&surveyEnv{env: e}).page(request{method: "GET", path: "/enquetes"})
	if code != http.StatusOK || !strings.Contains(body, "Aucune enquête n’est ouverte") || !strings.Contains(body, `href="/lieux"`) {
		t.Errorf("empty list: %d", code)
	}
}

func TestSurvey_ContactKeptApartFromTheAnswers(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			se := newSurveyEnv(t, engine)
			if rec := se.do(request{method: "POST", path: "/enquetes/" + se.sv.PublicID, form: validAnswer()}); rec.Code != http.StatusSeeOther {
				t.Fatalf("answer: %d", rec.Code)
			}
			thanks := "/enquetes/" + se.sv.PublicID + "/merci"
			code, body := se.page(request{method: "GET", path: thanks})
			if code != http.StatusOK || !strings.Contains(body, "Merci pour vos réponses") {
				t.Fatalf("thanks page: %d", code)
			}
			// The contact form carries nothing of the answer.
			i := strings.Index(body, `action="/enquetes/`+se.sv.PublicID+`/contact"`)
			if i < 0 {
				t.Fatal("no contact form")
			}
			form := body[i:]
			form = form[:strings.Index(form, "</form>")]
			if strings.Contains(form, `type="hidden"`) {
				t.Errorf("the contact form has hidden fields: %s", form)
			}
			path := "/enquetes/" + se.sv.PublicID + "/contact"
			// Without consent: refused, nothing kept.
			code, body = se.page(request{method: "POST", path: path, form: url.Values{"email": {"Camille@Example.fr"}}})
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Cochez la case") || !strings.Contains(body, `value="Camille@Example.fr"`) {
				t.Errorf("contact without consent: %d", code)
			}
			if n := se.count("survey_contacts", ""); n != 0 {
				t.Fatalf("%d contacts kept without consent", n)
			}
			rec := se.do(request{method: "POST", path: path, form: url.Values{"email": {"Camille@Example.fr"}, "commune": {"Niozelles"}, "consent": {"yes"}}})
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != thanks {
				t.Fatalf("contact: %d → %q", rec.Code, rec.Header().Get("Location"))
			}
			cat, _ := i18n.Load()
			wording := cat.For("fr").T("survey.contact.consent")
			var cols []string
			var email, commune, consent, on string
			err := se.db.Read(context.Background(), func(tx *db.Tx) error {
				rows, err := tx.QueryContext(context.Background(), `SELECT * FROM survey_contacts`)
				if err != nil {
					return err
				}
				cols, err = rows.Columns()
				rows.Close()
				if err != nil {
					return err
				}
				return tx.QueryRowContext(context.Background(), `SELECT email, commune_code, consent, consented_on FROM survey_contacts WHERE survey_id = $1`, se.sv.ID).
					Scan(&email, &commune, &consent, &on)
			})
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(cols)
			if want := []string{"commune_code", "consent", "consented_on", "email", "survey_id"}; !slices.Equal(cols, want) {
				t.Errorf("survey_contacts columns %v, want %v: nothing may refer to an answer", cols, want)
			}
			if email != "camille@example.fr" || commune != "04138" || consent != wording || on != "2026-03-10" {
				t.Errorf("contact kept as %q %q %q %q", email, commune, consent, on)
			}
		})
	}
}

func TestSurvey_RateLimited(t *testing.T) {
	se := newSurveyEnv(t, db.SQLite)
	path := "/enquetes/" + se.sv.PublicID
	for i := range 30 {
		if rec := se.do(request{method: "POST", path: path, form: url.Values{}, ip: "203.0.113.9"}); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d, want 422", i+1, rec.Code)
		}
	}
	rec := se.do(request{method: "POST", path: path, form: validAnswer(), ip: "203.0.113.9"})
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("attempt 31: %d, want 429 with Retry-After", rec.Code)
	}
	if n := se.count("survey_responses", ""); n != 0 {
		t.Errorf("an answer over the limit was stored")
	}
	// Another address is not slowed down.
	if rec := se.do(request{method: "POST", path: path, form: validAnswer(), ip: "203.0.113.10"}); rec.Code != http.StatusSeeOther {
		t.Errorf("another address: %d, want 303", rec.Code)
	}
	// An hour later the address may answer again.
	se.srv.Clock.(*coop.FixedClock).Advance(time.Hour)
	if rec := se.do(request{method: "POST", path: path, form: validAnswer(), ip: "203.0.113.9"}); rec.Code != http.StatusSeeOther {
		t.Errorf("an hour later: %d, want 303", rec.Code)
	}
}

func TestSurvey_DefaultQuestionnaireAsTheseTestsExpect(t *testing.T) {
	// Guards the tests above: the default questionnaire asks the commune,
	// the status and the use of a place, and bounds the distance.
	qn := survey.Default()
	for _, id := range []string{"home_commune", "status", "use_place"} {
		if q, ok := qn.Question(id); !ok || !q.Required {
			t.Errorf("question %s is not required", id)
		}
	}
	if q, _ := qn.Question("commute_km"); q.Max == nil || *q.Max != 300 || strconv.Itoa(int(*q.Min)) != "0" {
		t.Errorf("commute_km bounds changed")
	}
}

// The list of surveys also gives readers the campaigns whose results they
// may read: an official those of their territory, nobody else's.
func TestSurvey_ListGivesReadersTheirResults(t *testing.T) {
	se := newSurveyEnv(t, db.SQLite)
	elu := se.user("elu@example.fr", accounts.Official)
	member := se.user("membre@example.fr", accounts.Member)
	other := se.user("elu2@example.fr", accounts.Official)
	if err := se.srv.Surveys.SetOfficialAreas(context.Background(), se.coord, elu.ID, "240400440"); err != nil {
		t.Fatal(err)
	}
	if err := se.srv.Surveys.SetOfficialAreas(context.Background(), se.coord, other.ID, "Manosque"); err != nil {
		t.Fatal(err)
	}
	link := `href="/enquetes/` + se.sv.PublicID + `/resultats"`
	for _, tt := range []struct {
		who  accounts.User
		want bool
	}{{se.coord, true}, {elu, true}, {other, false}, {member, false}} {
		code, body := se.page(request{method: "GET", path: "/enquetes", cookie: se.session(tt.who)})
		if code != http.StatusOK || strings.Contains(body, link) != tt.want || strings.Contains(body, "Résultats des enquêtes") != tt.want {
			t.Errorf("%s: %d, results link shown %v, want %v", tt.who.Email, code, strings.Contains(body, link), tt.want)
		}
	}
	// Every visitor finds the surveys in the navigation.
	if _, body := se.page(request{method: "GET", path: "/"}); !strings.Contains(body, `href="/enquetes"`) {
		t.Error("no link to the surveys in the navigation")
	}
}
