package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/booking"
	"coopconnect/internal/db"
	"coopconnect/internal/opendata"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// The actors every route is called as.
const (
	anonymous   = "anonymous"
	memberA     = "member A"
	memberB     = "member B"
	concierge   = "concierge"
	manager     = "manager"
	official    = "official"
	coordinator = "coordinator"
)

var actors = []string{anonymous, memberB, memberA, concierge, manager, official, coordinator}

// expect builds an expectation: status for everyone, with overrides.
func expect(all int, overrides ...any) map[string]int {
	m := map[string]int{}
	for _, a := range actors {
		m[a] = all
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		m[overrides[i].(string)] = overrides[i+1].(int)
	}
	return m
}

// signedIn: anonymous is sent to the login page, everyone else gets ok.
func signedIn(ok int) map[string]int { return expect(ok, anonymous, http.StatusSeeOther) }

// only: the listed roles get ok, other accounts 403, anonymous the login page.
func only(ok int, roles ...string) map[string]int {
	m := expect(http.StatusForbidden, anonymous, http.StatusSeeOther)
	for _, r := range roles {
		m[r] = ok
	}
	return m
}

// TestAuthorization_EveryRouteAsEveryActor calls every registered route as
// every actor — including another member's objects — and checks the
// status. A route missing here fails the test: add it with its rule.
func TestAuthorization_EveryRouteAsEveryActor(t *testing.T) {
	e := newEnv(t, db.SQLite, nil)
	ctx := context.Background()
	users := map[string]accounts.User{
		memberA:     e.user("a@example.fr", accounts.Member),
		memberB:     e.user("b@example.fr", accounts.Member),
		concierge:   e.user("accueil@example.fr", accounts.Concierge),
		manager:     e.user("gestion@example.fr", accounts.Manager),
		official:    e.user("elu@example.fr", accounts.Official),
		coordinator: e.user("coord@example.fr", accounts.Coordinator),
	}
	tokens := map[string]string{}
	for name, u := range users {
		tok, err := e.acc.CreateAPIToken(ctx, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
	}
	// Member A's own API token, which member B must not be able to revoke.
	if _, err := e.acc.CreateAPIToken(ctx, users[memberA].ID, "to revoke"); err != nil {
		t.Fatal(err)
	}
	list, err := e.acc.APITokens(ctx, users[memberA].ID)
	if err != nil {
		t.Fatal(err)
	}
	tokenA := list[0].PublicID
	// An email in the outbox, for the coordinator's reader.
	if err := e.acc.RequestPasswordReset(ctx, "a@example.fr"); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := e.srv.Mailer.List(ctx, 1, 0)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox: %v, %v", msgs, err)
	}
	outboxID := msgs[0].ID
	// A carrier of the manager, and another one whose place, space and
	// photo the manager must not touch.
	pl := e.srv.Places
	mine, err := pl.CreateCarrier(ctx, users[coordinator], places.CarrierInput{Name: "Porteur A", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.AddManager(ctx, users[coordinator], mine.ID, users[manager].Email); err != nil {
		t.Fatal(err)
	}
	theirs, err := pl.CreateCarrier(ctx, users[coordinator], places.CarrierInput{Name: "Porteur B", Kind: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	place, err := pl.CreatePlace(ctx, users[coordinator], places.PlaceInput{CarrierID: strconv.FormatInt(theirs.ID, 10), Name: "Lieu B",
		Kind: "tiers_lieu", Status: "open", Address: "1 rue", Commune: "05061", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	space, err := pl.AddSpace(ctx, users[coordinator], place.Slug, places.SpaceInput{Name: "Salle", Kind: "office", Capacity: "2", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	photo, err := pl.AddPhoto(ctx, users[coordinator], place.Slug, "", "Façade", testPNG(t))
	if err != nil {
		t.Fatal(err)
	}
	var csvFile bytes.Buffer
	if err := opendata.WriteCSV(&csvFile, opendata.Rows(opendata.Sources([]places.Place{place}, []places.Carrier{theirs}), e.srv.Territory, "http://localhost:8080", time.Now())); err != nil {
		t.Fatal(err)
	}
	upload, err := e.srv.Imports.Save(ctx, users[coordinator], opendata.FormatStandard, "lieux.csv", strconv.FormatInt(theirs.ID, 10), csvFile.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// Bookings of members A and B at a place open round the clock, public
	// holidays included (the test runs at the real time).
	openPlace, err := pl.CreatePlace(ctx, users[coordinator], places.PlaceInput{CarrierID: strconv.FormatInt(theirs.ID, 10), Name: "Lieu ouvert",
		Kind: "tiers_lieu", Status: "open", Address: "2 rue", Commune: "05061", Audience: "both", OpeningHours: "24/7; PH open"})
	if err != nil {
		t.Fatal(err)
	}
	office, err := pl.AddSpace(ctx, users[coordinator], openPlace.Slug, places.SpaceInput{Name: "Bureau", Kind: "office", Capacity: "1", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Truncate(time.Hour).Add(48 * time.Hour)
	bookingOf := func(actor string, start time.Time) string {
		b, err := e.srv.Booking.Book(ctx, booking.Request{By: users[actor], SpacePublicID: office.PublicID, Start: start, End: start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return "/api/v1/bookings/" + b.PublicID
	}
	apiBookingA, apiBookingB := bookingOf(memberA, later), bookingOf(memberB, later.Add(time.Hour))
	apiMovingA := bookingOf(memberA, later.Add(5*time.Hour))
	moveTo := `{"start": "` + later.Add(6*time.Hour).Format(time.RFC3339) + `", "end": "` + later.Add(7*time.Hour).Format(time.RFC3339) + `"}`
	// The staff's side at the open place: a walk-in, a window and a blocked
	// day for the coordinator to act on. The concierge hosts another place,
	// of the manager's carrier: both are another place's staff here.
	walkIn, err := e.srv.Booking.Book(ctx, booking.Request{By: users[coordinator], GuestName: "Visiteur", GuestContact: "06 12 34 56 78",
		Audience: booking.AudienceProfessionals, SpacePublicID: office.PublicID, Start: later.Add(3 * time.Hour), End: later.Add(4 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	window, err := e.srv.Booking.AddWindow(ctx, users[coordinator], openPlace.Slug, booking.WindowInput{Audience: booking.AudienceProfessionals,
		Days: []string{"2"}, Start: "14:00", End: "17:00"})
	if err != nil {
		t.Fatal(err)
	}
	closedDay := later.AddDate(0, 0, 7).Format(time.DateOnly)
	if err := e.srv.Booking.Block(ctx, users[coordinator], openPlace.Slug, booking.BlockedInput{Day: closedDay}); err != nil {
		t.Fatal(err)
	}
	hostedByConcierge, err := pl.CreatePlace(ctx, users[coordinator], places.PlaceInput{CarrierID: strconv.FormatInt(mine.ID, 10), Name: "Lieu A",
		Kind: "tiers_lieu", Status: "open", Address: "3 rue", Commune: "05061", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.AddStaff(ctx, users[coordinator], hostedByConcierge.Slug, users[concierge].Email); err != nil {
		t.Fatal(err)
	}
	// A private calendar address (Lieu A's occupancy): the secret is the key.
	feedSecret, err := e.srv.Booking.RenewPlaceFeed(ctx, users[coordinator], hostedByConcierge.Slug)
	if err != nil {
		t.Fatal(err)
	}
	hostPath := "/accueil/" + openPlace.Slug
	walkInPath := hostPath + "/reservations/" + walkIn.PublicID
	settingsPath := "/gestion/lieux/" + openPlace.Slug + "/reservations"
	// Member A's bookings for the members' pages: one to cancel, one to
	// open, move and accept. Everyone else, the staff included, gets 404.
	bookable, err := pl.CreatePlace(ctx, users[coordinator], places.PlaceInput{CarrierID: strconv.FormatInt(theirs.ID, 10), Name: "Lieu réservable",
		Kind: "tiers_lieu", Status: "open", Address: "4 rue", Commune: "05061", Audience: "both", OpeningHours: "24/7; PH open"})
	if err != nil {
		t.Fatal(err)
	}
	room, err := pl.AddSpace(ctx, users[coordinator], bookable.Slug, places.SpaceInput{Name: "Salle", Kind: "meeting_room", Capacity: "4", Audience: "both"})
	if err != nil {
		t.Fatal(err)
	}
	memberBooking := func(start time.Time) string {
		b, err := e.srv.Booking.Book(ctx, booking.Request{By: users[memberA], SpacePublicID: room.PublicID, Start: start, End: start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return "/reservations/" + b.PublicID
	}
	tomorrow := time.Now().Truncate(time.Hour).Add(24 * time.Hour)
	toCancel, toKeep := memberBooking(tomorrow), memberBooking(tomorrow.Add(time.Hour))
	placePath := "/gestion/lieux/" + place.Slug
	carrierPath := "/gestion/porteurs/" + strconv.FormatInt(theirs.ID, 10)
	// A route on another carrier's object: the coordinator passes, the
	// manager of another carrier is refused like any other account.
	othersObject := func(ok, managerStatus int) map[string]int {
		m := only(ok, coordinator)
		m[manager] = managerStatus
		return m
	}
	// A survey campaign of the network (no carrier): the manager, of
	// another carrier, does not find it, nor its editor and kit.
	adminCampaign, err := e.srv.Surveys.Create(ctx, users[coordinator], survey.Input{Title: "Enquête du réseau", Privacy: survey.DefaultPrivacy,
		OpensOn: survey.Paris(time.Now()), ClosesOn: survey.Paris(time.Now().AddDate(0, 1, 0)), Areas: "05061"})
	if err != nil {
		t.Fatal(err)
	}
	campaignPath := "/gestion/enquetes/" + adminCampaign.PublicID
	// A campaign open to answers, with a paper sheet keyed twice that
	// disagrees: the manager, of another carrier, does not find it.
	answered, err := e.srv.Surveys.Create(ctx, users[coordinator], survey.Input{Title: "Enquête ouverte", Privacy: survey.DefaultPrivacy,
		OpensOn: survey.Paris(time.Now().AddDate(0, 0, -1)), ClosesOn: survey.Paris(time.Now().AddDate(0, 0, 30)), Areas: "240400440"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Surveys.KeyPaper(ctx, users[coordinator], answered.PublicID, "1", survey.Answers{"status": {Choices: []string{"retired"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Surveys.SecondKeying(ctx, users[coordinator], answered.PublicID, "1", survey.Answers{"status": {Choices: []string{"student"}}}); err != nil {
		t.Fatal(err)
	}
	answerPath, keyingPath := "/enquetes/"+answered.PublicID, "/gestion/enquetes/"+answered.PublicID+"/saisie"
	// A campaign of the network with an export waiting for its import:
	// the manager, of another carrier, finds neither.
	importCampaign, err := e.srv.Surveys.Create(ctx, users[coordinator], survey.Input{Title: "Enquête importée", Privacy: survey.DefaultPrivacy,
		OpensOn: survey.Paris(time.Now().AddDate(0, -1, 0)), ClosesOn: survey.Paris(time.Now()), Areas: "240400440"})
	if err != nil {
		t.Fatal(err)
	}
	surveyImportPath := "/gestion/enquetes/" + importCampaign.PublicID + "/import"
	surveyUpload, err := e.srv.Surveys.Upload(ctx, users[coordinator], importCampaign.PublicID, "export.csv",
		[]byte("id,submitdate,lastpage,startlanguage,homecommune,useplace\n1,2025-05-12 09:41:27,2,fr,Forcalquier,A1\n"))
	if err != nil {
		t.Fatal(err)
	}
	// A campaign of the network on Forcalquier, for its results: the
	// official (whose territories another route clears) and the manager,
	// of another carrier, do not find it.
	resultsCampaign, err := e.srv.Surveys.Create(ctx, users[coordinator], survey.Input{Title: "Enquête et résultats", Privacy: survey.DefaultPrivacy,
		OpensOn: survey.Paris(time.Now().AddDate(0, 0, -1)), ClosesOn: survey.Paris(time.Now().AddDate(0, 0, 30)), Areas: "04088"})
	if err != nil {
		t.Fatal(err)
	}
	resultsPath := "/enquetes/" + resultsCampaign.PublicID + "/resultats"
	// readers: coordinators, managers and officials pass the rule, the
	// campaign decides; other accounts 403, anonymous the login page.
	readers := func(ok, notTheirs int) map[string]int {
		m := only(ok, coordinator)
		m[manager], m[official] = notTheirs, notTheirs
		return m
	}
	apiReaders := func(m map[string]int) map[string]int {
		m[anonymous] = http.StatusUnauthorized
		return m
	}
	// Calls, the candidates' side: an open call and a draft whose private
	// link is known, with a document and a question of the team. The
	// first caller (anonymous) removes the document; the others find it gone.
	publicCall, err := e.srv.Calls.CreateCall(ctx, users[coordinator], ami.CallInput{Title: "Appel ouvert aux candidats",
		OpensOn: survey.Paris(time.Now().AddDate(0, 0, -1)), ClosesOn: survey.Paris(time.Now().AddDate(0, 0, 30))})
	if err != nil {
		t.Fatal(err)
	}
	_, candidateSecret, err := e.srv.Calls.Start(ctx, publicCall.PublicID, ami.StartInput{Structure: "Mairie", CarrierKind: "commune", Commune: "05061",
		ContactName: "Candidate", ContactEmail: "candidate@example.fr"}, survey.Paris(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	candidateDoc, err := e.srv.Calls.UploadDocument(ctx, candidateSecret, "statutes", "statuts.pdf", []byte("%PDF-1.4\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	var candidateQuestion int64
	if err := e.db.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO application_events (application_id, at, by_user, kind, body)
			SELECT id, $1, $2, 'question', 'Une question ?' FROM applications WHERE call_id = $3 RETURNING id`,
			tx.Now, users[coordinator].ID, publicCall.ID).Scan(&candidateQuestion)
	}); err != nil {
		t.Fatal(err)
	}
	callPath, candidatePath := "/appels/"+publicCall.PublicID, "/candidature/"+candidateSecret
	empty := url.Values{}

	// A call and an application, for the instruction back-office (coordinators only).
	instrCall, err := e.srv.Calls.CreateCall(ctx, users[coordinator], ami.CallInput{Title: "Appel des tiers-lieux", OpensOn: survey.Paris(time.Now().AddDate(0, 0, -1)),
		ClosesOn: survey.Paris(time.Now().AddDate(0, 0, 30))})
	if err != nil {
		t.Fatal(err)
	}
	instrApp, _, err := e.srv.Calls.Start(ctx, instrCall.PublicID, ami.StartInput{Structure: "Mairie de Lurs", CarrierKind: "commune", Commune: "04106",
		ContactName: "Jeanne Roux", ContactEmail: "mairie@lurs.example.fr"}, survey.Paris(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	instrCallPath, instrAppPath := "/gestion/appels/"+instrCall.PublicID, "/gestion/candidatures/"+instrApp.PublicID
	apiCoordinators := only(200, coordinator)
	apiCoordinators[anonymous] = http.StatusUnauthorized

	type call struct {
		path   string
		form   url.Values
		expect map[string]int
	}
	table := map[string]call{
		"GET /{$}":              {"/", nil, expect(200)},
		"GET /accessibilite":    {"/accessibilite", nil, expect(200)},
		"GET /mentions-legales": {"/mentions-legales", nil, expect(200)},
		"POST /langue":          {"/langue", url.Values{"lang": {"en"}, "retour": {"/compte"}}, expect(303)},
		"GET /static/{file...}": {e.srv.assets.URL("css/app.css"), nil, expect(200)},
		"GET /healthz":          {"/healthz", nil, expect(200)},
		"GET /readyz":           {"/readyz", nil, expect(200)},
		"/":                     {"/nulle-part", nil, expect(404)},

		"GET /inscription":           {"/inscription", nil, expect(200)},
		"POST /inscription":          {"/inscription", empty, expect(422)},
		"GET /verification/{token}":  {"/verification/inconnu", nil, expect(410)},
		"POST /verification/{token}": {"/verification/inconnu", empty, expect(410)},
		"GET /connexion":             {"/connexion", nil, expect(303, anonymous, 200)},
		"POST /connexion":            {"/connexion", empty, expect(422)},
		"GET /connexion/code":        {"/connexion/code", nil, expect(303)},
		"POST /connexion/code":       {"/connexion/code", empty, expect(303)},
		"POST /deconnexion":          {"/deconnexion", empty, expect(303)},
		"GET /mot-de-passe-oublie":   {"/mot-de-passe-oublie", nil, expect(200)},
		"POST /mot-de-passe-oublie":  {"/mot-de-passe-oublie", empty, expect(422)},
		"GET /mot-de-passe/{token}":  {"/mot-de-passe/inconnu", nil, expect(410)},
		"POST /mot-de-passe/{token}": {"/mot-de-passe/inconnu", url.Values{"password": {"un-mot-de-passe-long"}, "password_confirm": {"un-mot-de-passe-long"}}, expect(410)},
		"GET /invitation/{token}":    {"/invitation/inconnu", nil, expect(410)},
		"POST /invitation/{token}":   {"/invitation/inconnu", empty, expect(410)},
		"GET /email/{token}":         {"/email/inconnu", nil, expect(410)},
		"POST /email/{token}":        {"/email/inconnu", empty, expect(410)},

		"GET /compte":                                     {"/compte", nil, signedIn(200)},
		"POST /compte/profil":                             {"/compte/profil", empty, signedIn(422)},
		"POST /compte/email":                              {"/compte/email", empty, signedIn(422)},
		"POST /compte/mot-de-passe":                       {"/compte/mot-de-passe", empty, signedIn(422)},
		"GET /compte/double-authentification":             {"/compte/double-authentification", nil, signedIn(200)},
		"POST /compte/double-authentification":            {"/compte/double-authentification", empty, signedIn(422)},
		"POST /compte/double-authentification/desactiver": {"/compte/double-authentification/desactiver", empty, signedIn(422)},
		"POST /compte/jetons":                             {"/compte/jetons", empty, signedIn(422)},
		"POST /compte/jetons/{id}/revoquer":               {"/compte/jetons/" + tokenA + "/revoquer", empty, expect(404, anonymous, 303, memberA, 303)},
		"GET /compte/export":                              {"/compte/export", nil, signedIn(200)},
		"POST /compte/suppression":                        {"/compte/suppression", empty, signedIn(422)},

		"GET /admin/invitations":  {"/admin/invitations", nil, only(200, coordinator, manager)},
		"POST /admin/invitations": {"/admin/invitations", empty, only(422, coordinator, manager)},
		"GET /admin/utilisateurs": {"/admin/utilisateurs", nil, only(200, coordinator)},
		"GET /admin/securite":     {"/admin/securite", nil, only(200, coordinator)},
		"POST /admin/securite":    {"/admin/securite", empty, only(303, coordinator)},
		"GET /admin/outbox":       {"/admin/outbox", nil, only(200, coordinator)},
		"GET /admin/outbox/{id}":  {"/admin/outbox/" + itoa(outboxID), nil, only(200, coordinator)},

		"GET /lieux":                                               {"/lieux", nil, expect(200)},
		"GET /lieux/{slug}":                                        {"/lieux/" + place.Slug, nil, expect(200)},
		"GET /photos/{id}":                                         {"/photos/" + photo.PublicID, nil, expect(200)},
		"GET /photos/{id}/miniature":                               {"/photos/" + photo.PublicID + "/miniature", nil, expect(200)},
		"GET /territoires/communes/{code}":                         {"/territoires/communes/05061", nil, expect(200)},
		"GET /territoires/epci/{siren}":                            {"/territoires/epci/" + mustCommune(t, e, "05061").EPCI, nil, expect(200)},
		"GET /opendata":                                            {"/opendata", nil, expect(200)},
		"GET /opendata/lieux.csv":                                  {"/opendata/lieux.csv", nil, expect(200)},
		"GET /opendata/lieux.json":                                 {"/opendata/lieux.json", nil, expect(200)},
		"GET /lieux/{slug}/reserver":                               {"/lieux/" + bookable.Slug + "/reserver", nil, expect(200)},
		"POST /lieux/{slug}/reserver":                              {"/lieux/" + bookable.Slug + "/reserver", empty, signedIn(422)},
		"GET /reservations":                                        {"/reservations", nil, signedIn(200)},
		"GET /reservations/{id}/annulation":                        {toKeep + "/annulation", nil, expect(404, anonymous, 303, memberA, 200)},
		"POST /reservations/{id}/annulation":                       {toCancel + "/annulation", empty, expect(404, anonymous, 303, memberA, 303)},
		"GET /reservations/{id}/deplacer":                          {toKeep + "/deplacer", nil, expect(404, anonymous, 303, memberA, 200)},
		"POST /reservations/{id}/deplacer":                         {toKeep + "/deplacer", empty, expect(404, anonymous, 303, memberA, 422)},
		"POST /reservations/{id}/acceptation":                      {toKeep + "/acceptation", empty, expect(404, anonymous, 303, memberA, 303)},
		"POST /compte/public":                                      {"/compte/public", empty, signedIn(422)},
		"POST /compte/calendrier":                                  {"/compte/calendrier", empty, signedIn(303)},
		"GET /ical/{file}":                                         {"/ical/" + feedSecret + ".ics", nil, expect(200)},
		"GET /gestion/lieux":                                       {"/gestion/lieux", nil, only(200, coordinator, manager)},
		"GET /gestion/lieux/nouveau":                               {"/gestion/lieux/nouveau", nil, only(200, coordinator, manager)},
		"POST /gestion/lieux":                                      {"/gestion/lieux", empty, only(422, coordinator, manager)},
		"GET /gestion/lieux/{slug}":                                {placePath, nil, othersObject(200, 403)},
		"POST /gestion/lieux/{slug}":                               {placePath, empty, othersObject(422, 403)},
		"POST /gestion/lieux/{slug}/espaces":                       {placePath + "/espaces", empty, othersObject(422, 403)},
		"POST /gestion/lieux/{slug}/espaces/{id}":                  {placePath + "/espaces/" + space.PublicID, empty, othersObject(303, 403)},
		"POST /gestion/lieux/{slug}/espaces/{id}/suppression":      {placePath + "/espaces/" + space.PublicID + "/suppression", empty, othersObject(303, 403)},
		"POST /gestion/lieux/{slug}/photos":                        {placePath + "/photos", empty, othersObject(422, 403)},
		"POST /gestion/lieux/{slug}/photos/{id}/suppression":       {placePath + "/photos/" + photo.PublicID + "/suppression", empty, othersObject(303, 403)},
		"POST /gestion/lieux/{slug}/accueil":                       {placePath + "/accueil", empty, othersObject(422, 403)},
		"POST /gestion/lieux/{slug}/accueil/{user}/retrait":        {placePath + "/accueil/" + strconv.FormatInt(users[concierge].ID, 10) + "/retrait", empty, othersObject(303, 403)},
		"GET /gestion/import":                                      {"/gestion/import", nil, only(200, coordinator, manager)},
		"POST /gestion/import":                                     {"/gestion/import", empty, only(422, coordinator, manager)},
		"GET /gestion/import/{id}":                                 {"/gestion/import/" + upload.PublicID, nil, othersObject(200, 404)},
		"POST /gestion/import/{id}":                                {"/gestion/import/" + upload.PublicID, empty, othersObject(303, 404)},
		"GET /gestion/porteurs":                                    {"/gestion/porteurs", nil, only(200, coordinator, manager)},
		"POST /gestion/porteurs":                                   {"/gestion/porteurs", empty, only(422, coordinator)},
		"GET /gestion/porteurs/{id}":                               {carrierPath, nil, othersObject(200, 404)},
		"POST /gestion/porteurs/{id}":                              {carrierPath, empty, othersObject(422, 404)},
		"POST /gestion/porteurs/{id}/gestionnaires":                {carrierPath + "/gestionnaires", empty, only(422, coordinator)},
		"POST /gestion/porteurs/{id}/gestionnaires/{user}/retrait": {carrierPath + "/gestionnaires/" + strconv.FormatInt(users[manager].ID, 10) + "/retrait", empty, only(303, coordinator)},

		// Survey campaigns: Editors, and the campaign's own team (404 otherwise).
		"GET /gestion/enquetes":                                   {"/gestion/enquetes", nil, only(200, coordinator, manager)},
		"GET /gestion/enquetes/nouvelle":                          {"/gestion/enquetes/nouvelle", nil, only(200, coordinator, manager)},
		"POST /gestion/enquetes":                                  {"/gestion/enquetes", empty, only(422, coordinator, manager)},
		"GET /gestion/enquetes/{id}":                              {campaignPath, nil, othersObject(200, 404)},
		"POST /gestion/enquetes/{id}":                             {campaignPath, empty, othersObject(422, 404)},
		"GET /gestion/enquetes/{id}/questionnaire":                {campaignPath + "/questionnaire", nil, othersObject(200, 404)},
		"POST /gestion/enquetes/{id}/questionnaire/questions":     {campaignPath + "/questionnaire/questions", empty, othersObject(422, 404)},
		"POST /gestion/enquetes/{id}/questionnaire/questions/{q}": {campaignPath + "/questionnaire/questions/comment", empty, othersObject(409, 404)},
		"POST /gestion/enquetes/{id}/questionnaire/reglages":      {campaignPath + "/questionnaire/reglages", empty, othersObject(409, 404)},
		"GET /gestion/enquetes/{id}/diffusion":                    {campaignPath + "/diffusion", nil, othersObject(200, 404)},
		"POST /admin/utilisateurs/{id}/territoires":               {"/admin/utilisateurs/" + itoa(users[official].ID) + "/territoires", empty, only(303, coordinator)},

		// Surveys: answering, public (an empty answer or contact is refused);
		// paper keying, the campaign's team (an empty sheet is refused).
		"GET /enquetes":                                       {"/enquetes", nil, expect(200)},
		"GET /e/{link}":                                       {"/e/" + answered.Communes[0].Link, nil, expect(303)},
		"GET /enquetes/{id}":                                  {answerPath, nil, expect(200)},
		"POST /enquetes/{id}":                                 {answerPath, empty, expect(422)},
		"GET /enquetes/{id}/merci":                            {answerPath + "/merci", nil, expect(200)},
		"POST /enquetes/{id}/contact":                         {answerPath + "/contact", empty, expect(422)},
		"GET /gestion/enquetes/{id}/saisie":                   {keyingPath, nil, othersObject(200, 404)},
		"POST /gestion/enquetes/{id}/saisie":                  {keyingPath, empty, othersObject(422, 404)},
		"GET /gestion/enquetes/{id}/saisie/{sheet}/controle":  {keyingPath + "/1/controle", nil, othersObject(200, 404)},
		"POST /gestion/enquetes/{id}/saisie/{sheet}/controle": {keyingPath + "/1/controle", empty, othersObject(422, 404)},
		"GET /gestion/enquetes/{id}/saisie/{sheet}":           {keyingPath + "/1", nil, othersObject(200, 404)},
		"POST /gestion/enquetes/{id}/saisie/{sheet}":          {keyingPath + "/1", empty, othersObject(422, 404)},

		// Survey imports: Editors, and the campaign's own team (404 otherwise);
		// an empty upload is refused, a form without an action goes back.
		"GET /gestion/enquetes/{id}/import":        {surveyImportPath, nil, othersObject(200, 404)},
		"POST /gestion/enquetes/{id}/import":       {surveyImportPath, empty, othersObject(422, 404)},
		"GET /gestion/enquetes/{id}/import/{imp}":  {surveyImportPath + "/" + surveyUpload.PublicID, nil, othersObject(200, 404)},
		"POST /gestion/enquetes/{id}/import/{imp}": {surveyImportPath + "/" + surveyUpload.PublicID, empty, othersObject(303, 404)},

		// Another carrier's place: its manager is refused, and so is a
		// concierge of another place, as any other account.
		"GET /accueil":                                                      {"/accueil", nil, only(200, coordinator, manager, concierge)},
		"GET /accueil/{slug}":                                               {hostPath, nil, only(200, coordinator)},
		"POST /accueil/{slug}/reservations":                                 {hostPath + "/reservations", empty, only(422, coordinator)},
		"POST /accueil/{slug}/reservations/{id}/presence":                   {walkInPath + "/presence", url.Values{"presence": {"present"}}, only(303, coordinator)},
		"POST /accueil/{slug}/reservations/{id}/decision":                   {walkInPath + "/decision", url.Values{"decision": {"approve"}}, only(303, coordinator)},
		"POST /accueil/{slug}/reservations/{id}/annulation":                 {walkInPath + "/annulation", empty, only(303, coordinator)},
		"POST /accueil/{slug}/calendrier":                                   {hostPath + "/calendrier", empty, only(303, coordinator)},
		"GET /gestion/lieux/{slug}/reservations":                            {settingsPath, nil, only(200, coordinator)},
		"POST /gestion/lieux/{slug}/reservations/regles":                    {settingsPath + "/regles", empty, only(303, coordinator)},
		"POST /gestion/lieux/{slug}/reservations/fenetres":                  {settingsPath + "/fenetres", empty, only(422, coordinator)},
		"POST /gestion/lieux/{slug}/reservations/fenetres/{id}/suppression": {settingsPath + "/fenetres/" + window.PublicID + "/suppression", empty, only(303, coordinator)},
		"POST /gestion/lieux/{slug}/reservations/fermetures":                {settingsPath + "/fermetures", empty, only(422, coordinator)},
		"POST /gestion/lieux/{slug}/reservations/fermetures/suppression":    {settingsPath + "/fermetures/suppression", url.Values{"space": {""}, "day": {closedDay}}, only(303, coordinator)},

		// The distribution kit's PDFs: Editors, and the campaign's own team (404 otherwise).
		"GET /gestion/enquetes/{id}/diffusion/{commune}/tract": {campaignPath + "/diffusion/05061/tract", nil, othersObject(200, 404)},
		"GET /gestion/enquetes/{id}/questionnaire-papier":      {campaignPath + "/questionnaire-papier?commune=05061", nil, othersObject(200, 404)},

		// Survey results: Readers, and the campaign decides (404 for those it does not concern).
		"GET /enquetes/{id}/resultats":        {resultsPath, nil, readers(200, 404)},
		"GET /enquetes/{id}/resultats/export": {resultsPath + "/export?format=csv", nil, readers(200, 404)},
		"GET /rapports":                       {"/rapports", nil, readers(200, 200)},
		"GET /rapports/{file}":                {"/rapports/240400440.pdf", nil, readers(200, 404)},
		"GET /gestion/enquetes/{id}/reponses": {"/gestion/enquetes/" + resultsCampaign.PublicID + "/reponses?format=csv", nil, othersObject(200, 404)},
		"GET /api/v1/surveys":                 {"/api/v1/surveys", nil, apiReaders(readers(200, 200))},
		"GET /api/v1/surveys/{id}/results":    {"/api/v1/surveys/" + resultsCampaign.PublicID + "/results", nil, apiReaders(readers(200, 404))},

		// Calls: instruction (coordinators; another account 403). An empty
		// form is refused (422); a draft does not become a place (409).
		"GET /gestion/appels":                            {"/gestion/appels", nil, only(200, coordinator)},
		"GET /gestion/appels/nouveau":                    {"/gestion/appels/nouveau", nil, only(200, coordinator)},
		"POST /gestion/appels":                           {"/gestion/appels", empty, only(422, coordinator)},
		"GET /gestion/appels/{id}":                       {instrCallPath, nil, only(200, coordinator)},
		"POST /gestion/appels/{id}":                      {instrCallPath, empty, only(422, coordinator)},
		"GET /gestion/appels/{id}/comparaison":           {instrCallPath + "/comparaison?ids=" + instrApp.PublicID, nil, only(200, coordinator)},
		"GET /gestion/appels/{id}/export":                {instrCallPath + "/export?format=csv", nil, only(200, coordinator)},
		"GET /gestion/candidatures/{id}":                 {instrAppPath, nil, only(200, coordinator)},
		"GET /gestion/candidatures/{id}/documents/{doc}": {instrAppPath + "/documents/inconnu", nil, only(404, coordinator)},
		"POST /gestion/candidatures/{id}/etat":           {instrAppPath + "/etat", empty, only(422, coordinator)},
		"POST /gestion/candidatures/{id}/note":           {instrAppPath + "/note", empty, only(422, coordinator)},
		"POST /gestion/candidatures/{id}/question":       {instrAppPath + "/question", empty, only(422, coordinator)},
		"POST /gestion/candidatures/{id}/entretien":      {instrAppPath + "/entretien", empty, only(422, coordinator)},
		"POST /gestion/candidatures/{id}/lieu":           {instrAppPath + "/lieu", url.Values{"status": {"project"}}, only(409, coordinator)},
		"GET /api/v1/calls":                              {"/api/v1/calls", nil, expect(200)},
		"GET /api/v1/calls/{id}/applications":            {"/api/v1/calls/" + instrCall.PublicID + "/applications", nil, apiCoordinators},

		// Calls: form (coordinators; another account 403). An empty form is
		// refused (422).
		"GET /gestion/appels/{id}/formulaire":                {instrCallPath + "/formulaire", nil, only(200, coordinator)},
		"POST /gestion/appels/{id}/formulaire/questions":     {instrCallPath + "/formulaire/questions", empty, only(422, coordinator)},
		"POST /gestion/appels/{id}/formulaire/questions/{q}": {instrCallPath + "/formulaire/questions/carrier", empty, only(409, coordinator)},
		"GET /gestion/appels/{id}/documents":                 {instrCallPath + "/documents", nil, only(200, coordinator)},
		"POST /gestion/appels/{id}/documents":                {instrCallPath + "/documents", empty, only(422, coordinator)},

		// Calls: visits and diagnostics (coordinators; another account 403). An
		// empty form is refused (422).
		"GET /gestion/candidatures/{id}/visite":                 {instrAppPath + "/visite", nil, only(200, coordinator)},
		"POST /gestion/candidatures/{id}/visite":                {instrAppPath + "/visite", empty, only(422, coordinator)},
		"GET /gestion/candidatures/{id}/diagnostic":             {instrAppPath + "/diagnostic", nil, only(200, coordinator)},
		"POST /gestion/candidatures/{id}/diagnostic/ajustement": {instrAppPath + "/diagnostic/ajustement", empty, only(422, coordinator)},
		"POST /gestion/candidatures/{id}/actions":               {instrAppPath + "/actions", empty, only(422, coordinator)},
		"POST /gestion/candidatures/{id}/actions/{action}":      {instrAppPath + "/actions/inconnue", empty, only(422, coordinator)},
		"GET /gestion/lieux/{slug}/diagnostic":                  {placePath + "/diagnostic", nil, only(200, coordinator)},
		"POST /gestion/lieux/{slug}/diagnostic/ajustement":      {placePath + "/diagnostic/ajustement", empty, only(422, coordinator)},
		"POST /gestion/lieux/{slug}/actions":                    {placePath + "/actions", empty, only(422, coordinator)},
		"POST /gestion/lieux/{slug}/actions/{action}":           {placePath + "/actions/inconnue", empty, only(422, coordinator)},

		// Calls, the candidates' side: public; the private link is the authority.
		"GET /appels":                                    {"/appels", nil, expect(200)},
		"GET /appels/lien-perdu":                         {"/appels/lien-perdu", nil, expect(200)},
		"POST /appels/lien-perdu":                        {"/appels/lien-perdu", empty, expect(422)},
		"GET /appels/{id}":                               {callPath, nil, expect(200)},
		"POST /appels/{id}/candidature":                  {callPath + "/candidature", empty, expect(422)},
		"GET /appels/{id}/envoye":                        {callPath + "/envoye", nil, expect(200)},
		"GET /candidature/{secret}":                      {candidatePath, nil, expect(200)},
		"POST /candidature/{secret}":                     {candidatePath, empty, expect(303)},
		"GET /candidature/{secret}/documents/{doc}":      {candidatePath + "/documents/" + candidateDoc.PublicID, nil, expect(200)},
		"POST /candidature/{secret}/reponses/{question}": {candidatePath + "/reponses/" + itoa(candidateQuestion), empty, expect(422)},

		"GET /api/v1/me":                         {"/api/v1/me", nil, expect(200, anonymous, 401)},
		"GET /api/v1/places":                     {"/api/v1/places", nil, expect(200)},
		"GET /api/v1/places/{slug}":              {"/api/v1/places/" + place.Slug, nil, expect(200)},
		"GET /api/v1/communes":                   {"/api/v1/communes?q=gap", nil, expect(200)},
		"GET /api/v1/epci/{siren}":               {"/api/v1/epci/" + mustCommune(t, e, "05061").EPCI, nil, expect(200)},
		"/api/v1/":                               {"/api/v1/inconnu", nil, expect(404, anonymous, 404)},
		"GET /api/v1/places/{slug}/availability": {"/api/v1/places/" + openPlace.Slug + "/availability", nil, expect(200)},
		"POST /api/v1/bookings":                  {"/api/v1/bookings", nil, expect(422, anonymous, 401)},
		"GET /api/v1/bookings":                   {"/api/v1/bookings", nil, expect(200, anonymous, 401)},
		// Member A cancels their booking; the coordinator's cancel finds it cancelled.
		"POST /api/v1/bookings/{id}/cancel": {apiBookingA + "/cancel", nil, expect(404, anonymous, 401, memberA, 200, coordinator, 200)},
		// Member A moves their booking; the coordinator's move finds it moved.
		"POST /api/v1/bookings/{id}/move":     {apiMovingA + "/move", nil, expect(404, anonymous, 401, memberA, 200, coordinator, 200)},
		"POST /api/v1/bookings/{id}/check-in": {apiBookingB + "/check-in", nil, expect(403, anonymous, 401, concierge, 404, manager, 404, coordinator, 422)},
	}

	// The API's JSON bodies, for the routes that read one.
	jsonBodies := map[string]string{"POST /api/v1/bookings/{id}/move": moveTo}

	var registered []string
	for _, rt := range e.srv.Routes() {
		registered = append(registered, rt.Pattern)
		c, ok := table[rt.Pattern]
		if !ok {
			t.Errorf("route %q (rule %s) is not in the authorization test: add it", rt.Pattern, rt.Rule.Name)
			continue
		}
		method, _, hasMethod := strings.Cut(rt.Pattern, " ")
		if !hasMethod {
			method = http.MethodGet
		}
		for i, actor := range actors {
			// Each actor has its own address, as in life: the rate
			// limits are per client and tested on their own.
			r := request{method: method, path: c.path, form: c.form, json: jsonBodies[rt.Pattern], ip: "192.0.2." + strconv.Itoa(i+1)}
			if actor != anonymous {
				r.cookie = e.session(users[actor])
				r.bearer = tokens[actor]
			}
			got := e.do(r).Code
			if want := c.expect[actor]; got != want {
				t.Errorf("%s %s as %s: status %d, want %d (rule %s)", method, c.path, actor, got, want, rt.Rule.Name)
			}
		}
	}
	for pattern := range table {
		if !slices.Contains(registered, pattern) {
			t.Errorf("the test lists %q, which is not a registered route", pattern)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
