package charm

import (
	"errors"
	"testing"
)

func TestValidateRefreshTimer(t *testing.T) {
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		// The charm's and snapd's special values.
		{"max", true},
		{"", true},
		// snapd's documented examples (timeutil.ParseSchedule).
		{"mon,10:00-12:00", true},
		{"sat5", true},
		{"00:00-24:00/4", true},
		{"fri,sat5,10:00~12:00", true},
		{"mon,10:00,,fri,15:00", true},
		{"mon-wed,fri,9:00-11:00/2", true},
		{"mon1-wed", true},
		{"thu2", true},
		{"23:00-01:00", true},
		// Refused by snapd, so by the charm.
		{"someday", false},
		{"mon6", false},
		{"mon0", false},
		{"25:00", false},
		{"mon,,", false},
		{",", false},
		{" mon", false},
		{"Max", false},
		{"managed", false},
	} {
		t.Run(tc.value, func(t *testing.T) {
			err := ValidateRefreshTimer(tc.value)
			if tc.ok {
				if err != nil {
					t.Fatalf("ValidateRefreshTimer(%q) = %v, want nil", tc.value, err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Option != "snapd_refresh" {
				t.Fatalf("ValidateRefreshTimer(%q) = %v, want a ConfigError naming snapd_refresh", tc.value, err)
			}
		})
	}
}
