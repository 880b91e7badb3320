package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
	"github.com/spf13/cobra"
)

// demoListen is where the demo plant's gateway listens when the port is free.
const demoListen = "127.0.0.1:5020"

func newDemoCmd(e *env) *cobra.Command {
	var exit, noTUI bool
	var listen string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the built-in simulated plant in-process and tour it",
		Long: `Start the built-in demo plant in this process (a Modbus/TCP gateway with 3 units and an
RTU bus on a pty at 9600 8N1 with 3 units). On a terminal the interactive interface opens
straight into a scan of the plant (q quits). Otherwise, or with --exit or --no-tui, a text
tour identifies and reads every unit, prints commands to try from another terminal, and
keeps serving until interrupted (--exit: ends after the tour).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !exit && !noTUI && interactive(e) {
				return runDemoTUI(cmd.Context(), e, listen)
			}
			return runDemo(cmd.Context(), e, listen, exit)
		},
	}
	cmd.Flags().BoolVar(&exit, "exit", false, "exit after the tour instead of serving until interrupted")
	cmd.Flags().BoolVar(&noTUI, "no-tui", false, "print the text tour even on a terminal")
	cmd.Flags().StringVar(&listen, "listen", demoListen, "gateway listen address (a busy port falls back to a free one)")
	return cmd
}

func runDemo(ctx context.Context, e *env, listen string, exit bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	running, err := startDemoPlant(ctx, e, listen)
	if err != nil {
		return err
	}
	defer running.Close()
	eps := running.Endpoints()
	fmt.Fprintln(e.stdout, "busprobe demo: a simulated plant runs in this process.")
	fmt.Fprintln(e.stdout)
	if err := writeEndpoints(e.stdout, "", eps); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	if err := tourPlant(ctx, e.stdout, eps); err != nil {
		return err
	}
	writeTryCommands(e.stdout, eps)
	if exit {
		return nil
	}
	fmt.Fprintln(e.stderr, "serving; press Ctrl-C to stop")
	<-ctx.Done()
	return nil
}

// startDemoPlant starts the demo plant, on a free port when listen is busy.
func startDemoPlant(ctx context.Context, e *env, listen string) (*sim.Running, error) {
	running, err := sim.Start(ctx, sim.DemoPlant(listen))
	if errors.Is(err, syscall.EADDRINUSE) {
		fmt.Fprintf(e.stderr, "%s is busy; the gateway takes a free port instead\n", listen)
		running, err = sim.Start(ctx, sim.DemoPlant("127.0.0.1:0"))
	}
	return running, err
}

// tourPlant identifies every unit of every endpoint (FC43/14 basic, or
// FC17) and reads one point of the unit's profile (its first fingerprint
// point), printing one line per unit.
func tourPlant(ctx context.Context, w io.Writer, eps []sim.Endpoint) error {
	lib, err := profiles.Embedded()
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "URL\tUNIT\tVENDOR\tPRODUCT\tPROFILE\tREADING\tTIME")
	for _, ep := range eps {
		if ep.URL == "" {
			continue
		}
		c, err := modbus.DialURL(ctx, ep.URL, modbus.DialOptions{Timeout: 500 * time.Millisecond})
		if err != nil {
			return fmt.Errorf("demo: %s: %w", ep.URL, err)
		}
		for _, unit := range ep.Units {
			start := time.Now()
			vendor, product := identifyForTour(ctx, c, unit)
			id := ep.Profiles[unit]
			reading := "-"
			if p, err := lib.Get(id); err == nil {
				reading = readForTour(ctx, c, unit, p)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", ep.URL, unit, vendor, product, id, reading,
				modbus.Millis(time.Since(start)))
		}
		_ = c.Close()
	}
	return tw.Flush()
}

// readForTour reads and decodes the profile's first fingerprint point (or
// its first register point), e.g. "voltage_l1 = 230.1 V".
func readForTour(ctx context.Context, c *modbus.Client, unit byte, p *profiles.Profile) string {
	var pt *profiles.Point
	if fps := p.Identify.Fingerprints; len(fps) > 0 {
		pt, _ = p.Point(fps[0].Point)
	}
	for i := 0; pt == nil && i < len(p.Points); i++ {
		if !p.Points[i].Table.IsBit() && p.Points[i].ScaleFactor == "" {
			pt = &p.Points[i]
		}
	}
	if pt == nil || pt.ScaleFactor != "" || pt.Table.IsBit() {
		return "-"
	}
	read := c.ReadHoldingRegisters
	if pt.Table == profiles.TableInput {
		read = c.ReadInputRegisters
	}
	regs, err := read(ctx, unit, pt.Address, uint16(pt.Size()))
	if err != nil {
		return err.Error()
	}
	v, err := pt.Decode(regs, nil)
	if err != nil {
		return err.Error()
	}
	return pt.Name + " = " + v.Display
}

// identifyForTour asks FC43/14 basic for vendor and product code and, from
// a unit that ignores it, FC17 report server ID for its text.
func identifyForTour(ctx context.Context, c *modbus.Client, unit byte) (vendor, product string) {
	short := c.WithTimeout(200 * time.Millisecond)
	if id, err := short.ReadDeviceIdentification(ctx, unit, modbus.DeviceIDBasic); err == nil {
		v, _ := id.Object(modbus.ObjVendorName)
		p, _ := id.Object(modbus.ObjProductCode)
		return string(v), string(p)
	}
	if sid, err := short.ReportServerID(ctx, unit); err == nil {
		return "(no FC43)", "FC17: " + sid.Text()
	}
	return "?", "?"
}

// writeTryCommands prints commands to run against the plant from another terminal.
func writeTryCommands(w io.Writer, eps []sim.Endpoint) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Try, from another terminal while this one serves:")
	for _, ep := range eps {
		if ep.URL == "" || len(ep.Units) == 0 {
			continue
		}
		u := ep.Units[0]
		fmt.Fprintf(w, "  busprobe read '%s' --unit %d --table input --count 10\n", ep.URL, u)
		fmt.Fprintf(w, "  busprobe read '%s' --unit %d --table input --count 2 --json --trace\n", ep.URL, u)
		if id := ep.Profiles[u]; id != "" {
			fmt.Fprintf(w, "  busprobe read '%s' --unit %d --profile %s\n", ep.URL, u, id)
		}
		if ep.Kind == sim.BusTCP {
			host, port, _ := net.SplitHostPort(ep.Address)
			fmt.Fprintf(w, "  mbpoll -m tcp -p %s -a %d -t 3 -r 1 -c 10 -1 %s\n", port, u, host)
		}
	}
}
