// Package load is the engine of the ippsload tool: it provisions load
// users in an ippsd database, signs them in with the OAuth password grant
// (MSAL for Go), opens remote PowerShell shells and drives a weighted
// cmdlet mix on every shell in a closed loop, recording client-side
// latency in an HDR-style histogram (histogram.go), errors by kind
// (errors.go) and every acknowledged write (ledger.go), which it reads
// back at the end. Server memory and goroutines come from the replica's
// /metrics (promtext.go).
//
// Run measures one replica (run.go). Fault starts two `ippsd serve`
// replicas on a scratch PostgreSQL database, SIGKILLs one mid-load and
// checks the survivor, the writes and lease recovery (fault.go,
// replicas.go, process.go).
//
// Throughput is completed cmdlets divided by the wall time of the load
// phase, which includes draining the calls in flight at the deadline.
package load
