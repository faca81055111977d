package shell

import (
	"context"
	"strings"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
)

// Remote is one connected session as the shell consumes it. The CLI
// implements it on top of its PSRP client.
type Remote interface {
	// Commands lists the commands the session exposes, with parameter
	// metadata (used for binding switches, Get-Help and completion).
	Commands() []runspace.CommandInfo
	// Invoke runs cmd with input as pipeline input (nil when the command
	// is first in the pipeline) and calls out for every output object, in
	// order. A *psrp.ErrorRecord passed to out is a non-terminating error:
	// the shell prints it and the pipeline continues. A returned error
	// (typically a *psrp.ErrorRecord) terminates the pipeline. Invoke must
	// return promptly once ctx is cancelled (Ctrl+C).
	Invoke(ctx context.Context, cmd runspace.Command, input []clixml.Value, out func(clixml.Value) error) error
}

// Session is a Remote with the noun prefix it was imported with
// (Connect-IPPSSession -Prefix). With Prefix "EXO" the local name
// Get-EXOUser maps to the remote Get-User: the prefix is removed from the
// start of the noun, case-insensitively. An empty prefix maps names as
// they are.
type Session struct {
	Prefix string
	Remote Remote
}

// localName is the name a remote command has in the shell.
func (s Session) localName(remote string) string {
	if s.Prefix == "" {
		return remote
	}
	verb, noun, ok := strings.Cut(remote, "-")
	if !ok {
		return remote
	}
	return verb + "-" + s.Prefix + noun
}

// remoteName maps a local command name to the remote name when the name
// carries this session's prefix.
func (s Session) remoteName(local string) (string, bool) {
	if s.Prefix == "" {
		return local, true
	}
	verb, noun, ok := strings.Cut(local, "-")
	if !ok || len(noun) <= len(s.Prefix) || !strings.EqualFold(noun[:len(s.Prefix)], s.Prefix) {
		return "", false
	}
	return verb + "-" + noun[len(s.Prefix):], true
}

// resolved is a remote command found for a local name.
type resolved struct {
	remote Remote
	info   runspace.CommandInfo
}

// resolveRemote finds the session command for a local name. Sessions are
// searched in order; the first whose prefix and command list match wins.
func resolveRemote(sessions []Session, name string) (resolved, bool) {
	for _, s := range sessions {
		rn, ok := s.remoteName(name)
		if !ok {
			continue
		}
		for _, ci := range s.Remote.Commands() {
			if strings.EqualFold(ci.Name, rn) {
				return resolved{remote: s.Remote, info: ci}, true
			}
		}
	}
	return resolved{}, false
}
