// Command ipps is the Security & Compliance PowerShell client: the
// Connect-IPPSSession equivalent for Linux, macOS and Windows. See
// `ipps --help`; the commands live in internal/cli.
package main

import "github.com/ipps/ipps/internal/cli"

func main() { cli.Execute() }
