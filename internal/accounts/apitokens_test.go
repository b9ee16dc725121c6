package accounts_test

import (
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
)

func TestAPIToken_SecretFindsItsUserUntilRevoked(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		secret, err := f.svc.CreateAPIToken(ctx, u.ID, "  Site de la commune ")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, accounts.APITokenPrefix) || accounts.APITokenPrefix != "cc_" {
			t.Fatalf("secret %q does not start with cc_", secret)
		}
		if n := f.count(`SELECT count(*) FROM api_tokens WHERE token_hash = $1`, secret); n != 0 {
			t.Fatal("the secret is stored in clear")
		}

		got, err := f.svc.APITokenUser(ctx, secret)
		if err != nil {
			t.Fatalf("APITokenUser: %v", err)
		}
		if got.ID != u.ID {
			t.Fatalf("APITokenUser: got user %d, want %d", got.ID, u.ID)
		}
		list, err := f.svc.APITokens(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Name != "Site de la commune" || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(start) {
			t.Fatalf("APITokens: got %+v, want one named %q, last used at %v", list, "Site de la commune", start)
		}

		for _, bad := range []string{"", "cc_", strings.TrimPrefix(secret, "cc_"), secret + "x"} {
			_, err := f.svc.APITokenUser(ctx, bad)
			wantCode(t, err, coop.EUnauthorized, "api.token_invalid")
		}

		if err := f.svc.RevokeAPIToken(ctx, u.ID, list[0].PublicID); err != nil {
			t.Fatalf("RevokeAPIToken: %v", err)
		}
		_, err = f.svc.APITokenUser(ctx, secret)
		wantCode(t, err, coop.EUnauthorized, "api.token_invalid")
		wantCode(t, f.svc.RevokeAPIToken(ctx, u.ID, list[0].PublicID), coop.ENotFound, "")
	})
}

func TestAPIToken_AnotherUserCannotRevokeIt(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		owner := f.user("owner@example.org", accounts.Manager)
		other := f.user("other@example.org", accounts.Coordinator)
		secret, err := f.svc.CreateAPIToken(ctx, owner.ID, "tableur")
		if err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.APITokens(ctx, owner.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("APITokens: got %+v, %v", list, err)
		}
		wantCode(t, f.svc.RevokeAPIToken(ctx, other.ID, list[0].PublicID), coop.ENotFound, "error.not_found")
		if got, err := f.svc.APITokenUser(ctx, secret); err != nil || got.ID != owner.ID {
			t.Fatalf("after another user's revoke: got %d, %v; want %d", got.ID, err, owner.ID)
		}
		if others, _ := f.svc.APITokens(ctx, other.ID); len(others) != 0 {
			t.Fatalf("another user's list: got %+v, want none", others)
		}
	})
}

func TestAPITokens_ListsLiveTokensNewestFirst(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		for _, name := range []string{"un", "deux", "trois"} {
			if _, err := f.svc.CreateAPIToken(ctx, u.ID, name); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
		}
		list, err := f.svc.APITokens(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeAPIToken(ctx, u.ID, list[1].PublicID); err != nil {
			t.Fatal(err)
		}
		list, err = f.svc.APITokens(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tok := range list {
			names = append(names, tok.Name)
			if tok.Revoked || tok.LastUsedAt != nil {
				t.Errorf("%s: revoked %v, last used %v; want live and never used", tok.Name, tok.Revoked, tok.LastUsedAt)
			}
		}
		if strings.Join(names, ",") != "trois,un" {
			t.Fatalf("APITokens: got %v, want [trois un]", names)
		}
	})
}

func TestCreateAPIToken_NameIsRequiredAndBounded(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		_, err := f.svc.CreateAPIToken(ctx, u.ID, "   ")
		wantField(t, err, "token_name", "error.required")
		_, err = f.svc.CreateAPIToken(ctx, u.ID, strings.Repeat("é", 81))
		wantField(t, err, "token_name", "error.name_too_long")
		if n := f.count(`SELECT count(*) FROM api_tokens`); n != 0 {
			t.Fatalf("tokens: got %d, want 0", n)
		}
	})
}

// An integration's account is answered from memory for a moment, and every
// change made through the service is seen by the very next request.
func TestAPIToken_ChangesThroughTheServiceAreSeenAtOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		leaving := f.user("leaving@example.org", accounts.Member)
		secret, err := f.svc.CreateAPIToken(ctx, u.ID, "site")
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.svc.CreateAPIToken(ctx, leaving.ID, "tableur")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{secret, other} {
			if _, err := f.svc.APITokenUser(ctx, s); err != nil {
				t.Fatalf("APITokenUser: %v", err)
			}
		}

		if err := f.svc.UpdateName(ctx, u.ID, "Zoé Martin"); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.APITokenUser(ctx, secret); err != nil || got.Name != "Zoé Martin" {
			t.Fatalf("after a new name: got %q, %v; want %q", got.Name, err, "Zoé Martin")
		}
		if err := f.svc.SetLocale(ctx, u.ID, "en"); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.APITokenUser(ctx, secret); err != nil || got.Locale != "en" {
			t.Fatalf("after a new language: got %q, %v; want en", got.Locale, err)
		}

		if err := f.svc.DeleteAccount(ctx, leaving, password); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.APITokenUser(ctx, other)
		wantCode(t, err, coop.EUnauthorized, "api.token_invalid")

		list, err := f.svc.APITokens(ctx, u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("APITokens: got %+v, %v", list, err)
		}
		if err := f.svc.RevokeAPIToken(ctx, u.ID, list[0].PublicID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.APITokenUser(ctx, secret)
		wantCode(t, err, coop.EUnauthorized, "api.token_invalid")
	})
}

// A change made behind the service's back — another process on the same
// database — is seen within the two seconds an account is kept.
func TestAPIToken_AChangeFromElsewhereIsSeenWithinTwoSeconds(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		secret, err := f.svc.CreateAPIToken(ctx, u.ID, "site")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.APITokenUser(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := f.d.SQL.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1`, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(1999 * time.Millisecond)
		if got, err := f.svc.APITokenUser(ctx, secret); err != nil || got.ID != u.ID {
			t.Fatalf("within the two seconds: got %d, %v; want the account kept in memory", got.ID, err)
		}
		f.clock.Advance(time.Millisecond)
		_, err = f.svc.APITokenUser(ctx, secret)
		wantCode(t, err, coop.EUnauthorized, "api.token_invalid")
	})
}
