package modbus

import (
	"encoding/binary"
	"io"
)

// MBAP framing (Modbus/TCP): a 7-byte header [transaction ID][protocol 0]
// [length = 1 + PDU length][unit] followed by the PDU.

// MBAPHeaderLen is the length of the MBAP header including the unit byte.
const MBAPHeaderLen = 7

// MBAPHeader is a decoded MBAP header.
type MBAPHeader struct {
	Transaction uint16
	Protocol    uint16
	Length      uint16 // bytes that follow the length field: unit + PDU
	Unit        byte
}

// EncodeMBAP frames a PDU for unit with transaction ID tid.
func EncodeMBAP(tid uint16, unit byte, p PDU) []byte {
	b := make([]byte, MBAPHeaderLen, MBAPHeaderLen+1+len(p.Data))
	binary.BigEndian.PutUint16(b[0:], tid)
	binary.BigEndian.PutUint16(b[4:], uint16(2+len(p.Data)))
	b[6] = unit
	b = append(b, byte(p.Function))
	return append(b, p.Data...)
}

// DecodeMBAPHeader checks and decodes the 7-byte header at the start of b.
func DecodeMBAPHeader(b []byte) (MBAPHeader, error) {
	if len(b) < MBAPHeaderLen {
		return MBAPHeader{}, frameErr(b, "MBAP header of %d bytes, need 7", len(b))
	}
	h := MBAPHeader{
		Transaction: binary.BigEndian.Uint16(b),
		Protocol:    binary.BigEndian.Uint16(b[2:]),
		Length:      binary.BigEndian.Uint16(b[4:]),
		Unit:        b[6],
	}
	if h.Protocol != 0 {
		return h, frameErr(b[:MBAPHeaderLen], "MBAP protocol ID %d, expected 0", h.Protocol)
	}
	if h.Length < 2 || int(h.Length) > 1+MaxPDUSize {
		return h, frameErr(b[:MBAPHeaderLen], "MBAP length %d out of range 2..254", h.Length)
	}
	return h, nil
}

// DecodeMBAP decodes one whole MBAP frame.
func DecodeMBAP(frame []byte) (MBAPHeader, PDU, error) {
	h, err := DecodeMBAPHeader(frame)
	if err != nil {
		return h, PDU{}, err
	}
	if len(frame) != 6+int(h.Length) {
		return h, PDU{}, frameErr(frame, "MBAP frame is %d bytes, its header says %d", len(frame), 6+int(h.Length))
	}
	p, err := ParsePDU(frame[MBAPHeaderLen:])
	return h, p, err
}

// ReadMBAP reads one MBAP frame from r and returns it whole (header and PDU)
// with its decoded parts. A header that fails its checks is returned as a
// *FrameError before the body is read: the stream is then out of step and
// the caller should drop the connection.
func ReadMBAP(r io.Reader) (frame []byte, h MBAPHeader, p PDU, err error) {
	head := make([]byte, MBAPHeaderLen)
	if _, err = io.ReadFull(r, head); err != nil {
		return head, h, p, err
	}
	if h, err = DecodeMBAPHeader(head); err != nil {
		return head, h, p, err
	}
	frame = make([]byte, 6+int(h.Length))
	copy(frame, head)
	if _, err = io.ReadFull(r, frame[MBAPHeaderLen:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return frame, h, p, err
	}
	p, err = ParsePDU(frame[MBAPHeaderLen:])
	return frame, h, p, err
}
