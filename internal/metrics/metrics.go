// Package metrics holds ippsd's Prometheus instruments. One Metrics value is
// created per process (or per test) on its own registry, so tests never
// share global state.
package metrics

import (
	"net/http"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of instruments ippsd exports at /metrics.
type Metrics struct {
	Registry *prometheus.Registry

	// OpenShells is the number of remote PowerShell shells open in this
	// replica, by endpoint ("compliance", "exchange").
	OpenShells *prometheus.GaugeVec
	// CmdletDuration observes cmdlet latency by cmdlet name and outcome.
	CmdletDuration *prometheus.HistogramVec
	// SignIns counts sign-in attempts by result ("success", "bad_password",
	// "mfa_failed", "locked", ...).
	SignIns *prometheus.CounterVec
	// Lockouts counts accounts put into smart lockout.
	Lockouts prometheus.Counter
	// ShellsRefused counts refused shell creations by reason ("quota",
	// "access").
	ShellsRefused *prometheus.CounterVec
}

// New creates the instruments on a fresh registry that also carries the Go
// runtime and process collectors (the load tool reads go_memstats from it).
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(
		// go_gc_heap_live_bytes: the heap marked live by the last GC,
		// which the load tool divides by open shells.
		collectors.WithGoCollectorRuntimeMetrics(collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)}),
	), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: r,
		OpenShells: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ippsd_open_shells", Help: "Remote PowerShell shells open in this replica.",
		}, []string{"endpoint"}),
		CmdletDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ippsd_cmdlet_duration_seconds",
			Help:    "Cmdlet latency from pipeline start to final state.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"cmdlet", "outcome"}),
		SignIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ippsd_signins_total", Help: "Sign-in attempts by result.",
		}, []string{"result"}),
		Lockouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ippsd_lockouts_total", Help: "Accounts put into smart lockout.",
		}),
		ShellsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ippsd_shells_refused_total", Help: "Refused shell creations by reason.",
		}, []string{"reason"}),
	}
	r.MustRegister(m.OpenShells, m.CmdletDuration, m.SignIns, m.Lockouts, m.ShellsRefused)
	return m
}

// ObserveCmdlet records one cmdlet run.
func (m *Metrics) ObserveCmdlet(cmdlet string, ok bool, d time.Duration) {
	outcome := "ok"
	if !ok {
		outcome = "error"
	}
	m.CmdletDuration.WithLabelValues(cmdlet, outcome).Observe(d.Seconds())
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
