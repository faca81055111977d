package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipps/ipps/internal/load"
)

func newFloorCmd() *cobra.Command {
	var (
		cfg    load.FloorConfig
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "floor",
		Short: "measure what HTTPS alone costs here: a do-nothing server and closed-loop clients in one process",
		Long: `Start an HTTPS server whose handler only reads the body and writes a fixed
response, and --conns closed-loop keep-alive clients against it over loopback,
in this process, with the HTTP client settings "ippsload run" uses. The
requests/s it reports, divided by the 3 requests a cmdlet takes (Command,
Receive, Signal), bounds the cmdlets/s any server could reach on this machine
over HTTP/1.1 + TLS while sharing it with its load generator.`,
		Example: `  ippsload floor --conns 1000 --duration 15s
  ippsload floor --conns 50`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := os.MkdirTemp("", "ippsload-floor-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			cfg.Dir = dir
			r, err := load.Floor(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return r.WriteText(cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&cfg.Conns, "conns", 1000, "concurrent keep-alive connections, one closed-loop client each")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time")
	fs.DurationVar(&cfg.Warmup, "warmup", 3*time.Second, "unmeasured time first (handshakes, pools)")
	fs.IntVar(&cfg.RequestBytes, "request-bytes", 3000, "request body size (a Command envelope is 3-6 KB)")
	fs.IntVar(&cfg.ResponseBytes, "response-bytes", 2000, "response body size")
	fs.IntVar(&cfg.AuthBytes, "auth-bytes", 2000, "Authorization header size (Basic with a bearer token)")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
