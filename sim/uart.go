package sim

import (
	"math/bits"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// mismatched reports whether a client at settings client cannot read a bus
// at settings bus cleanly: baud, data bits or parity differ. Stop bits are
// left out: a receiver checks only the first stop bit.
func mismatched(bus, client modbus.LineSettings) bool {
	bus, client = normalize(bus), normalize(client)
	return bus.Baud != client.Baud || bus.DataBits != client.DataBits || bus.Parity != client.Parity
}

// resample returns the bytes a UART at settings rx reads when data is sent
// back to back at settings tx. It is a bit-exact model: the sender's bit
// stream (start, data LSB first, parity, stop, then idle) is sampled at the
// middle of each of the receiver's bit times, a character starting at the
// first low level after the previous character's stop-bit sample. A
// character with a framing error (low stop bit) or a parity error is
// delivered as 0x00, as a Linux tty that checks input (INPCK) delivers it.
// The result is deterministic: the same bytes and settings give the same garbage.
func resample(data []byte, tx, rx modbus.LineSettings) []byte {
	tx, rx = normalize(tx), normalize(rx)
	if tx.Baud <= 0 || rx.Baud <= 0 {
		return nil
	}
	stream := txBits(data, tx)
	// Time is counted in ticks: a tx bit lasts rx.Baud ticks, an rx bit tx.Baud.
	ttx, trx := int64(rx.Baud), int64(tx.Baud)
	level := func(t int64) byte {
		k := t / ttx
		if t < 0 || k >= int64(len(stream)) {
			return 1
		}
		return stream[k]
	}
	var out []byte
	t := int64(0)
	for range len(stream) + 1 {
		s := int64(-1)
		if level(t) == 0 {
			s = t
		} else {
			for k := t/ttx + 1; k < int64(len(stream)); k++ {
				if stream[k] == 0 {
					s = k * ttx
					break
				}
			}
		}
		if s < 0 {
			break
		}
		mid := func(i int) int64 { return s + trx/2 + int64(i)*trx }
		if level(mid(0)) != 0 { // a glitch shorter than half a bit: no start
			t = mid(0)
			continue
		}
		var v byte
		for i := range rx.DataBits {
			v |= level(mid(1+i)) << i
		}
		pos, bad := 1+rx.DataBits, false
		if rx.Parity == "E" || rx.Parity == "O" {
			if level(mid(pos)) != parityBit(v, rx) {
				bad = true
			}
			pos++
		}
		if level(mid(pos)) == 0 {
			bad = true
		}
		if bad {
			v = 0
		}
		out = append(out, v)
		t = mid(pos)
	}
	return out
}

// txBits returns the bit stream (one byte per bit, 0 or 1) of data sent back
// to back at settings s.
func txBits(data []byte, s modbus.LineSettings) []byte {
	stream := make([]byte, 0, len(data)*s.BitsPerChar())
	for _, c := range data {
		stream = append(stream, 0)
		for i := range s.DataBits {
			stream = append(stream, (c>>i)&1)
		}
		if s.Parity == "E" || s.Parity == "O" {
			stream = append(stream, parityBit(c, s))
		}
		for range s.StopBits {
			stream = append(stream, 1)
		}
	}
	return stream
}

// parityBit is the parity bit of c's data bits at settings s.
func parityBit(c byte, s modbus.LineSettings) byte {
	mask := byte(0xFF)
	if s.DataBits == 7 {
		mask = 0x7F
	}
	odd := byte(bits.OnesCount8(c&mask) & 1)
	if s.Parity == "O" {
		return odd ^ 1
	}
	return odd
}
