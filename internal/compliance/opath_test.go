package compliance

import "testing"

func TestParseFilter(t *testing.T) {
	props := map[string]any{"name": "Carol", "remotepowershellenabled": false, "userprincipalname": "carol@contoso.com"}
	tests := []struct {
		filter string
		want   bool
	}{
		{"", true},
		{"RemotePowerShellEnabled -eq $false", true},
		{"{RemotePowerShellEnabled -eq $true}", false},
		{"Name -eq 'carol'", true},
		{`Name -ne "Carol"`, false},
		{"UserPrincipalName -like '*@contoso.com' -and Name -notlike 'B*'", true},
		{"Name -eq 'x' -or RemotePowerShellEnabled -eq 'False'", true},
		{"Department -eq 'x'", false},
	}
	for _, tt := range tests {
		m, err := parseFilter(tt.filter)
		if err != nil {
			t.Errorf("%q: %v", tt.filter, err)
			continue
		}
		if got := m(props); got != tt.want {
			t.Errorf("%q = %v", tt.filter, got)
		}
	}
	for _, bad := range []string{"Name", "Name -gt 1", "Name -eq 'x' -xor a -eq b", "Name -eq 'x' -and", "Name -eq 'unterminated"} {
		if _, err := parseFilter(bad); err != errFilterSyntax {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}
