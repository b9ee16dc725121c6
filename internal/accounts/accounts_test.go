package accounts_test

import (
	"slices"
	"testing"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
)

func TestParseRole_KnowsEveryRoleOnly(t *testing.T) {
	t.Parallel()
	for _, r := range accounts.Roles {
		if got, err := accounts.ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q): got %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "admin", "Coordinator", " member"} {
		if _, err := accounts.ParseRole(s); coop.ErrorCode(err) != coop.EInvalid {
			t.Errorf("ParseRole(%q): got %v, want %s", s, err, coop.EInvalid)
		}
	}
	var staff []accounts.Role
	for _, r := range accounts.Roles {
		if r.Staff() {
			staff = append(staff, r)
		}
	}
	if want := []accounts.Role{accounts.Coordinator, accounts.Manager, accounts.Concierge}; !slices.Equal(staff, want) {
		t.Errorf("staff roles: got %v, want %v", staff, want)
	}
}

func TestCreateUser_ValidatesAndRefusesATakenAddress(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		_, err := f.svc.CreateUser(ctx, accounts.NewUser{Email: "zoe@example.org", Name: "Zoé", Role: "admin", Password: password})
		wantField(t, err, "role", "error.role_unknown")
		_, err = f.svc.CreateUser(ctx, accounts.NewUser{Email: "zoe@example.org", Name: "", Role: accounts.Member, Password: "short"})
		wantField(t, err, "name", "error.required")
		wantField(t, err, "password", "error.password_short")

		u := f.user("zoe@example.org", accounts.Official)
		if u.Role != accounts.Official || !u.EmailVerified || u.Locale != "fr" || u.PublicID == "" {
			t.Fatalf("got %+v, want an official, verified, fr, with a public id", u)
		}
		_, err = f.svc.CreateUser(ctx, accounts.NewUser{Email: "ZOE@example.org", Name: "Zoé bis", Role: accounts.Member, Password: password})
		wantCode(t, err, coop.EConflict, "error.email_taken")
		if got := coop.AsError(err).Fields["email"]; got != "error.email_taken" {
			t.Fatalf("field email: got %q, want error.email_taken", got)
		}
	})
}

func TestCountUsers_SeparatesDemoAccounts(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.user("real@example.org", accounts.Coordinator)
		if _, err := f.svc.CreateUser(ctx, accounts.NewUser{Email: "demo@example.org", Name: "Démo", Role: accounts.Member, Password: password, Demo: true}); err != nil {
			t.Fatal(err)
		}
		all, real, err := f.svc.CountUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if all != 2 || real != 1 {
			t.Fatalf("CountUsers: got %d, %d; want 2, 1", all, real)
		}
	})
}

func TestUpdateNameAndSetLocale(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		wantField(t, f.svc.UpdateName(ctx, u.ID, "  "), "name", "error.required")
		if err := f.svc.UpdateName(ctx, u.ID, "  Zoé Martin "); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.SetLocale(ctx, u.ID, "de"), coop.EInvalid, "")
		if err := f.svc.SetLocale(ctx, u.ID, "en"); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Zoé Martin" || got.Locale != "en" {
			t.Fatalf("got name %q locale %q, want %q %q", got.Name, got.Locale, "Zoé Martin", "en")
		}
	})
}
