package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestFlagChecks(t *testing.T) {
	for args, want := range map[string]string{
		"run --shells 6":                "exceeds the per-user limit 5",
		"run --users 0":                 "at least 1",
		"run --mix Get-X":               "want Cmdlet=weight",
		"run --users 1 --url https://x": "--dsn and --tenant-domain",
		"fault --users 2":               "--ippsd and --dsn are required",
		"run --shells 6 --max-shells-per-user 6 --dev-json /nonexistent/dev.json": "no such file",
	} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(strings.Fields(args))
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ippsload %s: %v, want error containing %q", args, err, want)
		}
	}
}
