package benchnet

import (
	"strings"

	"coopconnect/internal/territory"
)

// carriers run the places, in turn.
var carriers = []struct{ name, kind string }{
	{"Réseau des tiers-lieux d'Occitanie", "association"},
	{"Communauté de communes du Pays de Lure", "epci"},
	{"Commune de Saint-Affrique", "commune"},
	{"Coworking & Cie", "company"},
	{"SCIC Numérique pour tous", "ppp"},
	{"La Coopérative des communs", "association"},
	{"Agglomération du Grand Périgueux", "epci"},
	{"Bureaux nomades SAS", "company"},
	{"Familles rurales Bourgogne", "association"},
	{"Tiers-lieux de Bretagne", "association"},
}

// placePrefixes name a place of each kind; the commune follows ("La
// Fabrique de Privas").
var placePrefixes = map[string][]string{
	"tiers_lieu": {"La Fabrique", "Le Hangar", "La Ruche", "L'Atelier partagé", "La Coopérative", "Le Relais",
		"La Grange numérique", "L'Escale", "La Filature", "Le Moulin", "La Gare numérique", "Le Bureau des possibles"},
	"eric":      {"Espace numérique", "Point numérique", "Cyber-base"},
	"incubator": {"Incubateur", "Pépinière d'entreprises"},
	"library":   {"Médiathèque", "Bibliothèque"},
	"other":     {"Maison France services", "Maison des services"},
}

// placeKinds are drawn with these odds.
var placeKinds = []string{"tiers_lieu", "tiers_lieu", "tiers_lieu", "tiers_lieu", "eric", "eric", "incubator", "library", "other"}

var streets = []string{"rue de la République", "place de la Mairie", "avenue Jean-Jaurès", "rue Victor-Hugo", "rue de la Gare",
	"place du Marché", "rue des Écoles", "chemin du Moulin", "rue Pasteur", "boulevard Gambetta", "allée des Tilleuls", "rue du Stade"}

var firstNames = []string{"Camille", "Lucas", "Inès", "Hugo", "Léa", "Louis", "Chloé", "Gabriel", "Manon", "Jules",
	"Emma", "Arthur", "Sarah", "Nathan", "Jade", "Malik", "Zoé", "Yanis", "Louise", "Théo", "Alice", "Rayan",
	"Clara", "Mathis", "Lina", "Sacha", "Anaïs", "Noah", "Julie", "Adam", "Margaux", "Tom", "Nour", "Paul",
	"Élise", "Karim", "Océane", "Maxime", "Fatou", "Antoine"}

var lastNames = []string{"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
	"Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
	"Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
	"Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
	"Benali", "Nguyen", "Da Silva", "Diallo", "Fabre"}

// spaceNames name the spaces of each kind; a number follows when a place
// has several.
var spaceNames = map[string][]string{
	"open_space":   {"Open space", "Espace de coworking", "Plateau partagé"},
	"meeting_room": {"Salle de réunion", "Salle Lumière", "Salle des Tilleuls", "Salle Agora"},
	"office":       {"Bureau fermé", "Bureau individuel", "Cabine téléphonique"},
	"equipment":    {"Imprimante 3D", "Kit de visioconférence", "Découpeuse laser", "Ordinateur portable"},
}

// slugify turns a name into a URL path segment, as places does: the
// normalised words joined by hyphens, at most 60 bytes.
func slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range territory.Normalize(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	s := b.String()
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	if s == "" {
		s = "lieu"
	}
	return s
}
