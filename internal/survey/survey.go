package survey

import (
	"sync"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/territory"
)

// Service runs the surveys of one database.
type Service struct {
	DB        *db.DB
	Territory *territory.Index
	Clock     coop.Clock
	// results caches each campaign's answers, columnar (see results.go).
	results sync.Map // survey id → *cache
}

// Sources of answers.
const (
	SourceWeb    = "web"
	SourcePaper  = "paper"
	SourceImport = "import"
)

// Survey is a campaign.
type Survey struct {
	ID       int64
	PublicID string
	Title    string
	Intro    string
	Privacy  string
	// OpensOn and ClosesOn are days (YYYY-MM-DD) on the Paris calendar,
	// both included.
	OpensOn, ClosesOn string
	CarrierID         int64 // 0: the network's
	CarrierName       string
	CreatedAt         time.Time
	// Areas are the EPCI and communes chosen; Communes every commune the
	// territory holds, with its EPCI and short link.
	Areas    []Area
	Communes []SurveyCommune
	// Version is the current questionnaire version; Responses the number
	// of answers stored.
	Version   Version
	Responses int
}

// Area is an EPCI (SIREN) or a commune (INSEE code) of a campaign.
type Area struct {
	Kind string // "epci" or "commune"
	Code string
	Name string
}

// SurveyCommune is a commune of a campaign's territory.
type SurveyCommune struct {
	Code string
	Name string
	EPCI string // SIREN, "" for a commune outside any EPCI
	// Link is the token of the commune's short link (/e/{link}), printed
	// in its bulletin municipal.
	Link string
}

// Version is one version of a campaign's questionnaire.
type Version struct {
	ID            int64
	Number        int
	Questionnaire Questionnaire
	CreatedAt     time.Time
}

// State is where a campaign is in its dates.
type State string

// The states of a campaign.
const (
	Upcoming State = "upcoming"
	Open     State = "open"
	Closed   State = "closed"
)

// StateAt tells the campaign's state on day (YYYY-MM-DD, Paris).
func (s Survey) StateAt(day string) State {
	switch {
	case day < s.OpensOn:
		return Upcoming
	case day > s.ClosesOn:
		return Closed
	}
	return Open
}

// Paris is the day of t on the Paris calendar, YYYY-MM-DD.
func Paris(t time.Time) string { return t.In(i18n.Paris).Format(time.DateOnly) }
