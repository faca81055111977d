package remoting

import (
	"context"
	"path"
	"strings"

	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
)

// runMetadata answers GET_COMMAND_METADATA from Runspace.Commands: the
// Count object first (the Windows client reads and skips it), then one
// object per matching command (MS-PSRP 3.1.4.4.1, 2.2.3.22). Common
// parameters are added where the runspace did not list them, so the
// Windows client builds [CmdletBinding()] proxies.
func (s *Server) runMetadata(ctx context.Context, sh *shell, q psrp.GetCommandMetadata, out runspace.Output) error {
	all, err := sh.rs.Commands(ctx)
	if err != nil {
		return err
	}
	cmds := filterCommands(all, q.Names, q.CommandType, q.Namespace)
	if err := out.WriteObject(psrp.CommandCountObject(len(cmds))); err != nil {
		return err
	}
	for _, ci := range cmds {
		if err := out.WriteObject(commandMetadata(ci).Object()); err != nil {
			return err
		}
	}
	return nil
}

// commandMetadata converts a runspace.CommandInfo, appending the common
// parameters it lacks.
func commandMetadata(ci runspace.CommandInfo) psrp.CommandMetadata {
	m := psrp.CommandMetadata{Name: ci.Name, Namespace: ci.Module, HelpURI: ci.HelpURI,
		CommandType: ci.CommandType, OutputType: ci.OutputType}
	if m.CommandType == 0 {
		m.CommandType = psrp.CommandTypeCmdlet
	}
	seen := make(map[string]bool, len(ci.Parameters))
	for _, p := range ci.Parameters {
		seen[strings.ToLower(p.Name)] = true
		m.Parameters = append(m.Parameters, psrp.ParameterMetadata{Name: p.Name, Type: p.Type, Aliases: p.Aliases,
			SwitchParameter: p.Switch || p.Type == "System.Management.Automation.SwitchParameter"})
	}
	if m.CommandType&(psrp.CommandTypeCmdlet|psrp.CommandTypeFunction) != 0 {
		for _, p := range psrp.CommonParameters() {
			if !seen[strings.ToLower(p.Name)] {
				m.Parameters = append(m.Parameters, p)
			}
		}
	}
	return m
}

// filterCommands selects the commands a GET_COMMAND_METADATA request asks
// for (MS-PSRP 2.2.2.14): names are PowerShell wildcards matched
// case-insensitively (none means "*"), typeMask is a CommandTypes bit set
// (0 means all), and namespaces, when given, restrict the module name.
func filterCommands(cmds []runspace.CommandInfo, names []string, typeMask int32, namespaces []string) []runspace.CommandInfo {
	if len(names) == 0 {
		names = []string{"*"}
	}
	var out []runspace.CommandInfo
	for _, c := range cmds {
		if typeMask != 0 && c.CommandType != 0 && c.CommandType&typeMask == 0 {
			continue
		}
		if !matchAny(names, c.Name) {
			continue
		}
		if len(namespaces) > 0 && !matchAny(namespaces, c.Module) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// matchAny reports whether s matches one of the wildcard patterns (*, ?,
// [set]), ignoring case. An empty pattern matches everything, as
// PowerShell treats Namespace "" as no filter.
func matchAny(patterns []string, s string) bool {
	ls := strings.ToLower(s)
	for _, p := range patterns {
		if p == "" {
			return true
		}
		lp := strings.ToLower(strings.ReplaceAll(p, "`", "\\"))
		if ok, err := path.Match(lp, ls); err == nil && ok {
			return true
		}
		if lp == ls {
			return true
		}
	}
	return false
}
