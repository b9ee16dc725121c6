package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func bind(t *testing.T, scope Scope, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, err := Bind(fs, scope, func(k string) string { return env[k] })
	if err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Validate(scope)
}

func TestBind_FlagsOverEnvironmentOverDefaults(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "smtp")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := bind(t, ScopeServer, map[string]string{
		"COOPCONNECT_DB":                 "/var/lib/cc.db",
		"COOPCONNECT_ADDR":               ":9000",
		"COOPCONNECT_SMTP_HOST":          "smtp.example.fr",
		"COOPCONNECT_SMTP_USERNAME":      "coop",
		"COOPCONNECT_SMTP_PASSWORD_FILE": secret,
		"COOPCONNECT_TRUST_PROXY":        "true",
	}, "--addr", "127.0.0.1:7000")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.DB != "/var/lib/cc.db" || c.SMTP.Host != "smtp.example.fr" || c.SMTP.Password != "s3cret" || !c.TrustProxy {
		t.Errorf("got %+v", c)
	}
	if c.BaseURL != "http://localhost:8080" || c.LogFormat != "text" {
		t.Errorf("defaults lost: %+v", c)
	}
	for _, v := range c.Redacted() {
		if s, ok := v.(string); ok && strings.Contains(s, "s3cret") {
			t.Error("the SMTP password shows in the redacted settings")
		}
	}
}

func TestValidate_SaysWhatToFix(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"addr", nil, []string{"--addr", "8080"}, "--addr"},
		{"base url", nil, []string{"--base-url", "coop.example.fr"}, "--base-url"},
		{"base url with path", nil, []string{"--base-url", "https://x.fr/app"}, "--base-url"},
		{"log format", nil, []string{"--log-format", "xml"}, "--log-format"},
		{"db scheme", nil, []string{"--db", "mysql://x"}, "--db"},
		{"empty db", nil, []string{"--db", ""}, "--db"},
		{"smtp port", map[string]string{"COOPCONNECT_SMTP_PORT": "abc"}, nil, "COOPCONNECT_SMTP_PORT"},
		{"trust proxy", map[string]string{"COOPCONNECT_TRUST_PROXY": "peut-être"}, nil, "COOPCONNECT_TRUST_PROXY"},
		{"secret file", map[string]string{"COOPCONNECT_SMTP_PASSWORD_FILE": "/nonexistent/x"}, nil, "COOPCONNECT_SMTP_PASSWORD_FILE"},
	} {
		_, err := bind(t, ScopeServer, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
}

func TestBind_OperatorScopeHasNoServerFlags(t *testing.T) {
	if _, err := bind(t, ScopeDB, nil, "--addr", ":1"); err == nil {
		t.Error("--addr accepted by an operator command")
	}
	c, err := bind(t, ScopeDB, nil, "--db", "postgres://u:p@db:5432/cc")
	if err != nil || c.DB != "postgres://u:p@db:5432/cc" {
		t.Errorf("got %v, %v", c, err)
	}
}

func TestValidate_PostgresURLs(t *testing.T) {
	for url, valid := range map[string]bool{
		"postgres://u:p@db:5432/cc":                           true,
		"postgresql://u@localhost/cc?sslmode=disable":         true,
		"postgres://u@/cc?host=/var/run/postgresql":           true, // a Unix socket
		"postgres://u@/cc?host=/var/run/postgresql&port=5433": true,
		"postgres:///cc":                       false, // no server
		"postgres://u@/cc?host=db.example.org": false, // a host goes before the name
		"postgres://u@/cc?host=":               false,
	} {
		_, err := bind(t, ScopeDB, nil, "--db", url)
		if (err == nil) != valid {
			t.Errorf("%s: got %v, want valid %v", url, err, valid)
		}
	}
}
