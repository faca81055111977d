package authority

import (
	"context"
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

	// Progress.
	UPN           string
	UserID        string
	AMR           []string
	Enrolment     *mfa.Enrolment
	RecoveryCodes []string
	SMSSent       bool

	// Federation hand-off: RelayState sent to the IdP, the AuthnRequest id
	// expected in InResponseTo, and the federated domain.
	FedRelay     string
	FedRequestID string
	FedDomain    string
}

// sessionStore keeps sign-in transactions in storage, so that any replica
// can continue a sign-in and it survives restarts. The cookie value is
// never stored: the row id is its SHA-256 (signIn.key), the CSRF token is
// derived from the cookie value and only its hash is stored, and the
// federation RelayState is stored hashed as well.
type sessionStore struct {
	st  Store
	log *slog.Logger
}

func newSessionStore(st Store, log *slog.Logger) *sessionStore {
	return &sessionStore{st: st, log: log}
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
	params, err := json.Marshal(s)
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
	var s signIn
	if err := json.Unmarshal(r.Params, &s); err != nil {
		return signIn{}, err
	}
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
	if err != nil || subtle.ConstantTimeCompare([]byte(s.FedRelay), []byte(relay)) != 1 {
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
