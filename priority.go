package socialdesk

// PriorityMatrix maps impact and urgency to a priority. An administrator can
// change it; DefaultPriorityMatrix is the ITIL default.
type PriorityMatrix map[Level]map[Level]Priority

// DefaultPriorityMatrix returns the standard matrix: H/H=P1; H/M and M/H=P2;
// H/L, M/M and L/H=P3; M/L and L/M=P4; L/L=P5. The outer key is impact, the
// inner key urgency.
func DefaultPriorityMatrix() PriorityMatrix {
	return PriorityMatrix{
		High:   {High: 1, Medium: 2, Low: 3},
		Medium: {High: 2, Medium: 3, Low: 4},
		Low:    {High: 3, Medium: 4, Low: 5},
	}
}

// Priority looks up the priority for an impact and urgency. A missing cell
// falls back to the default matrix.
func (m PriorityMatrix) Priority(impact, urgency Level) Priority {
	if p, ok := m[impact][urgency]; ok && p >= 1 && p <= 5 {
		return p
	}
	return DefaultPriorityMatrix()[impact][urgency]
}

// Validate checks that every cell holds a priority from 1 to 5.
func (m PriorityMatrix) Validate() error {
	for _, i := range Levels {
		for _, u := range Levels {
			p, ok := m[i][u]
			if !ok {
				return FieldError("matrix", "The cell impact=%s urgency=%s is missing.", i, u)
			}
			if p < 1 || p > 5 {
				return FieldError("matrix", "The cell impact=%s urgency=%s must be P1 to P5, not %d.", i, u, p)
			}
		}
	}
	return nil
}
