package parse

import "testing"

var fuzzSeeds = []string{
	"Get-RetentionCompliancePolicy | Where-Object { $_.Enabled -eq $true } | Select-Object Name, Mode -First 3",
	"$p = Get-X -Identity 'a''b'; $p.Name",
	"Where-Object Name -like 'x*'",
	"@{Add='x'; Remove=\"y`t$($z.Name)\"}",
	"Select-Object @{n='Size';e={$_.Size / 1KB}}",
	"-not ($a -in 1,2,3) -or !$b",
	"Get-X `\n -Y:$false |\n Sort-Object -Descending Name",
	"\"$x ${y} $ `$\"\"\"",
	"$a[0].b.'c d'",
	"<# c #> 0x1F; 1.5e3; -2MB",
	"Get-X {",
	"'unterminated",
}

// FuzzParse checks that Parse never panics and that printing a parsed
// script gives text that parses and prints back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		printed := s.String()
		s2, err := Parse(printed)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", printed, src, err)
		}
		if again := s2.String(); again != printed {
			t.Fatalf("unstable print:\n src   %q\n first %q\n again %q", src, printed, again)
		}
	})
}

func BenchmarkParsePipeline(b *testing.B) {
	src := "Get-RetentionCompliancePolicy -DistributionDetail | Where-Object { $_.Enabled -eq $true -and $_.Name -like 'Fin*' } | Sort-Object Name -Descending | Select-Object Name, Workload, Mode -First 10"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}
