package modbus

import (
	"fmt"
	"strconv"
	"strings"
)

// describeReply explains a normal (non-exception) reply PDU's function and
// data; req, when it asked the same function, tells how many bits were read
// and what a write or echo repeated.
func describeReply(fc FunctionCode, d []byte, req *PDU) string {
	asked := req != nil && req.Function == fc
	table, digit := tableOf(fc)
	switch fc {
	case FuncReadCoils, FuncReadDiscreteInputs:
		if len(d) < 1 || int(d[0]) != len(d)-1 {
			return malformed(fc, "reply", d)
		}
		n := 8 * int(d[0])
		if asked && len(req.Data) == 4 {
			if c := int(u16(req.Data[2:])); (c+7)/8 == int(d[0]) {
				n = c
			}
		}
		if fc == FuncReadDiscreteInputs {
			table = "discrete inputs"
		}
		return fmt.Sprintf("reply %d %s: %s", n, table, bitString(d[1:], n))
	case FuncReadHoldingRegisters, FuncReadInputRegisters, FuncReadWriteMultipleRegisters:
		if len(d) < 1 || int(d[0]) != len(d)-1 || d[0]%2 != 0 {
			return malformed(fc, "reply", d)
		}
		n := int(d[0]) / 2
		unit := "registers"
		if n == 1 {
			unit = "register"
		}
		return fmt.Sprintf("reply %d %s: %s", n, unit, registers(d[1:]))
	case FuncWriteSingleCoil:
		if len(d) != 4 {
			return malformed(fc, "reply", d)
		}
		return fmt.Sprintf("wrote coil %s = %s%s", span(digit, int(u16(d)), 1), coilValue(u16(d[2:])), echoCheck(asked, req, d, 4))
	case FuncWriteSingleRegister:
		if len(d) != 4 {
			return malformed(fc, "reply", d)
		}
		v := u16(d[2:])
		return fmt.Sprintf("wrote single register %s = %d (0x%04X)%s", span(digit, int(u16(d)), 1), v, v, echoCheck(asked, req, d, 4))
	case FuncWriteMultipleCoils, FuncWriteMultipleRegisters:
		if len(d) != 4 {
			return malformed(fc, "reply", d)
		}
		n := int(u16(d[2:]))
		what := "registers"
		if fc == FuncWriteMultipleCoils {
			what = "coils"
		}
		return fmt.Sprintf("wrote %d %s %s%s", n, what, span(digit, int(u16(d)), n), echoCheck(asked, req, d, 4))
	case FuncDiagnostics:
		if len(d) < 2 {
			return malformed(fc, "reply", d)
		}
		s := describeDiagnostics(u16(d), d[2:], true)
		if asked && string(req.Data) != string(d) && u16(d) == DiagReturnQueryData {
			s += " (differs from the request)"
		}
		return s
	case FuncReportServerID:
		if len(d) < 1 || int(d[0]) != len(d)-1 {
			return malformed(fc, "reply", d)
		}
		return describeServerID(ServerID{Raw: d[1:]})
	case FuncEncapsulatedInterface:
		if len(d) >= 1 && d[0] == MEITypeReadDeviceID {
			return describeDeviceID(d)
		}
		if len(d) == 0 {
			return malformed(fc, "reply", d)
		}
		return fmt.Sprintf("encapsulated interface MEI 0x%02X reply (%d bytes)", d[0], len(d)-1)
	}
	return fmt.Sprintf("%s reply (%d data bytes)", functionLabel(fc), len(d))
}

// echoCheck notes a write reply that does not repeat the request's first n data bytes.
func echoCheck(asked bool, req *PDU, d []byte, n int) string {
	if !asked || len(req.Data) < n || len(d) < n || string(req.Data[:n]) == string(d[:n]) {
		return ""
	}
	return " (does not repeat the request)"
}

// diagnosticsName names a function 8 sub-function.
func diagnosticsName(sub uint16) string {
	switch sub {
	case 0x00:
		return "return query data"
	case 0x01:
		return "restart communications"
	case 0x02:
		return "return diagnostic register"
	case 0x03:
		return "change ASCII input delimiter"
	case 0x04:
		return "force listen only mode"
	case 0x0A:
		return "clear counters and diagnostic register"
	case 0x0B:
		return "bus message count"
	case 0x0C:
		return "bus communication error count"
	case 0x0D:
		return "bus exception error count"
	case 0x0E:
		return "server message count"
	case 0x0F:
		return "server no response count"
	case 0x10:
		return "server NAK count"
	case 0x11:
		return "server busy count"
	case 0x12:
		return "bus character overrun count"
	case 0x14:
		return "clear overrun counter and flag"
	}
	return fmt.Sprintf("sub-function 0x%04X", sub)
}

// describeDiagnostics explains a function 8 request or reply.
func describeDiagnostics(sub uint16, data []byte, reply bool) string {
	name := diagnosticsName(sub)
	switch {
	case sub == DiagReturnQueryData && reply:
		return fmt.Sprintf("diagnostics %s: echoed %d bytes", name, len(data))
	case sub == DiagReturnQueryData:
		if len(data) == 0 {
			return "diagnostics " + name + " (no data)"
		}
		return fmt.Sprintf("diagnostics %s (echo %d bytes: %s)", name, len(data), hexBytes(data))
	case reply && len(data) == 2 && sub >= 0x0B && sub <= 0x12:
		return fmt.Sprintf("diagnostics %s = %d", name, u16(data))
	case len(data) == 2:
		return fmt.Sprintf("diagnostics %s, data 0x%04X", name, u16(data))
	case len(data) == 0:
		return "diagnostics " + name
	}
	return fmt.Sprintf("diagnostics %s, data %s", name, hexBytes(data))
}

// describeServerID explains a function 17 reply.
func describeServerID(s ServerID) string {
	if len(s.Raw) == 0 {
		return "server ID: empty"
	}
	parts := []string{fmt.Sprintf("server ID 0x%02X", s.Raw[0])}
	if running, ok := s.RunIndicator(); ok {
		if running {
			parts = append(parts, "running")
		} else {
			parts = append(parts, "stopped")
		}
	}
	if t := s.Text(); t != "" {
		parts = append(parts, quoteShort(t))
	}
	parts = append(parts, fmt.Sprintf("%d bytes", len(s.Raw)))
	return strings.Join(parts, ", ")
}

// describeDeviceID explains a 43/14 reply whose data (MEI type first) is d.
func describeDeviceID(d []byte) string {
	page, err := ParseDeviceID(PDU{Function: FuncEncapsulatedInterface}, PDU{Function: FuncEncapsulatedInterface, Data: d})
	if err != nil {
		return fmt.Sprintf("malformed device identification reply (%d bytes)", len(d))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "device identification (%s, conformity 0x%02X)", deviceIDCodeName(byte(page.Code)), page.Conformity)
	for i, o := range page.Objects {
		if i == describeMaxObjects {
			fmt.Fprintf(&sb, " … (+%d more)", len(page.Objects)-describeMaxObjects)
			break
		}
		fmt.Fprintf(&sb, " %s=%s", ObjectName(o.ID), quoteShort(string(o.Value)))
	}
	if page.MoreFollows {
		fmt.Fprintf(&sb, "; more follows from object 0x%02X", page.NextObjectID)
	}
	return sb.String()
}

// quoteShort quotes a text value, cut to describeMaxText runes.
func quoteShort(s string) string {
	r := []rune(s)
	if len(r) > describeMaxText {
		return strconv.Quote(string(r[:describeMaxText])) + "…"
	}
	return strconv.Quote(s)
}
