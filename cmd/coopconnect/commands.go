package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"coopconnect/internal/accounts"
	"coopconnect/internal/config"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/demo"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var withDemo bool
	c, _, err := parseFlags("serve", args, config.ScopeServer, stderr, getenv, func(fs *flag.FlagSet) {
		fs.BoolVar(&withDemo, "demo", false, "load the demo network first when the database holds no real data")
	})
	if err != nil {
		return helpIsFine(err)
	}
	log := newLogger(*c, stderr)
	m, err := Open(ctx, *c, log, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	if withDemo {
		if err := loadDemo(ctx, m, stdout); errors.Is(err, demo.ErrRealData) {
			log.Warn("demo not loaded: the database holds real data")
		} else if err != nil {
			return err
		}
	}
	return m.Run(ctx)
}

func helpIsFine(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// openFor opens the application for an operator's subcommand.
func openFor(ctx context.Context, name string, args []string, stderr io.Writer, getenv func(string) string, extra func(fs *flag.FlagSet)) (*Main, error) {
	c, _, err := parseFlags(name, args, config.ScopeDB, stderr, getenv, extra)
	if err != nil {
		return nil, err
	}
	// Opening creates a missing SQLite file: a backup of a mistyped path
	// would then "succeed" with an empty copy.
	if name == "backup" && !db.IsPostgres(c.DB) {
		if _, err := os.Stat(c.DB); err != nil {
			return nil, usageError{fmt.Errorf("backup: there is no database at %s; check --db", c.DB)}
		}
	}
	// The operator's commands need no server settings but build the same
	// services: the server's defaults stand in for them.
	full := config.Default()
	full.DB, full.LogFormat, full.LogLevel = c.DB, c.LogFormat, c.LogLevel
	if v := getenv("COOPCONNECT_BASE_URL"); v != "" {
		full.BaseURL = v
	}
	return Open(ctx, full, newLogger(full, stderr), nil)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	m, err := openFor(ctx, "migrate", args, stderr, getenv, nil)
	if err != nil {
		return helpIsFine(err)
	}
	defer m.Close()
	fmt.Fprintf(stdout, "Database %s is up to date.\n", m.DB.Location)
	return nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	m, err := openFor(ctx, "demo", args, stderr, getenv, nil)
	if err != nil {
		return helpIsFine(err)
	}
	defer m.Close()
	return loadDemo(ctx, m, stdout)
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var to string
	m, err := openFor(ctx, "backup", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "file to write the copy to (must not exist)")
	})
	if err != nil {
		return helpIsFine(err)
	}
	defer m.Close()
	if to == "" {
		return usageError{errors.New("backup: --to FILE is required")}
	}
	if err := m.DB.Backup(ctx, to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backup written to %s.\n", to)
	return nil
}

func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usageError{errors.New("user: create, reset-password or token is required")}
	}
	var email, name, role, tokenName string
	sub, rest := args[0], args[1:]
	if sub != "create" && sub != "reset-password" && sub != "token" {
		return usageError{fmt.Errorf("user: unknown action %q (create, reset-password, token)", sub)}
	}
	m, err := openFor(ctx, "user "+sub, rest, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address of the account")
		switch sub {
		case "create":
			fs.StringVar(&name, "name", "", "full name")
			fs.StringVar(&role, "role", "", "coordinator, manager, concierge, member or official")
		case "token":
			fs.StringVar(&tokenName, "name", "command line", "name of the token")
		}
	})
	if err != nil {
		return helpIsFine(err)
	}
	defer m.Close()
	if email == "" {
		return usageError{fmt.Errorf("user %s: --email is required", sub)}
	}
	switch sub {
	case "create":
		r, err := accounts.ParseRole(role)
		if err != nil {
			return usageError{fmt.Errorf("user create: --role %q: use coordinator, manager, concierge, member or official", role)}
		}
		password, generated := passwordFrom(getenv)
		_, err = m.Accounts.CreateUser(ctx, accounts.NewUser{Email: email, Name: name, Role: r, Password: password, Verified: true})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Account %s created (%s).\n", accounts.NormalizeEmail(email), r)
		if generated {
			fmt.Fprintf(stdout, "Password: %s\n", password)
		}
		return nil
	case "reset-password":
		password, generated := passwordFrom(getenv)
		if err := m.Accounts.SetPassword(ctx, email, password); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Password of %s changed; its sessions are closed.\n", accounts.NormalizeEmail(email))
		if generated {
			fmt.Fprintf(stdout, "Password: %s\n", password)
		}
		return nil
	case "token":
		u, err := m.Accounts.UserByEmail(ctx, email)
		if err != nil {
			return describe(err)
		}
		secret, err := m.Accounts.CreateAPIToken(ctx, u.ID, tokenName)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintln(stdout, secret)
		return nil
	}
	return usageError{fmt.Errorf("user: unknown action %q (create, reset-password, token)", sub)}
}

// passwordFrom takes COOPCONNECT_PASSWORD, or generates a strong one.
func passwordFrom(getenv func(string) string) (string, bool) {
	if p := getenv("COOPCONNECT_PASSWORD"); p != "" {
		return p, false
	}
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b), true
}

// describe turns an application error into a line for the operator.
func describe(err error) error {
	e := coop.AsError(err)
	if e == nil {
		return err
	}
	switch {
	case e.Code == coop.ENotFound:
		return usageError{errors.New("no account has this email address")}
	case len(e.Fields) > 0:
		var parts []string
		for f, msg := range e.Fields {
			parts = append(parts, fmt.Sprintf("%s: %s", f, operatorMessages[msg]))
		}
		return usageError{errors.New(strings.Join(parts, "; "))}
	}
	return err
}

// operatorMessages are the command line's words for validation problems.
var operatorMessages = map[string]string{
	"error.required":          "required",
	"error.email_invalid":     "not a valid email address",
	"error.email_taken":       "an account already has this address",
	"error.name_too_long":     "100 characters at most",
	"error.password_short":    "at least 10 characters (COOPCONNECT_PASSWORD)",
	"error.password_long":     "256 characters at most",
	"error.password_is_email": "must not be the email address",
	"error.role_unknown":      "unknown role",
}
