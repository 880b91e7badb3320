package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/sim"
	"github.com/busprobe/busprobe/tui"
)

// runRoot is `busprobe` with no subcommand: the interactive interface when
// stdin and stdout are terminals, the help otherwise.
func runRoot(cmd *cobra.Command, e *env) error {
	if !interactive(e) {
		return cmd.Help()
	}
	return runTUI(cmd.Context(), e, tui.Options{})
}

// interactive says whether the interface can run: stdin and stdout are
// terminals.
func interactive(e *env) bool {
	return stdinIsTerminal(e.stdin) && isTerminal(e.stdout)
}

// noColor says whether NO_COLOR asks for no colour (any non-empty value,
// as no-color.org defines it).
func noColor() bool { return os.Getenv("NO_COLOR") != "" }

// runTUI runs the interface until the user quits or ctx ends.
func runTUI(ctx context.Context, e *env, opts tui.Options) error {
	lib, err := profiles.FromEnv()
	if lib == nil {
		return err
	}
	// A profile that failed to load is reported; the others still serve.
	if err != nil {
		fmt.Fprintln(e.stderr, "busprobe:", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	common := tui.NewCommon(ctx, lib)
	common.Version = readBuildVersion().Version // written into exported configs, as by busprobe export
	if noColor() {
		common.Styles = tui.NewStyles(false)
	}
	// Writes confirmed in the interface go to the same journal as `busprobe write`.
	common.JournalPath, _ = probes.DefaultJournalPath(os.Getenv, os.UserHomeDir)
	if path, err := tui.DefaultRecentPath(); err == nil {
		common.Recent, _ = tui.LoadRecent(path) // an unreadable file only loses the list
	}
	defer common.Clients.Close()

	// goburrow/serial (and other libraries) log through the standard
	// logger, which would write over the screen.
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(io.Discard)
	defer func() { log.SetOutput(prevOut); log.SetFlags(prevFlags) }()

	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout)}
	if noColor() {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	p := tea.NewProgram(tui.New(common, opts), popts...)
	_, err = p.Run()
	cancel()
	if err != nil && ctx.Err() != nil && !errors.Is(err, tea.ErrInterrupted) {
		return ctx.Err()
	}
	if errors.Is(err, tea.ErrInterrupted) {
		return &codedError{code: exitInterrupted}
	}
	return err
}

// runDemoTUI starts the demo plant and opens the interface on a scan of it.
func runDemoTUI(ctx context.Context, e *env, listen string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	running, err := startDemoPlant(ctx, e, listen)
	if err != nil {
		return err
	}
	defer running.Close()
	req, err := demoScanRequest(running.Endpoints())
	if err != nil {
		return err
	}
	return runTUI(ctx, e, tui.Options{Scan: &req})
}

// demoScanRequest scans every bus of the demo plant: the gateway's units
// over TCP, the RTU bus's line settings and units on its pty.
func demoScanRequest(eps []sim.Endpoint) (tui.ScanRequest, error) {
	var req tui.ScanRequest
	for _, ep := range eps {
		switch ep.Kind {
		case sim.BusTCP:
			host, port, err := net.SplitHostPort(ep.Address)
			if err != nil {
				return req, fmt.Errorf("demo: %s: %w", ep.Bus, err)
			}
			n, err := strconv.Atoi(port)
			if err != nil {
				return req, fmt.Errorf("demo: %s: %w", ep.Bus, err)
			}
			cfg := probes.TCPScanConfig{Targets: []string{host}, Ports: []int{n}}
			req.Jobs = append(req.Jobs, tui.ScanJob{Label: ep.URL + " (" + ep.Bus + ")", TCP: &cfg})
		case sim.BusRTU:
			if ep.URL == "" || ep.Address == "" {
				continue // served in-process only: nothing to open
			}
			cfg := probes.SerialScanConfig{Port: ep.Address}
			req.Jobs = append(req.Jobs, tui.ScanJob{Label: ep.Address + " auto (" + ep.Bus + ")", Serial: &cfg})
		}
	}
	if len(req.Jobs) == 0 {
		return req, errors.New("demo: the plant has no bus to scan")
	}
	return req, nil
}
