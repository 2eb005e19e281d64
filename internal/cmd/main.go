// Package cmd is fcgit's command line: flag wiring, one file per command, and
// the mapping of errors to exit codes. The work itself lives in the packages
// the commands call.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/textsafe"
	"github.com/fcgit/fcgit/internal/typo"
	"github.com/fcgit/fcgit/push"
)

// Env is what a run of fcgit may touch outside its arguments. Tests build one
// to drive the whole program in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Terminal reports whether stdin and stdout are an interactive terminal
	// (prompts and progress are shown only then); nil means never.
	Terminal func() bool

	// scrub hides secret values from Stdout and Stderr (set by Main).
	scrub *scrubber
	// progress is Stderr without the control character guard, for the
	// progress counters that redraw their line with '\r'. Only fcgit's own
	// text (counts) goes there. Set by Main.
	progress io.Writer
	// tweakCode, when set, adjusts how push sends code packages: tests
	// lower the limits so that small packages take the paths of large ones.
	tweakCode func(*push.CodeOptions)
	// tweakClient, when set, adjusts the FC client's configuration: tests
	// shrink the stall window so a stalled transfer fails in milliseconds.
	tweakClient func(*fc.Config)
}

// hideEndpointPasswords registers the password of an endpoint URL given
// with user information (--endpoint, FCGIT_ENDPOINT, FCGIT_OSS_ENDPOINT)
// before anything can print it. Such endpoints are refused with the
// password redacted; this catches any path that repeats the argument.
func hideEndpointPasswords(env Env, args []string) {
	values := []string{env.getenv("FCGIT_ENDPOINT"), env.getenv("FCGIT_OSS_ENDPOINT")}
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--endpoint=") || strings.HasPrefix(a, "-endpoint="):
			_, v, _ := strings.Cut(a, "=")
			values = append(values, v)
		case (a == "--endpoint" || a == "-endpoint") && i+1 < len(args):
			values = append(values, args[i+1])
		}
	}
	for _, v := range values {
		if userinfo := fc.EndpointUserinfo(v); userinfo != "" {
			env.hide(userinfo)
			if _, password, ok := strings.Cut(userinfo, ":"); ok {
				env.hide(password)
				if p, err := url.PathUnescape(password); err == nil {
					env.hide(p)
				}
			}
		}
	}
}

// hide registers a secret value to keep out of output.
func (e Env) hide(v string) {
	if e.scrub != nil {
		e.scrub.add(v)
	}
}

// Std is the process environment.
func Std() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Terminal: func() bool {
			return term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
		},
	}
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return os.Getenv(k)
	}
	return e.Getenv(k)
}

func (e Env) terminal() bool { return e.Terminal != nil && e.Terminal() }

// Run is the process entry point: fcgit with the process's arguments and
// streams, cancelled by SIGINT or SIGTERM so that work stops cleanly.
func Run() int {
	limitMemory(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Main(ctx, os.Args, Std())
}

// defaultMemoryLimit is the Go runtime's soft memory limit a process
// running fcgit sets unless GOMEMLIMIT is set (GOMEMLIMIT=off: none). A
// status or push of 10,000 functions keeps about 140 MB live at its peak
// (HEAD's and the online branch's state of each function, the documents
// read), which Go's default heap goal, twice the live heap, turns into
// 290 MB; under the limit the collector runs more often instead (at
// 10,000 functions up to 0.5 ms more CPU per function, the process under
// 256 MB). It is soft: a larger repository gets the memory it needs, its
// collector working harder.
const defaultMemoryLimit = 232 << 20

// limitMemory sets defaultMemoryLimit unless the environment sets
// GOMEMLIMIT (which the runtime has applied already). For a process's
// entry point: the limit is the whole process's.
func limitMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
}

// Main runs fcgit with args (args[0] is the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, env Env) (code int) {
	env.scrub = &scrubber{}
	// Secrets are scrubbed from the text as written, then what is left
	// is made safe for a terminal: names, keys and messages from FC reach
	// these writers, and none may drive the terminal.
	if env.Stdout != nil {
		env.Stdout = scrubWriter{textsafe.Writer{W: env.Stdout}, env.scrub}
	}
	if env.Stderr != nil {
		env.progress = scrubWriter{env.Stderr, env.scrub}
		env.Stderr = scrubWriter{textsafe.Writer{W: env.Stderr}, env.scrub}
	}
	hideEndpointPasswords(env, args)
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(env.Stderr, "fcgit: internal error (a bug, please report it): %v\n", r)
			if verboseArg(args) {
				env.Stderr.Write(debug.Stack())
			} else {
				fmt.Fprintln(env.Stderr, "Run again with --verbose for the details to include in the report.")
			}
			code = exitError
		}
	}()
	var unknownCommand error
	app := newApp(env, &unknownCommand)
	app.Metadata = map[string]any{"args": args}
	err := app.RunContext(ctx, args)
	if err == nil && unknownCommand != nil {
		err = unknownCommand
	}
	var printed jsonPrinted
	if err != nil && jsonArg(args) && !errors.As(err, &printed) {
		// --json promises one JSON document on stdout, a refused command
		// line included.
		_ = jsonFailure(env, true, err)
	}
	return report(err, env.Stderr)
}

func newApp(env Env, unknownCommand *error) *cli.App {
	app := &cli.App{
		Name:  "fcgit",
		Usage: "keep Function Compute functions in git; drift becomes a git merge",
		// --version is fcgit's own flag (long only: -v is --verbose, as
		// in most tools), accepted before or after a command name.
		HideVersion: true,
		Action: func(c *cli.Context) error {
			if name := c.Args().First(); name != "" {
				if hint := typo.Nearest(name, commandNames(c.App)); hint != "" {
					return usagef("unknown command %q (did you mean %q?)", name, hint)
				}
				return usagef("unknown command %q", name)
			}
			if globalBool(c, "version") {
				printVersion(env)
				return nil
			}
			return cli.ShowAppHelp(c)
		},
		Description: `fcgit keeps Alibaba Cloud Function Compute (FC 3.0) functions in a git
repository. Online state is the branch fcgit/online: "fcgit pull" brings
console edits in as a merge, "fcgit push" deploys and refuses when online
state changed since the last deploy.

EXAMPLES:
   fcgit init --region cn-hangzhou --prefix shop-
   fcgit pull
   fcgit push --dry-run
   fcgit push

` + exitCodesHelp,
		Reader:                 env.Stdin,
		Writer:                 env.Stdout,
		ErrWriter:              env.Stderr,
		HideHelpCommand:        false,
		UseShortOptionHandling: false,
		Suggest:                true,
		ExitErrHandler:         func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			if hint := flagHint(err, c.App.Flags); hint != "" {
				return usagef("%v (did you mean %s?)", err, hint)
			}
			return usageError{err}
		},
		CommandNotFound: func(c *cli.Context, name string) {
			if hint := typo.Nearest(name, commandNames(c.App)); hint != "" {
				*unknownCommand = usagef("unknown command %q (did you mean %q?)", name, hint)
				return
			}
			*unknownCommand = usagef("unknown command %q", name)
		},
		Flags:    globalFlags(),
		Commands: commands(env),
	}
	for _, c := range app.Commands {
		if action := c.Action; action != nil {
			c.Action = func(ctx *cli.Context) error {
				if globalBool(ctx, "version") {
					printVersion(env)
					return nil
				}
				if f := ctx.Command.Flags; hasFlag(f, "jobs") && ctx.Int("jobs") < 1 {
					return usagef("--jobs %d: want at least 1", ctx.Int("jobs"))
				}
				return action(ctx)
			}
		}
		c.Flags = append(c.Flags, commandGlobalFlags(c.Name, c.Flags)...)
		c.OnUsageError = func(ctx *cli.Context, err error, _ bool) error {
			if hint := flagHint(err, ctx.Command.Flags); hint != "" {
				return usagef("%v (did you mean %s?)", err, hint)
			}
			return usageError{err}
		}
		c.CustomHelpTemplate = commandHelpTemplate
	}
	return app
}

// commands builds fcgit's commands with their own flags (newApp adds the
// global ones to each).
func commands(env Env) []*cli.Command {
	return []*cli.Command{
		initCommand(env),
		fetchCommand(env),
		pullCommand(env),
		statusCommand(env),
		diffCommand(env),
		pushCommand(env),
		watchCommand(env),
		emulatorCommand(env),
		demoCommand(env),
		versionCommand(env),
	}
}

// commandHelpTemplate is urfave/cli's command help with the description
// (examples, exit codes) placed after the options.
var commandHelpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{if .UsageText}}{{wrap .UsageText 3}}{{else}}{{.HelpName}}{{if .VisibleFlags}} [options]{{end}}{{if .ArgsUsage}} {{.ArgsUsage}}{{end}}{{end}}{{if .VisibleFlags}}

OPTIONS:{{template "visibleFlagTemplate" .}}{{end}}{{if .Description}}

{{.Description}}{{end}}
`

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "C", Usage: "run as if fcgit was started in `DIR`"},
		&cli.StringFlag{Name: "endpoint", Usage: "FC API endpoint `URL` (emulator, private endpoint); default from fcgit.toml, then https://fcv3.<region>.aliyuncs.com", EnvVars: []string{"FCGIT_ENDPOINT"}},
		&cli.StringFlag{Name: "region", Usage: "FC `REGION`, overriding fcgit.toml", EnvVars: []string{"FCGIT_REGION"}},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "say more: each phase's time, requests and downloads (on stderr), how many code packages were downloaded, the details of an internal error"},
		&cli.BoolFlag{Name: "version", Usage: "print fcgit's version and exit"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors and results"},
	}
}

// standalone are the commands that work on no repository and no FC
// endpoint of the user's.
var standalone = map[string]bool{"emulator": true, "demo": true, "version": true}

// noArgs rejects positional arguments for commands that take none.
func noArgs(c *cli.Context) error {
	if c.Args().Present() {
		return usagef("%s: unexpected argument %q", c.Command.Name, c.Args().First())
	}
	return nil
}

// commandGlobalFlags are the global flags again, so that they work after the
// command name too (fcgit init --region …), as users type them. They carry no
// environment variables: the app-level flags do, and globalString falls back
// to those.
//
// Commands that work on no repository and no FC endpoint (the emulator,
// the demo, version) take only the output flags.
func commandGlobalFlags(command string, own []cli.Flag) []cli.Flag {
	defined := map[string]bool{}
	if standalone[command] {
		for _, n := range []string{"C", "endpoint", "region"} {
			defined[n] = true
		}
	}
	for _, f := range own {
		for _, n := range f.Names() {
			defined[n] = true
		}
	}
	var out []cli.Flag
	for _, f := range globalFlags() {
		if defined[f.Names()[0]] {
			// The command's own flag of that name wins (emulator --region).
			continue
		}
		switch f := f.(type) {
		case *cli.StringFlag:
			c := *f
			c.EnvVars = nil
			out = append(out, &c)
		case *cli.BoolFlag:
			c := *f
			c.EnvVars = nil
			out = append(out, &c)
		}
	}
	return out
}

// globalString reads a global flag wherever on the command line it was
// given, the innermost first, then the app level (which holds env values).
func globalString(c *cli.Context, name string) string {
	lineage := c.Lineage()
	for _, x := range lineage {
		for _, n := range x.LocalFlagNames() {
			if n == name {
				return x.String(name)
			}
		}
	}
	return lineage[len(lineage)-1].String(name)
}

// flagOnCommandLine reports whether --name (or -name, or --name=…) was
// typed, as opposed to taken from an environment variable.
func flagOnCommandLine(c *cli.Context, name string) bool {
	args, _ := c.App.Metadata["args"].([]string)
	for _, a := range args {
		if a == "--" {
			break
		}
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func globalBool(c *cli.Context, name string) bool {
	lineage := c.Lineage()
	for _, x := range lineage {
		for _, n := range x.LocalFlagNames() {
			if n == name {
				return x.Bool(name)
			}
		}
	}
	return lineage[len(lineage)-1].Bool(name)
}

func printVersion(env Env) {
	fmt.Fprintf(env.Stdout, "fcgit version %s\n", version())
}

func versionCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print fcgit's version (also --version)",
		Description: `Prints the version fcgit was built at: the module version of a release
(go install github.com/fcgit/fcgit@v1.2.3), or, for a build from a
checkout, "devel" with the commit it was built from (and "modified" when
the checkout had uncommitted changes); then the Go version.

EXAMPLES:
   fcgit version
   fcgit --version

` + exitCodesHelp,
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			printVersion(env)
			return nil
		},
	}
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// jsonArg reports whether --json was given.
func jsonArg(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--json" || a == "-json" {
			return true
		}
	}
	return false
}

// verboseArg reports whether --verbose was given, for use before flags are
// parsed (or when parsing itself failed).
func verboseArg(args []string) bool {
	for _, a := range args {
		if a == "--verbose" || a == "-verbose" || a == "-v" {
			return true
		}
	}
	return false
}

// version is the module version fcgit was built at (go install …@v1.2.3),
// or "devel" with the commit of the checkout it was built from, and the Go
// version.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := "devel"
	if info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	} else {
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			v += " (commit " + rev
			if settings["vcs.modified"] == "true" {
				v += ", modified"
			}
			v += ")"
		}
	}
	return v + ", " + info.GoVersion
}
