package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/busprobe/busprobe/gateway"
	"github.com/spf13/cobra"
)

// newValidateCmd is `busprobe validate FILE…`: it checks native gateway
// configs (YAML or JSON) and prints every problem as
// file:line:column: path: message. Exit 0 when all are valid, 1 otherwise.
func newValidateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check native gateway configs (YAML or JSON); every error with file:line:column",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				data, err := os.ReadFile(path)
				if err != nil {
					fmt.Fprintf(e.stdout, "%s: %v\n", path, errors.Unwrap(err))
					bad++
					continue
				}
				c, err := gateway.Parse(path, data)
				var ves gateway.ValidationErrors
				switch {
				case errors.As(err, &ves):
					for _, v := range ves {
						fmt.Fprintln(e.stdout, v.Error())
					}
					bad++
				case err != nil:
					fmt.Fprintf(e.stdout, "%s: %v\n", path, err)
					bad++
				default:
					pts := 0
					for _, d := range c.Devices {
						pts += len(d.Points)
					}
					fmt.Fprintf(e.stdout, "%s: ok (%d buses, %d devices, %d points)\n", path, len(c.Buses), len(c.Devices), pts)
				}
			}
			if bad > 0 {
				return &codedError{code: exitError, err: fmt.Errorf("%d of %d files invalid", bad, len(args))}
			}
			return nil
		},
	}
}
