// Differential test: Cartback's SMS segment count and encoding against Twilio's own calculator
// (sms-segments-calculator, pinned in package.json), over generated bodies that sit at the
// boundaries where encoders differ: 160/153 septets, 70/67 UTF-16 units, extension characters
// (two septets) and emoji (surrogate pairs) at part edges, GSM-7 letters outside ASCII, Turkish,
// Norwegian and Persian letters. Usage: node sms-segments.diff.mjs PATH_TO_CARTBACK [N]
import { SegmentedMessage } from "sms-segments-calculator";
import { execFileSync } from "node:child_process";

const bin = process.argv[2];
const n = Number(process.argv[3] || 10000);
if (!bin) throw new Error("usage: node sms-segments.diff.mjs PATH_TO_CARTBACK [N]");

// A fixed seed: the same bodies on every run (mulberry32).
let seed = 0x5eed;
function rnd() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const pools = {
  ascii: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?:;-()'\"/@%&*+=<>#\n",
  extension: "^{}\\[~]|€",
  gsmLatin: "£¥èéùìòÇØøÅåÆæßÉÄÖÑÜäöñüà§¿¡ΔΦΓΛΩΠΨΣΘΞ_$",
  turkish: "çşğıİÇŞĞÖÜöü",
  norwegian: "æøåÆØÅ",
  persian: "سبدخریدشمامنتظراستکارتپرداخت ",
  emoji: ["🛒", "😀", "👍🏽", "❤️", "🇳🇴", "✨"],
  other: "ëŁłāĀ`’“”–…",
};
function body() {
  // Mostly one family, sometimes a few foreign characters near the end (where parts split).
  const target = pick([20, 70, 140, 153, 159, 160, 161, 200, 305, 306, 307, 320, 459, 460, 612]) + Math.floor(rnd() * 5) - 2;
  const base = rnd() < 0.55 ? "ascii" : pick(["gsmLatin", "turkish", "norwegian", "persian", "ascii"]);
  // Half the bodies stay within their family (GSM-7 ones stay GSM-7), half get foreign characters.
  const pure = rnd() < 0.5;
  let s = "";
  while ([...s].length < target) {
    const r = pure ? Math.min(rnd(), 0.91) : rnd();
    if (r < 0.85) s += pick([...pools[base]]);
    else if (r < 0.92) s += pick([...pools.extension]);
    else if (r < 0.95) s += pick(pools.emoji);
    else if (r < 0.98) s += pick([...pools.gsmLatin]);
    else s += pick([...pools.other]);
  }
  if (rnd() < 0.3) s += pick([...pools.extension]);
  if (rnd() < 0.1) s += pick(pools.emoji);
  return s;
}

const bodies = Array.from({ length: n }, body);
const ours = execFileSync(bin, ["sms-segments"], { input: bodies.map((b) => JSON.stringify(b)).join("\n") + "\n", maxBuffer: 1 << 26 })
  .toString()
  .trim()
  .split("\n");
let differences = 0;
const byEncoding = {};
bodies.forEach((b, i) => {
  const ref = new SegmentedMessage(b);
  const want = `${ref.encodingName} ${ref.segmentsCount}`;
  byEncoding[want.split(" ")[0]] = (byEncoding[want.split(" ")[0]] || 0) + 1;
  if (ours[i] !== want) {
    differences += 1;
    if (differences <= 10) console.log(`DIFF ${JSON.stringify(b)}: cartback ${ours[i]}, twilio ${want}`);
  }
});
console.log(`sms segments vs sms-segments-calculator 1.3.0: ${n} bodies (${JSON.stringify(byEncoding)}), ${differences} differences`);
process.exit(differences === 0 ? 0 : 1);
