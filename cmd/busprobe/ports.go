package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/busprobe/busprobe/probes"
	"github.com/spf13/cobra"
)

// portsRoot is the file system root `busprobe ports` looks under; tests
// point it at a fake /dev and /sys.
var portsRoot = "/"

// portsResult is the JSON document of `busprobe ports --json`.
type portsResult struct {
	SchemaVersion int                 `json:"schema_version"`
	Ports         []probes.SerialPort `json:"ports"`
}

func newPortsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ports",
		Short: "List the serial ports of this machine, with the USB adapter behind each",
		Long: `List the serial ports of this machine: /dev/ttyUSB*, /dev/ttyACM* and the
/dev/ttyS* that have a UART, with their /dev/serial/by-id names (stable across
re-plugging: use them in scripts) and the USB vendor, product and serial number
where the system tells them.`,
		Example: `  busprobe ports
  busprobe ports --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ports, err := probes.SerialPorts(portsRoot)
			if err != nil {
				return err
			}
			if ports == nil {
				ports = []probes.SerialPort{}
			}
			if asJSON {
				return writeJSON(e.stdout, portsResult{SchemaVersion: schemaVersion, Ports: ports})
			}
			if len(ports) == 0 {
				fmt.Fprintln(e.stdout, "no serial ports found (is the USB adapter plugged in? see dmesg)")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "PORT\tUSB ID\tADAPTER\tSERIAL\tDRIVER\tBY-ID")
			for _, p := range ports {
				id := "-"
				if p.VendorID != "" {
					id = p.VendorID + ":" + p.ProductID
				}
				adapter := strings.TrimSpace(p.Manufacturer + " " + p.Product)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Path, id, portsDash(adapter), portsDash(p.Serial), portsDash(p.Driver), portsDash(strings.Join(p.ByID, " ")))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func portsDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
