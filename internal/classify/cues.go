package classify

import "strings"

// Cue categories. With Options.Cues, every word in one of these general
// word lists also produces a shared feature for its list, so that what the
// model learns about "terrible" carries over to "appalling" even when the
// training data never used that word, or to a new customer's products.
// The lists were written by hand from general English usage, not taken
// from the data.
const (
	cueNegative = 1 << iota
	cuePositive
	cueIntensifier
	cueTime
	cueFirstPerson
	cueNegator
	cueProblem
	cueRequest
)

var cueNames = [...]string{"<neg>", "<pos>", "<int>", "<time>", "<1st>", "<not>", "<problem>", "<request>"}

// cueHashes are the (unmasked) feature hashes of cueNames, and
// comboHash that of the first person + negative feature.
var cueHashes, comboHash = func() ([len(cueNames)]uint32, uint32) {
	var h [len(cueNames)]uint32
	for i, name := range cueNames {
		h[i] = uint32(hashStr(hashCueNS, name))
	}
	return h, uint32(hashStr(hashCueNS, "<1st+neg>"))
}()

// cueWords maps a lowercased word (apostrophes removed, as tokenize does)
// to its cue categories.
var cueWords = func() map[string]uint8 {
	m := map[string]uint8{}
	add := func(c uint8, words string) {
		for _, w := range strings.Fields(words) {
			m[w] |= c
		}
	}
	add(cueNegative, `terrible awful horrible horrendous worst bad poor poorly useless ridiculous
		disappointed disappointing disappointment annoying annoyed annoys angry furious mad upset
		frustrated frustrating frustration unacceptable disgusting disgusted pathetic rubbish crap
		crappy shit shitty sucks sucked suck hate hated hates fail fails failed failing failure
		wrong rude unhelpful incompetent ignored ignoring ignore shocking appalling dreadful
		outrageous absurd joke shame shameful embarrassing lousy mess messed nightmare disaster
		scam ripoff lied lies lying liar fed sick tired unhappy sad worse worst ugh wtf smh fml
		hell damn dammit bloody stupid idiots idiotic clueless nonsense hopeless atrocious
		inexcusable unreliable unprofessional poorest regret sorry bs misleading nasty`)
	// Emoji are single-rune tokens; they are looked up like words.
	add(cueNegative, "😡 😠 🤬 😤 😒 😞 😩 😫 😢 😭 🙄 👎 💩 😑 😣 😖 🤦")
	add(cuePositive, "😍 😊 🙂 😀 😁 😃 😄 ❤ ♥ 💕 💙 👍 👏 🙌 🎉 ✨ 😘 🥰 💯")
	add(cuePositive, `thanks thank thx ty great love loved loving loves awesome amazing excellent
		good best happy appreciate appreciated perfect nice wonderful brilliant glad enjoy
		enjoyed fantastic cheers congrats congratulations kudos superb lovely fab fabulous
		helpful pleased impressed beautiful cool fun favourite favorite yay welcome`)
	add(cueIntensifier, `so very really extremely absolutely totally completely literally
		seriously ever even truly utterly such too incredibly`)
	add(cueTime, `still again yet hours hour days day weeks week months month minutes mins hrs
		since already now today yesterday tonight forever long ages twice times`)
	add(cueFirstPerson, `i me my mine myself we our ours us im ive id`)
	add(cueNegator, `not no never nothing nobody nowhere none cannot cant dont doesnt didnt isnt
		arent wasnt werent wont wouldnt couldnt shouldnt havent hasnt hadnt aint`)
	add(cueProblem, `broken broke problem problems issue issues error errors delay delayed
		delays late cancelled canceled cancel missing lost damaged charged overcharged refund
		refunds complaint complain complained stuck slow crash crashed crashes crashing down
		outage bug bugs glitch faulty fault waiting waited wait declined locked blocked
		disconnected unable failed`)
	// Device and software failures, the kind of problem an IT service desk
	// hears about.
	add(cueProblem, `crashes crashed crashing freeze freezes freezing frozen froze lag lags
		lagging laggy buggy glitchy glitches unresponsive offline hacked drained dead died dies
		stopped stops keeps kept overheating reboot restart reinstall`)
	add(cueRequest, `help please pls plz how why when where what fix sort resolve contact
		respond response reply answer explain`)
	return m
}()

// appendCues appends the cue features of the words in toks, and one feature
// for a post that combines first-person words with negative or problem
// words.
func (f featurizer) appendCues(hashes []uint32, toks []token) []uint32 {
	var seen uint8
	for _, t := range toks {
		if t.text == "" {
			continue
		}
		c := cueWords[t.text]
		if c == 0 {
			continue
		}
		seen |= c
		for i, h := range cueHashes {
			if c&(1<<i) != 0 {
				hashes = append(hashes, h&f.mask)
			}
		}
	}
	if seen&cueFirstPerson != 0 && seen&(cueNegative|cueProblem) != 0 {
		hashes = append(hashes, comboHash&f.mask)
	}
	return hashes
}
