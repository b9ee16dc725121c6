package demo

import (
	"context"
	"errors"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/jobs"
	"coopconnect/internal/mail"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

func TestLoad_TheDemoNetworkOnceAndOnlyOnAnEmptyDatabase(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		communes, err := territory.Load()
		if err != nil {
			t.Fatal(err)
		}
		acc := &accounts.Service{DB: d, Hasher: accounts.NewHasher(2), Mailer: mail.NewMailer(d, jobs.New(d, nil), mail.SMTPConfig{}, nil), Catalogs: cat}
		deps := Deps{Accounts: acc, Places: &places.Service{DB: d, Communes: communes}, Booking: &booking.Service{DB: d}}
		if err := Load(ctx, deps); err != nil {
			t.Fatal(err)
		}
		all, err := deps.Places.Places(ctx, places.Filter{Statuses: places.Statuses})
		if err != nil || len(all) != len(demoPlaces) {
			t.Fatalf("%d places (%v), want %d", len(all), err, len(demoPlaces))
		}
		for _, p := range all {
			if p.Cover == "" {
				t.Errorf("%s has no photo", p.Name)
			}
			if p.OpeningHours != "" && deps.Places.Hours(p) == nil {
				t.Errorf("%s: hours %q do not parse", p.Name, p.OpeningHours)
			}
		}
		concierge, err := acc.UserByEmail(ctx, "accueil@demo.coopconnect.fr")
		if err != nil {
			t.Fatal(err)
		}
		now := d.Clock.Now()
		booked, err := deps.Booking.ForPlace(ctx, concierge, "la-filature", now, now.Add(15*24*time.Hour))
		if err != nil || len(booked) != 6 {
			t.Fatalf("%d bookings at La Filature (%v), want the demo's 6", len(booked), err)
		}
		statuses := map[booking.Status]int{}
		for _, b := range booked {
			statuses[b.Status]++
		}
		if statuses[booking.Pending] != 1 || statuses[booking.Confirmed] != 5 {
			t.Errorf("statuses: %v", statuses)
		}
		manager, err := acc.UserByEmail(ctx, "gestion@demo.coopconnect.fr")
		if err != nil {
			t.Fatal(err)
		}
		if mine, err := deps.Places.Editable(ctx, manager); err != nil || len(mine) == 0 {
			t.Errorf("the demo manager edits %d places (%v), want some", len(mine), err)
		}
		if err := Load(ctx, deps); !errors.Is(err, ErrLoaded) {
			t.Errorf("second load: %v, want ErrLoaded", err)
		}
		if _, err := acc.CreateUser(ctx, accounts.NewUser{Email: "vrai@example.fr", Name: "Vraie personne", Role: accounts.Member, Password: "mot-de-passe-solide"}); err != nil {
			t.Fatal(err)
		}
		if err := Load(ctx, deps); !errors.Is(err, ErrRealData) {
			t.Errorf("load beside real data: %v, want ErrRealData", err)
		}
	})
}
