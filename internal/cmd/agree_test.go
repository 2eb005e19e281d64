package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// agreeEnv, set in a script's environment, makes every fcgit push of the
// script first check that status agrees with it.
const agreeEnv = "FCGIT_TEST_STATUS_AGREES"

// Status agrees with push in every scenario of the testscripts: TestScripts
// sets agreeEnv, so that each fcgit push of a script is preceded by
// fcgit status --json and fcgit push --dry-run --json on the same
// repository, and for every resource the verdict status gives must be what
// push does (writes it, or refuses, for the same reason). A script whose
// assertions count requests (status adds some) or hook a console edit on a
// read (which the extra reads would fire early) turns it off with
// "env FCGIT_TEST_STATUS_AGREES=".

// checkAgreement, in an fcgit process started by a script with agreeEnv
// set, runs status and a dry run before a push and exits 99 with both
// documents when they disagree.
func checkAgreement(args []string) {
	if os.Getenv(agreeEnv) == "" {
		return
	}
	globals, command, rest := splitCommandLine(args[1:])
	if command != "push" {
		return
	}
	var pathspecs, pushFlags, shared []string
	force, prune := false, false
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case (a == "-t" || a == "--target") && i+1 < len(rest):
			shared = append(shared, a, rest[i+1])
			i++
		case (a == "-j" || a == "--jobs") && i+1 < len(rest):
			i++
		case strings.HasPrefix(a, "--target="):
			shared = append(shared, a)
		case a == "--force" || a == "-f" || a == "--use-local":
			force = true
			pushFlags = append(pushFlags, a)
		case a == "--prune":
			prune = true
			pushFlags = append(pushFlags, a)
		case strings.HasPrefix(a, "-"):
			// --dry-run, --json, --publish, --jobs: no bearing on the plan.
		default:
			pathspecs = append(pathspecs, a)
		}
	}
	run := func(argv ...string) (int, []byte) {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), append([]string{"fcgit"}, argv...), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: os.Getenv})
		return code, out.Bytes()
	}
	statusArgs := append(append(append(append([]string{}, globals...), "status", "--json"), shared...), pathspecs...)
	dryArgs := append(append(append(append(append([]string{}, globals...), "push", "--dry-run", "--json"), shared...), pushFlags...), pathspecs...)
	dc, dry := run(dryArgs...)
	if dc == exitUsage {
		return // refused before anything was planned
	}
	sc, status := run(statusArgs...)
	if msg := disagreement(sc, status, dc, dry, force, prune); msg != "" {
		fmt.Fprintf(os.Stderr, "status and push disagree: %s\nfcgit %s (exit %d):\n%s\nfcgit %s (exit %d):\n%s\n",
			msg, strings.Join(statusArgs, " "), sc, status, strings.Join(dryArgs, " "), dc, dry)
		os.Exit(99)
	}
}

// splitCommandLine finds the command among fcgit's arguments: the global
// flags before it (with their values), the command, and what follows.
func splitCommandLine(args []string) (globals []string, command string, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			globals = append(globals, a)
			if (a == "-C" || a == "--endpoint" || a == "--region") && i+1 < len(args) {
				i++
				globals = append(globals, args[i])
			}
			continue
		}
		return globals, a, args[i+1:]
	}
	return globals, "", nil
}

type agreeStatus struct {
	Head            string   `json:"head"`
	Unmerged        bool     `json:"unmergedOnlineCommits"`
	UnmergedNames   []string `json:"unmergedFunctions"`
	MergeInProgress bool     `json:"mergeInProgress"`
	Uncommitted     []string `json:"uncommitted"`
	Functions       []struct {
		Function string   `json:"function"`
		Push     string   `json:"push"`
		Blocked  string   `json:"blocked"`
		Problems []string `json:"problems"`
	} `json:"functions"`
	Domains []struct {
		Domain  string `json:"domain"`
		Push    string `json:"push"`
		Blocked string `json:"blocked"`
	} `json:"domains"`
	Error *struct {
		ExitCode int `json:"exitCode"`
	} `json:"error"`
}

type agreeError struct {
	Kind      string   `json:"kind"`
	ExitCode  int      `json:"exitCode"`
	Functions []string `json:"functions"`
	Drift     []struct {
		Function string `json:"function"`
		Domain   string `json:"domain"`
	} `json:"drift"`
}

func (e *agreeError) functionsOrNil() []string {
	if e == nil {
		return nil
	}
	return e.Functions
}

type agreeDryRun struct {
	Plan *struct {
		Actions []struct {
			Function string `json:"function"`
			Op       string `json:"op"`
		} `json:"actions"`
		Domains []struct {
			Domain string `json:"domain"`
			Op     string `json:"op"`
		} `json:"domains"`
	} `json:"plan"`
	Error *agreeError `json:"error"`
}

// disagreement compares a status report with a dry run of the push; "" when
// they agree.
func disagreement(sc int, statusJSON []byte, dc int, dryJSON []byte, force, prune bool) string {
	var st agreeStatus
	var dr agreeDryRun
	if err := json.Unmarshal(statusJSON, &st); err != nil {
		return "status --json: " + err.Error()
	}
	if err := json.Unmarshal(dryJSON, &dr); err != nil {
		return "push --dry-run --json: " + err.Error()
	}
	if st.Error != nil {
		// Status could not plan (a file that does not decode, a missing
		// repository): push cannot either.
		if dr.Error == nil || dr.Error.ExitCode != st.Error.ExitCode {
			return "status failed, push did not fail alike"
		}
		return ""
	}
	type res struct{ name, push, blocked string }
	var all []res
	for _, f := range st.Functions {
		all = append(all, res{f.Function, f.Push, f.Blocked})
	}
	for _, d := range st.Domains {
		all = append(all, res{"domain " + d.Domain, d.Push, d.Blocked})
	}
	names := func(keep func(res) bool) []string {
		var out []string
		for _, r := range all {
			if keep(r) {
				out = append(out, r.name)
			}
		}
		sort.Strings(out)
		return out
	}
	refuse := func(code int, kind string, want []string, got []string) string {
		if dr.Error == nil || dr.Error.ExitCode != code || kind != "" && dr.Error.Kind != kind {
			return fmt.Sprintf("status says push refuses (exit %d, %s: %v); the dry run did not", code, kind, want)
		}
		sort.Strings(got)
		if want != nil && strings.Join(want, ",") != strings.Join(got, ",") {
			return fmt.Sprintf("status names %v, push names %v", want, got)
		}
		return ""
	}
	if st.Head == "" || st.MergeInProgress || len(st.Uncommitted) > 0 {
		return refuse(1, "", nil, nil)
	}
	if bad := names(func(r res) bool { return r.blocked == "invalid" || r.blocked == "scope" }); len(bad) > 0 {
		return refuse(1, "", nil, nil)
	}
	if st.Unmerged && !force {
		return refuse(3, "unmerged", append([]string(nil), st.UnmergedNames...), dr.Error.functionsOrNil())
	}
	if drifted := names(func(r res) bool { return r.blocked == "drift" }); len(drifted) > 0 && !force {
		var got []string
		if dr.Error != nil {
			for _, d := range dr.Error.Drift {
				if d.Domain != "" {
					got = append(got, "domain "+d.Domain)
				} else {
					got = append(got, d.Function)
				}
			}
		}
		return refuse(3, "drift", drifted, got)
	}
	if stale := names(func(r res) bool { return r.blocked == "stale-secret" }); len(stale) > 0 && !force {
		return refuse(3, "", nil, nil)
	}
	if pruned := names(func(r res) bool { return r.blocked == "prune" }); len(pruned) > 0 && !prune {
		return refuse(3, "deletion-needs-prune", pruned, dr.Error.functionsOrNil())
	}
	if dr.Error != nil || dr.Plan == nil {
		return fmt.Sprintf("status says push deploys; the dry run refused (exit %d)", dc)
	}
	want := names(func(r res) bool { return r.push != "none" || prune && r.blocked == "prune" })
	for i, n := range want {
		for _, r := range all {
			if r.name == n {
				op := r.push
				if op == "none" {
					op = "delete"
				}
				want[i] = n + ":" + op
			}
		}
	}
	var got []string
	for _, a := range dr.Plan.Actions {
		got = append(got, a.Function+":"+a.Op)
	}
	for _, d := range dr.Plan.Domains {
		got = append(got, "domain "+d.Domain+":"+d.Op)
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, ",") != strings.Join(got, ",") {
		return fmt.Sprintf("status's verdicts %v, push's plan %v", want, got)
	}
	return ""
}
