// Command ippsload drives an ippsd with many concurrent remote PowerShell
// shells and reports throughput, latency, errors, server memory per idle
// shell and goroutine growth (`ippsload run`), or kills one of two
// replicas sharing PostgreSQL mid-load and checks what survived
// (`ippsload fault`).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ipps/ipps/internal/load"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ippsload:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ippsload",
		Short: "Load and fault tool for ippsd",
		Long: `ippsload provisions load users (no MFA, Organization Management) directly in
ippsd's database, signs them in with the password grant, opens shells and
runs a cmdlet mix on every shell concurrently.

  ippsload run     measure one ippsd (e.g. a running "ippsd dev")
  ippsload fault   two "ippsd serve" replicas on PostgreSQL, kill -9 one mid-load
  ippsload floor   what HTTPS alone costs on this machine (a ceiling for "run")`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var cpuProfile string
	var stopProfile func()
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write ippsload's own CPU profile to this file (to see the client's share of the cost)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		// The load generator allocates per call and shares the machine
		// with the server it measures; GC at the default 100% spends a
		// core in assists. GOGC in the environment still wins.
		if _, ok := os.LookupEnv("GOGC"); !ok {
			debug.SetGCPercent(400)
		}
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if stopProfile != nil {
			stopProfile()
		}
	}
	root.AddCommand(newRunCmd(), newFaultCmd(), newFloorCmd())
	return root
}

// common holds the flags run and fault share.
type common struct {
	users, shells, maxShells int
	signins, opens           int
	mix, prefix, runID       string
	asJSON, verbose          bool
}

func (c *common) register(cmd *cobra.Command, users, shells int) {
	fs := cmd.Flags()
	fs.IntVar(&c.users, "users", users, "load users")
	fs.IntVar(&c.shells, "shells", shells, "shells per user")
	fs.IntVar(&c.maxShells, "max-shells-per-user", 5, "the server's per-user shell limit (--shells may not exceed it)")
	fs.IntVar(&c.signins, "signin-concurrency", 8, "parallel sign-ins")
	fs.IntVar(&c.opens, "open-concurrency", 16, "parallel shell creations")
	fs.StringVar(&c.mix, "mix", load.DefaultMix, "cmdlet mix, Cmdlet=weight,...")
	fs.StringVar(&c.prefix, "user-prefix", "load", "load users are <prefix>0001@<domain>, ...")
	fs.StringVar(&c.runID, "run-id", "", "tag for created object names (default random)")
	fs.BoolVar(&c.asJSON, "json", false, "print the report as JSON")
	fs.BoolVarP(&c.verbose, "verbose", "v", false, "log progress at debug level")
}

func (c *common) check() (load.Mix, error) {
	m, err := load.ParseMix(c.mix)
	if err != nil {
		return m, err
	}
	if c.users < 1 || c.shells < 1 {
		return m, fmt.Errorf("--users and --shells must be at least 1")
	}
	if c.shells > c.maxShells {
		return m, fmt.Errorf("--shells %d exceeds the per-user limit %d (raise --max-shells-per-user only if the server's max_shells_per_user is higher)", c.shells, c.maxShells)
	}
	if c.runID == "" {
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		c.runID = hex.EncodeToString(b)
	}
	return m, nil
}

func (c *common) logger(w io.Writer) *slog.Logger {
	lv := slog.LevelInfo
	if c.verbose {
		lv = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv}))
}

func (c *common) password() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Ld-" + hex.EncodeToString(b) + "!"
}

func (c *common) print(w io.Writer, r *load.Report) error {
	if c.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.WriteText(w)
}
