package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/config"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/gitstate"
)

func initCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write fcgit.toml (and run git init when there is no repository)",
		UsageText: "fcgit init --region REGION [options]   (--region is required)",
		Description: `Writes a commented fcgit.toml at the root of the work tree. Every key is
documented in docs/configuration.md. Commit the file; then "fcgit pull"
imports the functions that exist online.

EXAMPLES:
   fcgit init --region cn-hangzhou
   fcgit init --region cn-shanghai --prefix shop- --dir functions
   fcgit init --region cn-hangzhou --endpoint http://127.0.0.1:9000   # the emulator

` + exitCodesHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "region", Usage: "FC `REGION` the repository deploys to, written to fcgit.toml (required)", EnvVars: []string{"FCGIT_REGION"}},
			&cli.StringFlag{Name: "endpoint", Usage: "FC API endpoint `URL` to write to fcgit.toml (the emulator, a private endpoint); FCGIT_ENDPOINT is not written", EnvVars: []string{"FCGIT_ENDPOINT"}},
			&cli.StringFlag{Name: "prefix", Usage: "manage only functions whose names start with `PREFIX`"},
			&cli.StringFlag{Name: "dir", Value: config.DefaultDir, Usage: "managed `DIR`ectory, relative to the repository root"},
			&cli.StringFlag{Name: "branch", Value: config.DefaultBranch, Usage: "online `BRANCH` name"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing fcgit.toml"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			if globalString(c, "region") == "" {
				return usagef("init: --region is required (e.g. --region cn-hangzhou)")
			}
			dir, err := startDir(c)
			if err != nil {
				return err
			}
			repo, err := gitstate.Open(dir)
			created := false
			if errors.Is(err, gitstate.ErrNotRepository) {
				repo, err = gitstate.Init(dir)
				created = true
			}
			if err != nil {
				return err
			}
			// Only an endpoint typed on the command line goes into the file:
			// FCGIT_ENDPOINT is often left over from an emulator session.
			endpoint := ""
			if flagOnCommandLine(c, "endpoint") {
				endpoint = globalString(c, "endpoint")
			} else if e := env.getenv("FCGIT_ENDPOINT"); e != "" {
				fmt.Fprintf(env.Stderr, "note: FCGIT_ENDPOINT=%s is set; fcgit.toml is written without it (pass --endpoint to record an endpoint in the file)\n", fc.RedactEndpoint(e))
			}
			if fc.RedactEndpoint(endpoint) != endpoint {
				return usagef("init: --endpoint %s holds a user name or password before '@': fcgit.toml is committed, so fcgit never writes credentials into it (and FC does not read them: requests are signed with the access key); pass the endpoint without them", fc.RedactEndpoint(endpoint))
			}
			cfg := &config.Config{
				Region: globalString(c, "region"), Endpoint: endpoint, Dir: c.String("dir"),
				Branch: c.String("branch"), Scope: config.Scope{Prefix: c.String("prefix")},
			}
			data := config.Render(cfg)
			// Validate what we are about to write with the same parser that
			// reads it, so init never writes a file later commands reject.
			if _, err := config.Parse(config.FileName, data); err != nil {
				return usageError{err}
			}
			p := filepath.Join(repo.WorkDir(), config.FileName)
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if c.Bool("force") {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(p, flags, 0o644)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists; edit it, or run init --force to overwrite it", p)
			}
			if err != nil {
				return err
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			if created {
				fmt.Fprintf(env.Stdout, "Initialized empty git repository in %s\n", repo.WorkDir())
			}
			fmt.Fprintf(env.Stdout, "Wrote %s (region %s, functions in %s/).\n", p, cfg.Region, cfg.Dir)
			fmt.Fprintf(env.Stdout, "Next: git add %s && git commit -m 'fcgit init', then fcgit pull\n", config.FileName)
			return nil
		},
	}
}
