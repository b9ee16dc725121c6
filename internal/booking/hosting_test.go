package booking_test

import (
	"slices"
	"testing"

	"coopconnect/internal/accounts"
	"coopconnect/internal/booking"
	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

// TestHostedPlaces_ListsWhatHostsAllows: each role sees the places it runs
// the bookings of, by name, never a closed one, and exactly those for
// which Hosts says yes.
func TestHostedPlaces_ListsWhatHostsAllows(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		svc := &booking.Service{DB: d}
		users := map[accounts.Role]accounts.User{}
		places := []string{"la-filature", "le-moulin", "la-gare", "l-ancienne-ecole"}
		err := d.Write(ctx, func(tx *db.Tx) error {
			var carriers [2]int64
			for i, name := range []string{"CC Haute-Provence", "Association Les Fileuses"} {
				if err := tx.QueryRowContext(ctx, `INSERT INTO carriers (name, kind, created_at, updated_at) VALUES ($1, 'epci', $2, $2) RETURNING id`,
					name, tx.Now).Scan(&carriers[i]); err != nil {
					return err
				}
			}
			ids := map[string]int64{}
			// The first carrier runs La Filature, Le Moulin and a closed
			// place; the second La Gare.
			for i, slug := range places {
				carrier, status := carriers[0], "open"
				if slug == "la-gare" {
					carrier = carriers[1]
				}
				if slug == "l-ancienne-ecole" {
					status = "closed"
				}
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO places (slug, carrier_id, name, kind, status, address, postal_code,
					commune_code, lat, lon, audience, opening_hours, created_at, updated_at)
					VALUES ($1, $2, $3, 'tiers_lieu', $4, '1 rue', '04300', '04088', 43.96, 5.78, 'both', '', $5, $5) RETURNING id`,
					slug, carrier, []string{"La Filature", "Le Moulin", "La Gare", "L’ancienne école"}[i], status, tx.Now).Scan(&id); err != nil {
					return err
				}
				ids[slug] = id
			}
			for _, role := range []accounts.Role{accounts.Coordinator, accounts.Manager, accounts.Concierge, accounts.Member} {
				u := accounts.User{Role: role, Name: string(role)}
				if err := tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
					VALUES ($1, $2, $1, $1, 'x', $3, $3) RETURNING id`, string(role), string(role)+"@example.fr", tx.Now).Scan(&u.ID); err != nil {
					return err
				}
				users[role] = u
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO carrier_managers (carrier_id, user_id) VALUES ($1, $2)`, carriers[0], users[accounts.Manager].ID); err != nil {
				return err
			}
			// The concierge hosts Le Moulin and the closed place.
			for _, slug := range []string{"le-moulin", "l-ancienne-ecole"} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO place_staff (place_id, user_id) VALUES ($1, $2)`, ids[slug], users[accounts.Concierge].ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for role, want := range map[accounts.Role][]string{
			accounts.Coordinator: {"la-filature", "la-gare", "le-moulin"},
			accounts.Manager:     {"la-filature", "le-moulin"},
			accounts.Concierge:   {"le-moulin"},
			accounts.Member:      nil,
		} {
			list, err := svc.HostedPlaces(ctx, users[role])
			if err != nil {
				t.Fatalf("%s: %v", role, err)
			}
			var got []string
			for _, p := range list {
				got = append(got, p.Slug)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s hosts %q, want %q (by name, closed left out)", role, got, want)
			}
			for _, slug := range places {
				hosts, err := svc.Hosts(ctx, users[role], slug)
				if err != nil {
					t.Fatalf("Hosts(%s, %s): %v", role, slug, err)
				}
				if listed := slices.Contains(got, slug); listed != hosts && slug != "l-ancienne-ecole" {
					t.Errorf("%s: %s listed %v, but Hosts says %v", role, slug, listed, hosts)
				}
			}
		}
	})
}
