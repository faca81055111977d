package compliance

import (
	"github.com/ipps/ipps/internal/audit"
	"github.com/ipps/ipps/internal/implicit"
	"github.com/ipps/ipps/internal/rbac"
)

// FormatTable is the format data of the compliance output types, with the
// default table columns of compliance-cmdlets.md §5; Get-FormatData serves
// it through implicit.Wrap.
func FormatTable() implicit.FormatTable {
	cols := func(names ...string) []implicit.Column {
		out := make([]implicit.Column, len(names))
		for i, n := range names {
			out[i] = implicit.Column{Property: n}
		}
		return out
	}
	return implicit.FormatTable{
		{TypeName: TypePolicy, Table: cols("Name", "Workload", "Enabled", "Mode"),
			List: []string{"Name", "Comment", "Enabled", "Mode", "DistributionStatus", "ExchangeLocation", "SharePointLocation", "OneDriveLocation", "RestrictiveRetention", "WhenCreated", "WhenChanged"}},
		{TypeName: TypeRule, Table: cols("Name", "Disabled", "Mode", "Comment"),
			List: []string{"Name", "Policy", "RetentionDuration", "RetentionComplianceAction", "ExpirationDateOption", "ContentMatchQuery", "ApplyComplianceTag", "Disabled", "Mode"}},
		{TypeName: TypeTag, Table: cols("Name", "Priority", "RetentionAction", "RetentionDuration", "Workload")},
		{TypeName: TypeUser, Table: cols("Name", "RecipientType")},
		{TypeName: TypeMailbox, Table: cols("Name", "Alias", "Database", "ProhibitSendQuota", "ExternalDirectoryObjectId")},
		{TypeName: rbac.TypeRoleGroup, Table: cols("Name", "AssignedRoles", "RoleAssignments", "ManagedBy")},
		{TypeName: rbac.TypeReducedRecipient, Table: cols("Name", "RecipientType")},
		{TypeName: rbac.TypeManagementRole, Table: cols("Name", "RoleType")},
		{TypeName: audit.TypeUnifiedAuditRecord, Table: cols("RecordType", "CreationDate", "UserIds", "Operations"),
			List: []string{"RecordType", "CreationDate", "UserIds", "Operations", "AuditData", "ResultIndex", "ResultCount"}},
		{TypeName: audit.TypeAdminAuditLogEvent, Table: cols("RunDate", "Caller", "CmdletName", "Succeeded")},
	}
}
