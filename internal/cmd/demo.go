package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/kinds"
	"github.com/fcgit/fcgit/snapshot"
)

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func demoCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "walk through the whole story on an embedded emulator (no cloud account)",
		Description: `Starts the FC emulator on a free loopback port, creates a repository in a
temporary directory and runs the story fcgit exists for, showing each real
command and its output: a first deploy, a console hot-fix that push refuses
to overwrite, pull merging it, a conflict resolved with plain git, a fresh
clone meeting a function it never deployed, CI's --use-local, a secret that
never reaches git, and releases: versions as tagged commits, a canary as an
edit, a rollback as a revert.
It exits non-zero if any step does not behave as narrated.

EXAMPLES:
   fcgit demo
   fcgit demo --dir /tmp/fcgit-demo --keep

` + exitCodesHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "work in `DIR` (default: a new temporary directory)"},
			&cli.BoolFlag{Name: "keep", Usage: "keep the directory afterwards (always kept with --dir)"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			return runDemo(c.Context, env, c.String("dir"), c.Bool("keep"))
		},
	}
}

// demo holds one run of the story.
type demo struct {
	ctx     context.Context
	env     Env
	root    string
	client  *fc.Client
	gitEnv  []string
	fcgitEn Env
	// password is what the demo's CI secret store holds for DB_PASSWORD.
	password string
}

const (
	demoAK       = "demo-access-key"
	demoSK       = "demo-secret"
	demoPassword = "correct-horse-battery-staple"
	demoRotated  = "rotated-in-console"
)

// demoCanary is the alias the demo adds to storefront.
const demoCanary = `
[aliases.prod]
versionId = "1"

[aliases.prod.additionalVersionWeight]
"2" = 0.1
`

func runDemo(ctx context.Context, env Env, dir string, keep bool) error {
	if _, err := exec.LookPath("git"); err != nil {
		return errors.New("the demo runs git commands: install git and put it on PATH")
	}
	kept := keep || dir != ""
	if dir == "" {
		d, err := os.MkdirTemp("", "fcgit-demo-")
		if err != nil {
			return err
		}
		dir = d
		if !keep {
			defer os.RemoveAll(d)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}

	srv, err := emulator.New(emulator.Options{Credentials: map[string]string{demoAK: demoSK}})
	if err != nil {
		return err
	}
	defer srv.Close()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	urlc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe(ctx, "127.0.0.1:0", func(u string) { urlc <- u }) }()
	var url string
	select {
	case url = <-urlc:
	case err := <-errc:
		return fmt.Errorf("start emulator: %w", err)
	case <-time.After(10 * time.Second):
		return errors.New("start emulator: timed out")
	}
	client, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: url, AccessKeyID: demoAK, AccessKeySecret: demoSK})
	if err != nil {
		return err
	}
	var d *demo
	getenv := func(k string) string {
		switch k {
		case "ALIBABA_CLOUD_ACCESS_KEY_ID":
			return demoAK
		case "ALIBABA_CLOUD_ACCESS_KEY_SECRET":
			return demoSK
		case "ALIBABA_CLOUD_SECURITY_TOKEN":
			return ""
		case "DB_PASSWORD":
			// What a CI secret store would provide.
			return d.password
		}
		return env.getenv(k)
	}
	d = &demo{ctx: ctx, env: env, root: dir, client: client, password: demoPassword,
		gitEnv: append(os.Environ(),
			"GIT_AUTHOR_NAME=Dana Developer", "GIT_AUTHOR_EMAIL=dana@example.com",
			"GIT_COMMITTER_NAME=Dana Developer", "GIT_COMMITTER_EMAIL=dana@example.com",
			"GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "PAGER=cat"),
		fcgitEn: Env{Stdin: strings.NewReader(""), Getenv: getenv},
	}
	fmt.Fprintf(env.Stdout, "fcgit demo: FC emulator on %s, repositories in %s\n", url, dir)
	if err := d.story(url); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !kept {
		// The repositories are removed on return: point at the flag that
		// keeps them instead of at a directory that will be gone.
		fmt.Fprintf(env.Stdout, "\nThe demo behaved as narrated. Its repositories are removed now; run fcgit demo --keep (or --dir DIR) to explore them afterwards.\n")
		return nil
	}
	fmt.Fprintf(env.Stdout, "\nThe demo behaved as narrated. Explore the result:\n")
	fmt.Fprintf(env.Stdout, "   cd %s\n", filepath.Join(dir, "shop-ci"))
	fmt.Fprintf(env.Stdout, "   git log --graph --oneline --all\n   git log -p fcgit/online\n   git notes --ref fcgit show fcgit/online\n")
	return nil
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.env.Stdout, "\n==> "+format+"\n", args...)
}

// fcgit runs fcgit in-process in dir, shows the command and its output, and
// checks the exit code and that the output contains want.
func (d *demo) fcgit(dir string, wantCode int, want string, args ...string) error {
	fmt.Fprintf(d.env.Stdout, "$ fcgit %s\n", strings.Join(args, " "))
	var out bytes.Buffer
	e := d.fcgitEn
	e.Stdout, e.Stderr = &out, &out
	code := Main(d.ctx, append([]string{"fcgit", "-C", filepath.Join(d.root, dir)}, args...), e)
	d.show(out.String())
	if code != wantCode {
		return fmt.Errorf("fcgit %s exited %d, expected %d", strings.Join(args, " "), code, wantCode)
	}
	if !strings.Contains(out.String(), want) {
		return fmt.Errorf("fcgit %s: expected output to mention %q", strings.Join(args, " "), want)
	}
	return nil
}

// identify gives a demo repository its own user, so that fcgit's commits
// there (online branch, merges) work on a machine without a git identity.
func (d *demo) identify(dir string) error {
	for _, kv := range [][2]string{{"user.name", "Dana Developer"}, {"user.email", "dana@example.com"}} {
		cmd := exec.CommandContext(d.ctx, "git", "config", kv[0], kv[1])
		cmd.Dir, cmd.Env = filepath.Join(d.root, dir), d.gitEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git config %s: %v: %s", kv[0], err, out)
		}
	}
	return nil
}

// git runs the real git binary in dir and shows it.
func (d *demo) git(dir string, args ...string) (string, error) {
	fmt.Fprintf(d.env.Stdout, "$ git %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(d.ctx, "git", args...)
	cmd.Dir = filepath.Join(d.root, dir)
	cmd.Env = d.gitEnv
	out, err := cmd.CombinedOutput()
	d.show(string(out))
	if err != nil {
		return string(out), fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

func (d *demo) show(out string) {
	out = strings.TrimRight(out, "\n")
	if out == "" {
		return
	}
	for _, l := range strings.Split(out, "\n") {
		fmt.Fprintf(d.env.Stdout, "    %s\n", l)
	}
}

// console is another API client: a colleague in the FC console.
func (d *demo) console(what, fn string, input map[string]any) error {
	fmt.Fprintf(d.env.Stdout, "(FC console) %s\n", what)
	_, err := d.client.UpdateFunction(d.ctx, fn, input)
	return err
}

func (d *demo) write(dir, rel, content string) error {
	p := filepath.Join(d.root, dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	fmt.Fprintf(d.env.Stdout, "(edit) %s\n", rel)
	return os.WriteFile(p, []byte(content), 0o644)
}

func (d *demo) edit(dir, rel, old, new string) error {
	p := filepath.Join(d.root, dir, rel)
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if !bytes.Contains(data, []byte(old)) {
		return fmt.Errorf("%s does not contain %q", rel, old)
	}
	fmt.Fprintf(d.env.Stdout, "(edit) %s: %s -> %s\n", rel, old, new)
	return os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644)
}

// appendTo adds text at the end of a file, as an editor would.
func (d *demo) appendTo(dir, rel, text string) error {
	p := filepath.Join(d.root, dir, rel)
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.env.Stdout, "(edit) %s: append%s", rel, strings.ReplaceAll(text, "\n", "\n    "))
	fmt.Fprintln(d.env.Stdout)
	return os.WriteFile(p, append(data, text...), 0o644)
}

const demoFunction = `description = "storefront API"
handler = "index.handler"
memorySize = 512
runtime = "python3.10"
timeout = 10

[environmentVariables]
STAGE = "prod"

[triggers.http]
triggerType = "http"

[triggers.http.config]
authType = "anonymous"
methods = ["GET", "POST"]
`

const demoCode = `def handler(event, context):
    return "hello from the storefront"
`

func (d *demo) story(url string) error {
	steps := []func() error{
		func() error {
			d.say("1. A team keeps its functions in git and deploys with fcgit.")
			if _, err := d.git(".", "init", "-q", "-b", "main", "shop"); err != nil {
				return err
			}
			if err := d.identify("shop"); err != nil {
				return err
			}
			if err := d.fcgit("shop", 0, "Wrote", "init", "--region", "cn-hangzhou", "--endpoint", url); err != nil {
				return err
			}
			if err := d.write("shop", "functions/storefront/function.toml", demoFunction); err != nil {
				return err
			}
			if err := d.write("shop", "functions/storefront/code/index.py", demoCode); err != nil {
				return err
			}
			if _, err := d.git("shop", "add", "-A"); err != nil {
				return err
			}
			if _, err := d.git("shop", "commit", "-q", "-m", "storefront function"); err != nil {
				return err
			}
			d.say("Seed case 1: the function is new locally and absent online, so push creates it.")
			return d.fcgit("shop", 0, "created storefront", "push")
		},
		func() error {
			d.say("2. Production breaks; a colleague hot-fixes it in the FC console: a longer timeout and reserved concurrency.")
			if err := d.console("UpdateFunction storefront: timeout 10 -> 30", "storefront", map[string]any{"timeout": 30}); err != nil {
				return err
			}
			fmt.Fprintf(d.env.Stdout, "(FC console) PutConcurrencyConfig storefront: reservedConcurrency 20\n")
			if _, err := d.client.PutSetting(d.ctx, kinds.ConcurrencyConfig, "storefront", "", map[string]any{"reservedConcurrency": 20}); err != nil {
				return err
			}
			d.say("Meanwhile the team changes the description locally and deploys.")
			if err := d.edit("shop", "functions/storefront/function.toml", `description = "storefront API"`, `description = "storefront API v2"`); err != nil {
				return err
			}
			if _, err := d.git("shop", "commit", "-q", "-am", "describe v2"); err != nil {
				return err
			}
			d.say("Seed case 2: online changed since the last deploy. Push refuses instead of undoing the hot-fix (exit 3).")
			return d.fcgit("shop", exitDrift, "storefront: changed online (config: concurrencyConfig, timeout)", "push")
		},
		func() error {
			d.say("pull brings the console edits in as a git merge; then push deploys both sides.")
			if err := d.fcgit("shop", 0, "Merged", "pull"); err != nil {
				return err
			}
			if _, err := d.git("shop", "diff", "HEAD^", "HEAD", "--", "functions/storefront/function.toml"); err != nil {
				return err
			}
			if _, err := d.git("shop", "log", "--graph", "--oneline", "-4"); err != nil {
				return err
			}
			return d.fcgit("shop", 0, "updated storefront", "push")
		},
		func() error {
			d.say("3. Two people change the same setting: the console sets memory to 1024, the team to 2048.")
			if err := d.console("UpdateFunction storefront: memorySize 512 -> 1024", "storefront", map[string]any{"memorySize": 1024}); err != nil {
				return err
			}
			if err := d.edit("shop", "functions/storefront/function.toml", "memorySize = 512", "memorySize = 2048"); err != nil {
				return err
			}
			if _, err := d.git("shop", "commit", "-q", "-am", "more memory"); err != nil {
				return err
			}
			d.say("pull stops with a conflict on that one key, left for git's own tools (exit 4).")
			if err := d.fcgit("shop", exitConflict, "CONFLICT", "pull"); err != nil {
				return err
			}
			if _, err := d.git("shop", "status", "--short"); err != nil {
				return err
			}
			if _, err := d.git("shop", "diff"); err != nil {
				return err
			}
			d.say("Resolve with plain git: keep the console's value, commit the merge, deploy.")
			if _, err := d.git("shop", "checkout", "--theirs", "functions/storefront/function.toml"); err != nil {
				return err
			}
			if _, err := d.git("shop", "add", "functions/storefront/function.toml"); err != nil {
				return err
			}
			if _, err := d.git("shop", "commit", "-q", "--no-edit"); err != nil {
				return err
			}
			return d.fcgit("shop", 0, "Everything up to date", "push")
		},
		func() error {
			d.say("4. Another team created a function in the console; CI starts from a fresh clone.")
			in := map[string]any{"functionName": "legacy-report", "runtime": "python3.10", "handler": "index.handler", "memorySize": 256}
			files := []snapshot.CodeFile{{Path: "index.py", Mode: 0o644, Size: int64(len(demoCode)),
				Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(demoCode)), nil }}}
			var zip bytes.Buffer
			if err := snapshot.WriteZip(&zip, files); err != nil {
				return err
			}
			in["code"] = map[string]any{"zipFile": encodeBase64(zip.Bytes())}
			fmt.Fprintf(d.env.Stdout, "(FC console) CreateFunction legacy-report\n")
			if _, err := d.client.CreateFunction(d.ctx, in); err != nil {
				return err
			}
			if _, err := d.git(".", "clone", "-q", "--single-branch", "shop", "shop-ci"); err != nil {
				return err
			}
			if err := d.identify("shop-ci"); err != nil {
				return err
			}
			d.say("The clone has no fcgit/online branch, yet the deployed-from stamps tell it what runs online.")
			if err := d.fcgit("shop-ci", 0, "in sync:", "status", "--all"); err != nil {
				return err
			}
			d.say("Seed case 3: legacy-report exists online but was never deployed from here (exit 3).")
			if err := d.fcgit("shop-ci", exitDrift, "legacy-report: exists online, not deployed from this repository", "push"); err != nil {
				return err
			}
			d.say("pull imports it into the repository.")
			if err := d.fcgit("shop-ci", 0, "Merged", "pull"); err != nil {
				return err
			}
			return d.fcgit("shop-ci", 0, "Everything up to date", "push")
		},
		func() error {
			d.say("5. CI that must deploy what is in git, whatever happened online, uses --use-local.")
			if err := d.console("UpdateFunction storefront: timeout 30 -> 99", "storefront", map[string]any{"timeout": 99}); err != nil {
				return err
			}
			if err := d.fcgit("shop-ci", 0, "Overwrote online changes", "push", "--use-local"); err != nil {
				return err
			}
			d.say("The overwritten console edit is not lost: it is a commit on fcgit/online.")
			out, err := d.git("shop-ci", "log", "-p", "-1", "--format=%s", "fcgit/online^1", "--", "functions")
			if err != nil {
				return err
			}
			if !strings.Contains(out, "timeout = 99") {
				return errors.New("the overwritten edit is missing from fcgit/online's history")
			}
			return nil
		},
		func() error {
			d.say("6. Secrets never reach git: function.toml names where push takes the value from.")
			if err := d.edit("shop-ci", "functions/storefront/function.toml", `STAGE = "prod"`, `DB_PASSWORD = {secret = "env:DB_PASSWORD"}`+"\n"+`STAGE = "prod"`); err != nil {
				return err
			}
			if _, err := d.git("shop-ci", "commit", "-q", "-am", "database password from the CI secret store"); err != nil {
				return err
			}
			fmt.Fprintf(d.env.Stdout, "(CI) $DB_PASSWORD is set from the secret store\n")
			if err := d.fcgit("shop-ci", 0, "updated storefront", "push"); err != nil {
				return err
			}
			d.say("The value is online, and in no git object (every object of the repository is read to check).")
			cmd := exec.CommandContext(d.ctx, "git", "cat-file", "--batch-all-objects", "--batch")
			cmd.Dir, cmd.Env = filepath.Join(d.root, "shop-ci"), d.gitEnv
			all, err := cmd.Output()
			if err != nil {
				return fmt.Errorf("git cat-file: %w", err)
			}
			if bytes.Contains(all, []byte(demoPassword)) {
				return errors.New("the password reached git")
			}
			fmt.Fprintf(d.env.Stdout, "    (no object holds it)\n")
			d.say("Someone rotates the password in the console: drift, named, value hidden (exit 3).")
			if err := d.console("UpdateFunction storefront: DB_PASSWORD rotated", "storefront", map[string]any{"environmentVariables": map[string]any{"STAGE": "prod", "DB_PASSWORD": demoRotated}}); err != nil {
				return err
			}
			if err := d.fcgit("shop-ci", exitDrift, "storefront: DB_PASSWORD changed online (value hidden)", "push"); err != nil {
				return err
			}
			d.say("The team updates the secret store and pulls the rotation in: nothing left to deploy.")
			fmt.Fprintf(d.env.Stdout, "(CI) $DB_PASSWORD is now the rotated value\n")
			d.password = demoRotated
			if err := d.fcgit("shop-ci", 0, "changed  storefront (secrets: DB_PASSWORD (values hidden))", "pull"); err != nil {
				return err
			}
			return d.fcgit("shop-ci", 0, "Everything up to date", "push")
		},
		func() error {
			d.say("7. Releases: a published version is a commit, tagged; an alias is a table of function.toml.")
			if err := d.fcgit("shop-ci", 0, "published storefront version 1 (tag fcgit/storefront/v1)", "push", "--publish"); err != nil {
				return err
			}
			if err := d.edit("shop-ci", "functions/storefront/function.toml", "timeout = 30", "timeout = 45"); err != nil {
				return err
			}
			if _, err := d.git("shop-ci", "commit", "-q", "-am", "storefront v2: shorter timeout"); err != nil {
				return err
			}
			if err := d.fcgit("shop-ci", 0, "published storefront version 2 (tag fcgit/storefront/v2)", "push", "--publish"); err != nil {
				return err
			}
			if _, err := d.git("shop-ci", "diff", "fcgit/storefront/v1", "fcgit/storefront/v2", "--", "functions/storefront"); err != nil {
				return err
			}
			d.say("A canary is an edit: prod stays on version 1 and sends 10%% of its traffic to version 2.")
			if err := d.appendTo("shop-ci", "functions/storefront/function.toml", demoCanary); err != nil {
				return err
			}
			if _, err := d.git("shop-ci", "commit", "-q", "-am", "canary: 10% of prod on v2"); err != nil {
				return err
			}
			if err := d.fcgit("shop-ci", 0, "updated storefront (config: aliases)", "push"); err != nil {
				return err
			}
			d.say("Rolling back is git revert: the canary alias goes again.")
			if _, err := d.git("shop-ci", "revert", "--no-edit", "HEAD"); err != nil {
				return err
			}
			return d.fcgit("shop-ci", 0, "updated storefront (config: aliases)", "push")
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}
