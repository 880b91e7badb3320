package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// writeFlags are the flags of `busprobe write`.
type writeFlags struct {
	conn       connFlags
	point      string       // --point NAME=VALUE
	profile    string       // --profile ID
	profiles   profileFlags // --profiles DIR
	table      string       // --table holding|coil
	address    string       // --address A
	values     []string     // --value V (repeatable, comma-separated)
	yes        bool         // --yes: no confirmation
	broadcast  bool         // --broadcast: allow unit 0
	journal    string       // --journal FILE
	fc16       bool         // --fc16: FC16/FC15 even for one item
	outOfRange bool         // --out-of-range
	asJSON     bool
}

func newWriteCmd(e *env) *cobra.Command {
	var f writeFlags
	cmd := &cobra.Command{
		Use:   "write URL",
		Short: "Write a setting to one unit, guarded: check, confirm, write, read back, journal",
		Long: `Write a profile point (--point NAME=VALUE --profile ID), encoded through the
profile (type, byte order, scale, scale factor), or raw values (--table holding|coil
--address A --value V...).

busprobe refuses read-only points and tables, reads the current value first, shows
old and new values with the exact registers, and asks for confirmation when stdin is
a terminal; without a terminal it needs --yes. After writing it reads the value back.
A bit of a register is written read-modify-write: the other bits are kept.

Unit 0 is broadcast and needs --broadcast: on a serial line every device takes the
write and none answers, so nothing is read back. Modbus/TCP has no broadcast: a
gateway may pass unit 0 on to its serial line as one, a TCP device may take it as
its own address; busprobe warns and accepts a reply or none.

Every attempt (written, refused, declined or failed) is appended to the journal,
one JSON line each: --journal FILE, else $BUSPROBE_JOURNAL, else
$XDG_STATE_HOME/busprobe/journal.ndjson (~/.local/state/busprobe/journal.ndjson).

Exit 0 written and read back equal (or a broadcast sent); 1 refused, declined,
failed, or read back different; 2 bad command line, unit 0 without --broadcast,
or no terminal and no --yes.`,
		Example: `  busprobe write tcp://10.0.0.5:502 --unit 1 --profile eastron-sdm630 --point demand_period=15
  busprobe write 'rtu:///dev/ttyUSB0?baud=9600' --unit 3 --table holding --address 0x10 --value 1,2 --yes
  busprobe write 'rtu:///dev/ttyUSB0?baud=9600' --unit 0 --broadcast --table coil --address 0 --value on --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := f.spec(cmd, e)
			if err != nil {
				return err
			}
			return runWrite(cmd.Context(), e, args[0], f, spec)
		},
	}
	f.conn.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.point, "point", "", "with --profile: the point and its new value, NAME=VALUE (engineering units, enum name, on/off, text)")
	fl.StringVar(&f.profile, "profile", "", "the profile (ID or alias) that encodes --point")
	fl.StringVar(&f.table, "table", "", "raw write: holding or coil")
	fl.StringVar(&f.address, "address", "", "raw write: first address, 0-based (decimal or 0x hex)")
	fl.StringSliceVar(&f.values, "value", nil, "raw write: values, repeatable or comma-separated (registers 0..65535, -32768..-1, 0x hex; coils on/off, 1/0)")
	fl.BoolVarP(&f.yes, "yes", "y", false, "write without asking (needed when stdin is not a terminal)")
	fl.BoolVar(&f.broadcast, "broadcast", false, "allow --unit 0, broadcast: every device takes the write, none answers")
	fl.StringVar(&f.journal, "journal", "", "the journal file (default $"+probes.EnvJournal+" or $XDG_STATE_HOME/busprobe/journal.ndjson)")
	fl.BoolVar(&f.fc16, "fc16", false, "write with FC16 (FC15 for coils) even for one register (coil)")
	fl.BoolVar(&f.outOfRange, "out-of-range", false, "allow a value outside the point's plausible range")
	fl.BoolVar(&f.asJSON, "json", false, "print the outcome as one JSON object (the journal entry)")
	f.profiles.register(cmd, false)
	return cmd
}

// spec checks the flags and builds the write; errors are usage errors.
func (f *writeFlags) spec(cmd *cobra.Command, e *env) (probes.WriteSpec, error) {
	spec := probes.WriteSpec{Broadcast: f.broadcast, MultiWrite: f.fc16, OutOfRange: f.outOfRange}
	if f.conn.unit < 0 || f.conn.unit > 255 {
		return spec, usagef("--unit %d out of range 0..255", f.conn.unit)
	}
	spec.Unit = byte(f.conn.unit)
	raw := f.table != "" || f.address != "" || len(f.values) > 0
	switch {
	case f.point != "" && raw:
		return spec, usagef("--point does not go with --table, --address or --value")
	case f.point == "" && !raw:
		return spec, usagef("say what to write: --point NAME=VALUE --profile ID, or --table --address --value")
	case f.point != "" && f.profile == "":
		return spec, usagef("--point needs --profile")
	case raw && f.profile != "":
		return spec, usagef("--profile goes with --point, not with --table/--address/--value")
	}
	if f.point != "" {
		name, value, ok := strings.Cut(f.point, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return spec, usagef("--point %q: want NAME=VALUE", f.point)
		}
		p, err := f.profiles.profile(e, f.profile)
		if err != nil {
			return spec, err
		}
		spec.Profile, spec.Point, spec.Value = p, strings.TrimSpace(name), value
		return spec, nil
	}
	return spec, f.rawSpec(&spec)
}

// rawSpec parses --table, --address and --value.
func (f *writeFlags) rawSpec(spec *probes.WriteSpec) error {
	if f.table == "" || f.address == "" || len(f.values) == 0 {
		return usagef("a raw write needs --table, --address and --value")
	}
	switch strings.ToLower(f.table) {
	case "holding", "hr", "4":
		spec.Table = profiles.TableHolding
	case "coil", "coils", "0":
		spec.Table = profiles.TableCoil
	default:
		return usagef("--table %q: writes go to holding or coil (input and discrete are read-only)", f.table)
	}
	addr, err := parseAddress(f.address)
	if err != nil {
		return err
	}
	spec.Address = addr
	for _, v := range f.values {
		v = strings.TrimSpace(v)
		if spec.Table == profiles.TableCoil {
			b, err := parseCoil(v)
			if err != nil {
				return err
			}
			spec.Bits = append(spec.Bits, b)
			continue
		}
		r, err := parseRegister(v)
		if err != nil {
			return err
		}
		spec.Registers = append(spec.Registers, r)
	}
	return nil
}

// parseRegister parses 0..65535 (decimal or 0x hex) or -32768..-1 (stored
// as two's complement).
func parseRegister(s string) (uint16, error) {
	if n, err := strconv.ParseInt(s, 0, 32); err == nil && n >= -32768 && n <= 65535 {
		return uint16(n), nil
	}
	return 0, usagef("--value %q: want a register value 0..65535 or -32768..-1 (decimal or 0x hex)", s)
}

// parseCoil parses on/off, true/false or 1/0.
func parseCoil(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "true", "1":
		return true, nil
	case "off", "false", "0":
		return false, nil
	}
	return false, usagef("--value %q: a coil takes on/off, true/false or 1/0", s)
}

// journalPath returns --journal or the default path.
func (f *writeFlags) journalPath() (string, error) {
	if f.journal != "" {
		return f.journal, nil
	}
	return probes.DefaultJournalPath(os.Getenv, os.UserHomeDir)
}

// runWrite runs a checked write: journal, guards, plan, confirmation,
// write, read-back; see newWriteCmd for the exit codes.
func runWrite(ctx context.Context, e *env, rawURL string, f writeFlags, spec probes.WriteSpec) error {
	target, err := modbus.ParseURL(rawURL)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	path, err := f.journalPath()
	if err != nil {
		return err
	}
	j, err := probes.OpenJournal(path)
	if err != nil {
		return fmt.Errorf("%w (nothing written: every write is journaled; use --journal FILE)", err)
	}
	defer j.Close()
	w := &writeRun{e: e, f: f, j: j, url: target.String(), spec: spec}
	if spec.Unit == 0 && !spec.Broadcast {
		return w.refuse(usagef("unit 0 is broadcast: every device on the line would take the write; add --broadcast if that is meant (nothing written)"))
	}
	if spec.Broadcast && spec.Unit != 0 {
		return w.refuse(usagef("--broadcast writes to unit 0, not unit %d (nothing written)", spec.Unit))
	}
	if _, err := probes.CheckWrite(spec); err != nil {
		return w.refuse(&codedError{code: exitError, err: fmt.Errorf("%w (nothing written)", err)})
	}
	interactive := e.terminal != nil && e.terminal()
	if !f.yes && !interactive {
		return w.refuse(usagef("stdin is not a terminal, so nobody can confirm: add --yes to write %s (nothing written)", spec.Target()))
	}
	if spec.Broadcast && (target.Scheme == modbus.SchemeTCP || target.Scheme == modbus.SchemeTCPTLS) {
		fmt.Fprintln(e.stderr, "busprobe: warning: Modbus/TCP has no broadcast: a gateway may pass unit 0 to its serial line as a broadcast (no reply), a TCP device may take it as its own address")
	}
	s, err := f.conn.open(ctx, e, rawURL)
	if err != nil {
		return w.fail(nil, nil, err)
	}
	defer s.close()
	pw, err := probes.PlanWrite(ctx, s.client, spec)
	if err != nil {
		return w.fail(&pw, nil, s.explain(spec.Unit, err))
	}
	showPlan(e, w.url, pw)
	if !f.yes {
		if !confirm(e) {
			return w.record(&pw, nil, probes.WriteDeclined, &codedError{code: exitError, err: errors.New("not confirmed: nothing written")})
		}
	}
	res, err := probes.ExecuteWrite(ctx, s.client, pw)
	if err != nil {
		err = &codedError{code: exitError, err: s.explain(spec.Unit, err)}
	}
	return w.record(&pw, &res, res.Status, err)
}
