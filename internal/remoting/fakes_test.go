package remoting

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/devpki"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// testAuth accepts "Basic base64(user:Bearer <token>)" where token is
// "tok-<userid>"; anything else is unauthenticated.
type testAuth struct{}

func (testAuth) Authenticate(_ context.Context, authz, addr string) (*runspace.Principal, error) {
	raw, ok := strings.CutPrefix(authz, "Basic ")
	if !ok {
		return nil, fmt.Errorf("no basic credentials: %w", runspace.ErrUnauthenticated)
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("bad base64: %w", runspace.ErrUnauthenticated)
	}
	user, pass, _ := strings.Cut(string(b), ":")
	tok, ok := strings.CutPrefix(pass, "Bearer ")
	id, ok2 := strings.CutPrefix(tok, "tok-")
	if !ok || !ok2 || id == "" {
		return nil, fmt.Errorf("bad token: %w", runspace.ErrUnauthenticated)
	}
	if id == "disabled" {
		return nil, &runspace.RefusedError{Kind: runspace.RefusedAccess, Message: "[AuthZRequestId=7][FailureCategory=AuthZ-AuthorizationException] Remote PowerShell is disabled for this user."}
	}
	return &runspace.Principal{UserID: id, UPN: user, ClientAddr: addr}, nil
}

// fakeProvider opens fakeRunspaces. It refuses with refuse when set and
// counts opens and closes.
type fakeProvider struct {
	refuse *runspace.RefusedError
	opened atomic.Int32
	closed atomic.Int32

	mu  sync.Mutex
	rss []*fakeRunspace
}

func (p *fakeProvider) Open(_ context.Context, pr runspace.Principal, shellID string) (runspace.Runspace, error) {
	if p.refuse != nil {
		return nil, p.refuse
	}
	p.opened.Add(1)
	rs := &fakeRunspace{p: p, user: pr.UserID}
	p.mu.Lock()
	p.rss = append(p.rss, rs)
	p.mu.Unlock()
	return rs, nil
}

// fakeRunspace is a tiny application with a handful of commands:
//
//	Get-Number -Count N   emits the I32s 0..N-1
//	Write-Streams         one object, error, warning, verbose, debug, progress, information
//	Wait-Cancel           blocks until ctx is cancelled
//	Echo-Input            emits every input object
//	Fail-Now              returns a terminating ErrorRecord
//	Get-Big -Size N       emits one string of N bytes
type fakeRunspace struct {
	p          *fakeProvider
	user       string
	closeCalls atomic.Int32
}

func (r *fakeRunspace) Close(context.Context) error {
	if r.closeCalls.Add(1) == 1 {
		r.p.closed.Add(1)
	}
	return nil
}

func (r *fakeRunspace) Commands(context.Context) ([]runspace.CommandInfo, error) {
	var out []runspace.CommandInfo
	for _, n := range []string{"Echo-Input", "Fail-Now", "Get-Big", "Get-Number", "Wait-Cancel", "Write-Streams"} {
		out = append(out, runspace.CommandInfo{Name: n, Module: "Fake", CommandType: 8,
			Parameters: []runspace.ParameterInfo{{Name: "Count", Type: "System.Int32"}}})
	}
	return out, nil
}

func argInt(c runspace.Command, name string, def int) int {
	for _, a := range c.Args {
		if strings.EqualFold(a.Name, name) {
			switch v := a.Value.(type) {
			case int32:
				return int(v)
			case int64:
				return int(v)
			case string:
				var n int
				fmt.Sscan(v, &n)
				return n
			}
		}
	}
	return def
}

var errStoppedTest = errors.New("stopped")

func (r *fakeRunspace) Invoke(ctx context.Context, p *runspace.Pipeline, out runspace.Output) error {
	c := p.Commands[0]
	switch strings.ToLower(c.Name) {
	case "get-number":
		n := argInt(c, "Count", 1)
		for i := range n {
			if err := out.WriteObject(int32(i)); err != nil {
				return err
			}
		}
		return nil
	case "get-trickle":
		// Count objects, with a pause of Us microseconds before each.
		n, pause := argInt(c, "Count", 1), time.Duration(argInt(c, "Us", 0))*time.Microsecond
		for i := range n {
			time.Sleep(pause)
			if err := out.WriteObject(int32(i)); err != nil {
				return err
			}
		}
		return nil
	case "get-wide":
		// One policy-like object of 40 note properties.
		props := make([]clixml.Property, 0, 40)
		for i := range 40 {
			var v clixml.Value
			switch i % 4 {
			case 0:
				v = fmt.Sprintf("value %d of a policy-like object", i)
			case 1:
				v = int32(i)
			case 2:
				v = i%8 == 2
			default:
				v = "d93bd5b9-d7a3-4b4b-8e80-bb3bb9e4a9c" + strconv.Itoa(i%10)
			}
			props = append(props, clixml.Property{Name: fmt.Sprintf("Property%02d", i), Value: v})
		}
		return out.WriteObject(clixml.NewPSCustomObject(props...))
	case "get-big":
		return out.WriteObject(strings.Repeat("x", argInt(c, "Size", 1000)))
	case "write-streams":
		errs := []error{
			out.WriteObject("hello"),
			out.WriteError(&psrp.ErrorRecord{Message: "soft error", FullyQualifiedErrorID: "Soft", Category: psrp.CategoryInvalidData}),
			out.WriteInformational(psrp.InformationalRecord{Kind: psrp.Warning, Message: "warn"}),
			out.WriteInformational(psrp.InformationalRecord{Kind: psrp.Verbose, Message: "verb"}),
			out.WriteInformational(psrp.InformationalRecord{Kind: psrp.Debug, Message: "dbg"}),
			out.WriteProgress(psrp.ProgressRecord{Activity: "act", StatusDescription: "st", PercentComplete: 50, ParentActivityID: -1, SecondsRemaining: -1}),
			out.WriteInformation(psrp.InformationRecord{MessageData: "info", Source: "src"}),
		}
		return errors.Join(errs...)
	case "wait-cancel":
		<-ctx.Done()
		return ctx.Err()
	case "echo-input":
		if p.Input == nil {
			return nil
		}
		for {
			select {
			case v, ok := <-p.Input:
				if !ok {
					return nil
				}
				if err := out.WriteObject(v); err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	case "sleep-ms":
		select {
		case <-time.After(time.Duration(argInt(c, "Ms", 0)) * time.Millisecond):
			return out.WriteObject("awake")
		case <-ctx.Done():
			return ctx.Err()
		}
	case "reveal-secret":
		// Decrypts its SecureString argument with the session key.
		ss, _ := c.Args[0].Value.(clixml.SecureString)
		plain, err := p.DecryptSecureString(ss)
		if err != nil {
			return &psrp.ErrorRecord{Message: err.Error(), FullyQualifiedErrorID: "NoSessionKey"}
		}
		return out.WriteObject(plain)
	case "panic-now":
		panic("boom")
	case "fail-now":
		return &psrp.ErrorRecord{Message: "it failed", FullyQualifiedErrorID: "Boom", Category: psrp.CategoryInvalidOperation}
	}
	return &psrp.ErrorRecord{Message: "The term '" + c.Name + "' is not recognized as the name of a cmdlet, function, script file, or operable program.",
		FullyQualifiedErrorID: "CommandNotFoundException", Category: psrp.CategoryObjectNotFound,
		ExceptionType: []string{"System.Management.Automation.CommandNotFoundException", "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception", "System.Object"}}
}

var _ clixml.Value = int32(0)

// testCA is a throwaway CA with a server certificate for 127.0.0.1.
type testCA struct {
	pool   *x509.CertPool
	server tls.Certificate
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	pki, err := devpki.Ensure(t.TempDir(), []string{"127.0.0.1", "localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{pool: pki.CertPool(), server: pki.Server}
}
