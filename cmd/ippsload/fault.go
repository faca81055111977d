package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipps/ipps/internal/load"
)

func newFaultCmd() *cobra.Command {
	var (
		c                                       common
		ippsd, dsn, dir                         string
		duration, killAfter, leaseWait, timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "fault",
		Short: "kill -9 one of two replicas sharing PostgreSQL mid-load and check what survived",
		Long: `Create a scratch database next to --dsn, start two "ippsd serve" replicas on it
(same secret key and certificate, different ports and replica ids), provision
--users users split across them, open --shells shells per user and run --mix
on all shells. After --kill-after, replica-b gets SIGKILL; the load continues
on replica-a until --duration. Then check:
  - replica-a kept serving (its errors are counted apart from replica-b's);
  - every acknowledged write, on either replica, reads back through replica-a;
  - a user whose shells died with replica-b can open --max-shells-per-user
    shells on replica-a once the dead replica's leases are swept (within
    --lease-wait).
The scratch database is dropped and both replicas stopped at the end.`,
		Example: `  ippsload fault --ippsd ./ippsd --dsn postgres://postgres@127.0.0.1:5432/test --users 4 --shells 2 --duration 10s`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mix, err := c.check()
			if err != nil {
				return err
			}
			if ippsd == "" || dsn == "" {
				return fmt.Errorf("--ippsd and --dsn are required")
			}
			if dir == "" {
				if dir, err = os.MkdirTemp("", "ippsload-fault-"); err != nil {
					return err
				}
				defer os.RemoveAll(dir)
			}
			if ippsd, err = filepath.Abs(ippsd); err != nil {
				return err
			}
			r, err := load.Fault(cmd.Context(), load.FaultConfig{Ippsd: ippsd, AdminDSN: dsn, Dir: dir, Users: c.users, ShellsPerUser: c.shells,
				MaxShellsPerUser: c.maxShells, Mix: mix, Duration: duration, KillAfter: killAfter, LeaseWait: leaseWait, CallTimeout: timeout,
				RunID: c.runID, Log: c.logger(cmd.ErrOrStderr())})
			if err != nil {
				return err
			}
			return c.print(cmd.OutOrStdout(), r)
		},
	}
	c.register(cmd, 4, 2)
	fs := cmd.Flags()
	fs.StringVar(&ippsd, "ippsd", "", "path of the ippsd binary")
	fs.StringVar(&dsn, "dsn", "", "postgres:// URL; a scratch database is created beside it")
	fs.StringVar(&dir, "work-dir", "", "directory for the PKI and replica logs (default: a temporary one, removed)")
	fs.DurationVar(&duration, "duration", 15*time.Second, "how long to run the mix")
	fs.DurationVar(&killAfter, "kill-after", 0, "when to SIGKILL replica-b (default duration/3)")
	fs.DurationVar(&leaseWait, "lease-wait", 120*time.Second, "how long to wait for the dead replica's leases to be recovered")
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "per-cmdlet timeout")
	return cmd
}
