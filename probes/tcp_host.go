package probes

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// scanHostPort probes every unit of one host:port and identifies what answers.
func (s *tcpScanner) scanHostPort(ctx context.Context, host string, port int) (devs []Device, notes []string) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	h := &tcpHostConn{s: s, addr: addr}
	defer h.close()
	if err := h.open(ctx, FramingMBAP); err != nil {
		return nil, nil // nothing listens there: not worth a note on a range scan
	}
	units := s.cfg.Units
	results := make(map[int]tcpProbe, len(units))
	note := func(f string, a ...any) { notes = append(notes, addr+": "+fmt.Sprintf(f, a...)) }

	// First units in MBAP; if all silent, ask in RTU framing.
	const firstUnits = 2
	i := 0
	for ; i < len(units) && i < firstUnits; i++ {
		r := h.probe(ctx, units[i], h.timeout())
		results[units[i]] = r
		if r.out != tcpOutSilent {
			i++
			break
		}
	}
	if h.replies == 0 && !s.cfg.NoRTU && ctx.Err() == nil {
		if err := h.open(ctx, FramingRTU); err == nil {
			for j := 0; j < i; j++ {
				r := h.probe(ctx, units[j], h.timeout())
				if r.out == tcpOutBroken {
					break // the peer closed on RTU bytes: it speaks MBAP
				}
				if r.out == tcpOutDevice || r.out == tcpOutAbsent {
					results[units[j]] = r
				}
			}
			if h.replies > 0 {
				note("RTU over TCP: no reply to MBAP, CRC-valid RTU replies")
			} else if err := h.open(ctx, FramingMBAP); err != nil {
				note("cannot reconnect: %v", err)
				return nil, notes
			}
		}
	}
	sweep := func(from int) {
		for _, u := range units[from:] {
			if ctx.Err() != nil {
				return
			}
			if _, done := results[u]; done {
				continue
			}
			r := h.probe(ctx, u, h.timeout())
			results[u] = r
			if r.out == tcpOutBroken && h.dials >= maxDialsPerHost {
				note("stopped at unit %d: %s", u, r.note)
				return
			}
		}
	}
	sweep(i)
	// A host that answers absent units with 0x0A/0x0B should not be silent
	// for any unit: ask the silent ones again, more patiently.
	if h.gwExc > 0 {
		for _, u := range units {
			if r := results[u]; r.out == tcpOutSilent && ctx.Err() == nil {
				results[u] = h.probe(ctx, u, max(2*h.timeout(), s.firstTimeout(h)))
			}
		}
	}
	// Silent to MBAP throughout, and the RTU check was not conclusive: sweep in RTU.
	if h.replies == 0 && !s.cfg.NoRTU && h.framing == FramingMBAP && ctx.Err() == nil && len(units) > firstUnits {
		if err := h.open(ctx, FramingRTU); err == nil {
			rtuRes := map[int]tcpProbe{}
			for _, u := range units {
				if ctx.Err() != nil {
					break
				}
				r := h.probe(ctx, u, h.timeout())
				if r.out == tcpOutBroken {
					break
				}
				rtuRes[u] = r
			}
			if h.replies > 0 {
				results = rtuRes
				note("RTU over TCP: no reply to MBAP, CRC-valid RTU replies")
			}
		}
	}

	var found []tcpProbe
	for _, u := range units {
		if r, ok := results[u]; ok && r.out == tcpOutDevice {
			found = append(found, r)
		}
	}
	if len(found) == 0 {
		if h.replies == 0 && ctx.Err() == nil {
			note("connection accepted but no Modbus reply (MBAP%s) from %d units", map[bool]string{true: "", false: " or RTU"}[s.cfg.NoRTU], len(units))
		} else if h.gwExc > 0 {
			note("gateway answers, no device behind it among the units probed")
		}
		return nil, notes
	}
	allAlike := ""
	if len(found) >= allUnitsThreshold && len(found) == len(units) {
		same := true
		for _, r := range found[1:] {
			if !bytes.Equal(r.reply, found[0].reply) {
				same = false
				break
			}
		}
		if same {
			allAlike = fmt.Sprintf("answers every unit ID probed (%d of %d) with the same reply: one device ignoring the unit ID, or a gateway answering for all; listed once", len(found), len(units))
			note("%s", allAlike)
			found = found[:1]
		}
	}
	scheme := "tcp"
	if h.framing == FramingRTU {
		scheme = modbus.SchemeRTUOverTCP
	}
	for _, r := range found {
		d := Device{
			URL: scheme + "://" + addr, Unit: r.unit, Host: host, Port: port, Framing: h.framing,
			LatencyMS: float64(r.latency.Microseconds()) / 1000,
		}
		if r.note != "" {
			d.Notes = append(d.Notes, r.note)
		}
		if allAlike != "" {
			d.Notes = append(d.Notes, allAlike)
		}
		if !s.cfg.NoIdentify && ctx.Err() == nil {
			to := identifyTimeout(h.maxLat+h.rtt, 2*s.cfg.MinTimeout)
			to = max(to, h.timeout())
			id, err := Identify(ctx, h.client.WithTimeout(min(to, s.cfg.MaxTimeout)), byte(r.unit), s.cfg.Library)
			s.probes.Add(int64(id.Requests))
			if err != nil {
				d.Notes = append(d.Notes, "identification failed: "+err.Error())
			}
			d.Identity, d.Profile, d.Confidence, d.Evidence = id.Identity, id.Profile, id.Confidence, id.Evidence
		}
		devs = append(devs, d)
	}
	return devs, notes
}
