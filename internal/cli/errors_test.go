package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/signin"
	"github.com/ipps/ipps/internal/wsman"
)

// quotaText is Exchange Online's MaxConcurrency refusal (M365DSC#359).
const quotaText = "[AuthZRequestId=8feccdea-493c-4c12-85dd-d185232cc0be][FailureCategory=AuthZ-AuthorizationException] Fail to create a runspace because you have exceeded the maximum number of connections allowed : 5 for the policy party : MaxConcurrency. Please close existing runspace and try again."

func TestExplainTable(t *testing.T) {
	in := ExplainInput{URI: "https://ps.compliance.protection.outlook.de/PowerShell-LiveID?BasicAuthToOAuthConversion=true", Held: 2}
	quotaFault := wsman.QuotaLimit(0)
	quotaFault.Reason = quotaText
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"no prompt", fmt.Errorf("x: %w", signin.ErrInteractionRequired), []string{"--no-prompt", "--device"}},
		{"mfa", errors.New("signin: interactive: AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication"),
			[]string{"AADSTS50076", "Drop --no-prompt", "--device"}},
		{"tls", fmt.Errorf("remoting: %w", x509.UnknownAuthorityError{}), []string{"not trusted", "--ca-file", "ps.compliance.protection.outlook.de"}},
		{"401", &remoting.AuthError{Status: 401}, []string{"HTTP 401", `"Bearer <token>"`, "Basic authentication", "BasicAuthToOAuthConversion=true"}},
		{"quota", &remoting.RemoteError{Op: "Create", Fault: quotaFault}, []string{quotaText, "holds 2 of them", "Disconnect-ExchangeOnline"}},
		{"rps disabled", &remoting.RemoteError{Op: "Create", Fault: wsman.AccessDenied()},
			[]string{"Connecting to remote server ps.compliance.protection.outlook.de failed with the following error message : Access is denied.",
				"Set-User -Identity <upn> -RemotePowerShellEnabled $true"}},
		{"dns", &net.DNSError{Err: "no such host", Name: "ps.compliance.protection.outlook.de", IsNotFound: true},
			[]string{"could not be found", "--environment", "O365GermanyCloud", "O365USGovDoD"}},
		{"404", errors.New("remoting: Create: HTTP 404: wsman: not a SOAP envelope"), []string{"HTTP 404", in.URI, "O365Default"}},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, []string{"Could not connect to", "connection refused"}},
	}
	for _, c := range cases {
		got := Explain(c.err, in)
		var ue *UserError
		if !errors.As(got, &ue) {
			t.Errorf("%s: not explained: %v", c.name, got)
			continue
		}
		if !errors.Is(got, c.err) && errors.Unwrap(got) != c.err {
			t.Errorf("%s: lost the cause", c.name)
		}
		for _, w := range c.want {
			if !strings.Contains(ue.Msg, w) {
				t.Errorf("%s: %q lacks %q", c.name, ue.Msg, w)
			}
		}
	}
	for _, e := range []error{nil, context.Canceled, errors.New("something else")} {
		if got := Explain(e, in); got != e {
			t.Errorf("%v changed to %v", e, got)
		}
	}
}

func TestRBACHint(t *testing.T) {
	rec := &psrp.ErrorRecord{Message: "denied", Category: psrp.CategoryPermissionDenied}
	got := RBACHint(rec)
	if !strings.HasPrefix(got.Message, "denied\n") || !strings.Contains(got.Message, "role groups don't grant this cmdlet or parameter") {
		t.Fatalf("%q", got.Message)
	}
	if rec.Message != "denied" {
		t.Fatal("RBACHint modified the server's record")
	}
	other := &psrp.ErrorRecord{Message: "x", Category: psrp.CategoryInvalidData}
	if RBACHint(other) != other {
		t.Fatal("non-RBAC record changed")
	}
}

// TestServerErrorsEndToEnd provokes each server-side condition on the real
// server and checks what the user sees.
func TestServerErrorsEndToEnd(t *testing.T) {
	ts := newTestServer(t)

	code, _, errOut := ts.runMain(t, "", map[string]string{TestTokenEnv: "tok-bad"}, "run", "Get-RetentionCompliancePolicy")
	if code != ExitError || !strings.Contains(errOut, "HTTP 401") || !strings.Contains(errOut, "Bearer <token>") {
		t.Fatalf("401: exit %d err %q", code, errOut)
	}

	ts.prov.refuse.Store(&runspace.RefusedError{Kind: runspace.RefusedQuota, Message: quotaText})
	code, _, errOut = ts.runMain(t, "", nil, "run", "Get-RetentionCompliancePolicy")
	if code != ExitError || !strings.Contains(errOut, quotaText) || !strings.Contains(errOut, "This ipps process holds 0 of them") {
		t.Fatalf("quota: exit %d err %q", code, errOut)
	}

	ts.prov.refuse.Store(&runspace.RefusedError{Kind: runspace.RefusedAccess, Message: "[FailureCategory=AuthZ-UserNotAllowed] Access is denied."})
	code, _, errOut = ts.runMain(t, "", nil, "run", "Get-RetentionCompliancePolicy")
	if code != ExitError || !strings.Contains(errOut, "Access is denied.") || !strings.Contains(errOut, "-RemotePowerShellEnabled $true") {
		t.Fatalf("rps disabled: exit %d err %q", code, errOut)
	}
	ts.prov.refuse.Store(nil)

	code, _, errOut = ts.runMain(t, "", nil, "run", "Set-RetentionCompliancePolicy -Identity 'HR 3y' -Enabled $true")
	if code != ExitError || !strings.Contains(errOut, `isn't assigned to any management roles that grant the parameter "Enabled"`) ||
		!strings.Contains(errOut, "role groups don't grant") {
		t.Fatalf("rbac: exit %d err %q", code, errOut)
	}

	// Without --ca-file the private CA is not trusted.
	f, _, errBuf := testFactory(t, "", false, map[string]string{TestTokenEnv: ""})
	code = Main(context.Background(), f, []string{"run", "--connection-uri", ts.URL, "--access-token", "tok-alice", "Get-X"})
	if code != ExitError || !strings.Contains(errBuf.String(), "--ca-file") || !strings.Contains(errBuf.String(), "not trusted") {
		t.Fatalf("tls: exit %d err %q", code, errBuf)
	}

	code, _, errOut = ts.runMainURI(t, ts.hs.URL+"/wrong-path", "run", "Get-X")
	if code != ExitError || !strings.Contains(errOut, "HTTP 404") || !strings.Contains(errOut, "/wrong-path") || !strings.Contains(errOut, "O365USGovGCCHigh") {
		t.Fatalf("404: exit %d err %q", code, errOut)
	}
	if n := ts.openShells(); n != 0 {
		t.Fatalf("%d shells left open", n)
	}
}

// runMainURI is runMain with another connection URI.
func (ts *testServer) runMainURI(t testing.TB, uri string, args ...string) (int, string, string) {
	f, out, errOut := testFactory(t, "", false, nil)
	full := append([]string{args[0], "--connection-uri", uri, "--ca-file", ts.CAFile}, args[1:]...)
	return Main(context.Background(), f, full), out.String(), errOut.String()
}
