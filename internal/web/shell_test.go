package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/opendata"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

func TestSecurityHeaders_OnEveryPage(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	for _, path := range []string{"/", "/connexion", "/nulle-part", "/api/v1/me"} {
		rec := e.do(request{method: "GET", path: path})
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code: %q", path, csp)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: nosniff: got %q", path, got)
		}
		if got := h.Get("Referrer-Policy"); got == "" {
			t.Errorf("%s: no Referrer-Policy", path)
		}
		if got := h.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS over plain HTTP: %q", path, got)
		}
	}
}

func TestPages_HaveNoInlineScriptOrStyle(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	for _, path := range []string{"/", "/connexion", "/inscription", "/accessibilite", "/nulle-part"} {
		body := e.do(request{method: "GET", path: path}).Body.String()
		for _, bad := range []string{"<script>", "style=\"", "onclick=", "<style"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q, which the CSP blocks", path, bad)
			}
		}
		if !strings.Contains(body, `href="/accessibilite"`) {
			t.Errorf("%s: no link to the accessibility statement in the footer", path)
		}
	}
}

func TestCrossOriginPost_IsRefused(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	rec := e.do(request{method: "POST", path: "/connexion", form: url.Values{"email": {"x@example.fr"}},
		header: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}})
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", rec.Code)
	}
	rec = e.do(request{method: "POST", path: "/connexion", form: url.Values{},
		header: map[string]string{"Origin": "http://localhost:8080", "Sec-Fetch-Site": "same-origin"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("same-origin POST: status %d, want 422", rec.Code)
	}
}

func TestLanguage_FrenchByDefaultThenAcceptLanguageThenCookie(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	for _, tc := range []struct {
		name   string
		header map[string]string
		cookie *http.Cookie
		want   string
	}{
		{"default", nil, nil, `<html lang="fr">`},
		{"accept-language", map[string]string{"Accept-Language": "en-GB,en;q=0.8"}, nil, `<html lang="en">`},
		{"cookie wins", map[string]string{"Accept-Language": "en"}, &http.Cookie{Name: "lang", Value: "fr"}, `<html lang="fr">`},
	} {
		body := e.do(request{method: "GET", path: "/connexion", header: tc.header, cookie: tc.cookie}).Body.String()
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: page does not start with %s", tc.name, tc.want)
		}
	}
	rec := e.do(request{method: "POST", path: "/langue", form: url.Values{"lang": {"en"}, "retour": {"https://evil.example/"}}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Errorf("language switch to an outside address: %d %q, want 303 to /", rec.Code, rec.Header().Get("Location"))
	}
}

func TestErrorPages_InBothLanguages(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	members := map[string]accounts.User{"fr": e.user("m@example.fr", accounts.Member)}
	en, err := e.acc.CreateUser(t.Context(), accounts.NewUser{Email: "en@example.fr", Name: "Ann", Role: accounts.Member, Password: "mot-de-passe-solide", Locale: "en", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	members["en"] = en
	for _, tc := range []struct {
		lang, path string
		cookie     bool
		status     int
		want       string
	}{
		{"fr", "/nulle-part", false, 404, "Page introuvable"},
		{"en", "/nulle-part", false, 404, "Page not found"},
		{"fr", "/admin/outbox", true, 403, "Accès refusé"},
		{"en", "/admin/outbox", true, 403, "Access denied"},
		{"fr", "/mot-de-passe/perime", false, 410, "Lien expiré"},
		{"en", "/mot-de-passe/perime", false, 410, "Link expired"},
	} {
		r := request{method: "GET", path: tc.path, header: map[string]string{"Accept-Language": tc.lang}}
		if tc.cookie {
			r.cookie = e.session(members[tc.lang]) // the account's language
		}
		rec := e.do(r)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s %s: status %d, want %d with %q", tc.lang, tc.path, rec.Code, tc.status, tc.want)
		}
	}
}

func TestInternalError_IsLoggedNotShown(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	for _, lang := range []string{"fr", "en"} {
		rec := httptestRecorder()
		req := newRequest("GET", "/", lang)
		e.srv.fail(rec, req, errSecret)
		if rec.Code != 500 {
			t.Errorf("status %d, want 500", rec.Code)
		}
		if strings.Contains(rec.Body.String(), "mot de passe de la base") {
			t.Error("the internal error's text reached the page")
		}
		want := map[string]string{"fr": "Erreur du service", "en": "Service error"}[lang]
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: 500 page lacks %q", lang, want)
		}
	}
}

func TestSignUpForm_RefusedWithMessagesNextToFieldsAndValuesKept(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	rec := e.do(request{method: "POST", path: "/inscription", form: url.Values{"name": {"Léa Dupont"}, "email": {"pas-une-adresse"}, "password": {"court"}}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`value="Léa Dupont"`, `value="pas-une-adresse"`, // kept
		`id="f-email-error"`, `id="f-password-error"`, `id="f-terms-error"`, // next to fields
		`href="#f-email"`, `href="#f-password"`, // summarised at the top
		"Saisissez une adresse électronique valide", "au moins 10 caractères",
		"<title>Erreur\u00a0: ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("refused sign-up lacks %q", want)
		}
	}
	if strings.Contains(body, `value="court"`) {
		t.Error("the password was sent back in the page")
	}
	if n, _, _ := e.acc.CountUsers(t.Context()); n != 0 {
		t.Errorf("a refused sign-up created %d accounts", n)
	}
}

func TestLogin_RateLimitedWith429AndRetryAfter(t *testing.T) {
	clock := coop.NewFixedClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	e := newEnv(t, db.SQLite, clock)
	e.user("m@example.fr", accounts.Member)
	var last *http.Response
	for i := range 11 {
		rec := e.do(request{method: "POST", path: "/connexion", form: url.Values{"email": {"m@example.fr"}, "password": {"mauvais-mot-de-passe"}}})
		last = rec.Result()
		if i < 10 && rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: status %d, want 422", i+1, rec.Code)
		}
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("11th attempt: status %d, want 429", last.StatusCode)
	}
	secs, err := strconv.Atoi(last.Header.Get("Retry-After"))
	if err != nil || secs <= 0 || secs > 15*60+1 {
		t.Errorf("Retry-After %q, want 1..901 seconds", last.Header.Get("Retry-After"))
	}
	// An unknown address is limited the same way: no difference reveals
	// which addresses have accounts.
	for range 11 {
		last = e.do(request{method: "POST", path: "/connexion", form: url.Values{"email": {"inconnu@example.fr"}, "password": {"mauvais-mot-de-passe"}}, ip: "198.51.100.7"}).Result()
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Errorf("unknown address, 11th attempt: status %d, want 429", last.StatusCode)
	}
	clock.Advance(16 * time.Minute)
	rec := e.do(request{method: "POST", path: "/connexion", form: url.Values{"email": {"m@example.fr"}, "password": {"mot-de-passe-solide"}}})
	if rec.Code != http.StatusSeeOther {
		t.Errorf("after the window: status %d, want 303", rec.Code)
	}
}

func TestForgotPassword_SameAnswerWhetherTheAccountExists(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	e.user("m@example.fr", accounts.Member)
	known := e.do(request{method: "POST", path: "/mot-de-passe-oublie", form: url.Values{"email": {"m@example.fr"}}, ip: "198.51.100.1"})
	unknown := e.do(request{method: "POST", path: "/mot-de-passe-oublie", form: url.Values{"email": {"x@example.fr"}}, ip: "198.51.100.2"})
	if known.Code != unknown.Code || known.Header().Get("Location") != unknown.Header().Get("Location") {
		t.Errorf("known: %d %q; unknown: %d %q — they must not differ", known.Code, known.Header().Get("Location"), unknown.Code, unknown.Header().Get("Location"))
	}
	msgs, total, err := e.srv.Mailer.List(t.Context(), 10, 0)
	if err != nil || total != 1 || msgs[0].To != "m@example.fr" {
		t.Errorf("outbox: %d messages (%v), want one, to the known address", total, err)
	}
}

func TestAPI_ErrorsAreJSONWithStableCodes(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	u := e.user("m@example.fr", accounts.Member)
	token, err := e.acc.CreateAPIToken(t.Context(), u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, bearer string
		cookie             bool
		status             int
		code               string
	}{
		{"no token", "/api/v1/me", "", false, 401, "unauthorized"},
		{"bad token", "/api/v1/me", "cc_faux", false, 401, "unauthorized"},
		{"session cookie is not enough", "/api/v1/me", "", true, 401, "unauthorized"},
		{"unknown route", "/api/v1/nope", token, false, 404, "not_found"},
	} {
		r := request{method: "GET", path: tc.path, bearer: tc.bearer}
		if tc.cookie {
			r.cookie = e.session(u)
		}
		rec := e.do(r)
		var body apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: not JSON: %q", tc.name, rec.Body.String())
		}
		if rec.Code != tc.status || body.Code != tc.code || body.Message == "" {
			t.Errorf("%s: %d %+v, want %d %q with a message", tc.name, rec.Code, body, tc.status, tc.code)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", tc.name, ct)
		}
	}
	rec := e.do(request{method: "GET", path: "/api/v1/me", bearer: token})
	var me apiUser
	if err := json.Unmarshal(rec.Body.Bytes(), &me); err != nil || rec.Code != 200 || me.Email != "m@example.fr" || me.Role != "member" {
		t.Errorf("me: %d %+v %v", rec.Code, me, err)
	}
}

func TestStaticAssets_HashedAndCachedForever(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	u := e.srv.assets.URL("css/app.css")
	if !strings.HasPrefix(u, "/static/css/app.") || u == "/static/css/app.css" {
		t.Fatalf("asset URL %q is not content-hashed", u)
	}
	rec := e.do(request{method: "GET", path: u})
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("asset: %d, %q, %q", rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Content-Type"))
	}
	if rec := e.do(request{method: "GET", path: "/static/css/nope.css"}); rec.Code != 404 {
		t.Errorf("missing asset: %d, want 404", rec.Code)
	}
}

func TestTemplates_EveryPageRendersInBothLanguages(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	coordinator := e.user("c@example.fr", accounts.Coordinator)
	for name := range e.srv.pages.sets {
		for _, lang := range []string{"fr", "en"} {
			rec := httptestRecorder()
			req := newRequest("GET", "/", lang)
			st := stateOf(req)
			st.user = &coordinator
			p := e.srv.newPage(req, "home.title")
			sv := survey.Survey{PublicID: "x", Title: "Enquête", OpensOn: "2026-03-01", ClosesOn: "2026-03-31",
				Version: survey.Version{Number: 1, Questionnaire: survey.Default()}}
			var v viewer = &p
			switch name {
			case "error":
				v = &errorView{Page: p, Status: 404, Message: "error.404.message"}
			case "account":
				v = &accountView{Page: p}
			case "totp":
				v = &totpView{Page: p}
			case "invitations":
				v = &invitationsView{Page: p}
			case "users":
				v = &usersView{Page: p, Users: []accounts.User{coordinator}}
			case "security":
				v = &securityView{Page: p}
			case "outbox":
				v = &outboxView{Page: p}
			case "outbox_message":
				v = &outboxMessageView{Page: p}
			case "places":
				v = &placesView{Page: p}
			case "place":
				v = &placeView{Page: p, Place: placeCard{Place: places.Place{Name: "Lieu", Kind: places.KindTiersLieu, Status: places.StatusOpen}}}
			case "import":
				v = &importView{Page: p}
			case "import_preview":
				v = &importView{Page: p, Preview: &opendata.Preview{}}
			case "opendata":
				v = &openDataView{Page: p}
			case "commune":
				v = &communeView{Page: p, Commune: mustCommune(t, e, "04088")}
			case "epci":
				v = &epciView{Page: p, EPCI: territoryEPCI(t, e, "04088")}
			case "manage_places":
				v = &managePlacesView{Page: p}
			case "manage_place":
				v = &placeFormView{Page: p}
			case "manage_carriers":
				v = &carriersView{Page: p}
			case "manage_carrier":
				v = &carriersView{Page: p, Carrier: &places.Carrier{Name: "Porteur"}}
			case "host_places":
				v = &hostPlacesView{Page: p}
			case "host_day":
				v = &hostDayView{Page: p, Slug: "lieu", PlaceName: "Lieu"}
			case "booking_settings":
				v = &bookSettingsView{Page: p, Slug: "lieu", PlaceName: "Lieu"}
			case "book":
				v = &calendarView{Page: p, Action: "/lieux/l/reserver", Key: "k", Spaces: []calSpace{{ID: "s", Name: "Salle", SeatsMax: 4, Seats: "1", Waitlist: true,
					Windows: []string{"mardi"}, Error: "refus", Durations: []option{{Value: "60", Label: "1 h"}},
					Slots: []calSlot{{ID: "c-s-0", Value: "a/b", Label: "9 h – 10 h", Status: "Libre", Choosable: true, Detail: "d"}, {Label: "10 h – 11 h", Status: "Complet", Kind: "full"}}}},
					Taken: &calTaken{Title: "Complet", Space: "s", Value: "a/b"}, Moving: &myBooking{Space: "Salle"}}
			case "bookings":
				b := myBooking{ID: "r", Place: "Lieu", Space: "Salle", CanCancel: true, CanMove: true, CanAccept: true, Deadline: "avant", Error: "non", L: p.L}
				v = &myBookingsView{Page: p, Upcoming: []myBooking{b}, Ended: []myBooking{b}, Past: []myBooking{b}}
			case "booking_cancel":
				v = &cancelView{Page: p, Booking: myBooking{ID: "r", Place: "Lieu", Space: "Salle", CancelLabel: "Annuler la réservation", CanCancel: true, L: p.L}}
			case "surveys":
				v = &surveysView{Page: p}
			case "survey":
				v = e.srv.surveyForm(req, sv, url.Values{}, nil)
			case "survey_closed":
				v = &surveyClosedView{Page: p, Survey: sv, State: survey.Closed, Since: "1er avril"}
			case "survey_thanks":
				v = e.srv.thanksView(req, sv)
			case "survey_manage_list":
				v = &adminSurveysView{Page: p}
			case "survey_manage":
				v = &adminSurveyView{Page: p, Survey: &sv, State: survey.Open}
			case "survey_editor":
				ev, err := e.srv.editorViewOf(req, sv, editorInput{qn: sv.Version.Questionnaire})
				if err != nil {
					t.Fatal(err)
				}
				v = ev
			case "survey_kit":
				v = &kitView{Page: p, Survey: sv}
			case "survey_paper":
				v = &paperView{Page: p, Survey: sv, Mode: "first"}
			case "survey_import":
				v = &surveyImportsView{Page: p, Survey: sv}
			case "survey_import_preview":
				v = &surveyImportView{Page: p, Survey: sv}
			case "survey_results":
				v = &resultsView{Page: p, Survey: sv, ScopeName: "Forcalquier", Responses: "40"}
			case "calls_manage":
				v = &callsView{Page: p, Calls: []callsRow{{Call: ami.Call{PublicID: "c", Title: "Appel", OpensOn: "2026-03-01", ClosesOn: "2026-04-30"},
					Open: true, Total: 1, ByState: []ami.Count{{Key: "submitted", N: 1}}}}}
			case "call_form":
				v = &callFormView{Page: p}
			case "call_documents":
				docs := ami.DefaultDocuments()
				v = &callDocsView{Page: p, Call: ami.Call{PublicID: "c", Title: "Appel", Documents: docs}, Rows: docRowsOf(docs)}
			case "call_manage", "applications_compare", "application_manage":
				row := ami.Row{Application: ami.Application{PublicID: "a", Structure: "Mairie", State: ami.Accepted, CarrierKind: "commune", Commune: "04106"},
					CommuneName: "Lurs", Department: "04", DepartmentName: "Alpes-de-Haute-Provence", Density: 6, Rural: true}
				call := ami.Call{PublicID: "c", Title: "Appel", OpensOn: "2026-03-01", ClosesOn: "2026-04-30"}
				switch name {
				case "call_manage":
					v = &callView{Page: p, Call: call, Filter: ami.Filter{Sort: "date"}, Rows: []ami.Row{row},
						Stats: ami.Stats{Total: 1, ByState: []ami.Count{{Key: "accepted", N: 1}}, ByDepartment: []ami.Count{{Key: "04", Name: "Alpes", N: 1}}, Rural: 1},
						Times: []stateTimeRow{{State: "draft", Stays: 1, Mean: "1 j", Median: "1 j"}}, Sorts: []sortLink{{Label: "Structure", Href: "/", Current: true}}}
				case "applications_compare":
					v = &compareView{Page: p, Call: call, Questions: []answerItem{{Section: "Section", Label: "Question"}},
						Columns: []compareColumn{{Row: row, Answers: []string{"Réponse"}}}}
				default:
					v = &applicationView{Page: p, Call: call, Row: row, NextStates: []string{"instruction"},
						Answers: []answerGroup{{Section: "Section", Items: []answerItem{{Label: "Question", Text: "Réponse"}}}},
						Events: []eventRow{{Event: ami.Event{Kind: "state", From: "submitted", To: "accepted", ByUser: 1, ByName: "Camille", Body: "Retenu"}},
							{Event: ami.Event{Kind: "interview", OnDay: "2026-03-09", ByUser: 1, ByName: "Camille", Body: "Notes"}, Private: true},
							{Event: ami.Event{Kind: "place", ByUser: 1, Body: "lieu"}}}}
				}
			case "reports":
				v = &reportsView{Page: p, Reports: []reportLink{{Code: "240400440", Name: "CC Pays Forcalquier et Montagne de Lure", Kind: "Intercommunalité", Href: "/rapports/240400440"}}}
			case "report":
				v = &reportView{Page: p, FR: e.srv.Catalogs.For("fr"), R: ami.Report{Kind: "epci", Code: "240400440", Name: "CC Pays Forcalquier et Montagne de Lure"},
					Highlights: []string{"Essentiel"}, Survey: &reportSurveyView{Title: "Enquête", Dates: "du 1er au 2 mars", Responses: "40 réponses", Findings: []string{"Constat"},
						Demand: true, DemandRange: "Entre 10 et 20", DemandShare: "12 %", DemandMethod: "Méthode"},
					Places:       []reportItem{{Name: "La Filature", Href: "/lieux/la-filature", Meta: "ouvert", Activity: "Activité", Diagnostic: "Diagnostic"}},
					Applications: []reportItem{{Name: "Mairie", Meta: "retenue"}}, Plan: []reportPlan{{Name: "Mairie", Actions: []string{"Action"}}}, PDF: "/rapports/240400440.pdf"}
			case "application_visit":
				vv, err := e.srv.newVisitView(req, ami.Application{PublicID: "a", Structure: "Mairie de Lurs", Commune: "04106"}, ami.Checklist{})
				if err != nil {
					t.Fatal(err)
				}
				v = vv
			case "diagnostic":
				v = &diagView{Page: p, Subject: diagSubject{Kind: "application", Name: "Mairie de Lurs", Base: "/gestion/candidatures/a",
					Back: "/gestion/candidatures/a", BackLabel: "diag.back_application", Visit: true}, Score: 60}
			case "calls":
				v = &publicCallsView{Page: p, Open: []publicCallCard{{PublicID: "c", Title: "Appel", Dates: "du 1er au 30", Territory: "04", Who: "Toutes", State: "open", StateText: "Ouvert"}}}
			case "call":
				v = e.srv.publicCallView(req, ami.Call{PublicID: "c", Title: "Appel", OpensOn: "2026-03-01", ClosesOn: "2026-04-30",
					Questionnaire: ami.DefaultForm(), Documents: ami.DefaultDocuments()})
			case "application_sent":
				v = &linkSentView{Page: p, Call: ami.Call{PublicID: "c", Title: "Appel"}}
			case "application_lost":
				v = &lostLinkView{Page: p, Gone: true, Calls: []option{{Value: "c", Label: "Appel"}}}
			case "application":
				v = &candidateView{Page: p, App: ami.Application{Structure: "Mairie", State: ami.Submitted, Reason: "Motif"}, Call: ami.Call{Title: "Appel", ClosesOn: "2026-04-30"},
					Base: "/candidature/x", State: "Déposé", History: []candidateEvent{{At: "hier", Text: "Dossier ouvert"}},
					Answers:   []candidateSection{{Title: "Section", Answers: []candidateAnswer{{Label: "Question", Text: "Réponse"}}}},
					Documents: []candidateDocument{{publicCallDocument: publicCallDocument{Code: "statutes", Label: "Statuts", Types: "PDF", Field: "doc.statutes", MaxMiB: 10, Required: true}}},
					Threads:   []candidateThread{{ID: 1, At: "hier", Body: "Une question ?"}}}
			case "signup", "verify", "login", "login_code", "forgot", "reset", "invitation", "email_confirm":
				v = &formView{Page: p}
			}
			if err := e.srv.render(rec, req, 200, name, v); err != nil {
				t.Errorf("%s in %s: %v", name, lang, err)
				continue
			}
			body := rec.Body.String()
			// A key shown as is means a message is missing from the catalogs.
			for _, prefix := range []string{"error.", "auth.", "account.", "totp.", "field.", "nav.", "home.", "form.", "bookpage."} {
				if i := strings.Index(body, ">"+prefix); i >= 0 {
					t.Errorf("%s in %s shows an untranslated key near %q", name, lang, body[i:min(i+40, len(body))])
				}
			}
		}
	}
}
