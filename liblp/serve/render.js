/* lp pages (liblp/serve): marks answers in the page from the keys a
   static site embeds (data-kind, data-key), following lpk(5) ANSWERS, and
   pages the display mode with the arrow keys.  Pages work without it. */
(function () {
'use strict';
/* Unicode White_Space, exactly */
var WS = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
function squeeze(s) { return s.replace(WS, ' ').replace(/^ | $/g, ''); }
/* full case folding, approximated by the default case mappings */
function fold(s) {
  return squeeze(s).normalize('NFC').toLowerCase().toUpperCase()
    .toLowerCase().normalize('NFC');
}
var ND = /\p{Nd}/u;
/* a decimal digit of any script: its value (runs of ten from 0) */
function digit(c) {
  var cp = c.codePointAt(0), n = 0;
  while (n < 80 && ND.test(String.fromCodePoint(cp - n - 1))) n++;
  return n % 10;
}
var SUP = '\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079';
/* a number as [BigInt, scale, percent] (its value: v / 10^scale), or
   null: a learner's (digits of any script, '.' ',' or U+066B, U+2212, a
   power of ten "e-26", "x10^-26", "*10^5", a superscript one), or one
   lpc wrote ("3.48e-26"; a tolerance may be "1%").  Digits must lie
   where liblp's exact arithmetic has room for them (lpk(5) ANSWERS). */
function number(s, learner) {
  var m = learner
    ? /^([+\-\u2212]?)(\p{Nd}*)(?:[.,\u066b](\p{Nd}*))?(?: ?(?:[eE]([+\-\u2212]?[0-9]{1,4})|[\u00d7xX*\u00b7\u22c5] ?10(?:\^([+\-\u2212]?[0-9]{1,4})|([\u207a\u207b]?[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]{1,4}))))?()$/u.exec(squeeze(s))
    : /^([+\-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+\-]?[0-9]{1,4}))?()()(%?)$/.exec(s);
  if (!m) return null;
  var a = Array.from(m[2]), b = Array.from(m[3] || '');
  if (a.length + b.length === 0 || a.length > 40 || b.length > 40) return null;
  var v = BigInt('0' + a.concat(b).map(digit).join(''));
  var e = m[4] || m[5], x = 0;
  if (e) x = parseInt(e.replace('\u2212', '-'), 10);
  else if (m[6]) {
    Array.from(m[6]).forEach(function (c) {
      if (SUP.indexOf(c) >= 0) x = x * 10 + SUP.indexOf(c);
    });
    if (m[6].charAt(0) === '\u207b') x = -x;
  }
  var scale = b.length - x;
  for (var w = v; w !== 0n && w % 10n === 0n; w /= 10n) scale--;
  var low = -scale, high = low + (v === 0n ? 0 : String(v < 0n ? -v : v).replace(/0+$/, '').length - 1);
  if (v !== 0n && (low < -210 || high > 99)) return null;
  return [m[1] && m[1] !== '+' ? -v : v, b.length - x, m[7] === '%'];
}
function scaled(d, k) { return d[0] * 10n ** BigInt(k - d[1]); }
/* an answer without the unit it may end with */
function unitless(a, unit) {
  a = squeeze(a);
  if (unit && a.length > unit.length && a.slice(-unit.length) === unit)
    a = a.slice(0, -unit.length).replace(/ $/, '');
  return a;
}
function correct(f, answer) {
  var kind = f.dataset.kind, key = f.dataset.key.split('\n');
  if (kind === 'multiple-choice') {
    var got = answer.filter(function (x, i) { return answer.indexOf(x) === i; });
    return got.length === key.length &&
      got.every(function (x) { return key.indexOf(x) >= 0; });
  }
  var a = answer.length ? answer[0] : '';
  if (kind === 'true-false') return squeeze(a) === key[0];
  if (kind === 'numeric') {
    var x = number(unitless(a, f.dataset.unit), true), v = number(key[0]),
      t = number(f.dataset.tolerance || '0');
    if (!x || !v || !t) return false;
    /* relative: that percentage of the answer */
    if (t[2]) t = [(v[0] < 0n ? -v[0] : v[0]) * (t[0] < 0n ? -t[0] : t[0]), v[1] + t[1] + 2];
    var k = Math.max(x[1], v[1], t[1]), d = scaled(x, k) - scaled(v, k), tt = scaled(t, k);
    if (d < 0n) d = -d;
    if (tt < 0n) tt = -tt;
    return d <= tt;
  }
  var g = fold(a);
  return key.some(function (k) { return fold(k) === g; });
}
function mark(f, ok) {
  f.querySelectorAll('.result [class]').forEach(function (p) {
    p.hidden = p.classList.contains('right') !== ok;
  });
  f.classList.toggle('is-right', ok);
  f.classList.toggle('is-wrong', !ok);
}
document.querySelectorAll('form.act[data-kind]').forEach(function (f) {
  f.addEventListener('submit', function (e) {
    var answer = [];
    f.querySelectorAll('[name=answer]').forEach(function (i) {
      if ((i.type !== 'radio' && i.type !== 'checkbox') || i.checked)
        answer.push(i.value);
    });
    e.preventDefault();
    mark(f, correct(f, answer));
  });
});
/* Display mode: a screen at a time, arrow keys and remotes (which send
   arrow keys); the reading direction decides which arrow is "next" */
if (!document.documentElement.classList.contains('display')) return;
var screens = Array.prototype.slice.call(document.querySelectorAll('.screen'));
function current() {
  var id = location.hash.slice(1), i = screens.findIndex(function (s) { return s.id === id; });
  return i < 0 ? 0 : i;
}
function go(i) {
  if (i < 0 || i >= screens.length) return;
  history.replaceState(null, '', '#' + screens[i].id);
  screens[i].scrollIntoView();
  screens[i].focus({ preventScroll: true });
}
document.addEventListener('keydown', function (e) {
  var t = e.target.tagName;
  if (t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT' || e.altKey || e.ctrlKey || e.metaKey) return;
  var rtl = getComputedStyle(document.body).direction === 'rtl', k = e.key, step = 0;
  if (k === 'ArrowDown' || k === 'PageDown' || k === (rtl ? 'ArrowLeft' : 'ArrowRight')) step = 1;
  else if (k === 'ArrowUp' || k === 'PageUp' || k === (rtl ? 'ArrowRight' : 'ArrowLeft')) step = -1;
  else if (k === 'Home') { go(0); e.preventDefault(); return; }
  else if (k === 'End') { go(screens.length - 1); e.preventDefault(); return; }
  if (!step) return;
  e.preventDefault();
  go(current() + step);
});
})();
