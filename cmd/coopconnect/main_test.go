package main

// The binary's command line, run in-process through run(): what an
// operator types, what they read, and the exit code's class (usageError is
// exit 2).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/config"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/demo"
	"coopconnect/internal/i18n"
	"coopconnect/internal/testkit"
)

// cliResult is what a run of the command line gave.
type cliResult struct {
	stdout, stderr string
	err            error
}

// cli runs the command line with args and only the environment env (the
// test process's own COOPCONNECT_* variables must not leak in).
func cli(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, &stdout, &stderr, func(k string) string { return env[k] })
	return cliResult{stdout.String(), stderr.String(), err}
}

// wantUsage checks that a run failed with a usage error (exit 2) whose
// message contains each of want.
func (r cliResult) wantUsage(t *testing.T, want ...string) {
	t.Helper()
	var ue usageError
	if !errors.As(r.err, &ue) {
		t.Fatalf("err = %v (%T), want a usageError (exit 2)", r.err, r.err)
	}
	for _, w := range want {
		if !strings.Contains(r.err.Error(), w) {
			t.Errorf("the error %q does not say %q", r.err, w)
		}
	}
}

// wantOK checks that a run succeeded.
func (r cliResult) wantOK(t *testing.T) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("err = %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
	}
}

// openApp opens the application on a database for a test, quietly.
func openApp(t *testing.T, location string) *Main {
	t.Helper()
	c := config.Default()
	c.DB = location
	m, err := Open(context.Background(), c, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// wantLogin checks whether email signs in with password.
func wantLogin(t *testing.T, m *Main, email, password string, want bool) {
	t.Helper()
	_, err := m.Accounts.Login(context.Background(), email, password)
	if got := err == nil; got != want {
		t.Errorf("login of %s with %q: err %v, want success %v", email, password, err, want)
	}
}

var generatedPassword = regexp.MustCompile(`(?m)^Password: (\S+)$`)

func TestRun_VersionAndHelp(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-v"} {
		r := cli(t, nil, arg)
		r.wantOK(t)
		if !regexp.MustCompile(`^coopconnect \S+\n$`).MatchString(r.stdout) {
			t.Errorf("%s printed %q, want \"coopconnect VERSION\\n\"", arg, r.stdout)
		}
		if r.stderr != "" {
			t.Errorf("%s wrote to stderr: %q", arg, r.stderr)
		}
	}
	r := cli(t, nil, "help")
	r.wantOK(t)
	for _, sub := range []string{"serve", "migrate", "demo", "user create", "user reset-password", "user token", "backup", "version"} {
		if !strings.Contains(r.stdout, "coopconnect "+sub) {
			t.Errorf("the help does not show %q", sub)
		}
	}
	// -h on a subcommand lists its flags and is not an error.
	r = cli(t, nil, "migrate", "-h")
	r.wantOK(t)
	if !strings.Contains(r.stderr, "-db") || !strings.Contains(r.stderr, "COOPCONNECT_DB") {
		t.Errorf("migrate -h does not describe --db:\n%s", r.stderr)
	}
}

func TestRun_MistakesAreUsageErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"no subcommand", nil, nil, []string{"subcommand is required"}},
		{"unknown subcommand", nil, []string{"frobnicate"}, []string{`unknown subcommand "frobnicate"`}},
		{"unknown flag", nil, []string{"migrate", "--nope", "--db", path}, []string{"-nope"}},
		{"extra argument", nil, []string{"migrate", "--db", path, "extra"}, []string{`unexpected argument "extra"`}},
		{"log format", nil, []string{"migrate", "--db", path, "--log-format", "xml"}, []string{"--log-format", `"xml"`, "text or json"}},
		{"log format from env", map[string]string{"COOPCONNECT_LOG_FORMAT": "xml"}, []string{"migrate", "--db", path}, []string{"--log-format"}},
		{"log level", nil, []string{"migrate", "--db", path, "--log-level", "loud"}, []string{"--log-level"}},
		{"other database", nil, []string{"migrate", "--db", "mysql://db.example/coop"}, []string{"--db", "SQLite paths and postgres:// URLs"}},
		{"postgres without host", nil, []string{"migrate", "--db", "postgres:///coop"}, []string{"--db", "not a valid postgres:// URL"}},
		{"listen address", nil, []string{"serve", "--db", path, "--addr", "8080"}, []string{"--addr"}},
		{"base URL", nil, []string{"serve", "--db", path, "--base-url", "ftp://coop.example"}, []string{"--base-url"}},
		{"several at once", nil, []string{"serve", "--db", path, "--addr", "x", "--log-format", "xml"}, []string{"--addr", "--log-format"}},
		{"user without action", nil, []string{"user"}, []string{"create, reset-password or token"}},
		{"user without email", nil, []string{"user", "create", "--db", path, "--role", "member"}, []string{"--email is required"}},
		{"user unknown role", map[string]string{"COOPCONNECT_PASSWORD": "un mot de passe assez long"},
			[]string{"user", "create", "--db", path, "--email", "a@example.org", "--name", "A", "--role", "boss"}, []string{`--role "boss"`}},
		{"user short password", map[string]string{"COOPCONNECT_PASSWORD": "court"},
			[]string{"user", "create", "--db", path, "--email", "a@example.org", "--name", "A", "--role", "member"}, []string{"at least 10 characters"}},
		{"user bad email", map[string]string{"COOPCONNECT_PASSWORD": "un mot de passe assez long"},
			[]string{"user", "create", "--db", path, "--email", "pas-une-adresse", "--name", "A", "--role", "member"}, []string{"email: not a valid email address"}},
		{"user unknown action", nil, []string{"user", "frob", "--db", path, "--email", "a@example.org"}, []string{`unknown action "frob"`}},
		{"backup without target", nil, []string{"backup", "--db", path}, []string{"--to FILE is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.env, tc.args...)
			r.wantUsage(t, tc.want...)
		})
	}
}

// TestRun_UnreachablePostgresIsAUsageErrorQuickly: a database that does not
// answer is the operator's to fix (exit 2), said at once, without the
// password of the URL.
func TestRun_UnreachablePostgresIsAUsageErrorQuickly(t *testing.T) {
	for _, sub := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}, {"user", "token", "--email", "a@example.org"}} {
		t.Run(sub[0], func(t *testing.T) {
			start := time.Now()
			r := cli(t, nil, append(sub, "--db", "postgres://coop:s3cr3t-pw@127.0.0.1:1/coop?sslmode=disable")...)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s to give up, want under 10 s", d)
			}
			r.wantUsage(t, "not reachable", "127.0.0.1:1", "--db")
			if strings.Contains(r.err.Error()+r.stderr+r.stdout, "s3cr3t-pw") {
				t.Errorf("the password of the URL was printed: %v\n%s", r.err, r.stderr)
			}
		})
	}
}

// TestRun_OperatorCommands goes through an operator's commands on one
// SQLite database: migrate, demo, users, API token, backup.
func TestRun_OperatorCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "coopconnect.db")
	dbFlag := []string{"--db", path}
	withPassword := func(p string) map[string]string { return map[string]string{"COOPCONNECT_PASSWORD": p} }

	t.Run("migrate", func(t *testing.T) {
		r := cli(t, nil, append([]string{"migrate"}, dbFlag...)...)
		r.wantOK(t)
		if want := "Database " + path + " is up to date.\n"; r.stdout != want {
			t.Errorf("stdout = %q, want %q", r.stdout, want)
		}
		if !strings.Contains(r.stderr, "migration applied") {
			t.Errorf("the migrations applied are not logged:\n%s", r.stderr)
		}
		// Again, from the environment: nothing to apply.
		r = cli(t, map[string]string{"COOPCONNECT_DB": path}, "migrate")
		r.wantOK(t)
		if strings.Contains(r.stderr, "migration applied") || !strings.Contains(r.stdout, path) {
			t.Errorf("a second migrate: stdout %q, stderr %q", r.stdout, r.stderr)
		}
	})

	t.Run("demo", func(t *testing.T) {
		r := cli(t, nil, append([]string{"demo"}, dbFlag...)...)
		r.wantOK(t)
		if !strings.HasPrefix(r.stdout, "Demo network loaded.\n") || !strings.Contains(r.stdout, demo.Password) {
			t.Errorf("stdout:\n%s", r.stdout)
		}
		if len(demo.Accounts) != 6 {
			t.Errorf("%d demo accounts, want 6", len(demo.Accounts))
		}
		for _, a := range demo.Accounts {
			if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(a.Email) + `\s+` + string(a.Role) + `$`).MatchString(r.stdout) {
				t.Errorf("the demo account %s (%s) is not listed:\n%s", a.Email, a.Role, r.stdout)
			}
		}
		r = cli(t, nil, append([]string{"demo"}, dbFlag...)...)
		r.wantOK(t)
		if !strings.HasPrefix(r.stdout, "The demo network is already loaded.\n") || !strings.Contains(r.stdout, demo.Accounts[0].Email) {
			t.Errorf("a second demo:\n%s", r.stdout)
		}
		m := openApp(t, path)
		wantLogin(t, m, demo.Accounts[0].Email, demo.Password, true)
	})

	const email = "nina.roux@example.org"
	t.Run("user create", func(t *testing.T) {
		r := cli(t, withPassword("chemin-des-lavandes"), append([]string{"user", "create", "--email", " Nina.Roux@example.org ", "--name", "Nina Roux", "--role", "manager"}, dbFlag...)...)
		r.wantOK(t)
		if want := "Account " + email + " created (manager).\n"; r.stdout != want {
			t.Errorf("stdout = %q, want %q", r.stdout, want)
		}
		r = cli(t, nil, append([]string{"user", "create", "--email", "paul@example.org", "--name", "Paul", "--role", "official"}, dbFlag...)...)
		r.wantOK(t)
		gen := generatedPassword.FindStringSubmatch(r.stdout)
		if gen == nil || len(gen[1]) < 16 {
			t.Fatalf("no generated password printed:\n%s", r.stdout)
		}
		m := openApp(t, path)
		wantLogin(t, m, email, "chemin-des-lavandes", true)
		wantLogin(t, m, "paul@example.org", gen[1], true)
		u, err := m.Accounts.UserByEmail(context.Background(), email)
		if err != nil || u.Role != accounts.Manager || !u.EmailVerified || u.Demo || u.Name != "Nina Roux" {
			t.Errorf("the account created is %+v, %v", u, err)
		}
		m.Close()

		r = cli(t, withPassword("un autre mot de passe"), append([]string{"user", "create", "--email", email, "--name", "Nina", "--role", "member"}, dbFlag...)...)
		r.wantUsage(t, "already has this address")
	})

	t.Run("demo refused on real data", func(t *testing.T) {
		r := cli(t, nil, append([]string{"demo"}, dbFlag...)...)
		if !errors.Is(r.err, demo.ErrRealData) {
			t.Fatalf("err = %v, want demo.ErrRealData", r.err)
		}
		if strings.Contains(r.stdout, "loaded") {
			t.Errorf("stdout says the demo is loaded:\n%s", r.stdout)
		}
		// Nor is an empty database with one real account a demo one.
		other := filepath.Join(dir, "other.db")
		cli(t, withPassword("chemin-des-lavandes"), "user", "create", "--db", other, "--email", email, "--name", "Nina", "--role", "coordinator").wantOK(t)
		if r := cli(t, nil, "demo", "--db", other); !errors.Is(r.err, demo.ErrRealData) {
			t.Errorf("demo on a database with one real account: err = %v, want demo.ErrRealData", r.err)
		}
	})

	t.Run("user reset-password", func(t *testing.T) {
		m := openApp(t, path)
		u, err := m.Accounts.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		session, err := m.Accounts.OpenSession(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		r := cli(t, withPassword("sentier-des-oliviers"), append([]string{"user", "reset-password", "--email", email}, dbFlag...)...)
		r.wantOK(t)
		if want := "Password of " + email + " changed; its sessions are closed.\n"; r.stdout != want {
			t.Errorf("stdout = %q, want %q", r.stdout, want)
		}
		wantLogin(t, m, email, "chemin-des-lavandes", false)
		wantLogin(t, m, email, "sentier-des-oliviers", true)
		if _, _, err := m.Accounts.SessionUser(context.Background(), session); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("the session opened before the reset survives (err %v)", err)
		}

		r = cli(t, nil, append([]string{"user", "reset-password", "--email", email}, dbFlag...)...)
		r.wantOK(t)
		gen := generatedPassword.FindStringSubmatch(r.stdout)
		if gen == nil {
			t.Fatalf("no generated password printed:\n%s", r.stdout)
		}
		wantLogin(t, m, email, gen[1], true)

		r = cli(t, withPassword("sentier-des-oliviers"), append([]string{"user", "reset-password", "--email", "personne@example.org"}, dbFlag...)...)
		r.wantUsage(t, "no account has this email address")
		r = cli(t, withPassword("court"), append([]string{"user", "reset-password", "--email", email}, dbFlag...)...)
		r.wantUsage(t, "at least 10 characters")
	})

	var token string
	t.Run("user token", func(t *testing.T) {
		r := cli(t, nil, append([]string{"user", "token", "--email", email, "--name", "Site de la commune"}, dbFlag...)...)
		r.wantOK(t)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], accounts.APITokenPrefix) || !strings.HasSuffix(r.stdout, "\n") {
			t.Fatalf("stdout = %q, want the token alone on one line", r.stdout)
		}
		token = lines[0]
		r = cli(t, nil, append([]string{"user", "token", "--email", "personne@example.org"}, dbFlag...)...)
		r.wantUsage(t, "no account has this email address")
		if r.stdout != "" {
			t.Errorf("stdout = %q after a refusal, want nothing", r.stdout)
		}
	})

	t.Run("API with the token", func(t *testing.T) {
		if token == "" {
			t.Skip("no token")
		}
		base := serveApp(t, path)
		get := func(path, auth string) (int, http.Header, map[string]any) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, base+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("GET %s: Content-Type %q, want JSON", path, ct)
			}
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Errorf("GET %s: the body is not JSON: %v", path, err)
			}
			return resp.StatusCode, resp.Header, body
		}
		status, _, me := get("/api/v1/me", "Bearer "+token)
		if status != http.StatusOK || me["email"] != email || me["role"] != "manager" || me["name"] != "Nina Roux" ||
			me["two_factor"] != false || me["id"] == "" || me["id"] == nil {
			t.Errorf("GET /api/v1/me with the token: %d %v", status, me)
		}
		if _, ok := me["password_hash"]; ok {
			t.Error("the API shows the password hash")
		}
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		fr := cat.For("fr")
		for _, tc := range []struct{ auth, message string }{
			{"", fr.T("api.token_required")},
			{"Basic " + token, fr.T("api.token_required")},
			{"Bearer", fr.T("api.token_required")},
			// A token was given: say it is not (or no longer) valid.
			{"Bearer cc_not-a-real-token", fr.T("api.token_invalid")},
		} {
			status, h, body := get("/api/v1/me", tc.auth)
			if status != http.StatusUnauthorized || body["code"] != "unauthorized" || body["message"] != tc.message {
				t.Errorf("GET /api/v1/me with Authorization %q: %d %v, want 401 unauthorized, %q", tc.auth, status, body, tc.message)
			}
			if !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer (got %q)", h.Get("WWW-Authenticate"))
			}
		}
		for _, auth := range []string{"", "Bearer " + token} {
			status, _, body := get("/api/v1/nope", auth)
			if status != http.StatusNotFound || body["code"] != "not_found" || body["message"] == "" {
				t.Errorf("GET /api/v1/nope (Authorization %q): %d %v, want a JSON 404", auth, status, body)
			}
		}
	})

	t.Run("backup", func(t *testing.T) {
		to := filepath.Join(dir, "copies", "copie.db")
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		r := cli(t, nil, append([]string{"backup", "--to", to}, dbFlag...)...)
		r.wantOK(t)
		if want := "Backup written to " + to + ".\n"; r.stdout != want {
			t.Errorf("stdout = %q, want %q", r.stdout, want)
		}
		cp, err := db.Open(context.Background(), to, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := cp.IntegrityCheck(context.Background()); err != nil {
			t.Errorf("the copy fails its integrity check: %v", err)
		}
		if n, err := cp.Pending(context.Background()); err != nil || n != 0 {
			t.Errorf("the copy has %d pending migrations (%v), want 0", n, err)
		}
		var users int
		if err := cp.SQL.QueryRow(`SELECT count(*) FROM users`).Scan(&users); err != nil || users != len(demo.Accounts)+2 {
			t.Errorf("the copy holds %d accounts (%v), want %d", users, err, len(demo.Accounts)+2)
		}
		cp.Close()
		before := fileSum(t, to)

		r = cli(t, nil, append([]string{"backup", "--to", to}, dbFlag...)...)
		if r.err == nil || !strings.Contains(r.err.Error(), "already exists") {
			t.Errorf("a backup onto an existing file: err = %v, want a refusal saying it exists", r.err)
		}
		if after := fileSum(t, to); after != before {
			t.Error("the refused backup changed the existing file")
		}
	})
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// serveApp serves the application on an existing database until the test
// ends, and returns its base URL.
func serveApp(t *testing.T, location string) string {
	t.Helper()
	return startServerOn(t, location, nil, nil).URL
}

// TestRun_BackupOfAMissingDatabaseIsRefused: a mistyped --db must not
// create an empty database and report its copy as a backup.
func TestRun_BackupOfAMissingDatabaseIsRefused(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "coopconect.db")
	to := filepath.Join(dir, "copie.db")
	r := cli(t, nil, "backup", "--db", typo, "--to", to)
	r.wantUsage(t, typo)
	for _, p := range []string{typo, to} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was created", p)
		}
	}
	if strings.Contains(r.stdout, "Backup written") {
		t.Errorf("stdout = %q", r.stdout)
	}
}

func TestRun_BackupOfPostgresPointsToPgDump(t *testing.T) {
	if os.Getenv(testkit.PostgresEnv) == "" {
		testkit.SkipOrFail(t, testkit.PostgresEnv+" is not set")
	}
	location := testkit.NewDBLocation(t, db.Postgres)
	r := cli(t, nil, "backup", "--db", location, "--to", filepath.Join(t.TempDir(), "copie.db"))
	if !errors.Is(r.err, db.ErrBackupPostgres) {
		t.Errorf("err = %v, want db.ErrBackupPostgres", r.err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRun_ServeDemoThenShutDownGracefully: `serve --demo` loads the demo,
// serves, and on cancellation (SIGTERM) lets the request in progress finish
// before returning nil.
func TestRun_ServeDemoThenShutDownGracefully(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coopconnect.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", path, "--addr", "127.0.0.1:0", "--demo", "--log-format", "json"}, &stdout, &stderr,
			func(string) string { return "" })
	}()

	// The address comes from the log line "serving".
	var base string
	deadline := time.Now().Add(30 * time.Second)
	for base == "" {
		for line := range strings.Lines(stderr.String()) {
			var rec struct{ Msg, Listen string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "serving" {
				base = "http://" + rec.Listen
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped at once: %v\n%s", err, stderr.String())
		default:
		}
		if base == "" {
			if time.Now().After(deadline) {
				t.Fatalf("serve did not log its address within 30 s:\n%s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !strings.Contains(stdout.String(), "Demo network loaded.") {
		t.Errorf("serve --demo printed:\n%s", stdout.String())
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&ready)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || ready["status"] != "ready" || ready["database"] != "sqlite" {
		t.Errorf("GET /readyz: %d %v", resp.StatusCode, ready)
	}

	// A slow client: the login form's body arrives in two parts, and the
	// shutdown starts between them.
	body, w := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, base+"/connexion", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	answer := make(chan *http.Response, 1)
	go func() {
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Errorf("the request in progress failed: %v", err)
			answer <- nil
			return
		}
		resp.Body.Close()
		answer <- resp
	}()
	if _, err := fmt.Fprintf(w, "email=%s&", demo.Accounts[3].Email); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the handler is reading the body
	cancel()
	select {
	case err := <-done:
		t.Fatalf("serve returned (%v) while a request was in progress", err)
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := fmt.Fprintf(w, "password=%s", demo.Password); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if resp := <-answer; resp != nil {
		if resp.StatusCode != http.StatusSeeOther || !slices.ContainsFunc(resp.Cookies(), func(c *http.Cookie) bool { return strings.HasSuffix(c.Name, "coop_session") }) {
			t.Errorf("the request in progress was answered %d, want 303 with a session", resp.StatusCode)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after a graceful shutdown, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return within 10 s of the cancellation")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Error("the server still accepts connections after returning")
	}
	if log := stderr.String(); !strings.Contains(log, `"msg":"shutting down"`) || !strings.Contains(log, `"msg":"stopped"`) {
		t.Errorf("the shutdown is not logged:\n%s", log)
	}
}

// TestOpen_FailedMigrationLeavesNothingHalfApplied: when a migration fails
// (here because a table it creates exists already), Open fails and the
// database holds nothing of that migration: no record, none of the tables
// it created before the failing statement. Once the cause is removed, Open
// succeeds.
func TestOpen_FailedMigrationLeavesNothingHalfApplied(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		// users is the first table of 0001, outbox its last: the tables
		// before it must be rolled back.
		for _, clash := range []string{"users", "outbox"} {
			t.Run(string(engine)+"/"+clash, func(t *testing.T) {
				location := testkit.NewDBLocation(t, engine)
				raw := rawDB(t, engine, location)
				if _, err := raw.Exec(`CREATE TABLE ` + clash + ` (x INTEGER)`); err != nil {
					t.Fatal(err)
				}
				c := config.Default()
				c.DB = location
				start := time.Now()
				m, err := Open(context.Background(), c, slog.New(slog.DiscardHandler), nil)
				if err == nil {
					m.Close()
					t.Fatal("Open succeeded over a clashing table")
				}
				if time.Since(start) > 10*time.Second {
					t.Errorf("Open took %s to fail", time.Since(start))
				}
				if !strings.Contains(err.Error(), "migration") || !strings.Contains(err.Error(), "0001") {
					t.Errorf("the error %q does not name the failed migration", err)
				}
				var ue usageError
				if errors.As(err, &ue) {
					t.Errorf("a failed migration is a usage error (exit 2); it is a failure (exit 1): %v", err)
				}
				var n int
				if err := raw.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != 0 {
					t.Errorf("schema_migrations holds %d rows (%v), want 0", n, err)
				}
				if got, want := tables(t, engine, raw), slices.Sorted(slices.Values([]string{clash, "schema_migrations"})); !slices.Equal(got, want) {
					t.Errorf("tables after the failure: %q, want only %q", got, want)
				}
				var cols int
				if err := raw.QueryRow(`SELECT count(*) FROM ` + clash).Scan(&cols); err != nil {
					t.Errorf("the clashing table is damaged: %v", err)
				}

				if _, err := raw.Exec(`DROP TABLE ` + clash); err != nil {
					t.Fatal(err)
				}
				m, err = Open(context.Background(), c, slog.New(slog.DiscardHandler), nil)
				if err != nil {
					t.Fatalf("Open after removing the clash: %v", err)
				}
				m.Close()
				if err := raw.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
					t.Errorf("schema_migrations holds %d rows (%v) after a good Open", n, err)
				}
			})
		}
	}
}

// rawDB opens a database without the application, for tests that prepare
// or inspect it behind its back.
func rawDB(t *testing.T, engine db.Engine, location string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", location
	if engine == db.Postgres {
		driver = "pgx"
	}
	d, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	d.SetMaxOpenConns(1)
	t.Cleanup(func() { d.Close() })
	return d
}

// tables lists the tables of a database, sorted.
func tables(t *testing.T, engine db.Engine, d *sql.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if engine == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := d.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
