// Command carefinder runs the CareFinder treatment-facility directory: the
// search service, and the commands that load and index its data.
//
//	carefinder serve [--addr :8080] [--data ./carefinder-data] [--database DSN]
//	carefinder import [--data DIR] [--database DSN] --format samhsa-2015|findtreatment|hsds-json|hsds-csv [--dry-run] FILE|DIR|-
//	carefinder export [--data DIR] [--database DSN] --format hsds-json|hsds-csv DIR
//	carefinder reindex [--data DIR] [--database DSN]
//	carefinder version
//	carefinder partner add --name NAME --origin URL [--origin URL…]
//	carefinder partner list | partner disable KEYID
//
// Every flag can also be set from the environment as CAREFINDER_<FLAG>
// (CAREFINDER_ADDR, CAREFINDER_DATA, CAREFINDER_DATABASE, ...).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit statuses, as API.md fixes them.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env is how the commands read the environment; tests pass their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{os.Stdin, os.Stdout, os.Stderr, os.Getenv}))
}

// command is one subcommand: it declares its flags on fs and returns the
// function that runs it once they are parsed.
type command struct {
	name    string
	summary string
	usage   string
	setup   func(fs *flag.FlagSet) func(ctx context.Context, args []string, e env) error
}

func commands() []command {
	return []command{
		{"serve", "run the search service", "serve [flags]", serveCommand},
		{"import", "load facilities from a file into the directory", "import [flags] --format FORMAT FILE|DIR|-", importCommand},
		{"export", "write the directory as HSDS 3.0 files", "export [flags] --format FORMAT DIR", exportCommand},
		{"reindex", "rebuild the search index from the directory", "reindex [flags]", reindexCommand},
		{"version", "print the version", "version", versionCommand},
		{"partner add", "add a partner site and print its new key", "partner add --name NAME --origin URL [--origin URL…] [--region-state ST | --region-geojson FILE] [--default name=value…] [--rate-limit N]", partnerAddCommand},
		{"partner list", "list partners, their keys' ids and their requests per day", "partner list", partnerListCommand},
		{"partner disable", "turn a partner's key off", "partner disable KEYID", partnerDisableCommand},
	}
}

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	name, rest := args[0], args[1:]
	if name == "partner" { // a command of two words
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprintln(e.stderr, "usage: carefinder partner add|list|disable [flags]")
			if len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help") {
				return exitOK
			}
			return exitUsage
		}
		name, rest = name+" "+rest[0], rest[1:]
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		fs.SetOutput(e.stderr)
		runFn := c.setup(fs)
		fs.Usage = func() {
			fmt.Fprintf(fs.Output(), "usage: carefinder %s\n\n%s.\n\nFlags (each also read from CAREFINDER_<FLAG>):\n", c.usage, capitalize(c.summary))
			fs.PrintDefaults()
		}
		if err := applyEnv(fs, e.getenv); err != nil {
			fmt.Fprintf(e.stderr, "carefinder %s: %v\n", c.name, err)
			return exitUsage
		}
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		err := runFn(ctx, fs.Args(), e)
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "carefinder %s: %v\n", c.name, err)
			fs.Usage()
			return exitUsage
		default:
			fmt.Fprintf(e.stderr, "carefinder %s: %v\n", c.name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(e.stderr, "carefinder: unknown command %q\n\n", name)
	printUsage(e.stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "CareFinder: a treatment-facility directory and search service.")
	fmt.Fprintln(w, "\nusage: carefinder COMMAND [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'carefinder COMMAND --help' for a command's flags.")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// applyEnv sets every flag that has a CAREFINDER_<NAME> variable, before
// the command line is parsed so that flags win over the environment.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		key := "CAREFINDER_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(key); v != "" && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", key, v, e)
			}
		}
	})
	return err
}

// storeFlags are the flags every command that opens the directory shares.
type storeFlags struct {
	data     string
	database string
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.data, "data", "./carefinder-data", "data directory: the SQLite database and the search index")
	fs.StringVar(&sf.database, "database", "", "database DSN: empty for SQLite inside --data, or postgres://…")
}
