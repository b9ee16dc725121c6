// Package demo loads a small demonstration network into an empty database,
// so that `make run` shows the whole product at once. Later capabilities
// add their own demo data here.
package demo

import (
	"context"
	"errors"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/booking"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// Password is the password of every demo account.
const Password = "demo-coopconnect"

// Account is a demo account, printed for the person trying the product.
type Account struct {
	Email string
	Name  string
	Role  accounts.Role
}

// Accounts are the demo accounts, one per role (two members, to show what
// one member cannot see of another's).
var Accounts = []Account{
	{"coordination@demo.coopconnect.fr", "Camille Roux", accounts.Coordinator},
	{"gestion@demo.coopconnect.fr", "Malik Benali", accounts.Manager},
	{"accueil@demo.coopconnect.fr", "Sophie Martin", accounts.Concierge},
	{"membre@demo.coopconnect.fr", "Lucas Bernard", accounts.Member},
	{"membre2@demo.coopconnect.fr", "Inès Garcia", accounts.Member},
	{"elu@demo.coopconnect.fr", "Jean-Pierre Fabre", accounts.Official},
}

// ErrRealData refuses to mix the demo into a database in real use.
var ErrRealData = errors.New("demo: this database already holds real (non-demo) data; the demo loads only into an empty database")

// ErrLoaded says the demo is already there.
var ErrLoaded = errors.New("demo: already loaded")

// Deps are the services the demo fills.
type Deps struct {
	Accounts *accounts.Service
	Places   *places.Service
	Booking  *booking.Service
	Surveys  *survey.Service
	// Calls, when given, gets the demo's call for expressions of interest.
	Calls *ami.Service
}

// Load creates the demo network. It refuses a database holding non-demo
// data, and returns ErrLoaded when the demo is already there.
func Load(ctx context.Context, d Deps) error {
	acc := d.Accounts
	all, real, err := acc.CountUsers(ctx)
	if err != nil {
		return err
	}
	if real > 0 {
		return ErrRealData
	}
	if all > 0 {
		return ErrLoaded
	}
	users := map[string]accounts.User{}
	for _, a := range Accounts {
		u, err := acc.CreateUser(ctx, accounts.NewUser{Email: a.Email, Name: a.Name, Role: a.Role, Password: Password, Verified: true, Demo: true})
		if err != nil {
			return err
		}
		users[a.Email] = u
	}
	if err := loadPlaces(ctx, d, users["coordination@demo.coopconnect.fr"], users["gestion@demo.coopconnect.fr"], users["accueil@demo.coopconnect.fr"]); err != nil {
		return err
	}
	if err := loadBookings(ctx, d, users); err != nil {
		return err
	}
	if err := loadSurveys(ctx, d, users); err != nil {
		return err
	}
	return loadCalls(ctx, d, users)
}
