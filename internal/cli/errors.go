package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/ipps/ipps/internal/environment"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/signin"
)

// UserError is an error explained for the person at the keyboard: Msg
// says what happened and what to do, quoting the server's text verbatim
// where there is one; Err is the underlying error, kept for errors.Is and
// the debug log.
type UserError struct {
	Msg string
	Err error
}

func (e *UserError) Error() string { return e.Msg }

// Unwrap returns the underlying error.
func (e *UserError) Unwrap() error { return e.Err }

// SilentError is returned by a command that has already printed its
// error; Main only sets the exit code.
var SilentError = errors.New("cli: silent error")

// ExplainInput is what Explain knows about the failed operation.
type ExplainInput struct {
	// URI is the connection URI that was used.
	URI string
	// Held is how many sessions this ipps process has open.
	Held int
}

// Exact texts the server sends that Explain recognises (exo-module-anchor.md §4).
const (
	textMaxConnections = "maximum number of connections allowed"
	textConcurrent     = "concurrent shells"
)

var (
	httpStatusRE = regexp.MustCompile(`HTTP (\d{3})`)
	aadstsRE     = regexp.MustCompile(`AADSTS(\d+)`)
)

// Explain maps an error from sign-in or remoting to a *UserError with an
// actionable message. Errors it does not recognise (and nil) are returned
// unchanged; an error that is already a *UserError is left alone. The
// mapping is table-tested in errors_test.go.
func Explain(err error, in ExplainInput) error {
	var ue *UserError
	if err == nil || errors.As(err, &ue) || errors.Is(err, context.Canceled) {
		return err
	}
	msg := explain(err, in)
	if msg == "" {
		return err
	}
	return &UserError{Msg: msg, Err: err}
}

func explain(err error, in ExplainInput) string {
	var (
		authErr *remoting.AuthError
		remote  *remoting.RemoteError
		unknown x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invalid x509.CertificateInvalidError
		dnsErr  *net.DNSError
		opErr   *net.OpError
	)
	text := err.Error()
	switch {
	case errors.Is(err, signin.ErrInteractionRequired):
		return "There is no cached sign-in and --no-prompt forbids signing in interactively. " +
			"Run the command once without --no-prompt (or with --device), or run `ipps token` to sign in first."
	case aadstsRE.MatchString(text):
		return explainAADSTS(aadstsRE.FindStringSubmatch(text)[1], text)
	case errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &hostErr),
		strings.Contains(text, "x509: certificate signed by unknown authority"):
		return fmt.Sprintf("The server's TLS certificate for %s is not trusted (%s). "+
			"If the server uses a private certificate authority, pass its certificate with --ca-file <ca.pem> (or set IPPS_CA_FILE).",
			hostOf(in.URI), rootCause(err))
	case errors.As(err, &authErr):
		return fmt.Sprintf("The server at %s refused the credentials (HTTP 401 Access is denied). "+
			"ipps sends the OAuth access token in the Basic Authorization header as the password \"Bearer <token>\", as the V1 module does; "+
			"the server must accept Basic authentication and convert it to OAuth (BasicAuthToOAuthConversion=true in the connection URI). "+
			"Check that the token's audience matches the endpoint (--connection-uri / --environment) and that the token has not expired.", in.URI)
	case errors.Is(err, remoting.ErrQuotaExceeded) || strings.Contains(text, textMaxConnections) || strings.Contains(text, textConcurrent):
		return fmt.Sprintf("%s\nThe server limits how many remote PowerShell sessions an account may hold open (five for Security & Compliance). "+
			"This ipps process holds %d of them. Close sessions you no longer need (Disconnect-ExchangeOnline, or exit other ipps/PowerShell windows); "+
			"sessions left open by closed windows expire after their idle timeout.", serverText(err), in.Held)
	case errors.As(err, &remote) && (remote.Op == "Create" || remote.Op == "Receive") && errors.Is(err, remoting.ErrAccessDenied):
		return fmt.Sprintf("Connecting to remote server %s failed with the following error message : %s\n"+
			"The account is not allowed to use remote PowerShell. An administrator can re-enable it in Exchange Online PowerShell with "+
			"`Set-User -Identity <upn> -RemotePowerShellEnabled $true`; if it is enabled, the account may not be assigned to any role group.",
			hostOf(in.URI), remote.Message())
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("The host of the connection URI %s could not be found (%s). Check --connection-uri, or pick the cloud with --environment (%s).",
			in.URI, dnsErr.Err, strings.Join(environment.Names(), ", "))
	case httpStatusRE.MatchString(text) && httpStatusRE.FindStringSubmatch(text)[1] == "404":
		return fmt.Sprintf("The connection URI %s answered HTTP 404: there is no remote PowerShell endpoint at that path. "+
			"Check --connection-uri (Security & Compliance uses .../powershell-liveid), or pick the cloud with --environment (%s).",
			in.URI, strings.Join(environment.Names(), ", "))
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Sprintf("Could not connect to %s (%s). Check --connection-uri and that the server is reachable.", in.URI, rootCause(err))
	case errors.As(err, &remote):
		return remote.Message()
	}
	return ""
}

// explainAADSTS explains sign-in failures from Microsoft Entra ID (or
// ippsd's authority) by their AADSTS code.
func explainAADSTS(code, text string) string {
	switch code {
	case "50076", "50079", "50074":
		return fmt.Sprintf("Sign-in needs multi-factor authentication (AADSTS%s), which this sign-in flow cannot perform. "+
			"Drop --no-prompt to sign in in the browser, or use --device to sign in on another device.", code)
	case "700016":
		return "The application was not found in the tenant (AADSTS700016). Check --app-id and --organization."
	case "90002":
		return "The tenant was not found (AADSTS90002). Check --organization and --azure-ad-authorization-endpoint-uri."
	}
	return "Sign-in failed: " + text
}

// RBACHint marks a pipeline refusal by role-based access control: the
// server's error is kept verbatim and a hint is appended. Other records
// are returned unchanged.
func RBACHint(rec *psrp.ErrorRecord) *psrp.ErrorRecord {
	if rec == nil || !isRBACRefusal(rec) {
		return rec
	}
	c := *rec
	c.Message = rec.Message + "\nYour role groups don't grant this cmdlet or parameter; ask an administrator to add you to a role group that does (Get-RoleGroup lists them)."
	return &c
}

func isRBACRefusal(rec *psrp.ErrorRecord) bool {
	return rec.Category == psrp.CategoryPermissionDenied ||
		strings.Contains(rec.FullyQualifiedErrorID, "AccessDenied") ||
		strings.Contains(rec.Message, "FailureCategory=AuthZ")
}

// serverText is the server's message for a remote fault, else err's text.
func serverText(err error) string {
	var remote *remoting.RemoteError
	if errors.As(err, &remote) {
		return remote.Message()
	}
	return err.Error()
}

// rootCause returns the innermost error's text.
func rootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

func hostOf(uri string) string {
	s := uri
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?"); i >= 0 {
		s = s[:i]
	}
	return s
}
