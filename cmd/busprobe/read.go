package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// readFlags are the flags of `busprobe read`.
type readFlags struct {
	conn    connFlags
	table   string
	address string
	count   uint16
	asJSON  bool

	profile  string       // --profile: read decoded points instead of raw values
	points   []string     // --points: the points to read (default all)
	profiles profileFlags // --profiles: users' profile folders
	sunspec  string       // --sunspec-models: a folder of SunSpec model JSON files
}

// readResult is the JSON document `busprobe read --json` prints.
type readResult struct {
	SchemaVersion int      `json:"schema_version"`
	URL           string   `json:"url"`
	Unit          int      `json:"unit"`
	Table         string   `json:"table"`
	Address       uint16   `json:"address"`
	Count         uint16   `json:"count"`
	Values        []uint16 `json:"values"` // registers, or 0/1 for coils and discrete inputs
}

func newReadCmd(e *env) *cobra.Command {
	var f readFlags
	cmd := &cobra.Command{
		Use:   "read URL",
		Short: "Read registers, coils or discrete inputs, or a profile's decoded points, from one unit",
		Long: `Read raw values from one unit and print address, decimal and hex (bits as 0/1).

Addresses are 0-based protocol addresses (decimal or 0x hex). The table is one of
holding (FC03), input (FC04), coil (FC01) or discrete (FC02).

With --profile sunspec, find "SunS" at 40000, 50000 or 0 and decode every model of
the device's SunSpec chain (models 1, 101, 102 and 103 built in; any other with
--sunspec-models DIR holding the SunSpec Alliance's model JSON files).

With --profile ID, read the profile's points instead (all readable points, or
--points a,b) in the fewest requests the device allows, and print each point's
decoded value with its unit and the raw registers. Exit 0 when every point was
read, 4 when some failed, 1 when none was.`,
		Example: `  busprobe read tcp://127.0.0.1:5020 --unit 1 --table holding --address 0 --count 10
  busprobe read 'rtu:///dev/ttyUSB0?baud=9600&parity=E' --unit 3 --table input --address 0x10 --count 4 --json
  busprobe read 'rtu:///dev/ttyUSB0?baud=9600&parity=N' --unit 1 --profile eastron-sdm630
  busprobe read tcp://10.0.0.5:502 --unit 1 --profile sdm630 --points voltage_l1,frequency --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.profile == "" {
				if len(f.points) > 0 {
					return usagef("--points needs --profile")
				}
				return runRead(cmd.Context(), e, args[0], f)
			}
			for _, name := range []string{"table", "address", "count"} {
				if cmd.Flags().Changed(name) {
					return usagef("--%s does not go with --profile (the profile gives tables and addresses)", name)
				}
			}
			if strings.EqualFold(f.profile, sunspecProfile) {
				return runSunSpecRead(cmd.Context(), e, args[0], f)
			}
			return runProfileRead(cmd.Context(), e, args[0], f)
		},
	}
	f.conn.register(cmd)
	cmd.Flags().StringVar(&f.table, "table", "holding", "register table: holding, input, coil or discrete")
	cmd.Flags().StringVar(&f.address, "address", "0", "first address, 0-based (decimal or 0x hex)")
	cmd.Flags().Uint16Var(&f.count, "count", 1, "number of registers or bits")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print one JSON object")
	cmd.Flags().StringVar(&f.profile, "profile", "", "read and decode the points of this profile (ID or alias)")
	cmd.Flags().StringSliceVar(&f.points, "points", nil, "with --profile: points to read, comma-separated (default all)")
	cmd.Flags().StringVar(&f.sunspec, "sunspec-models", "", "with --profile sunspec: a folder of SunSpec model JSON files (also BUSPROBE_SUNSPEC_MODELS)")
	f.profiles.register(cmd, false)
	return cmd
}

// tableFunction maps a table name to its read function code.
func tableFunction(table string) (modbus.FunctionCode, error) {
	switch strings.ToLower(table) {
	case "holding", "hr", "4":
		return modbus.FuncReadHoldingRegisters, nil
	case "input", "ir", "3":
		return modbus.FuncReadInputRegisters, nil
	case "coil", "coils", "0":
		return modbus.FuncReadCoils, nil
	case "discrete", "di", "1":
		return modbus.FuncReadDiscreteInputs, nil
	}
	return 0, usagef("--table %q: want holding, input, coil or discrete", table)
}

// parseAddress parses a 0-based address in decimal or 0x hex.
func parseAddress(s string) (uint16, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 0, 16)
	if err != nil {
		return 0, usagef("--address %q: want a number 0..65535 (decimal or 0x hex)", s)
	}
	return uint16(v), nil
}

func runRead(ctx context.Context, e *env, rawURL string, f readFlags) error {
	fc, err := tableFunction(f.table)
	if err != nil {
		return err
	}
	addr, err := parseAddress(f.address)
	if err != nil {
		return err
	}
	unit, err := f.conn.unitID()
	if err != nil {
		return err
	}
	if _, err := modbus.ReadRequest(fc, addr, f.count); err != nil {
		return usagef("%v", err)
	}
	s, err := f.conn.open(ctx, e, rawURL)
	if err != nil {
		return err
	}
	defer s.close()
	values, err := readValues(ctx, s.client, unit, fc, addr, f.count)
	if err != nil {
		return s.explain(unit, err)
	}
	if f.asJSON {
		return writeJSON(e.stdout, readResult{
			SchemaVersion: schemaVersion, URL: s.target.String(), Unit: int(unit),
			Table: tableName(fc), Address: addr, Count: f.count, Values: values,
		})
	}
	return writeValues(e.stdout, fc, addr, values)
}

// readValues runs one read and returns registers, or bits as 0/1.
func readValues(ctx context.Context, c *modbus.Client, unit byte, fc modbus.FunctionCode, addr, count uint16) ([]uint16, error) {
	switch fc {
	case modbus.FuncReadHoldingRegisters:
		return c.ReadHoldingRegisters(ctx, unit, addr, count)
	case modbus.FuncReadInputRegisters:
		return c.ReadInputRegisters(ctx, unit, addr, count)
	}
	var bits []bool
	var err error
	if fc == modbus.FuncReadCoils {
		bits, err = c.ReadCoils(ctx, unit, addr, count)
	} else {
		bits, err = c.ReadDiscreteInputs(ctx, unit, addr, count)
	}
	values := make([]uint16, len(bits))
	for i, b := range bits {
		if b {
			values[i] = 1
		}
	}
	return values, err
}

func tableName(fc modbus.FunctionCode) string {
	switch fc {
	case modbus.FuncReadCoils:
		return "coil"
	case modbus.FuncReadDiscreteInputs:
		return "discrete"
	case modbus.FuncReadInputRegisters:
		return "input"
	}
	return "holding"
}

// writeValues prints one line per value: address, decimal, hex (bits: 0/1).
func writeValues(w io.Writer, fc modbus.FunctionCode, addr uint16, values []uint16) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	bits := fc == modbus.FuncReadCoils || fc == modbus.FuncReadDiscreteInputs
	if bits {
		fmt.Fprintln(tw, "address\tvalue\t")
	} else {
		fmt.Fprintln(tw, "address\tdecimal\thex\t")
	}
	for i, v := range values {
		a := int(addr) + i
		if bits {
			fmt.Fprintf(tw, "%d\t%d\t\n", a, v)
		} else {
			fmt.Fprintf(tw, "%d\t%d\t0x%04X\t\n", a, v, v)
		}
	}
	return tw.Flush()
}

// explainTimeout adds the line settings to a timeout on a serial target.
func explainTimeout(target modbus.Target, err error) error {
	var te *modbus.TimeoutError
	if errors.As(err, &te) && target.Scheme == modbus.SchemeRTU {
		return fmt.Errorf("%w (%s)", err, target.Line)
	}
	return err
}
