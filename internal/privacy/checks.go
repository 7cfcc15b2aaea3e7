package privacy

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// digitsOf returns the ASCII digits of s in order.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// luhnValid reports whether the digit string passes the Luhn check.
func luhnValid(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// cardBrandValid reports whether the digits start with the issuer prefix
// of a major card network and have a length that network issues.
func cardBrandValid(d string) bool {
	n := len(d)
	p2 := atoiPrefix(d, 2)
	p3 := atoiPrefix(d, 3)
	p4 := atoiPrefix(d, 4)
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p2 == 62: // Discover, UnionPay
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16 && n <= 19
	case p2 == 36, p2 == 38, p2 == 39, p3 >= 300 && p3 <= 305: // Diners Club
		return n >= 14 && n <= 16
	case p4 == 5018, p4 == 5020, p4 == 5038, p2 >= 56 && p2 <= 58, p4 == 6304, p4 == 6759, p3 == 676: // Maestro
		return n >= 12 && n <= 19
	}
	return false
}

// atoiPrefix returns the number formed by the first n digits of d.
func atoiPrefix(d string, n int) int {
	v := 0
	for i := 0; i < n && i < len(d); i++ {
		v = v*10 + int(d[i]-'0')
	}
	return v
}

// allSame reports whether every byte of s is the same.
func allSame(s string) bool {
	return s != "" && strings.Count(s, s[:1]) == len(s)
}

// ibanLengthTable lists, in four-character records, each country in the
// ISO 13616 registry (a subset covering Europe and the most common other
// countries) followed by its two-digit IBAN length.
const ibanLengthTable = "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BR29CH21CR22CY28CZ24DE22DK18DO28EE20EG29ES24FI18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IS26IT27JO30KW30KZ20LB28LI21LT20LU20LV21MC27MD24ME22MK19MR27MT31MU30NL18NO15PK24PL28PS29PT25QA29RO24RS22SA24SE24SI19SK24SM27TN24TR26UA29VA22VG24XK20"

// ibanLength returns the IBAN length for the country code cc, or 0 when the
// country is not in the table.
func ibanLength(cc string) int {
	for i := 0; i+4 <= len(ibanLengthTable); i += 4 {
		if ibanLengthTable[i:i+2] == cc {
			return int(ibanLengthTable[i+2]-'0')*10 + int(ibanLengthTable[i+3]-'0')
		}
	}
	return 0
}

// ibanValid reports whether the compact (no spaces, upper case) string is
// an IBAN with a valid ISO 13616 mod-97 check.
func ibanValid(s string) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	if n := ibanLength(s[:2]); n != 0 && n != len(s) {
		return false
	}
	rearranged := s[4:] + s[:4]
	rem := 0
	for i := 0; i < len(rearranged); i++ {
		c := rearranged[i]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// ssnValid applies the US Social Security Administration's rules: the area
// is not 000, 666 or 900-999, the group is not 00 and the serial not 0000.
// It also rejects numbers the SSA voided after they were printed in
// advertising (078-05-1120, 219-09-9999).
func ssnValid(area, group, serial string) bool {
	if area == "000" || area == "666" || area[0] == '9' {
		return false
	}
	if full := area + group + serial; full == "078051120" || full == "219099999" {
		return false
	}
	return group != "00" && serial != "0000"
}

// ukNIValid rejects UK National Insurance prefixes that are never issued.
func ukNIValid(prefix string) bool {
	switch prefix {
	case "BG", "GB", "NK", "KN", "TN", "NT", "ZZ":
		return false
	}
	return true
}

// inseeValid checks the two-digit key of a French INSEE number given as 13
// characters (Corsican departments 2A and 2B allowed) and its key.
func inseeValid(body, key string) bool {
	body = strings.ToUpper(body)
	// Corsica: 2A is counted as 19 and 2B as 18 in place of the
	// department, per the INSEE rules.
	if strings.Contains(body[5:7], "A") {
		body = body[:5] + "19" + body[7:]
	} else if strings.Contains(body[5:7], "B") {
		body = body[:5] + "18" + body[7:]
	}
	n := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c < '0' || c > '9' {
			return false
		}
		n = (n*10 + int(c-'0')) % 97
	}
	k := 0
	for i := 0; i < len(key); i++ {
		k = k*10 + int(key[i]-'0')
	}
	return 97-n == k
}

// entropy returns the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// charClasses counts how many of lower case, upper case, digits and other
// characters occur in s.
func charClasses(s string) int {
	var lower, upper, digit, other int
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}

// isWordRune reports whether r is a letter or digit.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// runeBefore returns the rune that ends just before byte offset i, or 0.
func runeBefore(s string, i int) rune {
	if i <= 0 {
		return 0
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r
}

// runeAfter returns the rune that starts at byte offset i, or 0.
func runeAfter(s string, i int) rune {
	if i >= len(s) {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

// maskFinding returns the hint Mask shows in place of f.
func maskFinding(f Finding) string {
	switch f.Kind {
	case KindCard:
		return maskDigits(f.Text, 4)
	case KindPhone:
		return maskDigits(f.Text, 2)
	case KindNationalID:
		return maskDigits(f.Text, 2)
	case KindIBAN:
		return maskIBAN(f.Text)
	case KindEmail:
		return maskEmail(f.Text)
	case KindIP:
		return maskIP(f.Text)
	case KindName:
		return initials(f.Text)
	default:
		return f.Kind.Placeholder()
	}
}

// maskDigits replaces every letter and digit with '*' except the last keep
// digits, keeping separators so the shape stays recognisable.
func maskDigits(s string, keep int) string {
	total := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			total++
		}
	}
	var b strings.Builder
	seen := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			seen++
			if seen > total-keep {
				b.WriteRune(r)
			} else {
				b.WriteByte('*')
			}
		case unicode.IsLetter(r):
			b.WriteByte('*')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maskIBAN keeps the country code and the last four characters.
func maskIBAN(s string) string {
	var b strings.Builder
	n := 0
	total := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			total++
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			b.WriteByte(c)
			continue
		}
		n++
		if n <= 2 || n > total-4 {
			b.WriteByte(c)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// maskEmail keeps the first character of the local part and the domain.
func maskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return KindEmail.Placeholder()
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + "***" + s[at:]
}

// maskIP keeps the first half of the address: two octets of IPv4, two
// groups of IPv6.
func maskIP(s string) string {
	if strings.Contains(s, ":") {
		parts := strings.SplitN(s, ":", 3)
		if len(parts) < 3 {
			return KindIP.Placeholder()
		}
		return parts[0] + ":" + parts[1] + ":*"
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return KindIP.Placeholder()
	}
	return parts[0] + "." + parts[1] + ".*.*"
}

// initials turns "John Carter" into "J. C.".
func initials(s string) string {
	var parts []string
	for _, w := range strings.Fields(s) {
		r, _ := utf8.DecodeRuneInString(w)
		parts = append(parts, string(r)+".")
	}
	if len(parts) == 0 {
		return KindName.Placeholder()
	}
	return strings.Join(parts, " ")
}
