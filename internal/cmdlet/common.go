package cmdlet

// actionPreference lists System.Management.Automation.ActionPreference.
var actionPreference = []string{"SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend", "Break"}

// commonParams are PowerShell's common parameters, present on every cmdlet
// (the Windows client only builds a proxy when metadata lists all of them).
// Their values are accepted and, apart from ErrorAction and WarningAction,
// ignored by a NoLanguage endpoint.
var commonParams = []*Param{
	{Name: "Verbose", Kind: Switch, Aliases: []string{"vb"}, Help: "Displays detailed information about the operation."},
	{Name: "Debug", Kind: Switch, Aliases: []string{"db"}, Help: "Displays programmer-level detail about the operation."},
	{Name: "ErrorAction", Kind: Enum, Type: "System.Management.Automation.ActionPreference", Values: actionPreference, Aliases: []string{"ea"}, Help: "Determines how the cmdlet responds to a non-terminating error."},
	{Name: "WarningAction", Kind: Enum, Type: "System.Management.Automation.ActionPreference", Values: actionPreference, Aliases: []string{"wa"}, Help: "Determines how the cmdlet responds to a warning."},
	{Name: "InformationAction", Kind: Enum, Type: "System.Management.Automation.ActionPreference", Values: actionPreference, Aliases: []string{"infa"}, Help: "Determines how the cmdlet responds to an information record."},
	{Name: "ErrorVariable", Kind: String, Aliases: []string{"ev"}},
	{Name: "WarningVariable", Kind: String, Aliases: []string{"wv"}},
	{Name: "InformationVariable", Kind: String, Aliases: []string{"iv"}},
	{Name: "OutVariable", Kind: String, Aliases: []string{"ov"}},
	{Name: "OutBuffer", Kind: Int, Aliases: []string{"ob"}},
	{Name: "PipelineVariable", Kind: String, Aliases: []string{"pv"}},
}

// shouldProcessParams are added by SupportsShouldProcess.
var shouldProcessParams = []*Param{
	{Name: "WhatIf", Kind: Switch, Aliases: []string{"wi"}, Help: "Shows what would happen if the cmdlet runs. The cmdlet is not run."},
	{Name: "Confirm", Kind: Switch, Aliases: []string{"cf"}, Help: "Prompts you for confirmation before running the cmdlet."},
}

// CommonParameterNames lists the common parameter names in metadata order.
func CommonParameterNames() []string {
	out := make([]string, len(commonParams))
	for i, p := range commonParams {
		out[i] = p.Name
	}
	return out
}

// paramLists returns the declared parameters, the common ones and (for
// a ShouldProcess cmdlet) the ShouldProcess ones: allParams without
// building a slice.
func (c *Cmdlet) paramLists() [3][]*Param {
	l := [3][]*Param{c.Params, commonParams}
	if c.ShouldProcess {
		l[2] = shouldProcessParams
	}
	return l
}

// allParams returns the declared parameters followed by the common ones.
func (c *Cmdlet) allParams() []*Param {
	out := make([]*Param, 0, len(c.Params)+len(commonParams)+2)
	out = append(out, c.Params...)
	out = append(out, commonParams...)
	if c.ShouldProcess {
		out = append(out, shouldProcessParams...)
	}
	return out
}

// isCommon reports whether p is a common or ShouldProcess parameter.
func isCommon(p *Param) bool {
	for _, q := range commonParams {
		if q == p {
			return true
		}
	}
	for _, q := range shouldProcessParams {
		if q == p {
			return true
		}
	}
	return false
}
