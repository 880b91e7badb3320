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

// identifyTimeout is the per-request timeout Identify gets inside a scan: a
// few times the turnaround the scan measured, never below min.
func identifyTimeout(rtt, min time.Duration) time.Duration {
	return max(8*rtt, min)
}
