package cmd

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fcgit/fcgit/emulator"
	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/kinds"
)

const (
	testAK = "test-ak"
	testSK = "test-sk"
)

func TestMain(m *testing.M) {
	if args := os.Getenv(benchProcessEnv); args != "" {
		// fcgit in a process of its own, for a benchmark: its emulator, or
		// a run whose peak memory is measured (benchProcess).
		// A process of its own, as Run makes it.
		limitMemory(os.Getenv)
		stop := startBenchProfiles()
		code := Main(context.Background(), append([]string{"fcgit"}, strings.Fields(args)...),
			Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
		stop()
		reportPeakMemory()
		os.Exit(code)
	}
	testscript.Main(m, map[string]func(){
		"fcgit": func() { os.Exit(Run()) },
	})
}

// TestScripts runs the end-to-end scripts in the repository's top-level
// testdata/ (the behaviour specification, found first by a reader): the real
// program, real git, and an emulator per script standing in for FC.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata",
		RequireExplicitExec: true,
		Setup:               setupScript,
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"fc": cmdFC, "exits": cmdExits, "replace": cmdReplace},
	})
}

type emulatorKey struct{}

type scriptEmulator struct {
	srv    *emulator.Server
	url    string
	client *fc.Client
}

func setupScript(env *testscript.Env) error {
	srv, err := emulator.New(emulator.Options{Credentials: map[string]string{testAK: testSK}, Seed: 1})
	if err != nil {
		return err
	}
	ts := httptest.NewServer(srv)
	env.Defer(func() {
		ts.Close()
		srv.Close()
	})
	client, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: ts.URL, AccessKeyID: testAK, AccessKeySecret: testSK})
	if err != nil {
		return err
	}
	env.Values[emulatorKey{}] = &scriptEmulator{srv: srv, url: ts.URL, client: client}
	home := env.WorkDir + "/.home"
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	for k, v := range map[string]string{
		"FCGIT_ENDPOINT":                      ts.URL,
		"ALIBABA_CLOUD_ACCESS_KEY_ID":         testAK,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET":     testSK,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
		"HOME":                                home,
		"XDG_CONFIG_HOME":                     home + "/.config",
		"GIT_CONFIG_NOSYSTEM":                 "1",
		"GIT_AUTHOR_NAME":                     "Dev",
		"GIT_AUTHOR_EMAIL":                    "dev@example.com",
		"GIT_COMMITTER_NAME":                  "Dev",
		"GIT_COMMITTER_EMAIL":                 "dev@example.com",
		"EMULATOR_URL":                        ts.URL,
	} {
		env.Setenv(k, v)
	}
	return nil
}

// cmdExits runs a program and checks its exit code, which the exit codes
// contract (DESIGN.md) makes part of the interface:
//
//	exits 3 fcgit push
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// cmdReplace edits a file in place, as a user would in an editor:
//
//	replace OLD NEW FILE
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace OLD NEW FILE")
	}
	p := ts.MkAbs(args[2])
	data, err := os.ReadFile(p)
	ts.Check(err)
	if !bytes.Contains(data, []byte(args[0])) {
		ts.Fatalf("replace: %s does not contain %q", args[2], args[0])
	}
	ts.Check(os.WriteFile(p, bytes.ReplaceAll(data, []byte(args[0]), []byte(strings.ReplaceAll(args[1], `\n`, "\n"))), 0o644))
}

// cmdFC is "another API client": the FC console in the stories the scripts
// tell. It talks to the script's emulator through the fc package.
//
//	fc create NAME [key=JSON ...]        create a python function with a small code package
//	fc update NAME key=JSON ...          partial update, as a console edit
//	fc code NAME PATH=CONTENT ...        replace the code package
//	fc trigger NAME TRIGGER key=JSON ... update a trigger
//	fc add-trigger NAME TRIGGER TYPE CONFIGJSON
//	fc delete NAME                       delete a function (triggers first)
//	fc get NAME FIELD                    print a field of GetFunction as JSON
//	fc file NAME PATH                    print a file of the deployed code package
//	fc exists NAME                       fail unless it exists (negate with !)
//	fc writes N                          assert N write requests since the last reset
//	fc edit-on OP NAME key=JSON ...     console edit right before the emulator handles OP for NAME
//	fc requests OP N                     assert N requests of OP since the last reset
//	fc echo-fault [OP...]                OPs fail with a message quoting the request body
//	                                     (as sent and form-encoded); none clears it
//	fc reset-stats
//	fc tag NAME KEY                      print a tag's value
//	fc add-tag NAME KEY VALUE            tag a function, as in the console
//	fc untag NAME KEY...                 remove tags from a function
//	fc setting KIND NAME QUALIFIER k=JSON put a setting (concurrencyConfig, asyncInvokeConfig, …)
//	fc unsetting KIND NAME QUALIFIER     delete a setting
//	fc get-setting KIND NAME QUALIFIER F print a setting's field as JSON
//	fc vpc-bind NAME VPCID / fc vpc-bindings NAME
//	fc disable NAME REASON / fc enable NAME
//	fc publish NAME [DESCRIPTION]        publish a version, print its id
//	fc alias NAME ALIAS k=JSON...        create or update an alias
//	fc get-alias NAME ALIAS FIELD        print an alias's field as JSON
//	fc cert                              new self-signed pair in $TLS_CERT and $TLS_KEY
//	fc domain DOMAIN [with-cert] k=JSON  create or update a custom domain
//	                                     (with-cert: certConfig from $TLS_CERT/$TLS_KEY)
//	fc get-domain DOMAIN FIELD           print a custom domain's field as JSON
//	fc delete-domain DOMAIN
func cmdFC(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: fc <subcommand> ...")
	}
	em := ts.Value(emulatorKey{}).(*scriptEmulator)
	ctx := context.Background()
	c := em.client
	check := func(err error) {
		if err != nil {
			ts.Fatalf("fc %s: %v", args[0], err)
		}
	}
	switch args[0] {
	case "create":
		in := map[string]any{"functionName": args[1], "runtime": "python3.10", "handler": "index.handler",
			"code": zipInput(ts, map[string]string{"index.py": "def handler(event, context):\n    return 'hello'\n"})}
		for k, v := range parseKV(ts, args[2:]) {
			in[k] = v
		}
		_, err := c.CreateFunction(ctx, in)
		check(err)
	case "update":
		_, err := c.UpdateFunction(ctx, args[1], parseKV(ts, args[2:]))
		check(err)
	case "code":
		files := map[string]string{}
		for _, a := range args[2:] {
			k, v, _ := strings.Cut(a, "=")
			files[k] = strings.ReplaceAll(v, `\n`, "\n")
		}
		_, err := c.UpdateFunction(ctx, args[1], map[string]any{"code": zipInput(ts, files)})
		check(err)
	case "trigger":
		_, err := c.UpdateTrigger(ctx, args[1], args[2], parseKV(ts, args[3:]))
		check(err)
	case "add-trigger":
		_, err := c.CreateTrigger(ctx, args[1], map[string]any{"triggerName": args[2], "triggerType": args[3], "triggerConfig": args[4]})
		check(err)
	case "delete":
		trs, err := c.ListTriggers(ctx, args[1])
		check(err)
		for _, t := range trs {
			check(c.DeleteTrigger(ctx, args[1], t.Name()))
		}
		check(c.DeleteFunction(ctx, args[1]))
	case "get":
		f, err := c.GetFunction(ctx, args[1])
		check(err)
		b, err := json.Marshal(f[args[2]])
		check(err)
		fmt.Fprintf(ts.Stdout(), "%s\n", b)
	case "file":
		loc, err := c.GetFunctionCode(ctx, args[1])
		check(err)
		rc, err := c.DownloadCode(ctx, loc.URL)
		check(err)
		var buf bytes.Buffer
		_, err = buf.ReadFrom(rc)
		rc.Close()
		check(err)
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		check(err)
		for _, f := range zr.File {
			if f.Name == args[2] {
				r, err := f.Open()
				check(err)
				var out bytes.Buffer
				_, err = out.ReadFrom(r)
				check(err)
				ts.Stdout().Write(out.Bytes())
				return
			}
		}
		ts.Fatalf("fc file: %s has no %s", args[1], args[2])
	case "exists":
		_, err := c.GetFunction(ctx, args[1])
		exists := err == nil
		if !exists && !fc.IsNotFound(err) {
			check(err)
		}
		if exists == neg {
			ts.Fatalf("function %s exists: %v", args[1], exists)
		}
		return
	case "writes":
		want, err := strconv.Atoi(args[1])
		check(err)
		st := em.srv.Stats()
		if st.Writes != want {
			ts.Fatalf("emulator saw %d write requests, want %d (requests: %v)", st.Writes, want, sortedCounts(st.Requests))
		}
	case "edit-on":
		// fc edit-on OP FN key=JSON...: once, right before the emulator
		// handles OP for FN, edit FN as the console would. This is the race
		// between push's drift check and its write.
		op, fn, in := args[1], args[2], parseKV(ts, args[3:])
		var once sync.Once
		em.srv.SetBefore(func(gotOp, gotFn string) {
			if gotOp == op && gotFn == fn {
				once.Do(func() {
					if _, err := c.UpdateFunction(context.Background(), fn, in); err != nil {
						panic(err)
					}
				})
			}
		})
	case "requests":
		// fc requests OP N: the emulator saw N requests of OP since the last reset.
		want, err := strconv.Atoi(args[2])
		check(err)
		if got := em.srv.Stats().Requests[args[1]]; got != want {
			ts.Fatalf("emulator saw %d %s requests, want %d", got, args[1], want)
		}
	case "echo-fault":
		em.srv.SetEchoFault(args[1:]...)
	case "reset-stats":
		em.srv.ResetStats()
	case "add-tag":
		check(c.TagFunction(ctx, args[1], map[string]string{args[2]: args[3]}))
	case "untag":
		check(c.UntagFunction(ctx, args[1], args[2:]))
	case "setting":
		// fc setting KIND FN QUALIFIER key=JSON...: a console edit of a setting.
		_, err := c.PutSetting(ctx, settingKind(ts, args[1]), args[2], args[3], parseKV(ts, args[4:]))
		check(err)
	case "unsetting":
		check(c.DeleteSetting(ctx, settingKind(ts, args[1]), args[2], args[3]))
	case "get-setting":
		// fc get-setting KIND FN QUALIFIER FIELD: print a field as JSON.
		d, found, err := c.GetSetting(ctx, settingKind(ts, args[1]), args[2], args[3])
		check(err)
		if !found {
			fmt.Fprintln(ts.Stdout(), "(not configured)")
			return
		}
		b, err := json.Marshal(d[args[4]])
		check(err)
		fmt.Fprintf(ts.Stdout(), "%s\n", b)
	case "vpc-bind":
		check(c.CreateVpcBinding(ctx, args[1], args[2]))
	case "vpc-bindings":
		ids, err := c.ListVpcBindings(ctx, args[1])
		check(err)
		fmt.Fprintf(ts.Stdout(), "%s\n", strings.Join(ids, " "))
	case "disable":
		check(c.SetInvocation(ctx, args[1], true, strings.Join(args[2:], " ")))
	case "enable":
		check(c.SetInvocation(ctx, args[1], false, ""))
	case "publish":
		v, err := c.PublishVersion(ctx, args[1], strings.Join(args[2:], " "))
		check(err)
		fmt.Fprintf(ts.Stdout(), "%v\n", v["versionId"])
	case "alias":
		// fc alias FN NAME key=JSON...: create or update an alias.
		in := parseKV(ts, args[3:])
		if _, err := c.UpdateAlias(ctx, args[1], args[2], in); fc.IsNotFound(err) {
			in["aliasName"] = args[2]
			_, err = c.CreateAlias(ctx, args[1], in)
			check(err)
		} else {
			check(err)
		}
	case "get-alias":
		list, err := c.ListAliases(ctx, args[1])
		check(err)
		for _, a := range list {
			if a["aliasName"] == args[2] {
				b, err := json.Marshal(a[args[3]])
				check(err)
				fmt.Fprintf(ts.Stdout(), "%s\n", b)
				return
			}
		}
		fmt.Fprintln(ts.Stdout(), "(no such alias)")
	case "cert":
		cert, key := selfSignedPair(ts)
		ts.Setenv("TLS_CERT", cert)
		ts.Setenv("TLS_KEY", key)
	case "domain":
		rest := args[2:]
		withCert := len(rest) > 0 && rest[0] == "with-cert"
		if withCert {
			rest = rest[1:]
		}
		in := parseKV(ts, rest)
		if withCert {
			in["certConfig"] = map[string]any{"certName": "console-cert", "certificate": ts.Getenv("TLS_CERT"), "privateKey": ts.Getenv("TLS_KEY")}
		}
		if _, err := c.UpdateCustomDomain(ctx, args[1], in); fc.IsNotFound(err) {
			in["domainName"] = args[1]
			_, err = c.CreateCustomDomain(ctx, in)
			check(err)
		} else {
			check(err)
		}
	case "get-domain":
		list, err := c.ListCustomDomains(ctx, args[1])
		check(err)
		for _, d := range list {
			if d["domainName"] == args[1] {
				b, err := json.Marshal(d[args[2]])
				check(err)
				fmt.Fprintf(ts.Stdout(), "%s\n", b)
				return
			}
		}
		fmt.Fprintln(ts.Stdout(), "(no such domain)")
		if !neg {
			ts.Fatalf("fc get-domain: no custom domain %s", args[1])
		}
		return
	case "delete-domain":
		check(c.DeleteCustomDomain(ctx, args[1]))
	case "tag":
		tags, err := c.FunctionTags(ctx, args[1])
		check(err)
		fmt.Fprintf(ts.Stdout(), "%s\n", tags[args[2]])
	default:
		ts.Fatalf("fc: unknown subcommand %q", args[0])
	}
	if neg {
		ts.Fatalf("fc %s: unexpected success", args[0])
	}
}

func sortedCounts(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// parseKV parses key=JSON arguments; a value that is not JSON is a string.
func settingKind(ts *testscript.TestScript, key string) *kinds.Setting {
	s := kinds.SettingFor(key)
	if s == nil {
		ts.Fatalf("fc: no setting %q", key)
	}
	return s
}

func parseKV(ts *testscript.TestScript, args []string) map[string]any {
	out := map[string]any{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("want key=value, got %q", a)
		}
		var val any
		d := json.NewDecoder(strings.NewReader(v))
		d.UseNumber()
		if err := d.Decode(&val); err != nil {
			val = v
		}
		out[k] = val
	}
	return out
}

func zipInput(ts *testscript.TestScript, files map[string]string) map[string]any {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			ts.Fatalf("zip: %v", err)
		}
		w.Write([]byte(files[n]))
	}
	if err := zw.Close(); err != nil {
		ts.Fatalf("zip: %v", err)
	}
	return map[string]any{"zipFile": base64.StdEncoding.EncodeToString(buf.Bytes())}
}

// selfSignedPair makes a PEM certificate and its private key, as a console
// user uploads them for an HTTPS custom domain.
func selfSignedPair(ts *testscript.TestScript) (certPEM, keyPEM string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ts.Check(err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "example.com"},
		DNSNames:     []string{"*.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	ts.Check(err)
	kb, err := x509.MarshalECPrivateKey(key)
	ts.Check(err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
}
