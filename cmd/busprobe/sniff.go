package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// sniffFlags are the flags of `busprobe sniff`.
type sniffFlags struct {
	baud         int
	parity       string
	stop         int
	dataBits     int
	duration     time.Duration
	replyTimeout time.Duration
	asJSON       bool
	ndjson       bool
}

// sniffResult is the JSON document `busprobe sniff --json` prints.
type sniffResult struct {
	SchemaVersion int                   `json:"schema_version"`
	Port          string                `json:"port"`
	Line          string                `json:"line"` // "9600 8N1"
	Summary       probes.TrafficSummary `json:"summary"`
}

func newSniffCmd(e *env) *cobra.Command {
	var f sniffFlags
	cmd := &cobra.Command{
		Use:   "sniff PORT",
		Short: "Listen to an RS-485 line where another master polls, and decode its traffic",
		Long: `Listen, without ever sending, to a serial line on which another master (a
gateway, a PLC) polls its devices. Frames are cut at the t3.5 silence (and by
their announced length when they follow each other too closely), requests are
paired with their replies and decoded, and each is shown with its timing: the
silence since the previous frame, or for a reply the device's latency (end of
request to start of reply). At the end (after --duration, or on Ctrl-C) a
per-unit summary: requests, replies, exceptions, CRC errors, unanswered
requests, latency p50 and max.

PORT is a serial device path (/dev/ttyUSB0) or an rtu:// URL; --baud, --parity,
--stop and --databits set the line's format (a wrong setting shows as garbage).
Exit 0 when traffic was heard, 3 when the line stayed silent.`,
		Example: `  busprobe sniff /dev/ttyUSB0 --baud 19200 --parity E --duration 30s
  busprobe sniff /dev/ttyUSB0 --baud 9600 --ndjson > traffic.ndjson`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.asJSON && f.ndjson {
				return usagef("--json and --ndjson exclude each other")
			}
			if f.duration < 0 || f.replyTimeout < 0 {
				return usagef("--duration and --reply-timeout must not be negative")
			}
			path, line, err := sniffTarget(cmd, args[0], f)
			if err != nil {
				return err
			}
			return runSniff(cmd.Context(), e, path, line, f)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&f.baud, "baud", modbus.DefaultBaud, "baud rate of the line")
	fs.StringVar(&f.parity, "parity", "N", "parity: N, E or O")
	fs.IntVar(&f.stop, "stop", 1, "stop bits: 1 or 2")
	fs.IntVar(&f.dataBits, "databits", 8, "data bits: 7 or 8")
	fs.DurationVar(&f.duration, "duration", 0, "stop listening after this long (0: until Ctrl-C)")
	fs.DurationVar(&f.replyTimeout, "reply-timeout", time.Second, "a request still unanswered after this long counts as unanswered")
	fs.BoolVar(&f.asJSON, "json", false, "print the summary as one JSON document (no frame lines)")
	fs.BoolVar(&f.ndjson, "ndjson", false, "one JSON object per frame, then the summary as one object")
	return cmd
}

// sniffTarget resolves the port path and line settings: an rtu:// URL's,
// overridden by the flags given; or a path and the flags.
func sniffTarget(cmd *cobra.Command, arg string, f sniffFlags) (string, modbus.LineSettings, error) {
	q := url.Values{}
	path := arg
	if strings.Contains(arg, "://") {
		t, err := modbus.ParseURL(arg)
		if err != nil {
			return "", modbus.LineSettings{}, &usageError{msg: err.Error()}
		}
		if t.Scheme != modbus.SchemeRTU {
			return "", modbus.LineSettings{}, usagef("sniff listens to a serial port: want a path or an rtu:// URL, not %s://", t.Scheme)
		}
		path = t.Address
		q.Set("baud", strconv.Itoa(t.Line.Baud))
		q.Set("parity", t.Line.Parity)
		q.Set("stop", strconv.Itoa(max(t.Line.StopBits, 1)))
		q.Set("databits", strconv.Itoa(max(t.Line.DataBits, 8)))
	}
	set := func(flag, key, value string) {
		if cmd.Flags().Changed(flag) || !q.Has(key) {
			q.Set(key, value)
		}
	}
	set("baud", "baud", strconv.Itoa(f.baud))
	set("parity", "parity", f.parity)
	set("stop", "stop", strconv.Itoa(f.stop))
	set("databits", "databits", strconv.Itoa(f.dataBits))
	t, err := modbus.ParseURL((&url.URL{Scheme: modbus.SchemeRTU, Path: path, RawQuery: q.Encode()}).String())
	if err != nil {
		var ue *modbus.URLError
		if errors.As(err, &ue) {
			return "", modbus.LineSettings{}, usagef("%s", ue.Reason)
		}
		return "", modbus.LineSettings{}, &usageError{msg: err.Error()}
	}
	return path, t.Line, nil
}

// runSniff is `busprobe sniff`: it opens the port, listens until the
// duration ends or ctx is done, and prints the frames and the summary.
func runSniff(ctx context.Context, e *env, path string, line modbus.LineSettings, f sniffFlags) error {
	port, err := modbus.OpenSerial(path, line)
	if err != nil {
		return err
	}
	defer port.Close()
	view := newTrafficView(e.stdout, modbus.FramingRTU, f.ndjson, "REQ", "RSP")
	cfg := probes.SniffConfig{Line: port.Settings(), Duration: f.duration, ReplyTimeout: f.replyTimeout}
	if !f.asJSON {
		cfg.OnEvent = view.event
	}
	fmt.Fprintf(e.stderr, "listening on %s at %s, never sending (Ctrl-C ends and prints the summary)\n", path, port.Settings())
	sum, err := probes.Sniff(ctx, port, cfg)
	if err != nil {
		return err
	}
	switch {
	case f.asJSON:
		err = writeJSON(e.stdout, sniffResult{SchemaVersion: schemaVersion, Port: path, Line: port.Settings().String(), Summary: sum})
	case f.ndjson:
		err = json.NewEncoder(e.stdout).Encode(monitorSummaryJSON{Type: "summary", SchemaVersion: schemaVersion, Summary: sum})
	default:
		err = writeTrafficSummary(e.stdout, sum)
	}
	if err != nil {
		return err
	}
	if sum.Frames == 0 {
		return &codedError{code: exitNotFound, err: fmt.Errorf("no traffic heard on %s at %s", path, port.Settings())}
	}
	return nil
}
