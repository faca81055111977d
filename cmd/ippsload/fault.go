package main

import "github.com/spf13/cobra"

func newFaultCmd() *cobra.Command {
	return &cobra.Command{Use: "fault", Short: "kill -9 one of two replicas mid-load"}
}
