package ami

import (
	"slices"

	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

func validKind(k string) bool { return slices.Contains(places.CarrierKinds, places.CarrierKind(k)) }

// DefaultForm is the form a call starts with: what the network needs to
// know of a candidate structure, as the pre-study's call asked it.
func DefaultForm() survey.Questionnaire {
	t := func(fr, en string) survey.Text { return survey.Text{FR: fr, EN: en} }
	opts := func(pairs ...string) []survey.Option {
		var out []survey.Option
		for i := 0; i+2 < len(pairs); i += 3 {
			out = append(out, survey.Option{Code: pairs[i], Label: t(pairs[i+1], pairs[i+2])})
		}
		return out
	}
	num := func(v float64) *float64 { return &v }
	return survey.Questionnaire{Questions: []survey.Question{
		{ID: "carrier", Kind: survey.FreeText, Required: true, Section: t("La structure et son porteur", "The structure and its carrier"),
			Label: t("Qui porte le projet, et avec quels partenaires ?", "Who carries the project, and with which partners?")},
		{ID: "premises", Kind: survey.FreeText, Required: true, Section: t("Le local", "The premises"),
			Label: t("Décrivez le local : pièces, état, accès, ce qui en fait l'identité.", "Describe the premises: rooms, condition, access, what gives it its identity.")},
		{ID: "surface", Kind: survey.Number, Integer: true, Min: num(0), Max: num(5000), Unit: t("m²", "m²"),
			Label: t("Surface disponible pour le tiers-lieu", "Floor area available for the third place")},
		{ID: "connection", Kind: survey.Single, Required: true, Section: t("La connexion et l'équipement", "Connection and equipment"),
			Label: t("Quelle connexion internet a le local ?", "Which internet connection does the place have?"),
			Options: opts("fibre", "Fibre optique", "Fibre", "vdsl", "VDSL ou câble", "VDSL or cable", "adsl", "ADSL", "ADSL",
				"mobile", "Box 4G ou 5G", "4G or 5G box", "satellite", "Satellite", "Satellite", "none", "Aucune", "None")},
		{ID: "down_mbps", Kind: survey.Number, Min: num(0), Max: num(10000), Unit: t("Mbit/s", "Mbit/s"),
			Label: t("Débit descendant mesuré", "Measured download speed"), Help: t("Un test de débit suffit, par exemple sur le site de l'Arcep.", "A speed test is enough.")},
		{ID: "up_mbps", Kind: survey.Number, Min: num(0), Max: num(10000), Unit: t("Mbit/s", "Mbit/s"),
			Label: t("Débit montant mesuré", "Measured upload speed")},
		{ID: "equipment", Kind: survey.Multiple, Other: true,
			Label: t("Quel équipement est déjà là ?", "Which equipment is already there?"),
			Options: opts("copier", "Photocopieur ou scanner", "Copier or scanner", "screens", "Écrans", "Screens",
				"video", "Équipement de visioconférence", "Video-conference kit", "furniture", "Bureaux et sièges", "Desks and chairs",
				"kitchen", "Coin cuisine", "Kitchenette", "accessible", "Accès et sanitaires accessibles", "Accessible access and toilets")},
		{ID: "hours", Kind: survey.FreeText, Section: t("L'ouverture et l'équipe", "Opening and team"),
			Label: t("Jours et heures d'ouverture envisagés", "Opening days and hours planned")},
		{ID: "staff", Kind: survey.Number, Integer: true, Min: num(0), Max: num(100), Unit: t("personnes", "people"),
			Label: t("Combien de personnes font vivre le lieu ?", "How many people run the place?")},
		{ID: "animator", Kind: survey.Single, Required: true,
			Label: t("Le lieu a-t-il un animateur ou une animatrice ?", "Does the place have a host?"),
			Options: opts("full_time", "Oui, à temps plein", "Yes, full time", "part_time", "Oui, à temps partiel", "Yes, part time",
				"volunteer", "Des bénévoles", "Volunteers", "no", "Pas encore", "Not yet")},
		{ID: "animator_skills", Kind: survey.Multiple,
			Label:  t("Ses compétences", "Their skills"),
			ShowIf: &survey.Condition{Question: "animator", AnyOf: []string{"full_time", "part_time", "volunteer"}},
			Options: opts("welcome", "Accueil", "Welcome", "digital", "Accompagnement numérique", "Digital support",
				"projects", "Accompagnement de projets", "Project building")},
		{ID: "publics", Kind: survey.Multiple, Other: true, Section: t("Les publics", "The audiences"),
			Label: t("Qui vient aujourd'hui ?", "Who comes today?"),
			Options: opts("professionals", "Télétravailleurs et indépendants", "Remote workers and freelancers",
				"job_seekers", "Demandeurs d'emploi", "Job seekers", "seniors", "Seniors", "Seniors", "youth", "Jeunes", "Young people",
				"associations", "Associations", "Associations", "e_inclusion", "Publics de l'inclusion numérique", "Digital-inclusion audiences")},
		{ID: "motivations", Kind: survey.FreeText, Required: true, Section: t("Le projet", "The project"),
			Label: t("Pourquoi voulez-vous ouvrir un tiers-lieu ?", "Why do you want to open a third place?")},
		{ID: "officials", Kind: survey.Single, Required: true,
			Label: t("Les élus soutiennent-ils le projet ?", "Do the elected officials support the project?"),
			Options: opts("deliberation", "Oui, par une délibération", "Yes, by a council decision", "letter", "Oui, par un courrier", "Yes, by a letter",
				"oral", "Oui, oralement", "Yes, orally", "not_yet", "Pas encore", "Not yet")},
	}}
}

// DefaultDocuments are the documents a call requests.
func DefaultDocuments() []Document {
	pdf := []string{"application/pdf"}
	return []Document{
		{Code: "statutes", Label: "Statuts ou délibération de la structure porteuse", Required: true, Types: pdf, MaxMiB: 10},
		{Code: "premises", Label: "Plan ou photos du local", Required: true, Types: []string{"application/pdf", "image/jpeg", "image/png"}, MaxMiB: 20},
		{Code: "support", Label: "Lettre de soutien des élus", Types: pdf, MaxMiB: 10},
	}
}
