package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipps/ipps/internal/load"
)

func newRunCmd() *cobra.Command {
	var (
		c                                     common
		devJSON, dsn, baseURL, domain, caFile string
		duration, idle, waitGC, timeout       time.Duration
		rate                                  float64
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Measure one ippsd: shells, throughput, latency, memory per shell, goroutine growth",
		Long: `Provision --users load users in the server's database (unless they exist),
sign each in once, open --shells shells per user, let them idle (then scrape
/metrics for memory per idle shell), run --mix on every shell concurrently for
--duration, read back every acknowledged write, close all shells and scrape
/metrics again for goroutine growth.

Writes only touch retention policies the shell itself created, named
load-<run-id>-u<user>-s<shell>-<n>. A completed pipeline that wrote an error
record counts as an error. Throughput is completed cmdlets over the wall time
of the load phase, including the drain of calls in flight at the deadline.
Load users get cheap Argon2id password hashes (sign-in is set-up, not measured).

Without --rate every shell runs back to back (closed loop), which finds the
maximum throughput; latency is then shells / throughput by Little's law
(1,000 shells at 1,000/s wait 1 s each). With --rate R the shells together
offer R cmdlets/s, evenly paced, and each call's latency counts from its
scheduled start: the way to ask "what is p99 at R cmdlets/s?".`,
		Example: `  ippsload run --dev-json .ippsd-dev/dev.json --users 5 --shells 2 --duration 5s
  ippsload run --dev-json .ippsd-dev/dev.json --users 200 --shells 5 --duration 60s --json
  ippsload run --dev-json .ippsd-dev/dev.json --users 200 --shells 5 --duration 30s --rate 500`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mix, err := c.check()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			log := c.logger(cmd.ErrOrStderr())
			t := load.Target{Name: "ippsd", BaseURL: baseURL, ComplianceURI: baseURL + "/powershell-liveid"}
			if devJSON != "" {
				f, err := load.ReadDevFacts(devJSON)
				if err != nil {
					return err
				}
				t.BaseURL, t.AuthorityURL, t.ComplianceURI = f.IssuerURL, f.AuthorityURL, f.ComplianceURI
				dsn, domain, caFile = or(dsn, f.DSN), or(domain, f.TenantDomain), or(caFile, f.CAFile)
			}
			if t.BaseURL == "" || dsn == "" || domain == "" {
				return fmt.Errorf("give --dev-json, or --url, --dsn and --tenant-domain")
			}
			if t.AuthorityURL == "" {
				t.AuthorityURL = t.BaseURL + "/" + domain
			}
			if t.HTTP, err = load.NewHTTPClient(caFile, 3*c.users*c.shells+16); err != nil {
				return err
			}
			accts, err := load.ProvisionDSN(ctx, dsn, load.ProvisionConfig{Domain: domain, Prefix: c.prefix, Users: c.users, Password: c.password()}, log)
			if err != nil {
				return err
			}
			r, err := load.Run(ctx, load.RunConfig{Target: t, Accounts: accts, ShellsPerUser: c.shells, Mix: mix, Duration: duration, Rate: rate,
				Idle: idle, WaitGC: waitGC, CallTimeout: timeout, SignInConcurrency: c.signins, OpenConcurrency: c.opens, RunID: c.runID, Log: log})
			if err != nil {
				return err
			}
			return c.print(cmd.OutOrStdout(), r)
		},
	}
	c.register(cmd, 10, 2)
	fs := cmd.Flags()
	fs.StringVar(&devJSON, "dev-json", "", "dev.json of a running `ippsd dev` (gives URL, DSN, domain and CA)")
	fs.StringVar(&dsn, "dsn", "", "the server's database (SQLite path or postgres:// URL)")
	fs.StringVar(&baseURL, "url", "", "the server's https base URL (without --dev-json)")
	fs.StringVar(&domain, "tenant-domain", "", "tenant domain of the load users (without --dev-json)")
	fs.StringVar(&caFile, "ca-file", "", "PEM CA to trust (default: system roots)")
	fs.DurationVar(&duration, "duration", 10*time.Second, "how long to run the mix")
	fs.DurationVar(&idle, "idle", 3*time.Second, "idle time with all shells open before the memory scrape")
	fs.DurationVar(&waitGC, "wait-gc", 0, "keep idling (up to this long, e.g. 130s) until the server has run a GC, for the live-heap per-shell figure (not needed when ippsd runs with IPPSD_DEBUG_PPROF=1: the tool then forces a GC through /debug/pprof)")
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "per-cmdlet timeout")
	fs.Float64Var(&rate, "rate", 0, "offered cmdlets/s in all, paced over the shells (default: closed loop)")
	return cmd
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
