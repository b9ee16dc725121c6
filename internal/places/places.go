// Package places owns the network's carriers (porteurs), their places
// with their identity, hours and equipment, the spaces inside them and
// their photos.
package places

import (
	"slices"
	"time"
)

// CarrierKind is the legal kind of a carrier.
type CarrierKind string

// The kinds of carriers the pre-study met.
const (
	CarrierEPCI        CarrierKind = "epci"
	CarrierCommune     CarrierKind = "commune"
	CarrierAssociation CarrierKind = "association"
	CarrierCompany     CarrierKind = "company"
	CarrierIndividual  CarrierKind = "individual"
	CarrierPPP         CarrierKind = "ppp" // public-private partnership
)

// CarrierKinds lists them in the order forms show them.
var CarrierKinds = []CarrierKind{CarrierEPCI, CarrierCommune, CarrierAssociation, CarrierCompany, CarrierIndividual, CarrierPPP}

// Carrier is an organisation that carries places.
type Carrier struct {
	ID          int64
	Name        string
	Kind        CarrierKind
	SIREN       string
	SIRET       string
	RNA         string
	Address     string
	CommuneCode string
	Email       string
	Phone       string
	Website     string
	Managers    []Person
	CreatedAt   time.Time
}

// Person is an account as places show it.
type Person struct {
	ID    int64
	Name  string
	Email string
}

// Kind is what a place is.
type Kind string

// The kinds of places.
const (
	KindERIC      Kind = "eric" // public digital space (Espace Régional Internet Citoyen)
	KindTiersLieu Kind = "tiers_lieu"
	KindIncubator Kind = "incubator"
	KindLibrary   Kind = "library"
	KindOther     Kind = "other"
)

// Kinds lists the kinds of places.
var Kinds = []Kind{KindTiersLieu, KindERIC, KindIncubator, KindLibrary, KindOther}

// Status is where a place is in its life.
type Status string

// The statuses of a place.
const (
	StatusProject Status = "project"
	StatusTesting Status = "testing"
	StatusOpen    Status = "open"
	StatusClosed  Status = "closed"
)

// Statuses lists them in order of life.
var Statuses = []Status{StatusProject, StatusTesting, StatusOpen, StatusClosed}

// Audience is who a place or space welcomes.
type Audience string

// The audiences.
const (
	AudienceProfessionals Audience = "professionals"
	AudienceEInclusion    Audience = "e_inclusion"
	AudienceBoth          Audience = "both"
)

// Audiences lists them.
var Audiences = []Audience{AudienceBoth, AudienceProfessionals, AudienceEInclusion}

// Welcomes tells whether a place or space of audience a welcomes b.
func (a Audience) Welcomes(b Audience) bool { return a == AudienceBoth || b == AudienceBoth || a == b }

// Services a place offers (the needs survey asks for the same).
var Services = []string{"desk", "meeting_room", "printing", "fast_connection", "video_booth", "digital_help", "training", "events", "childcare_nearby", "domiciliation"}

// Equipment a place has.
var Equipment = []string{"printer_scanner", "video_conference", "screens", "lockers", "kitchen", "step_free", "accessible_toilets", "parking", "bike_parking", "phone_booth"}

// ConnectionKinds are the kinds of internet connection.
var ConnectionKinds = []string{"fibre", "vdsl", "adsl", "4g_5g", "satellite", "radio", "other"}

// Operators are the French mobile operators whose reception is noted.
var Operators = []string{"orange", "sfr", "bouygues", "free"}

// Receptions are the levels of mobile reception.
var Receptions = []string{"none", "weak", "good"}

// Place is a place of the network.
type Place struct {
	ID             int64
	Slug           string
	CarrierID      int64
	CarrierName    string
	Name           string
	Kind           Kind
	Status         Status
	Address        string
	PostalCode     string
	CommuneCode    string
	Lat, Lon       float64
	Identity       string
	Description    string
	Audience       Audience
	Services       []string
	Equipment      []string
	ConnectionKind string
	DownMbps       *float64
	UpMbps         *float64
	MeasuredOn     string // YYYY-MM-DD
	Reception      map[string]string
	Prices         string
	OpeningHours   string
	ContactName    string
	ContactEmail   string
	ContactPhone   string
	Website        string
	Spaces         []Space
	Photos         []Photo
	Cover          string   // public id of the first photo, "" when none
	Staff          []Person // its hosts (concierges), loaded by Service.Place
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Has tells whether the place offers a service or has a piece of equipment.
func (p Place) Has(code string) bool {
	return slices.Contains(p.Services, code) || slices.Contains(p.Equipment, code)
}

// Public tells whether the directory lists the place.
func (p Place) Public() bool { return p.Status != StatusClosed }

// SpaceKind is what a space is.
type SpaceKind string

// The kinds of spaces: what later issues book.
const (
	SpaceOpen      SpaceKind = "open_space"   // seats: capacity people at once
	SpaceOffice    SpaceKind = "office"       // one booking at a time
	SpaceMeeting   SpaceKind = "meeting_room" // one booking at a time, capacity seats
	SpaceEquipment SpaceKind = "equipment"    // units
)

// SpaceKinds lists them.
var SpaceKinds = []SpaceKind{SpaceOpen, SpaceOffice, SpaceMeeting, SpaceEquipment}

// BookingsHoldingSeats is the SQL list of the statuses of the bookings
// that hold seats (the booking package's; spaces' edits count them too).
const BookingsHoldingSeats = `('pending', 'offered', 'confirmed')`

// OneAtATime tells whether the space takes one booking at a time (an
// office, a meeting room), rather than bookings by the seat or unit.
func (k SpaceKind) OneAtATime() bool { return k == SpaceOffice || k == SpaceMeeting }

// Space is a bookable part of a place.
type Space struct {
	ID          int64
	PublicID    string
	PlaceID     int64
	Name        string
	Kind        SpaceKind
	Capacity    int
	Audience    Audience
	Description string
	Position    int
}

// ThumbHeight is the height of the photo's thumbnail, for the page layout.
func (p Photo) ThumbHeight() int {
	if p.Width == 0 {
		return 0
	}
	return p.Height * min(p.Width, thumbSide) / p.Width
}

// Photo is a photo of a place or of one of its spaces.
type Photo struct {
	PublicID string
	SpaceID  *int64
	Alt      string
	Width    int
	Height   int
}
