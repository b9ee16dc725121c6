package booking_test

import (
	"strings"
	"testing"
	"time"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/ical"
	"coopconnect/internal/places"
	"coopconnect/internal/testkit"
)

func TestFeeds_PrivateAddressesThatCanBeReplaced(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		r := newRuled(t, d, 2)
		a, err := r.svc.Book(ctx, r.req(r.room, 0, monday(9, 30), monday(10, 30)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.svc.Book(ctx, r.req(r.room, 1, monday(14, 30), monday(15, 30)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Cancel(ctx, r.member(1), b.PublicID, ""); err != nil {
			t.Fatal(err)
		}
		if none, err := r.svc.MemberFeed(ctx, r.users[0]); none != "" || err != nil {
			t.Fatalf("a feed before asking: %q %v", none, err)
		}
		secret, err := r.svc.RenewMemberFeed(ctx, r.users[0])
		if err != nil || len(secret) < 32 {
			t.Fatalf("secret %q: %v", secret, err)
		}
		if again, _ := r.svc.MemberFeed(ctx, r.users[0]); again != secret {
			t.Fatalf("the secret changed without asking: %q, %q", secret, again)
		}
		cal, err := r.svc.Feed(ctx, secret, "https://coop.example")
		if err != nil || len(cal.Events) != 1 || cal.Events[0].UID != a.PublicID+"@coopconnect" || cal.Method != ical.Publish {
			t.Fatalf("member feed: %+v %v", cal, err)
		}
		if !strings.Contains(string(cal.Bytes()), "DTSTART;TZID=Europe/Paris:20260202T093000") {
			t.Errorf("feed:\n%s", cal.Bytes())
		}
		renewed, err := r.svc.RenewMemberFeed(ctx, r.users[0])
		if err != nil || renewed == secret {
			t.Fatalf("renew: %q %v", renewed, err)
		}
		_, err = r.svc.Feed(ctx, secret, "")
		wantCode(t, err, coop.ENotFound, "")
		_, err = r.svc.Feed(ctx, "", "")
		wantCode(t, err, coop.ENotFound, "")

		// The place's feed: the staff only; the cancelled booking shows as such.
		_, err = r.svc.RenewPlaceFeed(ctx, r.member(0), "la-filature")
		wantCode(t, err, coop.EForbidden, "")
		placeSecret, err := r.svc.RenewPlaceFeed(ctx, r.staff, "la-filature")
		if err != nil {
			t.Fatal(err)
		}
		cal, err = r.svc.Feed(ctx, placeSecret, "")
		if err != nil || len(cal.Events) != 2 || cal.Name != "La Filature" {
			t.Fatalf("place feed: %+v %v", cal, err)
		}
		if cal.Events[1].Status != ical.Cancelled || !strings.Contains(cal.Events[0].Summary, "membre0@example.fr") {
			t.Errorf("place feed events: %+v", cal.Events)
		}
		// A month later, past bookings have left the feed.
		r.d.Clock.(*coop.FixedClock).Advance(31 * 24 * time.Hour)
		if cal, _ = r.svc.Feed(ctx, placeSecret, ""); len(cal.Events) != 0 {
			t.Errorf("old events: %+v", cal.Events)
		}
		// A host who leaves the place takes no address of it along.
		var host int64
		r.exec(`INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
			VALUES ('accueil', 'accueil@example.fr', 'Accueil', 'concierge', 'x', $1, $1)`, r.d.Clock.Now())
		if err := d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'accueil@example.fr'`).Scan(&host)
		}); err != nil {
			t.Fatal(err)
		}
		staff := &places.Service{DB: d}
		if err := staff.AddStaff(ctx, r.staff, "la-filature", "accueil@example.fr"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Feed(ctx, placeSecret, ""); err != nil {
			t.Fatalf("the feed while the host is there: %v", err)
		}
		if err := staff.RemoveStaff(ctx, r.staff, "la-filature", host); err != nil {
			t.Fatal(err)
		}
		_, err = r.svc.Feed(ctx, placeSecret, "")
		wantCode(t, err, coop.ENotFound, "")
		if secret, err := r.svc.PlaceFeed(ctx, r.staff, "la-filature"); err != nil || secret != "" {
			t.Errorf("the place's feed after its host left: %q %v; want none until asked for", secret, err)
		}
	})
}
