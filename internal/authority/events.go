package authority

// Events receives sign-in outcomes for instrumentation (ippsd counts them
// in Prometheus). Methods must not block; a nil Events in Config is
// replaced by one that drops everything.
type Events interface {
	// SignIn reports one sign-in attempt's result: "success",
	// "bad_password", "locked", "disabled", "mfa_required", "mfa_failed".
	SignIn(result string)
	// Lockout reports that an account (or a second factor) was locked.
	Lockout()
}

type noEvents struct{}

func (noEvents) SignIn(string) {}
func (noEvents) Lockout()      {}

// pwEvent names a password-check result for Events.
func pwEvent(r pwResult) string {
	switch r {
	case pwOK:
		return "success"
	case pwLocked:
		return "locked"
	case pwDisabled:
		return "disabled"
	default:
		return "bad_password"
	}
}
