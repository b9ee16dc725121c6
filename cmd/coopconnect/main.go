// Command coopconnect is the whole Coop-connect product in one binary: the
// web server and the operator's subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Exit codes: 2 for what the operator must fix (flags, configuration, an
// unreachable database), 1 for any other failure.
const (
	exitFailure = 1
	exitUsage   = 2
)

// usageError is an error the operator fixes by changing the command.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// serveMemoryLimit is the soft limit of the server's Go memory: with
// SQLite's page caches and the program's code, the process stays under
// 150 MiB resident.
const serveMemoryLimit = 90 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "serve" && os.Getenv("GOMEMLIMIT") == "" {
		// The server keeps to a memory budget: near this soft limit on
		// the Go runtime's memory the collector runs sooner instead of
		// letting the heap double (GOMEMLIMIT decides instead when set).
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "coopconnect:", err)
	var ue usageError
	if errors.As(err, &ue) {
		os.Exit(exitUsage)
	}
	os.Exit(exitFailure)
}

const usage = `coopconnect — the platform of a network of rural shared workplaces

Usage:
  coopconnect serve [--addr :8080] [--db PATH|URL] [--demo]   serve the web site and the API
  coopconnect migrate [--db …]                                apply the database migrations
  coopconnect demo [--db …]                                   load the demo network into an empty database
  coopconnect user create --email E --role R --name N         create an account (password from COOPCONNECT_PASSWORD, or generated)
  coopconnect user reset-password --email E                   set a new password (same rule)
  coopconnect user token --email E [--name N]                 create an API token, printed alone on standard output
  coopconnect backup --to FILE [--db …]                       write a consistent copy of the SQLite database
  coopconnect hours [--at RFC3339] [--json] VALUE|-           check opening_hours values (exit 1 if one is invalid)
  coopconnect bench booking [--db EMPTY] [--duration 10s]     measure booking and availability on a generated network
  coopconnect version                                         print the version

Every setting can also come from a COOPCONNECT_* environment variable;
run "coopconnect serve -h" for the list. See docs/configuration.md.
`

// run dispatches a subcommand; main only handles signals and exit codes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("a subcommand is required")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr, getenv)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr, getenv)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr, getenv)
	case "user":
		return cmdUser(ctx, rest, stdout, stderr, getenv)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr, getenv)
	case "hours":
		return cmdHours(ctx, rest, stdout, stderr, getenv)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr, getenv)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "coopconnect", Version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Errorf("unknown subcommand %q", cmd)}
}
