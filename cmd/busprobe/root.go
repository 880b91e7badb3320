package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "busprobe",
		Short: "Find, identify and read Modbus devices on serial and TCP buses",
		Long: `busprobe commissions and diagnoses Modbus data-collection gateways.

Targets are URLs:
  tcp://10.0.0.5:502                         Modbus/TCP
  tcp+tls://10.0.0.5:802                     Modbus/TCP over TLS
  rtuovertcp://10.0.0.9:4001                 RTU framing through a serial device server
  rtu:///dev/ttyUSB0?baud=9600&parity=E&stop=1   Modbus RTU on a serial port`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		// No subcommand: the interactive interface on a terminal, else help.
		RunE: func(cmd *cobra.Command, _ []string) error { return runRoot(cmd, e) },
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetIn(e.stdin)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	root.AddCommand(
		newVersionCmd(e),
		newReadCmd(e),
		newSimulateCmd(e),
		newDemoCmd(e),
		newProfilesCmd(e),
		newScanCmd(e), newIdentifyCmd(e),
		newPortsCmd(e),
		newWatchCmd(e),
		newMonitorCmd(e), newSniffCmd(e),
		newExportCmd(e),
		newSchemaCmd(e),
		newValidateCmd(e),
		newImportCmd(e), newReportCmd(e),
		newWriteCmd(e),
		newSnapshotCmd(e),
		newDiffCmd(e),
	)
	return root
}
