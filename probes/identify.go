package probes

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// Evidence kinds.
const (
	EvidenceFC43        = "fc43"
	EvidenceFC17        = "fc17"
	EvidenceSunSpec     = "sunspec"
	EvidenceFingerprint = "fingerprint"
	EvidencePoints      = "points"
)

// Identification is what Identify learnt about one unit: what it says about
// itself, the best profile with its confidence, and the evidence.
type Identification struct {
	Identity   *Identity   // nil when the unit answered neither 43/14 nor 17
	Profile    string      // best profile's ID, "" when none matched
	Confidence float64     // 0..1
	Evidence   []Evidence  // facts behind the choice (and facts found on the way)
	SunSpec    int         // holding address of the "SunS" marker, -1 when absent
	Candidates []Candidate // every profile that scored, best first
	Requests   int         // requests sent
}

// Candidate is one profile's score.
type Candidate struct {
	Profile  string     `json:"profile"`
	Score    float64    `json:"score"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Scoring weights. A 43/14 match is the strongest fact; fingerprints (all of
// a profile's fingerprint points plausible) come next; a vendor string that
// no profile's rule knows scores nothing, so it never beats a fingerprint.
const (
	scoreFC43        = 0.6
	scoreFC43Against = -0.3
	scoreFingerprint = 0.5
	scoreFingerEach  = 0.05 // per fingerprint beyond the first
	scoreSunSpec     = 0.25
	scoreNames       = 0.4 // FC43 vendor and model equal the profile's (no explicit rule)
	scoreVendor      = 0.1 // FC43 vendor equals the profile's
	scorePoints      = 0.2 // tie-break: share of the profile's ranged points plausible
)

// sunSpecBases are the holding addresses where a SunSpec map may start.
var sunSpecBases = []uint16{40000, 50000, 0}

// Identify asks a unit who it is and matches it against the library: read
// device identification (43/14, basic then regular), report server ID (17),
// the SunSpec "SunS" marker at 40000, 50000 and 0, and every profile's
// fingerprint points (decoded and checked against their plausible ranges).
// When several profiles score the same, the plausible share of their other
// ranged points breaks the tie. Requests use the client's timeout (give it
// one with Client.WithTimeout). An error is returned only when
// the unit cannot be reached at all (transport failure or ctx done); what
// a unit does not support is evidence, not an error.
func Identify(ctx context.Context, c *modbus.Client, unit byte, lib *profiles.Library) (Identification, error) {
	id := &idReader{ctx: ctx, c: c, unit: unit, regs: map[idRegKey]idRegRead{}}
	res := Identification{SunSpec: -1}
	ident := &Identity{}

	// 43/14 basic, then regular.
	for _, code := range []modbus.DeviceIDCode{modbus.DeviceIDBasic, modbus.DeviceIDRegular} {
		id.n++
		d, err := c.ReadDeviceIdentification(ctx, unit, code)
		for _, o := range d.Objects {
			if ident.Objects == nil {
				ident.Objects = map[string]string{}
			}
			ident.Objects[modbus.ObjectName(o.ID)] = idPrintable(o.Value)
		}
		if err != nil {
			if idFatal(ctx, err) {
				return res, err
			}
			if code == modbus.DeviceIDBasic {
				res.Evidence = append(res.Evidence, Evidence{Kind: EvidenceFC43, Detail: "no device identification: " + idShortErr(err)})
				break
			}
		}
	}
	// 17.
	id.n++
	if sid, err := c.ReportServerID(ctx, unit); err == nil {
		ident.ServerID = hex.EncodeToString(sid.Raw)
		ident.Text = sid.Text()
	} else if idFatal(ctx, err) {
		return res, err
	}
	if ident.Objects != nil || ident.ServerID != "" {
		res.Identity = ident
		var parts []string
		for _, k := range []string{"VendorName", "ProductCode", "MajorMinorRevision", "ProductName", "ModelName"} {
			if v := ident.Objects[k]; v != "" {
				parts = append(parts, fmt.Sprintf("%s=%q", k, v))
			}
		}
		if len(parts) > 0 {
			res.Evidence = append(res.Evidence, Evidence{Kind: EvidenceFC43, Detail: strings.Join(parts, " "), OK: true})
		}
		if ident.ServerID != "" {
			res.Evidence = append(res.Evidence, Evidence{Kind: EvidenceFC17, Detail: fmt.Sprintf("server ID %s %q", ident.ServerID, ident.Text), OK: true})
		}
	}

	// SunSpec marker.
	sunModel := -1
	for _, base := range sunSpecBases {
		regs, err := id.read(profiles.TableHolding, base, 4)
		if err != nil {
			if idFatal(ctx, err) {
				return res, err
			}
			// a device with fewer than 4 registers there: try the marker alone
			if regs, err = id.read(profiles.TableHolding, base, 2); err != nil {
				if idFatal(ctx, err) {
					return res, err
				}
				continue
			}
		}
		if regs[0] == 0x5375 && regs[1] == 0x6E53 {
			res.SunSpec = int(base)
			detail := fmt.Sprintf(`"SunS" marker at holding %d`, base)
			if len(regs) >= 4 {
				sunModel = int(regs[2])
				detail += fmt.Sprintf(", first model %d (length %d)", regs[2], regs[3])
			}
			res.Evidence = append(res.Evidence, Evidence{Kind: EvidenceSunSpec, Detail: detail, OK: true})
			break
		}
	}

	if lib == nil {
		res.Requests = id.n
		return res, nil
	}
	vendor, product, model := ident.Objects["VendorName"], ident.Objects["ProductCode"], ident.Objects["ModelName"]
	var cands []Candidate
	for _, p := range lib.List() {
		cand := Candidate{Profile: p.ID}
		rule := p.Identify.FC43
		if rule != nil && (vendor != "" || product != "" || model != "") {
			if rule.Match(vendor, product, model) {
				cand.Score += scoreFC43
				cand.Evidence = append(cand.Evidence, Evidence{Kind: EvidenceFC43, Detail: fmt.Sprintf("FC43 strings match %s's rule (vendor %q, product %q)", p.ID, vendor, idFirstNonEmpty(product, model)), OK: true})
			} else {
				cand.Score += scoreFC43Against
				cand.Evidence = append(cand.Evidence, Evidence{Kind: EvidenceFC43, Detail: fmt.Sprintf("FC43 strings (vendor %q) do not match %s's rule", vendor, p.ID)})
			}
		}
		if rule == nil && vendor != "" {
			// No explicit rule: the profile's own vendor and model names are weaker evidence.
			if sc, ev := idNameMatch(p, vendor, product, model, ident.Objects["ProductName"]); sc > 0 {
				cand.Score += sc
				cand.Evidence = append(cand.Evidence, ev)
			}
		}
		if len(p.Identify.SunSpecModels) > 0 && sunModel >= 0 {
			for _, m := range p.Identify.SunSpecModels {
				if m == sunModel {
					cand.Score += scoreSunSpec
					cand.Evidence = append(cand.Evidence, Evidence{Kind: EvidenceSunSpec, Detail: fmt.Sprintf("SunSpec model %d is one %s carries", m, p.ID), OK: true})
					break
				}
			}
		}
		if fps := p.Identify.Fingerprints; len(fps) > 0 {
			ok, ev, err := id.fingerprints(p, fps)
			if err != nil {
				return res, err
			}
			cand.Evidence = append(cand.Evidence, ev...)
			if ok {
				cand.Score += scoreFingerprint + scoreFingerEach*float64(len(fps)-1)
			}
		}
		if cand.Score > 0 {
			cands = append(cands, cand)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Score > cands[j].Score })
	// Tie-break among the best: the share of each profile's other ranged points that read plausibly.
	if len(cands) > 1 && cands[1].Score > cands[0].Score-0.01 {
		top := cands[0].Score
		for i := range cands {
			if cands[i].Score < top-0.01 {
				break
			}
			p, _ := lib.Get(cands[i].Profile)
			share, ev, err := id.plausibleShare(p)
			if err != nil {
				return res, err
			}
			cands[i].Score += scorePoints * share
			cands[i].Evidence = append(cands[i].Evidence, ev)
		}
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].Score > cands[j].Score })
	}
	res.Candidates = cands
	if len(cands) > 0 {
		best := cands[0]
		conf := best.Score
		// Ambiguity lowers confidence: profiles within 0.05 share the belief.
		tied := 1
		for _, c := range cands[1:] {
			if c.Score >= best.Score-0.05 {
				tied++
			}
		}
		conf /= float64(tied)
		res.Profile = best.Profile
		res.Confidence = math.Round(math.Min(1, math.Max(0, conf))*100) / 100
		res.Evidence = append(res.Evidence, best.Evidence...)
		if tied > 1 {
			var others []string
			for _, c := range cands[1:tied] {
				others = append(others, c.Profile)
			}
			res.Evidence = append(res.Evidence, Evidence{Kind: EvidenceFingerprint, Detail: "as plausible: " + strings.Join(others, ", ")})
		}
	}
	res.Requests = id.n
	return res, nil
}

// idNameMatch scores a profile whose vendor the device names (0.1), and whose
// model or an alias it names too (0.4).
func idNameMatch(p *profiles.Profile, vendor string, products ...string) (float64, Evidence) {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' || r == '_' {
				return -1
			}
			return r
		}, strings.ToLower(s))
	}
	if p.Vendor == "" || !strings.Contains(norm(vendor), norm(p.Vendor)) {
		return 0, Evidence{}
	}
	names := append([]string{p.Model}, p.Aliases...)
	for _, prod := range products {
		if prod == "" {
			continue
		}
		for _, n := range names {
			if n != "" && (norm(prod) == norm(n) || strings.Contains(norm(prod), norm(n)) && len(norm(n)) >= 4) {
				return scoreNames, Evidence{Kind: EvidenceFC43, Detail: fmt.Sprintf("FC43 names vendor %q and model %q of %s", vendor, prod, p.ID), OK: true}
			}
		}
	}
	return scoreVendor, Evidence{Kind: EvidenceFC43, Detail: fmt.Sprintf("FC43 names vendor %q of %s (model not recognised)", vendor, p.ID), OK: true}
}

// idFatal reports whether err means the unit can no longer be asked at all.
func idFatal(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	var te *modbus.TransportError
	return errors.As(err, &te) || errors.Is(err, modbus.ErrClosed)
}

func idShortErr(err error) string {
	var ex *modbus.ExceptionError
	if errors.As(err, &ex) {
		return "exception " + ex.Code.String()
	}
	if errors.Is(err, modbus.ErrTimeout) {
		return "no reply"
	}
	return err.Error()
}

func idFirstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// idPrintable keeps the printable ASCII of an identification object.
func idPrintable(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7F {
			sb.WriteByte(c)
		}
	}
	return strings.TrimSpace(sb.String())
}

type idRegKey struct {
	table   profiles.Table
	address uint16
	count   int
}

type idRegRead struct {
	regs []uint16
	bits []bool
	err  error
}

// idReader caches reads, so that profiles sharing fingerprint addresses
// (the energy meters do) cost one request.
type idReader struct {
	ctx  context.Context
	c    *modbus.Client
	unit byte
	regs map[idRegKey]idRegRead
	n    int
}

func (id *idReader) raw(t profiles.Table, addr uint16, count int) idRegRead {
	k := idRegKey{t, addr, count}
	if r, ok := id.regs[k]; ok {
		return r
	}
	var r idRegRead
	id.n++
	switch t {
	case profiles.TableHolding:
		r.regs, r.err = id.c.ReadHoldingRegisters(id.ctx, id.unit, addr, uint16(count))
	case profiles.TableInput:
		r.regs, r.err = id.c.ReadInputRegisters(id.ctx, id.unit, addr, uint16(count))
	case profiles.TableCoil:
		r.bits, r.err = id.c.ReadCoils(id.ctx, id.unit, addr, uint16(count))
	case profiles.TableDiscrete:
		r.bits, r.err = id.c.ReadDiscreteInputs(id.ctx, id.unit, addr, uint16(count))
	default:
		r.err = fmt.Errorf("table %v cannot be read", t)
	}
	if !idFatal(id.ctx, r.err) {
		id.regs[k] = r
	}
	return r
}

func (id *idReader) read(t profiles.Table, addr uint16, count int) ([]uint16, error) {
	r := id.raw(t, addr, count)
	return r.regs, r.err
}

// decode reads and decodes one point (with its scale-factor point).
func (id *idReader) decode(p *profiles.Profile, pt *profiles.Point) (profiles.Value, error) {
	if int(pt.Address)+pt.Size() > 65536 {
		return profiles.Value{}, fmt.Errorf("point beyond the address space")
	}
	r := id.raw(pt.Table, pt.Address, pt.Size())
	if r.err != nil {
		return profiles.Value{}, r.err
	}
	if pt.Table.IsBit() {
		return pt.DecodeBits(r.bits)
	}
	var sf *int
	if pt.ScaleFactor != "" {
		sp, ok := p.Point(pt.ScaleFactor)
		if !ok {
			return profiles.Value{}, fmt.Errorf("scale factor %s missing", pt.ScaleFactor)
		}
		sv, err := id.decode(p, sp)
		if err != nil {
			return profiles.Value{}, fmt.Errorf("scale factor %s: %w", sp.Name, err)
		}
		v := int(sv.Int)
		sf = &v
	}
	return pt.Decode(r.regs, sf)
}

// fingerprints checks every fingerprint point of p: all must read and decode
// to a number in the fingerprint's range.
func (id *idReader) fingerprints(p *profiles.Profile, fps []profiles.Fingerprint) (bool, []Evidence, error) {
	var ev []Evidence
	all := true
	for _, fp := range fps {
		pt, ok := p.Point(fp.Point)
		if !ok {
			all = false
			continue
		}
		v, err := id.decode(p, pt)
		if err != nil {
			if idFatal(id.ctx, err) {
				return false, nil, err
			}
			ev = append(ev, Evidence{Kind: EvidenceFingerprint, Detail: fmt.Sprintf("%s: %s (%s)", p.ID, fp.Point, idShortErr(err))})
			all = false
			break // the rest cannot rescue this profile
		}
		num, isNum := idValueNumber(v)
		in := isNum && v.Implemented && fp.Range.Contains(num)
		ev = append(ev, Evidence{Kind: EvidenceFingerprint,
			Detail: fmt.Sprintf("%s = %s in %g..%g", fp.Point, v.Display, fp.Range.Min, fp.Range.Max), OK: in})
		if !in {
			ev[len(ev)-1].Detail = fmt.Sprintf("%s = %s not in %g..%g", fp.Point, v.Display, fp.Range.Min, fp.Range.Max)
			all = false
			break
		}
	}
	return all, ev, nil
}

// maxTieBreakPoints bounds the reads a tie-break costs per profile.
const maxTieBreakPoints = 12

// plausibleShare reads up to maxTieBreakPoints of p's ranged, readable,
// non-fingerprint points and returns the share that decode in range (an
// exception or an implausible value counts against).
func (id *idReader) plausibleShare(p *profiles.Profile) (float64, Evidence, error) {
	fp := map[string]bool{}
	for _, f := range p.Identify.Fingerprints {
		fp[f.Point] = true
	}
	n, ok := 0, 0
	for _, pt := range p.ReadablePoints() {
		if n >= maxTieBreakPoints {
			break
		}
		if pt.Range == nil || fp[pt.Name] {
			continue
		}
		n++
		v, err := id.decode(p, pt)
		if err != nil {
			if idFatal(id.ctx, err) {
				return 0, Evidence{}, err
			}
			continue
		}
		if pt.InRange(v) {
			ok++
		}
	}
	if n == 0 {
		return 0, Evidence{Kind: EvidencePoints, Detail: p.ID + ": no other ranged points"}, nil
	}
	share := float64(ok) / float64(n)
	return share, Evidence{Kind: EvidencePoints, Detail: fmt.Sprintf("%s: %d of %d other points plausible", p.ID, ok, n), OK: share >= 0.5}, nil
}

func idValueNumber(v profiles.Value) (float64, bool) {
	switch v.Kind {
	case profiles.KindNumber, profiles.KindEnum:
		return v.Number, true
	case profiles.KindBool:
		if v.Bool {
			return 1, true
		}
		return 0, true
	case profiles.KindBits:
		return float64(v.Uint), true
	}
	return 0, false
}

// identifyTimeout is the per-request timeout Identify gets inside a scan: a
// few times the turnaround the scan measured, never below min.
func identifyTimeout(rtt, min time.Duration) time.Duration {
	return max(8*rtt, min)
}
