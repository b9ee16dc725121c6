package web

import (
	"net/http"
	"slices"
	"strings"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
)

// Rule says who may call a route.
type Rule struct {
	Name  string
	Roles []accounts.Role // nil: anyone, signed in or not
}

// The rules of the route table.
var (
	Public       = Rule{Name: "public"}
	SignedIn     = Rule{Name: "signed in", Roles: accounts.Roles}
	Inviters     = Rule{Name: "coordinator, manager", Roles: []accounts.Role{accounts.Coordinator, accounts.Manager}}
	Coordinators = Rule{Name: "coordinator", Roles: []accounts.Role{accounts.Coordinator}}
	// Editors edit places: coordinators all, managers their carriers'.
	Editors = Rule{Name: "coordinator, manager", Roles: []accounts.Role{accounts.Coordinator, accounts.Manager}}
	// Hosts run the bookings of places: coordinators all, managers their
	// carriers', concierges theirs (the booking service checks the place).
	Hosts = Rule{Name: "coordinator, manager, concierge", Roles: []accounts.Role{accounts.Coordinator, accounts.Manager, accounts.Concierge}}
	// Readers read survey results: coordinators all, managers their
	// carriers' campaigns, officials their own territories (the survey
	// service checks the campaign and the territory).
	Readers = Rule{Name: "coordinator, manager, official", Roles: []accounts.Role{accounts.Coordinator, accounts.Manager, accounts.Official}}
)

// Route is one entry of the route table.
type Route struct {
	Pattern string
	Rule    Rule
	// API routes answer JSON errors and authenticate by bearer token.
	API bool
	// Setup routes stay reachable for an account that must first set up
	// its second factor, or whose session waits for it.
	Setup   bool
	handler handlerFunc
}

// handlerFunc is a handler that returns its error to the funnel.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// routeTable declares every route once, with who may call it. Reading it
// top to bottom gives the whole surface; the authorization test checks it.
func (s *Server) routeTable() []Route {
	page := func(pattern string, rule Rule, h handlerFunc) Route {
		return Route{Pattern: pattern, Rule: rule, handler: h}
	}
	setup := func(pattern string, rule Rule, h handlerFunc) Route {
		return Route{Pattern: pattern, Rule: rule, Setup: true, handler: h}
	}
	api := func(pattern string, rule Rule, h handlerFunc) Route {
		return Route{Pattern: pattern, Rule: rule, API: true, handler: h}
	}
	return []Route{
		// Public pages and plumbing.
		page("GET /{$}", Public, s.showHome),
		page("GET /accessibilite", Public, s.showAccessibility),
		page("GET /mentions-legales", Public, s.showLegal),
		setup("POST /langue", Public, s.setLanguage),
		page("GET /static/{file...}", Public, s.serveAsset),
		page("GET /healthz", Public, s.healthz),
		page("GET /readyz", Public, s.readyz),
		page("/", Public, s.notFound),

		// The directory of places.
		page("GET /lieux", Public, s.showPlaces),
		page("GET /lieux/{slug}", Public, s.showPlace),
		page("GET /photos/{id}", Public, s.servePhoto),
		page("GET /photos/{id}/miniature", Public, s.servePhoto),
		page("GET /territoires/communes/{code}", Public, s.showCommune),
		page("GET /territoires/epci/{siren}", Public, s.showEPCI),
		page("GET /opendata", Public, s.showOpenData),
		page("GET /opendata/lieux.csv", Public, s.exportCSV),
		page("GET /opendata/lieux.json", Public, s.exportJSON),

		// Bookings: members (another member's booking answers 404).
		page("GET /lieux/{slug}/reserver", Public, s.showCalendar),
		page("POST /lieux/{slug}/reserver", SignedIn, s.bookSlot),
		page("GET /reservations", SignedIn, s.showMyBookings),
		page("GET /reservations/{id}/annulation", SignedIn, s.showCancelMyBooking),
		page("POST /reservations/{id}/annulation", SignedIn, s.cancelMyBooking),
		page("GET /reservations/{id}/deplacer", SignedIn, s.showMoveMyBooking),
		page("POST /reservations/{id}/deplacer", SignedIn, s.moveMyBooking),
		page("POST /reservations/{id}/acceptation", SignedIn, s.acceptMyBooking),
		page("POST /compte/public", SignedIn, s.saveAudience),
		page("POST /compte/calendrier", SignedIn, s.renewMemberFeed),
		page("GET /ical/{file}", Public, s.serveFeed),

		// Signing up, in and out.
		page("GET /inscription", Public, s.showSignUp),
		page("POST /inscription", Public, s.signUp),
		page("GET /verification/{token}", Public, s.showVerify),
		page("POST /verification/{token}", Public, s.verify),
		page("GET /connexion", Public, s.showLogin),
		page("POST /connexion", Public, s.login),
		setup("GET /connexion/code", Public, s.showSecondFactor),
		setup("POST /connexion/code", Public, s.secondFactor),
		setup("POST /deconnexion", Public, s.logout),
		page("GET /mot-de-passe-oublie", Public, s.showForgot),
		page("POST /mot-de-passe-oublie", Public, s.forgot),
		page("GET /mot-de-passe/{token}", Public, s.showReset),
		page("POST /mot-de-passe/{token}", Public, s.reset),
		page("GET /invitation/{token}", Public, s.showInvitation),
		page("POST /invitation/{token}", Public, s.acceptInvitation),
		page("GET /email/{token}", Public, s.showEmailConfirm),
		page("POST /email/{token}", Public, s.confirmEmail),

		// My account.
		page("GET /compte", SignedIn, s.showAccount),
		page("POST /compte/profil", SignedIn, s.saveProfile),
		page("POST /compte/email", SignedIn, s.changeEmail),
		page("POST /compte/mot-de-passe", SignedIn, s.changePassword),
		setup("GET /compte/double-authentification", SignedIn, s.showTOTPSetup),
		setup("POST /compte/double-authentification", SignedIn, s.enableTOTP),
		page("POST /compte/double-authentification/desactiver", SignedIn, s.disableTOTP),
		page("POST /compte/jetons", SignedIn, s.createToken),
		page("POST /compte/jetons/{id}/revoquer", SignedIn, s.revokeToken),
		page("GET /compte/export", SignedIn, s.exportData),
		page("POST /compte/suppression", SignedIn, s.deleteAccount),

		// Back-office.
		page("GET /admin/invitations", Inviters, s.showInvitations),
		page("POST /admin/invitations", Inviters, s.invite),
		page("GET /admin/utilisateurs", Coordinators, s.showUsers),
		page("GET /admin/securite", Coordinators, s.showSecurity),
		page("POST /admin/securite", Coordinators, s.saveSecurity),
		page("GET /admin/outbox", Coordinators, s.showOutbox),
		page("GET /admin/outbox/{id}", Coordinators, s.showOutboxMessage),

		// Places and carriers, back-office (the object's carrier is checked too).
		page("GET /gestion/lieux", Editors, s.showManagePlaces),
		page("GET /gestion/lieux/nouveau", Editors, s.showNewPlace),
		page("POST /gestion/lieux", Editors, s.createPlace),
		page("GET /gestion/lieux/{slug}", Editors, s.showEditPlace),
		page("POST /gestion/lieux/{slug}", Editors, s.updatePlace),
		page("POST /gestion/lieux/{slug}/espaces", Editors, s.addSpace),
		page("POST /gestion/lieux/{slug}/espaces/{id}", Editors, s.updateSpace),
		page("POST /gestion/lieux/{slug}/espaces/{id}/suppression", Editors, s.deleteSpace),
		page("POST /gestion/lieux/{slug}/photos", Editors, s.addPhoto),
		page("POST /gestion/lieux/{slug}/photos/{id}/suppression", Editors, s.deletePhoto),
		page("POST /gestion/lieux/{slug}/accueil", Editors, s.addStaff),
		page("POST /gestion/lieux/{slug}/accueil/{user}/retrait", Editors, s.removeStaff),
		page("GET /gestion/import", Editors, s.showImport),
		page("POST /gestion/import", Editors, s.uploadImport),
		page("GET /gestion/import/{id}", Editors, s.showImportPreview),
		page("POST /gestion/import/{id}", Editors, s.confirmImport),
		page("GET /gestion/porteurs", Editors, s.showCarriers),
		page("POST /gestion/porteurs", Coordinators, s.createCarrier),
		page("GET /gestion/porteurs/{id}", Editors, s.showCarrier),
		page("POST /gestion/porteurs/{id}", Editors, s.updateCarrier),
		page("POST /gestion/porteurs/{id}/gestionnaires", Coordinators, s.addManager),
		page("POST /gestion/porteurs/{id}/gestionnaires/{user}/retrait", Coordinators, s.removeManager),

		// Bookings: hosts and settings (the booking service checks the place).
		page("GET /accueil", Hosts, s.showHostedPlaces),
		page("GET /accueil/{slug}", Hosts, s.showHostDay),
		page("POST /accueil/{slug}/reservations", Hosts, s.bookWalkIn),
		page("POST /accueil/{slug}/reservations/{id}/presence", Hosts, s.markAttendance),
		page("POST /accueil/{slug}/reservations/{id}/decision", Hosts, s.decideBooking),
		page("POST /accueil/{slug}/reservations/{id}/annulation", Hosts, s.cancelHostedBooking),
		page("POST /accueil/{slug}/calendrier", Hosts, s.renewPlaceFeed),
		page("GET /gestion/lieux/{slug}/reservations", Editors, s.showBookingSettings),
		page("POST /gestion/lieux/{slug}/reservations/regles", Editors, s.saveBookingRules),
		page("POST /gestion/lieux/{slug}/reservations/fenetres", Editors, s.addBookingWindow),
		page("POST /gestion/lieux/{slug}/reservations/fenetres/{id}/suppression", Editors, s.deleteBookingWindow),
		page("POST /gestion/lieux/{slug}/reservations/fermetures", Editors, s.addBlockedDay),
		page("POST /gestion/lieux/{slug}/reservations/fermetures/suppression", Editors, s.deleteBlockedDay),

		// Surveys: answering (public, anonymous; rate-limited by address, never stored).
		page("GET /enquetes", Public, s.showSurveys),
		page("GET /e/{link}", Public, s.followSurveyLink),
		page("GET /enquetes/{id}", Public, s.showSurvey),
		page("POST /enquetes/{id}", Public, s.answerSurvey),
		page("GET /enquetes/{id}/merci", Public, s.showSurveyThanks),
		page("POST /enquetes/{id}/contact", Public, s.leaveSurveyContact),

		// Surveys: paper keying (the survey service checks the campaign's team).
		page("GET /gestion/enquetes/{id}/saisie", Editors, s.showPaperKeying),
		page("POST /gestion/enquetes/{id}/saisie", Editors, s.keyPaper),
		page("GET /gestion/enquetes/{id}/saisie/{sheet}/controle", Editors, s.showSecondKeying),
		page("POST /gestion/enquetes/{id}/saisie/{sheet}/controle", Editors, s.secondKeying),
		page("GET /gestion/enquetes/{id}/saisie/{sheet}", Editors, s.showSettle),
		page("POST /gestion/enquetes/{id}/saisie/{sheet}", Editors, s.settleSheet),

		// Surveys: campaigns (the survey service checks the campaign; another team's is not found).
		page("GET /gestion/enquetes", Editors, s.showAdminSurveys),
		page("GET /gestion/enquetes/nouvelle", Editors, s.showNewAdminSurvey),
		page("POST /gestion/enquetes", Editors, s.createAdminSurvey),
		page("GET /gestion/enquetes/{id}", Editors, s.showAdminSurvey),
		page("POST /gestion/enquetes/{id}", Editors, s.updateAdminSurvey),
		page("GET /gestion/enquetes/{id}/questionnaire", Editors, s.showSurveyEditor),
		page("POST /gestion/enquetes/{id}/questionnaire/questions", Editors, s.addSurveyQuestion),
		page("POST /gestion/enquetes/{id}/questionnaire/questions/{q}", Editors, s.saveSurveyQuestion),
		page("POST /gestion/enquetes/{id}/questionnaire/reglages", Editors, s.saveSurveySettings),
		page("GET /gestion/enquetes/{id}/diffusion", Editors, s.showSurveyKit),
		page("POST /admin/utilisateurs/{id}/territoires", Coordinators, s.saveOfficialAreas),

		// Surveys: distribution kit (PDF; the survey service checks the campaign's team, another team's is not found).
		page("GET /gestion/enquetes/{id}/diffusion/{commune}/tract", Editors, s.downloadKitFlyer),
		page("GET /gestion/enquetes/{id}/questionnaire-papier", Editors, s.downloadKitPaperForm),

		// Surveys: results (the survey service checks the campaign and the territory; cells under 5 are hidden).
		page("GET /enquetes/{id}/resultats", Readers, s.showSurveyResults),
		page("GET /enquetes/{id}/resultats/export", Readers, s.exportSurveyResults),
		page("GET /gestion/enquetes/{id}/reponses", Editors, s.exportSurveyAnswers),

		// Surveys: imports (the survey service checks the campaign's carrier).
		page("GET /gestion/enquetes/{id}/import", Editors, s.showSurveyImports),
		page("POST /gestion/enquetes/{id}/import", Editors, s.uploadSurveyImport),
		page("GET /gestion/enquetes/{id}/import/{imp}", Editors, s.showSurveyImport),
		page("POST /gestion/enquetes/{id}/import/{imp}", Editors, s.postSurveyImport),

		// Reports for elected officials (the calls service checks the territory; another one is not found).
		page("GET /rapports", Readers, s.showReports),
		page("GET /rapports/{file}", Readers, s.showReport),

		// Calls: instruction (the coordinators; the calls service checks it again).
		page("GET /gestion/appels", Coordinators, s.showCalls),
		page("GET /gestion/appels/nouveau", Coordinators, s.showNewCall),
		page("POST /gestion/appels", Coordinators, s.createCall),
		page("GET /gestion/appels/{id}", Coordinators, s.showCall),
		page("POST /gestion/appels/{id}", Coordinators, s.updateCall),
		page("GET /gestion/appels/{id}/comparaison", Coordinators, s.showCompare),
		page("GET /gestion/appels/{id}/export", Coordinators, s.exportCall),
		page("GET /gestion/candidatures/{id}", Coordinators, s.showApplication),
		page("GET /gestion/candidatures/{id}/documents/{doc}", Coordinators, s.serveApplicationDocument),
		page("POST /gestion/candidatures/{id}/etat", Coordinators, s.moveApplication),
		page("POST /gestion/candidatures/{id}/note", Coordinators, s.noteApplication),
		page("POST /gestion/candidatures/{id}/question", Coordinators, s.askApplication),
		page("POST /gestion/candidatures/{id}/entretien", Coordinators, s.interviewApplication),
		page("POST /gestion/candidatures/{id}/lieu", Coordinators, s.placeFromApplication),

		// Calls: form (the questions, with the survey's editor, and the documents requested; until the first file is submitted).
		page("GET /gestion/appels/{id}/formulaire", Coordinators, s.showCallForm),
		page("POST /gestion/appels/{id}/formulaire/questions", Coordinators, s.addCallQuestion),
		page("POST /gestion/appels/{id}/formulaire/questions/{q}", Coordinators, s.saveCallQuestion),
		page("GET /gestion/appels/{id}/documents", Coordinators, s.showCallDocuments),
		page("POST /gestion/appels/{id}/documents", Coordinators, s.saveCallDocuments),

		// Calls: candidates (public; the private link's secret is the authority over a file, a wrong one answers 410).
		page("GET /appels", Public, s.showPublicCalls),
		page("GET /appels/lien-perdu", Public, s.showLostLink),
		page("POST /appels/lien-perdu", Public, s.renewLink),
		page("GET /appels/{id}", Public, s.showPublicCall),
		page("POST /appels/{id}/candidature", Public, s.startApplication),
		page("GET /appels/{id}/envoye", Public, s.showLinkSent),
		page("GET /candidature/{secret}", Public, s.showCandidateFile),
		page("POST /candidature/{secret}", Public, s.saveCandidateFile),
		page("GET /candidature/{secret}/documents/{doc}", Public, s.downloadCandidateDocument),
		page("POST /candidature/{secret}/reponses/{question}", Public, s.answerTeamQuestion),

		// Calls: visits and diagnostics (the coordinators; the calls service checks it again).
		page("GET /gestion/candidatures/{id}/visite", Coordinators, s.showVisit),
		page("POST /gestion/candidatures/{id}/visite", Coordinators, s.recordVisit),
		page("GET /gestion/candidatures/{id}/diagnostic", Coordinators, s.showDiagnostic),
		page("POST /gestion/candidatures/{id}/diagnostic/ajustement", Coordinators, s.adjustDiagnostic),
		page("POST /gestion/candidatures/{id}/actions", Coordinators, s.addPlanAction),
		page("POST /gestion/candidatures/{id}/actions/{action}", Coordinators, s.updatePlanAction),
		page("GET /gestion/lieux/{slug}/diagnostic", Coordinators, s.showDiagnostic),
		page("POST /gestion/lieux/{slug}/diagnostic/ajustement", Coordinators, s.adjustDiagnostic),
		page("POST /gestion/lieux/{slug}/actions", Coordinators, s.addPlanAction),
		page("POST /gestion/lieux/{slug}/actions/{action}", Coordinators, s.updatePlanAction),

		// JSON API.
		api("GET /api/v1/me", SignedIn, s.apiMe),
		api("GET /api/v1/places", Public, s.apiPlaces),
		api("GET /api/v1/places/{slug}", Public, s.apiPlace),
		api("GET /api/v1/communes", Public, s.apiCommunes),
		api("GET /api/v1/epci/{siren}", Public, s.apiEPCI),
		api("GET /api/v1/places/{slug}/availability", Public, s.apiAvailability),
		api("POST /api/v1/bookings", SignedIn, s.apiBook),
		api("GET /api/v1/bookings", SignedIn, s.apiBookings),
		api("POST /api/v1/bookings/{id}/cancel", SignedIn, s.apiCancelBooking),
		api("POST /api/v1/bookings/{id}/move", SignedIn, s.apiMoveBooking),
		api("POST /api/v1/bookings/{id}/check-in", Hosts, s.apiCheckIn),
		api("GET /api/v1/surveys", Readers, s.apiSurveys),
		api("GET /api/v1/surveys/{id}/results", Readers, s.apiSurveyResults),
		api("GET /api/v1/calls", Public, s.apiCalls),
		api("GET /api/v1/calls/{id}/applications", Coordinators, s.apiCallApplications),
		api("/api/v1/", Public, s.apiNotFound),
	}
}

// guard enforces a route's rule before its handler runs, then sends the
// handler's error to the funnel.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if route, ok := r.Context().Value(routeKey{}).(*string); ok {
			*route = rt.Pattern
		}
		st := stateOf(r)
		st.api = rt.API
		if rt.API {
			s.authenticateAPI(r, st)
		}
		if err := s.allow(r, rt, st); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := rt.handler(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// errMustSetUpTOTP sends staff who must use a second factor to its setup.
var errMustSetUpTOTP = coop.Errorf(coop.ETwoFactor, "totp.setup_required")

func (s *Server) allow(r *http.Request, rt Route, st *state) error {
	if st.user != nil && !rt.Setup && !rt.API {
		need, err := s.Accounts.NeedsTOTPSetup(r.Context(), *st.user)
		if err != nil {
			return err
		}
		if need {
			return errMustSetUpTOTP
		}
	}
	if rt.Rule.Roles == nil {
		return nil
	}
	if st.user == nil {
		return coop.Errorf(coop.EUnauthorized, "auth.sign_in_required")
	}
	if !slices.Contains(rt.Rule.Roles, st.user.Role) {
		return coop.Errorf(coop.EForbidden, "error.forbidden")
	}
	return nil
}

// authenticateAPI reads the bearer token of an API request; the API never
// uses the session cookie, so it needs no CSRF defence of its own.
func (s *Server) authenticateAPI(r *http.Request, st *state) {
	st.user, st.session = nil, nil
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return
	}
	u, err := s.Accounts.APITokenUser(r.Context(), strings.TrimSpace(token))
	if err == nil {
		st.user = &u
	}
	st.badToken = err != nil
}
