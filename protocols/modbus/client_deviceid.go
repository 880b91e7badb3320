package modbus

import (
	"context"
	"errors"
	"fmt"
)

// ErrDeviceIDLoop is matched by the error of a device identification read
// whose continuation (MoreFollows / NextObjectID) makes no progress.
var ErrDeviceIDLoop = errors.New("modbus: device identification continuation makes no progress")

// maxDeviceIDPages bounds a device identification read: object IDs are one
// byte and each page must start at an object not asked for before.
const maxDeviceIDPages = 256

// DeviceIdentification is everything a unit returned for a read device
// identification (function 43/14) of one category, across all pages.
type DeviceIdentification struct {
	Code       DeviceIDCode   // the category asked for
	Conformity byte           // the unit's conformity level, from the first page
	Objects    []DeviceObject // in the order received, each ID once
	Pages      int            // replies it took
}

// Object returns the value of object id, if the unit sent it.
func (d DeviceIdentification) Object(id byte) ([]byte, bool) {
	for _, o := range d.Objects {
		if o.ID == id {
			return o.Value, true
		}
	}
	return nil, false
}

// ReadDeviceIdentification reads all objects of category code (basic,
// regular or extended) from the unit, following MoreFollows/NextObjectID
// across as many requests as the unit needs. A continuation that asks for
// an object twice or announces more without sending any object ends with
// an error matching ErrDeviceIDLoop; the objects gathered until then are
// returned with it, and with any other error on a later page.
func (c *Client) ReadDeviceIdentification(ctx context.Context, unit byte, code DeviceIDCode) (DeviceIdentification, error) {
	if code == DeviceIDSpecific {
		return DeviceIdentification{}, fmt.Errorf("read device identification: code 4 reads one object; use ReadDeviceObject")
	}
	out := DeviceIdentification{Code: code}
	seen := make(map[byte]bool)
	asked := make(map[byte]bool)
	next := byte(0)
	for range maxDeviceIDPages {
		if asked[next] {
			return out, fmt.Errorf("unit %d: object 0x%02X asked for twice: %w", unit, next, ErrDeviceIDLoop)
		}
		asked[next] = true
		page, err := c.deviceIDPage(ctx, unit, code, next)
		if err != nil {
			return out, err
		}
		if out.Pages == 0 {
			out.Conformity = page.Conformity
		}
		out.Pages++
		for _, o := range page.Objects {
			if !seen[o.ID] {
				seen[o.ID] = true
				out.Objects = append(out.Objects, o)
			}
		}
		if !page.MoreFollows {
			return out, nil
		}
		if len(page.Objects) == 0 {
			return out, fmt.Errorf("unit %d: more objects announced but none sent: %w", unit, ErrDeviceIDLoop)
		}
		next = page.NextObjectID
	}
	return out, fmt.Errorf("unit %d: more than %d pages: %w", unit, maxDeviceIDPages, ErrDeviceIDLoop)
}

// ReadDeviceObject reads one device identification object (43/14 code 4).
func (c *Client) ReadDeviceObject(ctx context.Context, unit byte, id byte) (DeviceObject, error) {
	page, err := c.deviceIDPage(ctx, unit, DeviceIDSpecific, id)
	if err != nil {
		return DeviceObject{}, err
	}
	for _, o := range page.Objects {
		if o.ID == id {
			return o, nil
		}
	}
	return DeviceObject{}, fmt.Errorf("reply from unit %d: %w", unit, frameErr(nil, "object 0x%02X asked for, not in the reply", id))
}

// deviceIDPage makes one 43/14 request.
func (c *Client) deviceIDPage(ctx context.Context, unit byte, code DeviceIDCode, objectID byte) (DeviceIDPage, error) {
	req, err := ReadDeviceIDRequest(code, objectID)
	if err != nil {
		return DeviceIDPage{}, err
	}
	resp, err := c.roundTrip(ctx, unit, req)
	if err != nil {
		return DeviceIDPage{}, err
	}
	page, err := ParseDeviceID(req, resp)
	return page, replyErrOrNil(unit, err)
}
