package authority

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/ipps/ipps/internal/authority/mfa"
)

// cookieName is the sign-in transaction cookie.
const cookieName = "ipps_signin"

// maxSessions bounds the in-memory sign-in transactions.
const maxSessions = 100_000

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
	ID      string
	CSRF    string
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

// sessionStore keeps sign-in transactions in memory. It is safe for
// concurrent use. Values handed out are copies; writes go through put.
type sessionStore struct {
	mu sync.Mutex
	m  map[string]signIn // guarded by mu
}

func newSessionStore() *sessionStore { return &sessionStore{m: map[string]signIn{}} }

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create stores s under a fresh ID and CSRF token.
func (st *sessionStore) create(s signIn, now time.Time) signIn {
	s.ID, s.CSRF = randomToken(), randomToken()
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.m) >= maxSessions {
		for id, v := range st.m {
			if now.After(v.Expires) {
				delete(st.m, id)
			}
		}
	}
	if len(st.m) < maxSessions {
		st.m[s.ID] = s
	}
	return s
}

// get returns the transaction for id if it exists and has not expired.
func (st *sessionStore) get(id string, now time.Time) (signIn, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.m[id]
	if ok && now.After(s.Expires) {
		delete(st.m, id)
		return signIn{}, false
	}
	return s, ok
}

// rotate replaces the transaction old.ID by s under a new ID and CSRF
// token. It fails if old.ID is gone (used concurrently or expired), which
// makes every factor step single use.
func (st *sessionStore) rotate(oldID string, s signIn) (signIn, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.m[oldID]; !ok {
		return signIn{}, false
	}
	delete(st.m, oldID)
	s.ID, s.CSRF = randomToken(), randomToken()
	st.m[s.ID] = s
	return s, true
}

// update overwrites the transaction in place (same ID and CSRF).
func (st *sessionStore) update(s signIn) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.m[s.ID]; !ok {
		return false
	}
	st.m[s.ID] = s
	return true
}

// findRelay returns the federated transaction waiting for relay. The IdP's
// POST is cross-site, so the SameSite=Lax cookie is not sent with it; the
// random RelayState names the transaction instead.
func (st *sessionStore) findRelay(relay string, now time.Time) (signIn, bool) {
	if relay == "" {
		return signIn{}, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, s := range st.m {
		if s.FedRelay != "" && subtle.ConstantTimeCompare([]byte(s.FedRelay), []byte(relay)) == 1 {
			if now.After(s.Expires) || s.Step != stepFederated {
				return signIn{}, false
			}
			return s, true
		}
	}
	return signIn{}, false
}

func (st *sessionStore) delete(id string) {
	st.mu.Lock()
	delete(st.m, id)
	st.mu.Unlock()
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
	return a.sessions.get(c.Value, a.cfg.Now())
}

func csrfOK(s signIn, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(got)) == 1
}
