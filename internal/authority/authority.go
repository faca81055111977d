package authority

import (
	"context"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/authority/federation"
	"github.com/ipps/ipps/internal/authority/tokens"
	"github.com/ipps/ipps/internal/authority/validate"
	"github.com/ipps/ipps/internal/storage"
)

// Authority is the sign-in authority: discovery, keys, the OAuth 2.0
// endpoints, and the sign-in pages. It is safe for concurrent use.
type Authority struct {
	cfg       Config
	store     Store
	log       *slog.Logger
	keys      *tokens.KeySet
	sessions  *sessionStore
	smsKey    []byte
	dummyHash string
	validator *validate.Validator
	fed       *federation.SP
}

// New builds an Authority over store: it loads the signing keys (creating
// the first one if none exists) and registers the well-known public
// clients. logger may be nil (discard).
func New(ctx context.Context, cfg Config, store Store, logger *slog.Logger) (*Authority, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &Authority{cfg: cfg, store: store, log: logger}
	a.smsKey = cfg.SecretKey
	if len(a.smsKey) == 0 {
		a.smsKey = make([]byte, 32)
		_, _ = rand.Read(a.smsKey)
	}
	sessions, err := newSessionStore(store, logger, a.smsKey)
	if err != nil {
		return nil, err
	}
	a.sessions = sessions
	h, err := HashPassword(uuid.NewString(), cfg.Password)
	if err != nil {
		return nil, err
	}
	a.dummyHash = h
	if err := a.loadKeys(ctx); err != nil {
		return nil, err
	}
	if err := a.registerDefaultClients(ctx); err != nil {
		return nil, err
	}
	signing, _ := a.keys.Signing()
	a.fed = &federation.SP{ACSURL: cfg.BaseURL + "/login.srf", Key: signing.Private, Cert: signing.Cert,
		HTTPClient: cfg.FederationHTTPClient, Replay: store}
	a.validator = &validate.Validator{
		Keys:      a.keys,
		IssuerFor: a.IssuerV1,
		Audiences: cfg.Resources,
		Users:     userStates{a.store},
		Now:       cfg.Now,
	}
	return a, nil
}

// Validator returns the access-token validator for resource servers (the
// remoting endpoint). It shares this authority's live key set.
func (a *Authority) Validator() *validate.Validator { return a.validator }

// Issuer is the iss of the access tokens the remoting endpoint receives
// for tenant id tid (the v1 issuer).
func (a *Authority) Issuer(tid string) string { return a.IssuerV1(tid) }

// IssuerV1 is the iss of v1 access tokens for tenant id tid:
// "{BaseURL}/{tid}/".
func (a *Authority) IssuerV1(tid string) string { return a.cfg.BaseURL + "/" + tid + "/" }

// IssuerV2 is the iss of id tokens and v2.0 metadata: "{BaseURL}/{tid}/v2.0".
func (a *Authority) IssuerV2(tid string) string { return a.cfg.BaseURL + "/" + tid + "/v2.0" }

// Keys returns the live key set (for JWKS consumers in process).
func (a *Authority) Keys() *tokens.KeySet { return a.keys }

type userStates struct{ s Store }

func (u userStates) UserState(ctx context.Context, tid, oid string) (validate.UserState, bool, error) {
	usr, err := u.s.GetUser(ctx, oid)
	if errors.Is(err, storage.ErrNotFound) {
		return validate.UserState{}, false, nil
	}
	if err != nil {
		return validate.UserState{}, false, err
	}
	if !strings.EqualFold(usr.TenantID, tid) {
		return validate.UserState{}, false, nil
	}
	return validate.UserState{Disabled: !usr.Enabled, TokensValidAfter: usr.TokensValidAfter}, true, nil
}

// loadKeys reads signing keys from the store; the newest unretired one
// signs, retired ones are published until their NotAfter.
func (a *Authority) loadKeys(ctx context.Context) error {
	stored, err := a.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("authority: list signing keys: %w", err)
	}
	now := a.cfg.Now()
	var signing *tokens.Key
	var old []*tokens.Key
	for _, sk := range stored {
		k, err := decodeStoredKey(sk.PrivateKeyPEM)
		if err != nil {
			a.log.Warn("skipping unreadable signing key", "kid", sk.KID, "err", err)
			continue
		}
		switch {
		case signing == nil && sk.RetiredAt.IsZero() && now.Before(sk.NotAfter):
			signing = k
		case now.Before(sk.NotAfter):
			k.RetireAt = sk.NotAfter
			old = append(old, k)
		}
	}
	if signing == nil {
		k, err := a.newStoredKey(ctx, now)
		if err != nil {
			return err
		}
		signing = k
	}
	a.keys = tokens.NewKeySet(signing, old...)
	return nil
}

func (a *Authority) newStoredKey(ctx context.Context, now time.Time) (*tokens.Key, error) {
	k, err := tokens.GenerateKey(now, a.cfg.KeyLifetime+a.cfg.RefreshTokenLifetime, 0)
	if err != nil {
		return nil, err
	}
	blob := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: k.PrivateDER()})
	blob = append(blob, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Cert.Raw})...)
	err = a.store.AddSigningKey(ctx, storage.SigningKey{
		KID: k.ID, Algorithm: "RS256", PrivateKeyPEM: blob, CreatedAt: now,
		NotAfter: now.Add(a.cfg.KeyLifetime + a.cfg.AccessTokenLifetime),
	})
	if err != nil {
		return nil, fmt.Errorf("authority: store signing key: %w", err)
	}
	return k, nil
}

// decodeStoredKey reads the PEM blob written by newStoredKey: an RSA
// private key block followed by its certificate.
func decodeStoredKey(blob []byte) (*tokens.Key, error) {
	var priv, cert []byte
	for {
		var b *pem.Block
		b, blob = pem.Decode(blob)
		if b == nil {
			break
		}
		switch b.Type {
		case "RSA PRIVATE KEY", "PRIVATE KEY":
			priv = b.Bytes
		case "CERTIFICATE":
			cert = b.Bytes
		}
	}
	if priv == nil || cert == nil {
		return nil, errors.New("authority: stored key lacks private key or certificate")
	}
	return tokens.ParseKey(priv, cert)
}

// RotateKeys makes a new signing key. The previous key is retired but stays
// published until the tokens it signed have expired.
func (a *Authority) RotateKeys(ctx context.Context) error {
	now := a.cfg.Now()
	prev, err := a.keys.Signing()
	if err != nil {
		return err
	}
	next, err := a.newStoredKey(ctx, now)
	if err != nil {
		return err
	}
	if err := a.store.RetireSigningKey(ctx, prev.ID, now); err != nil {
		return fmt.Errorf("authority: retire key: %w", err)
	}
	a.keys.Rotate(next, now.Add(a.cfg.AccessTokenLifetime+a.cfg.IDTokenLifetime))
	return nil
}

func (a *Authority) registerDefaultClients(ctx context.Context) error {
	defaults := []storage.Application{
		{ClientID: ClientEXOModule, DisplayName: "Microsoft Exchange REST API Based PowerShell", Public: true,
			RedirectURIs: []string{"http://localhost", "https://login.microsoftonline.com/common/oauth2/nativeclient"}},
		{ClientID: ClientEXORemotePowerShell, DisplayName: "Microsoft Exchange Online Remote PowerShell", Public: true,
			RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob", "http://localhost"}},
	}
	for _, app := range defaults {
		app.CreatedAt = a.cfg.Now()
		err := a.store.CreateApplication(ctx, app)
		if err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
			return fmt.Errorf("authority: register %s: %w", app.ClientID, err)
		}
	}
	return nil
}

// Handler returns the authority's HTTP handler (all routes).
func (a *Authority) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Mount(mux)
	return securityHeaders(mux)
}

// Mount registers the authority's routes on mux. Paths are Entra's:
// /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/token, ...
func (a *Authority) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", a.handleDiscoveryV2)
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", a.handleDiscoveryV1)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", a.handleKeys)
	mux.HandleFunc("GET /{tenant}/discovery/keys", a.handleKeys)
	mux.HandleFunc("GET /common/discovery/instance", a.handleInstance)
	mux.HandleFunc("GET /common/UserRealm/{upn}", a.handleUserRealm)
	mux.HandleFunc("GET /common/userrealm/{upn}", a.handleUserRealm)

	for _, v := range []string{"/oauth2/v2.0/", "/oauth2/"} {
		mux.HandleFunc("GET /{tenant}"+v+"authorize", a.handleAuthorize)
		mux.HandleFunc("POST /{tenant}"+v+"authorize", a.handleAuthorize)
		mux.HandleFunc("POST /{tenant}"+v+"token", a.handleToken)
		mux.HandleFunc("POST /{tenant}"+v+"devicecode", a.handleDeviceCode)
		mux.HandleFunc("GET /{tenant}"+v+"logout", a.handleLogout)
	}
	mux.HandleFunc("GET /devicelogin", a.handleDeviceLogin)
	mux.HandleFunc("POST /devicelogin", a.handleDeviceLogin)
	mux.HandleFunc("POST /login/{step}", a.handleLoginStep)
	mux.HandleFunc("GET /login", a.handleLoginPage)
	mux.HandleFunc("POST /login.srf", a.handleSAMLResponse)
	mux.HandleFunc("GET /federationmetadata/saml20/federationmetadata.xml", a.handleSPMetadata)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}
