// Shrinks a failing fuzz model to a small one that still fails the same way (issue 16, item 4):
//   1. the cases: one alone if one suffices, else drop cases one at a time while it still fails;
//   2. each kept case's steps: the shortest prefix that still fails (the head is re-sized to it);
//   3. then every step whose output has its input's shape is tried as an identity, one at a time.
// "Fails the same way": a finding of the same kind about the same kind of thing (a gradient, an
// output, the loss…), since names and indices move as the model shrinks. Each try is one build.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkModel, type Finding } from "./check.ts";
import { assemble, generateModel, removable, renderCase, type CaseCut, type FuzzCase, type FuzzModel } from "./generate.ts";

/** What a finding is about, without the names and indices that change as the model shrinks. */
export function findingClass(f: Finding): string {
  return `${f.kind}: ${f.what.replace(/\b(c\d+|l\d+|h\d+)\b/g, "*").replace(/\d+/g, "#")}`;
}

export interface Reduced {
  readonly model: FuzzModel;
  readonly finding: Finding;
  readonly builds: number;
}

/**
 * The smallest model found that still has a finding of `target`'s class. `cases` as generated
 * for the seed (generateModel(seed, cases)).
 */
export async function reduce(
  seed: number,
  cases: number,
  target: Finding,
  work: string,
  log: (line: string) => void = () => {},
  /** The check (tests give a cheap stand-in): the model's findings. */
  check: (model: FuzzModel, work: string) => Promise<readonly Finding[]> = async (model, dir) => (await checkModel(model, { work: dir })).findings,
): Promise<Reduced> {
  const original = generateModel(seed, cases);
  const wanted = findingClass(target);
  let builds = 0;
  let last = target;
  const fails = async (list: readonly FuzzCase[], cuts: readonly CaseCut[]): Promise<boolean> => {
    const model = build(original, list, cuts);
    const findings = await check(model, join(work, `try-${builds++}`));
    const same = findings.find((f) => findingClass(f) === wanted);
    if (same) last = same;
    log(`  try ${builds}: ${list.length} cases, steps ${cuts.map((c) => `${c.prefix - c.identity.size}`).join("+")}: ${same ? "still fails" : "passes"}`);
    return same !== undefined;
  };
  const full = (c: FuzzCase): CaseCut => ({ prefix: c.steps.length, identity: new Set() });

  // 1. cases
  let list = [...original.cases];
  const alone = [];
  for (const c of list) {
    if (list.length === 1) break;
    if (await fails([c], [full(c)])) {
      alone.push(c);
      break;
    }
  }
  if (alone.length) list = alone;
  else
    for (let i = list.length - 1; i >= 0 && list.length > 1; i--) {
      const without = list.filter((_, j) => j !== i);
      if (await fails(without, without.map(full))) list = without;
    }
  let cuts = list.map(full);

  // 2. the shortest failing prefix of each case, by bisection (a longer prefix is not always a
  // superset of the problem, so the result is checked, not assumed)
  for (let i = 0; i < list.length; i++) {
    let lo = 0, hi = cuts[i].prefix;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const trial = cuts.map((c, j) => (j === i ? { prefix: mid, identity: new Set<number>() } : c));
      if (await fails(list, trial)) hi = mid;
      else lo = mid + 1;
    }
    cuts = cuts.map((c, j) => (j === i ? { prefix: hi, identity: new Set<number>() } : c));
  }

  // 3. identities
  for (let i = 0; i < list.length; i++)
    for (let s = cuts[i].prefix - 1; s >= 0; s--) {
      if (!removable(list[i].steps[s])) continue;
      const identity = new Set([...cuts[i].identity, s]);
      const trial = cuts.map((c, j) => (j === i ? { prefix: c.prefix, identity } : c));
      if (await fails(list, trial)) cuts = trial;
    }
  return { model: build(original, list, cuts), finding: last, builds };
}

/** The model of `list` cut as `cuts`, with the original's loss and optimizer. */
function build(original: FuzzModel, list: readonly FuzzCase[], cuts: readonly CaseCut[]): FuzzModel {
  const renamed = list.map((c, i) => {
    const className = `Case${i}`;
    return { ...c, className, source: renderCase(className, c.inputShape, c.steps, cuts[i]) };
  });
  return assemble(original.seed, renamed, original.loss, original.optimizer, ", reduced");
}

/** Writes a reduced model as a regression fixture: test/fixtures/fuzz/seed-<S>.ts, with what it found. */
export function writeFixture(dir: string, reduced: Reduced): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `seed-${reduced.model.seed}.ts`);
  const finding = `${reduced.finding.kind}: ${reduced.finding.what}: ${reduced.finding.message.split("\n")[0]}`.replace(/\*\//g, "* /");
  writeFileSync(file, `// Found by the fuzzer (fuzz/run.ts --seed ${reduced.model.seed}), reduced in ${reduced.builds} builds.\n// It failed with: ${finding}\n${reduced.model.source}`);
  return file;
}
