package cmd

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/emulator"
)

func emulatorCommand(env Env) *cli.Command {
	return &cli.Command{
		Name:  "emulator",
		Usage: "serve a local FC 3.0-compatible API (for tests, the demo and CI dry runs)",
		Description: `Serves the subset of the Function Compute 3.0 REST API that fcgit uses, on
loopback, until interrupted (Ctrl-C / SIGTERM). Requests must be signed with the
given key pair, like FC's: both alibaba-cloud-sdk-go (ROA v1) and the official
Tea SDKs (ACS3-HMAC-SHA256) work against it with only the endpoint changed.
Point fcgit at it with --endpoint or FCGIT_ENDPOINT and the same key pair in
ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET.

EXAMPLES:
   fcgit emulator --listen 127.0.0.1:9000 --access-key-id AK --access-key-secret SK
   fcgit emulator --listen 127.0.0.1:9000 --access-key-id AK --access-key-secret SK \
       --data ./fc-state --latency 20ms --error-rate 0.05 --throttle-rate 0.05 --seed 7

` + exitCodesHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:9000", Usage: "`ADDR` to listen on (port 0 picks a free one)"},
			&cli.StringFlag{Name: "access-key-id", Usage: "accepted AccessKey `ID` (required)", EnvVars: []string{"ALIBABA_CLOUD_ACCESS_KEY_ID"}},
			&cli.StringFlag{Name: "access-key-secret", Usage: "its `SECRET` (required)", EnvVars: []string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET"}},
			&cli.StringFlag{Name: "data", Usage: "persist state in `DIR` (default: in memory)"},
			&cli.DurationFlag{Name: "latency", Usage: "add `DURATION` to every request"},
			&cli.Float64Flag{Name: "error-rate", Usage: "answer this `FRACTION` of requests with a 5xx error"},
			&cli.Float64Flag{Name: "throttle-rate", Usage: "answer this `FRACTION` of requests with a throttling error"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "`SEED` for fault injection (same seed, same faults)"},
			&cli.DurationFlag{Name: "settle-delay", Usage: "keep functions Pending/InProgress for `DURATION` after each write"},
			&cli.StringFlag{Name: "account-id", Value: "1234567890123456", Usage: "account `ID` used in ARNs"},
			&cli.StringFlag{Name: "region", Value: "cn-hangzhou", Usage: "`REGION` used in ARNs"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			var missing []string
			for _, k := range []string{"access-key-id", "access-key-secret"} {
				if c.String(k) == "" {
					missing = append(missing, "--"+k)
				}
			}
			if len(missing) > 0 {
				return usagef("emulator: %s required: the key pair requests must be signed with (or ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET)", strings.Join(missing, " and "))
			}
			for _, r := range []string{"error-rate", "throttle-rate"} {
				if v := c.Float64(r); v < 0 || v > 1 {
					return usagef("--%s %v: want a fraction from 0 to 1", r, v)
				}
			}
			srv, err := emulator.New(emulator.Options{
				Region:       c.String("region"),
				AccountID:    c.String("account-id"),
				Credentials:  map[string]string{c.String("access-key-id"): c.String("access-key-secret")},
				DataDir:      c.String("data"),
				Latency:      c.Duration("latency"),
				ErrorRate:    c.Float64("error-rate"),
				ThrottleRate: c.Float64("throttle-rate"),
				Seed:         c.Int64("seed"),
				SettleDelay:  c.Duration("settle-delay"),
			})
			if err != nil {
				return fmt.Errorf("emulator: %w", err)
			}
			defer srv.Close()
			start := time.Now()
			err = srv.ListenAndServe(c.Context, c.String("listen"), func(url string) {
				fmt.Fprintf(env.Stdout, "FC emulator listening on %s (region %s)\n", url, c.String("region"))
				fmt.Fprintf(env.Stdout, "  export FCGIT_ENDPOINT=%s\n", url)
			})
			if err != nil {
				return fmt.Errorf("emulator: %w", err)
			}
			if !globalBool(c, "quiet") {
				fmt.Fprintf(env.Stderr, "emulator stopped after %s\n", time.Since(start).Round(time.Second))
			}
			return nil
		},
	}
}
