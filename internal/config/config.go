// Package config is ippsd's configuration: defaults, then a JSON file, then
// IPPSD_* environment variables, then command-line flags, each overriding the
// one before. Validate reports every problem at once.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes as "90s", "1h".
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON accepts a Go duration string such as "15m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("config: duration must be a string like \"15m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	*d = Duration(v)
	return nil
}

// Config is everything `ippsd serve` needs. Field `env` tags name the
// environment variable that overrides the field.
type Config struct {
	// Listen is the HTTPS listen address.
	Listen string `json:"listen" env:"IPPSD_LISTEN"`
	// HTTPListen is an optional plain-HTTP listen address; it must be a
	// loopback address (WS-Man Basic over HTTP is only safe locally).
	HTTPListen string `json:"http_listen" env:"IPPSD_HTTP_LISTEN"`
	TLSCert    string `json:"tls_cert" env:"IPPSD_TLS_CERT"`
	TLSKey     string `json:"tls_key" env:"IPPSD_TLS_KEY"`
	// DSN selects storage: a SQLite file path (or sqlite:///path) or a
	// postgres:// URL.
	DSN string `json:"dsn" env:"IPPSD_DSN"`
	// IssuerURL is the public base URL of this authority, e.g.
	// https://login.contoso.test; token issuers and endpoints derive from it.
	IssuerURL string `json:"issuer_url" env:"IPPSD_ISSUER_URL"`
	// AdvertiseURL is how other replicas reach this one for shell
	// forwarding; defaults to IssuerURL.
	AdvertiseURL string `json:"advertise_url" env:"IPPSD_ADVERTISE_URL"`
	ReplicaID    string `json:"replica_id" env:"IPPSD_REPLICA_ID"`
	// ReplicaCAFile is a PEM bundle trusted when forwarding requests to
	// other replicas' AdvertiseURL; empty means the system roots.
	ReplicaCAFile string `json:"replica_ca_file" env:"IPPSD_REPLICA_CA_FILE"`

	AccessTokenLifetime  Duration `json:"access_token_lifetime" env:"IPPSD_ACCESS_TOKEN_LIFETIME"`
	RefreshTokenLifetime Duration `json:"refresh_token_lifetime" env:"IPPSD_REFRESH_TOKEN_LIFETIME"`
	// UserStateCacheTTL is how long a replica reuses a user's state
	// (disabled, tokens revoked) read while validating the bearer token of
	// a remote PowerShell request. Disabling a user or resetting their
	// password takes effect on every replica within it; "0s" reads the
	// database on every request.
	UserStateCacheTTL Duration `json:"user_state_cache_ttl" env:"IPPSD_USER_STATE_CACHE_TTL"`

	// MFASender is "dev" (outbox printed to the log), "webhook" or "smtp".
	MFASender  string `json:"mfa_sender" env:"IPPSD_MFA_SENDER"`
	WebhookURL string `json:"webhook_url" env:"IPPSD_WEBHOOK_URL"`
	SMTPAddr   string `json:"smtp_addr" env:"IPPSD_SMTP_ADDR"`
	SMTPFrom   string `json:"smtp_from" env:"IPPSD_SMTP_FROM"`
	// SMTPDomain is the email-to-SMS gateway domain: codes for +1 555 0100
	// go to 15550100@SMTPDomain.
	SMTPDomain string `json:"smtp_domain" env:"IPPSD_SMTP_DOMAIN"`

	MaxShellsPerUser   int      `json:"max_shells_per_user" env:"IPPSD_MAX_SHELLS_PER_USER"`
	ShellIdleTimeout   Duration `json:"shell_idle_timeout" env:"IPPSD_SHELL_IDLE_TIMEOUT"`
	MaxEnvelopeSize    int      `json:"max_envelope_size" env:"IPPSD_MAX_ENVELOPE_SIZE"`
	BindShellToAddress bool     `json:"bind_shell_to_address" env:"IPPSD_BIND_SHELL_TO_ADDRESS"`
	// DistributionInterval is how often policy distribution runs (policies
	// move from Pending to Success, removed ones are deleted).
	DistributionInterval Duration `json:"distribution_interval" env:"IPPSD_DISTRIBUTION_INTERVAL"`

	// LogFormat is "json" (default) or "text"; LogLevel debug|info|warn|error.
	// SecretKey (hex, at least 32 digits) keys the HMACs of audit
	// redaction and text-message codes. Replicas must share it; empty
	// means a random key per process.
	SecretKey string `json:"secret_key" env:"IPPSD_SECRET_KEY"`

	// GCPercent is the Go garbage collector's GOGC for the ippsd process
	// (ignored when the GOGC variable is set). ippsd's live heap is small
	// (kilobytes per shell) while each cmdlet allocates a few hundred
	// kilobytes, so at the runtime's default of 100 it collects dozens of
	// times a second, and under load GC assists stalled cmdlets for
	// seconds. 400 trades a few tens of megabytes for that.
	GCPercent int `json:"gc_percent" env:"IPPSD_GC_PERCENT"`

	// DebugPprof serves net/http/pprof at /debug/pprof/ (for profiling a
	// test or staging server; off by default).
	DebugPprof bool `json:"debug_pprof" env:"IPPSD_DEBUG_PPROF"`

	LogFormat string `json:"log_format" env:"IPPSD_LOG_FORMAT"`
	LogLevel  string `json:"log_level" env:"IPPSD_LOG_LEVEL"`
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Listen:               ":8443",
		DSN:                  "ippsd.db",
		IssuerURL:            "https://localhost:8443",
		AccessTokenLifetime:  Duration(time.Hour),
		RefreshTokenLifetime: Duration(90 * 24 * time.Hour),
		UserStateCacheTTL:    Duration(time.Second),
		MFASender:            "dev",
		MaxShellsPerUser:     5,
		ShellIdleTimeout:     Duration(15 * time.Minute),
		MaxEnvelopeSize:      512000,
		DistributionInterval: Duration(30 * time.Second),
		GCPercent:            400,
		LogFormat:            "json",
		LogLevel:             "info",
	}
}

// LoadFile overlays the JSON file at path onto c. Unknown keys are errors,
// so a typo never silently falls back to a default.
func (c *Config) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	return nil
}

// LoadEnv overlays the IPPSD_* variables found by lookup (os.LookupEnv in
// production) onto c.
func (c *Config) LoadEnv(lookup func(string) (string, bool)) error {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	var errs []error
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("env")
		raw, ok := lookup(name)
		if name == "" || !ok {
			continue
		}
		f := v.Field(i)
		switch {
		case f.Type() == reflect.TypeOf(Duration(0)):
			d, err := time.ParseDuration(raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("config: %s: %w", name, err))
				continue
			}
			f.SetInt(int64(d))
		case f.Kind() == reflect.String:
			f.SetString(raw)
		case f.Kind() == reflect.Int:
			n, err := strconv.Atoi(raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("config: %s: %q is not an integer", name, raw))
				continue
			}
			f.SetInt(int64(n))
		case f.Kind() == reflect.Bool:
			b, err := strconv.ParseBool(raw)
			if err != nil {
				errs = append(errs, fmt.Errorf("config: %s: %q is not a boolean", name, raw))
				continue
			}
			f.SetBool(b)
		}
	}
	return errors.Join(errs...)
}

// Validate checks the whole configuration and returns every problem found.
func (c *Config) Validate() error {
	var errs []error
	if c.Listen == "" && c.HTTPListen == "" {
		errs = append(errs, errors.New("config: set listen or http_listen"))
	}
	if c.Listen != "" && (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("config: tls_cert and tls_key must be set together"))
	}
	if c.HTTPListen != "" && !isLoopback(c.HTTPListen) {
		errs = append(errs, fmt.Errorf("config: http_listen %q must be a loopback address (use HTTPS elsewhere)", c.HTTPListen))
	}
	if u, err := url.Parse(c.IssuerURL); err != nil || u.Scheme == "" || u.Host == "" {
		errs = append(errs, fmt.Errorf("config: issuer_url %q must be an absolute URL", c.IssuerURL))
	}
	if c.DSN == "" {
		errs = append(errs, errors.New("config: dsn is required"))
	}
	switch c.MFASender {
	case "dev":
	case "webhook":
		if c.WebhookURL == "" {
			errs = append(errs, errors.New("config: mfa_sender webhook needs webhook_url"))
		}
	case "smtp":
		if c.SMTPAddr == "" || c.SMTPFrom == "" || c.SMTPDomain == "" {
			errs = append(errs, errors.New("config: mfa_sender smtp needs smtp_addr, smtp_from and smtp_domain"))
		}
	default:
		errs = append(errs, fmt.Errorf("config: mfa_sender %q is not one of dev, webhook, smtp", c.MFASender))
	}
	if c.MaxShellsPerUser < 1 {
		errs = append(errs, errors.New("config: max_shells_per_user must be at least 1"))
	}
	if c.MaxEnvelopeSize < 8192 {
		errs = append(errs, errors.New("config: max_envelope_size must be at least 8192"))
	}
	if c.AccessTokenLifetime < Duration(5*time.Minute) {
		errs = append(errs, errors.New("config: access_token_lifetime must be at least 5m"))
	}
	if c.GCPercent < 0 && c.GCPercent != -1 {
		errs = append(errs, errors.New("config: gc_percent must be positive, or -1 to turn the collector off"))
	}
	if c.UserStateCacheTTL < 0 {
		errs = append(errs, errors.New("config: user_state_cache_ttl must not be negative"))
	}
	switch strings.ToLower(c.LogFormat) {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("config: log_format %q is not json or text", c.LogFormat))
	}
	return errors.Join(errs...)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
