package sql

import (
	"context"
	"fmt"
)

// migration is one schema step. Steps are applied in order, each in its
// own transaction, and recorded in schema_migrations; never edit a step
// that has shipped, append a new one.
type migration struct {
	stmts []string
	// sqlite, when non-nil, replaces stmts on SQLite, for SQL the
	// flavor cannot translate (triggers). A step only one backend needs
	// leaves the other's list empty, which keeps versions aligned.
	sqlite []string
}

// statements returns m's statements for fl (untranslated).
func (m migration) statements(fl *flavor) []string {
	if fl == sqliteFlavor && m.sqlite != nil {
		return m.sqlite
	}
	return m.stmts
}

// migrations is the ordered schema history (PostgreSQL dialect).
var migrations = []migration{
	{stmts: []string{
		`CREATE TABLE tenants (
			id text PRIMARY KEY,
			name text NOT NULL,
			name_lower text NOT NULL UNIQUE,
			display_name text NOT NULL,
			created_at bigint
		)`,
		`CREATE TABLE domains (
			name text PRIMARY KEY,
			tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
			kind text NOT NULL,
			metadata_url text NOT NULL,
			metadata_xml text NOT NULL,
			idp_entity_id text NOT NULL,
			honour_idp_mfa boolean NOT NULL,
			match_immutable_id boolean NOT NULL,
			created_at bigint
		)`,
		`CREATE INDEX domains_tenant ON domains (tenant_id)`,
		`CREATE TABLE users (
			id text PRIMARY KEY,
			tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
			upn text NOT NULL,
			upn_lower text NOT NULL UNIQUE,
			display_name text NOT NULL,
			enabled boolean NOT NULL,
			password_hash text NOT NULL,
			password_changed_at bigint,
			mfa_state text NOT NULL,
			totp_secret text NOT NULL,
			totp_last_step bigint NOT NULL,
			phone_number text NOT NULL,
			recovery_code_hashes text NOT NULL,
			remote_powershell_enabled boolean NOT NULL,
			exo_module_enabled boolean NOT NULL,
			immutable_id text,
			tokens_valid_after bigint,
			created_at bigint,
			updated_at bigint,
			UNIQUE (tenant_id, immutable_id)
		)`,
		`CREATE INDEX users_tenant ON users (tenant_id, upn_lower)`,
		`CREATE TABLE applications (
			client_id text PRIMARY KEY,
			tenant_id text REFERENCES tenants(id) ON DELETE CASCADE,
			display_name text NOT NULL,
			redirect_uris text NOT NULL,
			public boolean NOT NULL,
			secret_hashes text NOT NULL,
			certificates text NOT NULL,
			roles text NOT NULL,
			created_at bigint
		)`,
		`CREATE INDEX applications_tenant ON applications (tenant_id)`,

		`CREATE TABLE signing_keys (
			kid text PRIMARY KEY,
			algorithm text NOT NULL,
			private_key_pem bytea NOT NULL,
			created_at bigint,
			not_after bigint,
			retired_at bigint
		)`,
		`CREATE TABLE refresh_tokens (
			id text PRIMARY KEY,
			family_id text NOT NULL,
			user_id text NOT NULL,
			client_id text NOT NULL,
			tenant_id text NOT NULL,
			scopes text NOT NULL,
			resource text NOT NULL,
			amr text NOT NULL,
			issued_at bigint,
			expires_at bigint NOT NULL,
			revoked_at bigint,
			used_at bigint,
			replaced_by text NOT NULL
		)`,
		`CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)`,
		`CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)`,
		`CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at)`,
		`CREATE TABLE auth_codes (
			id text PRIMARY KEY,
			client_id text NOT NULL,
			redirect_uri text NOT NULL,
			code_challenge text NOT NULL,
			code_challenge_method text NOT NULL,
			user_id text NOT NULL,
			tenant_id text NOT NULL,
			scopes text NOT NULL,
			resource text NOT NULL,
			nonce text NOT NULL,
			amr text NOT NULL,
			family_id text NOT NULL,
			expires_at bigint NOT NULL,
			redeemed_at bigint
		)`,
		`CREATE TABLE device_codes (
			id text PRIMARY KEY,
			user_code text NOT NULL UNIQUE,
			client_id text NOT NULL,
			tenant_id text NOT NULL,
			scopes text NOT NULL,
			resource text NOT NULL,
			status text NOT NULL,
			user_id text NOT NULL,
			amr text NOT NULL,
			expires_at bigint NOT NULL,
			last_poll_at bigint,
			created_at bigint
		)`,
		`CREATE TABLE lockouts (
			key text PRIMARY KEY,
			failures integer NOT NULL,
			last_failure bigint NOT NULL,
			locked_until bigint
		)`,
		`CREATE TABLE sms_codes (
			user_id text PRIMARY KEY,
			code_hash text NOT NULL,
			expires_at bigint NOT NULL,
			attempts integer NOT NULL,
			sent_at bigint
		)`,
		`CREATE TABLE jtis (
			jti text PRIMARY KEY,
			expires_at bigint NOT NULL
		)`,

		`CREATE TABLE roles (
			tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
			name text NOT NULL,
			name_lower text NOT NULL,
			description text NOT NULL,
			entries text NOT NULL,
			created_at bigint,
			PRIMARY KEY (tenant_id, name_lower)
		)`,
		`CREATE TABLE role_groups (
			id text PRIMARY KEY,
			tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
			name text NOT NULL,
			name_lower text NOT NULL,
			display_name text NOT NULL,
			description text NOT NULL,
			roles text NOT NULL,
			created_at bigint,
			modified_at bigint,
			UNIQUE (tenant_id, name_lower)
		)`,
		`CREATE TABLE role_group_members (
			group_id text NOT NULL REFERENCES role_groups(id) ON DELETE CASCADE,
			user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			PRIMARY KEY (group_id, user_id)
		)`,
		`CREATE INDEX role_group_members_user ON role_group_members (user_id)`,

		`CREATE TABLE objects (
			tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
			kind text NOT NULL,
			id text NOT NULL,
			name text NOT NULL,
			name_lower text NOT NULL,
			parent text NOT NULL,
			body bytea NOT NULL,
			version bigint NOT NULL,
			created_at bigint NOT NULL,
			modified_at bigint NOT NULL,
			PRIMARY KEY (tenant_id, kind, id)
		)`,
		`CREATE UNIQUE INDEX objects_name ON objects (kind, tenant_id, name_lower)`,
		`CREATE INDEX objects_parent ON objects (tenant_id, parent)`,
		`CREATE INDEX objects_modified ON objects (kind, modified_at)`,

		`CREATE TABLE audit (
			id text PRIMARY KEY,
			tenant_id text NOT NULL,
			time bigint NOT NULL,
			user_id text NOT NULL,
			upn text NOT NULL,
			upn_lower text NOT NULL,
			client_addr text NOT NULL,
			session_id text NOT NULL,
			cmdlet text NOT NULL,
			cmdlet_lower text NOT NULL,
			parameters bytea NOT NULL,
			object_ids text NOT NULL,
			succeeded boolean NOT NULL,
			error text NOT NULL
		)`,
		`CREATE INDEX audit_time ON audit (tenant_id, time, id)`,

		`CREATE TABLE replicas (
			id text PRIMARY KEY,
			address text NOT NULL,
			started_at bigint,
			heartbeat_at bigint
		)`,
		`CREATE TABLE leases (
			shell_id text PRIMARY KEY,
			user_id text NOT NULL,
			tenant_id text NOT NULL,
			replica_id text NOT NULL,
			client_addr text NOT NULL,
			created_at bigint NOT NULL,
			renewed_at bigint,
			expires_at bigint NOT NULL
		)`,
		`CREATE INDEX leases_user ON leases (user_id, expires_at)`,
		`CREATE INDEX leases_replica ON leases (replica_id)`,
	}},
	// 2: WS-MetadataExchange URL of a federated domain (MSAL's
	// username/password flow for federated users).
	{stmts: []string{
		`ALTER TABLE domains ADD COLUMN mex_url text NOT NULL DEFAULT ''`,
	}},
	// 3: interactive sign-in transactions shared by replicas.
	{stmts: []string{
		`CREATE TABLE signin_sessions (
			id text PRIMARY KEY,
			tenant_id text NOT NULL,
			client_id text NOT NULL,
			step text NOT NULL,
			user_id text NOT NULL,
			amr text NOT NULL,
			csrf_hash text NOT NULL,
			relay_hash text UNIQUE,
			params bytea NOT NULL,
			created_at bigint,
			expires_at bigint NOT NULL,
			version bigint NOT NULL
		)`,
		`CREATE INDEX signin_sessions_expiry ON signin_sessions (expires_at)`,
	}},
	// 4: object counts per (tenant, kind), kept by triggers, so that
	// CountObjects reads a row per kind instead of counting the
	// tenant's objects (see objectcount.go). The trigger is created
	// before the backfill: on PostgreSQL CREATE TRIGGER locks objects
	// against writes until this step commits, so no concurrent insert
	// is missed or counted twice.
	{stmts: objectCountsPostgres, sqlite: objectCountsSQLite},
}

// migrate applies pending migrations. It is safe to run concurrently from
// several processes: each step runs in a transaction holding a lock
// (advisory on PostgreSQL, the write lock on SQLite) and re-reads the
// applied version under that lock.
func (s *Store) migrate(ctx context.Context) error { return s.migrateTo(ctx, migrations) }

// migrateTo applies the pending steps of ms, a prefix of migrations
// (tests stop at an older schema to test the upgrade from it).
func (s *Store) migrateTo(ctx context.Context, ms []migration) error {
	for {
		done := false
		err := s.withTx(ctx, txLocking, func(tx *Store) error {
			if err := tx.lockKey(ctx, "ipps.schema_migrations"); err != nil {
				return err
			}
			// Created under the lock: concurrent CREATE TABLE IF NOT
			// EXISTS races on PostgreSQL's catalog otherwise.
			if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version integer PRIMARY KEY,
				applied_at bigint NOT NULL
			)`); err != nil {
				return err
			}
			var n int
			if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&n); err != nil {
				return err
			}
			if n >= len(ms) {
				done = true
				return nil
			}
			for _, stmt := range ms[n].statements(tx.fl) {
				if _, err := tx.exec(ctx, stmt); err != nil {
					return fmt.Errorf("migration %d: %w", n+1, err)
				}
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, n+1, nanos(tx.now()))
			if err == nil {
				tx.logger.InfoContext(ctx, "storage: applied migration", "version", n+1, "flavor", tx.fl.name)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("storage: migrate: %w", err)
		}
		if done {
			return nil
		}
	}
}
