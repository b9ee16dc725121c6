package opendata

import "slices"

// The national standard « Lieux de médiation numérique », as a TableSchema
// (https://frictionlessdata.io/specs/table-schema/) written in Go: the field
// list, in the standard's order, with each field's type and constraints.
// A test compares it, field by field and constraint by constraint, with the
// schema file the standard publishes (../shared/data/
// lieux-mediation-numerique-schema-v1.0.2.json), so it stays true to it.

// The version of the standard this package writes and reads.
const (
	SchemaName    = "standard-mediation-num"
	SchemaVersion = "v1.0.2"
	SchemaURI     = "https://raw.githubusercontent.com/LaMednum/standard-mediation-num/v1.0.2/schema.json"
	// SchemaLicense is the licence of the standard, and the one the export
	// is published under: Licence Ouverte 2.0 (Etalab).
	SchemaLicense = "etalab-2.0"
)

// ListSeparator joins the values of a multi-valued field in a cell, as the
// standard's field descriptions ask.
const ListSeparator = "|"

// Field is a field of a TableSchema.
type Field struct {
	Name  string
	Title string // the standard's French title, for the open data page
	// Type is a TableSchema type: string, number, integer, boolean, date,
	// datetime, time, year or any.
	Type string
	// Format is the TableSchema format; "" and "default" are the same.
	Format      string
	Constraints Constraints
	// List marks a multi-valued field: its values are joined with
	// ListSeparator in a CSV cell and form an array in JSON. TableSchema has
	// no keyword for it: the standard says so in the field's description.
	List bool
}

// Constraints are the TableSchema constraints of a field. They apply to a
// non-empty cell, except Required.
type Constraints struct {
	Required  bool
	Unique    bool
	MinLength *int
	MaxLength *int
	// Pattern is a regular expression the whole cell must match.
	Pattern string
	Enum    []string
	// Minimum and Maximum are written as in the schema, and compared once
	// parsed with the field's type.
	Minimum string
	Maximum string
}

func intp(n int) *int { return &n }

// The enumerations of the multi-valued fields, in the standard's order.
// The schema states them only inside the fields' patterns; the export uses
// these lists, and a test checks each value against its pattern.
var (
	servicesValues = []string{
		"Aide aux démarches administratives",
		"Maîtrise des outils numériques du quotidien",
		"Insertion professionnelle via le numérique",
		"Utilisation sécurisée du numérique",
		"Parentalité et éducation avec le numérique",
		"Loisirs et créations numériques",
		"Compréhension du monde numérique",
		"Accès internet et matériel informatique",
		"Acquisition de matériel informatique à prix solidaire",
	}
	publicsValues                 = []string{"Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"}
	priseEnChargeValues           = []string{"Surdité", "Handicaps moteurs", "Handicaps mentaux", "Illettrisme", "Langues étrangères (anglais)", "Langues étrangères (autres)", "Déficience visuelle"}
	fraisValues                   = []string{"Gratuit", "Gratuit sous condition", "Payant"}
	itineranceValues              = []string{"Itinérant", "Fixe"}
	modalitesAccesValues          = []string{"Se présenter", "Téléphoner", "Contacter par mail", "Prendre un RDV en ligne", "Ce lieu n'accueille pas de public", "Envoyer un mail avec une fiche de prescription"}
	modalitesAccompagnementValues = []string{"En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance"}
)

// schema is the standard's field list, in its order.
var schema = []Field{
	{Name: "id", Title: "Identifiant unique local du lieu", Type: "string", Constraints: Constraints{Required: true, Unique: true}},
	{Name: "pivot", Title: "SIRET ou RNA ou RIDET", Type: "string", Constraints: Constraints{Required: true, Pattern: `^[a-zA-Z0-9]{9,14}$`}},
	{Name: "nom", Title: "Nom", Type: "string", Constraints: Constraints{Required: true}},
	{Name: "commune", Title: "Commune", Type: "string", Constraints: Constraints{Required: true}},
	{Name: "code_postal", Title: "Code postal", Type: "string", Constraints: Constraints{Required: true, Pattern: `^\d{5}$`}},
	{Name: "code_insee", Title: "Code INSEE", Type: "string", Constraints: Constraints{Pattern: `^([013-9]\d|2[AB1-9])\d{3}$`}},
	{Name: "adresse", Title: "Adresse", Type: "string", Constraints: Constraints{Required: true}},
	{Name: "complement_adresse", Title: "Complément d'adresse", Type: "string"},
	{Name: "latitude", Title: "Latitude", Type: "number"},
	{Name: "longitude", Title: "Longitude", Type: "number"},
	{Name: "typologie", Title: "Typologie", Type: "string", List: true},
	{Name: "telephone", Title: "Numéro de téléphone", Type: "string", Constraints: Constraints{
		Pattern: `^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$`}},
	{Name: "courriels", Title: "Courriel(s)", Type: "string", List: true},
	{Name: "site_web", Title: "Site web", Type: "string", List: true},
	{Name: "horaires", Title: "Horaires", Type: "string"},
	{Name: "presentation_resume", Title: "Présentation résumé", Type: "string", Constraints: Constraints{MaxLength: intp(280)}},
	{Name: "presentation_detail", Title: "Présentation détaillée", Type: "string"},
	{Name: "source", Title: "Structure collectant la donnée", Type: "string"},
	{Name: "itinerance", Title: "Itinérance", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(Itinérant|Fixe))+$`}},
	{Name: "structure_parente", Title: "Structure parente", Type: "string"},
	{Name: "date_maj", Title: "Date de mise à jour", Type: "date", Format: "default", Constraints: Constraints{Required: true}},
	{Name: "services", Title: "Services", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(Aide aux démarches administratives|Maîtrise des outils numériques du quotidien|Insertion professionnelle via le numérique|Utilisation sécurisée du numérique|Parentalité et éducation avec le numérique|Loisirs et créations numériques|Compréhension du monde numérique|Accès internet et matériel informatique|Acquisition de matériel informatique à prix solidaire))+$`}},
	{Name: "publics_specifiquement_adresses", Title: "Publics spécifiquement adressés", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(Jeunes|Étudiants|Familles et/ou enfants|Seniors|Femmes))+$`}},
	{Name: "prise_en_charge_specifique", Title: "Prise en charge spécifique", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(Surdité|Handicaps moteurs|Handicaps mentaux|Illettrisme|Langues étrangères \(anglais\)|Langues étrangères \(autres\)|Déficience visuelle))+$`}},
	{Name: "frais_a_charge", Title: "Frais à charge", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(Gratuit|Gratuit sous condition|Payant))+$`}},
	{Name: "dispositif_programmes_nationaux", Title: "Dispositifs et programmes nationaux", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(Aidants Connect|Bibliothèques numérique de référence|Certification PIX|Conseillers numériques|Emmaüs Connect|France Services|Grande école du numérique|La Croix Rouge|Point d'accès numérique CAF|Promeneurs du net|Relais numérique \(Emmaüs Connect\)))+$`}},
	{Name: "formations_labels", Title: "Formations et labels", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(Formé à « Mon Espace Santé »|Formé à « DUPLEX » \(illettrisme\)|Arnia/MedNum BFC \(Bourgogne-Franche-Comté\)|Collectif ressources et acteurs réemploi \(Normandie\)|Étapes numériques\(La Poste\)|Fabriques de Territoire|Les Éclaireurs du numérique \(Drôme\)|Mes Papiers \(Métropole de Lyon\)|ORDI 3.0|SUD LABS \(PACA\)))+$`}},
	{Name: "autres_formations_labels", Title: "Autres formations et labels", Type: "string"},
	{Name: "modalites_acces", Title: "Modalités d'accès", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(Se présenter|Téléphoner|Contacter par mail|Prendre un RDV en ligne|Ce lieu n'accueille pas de public|Envoyer un mail avec une fiche de prescription))+$`}},
	{Name: "modalites_accompagnement", Title: "Modalités d'accompagnement", Type: "string", List: true, Constraints: Constraints{
		Pattern: `(?:(?:^|\|)(En autonomie|Accompagnement individuel|Dans un atelier collectif|À distance))+$`}},
	{Name: "fiche_acces_libre", Title: "Fiche Accès libre", Type: "string"},
	{Name: "prise_rdv", Title: "Prise de rdv", Type: "string"},
}

// Fields returns the standard's fields, in its order, for the open data
// page that explains them.
func Fields() []Field { return slices.Clone(schema) }

// FieldNames returns the names of the standard's fields, in order: the
// CSV header.
func FieldNames() []string {
	names := make([]string, len(schema))
	for i, f := range schema {
		names[i] = f.Name
	}
	return names
}

// Row is one place in the standard: each field as the text of its CSV cell,
// multi-valued fields joined with ListSeparator, numbers in decimal with a
// point, the date as YYYY-MM-DD. An empty string is an absent value.
type Row struct {
	ID                            string
	Pivot                         string
	Nom                           string
	Commune                       string
	CodePostal                    string
	CodeINSEE                     string
	Adresse                       string
	ComplementAdresse             string
	Latitude                      string
	Longitude                     string
	Typologie                     string
	Telephone                     string
	Courriels                     string
	SiteWeb                       string
	Horaires                      string
	PresentationResume            string
	PresentationDetail            string
	Source                        string
	Itinerance                    string
	StructureParente              string
	DateMaj                       string
	Services                      string
	PublicsSpecifiquementAdresses string
	PriseEnChargeSpecifique       string
	FraisACharge                  string
	DispositifProgrammesNationaux string
	FormationsLabels              string
	AutresFormationsLabels        string
	ModalitesAcces                string
	ModalitesAccompagnement       string
	FicheAccesLibre               string
	PriseRdv                      string
}

// cellOf ties each schema field to its Row field: the one place where the
// struct and the schema's names meet (a test checks it covers the schema).
var cellOf = map[string]func(*Row) *string{
	"id":                              func(r *Row) *string { return &r.ID },
	"pivot":                           func(r *Row) *string { return &r.Pivot },
	"nom":                             func(r *Row) *string { return &r.Nom },
	"commune":                         func(r *Row) *string { return &r.Commune },
	"code_postal":                     func(r *Row) *string { return &r.CodePostal },
	"code_insee":                      func(r *Row) *string { return &r.CodeINSEE },
	"adresse":                         func(r *Row) *string { return &r.Adresse },
	"complement_adresse":              func(r *Row) *string { return &r.ComplementAdresse },
	"latitude":                        func(r *Row) *string { return &r.Latitude },
	"longitude":                       func(r *Row) *string { return &r.Longitude },
	"typologie":                       func(r *Row) *string { return &r.Typologie },
	"telephone":                       func(r *Row) *string { return &r.Telephone },
	"courriels":                       func(r *Row) *string { return &r.Courriels },
	"site_web":                        func(r *Row) *string { return &r.SiteWeb },
	"horaires":                        func(r *Row) *string { return &r.Horaires },
	"presentation_resume":             func(r *Row) *string { return &r.PresentationResume },
	"presentation_detail":             func(r *Row) *string { return &r.PresentationDetail },
	"source":                          func(r *Row) *string { return &r.Source },
	"itinerance":                      func(r *Row) *string { return &r.Itinerance },
	"structure_parente":               func(r *Row) *string { return &r.StructureParente },
	"date_maj":                        func(r *Row) *string { return &r.DateMaj },
	"services":                        func(r *Row) *string { return &r.Services },
	"publics_specifiquement_adresses": func(r *Row) *string { return &r.PublicsSpecifiquementAdresses },
	"prise_en_charge_specifique":      func(r *Row) *string { return &r.PriseEnChargeSpecifique },
	"frais_a_charge":                  func(r *Row) *string { return &r.FraisACharge },
	"dispositif_programmes_nationaux": func(r *Row) *string { return &r.DispositifProgrammesNationaux },
	"formations_labels":               func(r *Row) *string { return &r.FormationsLabels },
	"autres_formations_labels":        func(r *Row) *string { return &r.AutresFormationsLabels },
	"modalites_acces":                 func(r *Row) *string { return &r.ModalitesAcces },
	"modalites_accompagnement":        func(r *Row) *string { return &r.ModalitesAccompagnement },
	"fiche_acces_libre":               func(r *Row) *string { return &r.FicheAccesLibre },
	"prise_rdv":                       func(r *Row) *string { return &r.PriseRdv },
}

// Cells returns the row's cells in the schema's order.
func (r Row) Cells() []string {
	out := make([]string, len(schema))
	for i, f := range schema {
		out[i] = *cellOf[f.Name](&r)
	}
	return out
}

// RowOf builds a row from cells in the schema's order (missing cells are
// empty).
func RowOf(cells []string) Row {
	var r Row
	for i, f := range schema {
		if i < len(cells) {
			*cellOf[f.Name](&r) = cells[i]
		}
	}
	return r
}

// Get returns the cell of a field by its schema name ("" for an unknown
// name).
func (r Row) Get(name string) string {
	if f, ok := cellOf[name]; ok {
		return *f(&r)
	}
	return ""
}
