package probes

import (
	"errors"

	"github.com/busprobe/busprobe/profiles"
)

// NewJournalEntry builds the journal line of one write attempt: target is
// the URL, pw the plan (nil when the write was refused before planning),
// res the result (nil when nothing was sent), err the error that ended it
// and status the outcome (WriteRefused, WriteDeclined, …; taken from res
// when empty).
func NewJournalEntry(target string, spec WriteSpec, pw *PlannedWrite, res *WriteResult, status WriteStatus, err error) JournalEntry {
	e := JournalEntry{Target: target, Unit: int(spec.Unit), Broadcast: spec.Broadcast, Result: string(status)}
	if spec.Profile != nil {
		e.Profile, e.Point, e.Input = spec.Profile.ID, spec.Point, spec.Value
		if pt, ok := spec.Profile.Point(spec.Point); ok {
			e.Table, e.Address = pt.Table.String(), intPtr(int(pt.Address))
		}
	} else {
		e.Table, e.Address = spec.Table.String(), intPtr(int(spec.Address))
		e.NewRaw = rawIntsOf(spec.Registers, spec.Bits)
	}
	if pw != nil {
		e.Function = int(pw.Function)
		e.OldRaw, e.NewRaw = rawIntsOf(pw.OldRegs, pw.OldBits), rawIntsOf(pw.NewRegs, pw.NewBits)
		e.OldValue, e.NewValue = valueOrNil(pw.Point, pw.Old), valueOrNil(pw.Point, pw.New)
	}
	if res != nil {
		e.ReadBackRaw = rawIntsOf(res.ReadRegs, res.ReadBits)
		e.ReadBack = valueOrNil(res.Plan.Point, res.ReadBack)
		if e.Result == "" {
			e.Result = string(res.Status)
		}
	}
	if e.Result == "" {
		e.Result = string(statusOf(err))
	}
	if err != nil {
		e.Error = err.Error()
	}
	return e
}

// statusOf classifies an error that ended a write attempt before a result.
func statusOf(err error) WriteStatus {
	var re *RefusedError
	if errors.As(err, &re) {
		return WriteRefused
	}
	return WriteFailed
}

// valueOrNil returns the JSON form of a decoded value, nil when absent.
func valueOrNil(pt *profiles.Point, v *profiles.Value) any {
	if pt == nil || v == nil {
		return nil
	}
	return JSONValue(pt, *v)
}

// rawIntsOf returns registers, or bits as 0/1, as ints for JSON; nil
// when there are none.
func rawIntsOf(regs []uint16, bits []bool) []int {
	if len(regs)+len(bits) == 0 {
		return nil
	}
	out := make([]int, 0, len(regs)+len(bits))
	for _, r := range regs {
		out = append(out, int(r))
	}
	for _, b := range bits {
		if b {
			out = append(out, 1)
		} else {
			out = append(out, 0)
		}
	}
	return out
}

func intPtr(i int) *int { return &i }
