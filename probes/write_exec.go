package probes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// WriteStatus is the outcome of a write, as the journal records it.
type WriteStatus string

// Write outcomes.
const (
	WriteOK         WriteStatus = "ok"         // written and read back equal
	WriteMismatch   WriteStatus = "mismatch"   // written, but the device reads back something else
	WriteSent       WriteStatus = "sent"       // broadcast: sent, nothing answers by design
	WriteUnverified WriteStatus = "unverified" // written, but the point cannot be read back (write-only) or the read-back failed
	WriteFailed     WriteStatus = "failed"     // the write request failed (exception, timeout, …)
	WriteRefused    WriteStatus = "refused"    // busprobe refused it; nothing sent
	WriteDeclined   WriteStatus = "declined"   // the user answered no; nothing sent
)

// WriteResult is what ExecuteWrite did.
type WriteResult struct {
	Plan     PlannedWrite
	Status   WriteStatus
	ReadRegs []uint16        // registers read back (holding)
	ReadBits []bool          // coils read back (coil)
	ReadBack *profiles.Value // the point's value read back (point writes)
	// Note explains a broadcast's or an unverified write's status.
	Note string
}

// MismatchError says the device reads back something other than what was
// written: it took another value, or refused it silently.
type MismatchError struct {
	Wrote, Read string // as the technician reads them, e.g. "15 min [4170 0000]"
}

// Error implements error.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("read back %s after writing %s: the device did not keep the value (out of its range, locked, or needs a password?)", e.Read, e.Wrote)
}

// ExecuteWrite sends a planned write and reads the span back. The error
// is a *WriteStageError when the write or the read-back failed, a
// *MismatchError when the read-back differs; the result says what
// happened in every case.
func ExecuteWrite(ctx context.Context, c *modbus.Client, pw PlannedWrite) (WriteResult, error) {
	res := WriteResult{Plan: pw}
	unit := pw.Spec.Unit
	if err := send(ctx, c, pw); err != nil {
		if unit == 0 && errors.Is(err, modbus.ErrTimeout) {
			// Modbus/TCP: a gateway forwards unit 0 as a serial broadcast
			// and has nothing to answer.
			res.Status, res.Note = WriteSent, "broadcast: no reply (none is expected)"
			return res, nil
		}
		res.Status = WriteFailed
		return res, &WriteStageError{Stage: "write", Err: err}
	}
	if unit == 0 {
		res.Status, res.Note = WriteSent, "broadcast: nothing answers, nothing read back"
		return res, nil
	}
	if pw.Point != nil && !pw.Point.Access.CanRead() {
		res.Status, res.Note = WriteUnverified, "write-only point: cannot be read back"
		return res, nil
	}
	if err := res.readBack(ctx, c); err != nil {
		res.Status, res.Note = WriteUnverified, "written, but the read-back failed"
		return res, &WriteStageError{Stage: "read back", Err: err}
	}
	if !res.matches() {
		res.Status = WriteMismatch
		return res, &MismatchError{Wrote: describeWrite(pw.New, pw.NewRegs, pw.NewBits), Read: describeWrite(res.ReadBack, res.ReadRegs, res.ReadBits)}
	}
	res.Status = WriteOK
	return res, nil
}

// send issues the write request.
func send(ctx context.Context, c *modbus.Client, pw PlannedWrite) error {
	unit, a := pw.Spec.Unit, pw.Address
	switch pw.Function {
	case modbus.FuncWriteSingleCoil:
		return c.WriteSingleCoil(ctx, unit, a, pw.NewBits[0])
	case modbus.FuncWriteMultipleCoils:
		return c.WriteMultipleCoils(ctx, unit, a, pw.NewBits)
	case modbus.FuncWriteSingleRegister:
		return c.WriteSingleRegister(ctx, unit, a, pw.NewRegs[0])
	}
	return c.WriteMultipleRegisters(ctx, unit, a, pw.NewRegs)
}

// readBack reads the written span and decodes the point.
func (r *WriteResult) readBack(ctx context.Context, c *modbus.Client) error {
	pw := r.Plan
	var err error
	if pw.Table == profiles.TableCoil {
		r.ReadBits, err = c.ReadCoils(ctx, pw.Spec.Unit, pw.Address, uint16(len(pw.NewBits)))
	} else {
		r.ReadRegs, err = c.ReadHoldingRegisters(ctx, pw.Spec.Unit, pw.Address, uint16(len(pw.NewRegs)))
	}
	if err != nil || pw.Point == nil {
		return err
	}
	var v profiles.Value
	if pw.Table == profiles.TableCoil {
		v, err = pw.Point.DecodeBits(r.ReadBits)
	} else {
		v, err = pw.Point.Decode(r.ReadRegs, pw.SF)
	}
	if err != nil {
		return err
	}
	r.ReadBack = &v
	return nil
}

// matches compares what was read back with what was sent: every bit for
// raw writes and whole points, only the point's bit for a bit of a
// register.
func (r *WriteResult) matches() bool {
	pw := r.Plan
	if pw.Table == profiles.TableCoil {
		return slices.Equal(r.ReadBits, pw.NewBits)
	}
	if pw.Mask != 0 {
		return len(r.ReadRegs) == 1 && r.ReadRegs[0]&pw.Mask == pw.NewRegs[0]&pw.Mask
	}
	return slices.Equal(r.ReadRegs, pw.NewRegs)
}

// describeWrite formats a value with its raw form, e.g. "15 min [4170 0000]".
func describeWrite(v *profiles.Value, regs []uint16, bits []bool) string {
	raw := RawString(regs, bits)
	if v == nil {
		return "[" + raw + "]"
	}
	return v.Display + " [" + raw + "]"
}

// RawString formats registers as hex words ("4170 0000") and bits as 0/1.
func RawString(regs []uint16, bits []bool) string {
	parts := make([]string, 0, len(regs)+len(bits))
	for _, w := range regs {
		parts = append(parts, fmt.Sprintf("%04X", w))
	}
	for _, b := range bits {
		if b {
			parts = append(parts, "1")
		} else {
			parts = append(parts, "0")
		}
	}
	return strings.Join(parts, " ")
}
