package demo

import (
	"context"
	"fmt"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
)

// loadBookings gives La Filature (hosted by the demo concierge) the
// settings and the bookings of a place in use: rules, the e-inclusion
// workshops' window on Tuesday afternoons, approval for the office, and
// bookings of the coming days, so that every page has something to show.
func loadBookings(ctx context.Context, d Deps, users map[string]accounts.User) error {
	coordinator, concierge := users["coordination@demo.coopconnect.fr"], users["accueil@demo.coopconnect.fr"]
	setup, err := d.Booking.Settings(ctx, coordinator, "la-filature")
	if err != nil {
		return err
	}
	if err := d.Booking.SaveRules(ctx, coordinator, setup.Slug, "", booking.RuleInput{WindowDays: "60", NoticeMinutes: "30",
		CancelMinutes: "120", MaxActive: "6", HoldMinutes: "240"}, ""); err != nil {
		return err
	}
	space := func(name string) booking.Space {
		for _, sp := range setup.Spaces {
			if sp.Name == name {
				return sp
			}
		}
		panic("demo: no space " + name)
	}
	atelier, voutes, tilleul := space("Le grand atelier"), space("Salle des voûtes"), space("Bureau du tilleul")
	if err := d.Booking.SaveRules(ctx, coordinator, setup.Slug, tilleul.PublicID, booking.RuleInput{Approval: "yes"}, "hour"); err != nil {
		return err
	}
	if _, err := d.Booking.AddWindow(ctx, coordinator, setup.Slug, booking.WindowInput{Space: voutes.PublicID, Audience: booking.AudienceEInclusion,
		Days: []string{"2"}, Start: "14:00", End: "17:00", Label: "ateliers numériques"}); err != nil {
		return err
	}
	christmas := fmt.Sprintf("%d-12-24", d.Booking.DB.Clock.Now().Year())
	if err := d.Booking.Block(ctx, coordinator, setup.Slug, booking.BlockedInput{Day: christmas, Reason: "fermeture de fin d’année"}); err != nil {
		return err
	}
	lucas, ines := users["membre@demo.coopconnect.fr"], users["membre2@demo.coopconnect.fr"]
	if err := d.Booking.SetAudience(ctx, ines.ID, booking.AudienceProfessionals); err != nil {
		return err
	}
	// The first bookable slots of the coming two weeks, as each sees them.
	first := func(by accounts.User, sp booking.Space, skip int) (booking.Slot, bool) {
		now := d.Booking.DB.Clock.Now()
		av, err := d.Booking.Availability(ctx, &by, setup.Slug, now, now.Add(14*24*time.Hour), sp.PublicID)
		if err != nil || len(av.Spaces) == 0 {
			return booking.Slot{}, false
		}
		for _, st := range av.Spaces[0].Slots {
			if st.Bookable {
				if skip == 0 {
					return st.Slot, true
				}
				skip--
			}
		}
		return booking.Slot{}, false
	}
	book := func(req booking.Request, skip int) error {
		sp, _ := setup.Space(req.SpacePublicID)
		slot, ok := first(req.By, *sp, skip)
		if !ok {
			return nil // a place closed for the fortnight: nothing to show
		}
		req.Start, req.End = slot.Start, slot.End
		_, err := d.Booking.Book(ctx, req)
		return err
	}
	for _, b := range []struct {
		req  booking.Request
		skip int
	}{
		{booking.Request{By: lucas, SpacePublicID: atelier.PublicID}, 0},
		{booking.Request{By: lucas, SpacePublicID: atelier.PublicID}, 3},
		{booking.Request{By: ines, SpacePublicID: atelier.PublicID}, 0},
		{booking.Request{By: ines, SpacePublicID: voutes.PublicID}, 2},
		{booking.Request{By: concierge, GuestName: "Mme Durand", GuestContact: "06 12 34 56 78", Audience: booking.AudienceEInclusion,
			SpacePublicID: atelier.PublicID}, 0},
		{booking.Request{By: lucas, SpacePublicID: tilleul.PublicID, Seats: 1}, 4},
	} {
		if err := book(b.req, b.skip); err != nil {
			return fmt.Errorf("demo booking: %w", err)
		}
	}
	return nil
}
