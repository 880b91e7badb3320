package probes

import (
	"fmt"
	"strings"

	"github.com/busprobe/busprobe/profiles"
)

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
