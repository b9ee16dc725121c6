package web

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/booking"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

// apiAvailability is the shape of the answer appendAvailability writes,
// as encoding/json would write it.
type apiAvailability struct {
	Place  string          `json:"place"`
	Name   string          `json:"name"`
	From   string          `json:"from"`
	To     string          `json:"to"`
	Spaces []apiSpaceSlots `json:"spaces"`
	Hours  string          `json:"opening_hours"`
	Staff  bool            `json:"staff"`
}

type apiSpaceSlots struct {
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	Kind     string      `json:"kind"`
	Capacity int         `json:"capacity"`
	Unit     string      `json:"unit"`
	Audience string      `json:"audience"`
	Windows  []apiWindow `json:"windows"`
	Slots    []apiSlot   `json:"slots"`
}

type apiWindow struct {
	Audience string `json:"audience"`
	Weekdays []int  `json:"weekdays"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Label    string `json:"label,omitempty"`
}

type apiSlot struct {
	Start    string  `json:"start"`
	End      string  `json:"end"`
	Free     int     `json:"free"`
	Bookable bool    `json:"bookable"`
	Reason   *string `json:"reason"`
	Window   *string `json:"window,omitempty"`
}

// The hand-written answer is byte for byte what encoding/json writes of the
// same values, awkward strings included.
func TestAppendAvailability_AsEncodingJSON(t *testing.T) {
	monday := time.Date(2026, 3, 30, 0, 0, 0, 0, i18n.Paris) // the day after the change to summer time
	at := func(h, m int) time.Time {
		return monday.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute).UTC()
	}
	win := booking.Window{Audience: booking.AudienceEInclusion, Weekdays: 0b0001010, Start: 14 * 60, End: 17*60 + 30, Label: "Ateliers « numérique » <b>&</b>"}
	av := &booking.Availability{
		Slug: "la-fabrique", Name: "La \"Fabrique\" \\ d'Apt\t\n\b\f\x01\u2028\u2029 é \xff", From: at(0, 0), To: at(48, 0),
		Hours: "Mo-Fr 08:30-12:30,13:30-18:00", Staff: true,
		Spaces: []booking.SpaceAvailability{
			{Space: booking.Space{PublicID: "sp1", Name: "Plateau", Kind: "open_space", Capacity: 8, Unit: booking.HalfDay, Audience: "all"},
				Slots: []booking.SlotState{
					{Slot: booking.Slot{Start: at(8, 30), End: at(12, 30)}, Free: 3, Bookable: true},
					{Slot: booking.Slot{Start: at(13, 30), End: at(18, 0)}, Free: 0, Reason: coop.Refusal(coop.EConflict, "booking.full")},
				}},
			{Space: booking.Space{PublicID: "sp2", Name: "Salle", Kind: "meeting_room", Capacity: 1, Unit: booking.Hour, Audience: "e_inclusion"},
				Windows: []booking.Window{win, {Audience: "professionals", Weekdays: 0b1111111, Start: 0, End: 12 * 60}},
				Slots: []booking.SlotState{
					{Slot: booking.Slot{Start: at(14, 0), End: at(15, 0)}, Free: 1, Window: &win, Reason: coop.Refusal(coop.EInvalid, "booking.audience_window")},
				}},
			{Space: booking.Space{PublicID: "sp3", Name: "", Kind: "equipment", Unit: booking.HalfHour}},
		},
	}
	want := apiAvailability{Place: av.Slug, Name: av.Name, From: apiTime(av.From), To: apiTime(av.To), Hours: av.Hours, Staff: true}
	for _, sa := range av.Spaces {
		sp := apiSpaceSlots{ID: sa.Space.PublicID, Name: sa.Space.Name, Kind: sa.Space.Kind, Capacity: sa.Space.Capacity,
			Unit: string(sa.Space.Unit), Audience: sa.Space.Audience, Windows: []apiWindow{}, Slots: []apiSlot{}}
		for _, w := range sa.Windows {
			aw := apiWindow{Audience: w.Audience, Start: clock(w.Start), End: clock(w.End), Label: w.Label, Weekdays: []int{}}
			for d := range 7 {
				if w.Weekdays&(1<<d) != 0 {
					aw.Weekdays = append(aw.Weekdays, d+1)
				}
			}
			sp.Windows = append(sp.Windows, aw)
		}
		for _, x := range sa.Slots {
			as := apiSlot{Start: apiTime(x.Start), End: apiTime(x.End), Free: x.Free, Bookable: x.Bookable}
			if x.Reason != nil {
				as.Reason = &x.Reason.Reason
			}
			if x.Window != nil {
				as.Window = &x.Window.Audience
			}
			sp.Slots = append(sp.Slots, as)
		}
		want.Spaces = append(want.Spaces, sp)
	}
	std, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got := appendAvailability(av)
	if string(got) != string(std)+"\n" {
		t.Fatalf("appendAvailability:\n%s\nencoding/json:\n%s", got, std)
	}
	if !strings.Contains(string(got), `"start":"2026-03-30T08:30:00+02:00"`) || !strings.Contains(string(got), `"weekdays":[2,4]`) {
		t.Fatalf("instants or weekdays: %s", got)
	}
	var back apiAvailability
	if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back.Spaces[1].Windows[0].Weekdays, []int{2, 4}) {
		t.Fatalf("read back: %v %+v", err, back)
	}
}
