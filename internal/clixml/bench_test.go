package clixml

import (
	"testing"
	"time"
)

// retentionPolicy builds an object shaped like a compliance retention
// policy as Get-RetentionCompliancePolicy returns it: 15 properties.
func retentionPolicy(i int) *Object {
	created := DateTime{time.Date(2024, 3, 1, 10, 20, 30, 123456700, time.UTC).Add(time.Duration(i) * time.Hour), KindUtc}
	var g GUID
	g[0], g[15] = byte(i), 0x42
	return NewTypedObject(
		[]string{"Deserialized.Microsoft.Office.CompliancePolicy.Tasks.PsRetentionCompliancePolicy", "Deserialized.System.Object"},
		Property{"Name", "Retention policy " + formatInt(int64(i))},
		Property{"Identity", "FFO.extest.microsoft.com/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/Configuration/Policy " + formatInt(int64(i))},
		Property{"Guid", g},
		Property{"Enabled", i%2 == 0},
		Property{"Mode", NewEnum("Microsoft.Office.CompliancePolicy.PolicyMode", 1, "Enforce")},
		Property{"Type", NewEnum("Microsoft.Office.CompliancePolicy.PolicyType", 2, "Retention")},
		Property{"WhenCreatedUTC", created},
		Property{"WhenChangedUTC", created},
		Property{"Comment", "Keep mail for <7> years & delete"},
		Property{"ExchangeLocation", NewStringList("All")},
		Property{"SharePointLocation", NewStringList("https://contoso.sharepoint.com/sites/a", "https://contoso.sharepoint.com/sites/b")},
		Property{"OneDriveLocation", NewStringList()},
		Property{"IsSimulationPolicy", false},
		Property{"DistributionStatus", NewEnum("Microsoft.Office.CompliancePolicy.DistributionStatus", 0, "Success")},
		Property{"Workload", "Exchange, SharePoint, OneDriveForBusiness"},
	)
}

func retentionBatch(n int) *Object {
	items := make([]Value, n)
	for i := range items {
		items[i] = retentionPolicy(i)
	}
	return NewList(items...)
}

func TestRetentionBatchRoundTrip(t *testing.T) {
	roundTrip(t, retentionBatch(100))
}

func BenchmarkMarshalBatch100(b *testing.B) {
	v := retentionBatch(100)
	out, _ := Marshal(v)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalBatch100(b *testing.B) {
	data, err := Marshal(retentionBatch(100))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}
