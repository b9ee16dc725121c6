package ami

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/places"
)

// Checklist is what a site visit notes, filled on a phone on site.
type Checklist struct {
	// DownMbps and UpMbps are the connection measured on site.
	DownMbps *float64 `json:"down_mbps,omitempty"`
	UpMbps   *float64 `json:"up_mbps,omitempty"`
	// Copier: a copier or scanner is there.
	Copier bool `json:"copier"`
	// Reception is the mobile reception per operator (places.Operators →
	// places.Receptions).
	Reception map[string]string `json:"reception,omitempty"`
	// Room describes the room; Identity what makes the place recognisable.
	Room     string `json:"room"`
	Identity string `json:"identity"`
	// Accessible is "yes", "partly" or "no".
	Accessible string `json:"accessible"`
	// Hours are the opening hours seen or agreed.
	Hours string `json:"hours"`
	// Skills are the animator's: welcome, digital, projects.
	Skills []string `json:"skills,omitempty"`
	// Audiences are the possible audiences (VisitAudiences); Separation
	// says how to separate them (days, rooms, hours).
	Audiences  []string `json:"audiences,omitempty"`
	Separation string   `json:"separation"`
}

// The checklist's choices.
var (
	Accessibility  = []string{"yes", "partly", "no"}
	AnimatorSkills = []string{"welcome", "digital", "projects"}
	VisitAudiences = []string{"professionals", "job_seekers", "seniors", "youth", "associations", "e_inclusion"}
)

// ChecklistForm reads a checklist from a submitted form (fields down_mbps,
// up_mbps, copier, reception_{operator}, room, identity, accessible,
// hours, skills, audiences, separation); numbers written the French way
// are accepted. The problems are those of the numbers that could not be
// read; Check gives the others.
func ChecklistForm(form map[string][]string) (Checklist, coop.Problems) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	p := coop.Problems{}
	num := func(k string) *float64 {
		text := strings.ReplaceAll(strings.ReplaceAll(get(k), ",", "."), "\u00a0", "")
		if text == "" {
			return nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			p.Add(k, "error.number")
			return nil
		}
		return &f
	}
	c := Checklist{DownMbps: num("down_mbps"), UpMbps: num("up_mbps"), Copier: get("copier") != "",
		Room: get("room"), Identity: get("identity"), Accessible: get("accessible"), Hours: get("hours"),
		Skills: form["skills"], Audiences: form["audiences"], Separation: get("separation"), Reception: map[string]string{}}
	for _, op := range places.Operators {
		if v := get("reception_" + op); v != "" {
			c.Reception[op] = v
		}
	}
	return c, p
}

// Check returns the checklist's problems, field → message key.
func (c Checklist) Check() coop.Problems {
	p := coop.Problems{}
	speed := func(field string, v *float64, required bool) {
		switch {
		case v == nil && required:
			p.Add(field, "ami.visit.speed_required")
		case v != nil && (*v < 0 || *v > 10000):
			p.Add(field, "error.out_of_range")
		}
	}
	speed("down_mbps", c.DownMbps, true)
	speed("up_mbps", c.UpMbps, true)
	for op, v := range c.Reception {
		if !slices.Contains(places.Operators, op) || !slices.Contains(places.Receptions, v) {
			p.Add("reception_"+op, "error.choose_in_list")
		}
	}
	for field, v := range map[string]string{"room": c.Room, "identity": c.Identity, "hours": c.Hours, "separation": c.Separation} {
		if utf8.RuneCountInString(v) > 2000 {
			p.Add(field, "error.too_long")
		}
	}
	if c.Room == "" {
		p.Add("room", "error.required")
	}
	if c.Accessible == "" {
		p.Add("accessible", "error.required")
	} else if !slices.Contains(Accessibility, c.Accessible) {
		p.Add("accessible", "error.choose_in_list")
	}
	for _, s := range c.Skills {
		if !slices.Contains(AnimatorSkills, s) {
			p.Add("skills", "error.choose_in_list")
		}
	}
	for _, a := range c.Audiences {
		if !slices.Contains(VisitAudiences, a) {
			p.Add("audiences", "error.choose_in_list")
		}
	}
	if len(c.Audiences) > 1 && mixedAudiences(c.Audiences) && c.Separation == "" {
		p.Add("separation", "ami.visit.separation_required")
	}
	return p
}

// mixedAudiences tells whether professionals meet the audiences of digital
// inclusion and social support, who need the place at other times.
func mixedAudiences(a []string) bool {
	pro := slices.Contains(a, "professionals")
	other := slices.ContainsFunc(a, func(x string) bool { return x != "professionals" && x != "associations" })
	return pro && other
}

// RecordVisit records a site visit of an application on day (YYYY-MM-DD),
// with its checklist and notes, as a private event of the file.
func (s *Service) RecordVisit(ctx context.Context, by accounts.User, applicationPublicID string, day string, c Checklist, notes string) error {
	a, err := s.Application(ctx, by, applicationPublicID)
	if err != nil {
		return err
	}
	p := c.Check()
	day = strings.TrimSpace(day)
	if day == "" {
		p.Add("day", "error.required")
	} else if _, err := time.Parse(time.DateOnly, day); err != nil {
		p.Add("day", "error.date_invalid")
	}
	notes = strings.TrimSpace(notes)
	if utf8.RuneCountInString(notes) > 8000 {
		p.Add("notes", "error.too_long")
	}
	if err := p.Err(); err != nil {
		return err
	}
	if len(c.Reception) == 0 {
		c.Reception = nil
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		return addEvent(ctx, tx, a.ID, &by, Event{Kind: "visit", OnDay: day, Body: notes, Data: data})
	})
}

// LastVisit returns the checklist of an application's latest visit (by
// its day, then as recorded) and its day; nil when it had none.
func (s *Service) LastVisit(ctx context.Context, applicationID int64) (*Checklist, string, error) {
	var data, day string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT data, COALESCE(on_day, '') FROM application_events
			WHERE application_id = $1 AND kind = 'visit' ORDER BY on_day DESC, id DESC LIMIT 1`, applicationID).Scan(&data, &day)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var c Checklist
	if data != "" {
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return nil, "", err
		}
	}
	return &c, day, nil
}
