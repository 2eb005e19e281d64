package cmd

// TestDocs runs the examples of the user documentation (docs/*.md), so that
// every command, message and exit code a reader is shown is one fcgit really
// produces. The conventions, for whoever writes docs:
//
// A fenced block tagged "console" is an example session. Each one runs in its
// own fresh world (newWorld: an emulator standing in for FC, a git repository
// whose uncommitted fcgit.toml points at the emulator). Its lines are:
//
//	$ fcgit ARGS        fcgit, in-process, in the current directory; ARGS are
//	                    split like a shell's words ('…', "…", \), without
//	                    pipes, redirections or variables
//	$ cd DIR            change the current directory (starts at the repository)
//	$ git ARGS | …      anything else runs under sh -c, if its first word is
//	                    in docShellCommands (git and a few file utilities)
//	OUTPUT              expected output of the command above
//
// A command is expected to exit 0, unless its line ends in a comment
// "# exit N". Expected output lines must appear in the command's output
// (stdout and stderr together), in order, each inside one output line; other
// output lines may come in between. Within an expected line, "..." matches
// any text, and a hex word of 7 to 40 characters holding a digit (a commit
// id) matches any hex word of that length, since ids differ per run.
//
// What a reader need not see is named in an HTML comment right before the
// block (blank lines may come between):
//
//	<!-- example: setup=hello,pushed -->   setups run in order before the block
//	<!-- example: file=functions/hello/function.toml -->
//
// "file=PATH" marks the block that follows (any language) as the content of
// PATH, relative to the repository root, written after the setups of the next
// console block of the same document: that is how documents show an edited
// file and then run commands on it. docSetups lists the setups.
//
// Blocks tagged "sh" or "yaml" are not run (they start servers, install
// binaries or are CI configuration), but every fcgit command in them is
// parsed: it is run with --help appended, which fails on an unknown flag or a
// badly typed value.
//
// Any other block (file contents, output, JSON) is either a file= block or
// says it is an illustration, not a run:
//
//	<!-- example: illustrative -->
//
// so that no shown output or file goes unchecked unnoticed.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fcgit/fcgit/emulator"
)

// docShellCommands are the programs console examples may run through sh.
var docShellCommands = map[string]bool{
	"git": true, "cat": true, "sed": true, "echo": true, "printf": true, "cp": true, "mv": true,
	"rm": true, "mkdir": true, "ls": true, "chmod": true, "ln": true, "test": true,
}

// docHello is the function most examples start from.
const docHelloTOML = `# Function Compute function "hello". Fields: FC 3.0 API names; see docs/.

description = "hello"
handler = "index.handler"
memorySize = 512
runtime = "python3.10"
timeout = 10

[triggers.web]
triggerType = "http"

[triggers.web.config]
authType = "anonymous"
methods = ["GET"]
`

const docHelloCode = "def handler(event, context):\n    return \"hello\"\n"

// docSetups prepare a world for an example; the document's prose tells the
// reader the same story.
var docSetups = map[string]func(d *docWorld){
	// bare: a git repository without fcgit.toml (for fcgit init examples).
	"bare": func(d *docWorld) {
		if err := os.Remove(filepath.Join(d.w.dir, "fcgit.toml")); err != nil {
			d.t.Fatal(err)
		}
	},
	// committed: fcgit.toml committed, no functions yet.
	"committed": func(d *docWorld) {
		d.w.commitAll("fcgit init")
	},
	// hello: functions/hello (an HTTP-triggered python function) committed
	// on main, not deployed.
	"hello": func(d *docWorld) {
		d.w.write("functions/hello/function.toml", docHelloTOML)
		d.w.write("functions/hello/code/index.py", docHelloCode)
		d.w.commitAll("hello function")
	},
	// pushed: HEAD deployed with fcgit push.
	"pushed": func(d *docWorld) {
		d.mustFCGit("push")
	},
	// console-timeout: hello's timeout set to 30 in the console.
	"console-timeout": func(d *docWorld) {
		d.console("hello", map[string]any{"timeout": 30})
	},
	// console-memory: hello's memory set to 1024 in the console.
	"console-memory": func(d *docWorld) {
		d.console("hello", map[string]any{"memorySize": 1024})
	},
	// local-memory: hello's memory set to 2048 in a commit on main.
	"local-memory": func(d *docWorld) {
		d.replace("functions/hello/function.toml", "memorySize = 512", "memorySize = 2048")
		d.w.commitAll("more memory for hello")
	},
	// local-description: hello's description changed in a commit on main.
	"local-description": func(d *docWorld) {
		d.replace("functions/hello/function.toml", `description = "hello"`, `description = "hello, v2"`)
		d.w.commitAll("describe hello")
	},
	// console-delete: hello deleted in the console (triggers first, as FC
	// requires).
	"console-delete": func(d *docWorld) {
		ctx := context.Background()
		if err := d.w.client.DeleteTrigger(ctx, "hello", "web"); err != nil {
			d.t.Fatal(err)
		}
		if err := d.w.client.DeleteFunction(ctx, "hello"); err != nil {
			d.t.Fatal(err)
		}
	},
	// legacy: a function "legacy" created in the console, never deployed
	// from this repository.
	"legacy": func(d *docWorld) {
		in := map[string]any{"functionName": "legacy", "runtime": "python3.10", "handler": "index.handler",
			"memorySize": 1024, "code": codeInput(d.t, map[string]string{"index.py": "def handler(event, context):\n    return 'legacy'\n"})}
		if _, err := d.w.client.CreateFunction(context.Background(), in); err != nil {
			d.t.Fatal(err)
		}
	},
}

// docBlock is one fenced block of a document.
type docBlock struct {
	file   string
	line   int // of the opening fence
	lang   string
	setups []string
	target string // file= directive
	// illustrative: the block shows something, nothing runs it.
	illustrative bool
	body         []string
	files        []docBlock // file= blocks to write before a console block runs
}

func (b docBlock) String() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

var docDirectiveRe = regexp.MustCompile(`^<!--\s*example:(.*?)-->\s*$`)

// parseDoc splits a Markdown document into its fenced blocks, attaching
// directives and the file blocks each console block needs.
func parseDoc(name string, data []byte) ([]docBlock, error) {
	var (
		blocks  []docBlock
		pending []docBlock // file= blocks waiting for a console block
		dir     *docBlock  // directive waiting for its fence
		cur     *docBlock
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cur != nil {
			if strings.TrimSpace(line) == "```" {
				b := *cur
				cur = nil
				switch {
				case b.target != "":
					pending = append(pending, b)
				case b.lang == "console":
					b.files, pending = pending, nil
					blocks = append(blocks, b)
				default:
					blocks = append(blocks, b)
				}
				continue
			}
			cur.body = append(cur.body, line)
			continue
		}
		if m := docDirectiveRe.FindStringSubmatch(line); m != nil {
			d := docBlock{}
			for _, kv := range strings.Fields(m[1]) {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "setup":
					d.setups = strings.Split(v, ",")
					for _, s := range d.setups {
						if docSetups[s] == nil {
							return nil, fmt.Errorf("%s:%d: unknown setup %q", name, n, s)
						}
					}
				case "file":
					d.target = v
				case "illustrative":
					d.illustrative = true
				default:
					return nil, fmt.Errorf("%s:%d: unknown example directive %q", name, n, kv)
				}
			}
			dir = &d
			continue
		}
		if lang, ok := strings.CutPrefix(line, "```"); ok {
			b := docBlock{file: name, line: n, lang: strings.TrimSpace(lang)}
			if dir != nil {
				b.setups, b.target, b.illustrative = dir.setups, dir.target, dir.illustrative
				dir = nil
			}
			if b.target == "" && len(b.setups) > 0 && b.lang != "console" {
				return nil, fmt.Errorf("%s:%d: setup= only applies to console blocks", name, n)
			}
			cur = &b
			continue
		}
		if dir != nil && strings.TrimSpace(line) != "" {
			return nil, fmt.Errorf("%s:%d: example directive not followed by a fenced block", name, n)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: unclosed fenced block", name, cur.line)
	}
	if len(pending) > 0 {
		return nil, fmt.Errorf("%s: file block at line %d has no console block after it", name, pending[0].line)
	}
	return blocks, sc.Err()
}

func TestDocs(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH")
	}
	paths, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no documents under docs/")
	}
	// In-process fcgit reads git identity and configuration from the
	// process environment; keep it to the test's own.
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
		"GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	consoles := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := parseDoc(filepath.Base(p), data)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			switch b.lang {
			case "console":
				consoles++
				t.Run(b.String(), func(t *testing.T) { runConsoleBlock(t, b) })
			case "sh", "yaml":
				t.Run(b.String(), func(t *testing.T) { checkCommandsParse(t, b) })
			default:
				if !b.illustrative {
					t.Errorf("%s: a %q block that nothing runs: make it a console example, a file= block, or mark it <!-- example: illustrative -->", b, b.lang)
				}
			}
		}
	}
	if consoles == 0 {
		t.Fatal("the documents hold no console examples")
	}
}

// docWorld is a world plus the example's current directory.
type docWorld struct {
	t   *testing.T
	w   *world
	cwd string
}

func (d *docWorld) mustFCGit(args ...string) {
	d.t.Helper()
	if code, out := d.fcgit(args); code != 0 {
		d.t.Fatalf("setup: fcgit %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
}

func (d *docWorld) console(fn string, in map[string]any) {
	d.t.Helper()
	if _, err := d.w.client.UpdateFunction(context.Background(), fn, in); err != nil {
		d.t.Fatal(err)
	}
}

func (d *docWorld) replace(rel, old, new string) {
	d.t.Helper()
	p := filepath.Join(d.w.dir, rel)
	data, err := os.ReadFile(p)
	if err != nil {
		d.t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		d.t.Fatalf("setup: %s does not contain %q", rel, old)
	}
	if err := os.WriteFile(p, bytes.ReplaceAll(data, []byte(old), []byte(new)), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// fcgit runs fcgit in-process in the current directory, with the key pair of
// the world's emulator in its environment (FCGIT_ENDPOINT is in the process
// environment, where flag parsing reads it: see runConsoleBlock).
func (d *docWorld) fcgit(args []string) (int, string) {
	return runIn(d.cwd, args...)
}

// shell runs a line under sh -c in the current directory.
func (d *docWorld) shell(line string) (int, string) {
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = d.cwd
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		d.t.Fatalf("sh -c %q: %v", line, err)
	}
	return 0, string(out)
}

// docCommand is one "$ " line and the output expected of it.
type docCommand struct {
	line     int
	text     string // the command without its prompt and trailing comment
	wantCode int
	want     []string
}

var docExitRe = regexp.MustCompile(`^exit (\d+)$`)

func parseConsole(b docBlock) ([]docCommand, error) {
	var cmds []docCommand
	for i, l := range b.body {
		n := b.line + 1 + i
		if text, ok := strings.CutPrefix(l, "$ "); ok {
			words, comment, err := splitShellWords(text)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", b.file, n, err)
			}
			if len(words) == 0 {
				return nil, fmt.Errorf("%s:%d: empty command", b.file, n)
			}
			c := docCommand{line: n, text: strings.TrimSpace(text)}
			if comment != "" {
				c.text = strings.TrimSpace(strings.TrimSuffix(c.text, comment))
				if m := docExitRe.FindStringSubmatch(strings.TrimSpace(strings.TrimPrefix(comment, "#"))); m != nil {
					c.wantCode, _ = strconv.Atoi(m[1])
				}
			}
			cmds = append(cmds, c)
			continue
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		if len(cmds) == 0 {
			return nil, fmt.Errorf("%s:%d: output before the first $ command", b.file, n)
		}
		cmds[len(cmds)-1].want = append(cmds[len(cmds)-1].want, strings.TrimRight(l, " \t"))
	}
	if len(cmds) == 0 {
		return nil, fmt.Errorf("%s: console block without commands", b)
	}
	return cmds, nil
}

func runConsoleBlock(t *testing.T, b docBlock) {
	cmds, err := parseConsole(b)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, emulator.Options{})
	// Examples may replace fcgit.toml (endpoint = ""): the environment
	// points fcgit at the emulator, as a developer's shell would.
	t.Setenv("FCGIT_ENDPOINT", w.url)
	d := &docWorld{t: t, w: w, cwd: w.dir}
	for _, s := range b.setups {
		docSetups[s](d)
	}
	for _, f := range b.files {
		w.write(f.target, strings.Join(f.body, "\n")+"\n")
	}
	for _, c := range cmds {
		words, _, _ := splitShellWords(c.text)
		var (
			code int
			out  string
		)
		switch words[0] {
		case "fcgit":
			if strings.ContainsAny(c.text, "|;&<>`$") && !quotedOnly(c.text) {
				t.Fatalf("%s:%d: fcgit runs in-process: no pipes, redirections or variables", b.file, c.line)
			}
			code, out = d.fcgit(words[1:])
		case "cd":
			if len(words) != 2 {
				t.Fatalf("%s:%d: want cd DIR", b.file, c.line)
			}
			next := filepath.Join(d.cwd, words[1])
			if fi, err := os.Stat(next); err != nil || !fi.IsDir() {
				t.Fatalf("%s:%d: cd %s: not a directory", b.file, c.line, words[1])
			}
			d.cwd = next
		default:
			if !docShellCommands[words[0]] {
				t.Fatalf("%s:%d: %s is not a command examples may run (docShellCommands)", b.file, c.line, words[0])
			}
			code, out = d.shell(c.text)
		}
		t.Logf("%s:%d: $ %s\n%s", b.file, c.line, c.text, out)
		if code != c.wantCode {
			t.Fatalf("%s:%d: $ %s\nexit %d, want %d; output:\n%s", b.file, c.line, c.text, code, c.wantCode, out)
		}
		if missing := matchOutput(c.want, out); missing != "" {
			t.Fatalf("%s:%d: $ %s\noutput lacks (in order) %q; output:\n%s", b.file, c.line, c.text, missing, out)
		}
	}
}

// quotedOnly reports whether every shell metacharacter of s is inside quotes
// (a commit message "a; b" is fine).
func quotedOnly(s string) bool {
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case strings.ContainsRune("|;&<>`$", r):
			return false
		}
	}
	return true
}

var docHashRe = regexp.MustCompile(`\b[0-9a-f]{7,40}\b`)

// wantPattern turns an expected output line into a regexp: "..." matches
// anything, a commit-id-like hex word any hex word of its length.
func wantPattern(want string) *regexp.Regexp {
	var b strings.Builder
	for i, part := range strings.Split(want, "...") {
		if i > 0 {
			b.WriteString(".*")
		}
		last := 0
		for _, m := range docHashRe.FindAllStringIndex(part, -1) {
			word := part[m[0]:m[1]]
			if !strings.ContainsAny(word, "0123456789") {
				continue
			}
			b.WriteString(regexp.QuoteMeta(part[last:m[0]]))
			fmt.Fprintf(&b, `[0-9a-f]{%d}`, len(word))
			last = m[1]
		}
		b.WriteString(regexp.QuoteMeta(part[last:]))
	}
	return regexp.MustCompile(b.String())
}

// matchOutput checks that the wanted lines appear in out in order, each
// inside one line; it returns the first one missing.
func matchOutput(want []string, out string) string {
	lines := strings.Split(out, "\n")
	i := 0
	for _, w := range want {
		re := wantPattern(w)
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			return w
		}
		i++
	}
	return ""
}

// splitShellWords splits a command line into words as sh would for the
// simple lines the docs use: blanks separate words, '…' and "…" quote, \
// escapes, and # at the start of a word begins a comment (returned as is).
func splitShellWords(s string) (words []string, comment string, err error) {
	var (
		cur     strings.Builder
		inWord  bool
		quote   rune
		escaped bool
	)
	for i, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote != 0:
			if r == quote {
				quote = 0
			} else if r == '\\' && quote == '"' {
				escaped = true
			} else {
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '#' && !inWord:
			return words, s[i:], nil
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, "", fmt.Errorf("unterminated quote or escape in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, "", nil
}

// checkCommandsParse runs every fcgit command of a sh or yaml block with
// --help appended: help is printed only when every flag given before it
// exists and its value parses.
func checkCommandsParse(t *testing.T, b docBlock) {
	for _, c := range fcgitCommandsIn(b) {
		words, _, err := splitShellWords(c.text)
		if err != nil {
			t.Fatalf("%s:%d: %v", b.file, c.line, err)
		}
		words = trimShellTail(words)
		var out bytes.Buffer
		args := append(append([]string{"fcgit"}, words[1:]...), "--help")
		code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out,
			Getenv: func(string) string { return "" }})
		if code != 0 {
			t.Errorf("%s:%d: %s: flags do not parse (exit %d):\n%s", b.file, c.line, c.text, code, out.String())
		}
	}
}

// fcgitCommandsIn finds the fcgit command lines of a sh or yaml block:
// lines (after "$ ", "- ", "run:" and VAR=value prefixes) starting with
// "fcgit ", joined with their "\" continuation lines.
func fcgitCommandsIn(b docBlock) []docCommand {
	var out []docCommand
	for i := 0; i < len(b.body); i++ {
		l := strings.TrimSpace(b.body[i])
		for _, p := range []string{"$ ", "- ", "run:", "script:"} {
			l = strings.TrimSpace(strings.TrimPrefix(l, p))
		}
		for {
			first, rest, _ := strings.Cut(l, " ")
			if k, _, ok := strings.Cut(first, "="); !ok || k == "" || strings.ContainsAny(k, `"'-`) {
				break
			}
			l = strings.TrimSpace(rest)
		}
		if !strings.HasPrefix(l, "fcgit ") && l != "fcgit" {
			continue
		}
		c := docCommand{line: b.line + 1 + i, text: l}
		for strings.HasSuffix(c.text, `\`) && i+1 < len(b.body) {
			i++
			c.text = strings.TrimSuffix(c.text, `\`) + " " + strings.TrimSpace(b.body[i])
		}
		out = append(out, c)
	}
	return out
}

// trimShellTail drops what follows a command on its line: a background
// "&", a pipe, a redirection or a command list.
func trimShellTail(words []string) []string {
	for i, w := range words {
		switch w {
		case "&", "|", "&&", "||", ";", ">", ">>", "2>&1":
			return words[:i]
		}
	}
	return words
}

// TestDocsHarness checks the pieces TestDocs relies on, so that a passing
// TestDocs means the examples ran as written.
func TestDocsHarness(t *testing.T) {
	t.Run("splitShellWords", func(t *testing.T) {
		for _, tc := range []struct {
			in      string
			words   []string
			comment string
		}{
			{`fcgit push`, []string{"fcgit", "push"}, ""},
			{`fcgit push   # exit 3`, []string{"fcgit", "push"}, "# exit 3"},
			{`git commit -q -m 'a b # c'`, []string{"git", "commit", "-q", "-m", "a b # c"}, ""},
			{`git commit -m "say \"hi\""`, []string{"git", "commit", "-m", `say "hi"`}, ""},
			{`echo a\ b x#y`, []string{"echo", "a b", "x#y"}, ""},
		} {
			words, comment, err := splitShellWords(tc.in)
			if err != nil || strings.Join(words, "|") != strings.Join(tc.words, "|") || comment != tc.comment {
				t.Errorf("splitShellWords(%q) = %q, %q, %v; want %q, %q", tc.in, words, comment, err, tc.words, tc.comment)
			}
		}
		if _, _, err := splitShellWords(`git commit -m 'open`); err == nil {
			t.Error("unterminated quote accepted")
		}
	})
	t.Run("matchOutput", func(t *testing.T) {
		out := "fcgit/online -> 0e5751c02612: 1 function online\n  changed  hello (config: timeout)\nMerged fcgit/online: 2c26b46\n"
		for _, tc := range []struct {
			want    []string
			missing string
		}{
			{[]string{"changed  hello (config: timeout)"}, ""},
			{[]string{"fcgit/online -> 5d41402abc4b: 1 function online", "Merged fcgit/online: 9a271f2"}, ""},
			{[]string{"fcgit/online -> ...: 1 function online"}, ""},
			// Order matters.
			{[]string{"Merged", "changed  hello"}, "changed  hello"},
			// A commit-id placeholder matches ids of its length only.
			{[]string{"Merged fcgit/online: 2c26b46a"}, "Merged fcgit/online: 2c26b46a"},
			// Words without digits are literal text, not placeholders.
			{[]string{"changed  hello (config: deadbeef)"}, "changed  hello (config: deadbeef)"},
			{[]string{"timeout = 30"}, "timeout = 30"},
		} {
			if got := matchOutput(tc.want, out); got != tc.missing {
				t.Errorf("matchOutput(%q) missing %q, want %q", tc.want, got, tc.missing)
			}
		}
	})
	t.Run("parseDoc", func(t *testing.T) {
		doc := "text\n<!-- example: file=functions/a/function.toml -->\n```toml\nx = 1\n```\n\n" +
			"<!-- example: setup=committed,hello -->\n\n```console\n$ fcgit push   # exit 3\nfcgit: refused\n```\n" +
			"```sh\nFCGIT_ENDPOINT=http://x fcgit push \\\n  --use-local &\n```\n"
		blocks, err := parseDoc("d.md", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(blocks) != 2 || blocks[0].lang != "console" || blocks[1].lang != "sh" {
			t.Fatalf("blocks = %+v", blocks)
		}
		c := blocks[0]
		if strings.Join(c.setups, ",") != "committed,hello" || len(c.files) != 1 || c.files[0].target != "functions/a/function.toml" {
			t.Errorf("console block = %+v", c)
		}
		cmds, err := parseConsole(c)
		if err != nil || len(cmds) != 1 || cmds[0].text != "fcgit push" || cmds[0].wantCode != 3 || len(cmds[0].want) != 1 {
			t.Errorf("parseConsole = %+v, %v", cmds, err)
		}
		sh := fcgitCommandsIn(blocks[1])
		if len(sh) != 1 || sh[0].text != "fcgit push  --use-local &" {
			t.Errorf("fcgitCommandsIn = %+v", sh)
		}
		for _, bad := range []string{
			"<!-- example: setup=nope -->\n```console\n$ fcgit push\n```\n",
			"<!-- example: flavour=x -->\n```console\n$ fcgit push\n```\n",
			"<!-- example: setup=hello -->\nprose\n```console\n$ fcgit push\n```\n",
			"<!-- example: file=x -->\n```toml\nx = 1\n```\n",
			"```console\n$ fcgit push\n",
		} {
			if _, err := parseDoc("bad.md", []byte(bad)); err == nil {
				t.Errorf("parseDoc accepted %q", bad)
			}
		}
	})
}
