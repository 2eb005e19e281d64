package cmd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/fcgit/fcgit/fc"
	"github.com/fcgit/fcgit/kinds"
)

// TestEmulatorProcess starts `fcgit emulator` as a process, talks to it from
// this one, and stops it with SIGINT and SIGTERM: it must exit 0 both times.
func TestEmulatorProcess(t *testing.T) {
	bin, err := exec.LookPath("fcgit")
	if err != nil {
		t.Skip("fcgit test binary not on PATH")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "emulator", "--listen", "127.0.0.1:0", "--access-key-id", "AK", "--access-key-secret", "SK")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			kill := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
			defer kill.Stop()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("no listening line: %v", err)
			}
			url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
			if url == "" {
				t.Fatalf("listening line without a URL: %q", line)
			}
			client, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: url, AccessKeyID: "AK", AccessKeySecret: "SK"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.GetFunction(t.Context(), "nope"); !fc.IsNotFound(err) {
				t.Fatalf("GetFunction of a missing function: %v", err)
			}
			bad, _ := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: url, AccessKeyID: "AK", AccessKeySecret: "wrong"})
			if _, err := bad.ListFunctions(t.Context(), ""); fc.KindOf(err) != fc.KindAccessDenied {
				t.Fatalf("wrong secret: %v (kind %v)", err, fc.KindOf(err))
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("emulator exited %d after %v", ee.ExitCode(), sig)
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestEmulatorOSSListen runs `fcgit emulator --oss-listen` in-process: the
// OSS endpoint's line follows FC's, the official OSS SDK works against it,
// and both stop when the command is cancelled.
func TestEmulatorOSSListen(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"fcgit", "emulator", "--listen", "127.0.0.1:0", "--oss-listen", "127.0.0.1:0",
			"--access-key-id", "AK", "--access-key-secret", "SK"}, Env{Stdout: pw, Stderr: &stderr})
		pw.Close()
	}()
	lines := bufio.NewReader(pr)
	var out []string
	for len(out) < 3 {
		line, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("output ended after %q: %v", out, err)
		}
		out = append(out, line)
	}
	go func() { _, _ = io.Copy(io.Discard, lines) }()
	urlRe := regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
	fcURL, ossURL := urlRe.FindString(out[0]), urlRe.FindString(out[2])
	if !strings.HasPrefix(out[0], "FC emulator listening on ") || !strings.HasPrefix(out[2], "OSS endpoint listening on ") || fcURL == "" || ossURL == "" {
		t.Fatalf("output = %q", out)
	}

	client := oss.NewClient(oss.LoadDefaultConfig().WithRegion("cn-hangzhou").WithEndpoint(ossURL).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AK", "SK")))
	if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("fcgit-code"), Key: oss.Ptr("p.zip"), Body: strings.NewReader("zip")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if ok, err := client.IsObjectExist(ctx, "fcgit-code", "p.zip"); !ok || err != nil {
		t.Fatalf("IsObjectExist = %v, %v", ok, err)
	}
	fcClient, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: fcURL, AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fcClient.GetFunction(ctx, "nope"); !fc.IsNotFound(err) {
		t.Fatalf("GetFunction of a missing function: %v", err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

// TestEmulatorOSSListenBusy: an OSS address that cannot be bound stops the
// emulator with an error, FC side included.
func TestEmulatorOSSListenBusy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"fcgit", "emulator", "--listen", "127.0.0.1:0", "--oss-listen", ln.Addr().String(),
		"--access-key-id", "AK", "--access-key-secret", "SK"}, Env{Stdout: &stdout, Stderr: &stderr})
	if code != exitError || !strings.Contains(stderr.String(), "listen on "+ln.Addr().String()) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestEmulatorAccountShapeFlags: --seed-v2, --deny and --instance-quota
// give the emulator's account a real one's shape; bad values are usage
// errors.
func TestEmulatorAccountShapeFlags(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"fcgit", "emulator", "--listen", "127.0.0.1:0", "--access-key-id", "AK", "--access-key-secret", "SK",
			"--seed-v2", "shop$legacy,shop$cron", "--deny", "fc:ListAliases", "--instance-quota", "10"}, Env{Stdout: pw, Stderr: &stderr})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v (%s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	client, err := fc.New(fc.Config{Region: "cn-hangzhou", Endpoint: regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line), AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	fns, err := client.ListFunctions(ctx, "shop")
	if err != nil || len(fns) != 2 || fns[0].Name() != "shop$cron" || fns[1].Name() != "shop$legacy" {
		t.Fatalf("ListFunctions = %v, %v", fns, err)
	}
	if _, err := client.ListAliases(ctx, "shop$legacy"); fc.KindOf(err) != fc.KindAccessDenied || !strings.Contains(err.Error(), "'fc:ListAliases'") {
		t.Errorf("ListAliases: %v", err)
	}
	if _, err := client.PutSetting(ctx, kinds.SettingFor("concurrencyConfig"), "shop$legacy", "", map[string]any{"reservedConcurrency": 10}); fc.KindOf(err) != fc.KindInvalidArgument {
		t.Errorf("reservedConcurrency 10 of a quota of 10: %v", err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}

	for _, args := range [][]string{
		{"--seed-v2", "legacy"},
		{"--deny", "fc:ListAlias"},
		{"--instance-quota", "0"},
	} {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), append([]string{"fcgit", "emulator", "--access-key-id", "AK", "--access-key-secret", "SK"}, args...), Env{Stdout: &out, Stderr: &errOut})
		if code != exitUsage || !strings.Contains(errOut.String(), args[0]) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}
