package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/i18n"
	"coopconnect/internal/survey"
)

// The demo's call for expressions of interest: a regional call sent to the
// public digital spaces, which brought fifteen files from real communes of
// Provence-Alpes-Côte d'Azur, about half of them urban (INSEE density 1 to
// 4), at every state of their instruction: phone interviews, four site
// visits, diagnostics adjusted with their reasons and three action plans.
// Two come from the CC Pays Forcalquier et Montagne de Lure, whose report
// the demo official reads. Everything is fixed but the dates, which follow
// the clock.

// demoCallDays is how long ago the call opened; it closes in
// demoCallLeft days.
const (
	demoCallDays = 75
	demoCallLeft = 15
)

// demoApp is one application of the demo call.
type demoApp struct {
	Structure, Kind, Commune string
	Contact                  string // the contact person's name (never in reports)
	Connection               string
	Down, Up, Surface, Staff string
	Animator                 string
	Officials                string
	Premises, Motivations    string
	State                    ami.State
	Reason                   string // of a decision
	Interview                string // notes of a phone interview, if any
	Question, Answer         string // a question of the team and the candidate's answer
	Visit                    *ami.Checklist
	VisitNotes               string
	Adjust                   []demoAdjust
	Plan                     []demoAction
	Urban                    bool // INSEE density 1 to 4: checked by the demo's test
}

type demoAdjust struct {
	Component string
	Score     int
	Reason    string
}

type demoAction struct {
	Code, Title, Owner string
	DueInDays          int
	Status             string
}

func mbps(v float64) *float64 { return &v }

var demoApps = []demoApp{
	{Structure: "Association Lure Numérique", Kind: "association", Commune: "04178", Contact: "Martine Arnaud", Connection: "adsl", Down: "8", Up: "1", Surface: "60", Staff: "3",
		Animator: "volunteer", Officials: "letter", State: ami.Instruction,
		Premises:    "L'ancienne école du village, deux salles au rez-de-chaussée sur la place, à côté de la mairie.",
		Motivations: "Éviter aux télétravailleurs de la montagne de Lure de descendre à Forcalquier ou Manosque, et reprendre les ateliers numériques des seniors.",
		Interview:   "Entretien avec la présidente : projet porté par des bénévoles, la mairie prête la salle. Connexion faible, fibre annoncée pour 2027.",
		Visit: &ami.Checklist{DownMbps: mbps(7.5), UpMbps: mbps(0.8), Copier: false, Reception: map[string]string{"orange": "weak", "sfr": "none", "bouygues": "weak", "free": "none"},
			Room: "Deux salles de 30 m² en bon état, chauffage au fioul", Identity: "La façade de l'école et son préau", Accessible: "partly", Hours: "Mardi et jeudi, 9 h–17 h",
			Skills: []string{"welcome", "digital"}, Audiences: []string{"professionals", "seniors", "e_inclusion"}, Separation: "Ateliers seniors le mardi matin, coworking les autres créneaux"},
		VisitNotes: "Visite avec l'adjoint au maire. Le préau pourrait accueillir des rencontres l'été.",
		Adjust: []demoAdjust{{"supply", 35, "Débit mesuré à 7,5 Mbit/s sur place : insuffisant pour la visio tant que la fibre n'est pas arrivée."},
			{"governance", 70, "Courrier de soutien du maire reçu ; délibération prévue au conseil de juin."}},
		Plan: []demoAction{{"improve_connection", "Installer une box 4G en attendant la fibre", "Mairie de Saint-Étienne-les-Orgues", 30, "doing"},
			{"brief_officials", "Présenter le projet au conseil communautaire", "Chargée de mission tiers-lieux de la CC", 45, "todo"},
			{"separate_audiences", "Réserver le mardi matin aux ateliers seniors", "Association Lure Numérique", 60, "todo"}}},
	{Structure: "Espace de vie sociale du Pays de Forcalquier", Kind: "association", Commune: "04088", Contact: "Karim Haddad", Connection: "fibre", Down: "300", Up: "150", Surface: "120", Staff: "5",
		Animator: "part_time", Officials: "deliberation", State: ami.Accepted, Reason: "Un lieu déjà fréquenté, un animateur en place et le soutien de la commune : le dossier est retenu pour une ouverture à l'essai.",
		Premises:    "Une maison de quartier au bas de la ville, une grande salle et un bureau, jardin partagé.",
		Motivations: "Ouvrir nos salles aux demandeurs d'emploi et aux indépendants les jours sans activité sociale, en complément de La Filature.",
		Interview:   "Entretien avec le directeur : public d'insertion, partenariat possible avec la Mission locale.",
		Visit: &ami.Checklist{DownMbps: mbps(280), UpMbps: mbps(140), Copier: true, Reception: map[string]string{"orange": "good", "sfr": "good", "bouygues": "weak", "free": "good"},
			Room: "Grande salle de 70 m², lumineuse, mobilier à renouveler", Identity: "Le jardin partagé et sa fresque", Accessible: "yes", Hours: "Du lundi au vendredi, 9 h–18 h",
			Skills: []string{"welcome", "digital", "projects"}, Audiences: []string{"job_seekers", "professionals", "associations"}, Separation: "Salles distinctes : coworking dans le bureau, accompagnement dans la grande salle"},
		VisitNotes: "Lieu vivant. À articuler avec La Filature pour ne pas se faire concurrence.",
		Adjust:     []demoAdjust{{"neighbourhood", 55, "La Filature est à 600 m : public différent (insertion), mais une coordination est nécessaire."}},
		Plan: []demoAction{{"find_partners", "Monter un programme de rencontres avec le comité de bassin d'emploi", "Directeur de l'espace de vie sociale", 40, "todo"},
			{"improve_room", "Renouveler le mobilier de la grande salle", "Service technique de la commune", 90, "todo"},
			{"", "Convention d'usage avec La Filature", "Coordination Coop-connect", -5, "done"}},
		Urban: true},
	{Structure: "Cyberbase de Gap", Kind: "epci", Commune: "05061", Contact: "Nathalie Blanc", Connection: "fibre", Down: "900", Up: "400", Surface: "150", Staff: "4",
		Animator: "full_time", Officials: "deliberation", State: ami.Instruction,
		Premises:    "Au rez-de-chaussée de la médiathèque, une salle informatique de 12 postes et deux bureaux.",
		Motivations: "Ouvrir l'espace numérique aux télétravailleurs en dehors des ateliers.",
		Interview:   "Entretien avec la responsable : horaires d'ateliers chargés, il faudra séparer les publics.",
		Visit: &ami.Checklist{DownMbps: mbps(850), UpMbps: mbps(390), Copier: true, Reception: map[string]string{"orange": "good", "sfr": "good", "bouygues": "good", "free": "good"},
			Room: "Salle informatique de 12 postes, deux bureaux fermés", Identity: "L'enseigne de la médiathèque", Accessible: "yes", Hours: "Du mardi au samedi",
			Skills: []string{"welcome", "digital"}, Audiences: []string{"e_inclusion", "professionals", "youth"}, Separation: "Les bureaux fermés pour les professionnels pendant les ateliers"},
		VisitNotes: "Très bon équipement ; la question est celle des horaires.", Urban: true},
	{Structure: "Mairie d'Annot", Kind: "commune", Commune: "04008", Contact: "Josiane Giraud", Connection: "vdsl", Down: "40", Up: "8", Surface: "45", Staff: "1",
		Animator: "part_time", Officials: "deliberation", State: ami.Accepted, Reason: "Le projet répond à une demande locale et la commune s'engage par délibération ; retenu avec un plan d'amélioration de la salle.",
		Premises:    "L'ancienne gare du train des Pignes, une salle d'attente restaurée.",
		Motivations: "Faire revivre la gare et offrir un lieu de travail aux saisonniers et aux indépendants de la vallée.",
		Interview:   "Entretien avec la secrétaire de mairie : délibération votée, une agente à mi-temps.",
		Visit: &ami.Checklist{DownMbps: mbps(38), UpMbps: mbps(7), Copier: false, Reception: map[string]string{"orange": "good", "sfr": "weak", "bouygues": "weak", "free": "none"},
			Room: "Salle d'attente de 45 m², parquet d'origine, peu de prises", Identity: "La gare du train des Pignes", Accessible: "partly", Hours: "Lundi, mercredi, vendredi",
			Skills: []string{"welcome"}, Audiences: []string{"professionals", "associations"}, Separation: ""},
		VisitNotes: "Lieu à forte identité ; électricité à reprendre.",
		Plan: []demoAction{{"improve_room", "Reprendre l'électricité et ajouter des prises", "Service technique de la commune", 60, "doing"},
			{"improve_equipment", "Acquérir un photocopieur-scanner", "Mairie d'Annot", 75, "todo"},
			{"run_survey", "Diffuser l'enquête de besoins dans le bulletin municipal", "Secrétariat de mairie", 20, "todo"}}},
	{Structure: "La Casa Numérique", Kind: "association", Commune: "13055", Contact: "Yasmine Benali", Connection: "fibre", Down: "950", Up: "700", Surface: "200", Staff: "8",
		Animator: "full_time", Officials: "oral", State: ami.Submitted,
		Premises: "Un ancien atelier de la Belle de Mai, 200 m² en rez-de-chaussée.", Motivations: "Ajouter un espace de coworking solidaire à nos ateliers numériques.", Urban: true},
	{Structure: "Tiers-lieu de l'Ariane", Kind: "association", Commune: "06088", Contact: "Paul Lambert", Connection: "fibre", Down: "500", Up: "300", Surface: "90", Staff: "3",
		Animator: "part_time", Officials: "letter", State: ami.Instruction,
		Premises: "Un local associatif au pied des immeubles, deux salles.", Motivations: "Un lieu de travail pour les jeunes du quartier qui créent leur activité.",
		Question: "Pouvez-vous préciser les horaires d'ouverture envisagés le samedi ?", Answer: "Le samedi de 9 h à 13 h, avec un bénévole.",
		Interview: "Entretien téléphonique : projet solide, à rapprocher de la pépinière de la métropole.", Urban: true},
	{Structure: "Médiathèque du Mourillon", Kind: "commune", Commune: "83137", Contact: "Sandrine Roche", Connection: "fibre", Down: "", Up: "", Surface: "40", Staff: "2",
		Animator: "no", Officials: "not_yet", State: ami.Draft,
		Premises: "Une salle de lecture à l'étage.", Motivations: "Accueillir des télétravailleurs en semaine.", Urban: true},
	{Structure: "Coworking des Halles", Kind: "company", Commune: "84007", Contact: "Julien Fabre", Connection: "fibre", Down: "1000", Up: "800", Surface: "300", Staff: "2",
		Animator: "full_time", Officials: "not_yet", State: ami.Refused, Reason: "L'appel s'adresse aux espaces publics numériques ; un coworking privé déjà ouvert n'entre pas dans son objet.",
		Premises: "Un plateau de 300 m² en centre-ville.", Motivations: "Rejoindre le réseau pour la visibilité.", Urban: true},
	{Structure: "Maison France services de Manosque", Kind: "epci", Commune: "04112", Contact: "Aurélie Masson", Connection: "fibre", Down: "600", Up: "300", Surface: "80", Staff: "4",
		Animator: "full_time", Officials: "deliberation", State: ami.Accepted, Reason: "Un espace public numérique déjà ouvert, une équipe formée : retenu pour intégrer le réseau.",
		Premises: "Deux bureaux et une salle d'attente dans la maison des services.", Motivations: "Proposer des postes de travail aux habitants entre deux rendez-vous.",
		Interview: "Entretien avec la coordinatrice : accord de la communauté d'agglomération.", Urban: true},
	{Structure: "Point information jeunesse de Cucuron", Kind: "commune", Commune: "84042", Contact: "Lucie Perrin", Connection: "vdsl", Down: "25", Up: "5", Surface: "35", Staff: "1",
		Animator: "part_time", Officials: "oral", State: ami.Submitted,
		Premises: "Une salle municipale près du bassin.", Motivations: "Offrir un lieu aux jeunes du Luberon pour leurs démarches et leurs projets."},
	{Structure: "Mairie de Puget-Théniers", Kind: "commune", Commune: "06099", Contact: "Éric Baudin", Connection: "adsl", Down: "6", Up: "1", Surface: "50", Staff: "1",
		Animator: "volunteer", Officials: "deliberation", State: ami.Submitted,
		Premises: "L'ancienne trésorerie, en face de la gare.", Motivations: "Garder les actifs dans la vallée du Var."},
	{Structure: "Foyer rural d'Aups", Kind: "association", Commune: "83007", Contact: "Gérard Michel", Connection: "4g", Down: "30", Up: "10", Surface: "70", Staff: "2",
		Animator: "volunteer", Officials: "letter", State: ami.Instruction,
		Premises: "La salle du foyer rural, utilisée le soir.", Motivations: "Utiliser la salle en journée pour le télétravail.",
		Question: "La salle est-elle disponible tous les jours en journée ?", Answer: "Oui, sauf le mercredi (centre de loisirs)."},
	{Structure: "Office de tourisme de Sault", Kind: "epci", Commune: "84123", Contact: "Claire Dumas", Connection: "adsl", Down: "4", Up: "1", Surface: "20", Staff: "1",
		Animator: "no", Officials: "not_yet", State: ami.Refused, Reason: "Le local est trop petit et la connexion ne permet pas d'accueillir des télétravailleurs ; nous vous encourageons à redéposer un dossier quand la fibre sera là.",
		Premises: "Un bureau d'accueil touristique.", Motivations: "Accueillir des visiteurs qui travaillent."},
	{Structure: "Centre social du Champsaur", Kind: "association", Commune: "05132", Contact: "Bernard Faure", Connection: "vdsl", Down: "35", Up: "6", Surface: "60", Staff: "2",
		Animator: "part_time", Officials: "oral", State: ami.Closed, Reason: "Le centre social a renoncé au projet cette année ; dossier classé à sa demande.",
		Premises: "Une salle au premier étage du centre social.", Motivations: "Un coworking pour les jeunes parents."},
	{Structure: "Gîte communal d'Orpierre", Kind: "commune", Commune: "05097", Contact: "Hélène Reynaud", Connection: "satellite", Down: "", Up: "", Surface: "30", Staff: "0",
		Animator: "no", Officials: "not_yet", State: ami.Draft,
		Premises: "Le rez-de-chaussée du gîte communal.", Motivations: "Attirer des grimpeurs qui télétravaillent."},
}

// demoPDF is a tiny valid PDF, the candidates' documents.
func demoPDF(title string) []byte {
	content := "BT /F1 18 Tf 40 100 Td (" + title + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Length " + strconv.Itoa(len(content)) + " >>\nstream\n" + content + "\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}

// asciiOnly keeps a title printable by the tiny PDF's font without
// encoding: accents are dropped.
func asciiOnly(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "à", "a", "â", "a", "ô", "o", "î", "i", "ç", "c", "É", "E", "'", " ", "(", "", ")", "")
	return r.Replace(s)
}

// loadCalls creates the demo call and its fifteen applications.
func loadCalls(ctx context.Context, d Deps, users map[string]accounts.User) error {
	s := d.Calls
	if s == nil {
		return nil
	}
	team := users["coordination@demo.coopconnect.fr"]
	now := s.DB.Clock.Now()
	day := func(offset int) string { return survey.Paris(now.AddDate(0, 0, offset)) }
	today := day(0)
	call, err := s.CreateCall(ctx, team, ami.CallInput{Title: "Tiers-lieux de Provence-Alpes-Côte d'Azur 2026",
		Body: "La coopérative lance un appel à manifestation d'intérêt auprès des espaces publics numériques, médiathèques, maisons France services " +
			"et associations de la région qui veulent ouvrir un lieu de travail partagé.\n\nNous accompagnons les lieux retenus : diagnostic, plan d'action, " +
			"enquête de besoins auprès des habitants et mise en réseau.",
		Areas: "04 05 06 13 83 84", OpensOn: day(-demoCallDays), ClosesOn: day(demoCallLeft)})
	if err != nil {
		return fmt.Errorf("demo call: %w", err)
	}
	// La Filature has run for months: its activity of the last weeks, for
	// the report (the bookings demo holds the coming days).
	if err := s.DemoActivity(ctx, "la-filature", "Le grand atelier", now, ami.ActivityDays); err != nil {
		return fmt.Errorf("demo activity: %w", err)
	}
	domain := Accounts[0].Email[strings.IndexByte(Accounts[0].Email, '@'):]
	for i, x := range demoApps {
		if err := loadApplication(ctx, s, team, call, x, i, domain, today, day); err != nil {
			return fmt.Errorf("demo application %s: %w", x.Structure, err)
		}
	}
	return nil
}

func loadApplication(ctx context.Context, s *ami.Service, team accounts.User, call ami.Call, x demoApp, i int, domain, today string, day func(int) string) error {
	email := fmt.Sprintf("candidat%02d%s", i+1, domain)
	a, secret, err := s.Start(ctx, call.PublicID, ami.StartInput{Structure: x.Structure, CarrierKind: x.Kind, Commune: x.Commune,
		ContactName: x.Contact, ContactEmail: email, ContactPhone: fmt.Sprintf("04 92 %02d %02d %02d", 10+i, 20+2*i, 30+i)}, today)
	if err != nil {
		return err
	}
	form := map[string][]string{
		"q.carrier": {x.Structure}, "q.premises": {x.Premises}, "q.connection": {x.Connection}, "q.animator": {x.Animator},
		"q.motivations": {x.Motivations}, "q.officials": {x.Officials}, "q.surface": {x.Surface}, "q.staff": {x.Staff},
		"q.down_mbps": {x.Down}, "q.up_mbps": {x.Up}, "q.hours": {"Du lundi au vendredi"},
	}
	if x.Animator != "no" {
		form["q.animator_skills"] = []string{"welcome", "digital"}
	}
	if x.Connection == "4g" {
		form["q.connection"] = []string{"mobile"}
	}
	if x.State == ami.Draft {
		if _, err := s.SaveDraft(ctx, secret, form); err != nil {
			return err
		}
		return backdate(ctx, s, a.PublicID, i, day)
	}
	for _, doc := range []string{"statutes", "premises"} {
		if _, err := s.UploadDocument(ctx, secret, doc, doc+".pdf", demoPDF(asciiOnly(x.Structure))); err != nil {
			return fmt.Errorf("document %s: %w", doc, err)
		}
	}
	if _, err := s.Submit(ctx, secret, form, today); err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	if x.State == ami.Submitted {
		return backdate(ctx, s, a.PublicID, i, day)
	}
	if err := s.Move(ctx, team, a.PublicID, ami.Instruction, ""); err != nil {
		return err
	}
	if x.Question != "" {
		if err := s.Ask(ctx, team, a.PublicID, x.Question); err != nil {
			return err
		}
		events, err := s.Events(ctx, a.ID, true)
		if err != nil {
			return err
		}
		if _, err := s.AnswerQuestion(ctx, secret, events[len(events)-1].ID, x.Answer); err != nil {
			return fmt.Errorf("answer: %w", err)
		}
	}
	if x.Interview != "" {
		if err := s.Interview(ctx, team, a.PublicID, day(-40+i), x.Interview); err != nil {
			return fmt.Errorf("interview: %w", err)
		}
	}
	if x.Visit != nil {
		if err := s.RecordVisit(ctx, team, a.PublicID, day(-25+i), *x.Visit, x.VisitNotes); err != nil {
			return fmt.Errorf("visit: %w", err)
		}
	}
	for _, adj := range x.Adjust {
		if err := s.Adjust(ctx, team, ami.SubjectApplication, a.ID, adj.Component, adj.Score, adj.Reason); err != nil {
			return fmt.Errorf("adjust: %w", err)
		}
	}
	for _, p := range x.Plan {
		act, err := s.AddAction(ctx, team, ami.SubjectApplication, a.ID, ami.ActionInput{Code: p.Code, Title: p.Title, Owner: p.Owner, DueOn: day(p.DueInDays)})
		if err != nil {
			return fmt.Errorf("action: %w", err)
		}
		if p.Status != "todo" {
			if err := s.UpdateAction(ctx, team, ami.SubjectApplication, a.ID, act.PublicID, ami.ActionUpdate{Status: p.Status, Owner: p.Owner, DueOn: day(p.DueInDays)}); err != nil {
				return fmt.Errorf("action status: %w", err)
			}
		}
	}
	if x.State != ami.Instruction {
		if err := s.Move(ctx, team, a.PublicID, x.State, x.Reason); err != nil {
			return err
		}
	}
	return backdate(ctx, s, a.PublicID, i, day)
}

// backdate spreads a file's history from its start (some weeks ago) to
// the last days: a few days between each step, the team working hours.
func backdate(ctx context.Context, s *ami.Service, publicID string, i int, day func(int) string) error {
	start, err := time.ParseInLocation(time.DateOnly, day(-demoCallDays+3+2*i), i18n.Paris)
	if err != nil {
		return err
	}
	var at []time.Time
	for k := range 12 {
		at = append(at, start.AddDate(0, 0, 4*k).Add(time.Duration(9*60+37*(i+k)%480)*time.Minute))
	}
	return s.DemoBackdate(ctx, publicID, at)
}
