package daemon

import (
	"time"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/metrics"
	"github.com/ipps/ipps/internal/remoting"
)

// shellMetrics feeds remoting events into the Prometheus instruments.
type shellMetrics struct {
	m        *metrics.Metrics
	endpoint string
}

var _ remoting.Metrics = shellMetrics{}

func (s shellMetrics) ShellOpened(string) { s.m.OpenShells.WithLabelValues(s.endpoint).Inc() }

func (s shellMetrics) ShellClosed(_ string, _ string) {
	s.m.OpenShells.WithLabelValues(s.endpoint).Dec()
}

func (s shellMetrics) PipelineDone(command string, d time.Duration, state string) {
	s.m.ObserveCmdlet(command, state == "Completed", d)
}

// signInMetrics counts the authority's sign-in outcomes.
type signInMetrics struct{ m *metrics.Metrics }

var _ authority.Events = signInMetrics{}

func (s signInMetrics) SignIn(result string) { s.m.SignIns.WithLabelValues(result).Inc() }
func (s signInMetrics) Lockout()             { s.m.Lockouts.Inc() }
