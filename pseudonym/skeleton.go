package pseudonym

// Skeleton returns the name skeleton of one token of a normalised name (a
// word of NormaliseName's result, [a-z0-9]+): a deterministic reduction
// that makes the spellings a name gets from different transliterations
// (and some typing variants) equal. Another implementation must apply
// exactly these steps:
//
//  1. Rewrite the token from left to right: at each position the first of
//     these rules that matches is applied and the position moves past the
//     letters it read; a position no rule matches copies its letter.
//     "kh"→"h", "ph"→"f", "ts"→"c", "tz"→"c", "x"→"ks", "y"→"i", "j"→"i",
//     "w"→"v", "q"→"k", "z"→"c", "g"→"h".
//  2. Vowels are a, e, i, o and u (after step 1, so y and j too). If the
//     first letter is a vowel it becomes "a"; every later vowel is
//     dropped.
//  3. Runs of one letter are collapsed to that letter.
//
// So Yordanka, Jordanka and Iordanka give "ardnk"; Dmytro and Dmitro
// "dmtr"; Hristo and Khristo "hrst"; Serhii and Sergii "srh"; Tsvetelina
// "cvtln"; Melnyk and Melnik "mlnk". Digits are kept. The result is never
// empty for a non-empty token: its first letter survives.
func Skeleton(token string) string {
	var buf [32]byte
	return string(appendSkeleton(buf[:0], token))
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

// appendSkeleton appends Skeleton(token) to dst.
func appendSkeleton(dst []byte, token string) []byte {
	start := len(dst)
	emit := func(c byte) {
		if len(dst) == start {
			if isVowel(c) {
				c = 'a'
			}
		} else {
			if isVowel(c) || dst[len(dst)-1] == c {
				return
			}
		}
		dst = append(dst, c)
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		var next byte
		if i+1 < len(token) {
			next = token[i+1]
		}
		switch {
		case c == 'k' && next == 'h':
			emit('h')
			i++
		case c == 'p' && next == 'h':
			emit('f')
			i++
		case c == 't' && (next == 's' || next == 'z'):
			emit('c')
			i++
		case c == 'x':
			emit('k')
			emit('s')
		case c == 'y', c == 'j':
			emit('i')
		case c == 'w':
			emit('v')
		case c == 'q':
			emit('k')
		case c == 'z':
			emit('c')
		case c == 'g':
			emit('h')
		default:
			emit(c)
		}
	}
	return dst
}
