package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// connFlags are the flags every command that talks to one unit shares.
type connFlags struct {
	unit    int
	timeout time.Duration
	trace   bool
}

func (f *connFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.unit, "unit", 1, "unit ID (slave address) 1..247; 248..255 where a gateway needs it")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 0, "reply timeout (default: the URL's timeout= or 1s)")
	cmd.Flags().BoolVar(&f.trace, "trace", false, "print every frame sent and received on stderr")
}

// unitID checks the unit: 0 is broadcast and can never answer a read.
func (f *connFlags) unitID() (byte, error) {
	switch {
	case f.unit == 0:
		return 0, usagef("--unit 0 is broadcast: no device answers it, so busprobe never reads from it")
	case f.unit < 0 || f.unit > 255:
		return 0, usagef("--unit %d out of range 1..255", f.unit)
	}
	return byte(f.unit), nil
}

// session is an open connection to a target.
type session struct {
	target modbus.Target
	client *modbus.Client
	trace  modbus.Tap // the --trace tap, nil without --trace
}

// open parses the URL and connects; with --trace every frame goes to stderr.
func (f *connFlags) open(ctx context.Context, e *env, rawURL string) (*session, error) {
	target, err := modbus.ParseURL(rawURL)
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	opts := modbus.DialOptions{Timeout: f.timeout}
	if f.timeout > 0 {
		target.Timeout = f.timeout
	}
	if f.trace {
		opts.Tap = traceTapFor(e.stderr, modbus.FramingOf(target.Scheme))
	}
	c, err := modbus.Dial(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	return &session{target: target, client: c, trace: opts.Tap}, nil
}

func (s *session) close() { _ = s.client.Close() }

// explain turns a request error into the message a technician reads.
func (s *session) explain(unit byte, err error) error {
	return fmt.Errorf("%s: %w", s.target.String(), explainTimeout(s.target, err))
}

// traceTap is traceTapFor an RTU line (serial scans).
func traceTap(w io.Writer) modbus.Tap { return traceTapFor(w, modbus.FramingRTU) }

// traceTapFor writes each frame as one line: time, direction, hex bytes,
// duration on the wire, what the frame means (modbus.Describe, with the
// request a reply answers) and the transport's note:
//
//	15:04:05.123456 TX 01 03 00 00 00 04 44 09  (8.333 ms)  unit 1 read holding 0..3 (40001×4)
func traceTapFor(w io.Writer, framing modbus.Framing) modbus.Tap {
	var mu sync.Mutex // a tap may be shared by the transports of a scan
	traffic := modbus.NewTraffic(framing)
	return func(f modbus.TapFrame) {
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range traffic.Add(f) {
			if ev.Kind == modbus.EventUnanswered {
				continue // the request's error already says so
			}
			fmt.Fprintln(w, traceLine(ev))
		}
	}
}

// traceLine formats one frame event for --trace.
func traceLine(ev modbus.TrafficEvent) string {
	f := ev.Frame
	line := fmt.Sprintf("%s %s % X", f.Start.Format("15:04:05.000000"), f.Dir, f.Bytes)
	if d := f.End.Sub(f.Start); d > 0 {
		line += fmt.Sprintf("  (%s)", modbus.Millis(d))
	}
	line += "  " + ev.Meaning
	if f.Note != "" {
		line += "  [" + f.Note + "]"
	}
	return line
}
