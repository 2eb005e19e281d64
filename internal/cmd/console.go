package cmd

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/internal/mapkeys"
	"github.com/fcgit/fcgit/kinds"
)

// consoleHelp lists what fcgit emulator console does: the edits people
// make in FC's console, to try fcgit's drift handling against the
// emulator (the end-to-end scripts make them the same way).
const consoleHelp = `OPERATIONS:
   create NAME [key=JSON ...]          create a python function with a small code package
   update NAME key=JSON ...            change fields (a partial update, as the console does)
   code NAME PATH=CONTENT ...          replace the code package (\n in CONTENT is a newline)
   trigger NAME TRIGGER key=JSON ...   change a trigger
   add-trigger NAME TRIGGER TYPE CONFIGJSON
   delete NAME                         delete a function and its triggers
   get NAME FIELD                      print a field of the function as JSON
   file NAME PATH                      print a file of the deployed code package
   tag NAME KEY / add-tag NAME KEY VALUE / untag NAME KEY ...
   setting KIND NAME QUALIFIER key=JSON ...   put a setting (concurrencyConfig, asyncInvokeConfig, ...)
   unsetting KIND NAME QUALIFIER / get-setting KIND NAME QUALIFIER FIELD
   vpc-bind NAME VPCID / vpc-bindings NAME
   disable NAME REASON / enable NAME   the invocation switch
   publish NAME [DESCRIPTION]          publish a version, print its id
   alias NAME ALIAS key=JSON ...       create or update an alias
   get-alias NAME ALIAS FIELD
   domain DOMAIN key=JSON ...          create or update a custom domain
   get-domain DOMAIN FIELD / delete-domain DOMAIN
A value that is not JSON is a string: timeout=30, description=hotfix.`

func consoleCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:      "console",
		Usage:     "make a console edit against an FC endpoint (the emulator): change a function as a person in FC's console would",
		ArgsUsage: "OPERATION [ARGS...]",
		Description: `Talks to the FC endpoint --endpoint (or FCGIT_ENDPOINT, or the endpoint of
the repository's fcgit.toml where it runs) names, signed
with the credentials of the default chain (ALIBABA_CLOUD_ACCESS_KEY_ID and
ALIBABA_CLOUD_ACCESS_KEY_SECRET for the emulator), to make the edits fcgit
exists for: a hot-fix in the console, a trigger changed, a version
published. Then fcgit status, diff and pull show and merge them.

EXAMPLES:
   fcgit emulator console --endpoint http://127.0.0.1:9000 update hello timeout=30
   fcgit emulator console update hello environmentVariables='{"LOG":"debug"}'
   fcgit emulator console code hello 'index.py=def handler(event, context):\n    return "fixed"\n'
   fcgit emulator console get hello timeout

` + consoleHelp + "\n\n" + exitCodesHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "endpoint", Usage: "FC API endpoint `URL` (the emulator's)", EnvVars: []string{"FCGIT_ENDPOINT"}},
			&cli.StringFlag{Name: "region", Value: "cn-hangzhou", Usage: "FC `REGION`"},
		},
		Action: func(c *cli.Context) error {
			if !c.Args().Present() {
				return usagef("emulator console: name an operation\n%s", consoleHelp)
			}
			endpoint := c.String("endpoint")
			if endpoint == "" {
				// The repository's emulator, when fcgit.toml names one.
				if w, err := openRepo(c, env); err == nil {
					if t, err := w.cfg.Target(""); err == nil {
						endpoint = t.Endpoint
					}
				}
			}
			if endpoint == "" {
				return usagef("emulator console: --endpoint (or FCGIT_ENDPOINT) names the emulator, e.g. http://127.0.0.1:9000")
			}
			client, err := fc.New(fc.Config{
				Region: c.String("region"), Endpoint: endpoint, UserAgent: "fcgit-console",
				AccessKeyID:     env.getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"),
				AccessKeySecret: env.getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
				SecurityToken:   env.getenv("ALIBABA_CLOUD_SECURITY_TOKEN"),
				Hide:            env.hide,
			})
			if err != nil {
				return err
			}
			err = runConsole(c.Context, client, c.Args().Slice(), env.Stdout, env.getenv)
			if errors.Is(err, errUnknownOperation) {
				return usageError{err}
			}
			return err
		},
	}
}

// errUnknownOperation: runConsole does not know the operation.
var errUnknownOperation = errors.New("unknown console operation")

// errNoSuch: the alias or domain asked for does not exist (after "(no
// such …)" is printed).
var errNoSuch = errors.New("no such resource")

// runConsole makes one console edit (or read) through client, printing
// what it reads to out. getenv names the certificate of a domain's
// with-cert ($TLS_CERT, $TLS_KEY).
func runConsole(ctx context.Context, c *fc.Client, args []string, out io.Writer, getenv func(string) string) error {
	need := func(n int) error {
		if len(args) < n {
			return fmt.Errorf("%s: want %d arguments\n%s", args[0], n-1, consoleHelp)
		}
		return nil
	}
	if err := need(2); err != nil {
		return err
	}
	printJSON := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", b)
		return err
	}
	switch args[0] {
	case "create":
		code, err := zipCode(map[string]string{"index.py": "def handler(event, context):\n    return 'hello'\n"})
		if err != nil {
			return err
		}
		in := map[string]any{"functionName": args[1], "runtime": "python3.10", "handler": "index.handler", "code": code}
		kv, err := parseAssignments(args[2:])
		if err != nil {
			return err
		}
		for k, v := range kv {
			in[k] = v
		}
		_, err = c.CreateFunction(ctx, in)
		return err
	case "update":
		kv, err := parseAssignments(args[2:])
		if err != nil {
			return err
		}
		_, err = c.UpdateFunction(ctx, args[1], kv)
		return err
	case "code":
		files := map[string]string{}
		for _, a := range args[2:] {
			k, v, _ := strings.Cut(a, "=")
			files[k] = strings.ReplaceAll(v, `\n`, "\n")
		}
		code, err := zipCode(files)
		if err != nil {
			return err
		}
		_, err = c.UpdateFunction(ctx, args[1], map[string]any{"code": code})
		return err
	case "trigger":
		if err := need(3); err != nil {
			return err
		}
		kv, err := parseAssignments(args[3:])
		if err != nil {
			return err
		}
		_, err = c.UpdateTrigger(ctx, args[1], args[2], kv)
		return err
	case "add-trigger":
		if err := need(5); err != nil {
			return err
		}
		_, err := c.CreateTrigger(ctx, args[1], map[string]any{"triggerName": args[2], "triggerType": args[3], "triggerConfig": args[4]})
		return err
	case "delete":
		trs, err := c.ListTriggers(ctx, args[1])
		if err != nil {
			return err
		}
		for _, t := range trs {
			if err := c.DeleteTrigger(ctx, args[1], t.Name()); err != nil {
				return err
			}
		}
		return c.DeleteFunction(ctx, args[1])
	case "get":
		if err := need(3); err != nil {
			return err
		}
		f, err := c.GetFunction(ctx, args[1])
		if err != nil {
			return err
		}
		return printJSON(f[args[2]])
	case "file":
		if err := need(3); err != nil {
			return err
		}
		return printCodeFile(ctx, c, args[1], args[2], out)
	case "tag":
		if err := need(3); err != nil {
			return err
		}
		tags, err := c.FunctionTags(ctx, args[1])
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", tags[args[2]])
		return err
	case "add-tag":
		if err := need(4); err != nil {
			return err
		}
		return c.TagFunction(ctx, args[1], map[string]string{args[2]: args[3]})
	case "untag":
		return c.UntagFunction(ctx, args[1], args[2:])
	case "setting", "unsetting", "get-setting":
		if err := need(4); err != nil {
			return err
		}
		s := kinds.SettingFor(args[1])
		if s == nil {
			return fmt.Errorf("no setting %q", args[1])
		}
		switch args[0] {
		case "unsetting":
			return c.DeleteSetting(ctx, s, args[2], args[3])
		case "get-setting":
			if err := need(5); err != nil {
				return err
			}
			d, found, err := c.GetSetting(ctx, s, args[2], args[3])
			if err != nil {
				return err
			}
			if !found {
				_, err := fmt.Fprintln(out, "(not configured)")
				return err
			}
			return printJSON(d[args[4]])
		}
		kv, err := parseAssignments(args[4:])
		if err != nil {
			return err
		}
		_, err = c.PutSetting(ctx, s, args[2], args[3], kv)
		return err
	case "vpc-bind":
		if err := need(3); err != nil {
			return err
		}
		return c.CreateVpcBinding(ctx, args[1], args[2])
	case "vpc-bindings":
		ids, err := c.ListVpcBindings(ctx, args[1])
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", strings.Join(ids, " "))
		return err
	case "disable":
		return c.SetInvocation(ctx, args[1], true, strings.Join(args[2:], " "))
	case "enable":
		return c.SetInvocation(ctx, args[1], false, "")
	case "publish":
		v, err := c.PublishVersion(ctx, args[1], strings.Join(args[2:], " "))
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%v\n", v["versionId"])
		return err
	case "alias":
		if err := need(3); err != nil {
			return err
		}
		in, err := parseAssignments(args[3:])
		if err != nil {
			return err
		}
		if _, err := c.UpdateAlias(ctx, args[1], args[2], in); !fc.IsNotFound(err) {
			return err
		}
		in["aliasName"] = args[2]
		_, err = c.CreateAlias(ctx, args[1], in)
		return err
	case "get-alias":
		if err := need(4); err != nil {
			return err
		}
		list, err := c.ListAliases(ctx, args[1])
		if err != nil {
			return err
		}
		for _, a := range list {
			if a["aliasName"] == args[2] {
				return printJSON(a[args[3]])
			}
		}
		fmt.Fprintln(out, "(no such alias)")
		return nil
	case "domain":
		rest := args[2:]
		withCert := len(rest) > 0 && rest[0] == "with-cert"
		if withCert {
			rest = rest[1:]
		}
		in, err := parseAssignments(rest)
		if err != nil {
			return err
		}
		if withCert {
			in["certConfig"] = map[string]any{"certName": "console-cert", "certificate": getenv("TLS_CERT"), "privateKey": getenv("TLS_KEY")}
		}
		if _, err := c.UpdateCustomDomain(ctx, args[1], in); !fc.IsNotFound(err) {
			return err
		}
		in["domainName"] = args[1]
		_, err = c.CreateCustomDomain(ctx, in)
		return err
	case "get-domain":
		if err := need(3); err != nil {
			return err
		}
		list, err := c.ListCustomDomains(ctx, args[1])
		if err != nil {
			return err
		}
		for _, d := range list {
			if d["domainName"] == args[1] {
				return printJSON(d[args[2]])
			}
		}
		fmt.Fprintln(out, "(no such domain)")
		return fmt.Errorf("%w: custom domain %s", errNoSuch, args[1])
	case "delete-domain":
		return c.DeleteCustomDomain(ctx, args[1])
	}
	return fmt.Errorf("%w %q\n%s", errUnknownOperation, args[0], consoleHelp)
}

// printCodeFile prints one file of a function's deployed code package.
func printCodeFile(ctx context.Context, c *fc.Client, fn, file string, out io.Writer) error {
	loc, err := c.GetFunctionCode(ctx, fn)
	if err != nil {
		return err
	}
	rc, err := c.DownloadCode(ctx, loc.URL)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rc)
	rc.Close()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		if f.Name == file {
			r, err := f.Open()
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.Copy(out, r)
			return err
		}
	}
	return fmt.Errorf("%s has no %s", fn, file)
}

// parseAssignments parses key=JSON arguments; a value that is not JSON is a
// string.
func parseAssignments(args []string) (map[string]any, error) {
	out := map[string]any{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("want key=value, got %q", a)
		}
		var val any
		d := json.NewDecoder(strings.NewReader(v))
		d.UseNumber()
		if err := d.Decode(&val); err != nil {
			val = v
		}
		out[k] = val
	}
	return out, nil
}

// zipCode is a code package of files, as CreateFunction takes it inline.
func zipCode(files map[string]string) (map[string]any, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range mapkeys.Sorted(files) {
		w, err := zw.Create(n)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return map[string]any{"zipFile": base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}
