// Package signin obtains access tokens for ipps with MSAL for Go, the same
// library and flows against Microsoft Entra ID and against ippsd.
//
// A Source hands out a valid token on every call: from memory while it has
// more than RenewBefore left, else silently from MSAL's persistent cache
// (refreshing with the refresh token), else by an interactive browser
// sign-in (loopback redirect + PKCE) or the device-code flow. App-only
// sign-in uses a certificate with the client-credentials grant.
package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// DefaultClientID is the public client Microsoft's Exchange Online
// PowerShell module signs in with ("Microsoft Exchange REST API Based
// PowerShell"); ippsd registers it too.
const DefaultClientID = "fb78d390-0c51-40cd-8e17-fdbfab77341b"

// RenewBefore is how long before expiry a token is renewed, so a long
// session never presents an expired token.
const RenewBefore = 5 * time.Minute

// ErrInteractionRequired means no cached sign-in exists and the
// configuration allows no prompt (for example `ipps token --no-prompt`).
var ErrInteractionRequired = errors.New("signin: interactive sign-in required")

// Config says how to sign in.
type Config struct {
	// Authority is the full authority URL including the tenant segment,
	// e.g. https://login.microsoftonline.com/organizations.
	Authority string
	// ClientID defaults to DefaultClientID.
	ClientID string
	// Resource is the API the token is for; the scope requested is
	// Resource + "/.default".
	Resource string
	// UserPrincipalName selects the cached account and is sent as
	// login_hint.
	UserPrincipalName string
	// Device selects the device-code flow instead of the browser.
	Device bool
	// NoPrompt refuses any interactive flow (ErrInteractionRequired).
	NoPrompt bool
	// AppID, CertificateFile (PEM with certificate and key) and
	// Organization select app-only sign-in.
	AppID           string
	CertificateFile string
	Organization    string
	// CacheDir holds the token cache files; empty disables persistence.
	CacheDir string
	// HTTPClient is used for every call to the authority (set it to trust
	// a private CA).
	HTTPClient *http.Client
	// OpenURL opens the sign-in page; nil uses the system browser.
	OpenURL func(url string) error
	// DeviceCodePrompt shows the device-code message to the user.
	DeviceCodePrompt func(message string)
	Logger           *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Token is an access token and who it was issued to.
type Token struct {
	AccessToken string
	ExpiresOn   time.Time
	// Account is the UPN of the signed-in user; empty for app-only.
	Account  string
	TenantID string
	AppOnly  bool
}

// Source issues tokens for one configuration. It is safe for concurrent use.
type Source struct {
	cfg  Config
	mu   sync.Mutex // guards pub, conf, tok
	pub  *public.Client
	conf *confidential.Client
	tok  Token
}

// New validates cfg and prepares MSAL; it performs no network I/O.
func New(cfg Config) (*Source, error) {
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Authority == "" || cfg.Resource == "" {
		return nil, errors.New("signin: authority and resource are required")
	}
	s := &Source{cfg: cfg}
	if cfg.AppID != "" {
		return s, s.newConfidential()
	}
	opts := []public.Option{public.WithAuthority(cfg.Authority), public.WithInstanceDiscovery(isMicrosoftAuthority(cfg.Authority))}
	if cfg.HTTPClient != nil {
		opts = append(opts, public.WithHTTPClient(cfg.HTTPClient))
	}
	if cfg.CacheDir != "" {
		fc, err := newFileCache(CachePath(cfg.CacheDir, cfg.Authority, cfg.ClientID, cfg.UserPrincipalName))
		if err != nil {
			return nil, err
		}
		opts = append(opts, public.WithCache(fc))
	}
	pub, err := public.New(cfg.ClientID, opts...)
	if err != nil {
		return nil, fmt.Errorf("signin: %w", err)
	}
	s.pub = &pub
	return s, nil
}

func (s *Source) newConfidential() error {
	if s.cfg.CertificateFile == "" || s.cfg.Organization == "" {
		return errors.New("signin: app-only sign-in needs --app-id, --certificate-file and --organization")
	}
	pemData, err := os.ReadFile(s.cfg.CertificateFile)
	if err != nil {
		return fmt.Errorf("signin: certificate: %w", err)
	}
	certs, key, err := confidential.CertFromPEM(pemData, "")
	if err != nil {
		return fmt.Errorf("signin: certificate %s: %w", s.cfg.CertificateFile, err)
	}
	cred, err := confidential.NewCredFromCert(certs, key)
	if err != nil {
		return fmt.Errorf("signin: %w", err)
	}
	authority := orgAuthority(s.cfg.Authority, s.cfg.Organization)
	opts := []confidential.Option{confidential.WithInstanceDiscovery(isMicrosoftAuthority(authority))}
	if s.cfg.HTTPClient != nil {
		opts = append(opts, confidential.WithHTTPClient(s.cfg.HTTPClient))
	}
	c, err := confidential.New(authority, s.cfg.AppID, cred, opts...)
	if err != nil {
		return fmt.Errorf("signin: %w", err)
	}
	s.conf = &c
	return nil
}

// orgAuthority replaces the tenant segment of authority with org
// (app-only tokens must be requested from the customer's tenant).
func orgAuthority(authority, org string) string {
	i := strings.Index(authority, "://")
	if i < 0 {
		return authority
	}
	j := strings.IndexByte(authority[i+3:], '/')
	if j < 0 {
		return strings.TrimRight(authority, "/") + "/" + org
	}
	return authority[:i+3+j] + "/" + org
}

func isMicrosoftAuthority(authority string) bool {
	for _, h := range []string{"login.microsoftonline.com", "login.windows.net", "login.microsoftonline.us", "login.chinacloudapi.cn", "login.microsoftonline.de"} {
		if strings.Contains(strings.ToLower(authority), "://"+h+"/") {
			return true
		}
	}
	return false
}

func (s *Source) scopes() []string {
	return []string{strings.TrimRight(s.cfg.Resource, "/") + "/.default"}
}

// Token returns a token valid for at least RenewBefore, signing in as
// needed. Interactive flows honour ctx cancellation.
func (s *Source) Token(ctx context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok.AccessToken != "" && s.cfg.Now().Add(RenewBefore).Before(s.tok.ExpiresOn) {
		return s.tok, nil
	}
	var (
		tok Token
		err error
	)
	if s.conf != nil {
		tok, err = s.appOnly(ctx)
	} else {
		tok, err = s.delegated(ctx)
	}
	if err != nil {
		return Token{}, err
	}
	s.tok = tok
	return tok, nil
}

func (s *Source) appOnly(ctx context.Context) (Token, error) {
	res, err := s.conf.AcquireTokenSilent(ctx, s.scopes())
	if err != nil {
		res, err = s.conf.AcquireTokenByCredential(ctx, s.scopes())
	}
	if err != nil {
		return Token{}, fmt.Errorf("signin: app-only: %w", err)
	}
	return Token{AccessToken: res.AccessToken, ExpiresOn: res.ExpiresOn, TenantID: s.cfg.Organization, AppOnly: true}, nil
}

func (s *Source) delegated(ctx context.Context) (Token, error) {
	if res, err := s.silent(ctx); err == nil {
		return fromResult(res), nil
	}
	if s.cfg.NoPrompt {
		return Token{}, ErrInteractionRequired
	}
	if s.cfg.Device {
		dc, err := s.pub.AcquireTokenByDeviceCode(ctx, s.scopes())
		if err != nil {
			return Token{}, fmt.Errorf("signin: device code: %w", err)
		}
		if s.cfg.DeviceCodePrompt != nil {
			s.cfg.DeviceCodePrompt(dc.Result.Message)
		}
		res, err := dc.AuthenticationResult(ctx)
		if err != nil {
			return Token{}, fmt.Errorf("signin: device code: %w", err)
		}
		return fromResult(res), nil
	}
	opts := []public.AcquireInteractiveOption{public.WithRedirectURI("http://localhost")}
	if s.cfg.UserPrincipalName != "" {
		opts = append(opts, public.WithLoginHint(s.cfg.UserPrincipalName))
	}
	if s.cfg.OpenURL != nil {
		opts = append(opts, public.WithOpenURL(s.cfg.OpenURL))
	}
	res, err := s.pub.AcquireTokenInteractive(ctx, s.scopes(), opts...)
	if err != nil {
		return Token{}, fmt.Errorf("signin: interactive: %w", err)
	}
	return fromResult(res), nil
}

// silent finds the cached account (matching UserPrincipalName when given)
// and asks MSAL for a token, which refreshes it when it is near expiry.
func (s *Source) silent(ctx context.Context) (public.AuthResult, error) {
	accounts, err := s.pub.Accounts(ctx)
	if err != nil {
		return public.AuthResult{}, err
	}
	for _, a := range accounts {
		if s.cfg.UserPrincipalName == "" || strings.EqualFold(a.PreferredUsername, s.cfg.UserPrincipalName) {
			return s.pub.AcquireTokenSilent(ctx, s.scopes(), public.WithSilentAccount(a))
		}
	}
	return public.AuthResult{}, ErrInteractionRequired
}

func fromResult(res public.AuthResult) Token {
	return Token{AccessToken: res.AccessToken, ExpiresOn: res.ExpiresOn, Account: res.Account.PreferredUsername, TenantID: res.Account.Realm}
}

// SignOut removes the cached accounts of this source (Disconnect-ExchangeOnline
// clears the token cache the same way).
func (s *Source) SignOut(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok = Token{}
	if s.pub == nil {
		return nil
	}
	accounts, err := s.pub.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("signin: %w", err)
	}
	for _, a := range accounts {
		if s.cfg.UserPrincipalName == "" || strings.EqualFold(a.PreferredUsername, s.cfg.UserPrincipalName) {
			if err := s.pub.RemoveAccount(ctx, a); err != nil {
				return fmt.Errorf("signin: %w", err)
			}
		}
	}
	return nil
}
