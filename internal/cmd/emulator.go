package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/fcgit/fcgit/emulator"
)

func emulatorCommand(env Env) *cli.Command {
	return &cli.Command{
		Subcommands: []*cli.Command{consoleCommand(env)},
		Name:        "emulator",
		Usage:       "serve a local FC 3.0-compatible API (for tests, the demo and CI dry runs)",
		Description: `Serves the subset of the Function Compute 3.0 REST API that fcgit uses, on
loopback, until interrupted (Ctrl-C / SIGTERM). Requests must be signed with the
given key pair, like FC's: both alibaba-cloud-sdk-go (ROA v1) and the official
Tea SDKs (ACS3-HMAC-SHA256) work against it with only the endpoint changed.
Point fcgit at it with --endpoint or FCGIT_ENDPOINT and the same key pair in
ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET.

With --oss-listen it also serves a minimal OSS endpoint on a second address,
for code packages over FC's 100 MB inline limit: objects uploaded there with
the OSS SDK (signed with the same key pair, V4 or V1, path-style URLs, region
as --region) can be a function's code through ossBucketName/ossObjectName, up
to 500 MB. Every bucket name exists; objects live in --data, or in a temporary
directory removed on exit. fcgit push uploads there with FCGIT_OSS_ENDPOINT
set to its URL and [code] ossBucket set in fcgit.toml.

--seed-v2 adds functions created under FC 2.0 (named service$function, as
FC 3.0 lists them), which FC 3.0 can update but not create; --deny makes
the named RAM actions fail with 403 AccessDenied, as for a RAM user without
them; --instance-quota sets the region's instance quota, of which
reservedConcurrency may take at most 90%.

fcgit emulator console makes the edits a person makes in FC's console
(fcgit emulator console --help lists them), against a running emulator.

EXAMPLES:
   fcgit emulator --listen 127.0.0.1:9000 --access-key-id AK --access-key-secret SK
   fcgit emulator console update hello timeout=30       # a "console" hot-fix
   fcgit emulator --listen 127.0.0.1:9000 --access-key-id AK --access-key-secret SK \
       --data ./fc-state --latency 20ms --error-rate 0.05 --throttle-rate 0.05 --seed 7
   fcgit emulator --listen 127.0.0.1:9000 --oss-listen 127.0.0.1:9001 \
       --access-key-id AK --access-key-secret SK
   fcgit emulator --access-key-id AK --access-key-secret SK \
       --seed-v2 'shop$legacy,shop$cron' --deny fc:ListAsyncInvokeConfigs,fc:ListAliases

` + exitCodesHelp,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:9000", Usage: "`ADDR` to listen on (port 0 picks a free one)"},
			&cli.StringFlag{Name: "oss-listen", Usage: "also serve an OSS endpoint for large code packages on `ADDR` (default: none)"},
			&cli.StringFlag{Name: "access-key-id", Usage: "accepted AccessKey `ID` (required)", EnvVars: []string{"ALIBABA_CLOUD_ACCESS_KEY_ID"}},
			&cli.StringFlag{Name: "access-key-secret", Usage: "its `SECRET` (required)", EnvVars: []string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET"}},
			&cli.StringFlag{Name: "data", Usage: "persist state in `DIR` (default: in memory)"},
			&cli.DurationFlag{Name: "latency", Usage: "add `DURATION` to every request and code download"},
			&cli.Float64Flag{Name: "error-rate", Usage: "answer this `FRACTION` of requests with a 5xx error"},
			&cli.Float64Flag{Name: "throttle-rate", Usage: "answer this `FRACTION` of requests with a throttling error"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "`SEED` for fault injection (same seed, same faults)"},
			&cli.DurationFlag{Name: "settle-delay", Usage: "keep functions Pending/InProgress for `DURATION` after each write"},
			&cli.StringFlag{Name: "account-id", Value: "1234567890123456", Usage: "account `ID` used in ARNs"},
			&cli.StringFlag{Name: "region", Value: "cn-hangzhou", Usage: "`REGION` used in ARNs"},
			&cli.StringSliceFlag{Name: "seed-v2", Usage: "start with functions created under FC 2.0, `NAMES` service$function[,…] (kept if --data has them)"},
			&cli.StringSliceFlag{Name: "deny", Usage: "answer these RAM `ACTIONS` fc:<Operation>[,…] with 403 AccessDenied"},
			&cli.IntFlag{Name: "instance-quota", Value: 100, Usage: "the region's instance quota `N`: reservedConcurrency may be at most 90% of it"},
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
			if q := c.Int("instance-quota"); q < 1 {
				return usagef("--instance-quota %d: want a positive number of instances", q)
			}
			var seeds []emulator.V2Function
			for _, name := range c.StringSlice("seed-v2") {
				name = strings.TrimSpace(name)
				if err := emulator.CheckV2FunctionName(name); err != nil {
					return usagef("--seed-v2: %v", err)
				}
				seeds = append(seeds, emulator.V2Function{Name: name})
			}
			if err := emulator.CheckRAMActions(c.StringSlice("deny")); err != nil {
				return usagef("--deny: %v", err)
			}
			srv, err := emulator.New(emulator.Options{
				Region:        c.String("region"),
				AccountID:     c.String("account-id"),
				Credentials:   map[string]string{c.String("access-key-id"): c.String("access-key-secret")},
				DataDir:       c.String("data"),
				Latency:       c.Duration("latency"),
				ErrorRate:     c.Float64("error-rate"),
				ThrottleRate:  c.Float64("throttle-rate"),
				Seed:          c.Int64("seed"),
				SettleDelay:   c.Duration("settle-delay"),
				SeedV2:        seeds,
				Deny:          c.StringSlice("deny"),
				InstanceQuota: c.Int("instance-quota"),
			})
			if err != nil {
				return fmt.Errorf("emulator: %w", err)
			}
			defer srv.Close()
			start := time.Now()
			// The OSS endpoint starts once FC's listens, so that its line
			// follows FC's; if either stops, both do.
			ctx, cancel := context.WithCancel(c.Context)
			defer cancel()
			ossAddr := c.String("oss-listen")
			ossStarted, ossDone := false, make(chan error, 1)
			err = srv.ListenAndServe(ctx, c.String("listen"), func(url string) {
				fmt.Fprintf(env.Stdout, "FC emulator listening on %s (region %s)\n", url, c.String("region"))
				fmt.Fprintf(env.Stdout, "  export FCGIT_ENDPOINT=%s\n", url)
				if ossAddr == "" {
					return
				}
				ossStarted = true
				listening := make(chan struct{})
				go func() {
					ossDone <- srv.ListenAndServeOSS(ctx, ossAddr, func(url string) {
						fmt.Fprintf(env.Stdout, "OSS endpoint listening on %s (path-style, region %s)\n", url, c.String("region"))
						fmt.Fprintf(env.Stdout, "  export FCGIT_OSS_ENDPOINT=%s\n", url)
						close(listening)
					})
					cancel()
				}()
				select {
				case <-listening:
				case <-ctx.Done():
				}
			})
			if ossStarted {
				if ossErr := <-ossDone; err == nil {
					err = ossErr
				}
			}
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
