package probes

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// MaxScanHosts bounds how many addresses one scan may cover (a /16).
const MaxScanHosts = 65536

// ParseTargets expands scan targets into host names or addresses, in order and
// without duplicates. Each spec may hold several targets separated by commas:
//
//	10.0.0.5  plc.local           one host (a name is kept as given)
//	10.0.0.1-20                   a range of the last octet
//	10.0.0.250-10.0.1.5           a range of whole addresses
//	10.0.0.0/24                   a CIDR block, every address of it (as nmap does)
//
// IPv6 addresses and CIDRs work too. More than MaxScanHosts addresses is an error.
func ParseTargets(specs []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(h string) error {
		if seen[h] {
			return nil
		}
		if len(out) >= MaxScanHosts {
			return fmt.Errorf("more than %d target addresses: scan a smaller range", MaxScanHosts)
		}
		seen[h] = true
		out = append(out, h)
		return nil
	}
	for _, spec := range specs {
		for _, s := range strings.Split(spec, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			hosts, err := expandTarget(s)
			if err != nil {
				return nil, err
			}
			for _, h := range hosts {
				if err := add(h); err != nil {
					return nil, err
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no targets given")
	}
	return out, nil
}

// expandTarget expands one host, range or CIDR.
func expandTarget(s string) ([]string, error) {
	bad := func(why string) error { return fmt.Errorf("target %q: %s", s, why) }
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, bad("not a CIDR block (e.g. 10.0.0.0/24)")
		}
		pfx = pfx.Masked()
		bits := pfx.Addr().BitLen() - pfx.Bits()
		if bits > 16 {
			return nil, bad(fmt.Sprintf("block of 2^%d addresses is larger than a /16", bits))
		}
		return walkAddrs(pfx.Addr(), 1<<bits, s)
	}
	if i := strings.LastIndex(s, "-"); i > 0 {
		if first, err := netip.ParseAddr(s[:i]); err == nil {
			rest := s[i+1:]
			var last netip.Addr
			if n, err := strconv.Atoi(rest); err == nil && first.Is4() {
				if n < 0 || n > 255 {
					return nil, bad("last octet out of range 0..255")
				}
				b := first.As4()
				b[3] = byte(n)
				last = netip.AddrFrom4(b)
			} else if last, err = netip.ParseAddr(rest); err != nil {
				return nil, bad("range end is neither an octet nor an address")
			}
			if last.Less(first) {
				return nil, bad("range ends before it starts")
			}
			n := 1
			for a := first; a != last; a = a.Next() {
				n++
				if n > MaxScanHosts {
					return nil, bad(fmt.Sprintf("range larger than %d addresses", MaxScanHosts))
				}
			}
			return walkAddrs(first, n, s)
		}
	}
	if strings.ContainsAny(s, " /\\@?#") {
		return nil, bad("not a host, range or CIDR")
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return []string{a.String()}, nil
	}
	return []string{s}, nil // a host name, resolved when dialled
}

func walkAddrs(a netip.Addr, n int, s string) ([]string, error) {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if !a.IsValid() {
			return nil, fmt.Errorf("target %q: runs past the end of the address space", s)
		}
		out = append(out, a.String())
		a = a.Next()
	}
	return out, nil
}

// ParseIntList parses "1-10,247,255" into sorted distinct integers within
// [lo, hi]. what names the list in errors ("unit", "port").
func ParseIntList(s, what string, lo, hi int) ([]int, error) {
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, isRange := strings.Cut(part, "-")
		from, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil {
			return nil, fmt.Errorf("%s list %q: %q is not a number", what, s, a)
		}
		to := from
		if isRange {
			if to, err = strconv.Atoi(strings.TrimSpace(b)); err != nil {
				return nil, fmt.Errorf("%s list %q: %q is not a number", what, s, b)
			}
		}
		if from > to {
			return nil, fmt.Errorf("%s list %q: range %d-%d ends before it starts", what, s, from, to)
		}
		if from < lo || to > hi {
			return nil, fmt.Errorf("%s list %q: %s out of range %d..%d", what, s, part, lo, hi)
		}
		for i := from; i <= to; i++ {
			set[i] = true
		}
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("%s list %q is empty", what, s)
	}
	out := make([]int, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	sort.Ints(out)
	return out, nil
}
