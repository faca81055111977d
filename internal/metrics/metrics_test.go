package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandlerExportsInstruments(t *testing.T) {
	m := New()
	m.OpenShells.WithLabelValues("compliance").Set(3)
	m.ObserveCmdlet("Get-RetentionCompliancePolicy", true, 2*time.Millisecond)
	m.ObserveCmdlet("Get-RetentionCompliancePolicy", false, time.Second)
	m.SignIns.WithLabelValues("success").Inc()
	m.Lockouts.Inc()

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`ippsd_open_shells{endpoint="compliance"} 3`,
		`ippsd_cmdlet_duration_seconds_count{cmdlet="Get-RetentionCompliancePolicy",outcome="ok"} 1`,
		`ippsd_cmdlet_duration_seconds_count{cmdlet="Get-RetentionCompliancePolicy",outcome="error"} 1`,
		`ippsd_signins_total{result="success"} 1`,
		`ippsd_lockouts_total 1`,
		`go_memstats_heap_inuse_bytes`,
		`go_gc_heap_live_bytes `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
}

func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New(), New()
	a.Lockouts.Inc()
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if strings.Contains(rec.Body.String(), "ippsd_lockouts_total 1") {
		t.Fatal("second registry saw the first one's counter")
	}
}
