package authority

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/storage"
)

// cookieName is the sign-in transaction cookie.
const cookieName = "ipps_signin"

// Sign-in steps; see doc.go for the state machine.
const (
	stepDeviceCode = "devicecode"
	stepUsername   = "username"
	stepPassword   = "password"
	stepMFA        = "mfa"
	stepEnrol      = "enrol"
	stepRecovery   = "recovery"
	stepFederated  = "federated" // waiting for the IdP's SAML response
)

// signIn is one interactive sign-in transaction, bound to the browser by a
// cookie whose value is ID. ID and CSRF change after every factor.
type signIn struct {
	// ID is the cookie value and CSRF the form token; neither is stored
	// (see sessionStore). key is the storage id, csrfHash the stored hash.
	ID       string `json:"-"`
	CSRF     string `json:"-"`
	key      string
	csrfHash string

	Expires time.Time
	Step    string

	// The authorization request (Kind authorize) or device code (DeviceID).
	Tenant              tenantRef
	ClientID            string
	AppName             string
	RedirectURI         string
	State               string
	Nonce               string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	Scopes              []string
	Resource            string
	LoginHint           string
	DeviceID            string
	CodeAttempts        int

	// Progress. Enrolment (the pending TOTP secret) and RecoveryCodes
	// (shown once) are stored encrypted; see signInSecrets.
	UPN           string
	UserID        string
	AMR           []string
	Enrolment     *mfa.Enrolment `json:"-"`
	RecoveryCodes []string       `json:"-"`
	SMSSent       bool

	// Federation hand-off: RelayState sent to the IdP (stored encrypted,
	// and hashed for lookup), the AuthnRequest id expected in
	// InResponseTo, and the federated domain.
	FedRelay     string `json:"-"`
	FedRequestID string
	FedDomain    string
}

// signInSecrets are the fields of signIn that must not be readable from a
// stored row. They are sealed together into storedSignIn.Sealed.
type signInSecrets struct {
	Enrolment     *mfa.Enrolment `json:",omitempty"`
	RecoveryCodes []string       `json:",omitempty"`
	FedRelay      string         `json:",omitempty"`
}

// storedSignIn is the encoding of SignInSession.Params: the plain fields
// of signIn and the sealed secrets, present in every row (so a row whose
// blob was removed does not decode as one without secrets).
type storedSignIn struct {
	signIn
	Sealed []byte
}

// sessionStore keeps sign-in transactions in storage, so that any replica
// can continue a sign-in and it survives restarts. The cookie value is
// never stored: the row id is its SHA-256 (signIn.key), the CSRF token is
// derived from the cookie value and only its hash is stored, and the
// federation RelayState is stored hashed as well. The secrets of a
// transaction (signInSecrets) are encrypted with AES-256-GCM under a key
// derived from Config.SecretKey and bound to the row id.
type sessionStore struct {
	st   Store
	log  *slog.Logger
	aead cipher.AEAD
}

// sessionKeyInfo is the HKDF info that separates the sign-in session key
// from the other uses of Config.SecretKey.
const sessionKeyInfo = "ipps/authority sign-in session secrets v1"

// newSessionStore keys the store's encryption from secret. Every replica
// sharing st must be given the same secret to continue each other's
// transactions.
func newSessionStore(st Store, log *slog.Logger, secret []byte) (*sessionStore, error) {
	if len(secret) == 0 {
		return nil, errors.New("authority: empty sign-in session secret")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, sessionKeyInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sessionStore{st: st, log: log, aead: aead}, nil
}

var errSealed = errors.New("authority: sign-in session secrets do not decrypt")

// sealingAD binds a sealed blob to its row: copied into another row it
// does not open.
func sealingAD(key string) []byte { return []byte("ipps-signin|" + key) }

func (ss *sessionStore) seal(key string, sec signInSecrets) ([]byte, error) {
	plain, err := json.Marshal(sec)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, ss.aead.NonceSize(), ss.aead.NonceSize()+len(plain)+ss.aead.Overhead())
	_, _ = rand.Read(nonce)
	return ss.aead.Seal(nonce, nonce, plain, sealingAD(key)), nil
}

func (ss *sessionStore) open(key string, blob []byte) (signInSecrets, error) {
	n := ss.aead.NonceSize()
	if len(blob) < n+ss.aead.Overhead() {
		return signInSecrets{}, errSealed
	}
	plain, err := ss.aead.Open(nil, blob[:n], blob[n:], sealingAD(key))
	if err != nil {
		return signInSecrets{}, errSealed
	}
	var sec signInSecrets
	if err := json.Unmarshal(plain, &sec); err != nil {
		return signInSecrets{}, err
	}
	return sec, nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfFor derives the CSRF token of the transaction named by cookie: a
// cross-site page knows neither, and a stolen database row (which holds
// only hashes) yields neither.
func csrfFor(cookie string) string {
	sum := sha256.Sum256([]byte("ipps-csrf|" + cookie))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (ss *sessionStore) row(s signIn, now time.Time) (storage.SignInSession, error) {
	sealed, err := ss.seal(s.key, signInSecrets{Enrolment: s.Enrolment, RecoveryCodes: s.RecoveryCodes, FedRelay: s.FedRelay})
	if err != nil {
		return storage.SignInSession{}, err
	}
	params, err := json.Marshal(storedSignIn{signIn: s, Sealed: sealed})
	if err != nil {
		return storage.SignInSession{}, err
	}
	r := storage.SignInSession{ID: s.key, TenantID: s.Tenant.ID, ClientID: s.ClientID, Step: s.Step, UserID: s.UserID,
		AMR: s.AMR, CSRFHash: hashOpaque(s.CSRF), Params: params, CreatedAt: now, ExpiresAt: s.Expires}
	if s.FedRelay != "" {
		r.RelayHash = hashOpaque(s.FedRelay)
	}
	return r, nil
}

func (ss *sessionStore) fromRow(r storage.SignInSession) (signIn, error) {
	var stored storedSignIn
	if err := json.Unmarshal(r.Params, &stored); err != nil {
		return signIn{}, err
	}
	sec, err := ss.open(r.ID, stored.Sealed)
	if err != nil {
		return signIn{}, err
	}
	s := stored.signIn
	s.Enrolment, s.RecoveryCodes, s.FedRelay = sec.Enrolment, sec.RecoveryCodes, sec.FedRelay
	s.key, s.csrfHash = r.ID, r.CSRFHash
	s.Step, s.UserID, s.AMR, s.Expires = r.Step, r.UserID, r.AMR, r.ExpiresAt
	return s, nil
}

// create stores s under a fresh cookie value and CSRF token.
func (ss *sessionStore) create(ctx context.Context, s signIn, now time.Time) (signIn, bool) {
	s.ID = randomToken()
	s.key, s.CSRF = hashOpaque(s.ID), csrfFor(s.ID)
	r, err := ss.row(s, now)
	if err == nil {
		err = ss.st.CreateSignInSession(ctx, r)
	}
	if err != nil {
		ss.log.ErrorContext(ctx, "create sign-in session", "err", err)
		return signIn{}, false
	}
	return s, true
}

// get returns the transaction named by the cookie value if it exists and
// has not expired.
func (ss *sessionStore) get(ctx context.Context, cookie string, now time.Time) (signIn, bool) {
	r, err := ss.st.GetSignInSession(ctx, hashOpaque(cookie))
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			ss.log.ErrorContext(ctx, "get sign-in session", "err", err)
		}
		return signIn{}, false
	}
	if !now.Before(r.ExpiresAt) {
		return signIn{}, false
	}
	s, err := ss.fromRow(r)
	if err != nil {
		ss.log.ErrorContext(ctx, "decode sign-in session", "err", err)
		return signIn{}, false
	}
	s.ID, s.CSRF = cookie, csrfFor(cookie)
	if subtle.ConstantTimeCompare([]byte(hashOpaque(s.CSRF)), []byte(s.csrfHash)) != 1 {
		return signIn{}, false
	}
	return s, true
}

// rotate replaces the transaction old by s under a new cookie value and
// CSRF token. It fails if old is gone (used concurrently, on any replica,
// or expired): deleting it is the single-use check of every factor step.
func (ss *sessionStore) rotate(ctx context.Context, old signIn, s signIn) (signIn, bool) {
	if err := ss.st.DeleteSignInSession(ctx, old.key); err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			ss.log.ErrorContext(ctx, "delete sign-in session", "err", err)
		}
		return signIn{}, false
	}
	return ss.create(ctx, s, time.Now())
}

// update overwrites the transaction in place (same cookie and CSRF).
func (ss *sessionStore) update(ctx context.Context, s signIn) bool {
	next, err := ss.row(s, time.Time{})
	if err != nil {
		return false
	}
	_, err = ss.st.UpdateSignInSession(ctx, s.key, func(old storage.SignInSession) (storage.SignInSession, error) {
		next.CSRFHash = old.CSRFHash
		return next, nil
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		ss.log.ErrorContext(ctx, "update sign-in session", "err", err)
	}
	return err == nil
}

// findRelay returns the federated transaction waiting for relay. The IdP's
// POST is cross-site, so the SameSite=Lax cookie is not sent with it; the
// random RelayState names the transaction instead. The returned value has
// no cookie value (ID); continue it with rotate.
func (ss *sessionStore) findRelay(ctx context.Context, relay string, now time.Time) (signIn, bool) {
	if relay == "" {
		return signIn{}, false
	}
	r, err := ss.st.GetSignInSessionByRelay(ctx, hashOpaque(relay))
	if err != nil || !now.Before(r.ExpiresAt) || r.Step != stepFederated {
		return signIn{}, false
	}
	s, err := ss.fromRow(r)
	if err != nil {
		ss.log.ErrorContext(ctx, "decode sign-in session", "err", err)
		return signIn{}, false
	}
	if subtle.ConstantTimeCompare([]byte(s.FedRelay), []byte(relay)) != 1 {
		return signIn{}, false
	}
	return s, true
}

func (ss *sessionStore) delete(ctx context.Context, s signIn) {
	if err := ss.st.DeleteSignInSession(ctx, s.key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		ss.log.ErrorContext(ctx, "delete sign-in session", "err", err)
	}
}

func setSessionCookie(w http.ResponseWriter, s signIn) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.ID, Path: "/", Expires: s.Expires,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// sessionFromRequest returns the transaction named by the cookie.
func (a *Authority) sessionFromRequest(r *http.Request) (signIn, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return signIn{}, false
	}
	return a.sessions.get(r.Context(), c.Value, a.cfg.Now())
}

func csrfOK(s signIn, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(got)) == 1
}
