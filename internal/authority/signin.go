package authority

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/storage"
)

// User-facing messages. Details are logged, never shown.
const (
	msgExpired   = "Your sign-in session has expired or the request was not valid. Go back to the application and try again."
	msgBadPw     = "Your account or password is incorrect. If you don't remember your password, contact your administrator."
	msgLocked    = "Your account is temporarily locked to prevent unauthorized use. Try again later, and if you still have trouble, contact your admin."
	msgDisabled  = "Your account has been locked. Contact your support person to unlock it, then try again."
	msgBadCode   = "You didn't enter the expected verification code. Please try again."
	msgUsedCode  = "That code was already used. Wait for your authenticator app to show a new code."
	msgWaitSMS   = "We just sent you a code. Wait a moment before asking for another one."
	msgNoCode    = "Your code has expired or too many attempts were made. Request a new code."
	msgFederated = "Your organization signs you in with its own identity provider, which is not available here. Contact your administrator."
	msgError     = "Something went wrong. Try again later."
)

// handleLoginPage renders the page of the transaction's current step.
func (a *Authority) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	s, ok := a.sessionFromRequest(r)
	if !ok {
		a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	a.renderStep(w, r.Context(), http.StatusOK, s, "", "")
}

func (a *Authority) renderStep(w http.ResponseWriter, ctx context.Context, status int, s signIn, errMsg, info string) {
	p := page{Title: "Sign in", CSRF: s.CSRF, Error: errMsg, Info: info, AppName: s.AppName, UPN: s.UPN}
	switch s.Step {
	case stepDeviceCode:
		p.Title = "Enter code"
		p.AppName = ""
		a.render(w, status, tplDeviceCode, p)
	case stepUsername:
		if strings.HasPrefix(p.UPN, "@") {
			p.UPN = ""
		}
		a.render(w, status, tplUsername, p)
	case stepPassword:
		p.Title = "Enter password"
		a.render(w, status, tplPassword, p)
	case stepMFA:
		p.Title = "Verify your identity"
		u, err := a.store.GetUser(ctx, s.UserID)
		if err != nil {
			a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgError})
			return
		}
		p.HasTOTP = u.TOTPSecret != ""
		p.HasSMS = u.PhoneNumber != "" && a.cfg.SMS != nil
		p.Phone = maskPhone(u.PhoneNumber)
		p.SMSSent = s.SMSSent
		a.render(w, status, tplMFA, p)
	case stepEnrol:
		p.Title = "Set up your authenticator app"
		p.QR = templateURL(s.Enrolment.QRImage)
		p.Secret = s.Enrolment.Secret
		a.render(w, status, tplEnrol, p)
	case stepRecovery:
		p.Title = "Your recovery codes"
		p.Codes = s.RecoveryCodes
		a.render(w, status, tplRecovery, p)
	default:
		a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgExpired})
	}
}

func maskPhone(p string) string {
	if len(p) <= 2 {
		return p
	}
	return strings.Repeat("*", len(p)-2) + p[len(p)-2:]
}

// handleLoginStep processes one form post. Every post must carry the
// transaction cookie and its CSRF token, and be for the current step.
func (a *Authority) handleLoginStep(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	s, ok := a.sessionFromRequest(r)
	if !ok || !csrfOK(s, r.PostForm.Get("csrf")) {
		a.log.InfoContext(r.Context(), "sign-in post refused: session or csrf", "has_session", ok)
		a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	step := r.PathValue("step")
	want := s.Step
	if step == "sms" && s.Step == stepMFA {
		want = "sms"
	}
	if step != want {
		a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	ctx := r.Context()
	switch step {
	case stepUsername:
		a.postUsername(w, r, s)
	case stepPassword:
		a.postPassword(ctx, w, r, s)
	case stepMFA:
		a.postMFA(ctx, w, r, s)
	case "sms":
		a.postSendSMS(ctx, w, s)
	case stepEnrol:
		a.postEnrol(ctx, w, r, s)
	case stepRecovery:
		a.finish(ctx, w, r, s)
	}
}

// advance rotates the transaction (new cookie value and CSRF token) and
// sends the browser to the next step's page.
func (a *Authority) advance(w http.ResponseWriter, r *http.Request, old, next signIn) {
	ns, ok := a.sessions.rotate(r.Context(), old, next)
	if !ok {
		a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	setSessionCookie(w, ns)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (a *Authority) postUsername(w http.ResponseWriter, r *http.Request, s signIn) {
	upn := strings.TrimSpace(r.PostForm.Get("username"))
	if upn == "" || len(upn) > 256 || !strings.Contains(upn, "@") {
		a.renderStep(w, r.Context(), http.StatusOK, s, "Enter a valid email address.", "")
		return
	}
	// Home-realm discovery: a federated domain hands off to its IdP.
	if d, err := a.store.GetDomain(r.Context(), domainOf(upn)); err == nil && d.Kind == storage.DomainFederated {
		a.startFederation(w, r, s, upn, d)
		return
	}
	next := s
	next.UPN, next.Step = upn, stepPassword
	a.advance(w, r, s, next)
}

func (a *Authority) postPassword(ctx context.Context, w http.ResponseWriter, r *http.Request, s signIn) {
	u, res := a.checkPassword(ctx, s.UPN, r.PostForm.Get("password"), s.Tenant, clientIP(r))
	if res != pwOK {
		a.cfg.Events.SignIn(pwEvent(res))
	}
	switch res {
	case pwOK:
	case pwLocked:
		a.renderStep(w, ctx, http.StatusOK, s, msgLocked, "")
		return
	case pwDisabled:
		a.renderStep(w, ctx, http.StatusOK, s, msgDisabled, "")
		return
	case pwFederated:
		a.renderStep(w, ctx, http.StatusOK, s, msgFederated, "")
		return
	case pwError:
		a.renderStep(w, ctx, http.StatusInternalServerError, s, msgError, "")
		return
	default:
		a.renderStep(w, ctx, http.StatusOK, s, msgBadPw, "")
		return
	}
	next := s
	next.UserID, next.UPN, next.AMR = u.ID, u.UPN, []string{"pwd"}
	switch {
	case !mfaRequired(u):
		ns, ok := a.sessions.rotate(ctx, s, next)
		if !ok {
			a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgExpired})
			return
		}
		a.finish(ctx, w, r, ns)
		return
	case mfaEnrolled(u):
		next.Step = stepMFA
	default:
		if err := a.startEnrolment(&next); err != nil {
			a.log.ErrorContext(ctx, "mfa enrolment", "err", err)
			a.renderStep(w, ctx, http.StatusInternalServerError, s, msgError, "")
			return
		}
	}
	a.advance(w, r, s, next)
}

// startEnrolment moves s, whose first factor is verified, to the enrolment
// of an authenticator app with a fresh secret.
func (a *Authority) startEnrolment(s *signIn) error {
	e, err := mfa.NewEnrolment(a.host(), s.UPN)
	if err != nil {
		return err
	}
	s.Step, s.Enrolment = stepEnrol, &e
	return nil
}

// secondFactorLocked counts a failed second factor against the user's MFA
// lockout key and reports whether the user is now locked.
func (a *Authority) secondFactorFailed(ctx context.Context, userID string) bool {
	_, until, err := a.store.RecordFailure(ctx, "mfa:"+userID, a.cfg.Now(), a.cfg.Lockout)
	a.cfg.Events.SignIn("mfa_failed")
	locked := err != nil || a.cfg.Now().Before(until)
	if locked {
		a.cfg.Events.Lockout()
	}
	return locked
}

func (a *Authority) mfaLocked(ctx context.Context, userID string) bool {
	lk, err := a.store.GetLockout(ctx, "mfa:"+userID)
	return err != nil || a.cfg.Now().Before(lk.LockedUntil)
}

func (a *Authority) postMFA(ctx context.Context, w http.ResponseWriter, r *http.Request, s signIn) {
	if a.mfaLocked(ctx, s.UserID) {
		a.renderStep(w, ctx, http.StatusOK, s, msgLocked, "")
		return
	}
	u, err := a.store.GetUser(ctx, s.UserID)
	if err != nil {
		a.renderStep(w, ctx, http.StatusInternalServerError, s, msgError, "")
		return
	}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	now := a.cfg.Now()
	var amr string
	switch r.PostForm.Get("method") {
	case "totp":
		step, ok := mfa.MatchTOTP(u.TOTPSecret, code, now)
		if !ok || u.TOTPSecret == "" {
			a.secondFactorFailed(ctx, u.ID)
			a.renderStep(w, ctx, http.StatusOK, s, msgBadCode, "")
			return
		}
		if err := a.store.UseTOTPStep(ctx, u.ID, step); err != nil {
			a.log.InfoContext(ctx, "totp step refused", "user", u.ID, "err", err)
			a.secondFactorFailed(ctx, u.ID)
			a.renderStep(w, ctx, http.StatusOK, s, msgUsedCode, "")
			return
		}
		amr = "otp"
	case "sms":
		err := a.store.ConsumeSMSCode(ctx, u.ID, mfa.HashSMSCode(a.smsKey, u.ID, code), now, a.cfg.SMSMaxAttempts)
		switch {
		case err == nil:
		case errors.Is(err, storage.ErrCodeMismatch):
			a.secondFactorFailed(ctx, u.ID)
			a.renderStep(w, ctx, http.StatusOK, s, msgBadCode, "")
			return
		default:
			a.log.InfoContext(ctx, "sms code refused", "user", u.ID, "err", err)
			s.SMSSent = false
			a.sessions.update(ctx, s)
			a.renderStep(w, ctx, http.StatusOK, s, msgNoCode, "")
			return
		}
		amr = "sms"
	case "recovery":
		used := false
		_, err := a.store.UpdateUser(ctx, u.ID, func(old storage.User) (storage.User, error) {
			i := mfa.MatchRecoveryCode(old.ID, code, old.RecoveryCodeHashes)
			used = i >= 0
			if i < 0 {
				return old, errBadRecovery
			}
			old.RecoveryCodeHashes = append(append([]string(nil), old.RecoveryCodeHashes[:i]...), old.RecoveryCodeHashes[i+1:]...)
			return old, nil
		})
		if err != nil || !used {
			a.secondFactorFailed(ctx, u.ID)
			a.renderStep(w, ctx, http.StatusOK, s, msgBadCode, "")
			return
		}
		amr = "otp"
	default:
		a.renderStep(w, ctx, http.StatusBadRequest, s, msgBadCode, "")
		return
	}
	_ = a.store.ResetLockout(ctx, "mfa:"+u.ID)
	next := s
	next.AMR = append(append([]string(nil), s.AMR...), amr, "mfa")
	ns, ok := a.sessions.rotate(ctx, s, next)
	if !ok {
		a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	a.finish(ctx, w, r, ns)
}

var errBadRecovery = errors.New("authority: recovery code does not match")

// postSendSMS sends a fresh text-message code, at most once per
// SMSResendInterval.
func (a *Authority) postSendSMS(ctx context.Context, w http.ResponseWriter, s signIn) {
	u, err := a.store.GetUser(ctx, s.UserID)
	if err != nil || u.PhoneNumber == "" || a.cfg.SMS == nil {
		a.renderStep(w, ctx, http.StatusBadRequest, s, msgError, "")
		return
	}
	now := a.cfg.Now()
	if prev, err := a.store.GetSMSCode(ctx, u.ID); err == nil && now.Sub(prev.SentAt) < a.cfg.SMSResendInterval {
		a.renderStep(w, ctx, http.StatusTooManyRequests, s, msgWaitSMS, "")
		return
	}
	code := mfa.NewSMSCode()
	if err := a.store.PutSMSCode(ctx, storage.SMSCode{UserID: u.ID, CodeHash: mfa.HashSMSCode(a.smsKey, u.ID, code),
		ExpiresAt: now.Add(a.cfg.SMSCodeLifetime), SentAt: now}); err != nil {
		a.log.ErrorContext(ctx, "store sms code", "err", err)
		a.renderStep(w, ctx, http.StatusInternalServerError, s, msgError, "")
		return
	}
	if err := a.cfg.SMS.Send(ctx, mfa.Message{To: u.PhoneNumber, Body: "Use verification code " + code + " for " + a.host()}); err != nil {
		a.log.ErrorContext(ctx, "send sms", "err", err)
		a.renderStep(w, ctx, http.StatusBadGateway, s, msgError, "")
		return
	}
	s.SMSSent = true
	a.sessions.update(ctx, s)
	a.renderStep(w, ctx, http.StatusOK, s, "", "We texted a code to your phone.")
}

// postEnrol verifies the first code from a new authenticator, stores the
// secret and fresh recovery codes, and shows the codes once.
func (a *Authority) postEnrol(ctx context.Context, w http.ResponseWriter, r *http.Request, s signIn) {
	step, ok := mfa.MatchTOTP(s.Enrolment.Secret, strings.TrimSpace(r.PostForm.Get("code")), a.cfg.Now())
	if !ok {
		a.renderStep(w, ctx, http.StatusOK, s, msgBadCode, "")
		return
	}
	codes, hashes := mfa.NewRecoveryCodes(s.UserID)
	_, err := a.store.UpdateUser(ctx, s.UserID, func(u storage.User) (storage.User, error) {
		u.TOTPSecret, u.TOTPLastStep, u.RecoveryCodeHashes = s.Enrolment.Secret, 0, hashes
		if u.MFAState == storage.MFADisabled || u.MFAState == "" {
			u.MFAState = storage.MFAEnabled
		}
		return u, nil
	})
	if err == nil {
		err = a.store.UseTOTPStep(ctx, s.UserID, step)
	}
	if err != nil {
		a.log.ErrorContext(ctx, "store enrolment", "err", err)
		a.renderStep(w, ctx, http.StatusInternalServerError, s, msgError, "")
		return
	}
	next := s
	next.Enrolment, next.RecoveryCodes, next.Step = nil, codes, stepRecovery
	next.AMR = append(append([]string(nil), s.AMR...), "otp", "mfa")
	a.advance(w, r, s, next)
}

// finish completes the transaction: an authorization code for the client,
// or approval of the device code.
func (a *Authority) finish(ctx context.Context, w http.ResponseWriter, r *http.Request, s signIn) {
	a.sessions.delete(ctx, s)
	clearSessionCookie(w)
	u, err := a.store.GetUser(ctx, s.UserID)
	if err != nil || !u.Enabled {
		a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgDisabled})
		return
	}
	a.cfg.Events.SignIn("success")
	now := a.cfg.Now()
	if s.DeviceID != "" {
		_, err := a.store.UpdateDeviceCode(ctx, s.DeviceID, func(d storage.DeviceCode) (storage.DeviceCode, error) {
			if d.Status != storage.DevicePending || !now.Before(d.ExpiresAt) {
				return d, errDeviceNotPending
			}
			d.Status, d.UserID, d.AMR = storage.DeviceApproved, u.ID, s.AMR
			return d, nil
		})
		if err != nil {
			a.log.InfoContext(ctx, "device approval failed", "err", err)
			a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgExpired})
			return
		}
		a.render(w, http.StatusOK, tplMessage, page{Title: "You're signed in",
			Info: "You have signed in to " + s.AppName + " on your device. You may now close this window."})
		return
	}
	code, id := newOpaque("code")
	err = a.store.CreateAuthCode(ctx, storage.AuthCode{ID: id, ClientID: s.ClientID, RedirectURI: s.RedirectURI,
		CodeChallenge: s.CodeChallenge, CodeChallengeMethod: s.CodeChallengeMethod, UserID: u.ID, TenantID: u.TenantID,
		Scopes: s.Scopes, Resource: s.Resource, Nonce: s.Nonce, AMR: s.AMR, FamilyID: uuid.NewString(),
		ExpiresAt: now.Add(a.cfg.AuthCodeLifetime)})
	if err != nil {
		a.log.ErrorContext(ctx, "store auth code", "err", err)
		a.render(w, http.StatusInternalServerError, tplMessage, page{Title: "Sign in", Error: msgError})
		return
	}
	a.respondToClient(w, r, s, url.Values{"code": {code}, "state": {s.State}, "session_state": {uuid.NewString()}})
}

var errDeviceNotPending = errors.New("authority: device code is not pending")
