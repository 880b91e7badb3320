package main

import (
	"github.com/busprobe/busprobe/gateway"
	"github.com/spf13/cobra"
)

// newSchemaCmd is `busprobe schema NAME`: it prints a published JSON Schema.
func newSchemaCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:       "schema gateway",
		Short:     "Print the JSON Schema (draft 2020-12) of the native gateway config",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"gateway"},
		RunE: func(_ *cobra.Command, args []string) error {
			if args[0] != "gateway" {
				return usagef("unknown schema %q (known: gateway)", args[0])
			}
			_, err := e.stdout.Write(gateway.Schema())
			return err
		},
	}
}
