package rbac

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/storage"
)

// all grants every parameter of a cmdlet.
var all = []string{"*"}

// verbs expands noun into "<verb>-<noun>" entries with every parameter.
func verbs(noun string, vs ...string) []storage.RoleEntry {
	out := make([]storage.RoleEntry, len(vs))
	for i, v := range vs {
		out[i] = storage.RoleEntry{Cmdlet: v + "-" + noun, Parameters: all}
	}
	return out
}

func join(lists ...[]storage.RoleEntry) []storage.RoleEntry {
	var out []storage.RoleEntry
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var (
	rw = []string{"Get", "New", "Set", "Remove"}
	ro = []string{"Get"}
)

// retentionTagEntries grants *-ComplianceTag without the parameters that
// make a label a record or file-plan label (IsRecordLabel, Regulatory,
// FilePlanProperty, EventType, ReviewerEmail, MultiStageReviewProperty):
// compliance-cmdlets.md §3.3 gives those to RecordManagement. This split is
// reconstructed; Microsoft publishes no SCC role-entry list.
func retentionTagEntries() []storage.RoleEntry {
	ps := []string{"Identity", "Name", "Comment", "Notes", "RetentionAction", "RetentionDuration", "RetentionType", "Force", "IncludingLabelState", "PriorityCleanup", "ForceDeletion", "Confirm", "WhatIf"}
	var out []storage.RoleEntry
	for _, v := range rw {
		out = append(out, storage.RoleEntry{Cmdlet: v + "-ComplianceTag", Parameters: ps})
	}
	return out
}

var retentionRW = join(verbs("RetentionCompliancePolicy", rw...), verbs("RetentionComplianceRule", rw...), verbs("AdaptiveScope", rw...))
var retentionRO = join(verbs("RetentionCompliancePolicy", ro...), verbs("RetentionComplianceRule", ro...), verbs("ComplianceTag", ro...), verbs("AdaptiveScope", ro...))

// sccRoles are the Security & Compliance management roles and their
// entries (compliance-cmdlets.md §3.3). Roles whose cmdlets ipps does not
// implement still exist so that role groups list them faithfully.
var sccRoles = map[string][]storage.RoleEntry{
	"Retention Management":                     join(retentionRW, retentionTagEntries()),
	"View-Only Retention Management":           retentionRO,
	"RecordManagement":                         verbs("ComplianceTag", rw...),
	"View-Only Record Management":              verbs("ComplianceTag", ro...),
	"Disposition Management":                   verbs("ComplianceTag", ro...),
	"Case Management":                          join(verbs("ComplianceCase", rw...), verbs("ComplianceCaseMember", "Add", "Get", "Remove", "Update")),
	"View-Only Case":                           join(verbs("ComplianceCase", ro...), verbs("ComplianceCaseMember", ro...)),
	"Compliance Search":                        join(verbs("ComplianceSearch", "Get", "New", "Set", "Remove", "Start", "Stop"), verbs("ComplianceSearchAction", "Get")),
	"Preview":                                  {{Cmdlet: "New-ComplianceSearchAction", Parameters: []string{"SearchName", "ActionName", "Preview", "Scenario", "Force", "Confirm"}}},
	"Export":                                   {{Cmdlet: "New-ComplianceSearchAction", Parameters: []string{"SearchName", "ActionName", "Export", "Format", "ExchangeArchiveFormat", "SharePointArchiveFormat", "NotifyEmail", "NotifyEmailCC", "Scope", "EnableDedupe", "Force", "Confirm"}}},
	"Search And Purge":                         {{Cmdlet: "New-ComplianceSearchAction", Parameters: []string{"SearchName", "ActionName", "Purge", "PurgeType", "Force", "Confirm"}}, {Cmdlet: "Get-ComplianceSearchAction", Parameters: []string{"Purge"}}},
	"Hold":                                     join(verbs("CaseHoldPolicy", rw...), verbs("CaseHoldRule", rw...)),
	"DLP Compliance Management":                join(verbs("DlpCompliancePolicy", rw...), verbs("DlpComplianceRule", rw...), verbs("DlpSensitiveInformationType", ro...)),
	"View-Only DLP Compliance Management":      join(verbs("DlpCompliancePolicy", ro...), verbs("DlpComplianceRule", ro...), verbs("DlpSensitiveInformationType", ro...)),
	"Sensitivity Label Administrator":          join(verbs("Label", rw...), verbs("LabelPolicy", rw...)),
	"Sensitivity Label Reader":                 join(verbs("Label", ro...), verbs("LabelPolicy", ro...)),
	"Organization Configuration":               join(retentionRW, verbs("ComplianceTag", rw...), verbs("Label", rw...), verbs("LabelPolicy", rw...), verbs("DlpCompliancePolicy", rw...)),
	"Compliance Administrator":                 join(retentionRW, verbs("ComplianceTag", rw...), verbs("DlpCompliancePolicy", rw...), verbs("DlpComplianceRule", rw...), verbs("AdminAuditLogConfig", ro...)),
	"Role Management":                          join(verbs("RoleGroup", "Get", "New", "Set", "Remove"), verbs("RoleGroupMember", "Get", "Add", "Remove", "Update"), verbs("ManagementRole", ro...)),
	"View-Only Recipients":                     join(verbs("User", ro...), verbs("Recipient", ro...), verbs("Group", ro...)),
	"Audit Logs":                               verbs("AdminAuditLogConfig", ro...),
	"View-Only Audit Logs":                     verbs("AdminAuditLogConfig", ro...),
	"Review":                                   nil,
	"RMS Decrypt":                              nil,
	"Custodian":                                nil,
	"Communication":                            nil,
	"Data Investigation Management":            nil,
	"Device Management":                        nil,
	"View-Only Device Management":              nil,
	"IB Compliance Management":                 nil,
	"View-Only IB Compliance Management":       nil,
	"Manage Alerts":                            nil,
	"View-Only Manage Alerts":                  nil,
	"Communication Compliance Admin":           nil,
	"Communication Compliance Case Management": nil,
	"Data Connector Admin":                     nil,
	"Insider Risk Management Admin":            nil,
	"Quarantine":                               nil,
	"Security Administrator":                   nil,
	"Security Reader":                          nil,
	"Service Assurance View":                   nil,
	"Tag Contributor":                          nil,
	"Tag Manager":                              nil,
	"Tag Reader":                               nil,
	"Data Classification Feedback Provider":    nil,
	"Data Classification Feedback Reviewer":    nil,
	"Data Classification Content Viewer":       nil,
	"Data Classification List Viewer":          nil,
	"Information Protection Admin":             nil,
	"Information Protection Analyst":           nil,
	"Information Protection Investigator":      nil,
	"Information Protection Reader":            nil,
	"Tenant AllowBlockList Manager":            nil,
	"Manage Review Set Tags":                   nil,
	"Scope Manager":                            nil,
}

var voAll = []string{"View-Only Audit Logs", "View-Only Device Management", "View-Only DLP Compliance Management", "View-Only IB Compliance Management", "View-Only Manage Alerts"}
var ipAll = []string{"Information Protection Admin", "Information Protection Analyst", "Information Protection Investigator", "Information Protection Reader"}

func roles(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// SCCRoleGroups are the default Security & Compliance role groups and
// their roles (compliance-cmdlets.md §3.2, scc-permissions.md Dec 2022).
var SCCRoleGroups = []storage.RoleGroup{
	{Name: "Organization Management", Roles: roles([]string{"Audit Logs", "Case Management", "Communication Compliance Admin", "Communication Compliance Case Management", "Compliance Administrator", "Compliance Search", "Data Connector Admin", "Device Management", "DLP Compliance Management", "Hold", "IB Compliance Management", "Insider Risk Management Admin", "Manage Alerts", "Organization Configuration", "Quarantine", "RecordManagement", "Retention Management", "Role Management", "Search And Purge", "Security Administrator", "Security Reader", "Sensitivity Label Administrator", "Sensitivity Label Reader", "Service Assurance View", "Tag Contributor", "Tag Manager", "Tag Reader"}, voAll, []string{"View-Only Case", "View-Only Recipients", "View-Only Record Management", "View-Only Retention Management"})},
	{Name: "Compliance Administrator", Roles: roles([]string{"Case Management", "Communication Compliance Admin", "Communication Compliance Case Management", "Compliance Administrator", "Compliance Search", "Data Classification Feedback Provider", "Data Classification Feedback Reviewer", "Data Connector Admin", "Data Investigation Management", "Device Management", "Disposition Management", "DLP Compliance Management", "Hold", "IB Compliance Management"}, ipAll, []string{"Insider Risk Management Admin", "Manage Alerts", "Organization Configuration", "RecordManagement", "Retention Management"}, voAll, []string{"View-Only Case", "View-Only Recipients", "View-Only Record Management", "View-Only Retention Management"})},
	{Name: "Compliance Data Administrator", Roles: roles([]string{"Compliance Administrator", "Compliance Search", "Data Connector Admin", "Device Management", "Disposition Management", "DLP Compliance Management", "IB Compliance Management"}, ipAll, []string{"Manage Alerts", "Organization Configuration", "RecordManagement", "Retention Management", "Sensitivity Label Administrator"}, voAll, []string{"View-Only Recipients", "View-Only Record Management", "View-Only Retention Management"})},
	{Name: "eDiscovery Manager", Roles: []string{"Case Management", "Communication", "Compliance Search", "Custodian", "Export", "Hold", "Preview", "Review", "RMS Decrypt", "Manage Review Set Tags", "Scope Manager"}},
	{Name: "Data Investigator", Roles: []string{"Communication", "Compliance Search", "Custodian", "Data Investigation Management", "Export", "Preview", "Review", "RMS Decrypt", "Search And Purge"}},
	{Name: "Records Management", Roles: []string{"Disposition Management", "RecordManagement", "Retention Management"}},
	{Name: "Reviewer", Roles: []string{"Review"}},
	{Name: "Security Administrator", Roles: roles([]string{"Audit Logs", "Device Management", "DLP Compliance Management", "IB Compliance Management", "Manage Alerts", "Quarantine", "Security Administrator", "Sensitivity Label Administrator", "Tag Contributor", "Tag Manager", "Tag Reader"}, voAll)},
	{Name: "Security Operator", Roles: roles([]string{"Compliance Search", "Manage Alerts", "Security Reader", "Tag Contributor", "Tag Reader", "Tenant AllowBlockList Manager"}, voAll)},
	{Name: "Security Reader", Roles: []string{"Security Reader", "Sensitivity Label Reader", "Tag Reader", "View-Only Device Management", "View-Only DLP Compliance Management", "View-Only IB Compliance Management", "View-Only Manage Alerts"}},
	{Name: "Global Reader", Roles: roles([]string{"Security Reader", "Sensitivity Label Reader", "Service Assurance View"}, voAll, []string{"View-Only Recipients", "View-Only Record Management", "View-Only Retention Management"})},
	{Name: "Information Protection", Roles: roles([]string{"Data Classification Content Viewer"}, ipAll)},
	{Name: "Information Protection Admins", Roles: []string{"Information Protection Admin"}},
	{Name: "Information Protection Analysts", Roles: []string{"Data Classification List Viewer", "Information Protection Analyst"}},
	{Name: "Information Protection Investigators", Roles: []string{"Data Classification Content Viewer", "Information Protection Analyst", "Information Protection Investigator"}},
	{Name: "Information Protection Readers", Roles: []string{"Information Protection Reader"}},
}

// exoRoles are the Exchange Online roles ipps serves (display names).
var exoRoles = map[string][]storage.RoleEntry{
	"Mail Recipients":         join(verbs("User", "Get", "Set"), verbs("Mailbox", "Get", "Set"), verbs("Recipient", ro...)),
	"View-Only Recipients":    join(verbs("User", ro...), verbs("Mailbox", ro...), verbs("Recipient", ro...)),
	"Audit Logs":              join(verbs("UnifiedAuditLog", "Search"), verbs("AdminAuditLog", "Search"), verbs("AdminAuditLogConfig", "Get", "Set")),
	"View-Only Audit Logs":    join(verbs("UnifiedAuditLog", "Search"), verbs("AdminAuditLog", "Search"), verbs("AdminAuditLogConfig", ro...)),
	"Role Management":         join(verbs("RoleGroup", "Get", "New", "Set", "Remove"), verbs("RoleGroupMember", "Get", "Add", "Remove", "Update"), verbs("ManagementRole", ro...)),
	"Retention Management":    verbs("ComplianceTag", ro...),
	"View-Only Configuration": verbs("ComplianceTag", ro...),
}

// EXORoleGroups are the default Exchange Online role groups ipps seeds
// (display names; stored under the EXO namespace).
var EXORoleGroups = []storage.RoleGroup{
	{Name: "Organization Management", Roles: []string{"Audit Logs", "Mail Recipients", "Role Management", "Retention Management", "View-Only Audit Logs", "View-Only Configuration", "View-Only Recipients"}},
	{Name: "Recipient Management", Roles: []string{"Mail Recipients"}},
	{Name: "View-Only Organization Management", Roles: []string{"View-Only Configuration", "View-Only Recipients"}},
	{Name: "Compliance Management", Roles: []string{"Audit Logs", "Retention Management", "View-Only Audit Logs", "View-Only Configuration", "View-Only Recipients"}},
	{Name: "Records Management", Roles: []string{"Audit Logs", "Retention Management"}},
}

// Seed creates the default roles and role groups of both namespaces in
// tenantID; existing ones are left untouched, so Seed is idempotent and
// safe to run on every start. Built-in groups start without members.
func Seed(ctx context.Context, st storage.RBACStore, tenantID string) error {
	for _, ns := range []struct {
		ns     Namespace
		roles  map[string][]storage.RoleEntry
		groups []storage.RoleGroup
	}{{SCC, sccRoles, SCCRoleGroups}, {EXO, exoRoles, EXORoleGroups}} {
		for name, entries := range ns.roles {
			err := st.CreateRole(ctx, storage.Role{TenantID: tenantID, Name: ns.ns.Stored(name), Description: "Built-in role " + name, Entries: entries})
			if err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
				return fmt.Errorf("rbac: seed role %s: %w", name, err)
			}
		}
		for _, g := range ns.groups {
			stored := make([]string, len(g.Roles))
			for i, r := range g.Roles {
				stored[i] = ns.ns.Stored(r)
				if _, ok := ns.roles[r]; !ok {
					return fmt.Errorf("rbac: seed group %s names unknown role %s", g.Name, r)
				}
			}
			err := st.CreateRoleGroup(ctx, storage.RoleGroup{
				ID: uuid.NewString(), TenantID: tenantID, Name: ns.ns.Stored(g.Name), DisplayName: g.Name,
				Description: "Built-in role group " + g.Name, Roles: stored,
			})
			if err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
				return fmt.Errorf("rbac: seed group %s: %w", g.Name, err)
			}
		}
	}
	return nil
}

// IsBuiltIn reports whether name is a default role group of ns.
func IsBuiltIn(ns Namespace, name string) bool {
	list := SCCRoleGroups
	if ns == EXO {
		list = EXORoleGroups
	}
	for _, g := range list {
		if strings.EqualFold(g.Name, name) {
			return true
		}
	}
	return false
}
