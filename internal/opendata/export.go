// Package opendata publishes the network's places in the national standard
// « Lieux de médiation numérique » (v1.0.2, see Fields) and imports places
// from a file in that standard or from the 2019 national census of
// tiers-lieux (CGET, « Mission Coworking »).
//
// Export: Rows turns places into the standard's rows, which WriteCSV and
// WriteJSON write, and Validate checks against the schema's constraints.
// The mapping, field by field:
//
//   - id: "coopconnect-" and the place's slug, which never changes.
//   - pivot: the carrier's SIRET, else its RNA number, else its SIREN;
//     "00000000000000" when it has none (a carrier of kind "individual"),
//     the value the national cartography uses for an unknown SIRET.
//   - typologie: EPN for an ERIC, TIERS_LIEUX, BIB for a library, then ASSO,
//     MUNI or EPCI from the carrier's kind (data.inclusion's vocabulary).
//   - telephone: in the international form the schema's pattern wants
//     (+33…, +590… for Guadeloupe…); left out when it cannot be converted.
//   - site_web: the place's website, then its page on Coop-connect.
//   - horaires: the OpenStreetMap opening_hours value as stored.
//   - services, modalites_accompagnement: digital_help gives « Maîtrise des
//     outils numériques du quotidien » and « Accompagnement individuel »;
//     desk, fast_connection, printing and printer_scanner give « Accès
//     internet et matériel informatique » and « En autonomie ». Our other
//     services (meeting rooms, events, domiciliation…) have no counterpart.
//   - prise_en_charge_specifique: step-free access gives « Handicaps moteurs ».
//   - frais_a_charge: from the prices in words: « gratuit » gives Gratuit, an
//     amount in euros Payant, both « Gratuit sous condition » and Payant.
//   - modalites_acces: « Se présenter » when the place has opening hours,
//     « Téléphoner » and « Contacter par mail » when it has those contacts.
//   - presentation_resume: the identity in a few words; presentation_detail:
//     the description, then a paragraph « Tarifs : » with the prices.
//   - itinerance: Fixe; source: Coop-connect; structure_parente: the
//     carrier's name; date_maj: the day of the last change, in Paris.
//
// Import: ParseStandardCSV and ParseCGET2019 read a file into Candidates,
// which Check validates as the place form does; see their comments for
// the defaults given to imported places.
package opendata

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopconnect/internal/i18n"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
)

// SourceName is the value of the source field of the export.
const SourceName = "Coop-connect"

// IDPrefix starts the id of every exported place.
const IDPrefix = "coopconnect-"

// NoPivot is the pivot of a place whose carrier has no SIRET, RNA or SIREN.
const NoPivot = "00000000000000"

// Source is a place to export with its carrier: the standard requires the
// carrier's SIRET (or RNA number) as the place's pivot, which Place lacks.
type Source struct {
	Place   places.Place
	Carrier places.Carrier
}

// Sources pairs each place with its carrier (by CarrierID); a place whose
// carrier is not given gets a carrier with only its name.
func Sources(ps []places.Place, carriers []places.Carrier) []Source {
	byID := make(map[int64]places.Carrier, len(carriers))
	for _, c := range carriers {
		byID[c.ID] = c
	}
	out := make([]Source, len(ps))
	for i, p := range ps {
		c, ok := byID[p.CarrierID]
		if !ok {
			c = places.Carrier{ID: p.CarrierID, Name: p.CarrierName}
		}
		out[i] = Source{Place: p, Carrier: c}
	}
	return out
}

// Rows turns the public places among srcs into rows of the standard, in
// the given order; closed places are left out. baseURL is the site's
// address (e.g. "https://coop.example.org"), for the places' pages; now is
// the date of places never updated.
func Rows(srcs []Source, communes *territory.Index, baseURL string, now time.Time) []Row {
	baseURL = strings.TrimRight(baseURL, "/")
	out := make([]Row, 0, len(srcs))
	for _, s := range srcs {
		if !s.Place.Public() {
			continue
		}
		out = append(out, row(s, communes, baseURL, now))
	}
	return out
}

func row(s Source, communes *territory.Index, baseURL string, now time.Time) Row {
	p := s.Place
	r := Row{
		ID:                 IDPrefix + p.Slug,
		Pivot:              pivot(s.Carrier),
		Nom:                p.Name,
		CodePostal:         p.PostalCode,
		CodeINSEE:          p.CommuneCode,
		Adresse:            p.Address,
		Typologie:          join(typologie(p.Kind, s.Carrier.Kind)),
		Telephone:          StandardPhone(p.ContactPhone),
		Courriels:          listItem(p.ContactEmail),
		Horaires:           p.OpeningHours,
		PresentationResume: truncate(p.Identity, 280),
		PresentationDetail: detail(p.Description, p.Prices),
		Source:             SourceName,
		Itinerance:         "Fixe",
		StructureParente:   cmp.Or(s.Carrier.Name, p.CarrierName),
	}
	if c, ok := communes.Resolve(p.CommuneCode); ok {
		r.Commune = c.Name
	}
	if p.Lat != 0 || p.Lon != 0 {
		r.Latitude = strconv.FormatFloat(p.Lat, 'f', -1, 64)
		r.Longitude = strconv.FormatFloat(p.Lon, 'f', -1, 64)
	}
	var sites []string
	if w := listItem(p.Website); w != "" {
		sites = append(sites, w)
	}
	if baseURL != "" && p.Slug != "" {
		if page := listItem(baseURL + "/lieux/" + p.Slug); !slices.Contains(sites, page) {
			sites = append(sites, page)
		}
	}
	r.SiteWeb = join(sites)
	updated := p.UpdatedAt
	if updated.IsZero() {
		updated = now
	}
	r.DateMaj = updated.In(i18n.Paris).Format(time.DateOnly)

	codes := append(slices.Clone(p.Services), p.Equipment...)
	r.Services = join(pick(servicesValues, codes, serviceOf))
	r.ModalitesAccompagnement = join(pick(modalitesAccompagnementValues, codes, accompagnementOf))
	r.PriseEnChargeSpecifique = join(pick(priseEnChargeValues, codes, priseEnChargeOf))
	r.FraisACharge = join(frais(p.Prices))
	var acces []string
	if p.OpeningHours != "" {
		acces = append(acces, "Se présenter")
	}
	if r.Telephone != "" {
		acces = append(acces, "Téléphoner")
	}
	if r.Courriels != "" {
		acces = append(acces, "Contacter par mail")
	}
	r.ModalitesAcces = join(acces)
	return r
}

// The standard's values our codes (services and equipment) stand for.
const accesInternet = "Accès internet et matériel informatique"

var (
	serviceOf = map[string]string{
		"digital_help":    "Maîtrise des outils numériques du quotidien",
		"desk":            accesInternet,
		"fast_connection": accesInternet,
		"printing":        accesInternet,
		"printer_scanner": accesInternet,
	}
	accompagnementOf = map[string]string{
		"digital_help":    "Accompagnement individuel",
		"desk":            "En autonomie",
		"fast_connection": "En autonomie",
		"printing":        "En autonomie",
		"printer_scanner": "En autonomie",
	}
	priseEnChargeOf = map[string]string{
		"step_free": "Handicaps moteurs",
	}
)

// pick returns the values of the standard (in its order) that some code
// maps to.
func pick(values, codes []string, of map[string]string) []string {
	var out []string
	for _, v := range values {
		if slices.ContainsFunc(codes, func(c string) bool { return of[c] == v }) {
			out = append(out, v)
		}
	}
	return out
}

func typologie(k places.Kind, ck places.CarrierKind) []string {
	var out []string
	switch k {
	case places.KindERIC:
		out = append(out, "EPN")
	case places.KindTiersLieu:
		out = append(out, "TIERS_LIEUX")
	case places.KindLibrary:
		out = append(out, "BIB")
	}
	switch ck {
	case places.CarrierAssociation:
		out = append(out, "ASSO")
	case places.CarrierCommune:
		out = append(out, "MUNI")
	case places.CarrierEPCI:
		out = append(out, "EPCI")
	}
	return out
}

// pivot returns the carrier's identifier for the pivot field: the
// standard asks for the SIRET, or the RNA number of an association
// without one.
func pivot(c places.Carrier) string {
	for _, id := range []string{c.SIRET, c.RNA, c.SIREN} {
		if pivotPattern.MatchString(id) {
			return id
		}
	}
	return NoPivot
}

var pivotPattern = regexp.MustCompile(`^[a-zA-Z0-9]{9,14}$`)

// tarifs introduces the prices in presentation_detail; the import reads
// them back from there.
const tarifs = "Tarifs : "

func detail(description, prices string) string {
	switch {
	case prices == "":
		return description
	case description == "":
		return tarifs + prices
	}
	return description + "\n\n" + tarifs + prices
}

var (
	euros  = regexp.MustCompile(`[0-9]\s*(€|euros?\b|EUR\b)`)
	gratis = regexp.MustCompile(`\bgratuit`)
)

// frais reads the prices in words for frais_a_charge, simply: it says
// nothing when the text names neither « gratuit » nor an amount in euros.
func frais(prices string) []string {
	free := gratis.MatchString(territory.Normalize(prices))
	paid := euros.MatchString(prices)
	switch {
	case free && paid:
		return []string{"Gratuit sous condition", "Payant"}
	case free:
		return []string{"Gratuit"}
	case paid:
		return []string{"Payant"}
	}
	return nil
}

// listItem makes a value safe inside a multi-valued cell: a "|" would split
// it, so it is percent-encoded (the only values concerned are addresses).
func listItem(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), ListSeparator, "%7C")
}

func join(values []string) string { return strings.Join(values, ListSeparator) }

// split reads a multi-valued cell: its items, trimmed, empty ones dropped.
func split(cell string) []string {
	var out []string
	for v := range strings.SplitSeq(cell, ListSeparator) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}
