package cmd

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
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
	// Children (the scripts' fcgit, watchers, emulator processes)
	// inherit it.
	os.Setenv("GORACE", noRaceExitSleep())
	testscript.Main(m, map[string]func(){
		"fcgit": func() {
			checkAgreement(os.Args)
			os.Exit(Run())
		},
	})
}

// noRaceExitSleep is GORACE with the race detector's sleep of one second at
// the exit of every process turned off: under -race each fcgit a script runs
// would otherwise idle a second, most of the suite's time. Reports are not
// lost: the sleep only gives other goroutines time to race before exit.
func noRaceExitSleep() string {
	return strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
}

// TestScripts runs the end-to-end scripts in the repository's top-level
// testdata/ (the behaviour specification, found first by a reader): the real
// program, real git, and an emulator per script standing in for FC.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata",
		RequireExplicitExec: true,
		Setup:               setupScript,
		Cmds:                scriptCommands,
	})
}

// scriptCommands are the commands scripts use besides testscript's own.
var scriptCommands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"fc": cmdFC, "fc2": cmdFC2, "exits": cmdExits, "replace": cmdReplace,
}

type emulatorKey struct{}

// emulator2Key holds a second emulator, with credentials of its own: a
// second target (another region or account) in the stories of targets.
type emulator2Key struct{}

const (
	testAK2 = "test-ak2"
	testSK2 = "test-sk2"
)

type scriptEmulator struct {
	srv    *emulator.Server
	url    string
	client *fc.Client
}

// startScriptEmulator starts an emulator for a script, stopped with it.
func startScriptEmulator(env *testscript.Env, ak, sk, region string) (*scriptEmulator, error) {
	srv, err := emulator.New(emulator.Options{Credentials: map[string]string{ak: sk}, Seed: 1, Region: region})
	if err != nil {
		return nil, err
	}
	ts := httptest.NewServer(srv)
	env.Defer(func() {
		ts.Close()
		srv.Close()
	})
	client, err := fc.New(fc.Config{Region: region, Endpoint: ts.URL, AccessKeyID: ak, AccessKeySecret: sk})
	if err != nil {
		return nil, err
	}
	return &scriptEmulator{srv: srv, url: ts.URL, client: client}, nil
}

func setupScript(env *testscript.Env) error {
	em, err := startScriptEmulator(env, testAK, testSK, "cn-hangzhou")
	if err != nil {
		return err
	}
	em2, err := startScriptEmulator(env, testAK2, testSK2, "cn-shanghai")
	if err != nil {
		return err
	}
	env.Values[emulatorKey{}] = em
	env.Values[emulator2Key{}] = em2
	ts := struct{ URL string }{em.url}
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
		agreeEnv:                              "1",
		"EMULATOR2_URL":                       em2.url,
		"GORACE":                              noRaceExitSleep(),
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
//	fc seed-v2 NAME [key=JSON ...]       a function created under FC 2.0 (NAME is service$function)
//	fc deny [ACTION ...]                 answer these RAM actions (fc:ListAliases …) 403 AccessDenied; none: allow all
func cmdFC(ts *testscript.TestScript, neg bool, args []string) {
	consoleOn(ts, neg, ts.Value(emulatorKey{}).(*scriptEmulator), args)
}

// cmdFC2 is fc on the second emulator (credentials test-ak2, region
// cn-shanghai, at $EMULATOR2_URL).
func cmdFC2(ts *testscript.TestScript, neg bool, args []string) {
	consoleOn(ts, neg, ts.Value(emulator2Key{}).(*scriptEmulator), args)
}

func consoleOn(ts *testscript.TestScript, neg bool, em *scriptEmulator, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: fc <subcommand> ...")
	}
	ctx := context.Background()
	c := em.client
	check := func(err error) {
		if err != nil {
			ts.Fatalf("fc %s: %v", args[0], err)
		}
	}
	switch args[0] {
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
	case "cert":
		cert, key := selfSignedPair(ts)
		ts.Setenv("TLS_CERT", cert)
		ts.Setenv("TLS_KEY", key)
	case "seed-v2":
		check(em.srv.SeedV2(emulator.V2Function{Name: args[1], Config: parseKV(ts, args[2:])}))
	case "deny":
		check(em.srv.SetDenied(args[1:]))
	default:
		// What a person does in FC's console: the same operations as
		// fcgit emulator console.
		err := runConsole(ctx, c, args, ts.Stdout(), ts.Getenv)
		if neg && errors.Is(err, errNoSuch) {
			return
		}
		check(err)
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
func parseKV(ts *testscript.TestScript, args []string) map[string]any {
	kv, err := parseAssignments(args)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	return kv
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
