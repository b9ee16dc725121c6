package survey

import (
	"context"
	"slices"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

// adminFixture is a service over a fresh database with a coordinator, a
// manager of an EPCI carrier (the CC Pays Forcalquier et Montagne de Lure),
// a carrier of Gap's commune nobody manages, and an official.
type adminFixture struct {
	svc                          *Service
	coord, manager, official     accounts.User
	epciCarrier, communeCarrier  int64
	forcalquierEPCI, gapEPCI     string
	forcalquierName, gapEPCIName string
}

func newAdminFixture(t *testing.T, d *db.DB) *adminFixture {
	t.Helper()
	ix, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := &adminFixture{svc: &Service{DB: d, Territory: ix, Clock: coop.SystemClock{}}, forcalquierEPCI: "240400440"}
	gap, _ := ix.Commune("05061")
	f.gapEPCI = gap.EPCI
	e1, _ := ix.EPCI(f.forcalquierEPCI)
	e2, _ := ix.EPCI(f.gapEPCI)
	f.forcalquierName, f.gapEPCIName = e1.Name, e2.Name
	ctx := context.Background()
	err = d.Write(ctx, func(tx *db.Tx) error {
		user := func(email string, role accounts.Role) (accounts.User, error) {
			u := accounts.User{Email: email, Role: role}
			err := tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'x', $5, $5) RETURNING id`, "p-"+email, email, string(role)+" "+email, string(role), tx.Now).Scan(&u.ID)
			return u, err
		}
		var err error
		if f.coord, err = user("coord@example.fr", accounts.Coordinator); err != nil {
			return err
		}
		if f.manager, err = user("gestion@example.fr", accounts.Manager); err != nil {
			return err
		}
		if f.official, err = user("elu@example.fr", accounts.Official); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO carriers (name, kind, siren, created_at, updated_at) VALUES ('CC Forcalquier', 'epci', $1, $2, $2) RETURNING id`,
			f.forcalquierEPCI, tx.Now).Scan(&f.epciCarrier); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO carriers (name, kind, commune_code, created_at, updated_at) VALUES ('Ville de Gap', 'commune', '05061', $1, $1) RETURNING id`,
			tx.Now).Scan(&f.communeCarrier); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO carrier_managers (carrier_id, user_id) VALUES ($1, $2)`, f.epciCarrier, f.manager.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *adminFixture) create(t *testing.T, by accounts.User, title, areas string, carrier int64) Survey {
	t.Helper()
	today := time.Now().Format(time.DateOnly)
	sv, err := f.svc.Create(context.Background(), by, Input{Title: title, Privacy: DefaultPrivacy, OpensOn: today, ClosesOn: today, Areas: areas, CarrierID: carrier})
	if err != nil {
		t.Fatalf("create %s: %v", title, err)
	}
	return sv
}

func TestCarrierChoices_CoordinatorAllManagerTheirsWithTheirEPCI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newAdminFixture(t, d)
		ctx := context.Background()
		all, err := f.svc.CarrierChoices(ctx, f.coord)
		if err != nil {
			t.Fatal(err)
		}
		want := []CarrierChoice{
			{ID: f.epciCarrier, Name: "CC Forcalquier", EPCI: f.forcalquierEPCI, EPCIName: f.forcalquierName},
			{ID: f.communeCarrier, Name: "Ville de Gap", EPCI: f.gapEPCI, EPCIName: f.gapEPCIName},
		}
		if !slices.Equal(all, want) {
			t.Errorf("coordinator's choices = %+v, want %+v", all, want)
		}
		mine, err := f.svc.CarrierChoices(ctx, f.manager)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(mine, want[:1]) {
			t.Errorf("manager's choices = %+v, want only %+v", mine, want[:1])
		}
		none, err := f.svc.CarrierChoices(ctx, f.official)
		if err != nil || len(none) != 0 {
			t.Errorf("official's choices = %+v, %v; want none", none, err)
		}
	})
}

func TestVisibleWithAreas_NamesTheAreasOfEachCampaign(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newAdminFixture(t, d)
		ctx := context.Background()
		ours := f.create(t, f.manager, "Enquête du pays", f.forcalquierEPCI, f.epciCarrier)
		network := f.create(t, f.coord, "Enquête du réseau", "05061, Forcalquier", 0)
		list, err := f.svc.VisibleWithAreas(ctx, f.coord)
		if err != nil {
			t.Fatal(err)
		}
		areas := map[string][]Area{}
		for _, sv := range list {
			areas[sv.PublicID] = sv.Areas
		}
		if len(list) != 2 {
			t.Fatalf("coordinator sees %d campaigns, want 2", len(list))
		}
		if want := []Area{{Kind: "epci", Code: f.forcalquierEPCI, Name: f.forcalquierName}}; !slices.Equal(areas[ours.PublicID], want) {
			t.Errorf("areas of %s = %+v, want %+v", ours.Title, areas[ours.PublicID], want)
		}
		if want := []Area{{Kind: "commune", Code: "04088", Name: "Forcalquier"}, {Kind: "commune", Code: "05061", Name: "Gap"}}; !slices.Equal(areas[network.PublicID], want) {
			t.Errorf("areas of %s = %+v, want %+v", network.Title, areas[network.PublicID], want)
		}
		mine, err := f.svc.VisibleWithAreas(ctx, f.manager)
		if err != nil {
			t.Fatal(err)
		}
		if len(mine) != 1 || mine[0].PublicID != ours.PublicID || len(mine[0].Areas) != 1 {
			t.Errorf("manager sees %+v, want only their carrier's campaign with its area", mine)
		}
	})
}

func TestOfficialsAreas_CoordinatorReadsEveryOfficialsTerritories(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newAdminFixture(t, d)
		ctx := context.Background()
		if err := f.svc.SetOfficialAreas(ctx, f.coord, f.official.ID, f.forcalquierEPCI+"\nGap"); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.OfficialsAreas(ctx, f.coord)
		if err != nil {
			t.Fatal(err)
		}
		want := []Area{{Kind: "epci", Code: f.forcalquierEPCI, Name: f.forcalquierName}, {Kind: "commune", Code: "05061", Name: "Gap"}}
		if len(got) != 1 || !slices.Equal(got[f.official.ID], want) {
			t.Errorf("officials' areas = %+v, want %d → %+v", got, f.official.ID, want)
		}
		if _, err := f.svc.OfficialsAreas(ctx, f.manager); coop.ErrorCode(err) != coop.EForbidden {
			t.Errorf("a manager reading officials' areas: %v, want forbidden", err)
		}
	})
}
