package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/busprobe/busprobe/sim"
	"github.com/spf13/cobra"
)

// endpointJSON is one endpoint in `busprobe simulate --json`.
type endpointJSON struct {
	Bus     string `json:"bus"`
	Kind    string `json:"kind"`
	URL     string `json:"url"`
	Address string `json:"address"`
	Line    string `json:"line,omitempty"`
	Units   []int  `json:"units"`
	Sniff   string `json:"sniff_url,omitempty"` // a listen-only copy of the bus's traffic, for `busprobe sniff`
}

func newSimulateCmd(e *env) *cobra.Command {
	var listen string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "simulate [PLANT.yaml]",
		Short: "Serve a simulated plant (TCP gateways and RTU buses on ptys) until interrupted",
		Long: `Serve a simulated plant described by a YAML file, or the built-in demo plant
when no file is given, and print its endpoints: TCP URLs and pty paths as target URLs.
It runs until interrupted (Ctrl-C).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plant := sim.DemoPlant(listen)
			if len(args) == 1 {
				p, err := sim.LoadPlant(args[0])
				if err != nil {
					return err
				}
				plant = *p
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			running, err := sim.Start(ctx, plant)
			if err != nil {
				return err
			}
			defer running.Close()
			if asJSON {
				if err := writeJSON(e.stdout, endpointsJSON(running.Endpoints())); err != nil {
					return err
				}
			} else {
				if err := writeEndpoints(e.stdout, plant.Name, running.Endpoints()); err != nil {
					return err
				}
				fmt.Fprintln(e.stderr, "serving; press Ctrl-C to stop")
			}
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:5020", "listen address of the demo plant's TCP gateway (port 0 picks a free one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the endpoints as JSON")
	return cmd
}

func endpointsJSON(eps []sim.Endpoint) []endpointJSON {
	out := make([]endpointJSON, 0, len(eps))
	for _, ep := range eps {
		j := endpointJSON{Bus: ep.Bus, Kind: string(ep.Kind), URL: ep.URL, Address: ep.Address, Sniff: ep.SniffURL}
		if ep.Line.Baud > 0 {
			j.Line = ep.Line.String()
		}
		for _, u := range ep.Units {
			j.Units = append(j.Units, int(u))
		}
		out = append(out, j)
	}
	return out
}

// writeEndpoints prints a plant's endpoints as a table.
func writeEndpoints(w io.Writer, name string, eps []sim.Endpoint) error {
	if name != "" {
		fmt.Fprintf(w, "plant %q\n", name)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BUS\tKIND\tUNITS\tURL")
	for _, ep := range eps {
		units := make([]string, len(ep.Units))
		for i, u := range ep.Units {
			units[i] = fmt.Sprint(u)
		}
		url := ep.URL
		if url == "" {
			url = "(in-process only)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ep.Bus, ep.Kind, strings.Join(units, ","), url)
		if ep.SniffURL != "" {
			fmt.Fprintf(tw, "%s\tsniff\t\t%s\n", ep.Bus, ep.SniffURL)
		}
	}
	return tw.Flush()
}
