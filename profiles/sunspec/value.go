package sunspec

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/busprobe/busprobe/profiles"
)

// profilePoint returns the profiles.Point that decodes a SunSpec point at
// addr, and ok=false for the types profiles has no equivalent for
// (bitfield64, ipaddr, ipv6addr, eui48; see decodeOwn).
func profilePoint(p *PointDef, addr uint16) (profiles.Point, bool) {
	pt := profiles.Point{Name: p.Name, Label: p.Label, Table: profiles.TableHolding, Address: addr,
		Unit: p.Units, Scale: 1, SunSpec: true, ScaleFactor: p.SF}
	if p.FixedSF != nil {
		pt.ScaleFactor = strconv.Itoa(*p.FixedSF)
	}
	zero := uint64(0)
	switch p.Type {
	case Int16:
		pt.Type = profiles.TypeI16
	case Uint16, Count:
		pt.Type = profiles.TypeU16
	case Acc16:
		pt.Type, pt.NotImplemented = profiles.TypeU16, &zero
	case Int32:
		pt.Type = profiles.TypeI32
	case Uint32:
		pt.Type = profiles.TypeU32
	case Acc32:
		pt.Type = profiles.TypeAcc32
	case Int64:
		pt.Type = profiles.TypeI64
	case Uint64:
		pt.Type = profiles.TypeU64
	case Acc64:
		pt.Type, pt.NotImplemented = profiles.TypeU64, &zero
	case Float32:
		pt.Type = profiles.TypeF32
	case Float64:
		pt.Type = profiles.TypeF64
	case Enum16:
		pt.Type = profiles.TypeEnum
	case Enum32:
		pt.Type = profiles.TypeU32
	case Bitfield16, Bitfield32:
		pt.Type, pt.Length = profiles.TypeBits, p.Size
	case String:
		pt.Type, pt.Length = profiles.TypeString, p.Size
	case SunSSF:
		pt.Type = profiles.TypeSunSSF
	default:
		return pt, false
	}
	if !pt.Type.IsNumeric() {
		pt.ScaleFactor = ""
	}
	for _, s := range p.Symbols {
		switch {
		case pt.Type == profiles.TypeBits:
			if s.Value >= 0 && s.Value < int64(16*p.Size) {
				if pt.Bits == nil {
					pt.Bits = map[int]string{}
				}
				pt.Bits[int(s.Value)] = s.Name
			}
		case pt.Type.IsInteger():
			if pt.Enum == nil {
				pt.Enum = map[int64]string{}
			}
			pt.Enum[s.Value] = s.Name
		}
	}
	if len(pt.Enum) > 0 {
		pt.ScaleFactor = ""
	}
	return pt, true
}

// decodeOwn decodes the types profiles has no equivalent for: bitfield64
// (bit names), ipaddr (dotted quad), ipv6addr and eui48 (as text). All
// ones (bitfield64, eui48) or all zeros (addresses) read as not implemented.
func decodeOwn(p *PointDef, regs []uint16) profiles.Value {
	v := profiles.Value{Point: p.Name, Raw: append([]uint16(nil), regs...), Unit: p.Units, Implemented: true}
	var b []byte
	for _, r := range regs {
		b = append(b, byte(r>>8), byte(r))
	}
	var u uint64
	for _, x := range b {
		u = u<<8 | uint64(x)
	}
	allZero := strings.Trim(string(b), "\x00") == ""
	switch p.Type {
	case Bitfield64:
		v.Kind, v.Uint = profiles.KindBits, u
		v.Implemented = u != math.MaxUint64
		names := map[int64]string{}
		for _, s := range p.Symbols {
			names[s.Value] = s.Name
		}
		for i := int64(0); i < 64; i++ {
			if u>>uint(i)&1 == 1 {
				n, ok := names[i]
				if !ok {
					n = "bit" + strconv.FormatInt(i, 10)
				}
				v.Bits = append(v.Bits, n)
			}
		}
		v.Text = strings.Join(v.Bits, "|")
		if v.Text == "" {
			v.Text = "-"
		}
	case IPAddr:
		v.Kind, v.Implemented = profiles.KindText, !allZero
		v.Text = netip.AddrFrom4([4]byte(b[:4])).String()
	case IPv6Addr:
		v.Kind, v.Implemented = profiles.KindText, !allZero
		v.Text = netip.AddrFrom16([16]byte(b[:16])).String()
	case EUI48:
		// Four registers; the MAC address is the low 48 bits.
		v.Kind, v.Uint = profiles.KindText, u
		v.Implemented = u != math.MaxUint64 && u&0xFFFFFFFFFFFF != 0xFFFFFFFFFFFF
		v.Text = fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", b[2], b[3], b[4], b[5], b[6], b[7])
	}
	v.Display = v.Text
	if !v.Implemented {
		v.Display = "n/a"
	}
	return v
}
