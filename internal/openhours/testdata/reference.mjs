// Answers questions about opening_hours values with the reference library,
// npm opening_hours (a devDependency in web/package.json, installed by
// scripts/build-assets.sh), for internal/openhours/reference_test.go.
//
// Run with TZ=Europe/Paris. Reads one JSON object on standard input:
//
//   {"mode": "eval", "values": [...], "instants": [ms...], "limit": ms,
//    "weeks": [[y, m, d]...]}
//     one JSON line per value: {"i", "valid", "error"} or {"i", "valid",
//     "pretty", "at": [[open, unknown, comment, next]...],
//     "weeks": [[[[start, end, unknown, comment]...] × 7 days]...]}
//     where next is the next change in ms, null for none, or "throw: …";
//
//   {"mode": "probe", "values": [...], "probes": [[value, "s"|"n", ms]...],
//    "limit": ms}
//     one JSON line per probe: [value, kind, ms, answer], where "s" answers
//     [open, unknown, comment] and "n" answers the next change as above.
//
// The first line of output is {"version": "…"}.

import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function die(code, msg) {
  process.stderr.write('reference.mjs: ' + msg + '\n');
  process.exit(code);
}

// The module root is the directory that holds go.mod.
let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'go.mod'))) {
  const up = dirname(root);
  if (up === root) die(3, 'go.mod not found above ' + import.meta.url);
  root = up;
}
const require = createRequire(join(root, 'web', 'package.json'));
let OpeningHours, version;
try {
  OpeningHours = require('opening_hours');
  version = require('opening_hours/package.json').version;
} catch (e) {
  die(4, 'npm package opening_hours not found in web/node_modules: run scripts/build-assets.sh (' + e.message + ')');
}
if (process.env.TZ !== 'Europe/Paris') die(5, 'TZ must be Europe/Paris, not ' + process.env.TZ);

// France, Auvergne-Rhône-Alpes: the national public holidays only.
const nominatim = { address: { country_code: 'fr', state: 'Auvergne-Rhône-Alpes' } };
const input = JSON.parse(readFileSync(0, 'utf8'));
const out = [JSON.stringify({ version })];

function parse(value) {
  return new OpeningHours(value, nominatim, { locale: 'en' });
}

function next(oh, ms, limit) {
  try {
    const d = oh.getNextChange(new Date(ms), new Date(ms + limit));
    return d === undefined ? null : d.getTime();
  } catch (e) {
    return 'throw: ' + String(e);
  }
}

// state is getState, getUnknown and getComment, which each build an
// iterator at the date: one iterator answers the three.
function state(oh, ms) {
  const it = oh.getIterator(new Date(ms));
  const c = it.getComment();
  return [it.getState(), it.getUnknown(), c === undefined ? null : c];
}

if (input.mode === 'eval') {
  input.values.forEach((value, i) => {
    let oh;
    try {
      oh = parse(value);
    } catch (e) {
      out.push(JSON.stringify({ i, valid: false, error: String(e) }));
      return;
    }
    const at = input.instants.map((ms) => state(oh, ms).concat([next(oh, ms, input.limit)]));
    const weeks = input.weeks.map(([y, m, d]) => {
      const days = [];
      for (let k = 0; k < 7; k++) {
        const from = new Date(y, m - 1, d + k);
        const to = new Date(y, m - 1, d + k + 1);
        let list;
        try {
          list = oh.getOpenIntervals(from, to).map(([s, e, u, c]) => [s.getTime(), e.getTime(), u, c === undefined ? null : c]);
        } catch (e) {
          list = 'throw: ' + String(e);
        }
        days.push(list);
      }
      return days;
    });
    let pretty;
    try {
      pretty = oh.prettifyValue();
    } catch (e) {
      pretty = 'throw: ' + String(e);
    }
    out.push(JSON.stringify({ i, valid: true, pretty, at, weeks }));
  });
} else if (input.mode === 'probe') {
  const cache = new Map();
  for (const [vi, kind, ms] of input.probes) {
    if (!cache.has(vi)) cache.set(vi, parse(input.values[vi]));
    const oh = cache.get(vi);
    out.push(JSON.stringify([vi, kind, ms, kind === 's' ? state(oh, ms) : next(oh, ms, input.limit)]));
  }
} else {
  die(2, 'unknown mode ' + input.mode);
}
process.stdout.write(out.join('\n') + '\n');
