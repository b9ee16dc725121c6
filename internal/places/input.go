package places

import (
	"coopconnect/internal/accounts"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/coop"
	"coopconnect/internal/openhours"
	"coopconnect/internal/territory"
)

// PlaceInput is the place form, as typed: the web and the API fill it, and
// Validate turns it into a Place or says, field by field, what is wrong.
type PlaceInput struct {
	CarrierID      string
	Name           string
	Kind           string
	Status         string
	Address        string
	PostalCode     string
	Commune        string // a name (with the postal code if ambiguous) or an INSEE code
	Lat, Lon       string // empty: the commune's centre
	Identity       string
	Description    string
	Audience       string
	Services       []string
	Equipment      []string
	ConnectionKind string
	DownMbps       string
	UpMbps         string
	MeasuredOn     string
	Reception      map[string]string
	Prices         string
	OpeningHours   string
	ContactName    string
	ContactEmail   string
	ContactPhone   string
	Website        string
}

// InputOf fills a form from a place, to edit it.
func InputOf(p Place) PlaceInput {
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	return PlaceInput{
		CarrierID: strconv.FormatInt(p.CarrierID, 10), Name: p.Name, Kind: string(p.Kind), Status: string(p.Status),
		Address: p.Address, PostalCode: p.PostalCode, Commune: p.CommuneCode,
		Lat: strconv.FormatFloat(p.Lat, 'f', -1, 64), Lon: strconv.FormatFloat(p.Lon, 'f', -1, 64),
		Identity: p.Identity, Description: p.Description, Audience: string(p.Audience),
		Services: p.Services, Equipment: p.Equipment, ConnectionKind: p.ConnectionKind,
		DownMbps: f(p.DownMbps), UpMbps: f(p.UpMbps), MeasuredOn: p.MeasuredOn, Reception: p.Reception,
		Prices: p.Prices, OpeningHours: p.OpeningHours, ContactName: p.ContactName,
		ContactEmail: p.ContactEmail, ContactPhone: p.ContactPhone, Website: p.Website,
	}
}

// maxLen checks the length of a text field.
func maxLen(p coop.Problems, field, v string, n int) {
	if utf8.RuneCountInString(v) > n {
		p.Add(field, "error.too_long")
	}
}

func required(p coop.Problems, field, v string) bool {
	if strings.TrimSpace(v) == "" {
		p.Add(field, "error.required")
		return false
	}
	return true
}

// oneOf checks that v is one of the allowed codes.
func oneOf[T ~string](p coop.Problems, field, v string, allowed []T) T {
	if slices.Contains(allowed, T(v)) {
		return T(v)
	}
	if v == "" {
		p.Add(field, "error.required")
	} else {
		p.Add(field, "error.choose_in_list")
	}
	return ""
}

// InFrance tells whether a point lies in metropolitan France or an
// overseas département (generous boxes: a typo of a degree is caught).
func InFrance(lat, lon float64) bool {
	boxes := [][4]float64{
		{41.2, 51.2, -5.3, 9.7},     // metropolitan France and Corsica
		{15.8, 16.6, -61.9, -60.9},  // Guadeloupe
		{14.3, 14.95, -61.3, -60.7}, // Martinique
		{2.0, 6.0, -54.7, -51.5},    // Guyane
		{-21.5, -20.8, 55.1, 55.9},  // La Réunion
		{-13.1, -12.5, 44.9, 45.35}, // Mayotte
	}
	for _, b := range boxes {
		if lat >= b[0] && lat <= b[1] && lon >= b[2] && lon <= b[3] {
			return true
		}
	}
	return false
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" .-+()", r):
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 15
}

// optionalFloat parses an optional decimal, French comma allowed.
func optionalFloat(p coop.Problems, field, v string, lo, hi float64) *float64 {
	v = strings.TrimSpace(strings.ReplaceAll(v, ",", "."))
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.Add(field, "error.number")
		return nil
	}
	if f < lo || f > hi {
		p.Add(field, "error.out_of_range")
		return nil
	}
	return &f
}

// Validate checks the form against the territory and returns the place it
// describes (without ID, slug or carrier name).
func (in PlaceInput) Validate(communes *territory.Index, today time.Time) (Place, error) {
	p := coop.Problems{}
	pl := Place{
		Name: strings.TrimSpace(in.Name), Address: strings.TrimSpace(in.Address), PostalCode: compact(in.PostalCode),
		Identity:    strings.TrimSpace(in.Identity),
		Description: strings.TrimSpace(in.Description), ConnectionKind: in.ConnectionKind, MeasuredOn: strings.TrimSpace(in.MeasuredOn),
		Prices: strings.TrimSpace(in.Prices), OpeningHours: strings.TrimSpace(in.OpeningHours),
		ContactName: strings.TrimSpace(in.ContactName), ContactEmail: strings.ToLower(strings.TrimSpace(in.ContactEmail)),
		ContactPhone: strings.TrimSpace(in.ContactPhone), Website: strings.TrimSpace(in.Website), Reception: map[string]string{},
	}
	if id, err := strconv.ParseInt(in.CarrierID, 10, 64); err != nil || id <= 0 {
		p.Add("carrier", "error.choose_in_list")
	} else {
		pl.CarrierID = id
	}
	if required(p, "name", pl.Name) {
		maxLen(p, "name", pl.Name, 120)
	}
	pl.Kind = oneOf(p, "kind", in.Kind, Kinds)
	pl.Status = oneOf(p, "status", in.Status, Statuses)
	pl.Audience = oneOf(p, "audience", in.Audience, Audiences)
	if required(p, "address", pl.Address) {
		maxLen(p, "address", pl.Address, 200)
	}
	code, candidates := communes.ResolveCommune(in.Commune, pl.PostalCode)
	c, ok := communes.Commune(code)
	pl.CommuneCode = code
	switch {
	case strings.TrimSpace(in.Commune) == "":
		p.Add("commune", "error.required")
	case !ok && len(candidates) > 1:
		p.Add("commune", "places.commune_ambiguous")
	case !ok:
		p.Add("commune", "places.commune_unknown")
	case pl.PostalCode != "" && !slices.Contains(c.PostalCodes, pl.PostalCode):
		p.Add("postal_code", "places.postal_code_mismatch")
	case pl.PostalCode == "" && len(c.PostalCodes) > 0:
		pl.PostalCode = c.PostalCodes[0]
	}
	lat := optionalFloat(p, "lat", in.Lat, -90, 90)
	lon := optionalFloat(p, "lon", in.Lon, -180, 180)
	switch {
	case lat == nil && lon == nil && ok:
		pl.Lat, pl.Lon = c.Lat, c.Lon
	case lat == nil || lon == nil:
		if _, bad := p["lat"]; !bad {
			p.Add("lat", "places.coordinates_both")
		}
	case !InFrance(*lat, *lon):
		p.Add("lat", "places.coordinates_outside")
	default:
		pl.Lat, pl.Lon = *lat, *lon
	}
	maxLen(p, "identity", pl.Identity, 160)
	maxLen(p, "description", pl.Description, 5000)
	for _, s := range in.Services {
		if !slices.Contains(Services, s) {
			p.Add("services", "error.choose_in_list")
		} else if !slices.Contains(pl.Services, s) {
			pl.Services = append(pl.Services, s)
		}
	}
	for _, s := range in.Equipment {
		if !slices.Contains(Equipment, s) {
			p.Add("equipment", "error.choose_in_list")
		} else if !slices.Contains(pl.Equipment, s) {
			pl.Equipment = append(pl.Equipment, s)
		}
	}
	if pl.ConnectionKind != "" && !slices.Contains(ConnectionKinds, pl.ConnectionKind) {
		p.Add("connection_kind", "error.choose_in_list")
	}
	pl.DownMbps = optionalFloat(p, "down_mbps", in.DownMbps, 0, 100000)
	pl.UpMbps = optionalFloat(p, "up_mbps", in.UpMbps, 0, 100000)
	if pl.MeasuredOn != "" {
		d, err := time.Parse("2006-01-02", pl.MeasuredOn)
		if err != nil {
			p.Add("measured_on", "error.date")
		} else if d.After(today) {
			p.Add("measured_on", "places.measured_future")
		}
	}
	for _, op := range Operators {
		v := in.Reception[op]
		if v != "" && !slices.Contains(Receptions, v) {
			p.Add("reception_"+op, "error.choose_in_list")
		}
		if v != "" {
			pl.Reception[op] = v
		}
	}
	maxLen(p, "prices", pl.Prices, 1000)
	var hoursErr *openhours.SyntaxError
	if pl.OpeningHours != "" {
		if _, err := openhours.Parse(pl.OpeningHours); err != nil {
			p.Add("opening_hours", "places.hours_invalid")
			hoursErr, _ = errors.AsType[*openhours.SyntaxError](err)
		}
	}
	maxLen(p, "contact_name", pl.ContactName, 120)
	if pl.ContactEmail != "" && !accounts.ValidEmail(pl.ContactEmail) {
		p.Add("contact_email", "error.email_invalid")
	}
	if pl.ContactPhone != "" && !validPhone(pl.ContactPhone) {
		p.Add("contact_phone", "error.phone_invalid")
	}
	if pl.Website != "" && !validURL(pl.Website) {
		p.Add("website", "error.url_invalid")
	}
	err := p.Err()
	if e := coop.AsError(err); e != nil && hoursErr != nil && e.Fields["opening_hours"] == "places.hours_invalid" {
		// Say where and why: « colonne 13 : … ».
		e.Fields["opening_hours"] = "places.hours_invalid_at"
		e.FieldArgs = map[string][]any{"opening_hours": {hoursErr.Col, coop.Msg{Key: hoursErr.Key, Args: hoursErr.Args}}}
	}
	return pl, err
}
