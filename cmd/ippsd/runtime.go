package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/ipps/ipps/internal/config"
)

// tuneRuntime applies the process-wide runtime settings of cfg: the GC
// percentage (config.Config.GCPercent), unless GOGC is set in the
// environment, which then wins as it does for any Go program.
func tuneRuntime(cfg config.Config, logger *slog.Logger) {
	if v, ok := os.LookupEnv("GOGC"); ok {
		logger.Info("GOGC set in the environment; gc_percent ignored", "GOGC", v)
		return
	}
	if cfg.GCPercent != 0 {
		debug.SetGCPercent(cfg.GCPercent)
	}
}
