package probes

// Guarded writes: a write is checked without touching the bus (CheckWrite),
// planned by reading what the device holds now and encoding the new value
// (PlanWrite), then sent and read back (ExecuteWrite). The CLI and the TUI
// show the PlannedWrite for confirmation between the last two steps.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// Protocol limits of one write request.
const (
	MaxWriteRegisters = 123  // FC16
	MaxWriteBits      = 1968 // FC15
)

// WriteSpec says what to write to one unit: a profile point and a value as
// the user typed it, or raw registers or coils at an address.
type WriteSpec struct {
	Unit byte
	// Broadcast allows unit 0: the write goes to every device on a serial
	// line, nothing answers, so no old value is read and nothing is read
	// back.
	Broadcast bool

	Profile *profiles.Profile // point writes: the profile…
	Point   string            // …the point's name…
	Value   string            // …and its new value (engineering units, enum name, on/off, text)

	Table     profiles.Table // raw writes: TableHolding or TableCoil
	Address   uint16         // raw writes: the first address (0-based)
	Registers []uint16       // raw holding writes
	Bits      []bool         // raw coil writes

	// MultiWrite sends FC16 (FC15 for coils) even for one register (coil);
	// by default one register goes with FC06 and one coil with FC05.
	MultiWrite bool
	// OutOfRange allows a value outside the point's plausible range.
	OutOfRange bool
}

// Target describes the written span as the journal and prompts name it,
// e.g. "demand_period (holding 2, f32)" or "holding 10..11".
func (s WriteSpec) Target() string {
	if s.Profile != nil {
		if pt, ok := s.Profile.Point(s.Point); ok {
			return pt.String()
		}
		return s.Point
	}
	n := max(len(s.Registers), len(s.Bits))
	if n <= 1 {
		return fmt.Sprintf("%s %d", s.Table, s.Address)
	}
	return fmt.Sprintf("%s %d..%d", s.Table, s.Address, int(s.Address)+n-1)
}

// RefusedError is a write busprobe will not send, with the reason. Nothing
// was sent when it is returned.
type RefusedError struct {
	Target string // what the write was for, e.g. "voltage_l1 (input 0 f32)"
	Reason string
}

// Error formats as "write TARGET refused: REASON".
func (e *RefusedError) Error() string {
	return fmt.Sprintf("write %s refused: %s", e.Target, e.Reason)
}

// refused builds a RefusedError for spec.
func refused(spec WriteSpec, format string, args ...any) *RefusedError {
	return &RefusedError{Target: spec.Target(), Reason: fmt.Sprintf(format, args...)}
}

// WriteStageError is a failure at one stage of a write: reading the old
// value or the scale factor, encoding, sending, or reading back.
type WriteStageError struct {
	Stage string // "read old value", "encode", "write", "read back"
	Err   error
}

// Error formats as "STAGE: ERR".
func (e *WriteStageError) Error() string { return e.Stage + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *WriteStageError) Unwrap() error { return e.Err }

// CheckWrite checks a write without any I/O: the point exists and may be
// written, the table takes writes, the unit fits the broadcast setting and
// the request fits the protocol. It returns the point (nil for raw
// writes); any refusal is a *RefusedError.
func CheckWrite(spec WriteSpec) (*profiles.Point, error) {
	if spec.Unit == 0 && !spec.Broadcast {
		return nil, refused(spec, "unit 0 is broadcast: every device on the line would take the write (use --broadcast if that is meant)")
	}
	if spec.Unit != 0 && spec.Broadcast {
		return nil, refused(spec, "broadcast goes to unit 0, not unit %d", spec.Unit)
	}
	if spec.Profile == nil {
		return nil, checkRawWrite(spec)
	}
	pt, ok := spec.Profile.Point(spec.Point)
	if !ok {
		return nil, refused(spec, "profile %s has no point %q", spec.Profile.ID, spec.Point)
	}
	switch {
	case pt.Table == profiles.TableInput || pt.Table == profiles.TableDiscrete:
		return nil, refused(spec, "the %s table is read-only", pt.Table)
	case !pt.Access.CanWrite():
		return nil, refused(spec, "point %s is read-only in profile %s (access: %s)", pt.Name, spec.Profile.ID, pt.Access)
	}
	if isRegisterBit(pt) && (spec.Broadcast || !pt.Access.CanRead()) {
		return nil, refused(spec, "%s is bit %d of a register: writing it means read-modify-write, which needs a readable unit", pt.Name, *pt.Bit)
	}
	if pt.ScaleFactor != "" && spec.Broadcast {
		return nil, refused(spec, "%s is scaled by %s, which a broadcast cannot read", pt.Name, pt.ScaleFactor)
	}
	if pt.Size() > MaxWriteRegisters {
		return nil, refused(spec, "%d registers do not fit one write (at most %d)", pt.Size(), MaxWriteRegisters)
	}
	return pt, nil
}

// checkRawWrite checks a write of raw registers or coils.
func checkRawWrite(spec WriteSpec) error {
	switch spec.Table {
	case profiles.TableHolding:
		if len(spec.Bits) > 0 {
			return refused(spec, "holding registers take register values, not bits")
		}
		if n := len(spec.Registers); n == 0 || n > MaxWriteRegisters {
			return refused(spec, "%d values: one write takes 1..%d registers", n, MaxWriteRegisters)
		}
		if int(spec.Address)+len(spec.Registers) > 0x10000 {
			return refused(spec, "runs past address 65535")
		}
	case profiles.TableCoil:
		if len(spec.Registers) > 0 {
			return refused(spec, "coils take bits, not register values")
		}
		if n := len(spec.Bits); n == 0 || n > MaxWriteBits {
			return refused(spec, "%d values: one write takes 1..%d coils", n, MaxWriteBits)
		}
		if int(spec.Address)+len(spec.Bits) > 0x10000 {
			return refused(spec, "runs past address 65535")
		}
	default:
		return refused(spec, "the %s table is read-only (writes go to holding registers or coils)", spec.Table)
	}
	return nil
}

// isRegisterBit reports whether pt is a bool that is one bit of a register.
func isRegisterBit(pt *profiles.Point) bool {
	return pt.Type == profiles.TypeBool && pt.Bit != nil && !pt.Table.IsBit()
}

// PlannedWrite is a write ready to send: what the device holds now and
// exactly which registers or coils will be sent.
type PlannedWrite struct {
	Spec     WriteSpec
	Point    *profiles.Point     // nil for raw writes
	Table    profiles.Table      // holding or coil
	Address  uint16              // first address sent
	Function modbus.FunctionCode // 5, 6, 15 or 16
	SF       *int                // the scale factor used, when the point has one

	// OldRegs/OldBits are the span's values before the write; nil when
	// they could not be read (broadcast, write-only point).
	OldRegs []uint16
	OldBits []bool
	Old     *profiles.Value // the point's decoded old value (point writes)

	NewRegs []uint16        // exactly the registers sent (holding)
	NewBits []bool          // exactly the coils sent (coil)
	New     *profiles.Value // the new value decoded back from NewRegs/NewBits (point writes)

	// Mask is, for a bit of a register, the register with only that bit
	// set: the read-back compares only these bits. Zero otherwise.
	Mask uint16
}

// PlanWrite checks spec, reads the old value (and the scale factor) from
// the unit unless it is a broadcast, and encodes the new value. For a bit
// of a register the other bits are kept: the register sent is the old
// one with that bit changed. Nothing is written.
func PlanWrite(ctx context.Context, c *modbus.Client, spec WriteSpec) (PlannedWrite, error) {
	pt, err := CheckWrite(spec)
	if err != nil {
		return PlannedWrite{}, err
	}
	if pt == nil {
		return planRaw(ctx, c, spec)
	}
	pw := PlannedWrite{Spec: spec, Point: pt, Table: pt.Table, Address: pt.Address}
	if err := pw.readOld(ctx, c); err != nil {
		return pw, err
	}
	if err := pw.encode(); err != nil {
		return pw, err
	}
	pw.Function = writeFunction(pw.Table, max(len(pw.NewRegs), len(pw.NewBits)), spec.MultiWrite)
	return pw, nil
}

// planRaw reads the span's old values (unless broadcast) for a raw write.
func planRaw(ctx context.Context, c *modbus.Client, spec WriteSpec) (PlannedWrite, error) {
	pw := PlannedWrite{Spec: spec, Table: spec.Table, Address: spec.Address,
		NewRegs: spec.Registers, NewBits: spec.Bits}
	pw.Function = writeFunction(spec.Table, max(len(spec.Registers), len(spec.Bits)), spec.MultiWrite)
	if spec.Broadcast {
		return pw, nil
	}
	var err error
	if spec.Table == profiles.TableCoil {
		pw.OldBits, err = c.ReadCoils(ctx, spec.Unit, spec.Address, uint16(len(spec.Bits)))
	} else {
		pw.OldRegs, err = c.ReadHoldingRegisters(ctx, spec.Unit, spec.Address, uint16(len(spec.Registers)))
	}
	if err != nil {
		return pw, &WriteStageError{Stage: "read old value", Err: err}
	}
	return pw, nil
}

// readOld reads the point's old value and its scale factor in one
// planned read (only the scale factor for a write-only point; nothing for
// a broadcast).
func (pw *PlannedWrite) readOld(ctx context.Context, c *modbus.Client) error {
	spec, pt := pw.Spec, pw.Point
	var names []string
	if pt.Access.CanRead() {
		names = append(names, pt.Name)
	}
	if pt.ScaleFactor != "" {
		names = append(names, pt.ScaleFactor)
	}
	if spec.Broadcast || len(names) == 0 {
		return nil
	}
	rd, err := ReadPoints(ctx, c, spec.Unit, spec.Profile, names)
	if err != nil {
		return &WriteStageError{Stage: "read old value", Err: err}
	}
	for _, r := range rd.Points {
		if r.Err != nil {
			return &WriteStageError{Stage: "read old value", Err: fmt.Errorf("%s: %w", r.Name, r.Err)}
		}
		switch {
		case r.Name == pt.ScaleFactor:
			sf := int(r.Value.Int)
			pw.SF = &sf
		case r.Name == pt.Name:
			v := r.Value
			pw.Old, pw.OldRegs, pw.OldBits = &v, v.Raw, v.RawBits
		}
	}
	if pt.ScaleFactor != "" && pw.SF == nil {
		return &WriteStageError{Stage: "read old value", Err: fmt.Errorf("scale factor %s not read", pt.ScaleFactor)}
	}
	return nil
}

// encode encodes spec.Value into NewRegs or NewBits and decodes it back.
func (pw *PlannedWrite) encode() error {
	pt, in := pw.Point, pw.Spec.Value
	if pt.Table.IsBit() {
		bits, err := pt.EncodeBits(in)
		if err != nil {
			return &WriteStageError{Stage: "encode", Err: err}
		}
		v, err := pt.DecodeBits(bits)
		if err != nil {
			return &WriteStageError{Stage: "encode", Err: err}
		}
		pw.NewBits, pw.New = bits, &v
		return nil
	}
	regs, err := pt.Encode(userValue(pt, in), pw.SF)
	if err != nil {
		return &WriteStageError{Stage: "encode", Err: err}
	}
	if isRegisterBit(pt) {
		mask, err := pt.Encode(true, nil)
		if err != nil || len(pw.OldRegs) != 1 {
			return &WriteStageError{Stage: "encode", Err: errors.New("cannot merge the bit into the register")}
		}
		pw.Mask = mask[0]
		regs = []uint16{pw.OldRegs[0]&^pw.Mask | regs[0]&pw.Mask}
	}
	v, err := pt.Decode(regs, pw.SF)
	if err != nil {
		return &WriteStageError{Stage: "encode", Err: err}
	}
	if !pw.Spec.OutOfRange && !pt.InRange(v) {
		return refused(pw.Spec, "%s is outside the point's plausible range %g..%g", v.Display, pt.Range.Min, pt.Range.Max)
	}
	pw.NewRegs, pw.New = regs, &v
	return nil
}

// userValue turns the typed value into what Encode takes: a float for a
// float point (so "1500" is 1500.0, not the raw bits 1500), the text
// otherwise (numbers, enum names, bit names, on/off, strings).
func userValue(pt *profiles.Point, s string) any {
	if pt.Type.IsFloat() {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f
		}
	}
	return s
}

// writeFunction picks the function code: the single-item function for one
// register or coil unless multi is set.
func writeFunction(t profiles.Table, n int, multi bool) modbus.FunctionCode {
	single := n == 1 && !multi
	switch {
	case t == profiles.TableCoil && single:
		return modbus.FuncWriteSingleCoil
	case t == profiles.TableCoil:
		return modbus.FuncWriteMultipleCoils
	case single:
		return modbus.FuncWriteSingleRegister
	}
	return modbus.FuncWriteMultipleRegisters
}
