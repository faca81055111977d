package load

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"runtime"
)

// CPUReport is the CPU both processes spent on the measured phase, per
// completed cmdlet. It is the steadiest figure a run gives on a shared
// machine: throughput and latency swing with scheduling, CPU per cmdlet
// much less, and on a machine where client and server share the cores
// it bounds throughput: Cores / (ServerMs + ClientMs) cmdlets per ms.
type CPUReport struct {
	// Cmdlets is the client's count of cmdlets completed in the window.
	Cmdlets uint64 `json:"cmdlets"`
	// ServerCmdlets is the server's count of cmdlets run in the window
	// (ippsd_cmdlet_duration_seconds_count); it differs from Cmdlets only
	// by calls in flight at the window's edges.
	ServerCmdlets float64 `json:"server_cmdlets"`
	// BeforeClock is the server's count of cmdlets from the shells'
	// opening to the window's start: each shell's seed policy and the
	// warm-up rounds.
	BeforeClock float64 `json:"cmdlets_before_clock"`
	// ServerSeconds and ClientSeconds are CPU seconds (user + system) in
	// the window: the server's process_cpu_seconds_total, the load tool's
	// own rusage (zero where the platform has none).
	ServerSeconds float64 `json:"server_cpu_seconds"`
	ClientSeconds float64 `json:"client_cpu_seconds"`
	// ServerMs and ClientMs are CPU milliseconds per completed cmdlet.
	ServerMs float64 `json:"server_cpu_ms_per_cmdlet"`
	ClientMs float64 `json:"client_cpu_ms_per_cmdlet"`
	// Cores, Busy and Ceiling are set when the server runs on this
	// machine (a loopback target). Busy is how many of the Cores both
	// processes kept busy over the window. Ceiling = Cores*1000 /
	// (ServerMs+ClientMs), the throughput at which both would use every
	// core at this run's cost per cmdlet. It is a bound only when the
	// run saturated the machine (a closed loop): below capacity, the Go
	// schedulers spin and wake on idle cores, so CPU per cmdlet reads
	// higher (about 1.4x at 1,000/s paced than in a closed loop here)
	// and the ceiling lower.
	Cores   int     `json:"cores,omitempty"`
	Busy    float64 `json:"cores_busy,omitempty"`
	Ceiling float64 `json:"cpu_bound_ceiling_per_second,omitempty"`
}

// cpuMark is one end of the measured window.
type cpuMark struct {
	server, serverCmdlets, client float64
	// clientOK is false where this process's CPU time is unknown.
	clientOK bool
}

// cpuClock brackets the measured phase: Fleet.Drive calls mark right
// before its clock starts and right after the last call returns.
type cpuClock struct {
	scrape func(ctx context.Context) (Snapshot, error)
	marks  []cpuMark
	err    error
}

// mark records the server's and this process's CPU now. A failed
// scrape is kept and reported by report; later marks are skipped.
func (c *cpuClock) mark(ctx context.Context) {
	if c.err != nil {
		return
	}
	client, clientOK := processCPUSeconds()
	s, err := c.scrape(ctx)
	if err != nil {
		c.err = err
		return
	}
	c.marks = append(c.marks, cpuMark{server: s[processCPUSeries], serverCmdlets: s.Sum(cmdletCountSeries), client: client, clientOK: clientOK})
}

const (
	processCPUSeries  = "process_cpu_seconds_total"
	cmdletCountSeries = "ippsd_cmdlet_duration_seconds_count"
)

// report computes the CPUReport for completed cmdlets over the
// window's seconds, with before the server's snapshot taken before the
// shells opened. It returns nil
// when the window was not marked at both ends or the server does not
// export its CPU time.
func (c *cpuClock) report(before Snapshot, completed uint64, seconds float64, baseURL string) (*CPUReport, error) {
	if c.err != nil {
		return nil, fmt.Errorf("load: cpu accounting: %w", c.err)
	}
	if len(c.marks) != 2 || completed == 0 || c.marks[1].server <= 0 {
		return nil, nil
	}
	a, b := c.marks[0], c.marks[1]
	r := &CPUReport{Cmdlets: completed, ServerCmdlets: b.serverCmdlets - a.serverCmdlets, BeforeClock: a.serverCmdlets - before.Sum(cmdletCountSeries),
		ServerSeconds: b.server - a.server, ClientSeconds: b.client - a.client}
	r.ServerMs = r.ServerSeconds * 1000 / float64(completed)
	r.ClientMs = r.ClientSeconds * 1000 / float64(completed)
	// Without the load tool's own CPU the ceiling would count the
	// server's share of the cores only; leave it out.
	if isLoopback(baseURL) && a.clientOK && b.clientOK && r.ServerMs+r.ClientMs > 0 {
		r.Cores = runtime.NumCPU()
		r.Ceiling = float64(r.Cores) * 1000 / (r.ServerMs + r.ClientMs)
		if seconds > 0 {
			r.Busy = (r.ServerSeconds + r.ClientSeconds) / seconds
		}
	}
	return r, nil
}

// isLoopback reports whether baseURL's host is this machine's loopback.
func isLoopback(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
